//! The pub/sub driver under the socket.io adapter: nothing on one
//! instance, Redis through a reconnecting connection in a cluster.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use redis::{AsyncCommands, PushInfo, PushKind, aio::ConnectionManager};
use socketioxide_redis::drivers::{ChanItem, Driver, MessageStream};
use tokio::sync::mpsc;

type Handlers = Arc<RwLock<HashMap<String, mpsc::Sender<ChanItem>>>>;

/// socketioxide-redis's driver, over redis-rs's `ConnectionManager`, which
/// reconnects and resubscribes when Redis comes back (the stock driver's
/// plain connection never does). Without Redis it is a no-op: one instance.
#[derive(Clone)]
pub struct ClusterDriver {
    redis: Option<RedisPubSub>,
}

#[derive(Clone)]
struct RedisPubSub {
    conn: ConnectionManager,
    handlers: Handlers,
}

/// A driver error: Redis' own.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct DriverError(#[from] redis::RedisError);

impl ClusterDriver {
    /// The single-instance driver: publishes nowhere, receives nothing.
    pub(crate) fn local() -> Self {
        ClusterDriver { redis: None }
    }

    /// The cluster driver on `conn`; `handlers` must be the map the
    /// connection's push sender delivers to (see [`push_sender`]).
    pub(crate) fn redis(conn: ConnectionManager, handlers: Handlers) -> Self {
        ClusterDriver {
            redis: Some(RedisPubSub { conn, handlers }),
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
        if let Some((channel, message)) = read_message(push) {
            let routes = routes.read().unwrap_or_else(|e| e.into_inner());
            if let Some(tx) = routes.get(&channel)
                && tx.try_send((channel, message)).is_err()
            {
                tracing::warn!("a cluster channel is full; a message was dropped");
            }
        }
        Ok(())
    };
    (handlers, sender)
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

    async fn subscribe(
        &self,
        chan: String,
        size: usize,
    ) -> Result<MessageStream<ChanItem>, Self::Error> {
        let Some(redis) = &self.redis else {
            return Ok(MessageStream::new_empty());
        };
        let (tx, rx) = mpsc::channel(size);
        redis
            .handlers
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(chan.clone(), tx);
        redis.conn.clone().subscribe(chan.as_str()).await?;
        Ok(MessageStream::new(rx))
    }

    async fn unsubscribe(&self, chan: String) -> Result<(), Self::Error> {
        if let Some(redis) = &self.redis {
            redis
                .handlers
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&chan);
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
