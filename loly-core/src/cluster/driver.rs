//! The pub/sub driver under the socket.io adapter: nothing on one
//! instance, Redis through a reconnecting connection in a cluster.
//!
//! One Redis subscription per channel feeds every namespace object
//! subscribed to it. Each object's driver carries the object's generation,
//! so that an object replaced by a racing first connection stops receiving
//! (and its tasks end) without touching the current one.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex, RwLock},
};

use redis::{AsyncCommands, PushInfo, PushKind, aio::ConnectionManager};
use socketioxide_redis::drivers::{ChanItem, Driver, MessageStream};
use tokio::sync::mpsc;

/// Each channel's receivers, tagged with their namespace object's generation.
#[derive(Default)]
pub(crate) struct Routes {
    channels: HashMap<String, Vec<(u64, mpsc::Sender<ChanItem>)>>,
    /// Generations that were replaced: they subscribe to nothing anymore.
    forgotten: HashSet<u64>,
}

type Handlers = Arc<RwLock<Routes>>;

/// socketioxide-redis's driver, over redis-rs's `ConnectionManager`, which
/// reconnects and resubscribes when Redis comes back (the stock driver's
/// plain connection never does). Without Redis it is a no-op: one instance.
#[derive(Clone)]
pub struct ClusterDriver {
    redis: Option<RedisPubSub>,
    /// The namespace object this driver subscribes for.
    generation: u64,
}

#[derive(Clone)]
struct RedisPubSub {
    conn: ConnectionManager,
    handlers: Handlers,
    /// Channels whose SUBSCRIBE failed (Redis was down), to try again: the
    /// connection resubscribes only what Redis confirmed.
    pending: Arc<Mutex<HashSet<String>>>,
}

/// A driver error: Redis' own.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct DriverError(#[from] redis::RedisError);

impl ClusterDriver {
    /// The single-instance driver: publishes nowhere, receives nothing.
    pub(crate) fn local() -> Self {
        ClusterDriver {
            redis: None,
            generation: 0,
        }
    }

    /// The cluster driver on `conn`; `handlers` must be the map the
    /// connection's push sender delivers to (see [`push_sender`]).
    pub(crate) fn redis(conn: ConnectionManager, handlers: Handlers) -> Self {
        ClusterDriver {
            redis: Some(RedisPubSub {
                conn,
                handlers,
                pending: Arc::default(),
            }),
            generation: 0,
        }
    }

    /// The same driver, subscribing for namespace object `generation`.
    pub(crate) fn for_generation(&self, generation: u64) -> Self {
        ClusterDriver {
            redis: self.redis.clone(),
            generation,
        }
    }

    /// Namespace object `generation` was replaced: it receives nothing from
    /// now on, and what it subscribes later is ignored.
    pub(crate) fn forget(&self, generation: u64) {
        let Some(redis) = &self.redis else { return };
        let mut routes = redis.handlers.write().unwrap_or_else(|e| e.into_inner());
        routes.forgotten.insert(generation);
        for receivers in routes.channels.values_mut() {
            receivers.retain(|(g, _)| *g != generation);
        }
    }

    /// Subscribes again to the channels whose SUBSCRIBE failed while Redis
    /// was down.
    pub(crate) async fn retry_pending(&self) {
        let Some(redis) = &self.redis else { return };
        let pending: Vec<String> = redis
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect();
        for chan in pending {
            // Redis is still down: the rest would fail too, each after the
            // command timeout.
            if redis.conn.clone().subscribe(chan.as_str()).await.is_err() {
                return;
            }
            redis
                .pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&chan);
            tracing::info!(channel = %chan, "subscribed to a cluster channel after Redis returned");
        }
    }
}

/// A push sender that routes pub/sub messages to the subscribed streams.
pub(crate) fn push_sender() -> (
    Handlers,
    impl Fn(PushInfo) -> Result<(), std::convert::Infallible> + Send + Sync + 'static,
) {
    let handlers = Handlers::default();
    let routes = handlers.clone();
    let sender = move |push: PushInfo| {
        let Some((channel, message)) = read_message(push) else {
            return Ok(());
        };
        let routes = routes.read().unwrap_or_else(|e| e.into_inner());
        let Some(((_, last), others)) = routes.channels.get(&channel).and_then(|r| r.split_last())
        else {
            return Ok(());
        };
        for (_, tx) in others {
            deliver(tx, (channel.clone(), message.clone()));
        }
        deliver(last, (channel, message));
        Ok(())
    };
    (handlers, sender)
}

fn deliver(tx: &mpsc::Sender<ChanItem>, item: ChanItem) {
    if let Err(mpsc::error::TrySendError::Full(_)) = tx.try_send(item) {
        tracing::warn!("a cluster channel is full; a message was dropped");
    }
}

fn read_message(push: PushInfo) -> Option<(String, Vec<u8>)> {
    if !matches!(push.kind, PushKind::Message | PushKind::SMessage) || push.data.len() < 2 {
        return None;
    }
    let mut data = push.data.into_iter();
    let channel: String = redis::from_redis_value(data.next()?).ok()?;
    let message: Vec<u8> = redis::from_redis_value(data.next()?).ok()?;
    Some((channel, message))
}

impl Driver for ClusterDriver {
    type Error = DriverError;

    async fn publish(&self, chan: String, val: Vec<u8>) -> Result<(), Self::Error> {
        if let Some(redis) = &self.redis {
            redis
                .conn
                .clone()
                .publish::<_, _, redis::Value>(chan, val)
                .await?;
        }
        Ok(())
    }

    /// Never fails: while Redis is down the channel is served locally and
    /// subscribed once Redis returns ([`ClusterDriver::retry_pending`]).
    async fn subscribe(
        &self,
        chan: String,
        size: usize,
    ) -> Result<MessageStream<ChanItem>, Self::Error> {
        let Some(redis) = &self.redis else {
            return Ok(MessageStream::new_empty());
        };
        let (tx, rx) = mpsc::channel(size);
        {
            let mut routes = redis.handlers.write().unwrap_or_else(|e| e.into_inner());
            if routes.forgotten.contains(&self.generation) {
                return Ok(MessageStream::new_empty());
            }
            let receivers = routes.channels.entry(chan.clone()).or_default();
            receivers.retain(|(_, tx)| !tx.is_closed());
            receivers.push((self.generation, tx));
        }
        if let Err(error) = redis.conn.clone().subscribe(chan.as_str()).await {
            tracing::warn!(%error, channel = %chan, "a cluster channel is not subscribed yet; retrying once Redis answers");
            redis
                .pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(chan);
        }
        Ok(MessageStream::new(rx))
    }

    async fn unsubscribe(&self, chan: String) -> Result<(), Self::Error> {
        let Some(redis) = &self.redis else {
            return Ok(());
        };
        let last = {
            let mut routes = redis.handlers.write().unwrap_or_else(|e| e.into_inner());
            let receivers = routes.channels.entry(chan.clone()).or_default();
            receivers.retain(|(g, tx)| *g != self.generation && !tx.is_closed());
            let last = receivers.is_empty();
            if last {
                routes.channels.remove(&chan);
            }
            last
        };
        if last {
            redis.conn.clone().unsubscribe(chan).await?;
        }
        Ok(())
    }

    async fn num_serv(&self, chan: &str) -> Result<u16, Self::Error> {
        let Some(redis) = &self.redis else {
            return Ok(1);
        };
        let (_, count): (String, u16) = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(chan)
            .query_async(&mut redis.conn.clone())
            .await?;
        Ok(count)
    }
}
