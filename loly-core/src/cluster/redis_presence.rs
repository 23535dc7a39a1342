//! Presence and per-IP connection counts across instances, on Redis.
//!
//! Each instance writes one entry per (namespace, user) it holds sockets
//! for, scored with an expiry time from Redis' clock, and refreshes them on
//! every heartbeat. Readers ignore (and sweep) expired entries, so the
//! users of an instance that dies without saying goodbye disappear at most
//! [`ENTRY_TTL`] after its last heartbeat.

use std::{
    collections::HashMap,
    sync::{Arc, LazyLock, Mutex},
    time::Duration,
};

use futures_util::future::BoxFuture;
use redis::{Script, aio::ConnectionManager};

use super::redis_state::state_error;
use crate::{Kind, StateResult, presence::PresenceBackend};

/// How long an entry lives without a heartbeat.
pub const ENTRY_TTL: Duration = Duration::from_secs(10);
/// How often an instance refreshes its entries (and so notices Redis coming back).
pub const HEARTBEAT: Duration = Duration::from_secs(2);

/// `ZADD key (now + ttl) member` with Redis' clock.
static TOUCH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[i - 1], now + tonumber(ARGV[1]), ARGV[i])
end
return #ARGV - 1",
    )
});

/// Sweeps expired entries, then returns the live members.
static LIVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZRANGE', KEYS[1], 0, -1)",
    )
});

/// Sweeps, counts, and adds `member` only while under `limit`: 1 if added.
static ACQUIRE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[3])
return 1",
    )
});

/// One instance's entries in Redis, kept alive by its heartbeat.
#[derive(Clone)]
pub struct ClusterRegistry {
    conn: ConnectionManager,
    prefix: Arc<str>,
    instance: Arc<str>,
    /// (Redis key, member) -> how many local sockets need it.
    local: Arc<Mutex<HashMap<(String, String), usize>>>,
}

impl ClusterRegistry {
    /// A registry for this instance (`instance` must be unique in the cluster).
    pub fn new(conn: ConnectionManager, prefix: &str, instance: &str) -> Self {
        ClusterRegistry {
            conn,
            prefix: prefix.into(),
            instance: instance.into(),
            local: Arc::default(),
        }
    }

    fn presence_key(&self, namespace: &str) -> String {
        format!("{}__loly:presence:{namespace}", self.prefix)
    }

    fn member(&self, name: &str) -> String {
        serde_json::json!([name, &*self.instance]).to_string()
    }

    async fn touch(&self, entries: &[(String, String)]) -> StateResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let touch = &*TOUCH;
        let mut script = touch.prepare_invoke();
        script.arg(ENTRY_TTL.as_millis() as u64);
        for (key, member) in entries {
            script.key(key).arg(member);
        }
        script
            .invoke_async::<u64>(&mut self.conn.clone())
            .await
            .map(drop)
            .map_err(|e| state_error("presence", Kind::Value, e))
    }

    /// Refreshes every entry of this instance. Run every [`HEARTBEAT`].
    pub async fn heartbeat(&self) -> StateResult<()> {
        let entries: Vec<(String, String)> = self
            .local
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect();
        for chunk in entries.chunks(500) {
            self.touch(chunk).await?;
        }
        if entries.is_empty() {
            // Still reach Redis, so a restarted Redis is noticed (and the
            // adapter's subscriptions restored) within one heartbeat.
            redis::cmd("PING")
                .query_async::<()>(&mut self.conn.clone())
                .await
                .map_err(|e| state_error("heartbeat", Kind::Value, e))?;
        }
        Ok(())
    }

    /// Whether Redis answers.
    pub async fn ping(&self) -> StateResult<()> {
        redis::cmd("PING")
            .query_async::<()>(&mut self.conn.clone())
            .await
            .map_err(|e| state_error("ping", Kind::Value, e))
    }

    /// Removes every entry of this instance: a graceful shutdown.
    pub async fn clear(&self) -> StateResult<()> {
        let entries: Vec<(String, String)> = self
            .local
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .map(|(entry, _)| entry)
            .collect();
        if entries.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        for (key, member) in &entries {
            pipe.zrem(key, member).ignore();
        }
        pipe.query_async::<()>(&mut self.conn.clone())
            .await
            .map_err(|e| state_error("presence", Kind::Value, e))
    }

    /// Counts one local holder of (key, member); writes it on the first.
    async fn hold(&self, key: String, member: String) -> StateResult<bool> {
        let first = {
            let mut local = self.local.lock().unwrap_or_else(|e| e.into_inner());
            let count = local.entry((key.clone(), member.clone())).or_insert(0);
            *count += 1;
            *count == 1
        };
        if first {
            self.touch(&[(key, member)]).await?;
        }
        Ok(first)
    }

    /// Drops one local holder; removes the entry with the last.
    async fn release(&self, key: String, member: String) -> StateResult<bool> {
        let last = {
            let mut local = self.local.lock().unwrap_or_else(|e| e.into_inner());
            let entry = (key.clone(), member.clone());
            match local.get_mut(&entry) {
                Some(count) if *count > 1 => {
                    *count -= 1;
                    false
                }
                Some(_) => {
                    local.remove(&entry);
                    true
                }
                None => false,
            }
        };
        if last {
            let _: u64 = redis::cmd("ZREM")
                .arg(&key)
                .arg(&member)
                .query_async(&mut self.conn.clone())
                .await
                .map_err(|e| state_error(&key, Kind::Value, e))?;
        }
        Ok(last)
    }

    /// Takes one of `limit` connection slots of `ip` across the cluster.
    pub async fn acquire_ip(&self, ip: &str, socket: &str, limit: u32) -> StateResult<bool> {
        let key = format!("{}__loly:conns:{ip}", self.prefix);
        let member = self.member(socket);
        let added: u64 = ACQUIRE
            .key(&key)
            .arg(ENTRY_TTL.as_millis() as u64)
            .arg(limit)
            .arg(&member)
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(|e| state_error(&key, Kind::Value, e))?;
        if added == 1 {
            *self
                .local
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry((key, member))
                .or_insert(0) += 1;
        }
        Ok(added == 1)
    }

    /// Gives back a slot taken by [`acquire_ip`](Self::acquire_ip).
    pub async fn release_ip(&self, ip: &str, socket: &str) -> StateResult<()> {
        let key = format!("{}__loly:conns:{ip}", self.prefix);
        self.release(key, self.member(socket)).await.map(drop)
    }
}

impl PresenceBackend for ClusterRegistry {
    fn join<'a>(
        &'a self,
        namespace: &'a str,
        user_id: &'a str,
    ) -> BoxFuture<'a, StateResult<bool>> {
        Box::pin(self.hold(self.presence_key(namespace), self.member(user_id)))
    }

    fn leave<'a>(
        &'a self,
        namespace: &'a str,
        user_id: &'a str,
    ) -> BoxFuture<'a, StateResult<bool>> {
        Box::pin(self.release(self.presence_key(namespace), self.member(user_id)))
    }

    fn list<'a>(&'a self, namespace: &'a str) -> BoxFuture<'a, StateResult<Vec<String>>> {
        Box::pin(async move {
            let key = self.presence_key(namespace);
            let members: Vec<String> = LIVE
                .key(&key)
                .invoke_async(&mut self.conn.clone())
                .await
                .map_err(|e| state_error(&key, Kind::Value, e))?;
            let mut users: Vec<String> = members
                .iter()
                .filter_map(|m| serde_json::from_str::<(String, String)>(m).ok())
                .map(|(user, _)| user)
                .collect();
            users.sort_unstable();
            users.dedup();
            Ok(users)
        })
    }
}
