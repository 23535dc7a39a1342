//! Presence: which signed-in users are connected to a namespace.
//!
//! A user is present in a namespace (`/chat`, `/game/1`: each concrete
//! namespace is its own list) while at least one of their sockets is
//! connected there. The framework keeps it on its own: handlers only read it.

use std::{collections::HashMap, sync::Mutex};

use futures_util::future::{BoxFuture, ready};
use serde::Serialize;
use tokio::sync::broadcast;

use crate::StateResult;

/// A user joined (first socket) or left (last socket) a namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PresenceEvent {
    /// The concrete namespace: `/game/1`.
    pub namespace: String,
    /// The user.
    pub user_id: String,
    /// Joined or left.
    pub change: PresenceChange,
}

/// What happened to a user's presence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PresenceChange {
    /// The user's first socket in the namespace connected.
    Joined,
    /// The user's last socket in the namespace left.
    Left,
}

/// Where presence is kept: this process, or Redis in cluster mode.
pub trait PresenceBackend: Send + Sync + 'static {
    /// Counts one more socket of `user_id` in `namespace`; whether it is the first.
    fn join<'a>(&'a self, namespace: &'a str, user_id: &'a str)
    -> BoxFuture<'a, StateResult<bool>>;
    /// Counts one socket less; whether it was the last.
    fn leave<'a>(
        &'a self,
        namespace: &'a str,
        user_id: &'a str,
    ) -> BoxFuture<'a, StateResult<bool>>;
    /// The users present in `namespace`, in no particular order.
    fn list<'a>(&'a self, namespace: &'a str) -> BoxFuture<'a, StateResult<Vec<String>>>;
}

/// Presence in this process: socket counts per namespace and user.
#[derive(Default)]
pub struct MemoryPresence {
    namespaces: Mutex<HashMap<String, HashMap<String, usize>>>,
}

impl PresenceBackend for MemoryPresence {
    fn join<'a>(
        &'a self,
        namespace: &'a str,
        user_id: &'a str,
    ) -> BoxFuture<'a, StateResult<bool>> {
        let mut namespaces = self.namespaces.lock().unwrap_or_else(|e| e.into_inner());
        let count = namespaces
            .entry(namespace.to_owned())
            .or_default()
            .entry(user_id.to_owned())
            .or_insert(0);
        *count += 1;
        Box::pin(ready(Ok(*count == 1)))
    }

    fn leave<'a>(
        &'a self,
        namespace: &'a str,
        user_id: &'a str,
    ) -> BoxFuture<'a, StateResult<bool>> {
        let mut namespaces = self.namespaces.lock().unwrap_or_else(|e| e.into_inner());
        let Some(users) = namespaces.get_mut(namespace) else {
            return Box::pin(ready(Ok(false)));
        };
        let last = match users.get_mut(user_id) {
            Some(count) if *count > 1 => {
                *count -= 1;
                false
            }
            Some(_) => {
                users.remove(user_id);
                true
            }
            None => false,
        };
        if users.is_empty() {
            namespaces.remove(namespace);
        }
        Box::pin(ready(Ok(last)))
    }

    fn list<'a>(&'a self, namespace: &'a str) -> BoxFuture<'a, StateResult<Vec<String>>> {
        let namespaces = self.namespaces.lock().unwrap_or_else(|e| e.into_inner());
        let users = namespaces
            .get(namespace)
            .map(|users| users.keys().cloned().collect())
            .unwrap_or_default();
        Box::pin(ready(Ok(users)))
    }
}

/// Reads who is present in one namespace; `ctx.presence()`.
#[derive(Clone)]
pub struct Presence<'a> {
    backend: &'a dyn PresenceBackend,
    namespace: &'a str,
}

impl<'a> Presence<'a> {
    pub(crate) fn new(backend: &'a dyn PresenceBackend, namespace: &'a str) -> Self {
        Presence { backend, namespace }
    }

    /// The ids of the users present, sorted.
    pub async fn list(&self) -> StateResult<Vec<String>> {
        let mut users = self.backend.list(self.namespace).await?;
        users.sort_unstable();
        Ok(users)
    }

    /// Whether `user_id` is present.
    pub async fn contains(&self, user_id: &str) -> StateResult<bool> {
        Ok(self
            .backend
            .list(self.namespace)
            .await?
            .iter()
            .any(|u| u == user_id))
    }
}

/// Records presence changes and tells subscribers.
pub(crate) struct PresenceTracker {
    backend: Box<dyn PresenceBackend>,
    events: broadcast::Sender<PresenceEvent>,
}

/// Presence changes kept for subscribers that fall behind.
const EVENT_BUFFER: usize = 1024;

impl PresenceTracker {
    pub(crate) fn new(backend: Box<dyn PresenceBackend>) -> Self {
        PresenceTracker {
            backend,
            events: broadcast::channel(EVENT_BUFFER).0,
        }
    }

    pub(crate) fn backend(&self) -> &dyn PresenceBackend {
        &*self.backend
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<PresenceEvent> {
        self.events.subscribe()
    }

    pub(crate) async fn joined(&self, namespace: &str, user_id: &str) {
        self.record(namespace, user_id, PresenceChange::Joined)
            .await;
    }

    pub(crate) async fn left(&self, namespace: &str, user_id: &str) {
        self.record(namespace, user_id, PresenceChange::Left).await;
    }

    async fn record(&self, namespace: &str, user_id: &str, change: PresenceChange) {
        let changed = match change {
            PresenceChange::Joined => self.backend.join(namespace, user_id).await,
            PresenceChange::Left => self.backend.leave(namespace, user_id).await,
        };
        match changed {
            Ok(true) => {
                let _ = self.events.send(PresenceEvent {
                    namespace: namespace.to_owned(),
                    user_id: user_id.to_owned(),
                    change,
                });
            }
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(%error, namespace, user_id, ?change, "presence not recorded")
            }
        }
    }
}
