//! The shared state store: `ctx.state()`, the seed's `RealtimeStateStore`.
//!
//! [`State`] is the typed API handlers use: values are any serde type,
//! stored as JSON, under keys that get the configured prefix exactly once.
//! It sits on a [`StateBackend`], which stores strings: [`MemoryBackend`] on
//! one instance, Redis in cluster mode.

mod memory;

pub use memory::MemoryBackend;

use std::{sync::Arc, time::Duration};

use futures_util::future::BoxFuture;
use serde::{Serialize, de::DeserializeOwned};

/// Why a state operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The key holds another kind of value (a list where a number was expected...).
    #[error("key `{key}` holds a {found}, not a {expected}")]
    WrongType {
        /// The key, without the prefix.
        key: String,
        /// What the operation needs.
        expected: &'static str,
        /// What the key holds.
        found: &'static str,
    },
    /// `incr`/`decr` on a value that is not an integer, or that would overflow.
    #[error("key `{0}` does not hold an integer that can be incremented")]
    NotAnInteger(String),
    /// A value could not be encoded or decoded as JSON.
    #[error("key `{key}`: {source}")]
    Json {
        /// The key, without the prefix.
        key: String,
        /// The cause.
        source: serde_json::Error,
    },
    /// The backend cannot be reached (Redis down): the operation did not happen.
    #[error("the state store is unavailable: {0}")]
    Unavailable(String),
    /// Keys starting with `__loly:` are the framework's own (locks, presence).
    #[error("key `{0}`: keys starting with `__loly:` are reserved")]
    ReservedKey(String),
}

/// The framework's own keys start with this, after the prefix.
pub(crate) const RESERVED_KEY_PREFIX: &str = "__loly:";

/// The result of a state operation.
pub type StateResult<T> = Result<T, StateError>;

/// What a key holds, for [`StateError::WrongType`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A single value.
    Value,
    /// A list.
    List,
    /// A set.
    Set,
}

impl Kind {
    /// The kind's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Value => "value",
            Kind::List => "list",
            Kind::Set => "set",
        }
    }
}

/// A store of strings under full (already prefixed) keys, with Redis'
/// semantics. Implement it to add a backend; [`State`] adds the prefix,
/// JSON and types on top.
pub trait StateBackend: Send + Sync + 'static {
    /// The value at `key`, if present and not expired.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, StateResult<Option<String>>>;
    /// Sets `key` to `value`, expiring after `ttl` (no TTL: never).
    fn set<'a>(
        &'a self,
        key: &'a str,
        value: String,
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, StateResult<()>>;
    /// Removes `key`; whether it existed.
    fn del<'a>(&'a self, key: &'a str) -> BoxFuture<'a, StateResult<bool>>;
    /// Adds `by` to the integer at `key` (0 when absent), atomically,
    /// keeping its TTL; the new value.
    fn incr_by<'a>(&'a self, key: &'a str, by: i64) -> BoxFuture<'a, StateResult<i64>>;
    /// Appends to the list at `key`, then keeps only its last `max_len`
    /// items; the list's length.
    fn list_push<'a>(
        &'a self,
        key: &'a str,
        value: String,
        max_len: Option<usize>,
    ) -> BoxFuture<'a, StateResult<usize>>;
    /// Items `start..=stop` of the list (negative counts from the end).
    fn list_range<'a>(
        &'a self,
        key: &'a str,
        start: isize,
        stop: isize,
    ) -> BoxFuture<'a, StateResult<Vec<String>>>;
    /// Adds a member; whether it was new.
    fn set_add<'a>(&'a self, key: &'a str, member: String) -> BoxFuture<'a, StateResult<bool>>;
    /// Removes a member; whether it was there.
    fn set_rem<'a>(&'a self, key: &'a str, member: &'a str) -> BoxFuture<'a, StateResult<bool>>;
    /// Every member, in no particular order.
    fn set_members<'a>(&'a self, key: &'a str) -> BoxFuture<'a, StateResult<Vec<String>>>;
    /// Takes the lock `key` for `ttl` with `token`, if nobody holds it.
    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        token: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, StateResult<bool>>;
    /// Releases the lock `key` if `token` still holds it.
    fn unlock<'a>(&'a self, key: &'a str, token: &'a str) -> BoxFuture<'a, StateResult<bool>>;
}

/// The typed state store handlers use (`ctx.state()`).
///
/// ```no_run
/// # async fn demo(state: loly_core::State) -> Result<(), loly_core::StateError> {
/// use std::time::Duration;
/// let count = state.incr("counter:value", 1).await?;
/// state.set("session:42", &serde_json::json!({ "user": "ann" }), Some(Duration::from_secs(60))).await?;
/// let members: Vec<String> = state.set_members("counter:users").await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct State {
    backend: Arc<dyn StateBackend>,
    prefix: Arc<str>,
}

impl State {
    /// A store on `backend` whose keys all start with `prefix` (`loly:rt:`).
    pub fn new(backend: Arc<dyn StateBackend>, prefix: impl Into<Arc<str>>) -> Self {
        State {
            backend,
            prefix: prefix.into(),
        }
    }

    /// The prefix every key gets.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `key` with the prefix; app keys may not enter the framework's space.
    fn key(&self, key: &str) -> StateResult<String> {
        if key.starts_with(RESERVED_KEY_PREFIX) {
            return Err(StateError::ReservedKey(key.to_owned()));
        }
        Ok(self.full_key("", key))
    }

    fn full_key(&self, space: &str, key: &str) -> String {
        let mut full = String::with_capacity(self.prefix.len() + space.len() + key.len());
        full.push_str(&self.prefix);
        full.push_str(space);
        full.push_str(key);
        full
    }

    fn encode<T: Serialize + ?Sized>(key: &str, value: &T) -> StateResult<String> {
        serde_json::to_string(value).map_err(|source| StateError::Json {
            key: key.to_owned(),
            source,
        })
    }

    fn decode<T: DeserializeOwned>(key: &str, text: &str) -> StateResult<T> {
        serde_json::from_str(text).map_err(|source| StateError::Json {
            key: key.to_owned(),
            source,
        })
    }

    /// The value at `key`, `None` when absent or expired.
    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> StateResult<Option<T>> {
        match self.backend.get(&self.key(key)?).await? {
            Some(text) => Self::decode(key, &text).map(Some),
            None => Ok(None),
        }
    }

    /// Stores `value` at `key`, expiring after `ttl` when given.
    pub async fn set<T: Serialize + ?Sized>(
        &self,
        key: &str,
        value: &T,
        ttl: Option<Duration>,
    ) -> StateResult<()> {
        let text = Self::encode(key, value)?;
        self.backend.set(&self.key(key)?, text, ttl).await
    }

    /// Removes `key`; whether it existed.
    pub async fn del(&self, key: &str) -> StateResult<bool> {
        self.backend.del(&self.key(key)?).await
    }

    /// Adds `by` to the integer at `key` (absent: 0), atomically; the new value.
    /// A TTL on the key survives.
    pub async fn incr(&self, key: &str, by: i64) -> StateResult<i64> {
        self.backend.incr_by(&self.key(key)?, by).await
    }

    /// Subtracts `by` from the integer at `key`; the new value.
    pub async fn decr(&self, key: &str, by: i64) -> StateResult<i64> {
        let by = by
            .checked_neg()
            .ok_or_else(|| StateError::NotAnInteger(key.to_owned()))?;
        self.backend.incr_by(&self.key(key)?, by).await
    }

    /// Appends `value` to the list at `key`, keeping at most its last
    /// `max_len` items; the list's length.
    pub async fn list_push<T: Serialize + ?Sized>(
        &self,
        key: &str,
        value: &T,
        max_len: Option<usize>,
    ) -> StateResult<usize> {
        let text = Self::encode(key, value)?;
        self.backend.list_push(&self.key(key)?, text, max_len).await
    }

    /// Items `start..=stop` of the list at `key`; negative indexes count
    /// from the end (`0, -1` is the whole list).
    pub async fn list_range<T: DeserializeOwned>(
        &self,
        key: &str,
        start: isize,
        stop: isize,
    ) -> StateResult<Vec<T>> {
        let items = self
            .backend
            .list_range(&self.key(key)?, start, stop)
            .await?;
        items.iter().map(|text| Self::decode(key, text)).collect()
    }

    /// Adds `member` to the set at `key`; whether it was new.
    pub async fn set_add<T: Serialize + ?Sized>(&self, key: &str, member: &T) -> StateResult<bool> {
        let text = Self::encode(key, member)?;
        self.backend.set_add(&self.key(key)?, text).await
    }

    /// Removes `member` from the set at `key`; whether it was there.
    pub async fn set_rem<T: Serialize + ?Sized>(&self, key: &str, member: &T) -> StateResult<bool> {
        let text = Self::encode(key, member)?;
        self.backend.set_rem(&self.key(key)?, &text).await
    }

    /// Every member of the set at `key`, in no particular order.
    pub async fn set_members<T: DeserializeOwned>(&self, key: &str) -> StateResult<Vec<T>> {
        let members = self.backend.set_members(&self.key(key)?).await?;
        members.iter().map(|text| Self::decode(key, text)).collect()
    }

    /// Takes the lock `key` for at most `ttl`, if nobody holds it. Release
    /// it with [`Lock::release`]; a holder that never does loses it after `ttl`.
    pub async fn try_lock(&self, key: &str, ttl: Duration) -> StateResult<Option<Lock>> {
        let full = self.full_key("__loly:lock:", key);
        let token = lock_token();
        if self.backend.try_lock(&full, &token, ttl).await? {
            Ok(Some(Lock {
                backend: self.backend.clone(),
                key: full,
                token,
            }))
        } else {
            Ok(None)
        }
    }
}

/// A held lock; made by [`State::try_lock`].
pub struct Lock {
    backend: Arc<dyn StateBackend>,
    key: String,
    token: String,
}

impl Lock {
    /// Releases the lock; `false` if it had expired (and maybe been taken since).
    pub async fn release(self) -> StateResult<bool> {
        self.backend.unlock(&self.key, &self.token).await
    }
}

fn lock_token() -> String {
    crate::RequestId::next().to_string()
}
