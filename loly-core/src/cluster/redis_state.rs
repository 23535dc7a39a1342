//! The state store on Redis: atomic commands, Lua where steps must be one.

use std::{sync::LazyLock, time::Duration};

use futures_util::future::BoxFuture;
use redis::{AsyncCommands, Script, aio::ConnectionManager};

use crate::state::{Kind, StateBackend, StateError, StateResult};

/// Keeps state in Redis, shared by every instance. Values are JSON text;
/// TTLs are Redis' own.
#[derive(Clone)]
pub struct RedisBackend {
    conn: ConnectionManager,
}

impl RedisBackend {
    /// A backend on an open connection.
    pub fn new(conn: ConnectionManager) -> Self {
        RedisBackend { conn }
    }

    fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }
}

/// Turns a Redis error into the store's: type errors keep their meaning,
/// anything else means Redis could not be used. `expected` is what the
/// operation reads or writes.
pub(crate) fn state_error(key: &str, expected: Kind, error: redis::RedisError) -> StateError {
    match error.code() {
        Some("WRONGTYPE") => StateError::WrongType {
            key: key.to_owned(),
            expected: expected.name(),
            found: "value of another kind",
        },
        _ if error.to_string().contains("not an integer")
            || error.to_string().contains("overflow") =>
        {
            StateError::NotAnInteger(key.to_owned())
        }
        _ => StateError::Unavailable(error.to_string()),
    }
}

fn millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// Pushes, then keeps the last `ARGV[2]` items (all when it is negative).
static LIST_PUSH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local len = redis.call('RPUSH', KEYS[1], ARGV[1])
local max = tonumber(ARGV[2])
if max == 0 then
  redis.call('DEL', KEYS[1])
  return 0
end
if max > 0 and len > max then
  redis.call('LTRIM', KEYS[1], -max, -1)
  return max
end
return len",
    )
});

static UNLOCK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0",
    )
});

impl StateBackend for RedisBackend {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, StateResult<Option<String>>> {
        Box::pin(async move {
            self.conn()
                .get(key)
                .await
                .map_err(|e| state_error(key, Kind::Value, e))
        })
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        value: String,
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, StateResult<()>> {
        Box::pin(async move {
            let mut cmd = redis::cmd("SET");
            cmd.arg(key).arg(value);
            if let Some(ttl) = ttl {
                cmd.arg("PX").arg(millis(ttl));
            }
            cmd.query_async::<()>(&mut self.conn())
                .await
                .map_err(|e| state_error(key, Kind::Value, e))
        })
    }

    fn del<'a>(&'a self, key: &'a str) -> BoxFuture<'a, StateResult<bool>> {
        Box::pin(async move {
            let removed: u64 = self
                .conn()
                .del(key)
                .await
                .map_err(|e| state_error(key, Kind::Value, e))?;
            Ok(removed > 0)
        })
    }

    fn incr_by<'a>(&'a self, key: &'a str, by: i64) -> BoxFuture<'a, StateResult<i64>> {
        Box::pin(async move {
            self.conn()
                .incr(key, by)
                .await
                .map_err(|e| state_error(key, Kind::Value, e))
        })
    }

    fn list_push<'a>(
        &'a self,
        key: &'a str,
        value: String,
        max_len: Option<usize>,
    ) -> BoxFuture<'a, StateResult<usize>> {
        Box::pin(async move {
            LIST_PUSH
                .key(key)
                .arg(value)
                .arg(max_len.map_or(-1, |max| i64::try_from(max).unwrap_or(i64::MAX)))
                .invoke_async(&mut self.conn())
                .await
                .map_err(|e| state_error(key, Kind::List, e))
        })
    }

    fn list_range<'a>(
        &'a self,
        key: &'a str,
        start: isize,
        stop: isize,
    ) -> BoxFuture<'a, StateResult<Vec<String>>> {
        Box::pin(async move {
            self.conn()
                .lrange(key, start, stop)
                .await
                .map_err(|e| state_error(key, Kind::List, e))
        })
    }

    fn set_add<'a>(&'a self, key: &'a str, member: String) -> BoxFuture<'a, StateResult<bool>> {
        Box::pin(async move {
            let added: u64 = self
                .conn()
                .sadd(key, member)
                .await
                .map_err(|e| state_error(key, Kind::Set, e))?;
            Ok(added > 0)
        })
    }

    fn set_rem<'a>(&'a self, key: &'a str, member: &'a str) -> BoxFuture<'a, StateResult<bool>> {
        Box::pin(async move {
            let removed: u64 = self
                .conn()
                .srem(key, member)
                .await
                .map_err(|e| state_error(key, Kind::Set, e))?;
            Ok(removed > 0)
        })
    }

    fn set_members<'a>(&'a self, key: &'a str) -> BoxFuture<'a, StateResult<Vec<String>>> {
        Box::pin(async move {
            self.conn()
                .smembers(key)
                .await
                .map_err(|e| state_error(key, Kind::Set, e))
        })
    }

    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        token: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, StateResult<bool>> {
        Box::pin(async move {
            let taken: Option<String> = redis::cmd("SET")
                .arg(key)
                .arg(token)
                .arg("NX")
                .arg("PX")
                .arg(millis(ttl))
                .query_async(&mut self.conn())
                .await
                .map_err(|e| state_error(key, Kind::Value, e))?;
            Ok(taken.is_some())
        })
    }

    fn unlock<'a>(&'a self, key: &'a str, token: &'a str) -> BoxFuture<'a, StateResult<bool>> {
        Box::pin(async move {
            let removed: u64 = UNLOCK
                .key(key)
                .arg(token)
                .invoke_async(&mut self.conn())
                .await
                .map_err(|e| state_error(key, Kind::Value, e))?;
            Ok(removed > 0)
        })
    }
}
