//! The socket.io adapter: socketioxide-redis's, with a synchronous start.
//!
//! socketioxide creates a dynamic namespace's child (`/game/42`) on its
//! first connection and registers it when the adapter's `init` calls back.
//! The Redis adapter calls back only after subscribing, so two simultaneous
//! first connections each create a child, and the second replaces the first,
//! whose socket is silently lost. This adapter calls back at once, as the
//! local adapter does, and subscribes in the background; a connecting socket
//! waits for that subscription (see [`AdapterState::ready`]) before its
//! connect packet goes out.

use std::{
    collections::HashMap,
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
    time::Duration,
};

use futures_util::future::BoxFuture;
use socketioxide_core::{
    adapter::{
        BroadcastOptions, CoreAdapter, CoreLocalAdapter, DefinedAdapter, RemoteSocketData, Room,
        RoomParam, SocketEmitter, Spawnable,
        errors::{AdapterError, BroadcastError},
    },
    packet::Packet,
};
use socketioxide_redis::{CustomRedisAdapter, RedisAdapterCtr};
use tokio::sync::watch;

use super::driver::ClusterDriver;

type Inner<E> = CustomRedisAdapter<E, ClusterDriver>;

/// Shared by every namespace's adapter: the Redis adapter's constructor and
/// each namespace's subscription state.
pub struct AdapterState {
    inner: RedisAdapterCtr<ClusterDriver>,
    subscriptions: Subscriptions,
}

impl AdapterState {
    pub(crate) fn new(inner: RedisAdapterCtr<ClusterDriver>, cluster: bool) -> Self {
        AdapterState {
            inner,
            subscriptions: Subscriptions {
                tracked: cluster.then(Arc::default),
            },
        }
    }

    /// The namespaces' subscription states, for connecting sockets to wait on.
    pub(crate) fn subscriptions(&self) -> Subscriptions {
        self.subscriptions.clone()
    }
}

/// Whether each namespace receives other instances' messages yet.
#[derive(Clone, Default)]
pub(crate) struct Subscriptions {
    /// None on one instance: there is nothing to wait for.
    tracked: Option<Arc<Mutex<HashMap<String, watch::Receiver<bool>>>>>,
}

impl Subscriptions {
    fn track(&self, path: String, receiver: watch::Receiver<bool>) {
        if let Some(tracked) = &self.tracked {
            tracked
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(path, receiver);
        }
    }

    /// Waits (at most `limit`) until namespace `path` receives other
    /// instances' messages. Immediate on one instance.
    pub(crate) async fn ready(&self, path: &str, limit: Duration) -> bool {
        let Some(tracked) = &self.tracked else {
            return true;
        };
        let receiver = tracked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
            .cloned();
        let Some(mut receiver) = receiver else {
            return true;
        };
        tokio::time::timeout(limit, receiver.wait_for(|done| *done))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}

/// The adapter every namespace runs on.
pub struct LolyAdapter<E> {
    inner: Arc<Inner<E>>,
    subscribed: watch::Sender<bool>,
}

impl<E> DefinedAdapter for LolyAdapter<E> {}

/// The adapter's start: already registered; subscribing when polled or spawned.
pub struct LolyInit(BoxFuture<'static, Result<(), AdapterError>>);

impl Future for LolyInit {
    type Output = Result<(), AdapterError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.as_mut().poll(cx)
    }
}

impl Spawnable for LolyInit {
    fn spawn(self) {
        tokio::spawn(async move {
            if let Err(error) = self.0.await {
                tracing::error!(%error, "a namespace could not subscribe to the cluster");
            }
        });
    }
}

impl<E: SocketEmitter> CoreAdapter<E> for LolyAdapter<E> {
    type Error = <Inner<E> as CoreAdapter<E>>::Error;
    type State = AdapterState;
    type AckStream = <Inner<E> as CoreAdapter<E>>::AckStream;
    type InitRes = LolyInit;

    fn new(state: &Self::State, local: CoreLocalAdapter<E>) -> Self {
        let path = local.path().to_string();
        let (subscribed, receiver) = watch::channel(false);
        state.subscriptions.track(path, receiver);
        LolyAdapter {
            inner: Arc::new(Inner::<E>::new(&state.inner, local)),
            subscribed,
        }
    }

    fn init(self: Arc<Self>, on_success: impl FnOnce() + Send + 'static) -> Self::InitRes {
        on_success();
        LolyInit(Box::pin(async move {
            let result = self.inner.clone().init(|| {}).await;
            self.subscribed.send_replace(result.is_ok());
            result.map_err(|e| AdapterError::from(Box::new(e) as Box<dyn std::error::Error + Send>))
        }))
    }

    fn close(&self) -> impl Future<Output = Result<(), Self::Error>> + Send {
        self.inner.close()
    }

    fn server_count(&self) -> impl Future<Output = Result<u16, Self::Error>> + Send {
        self.inner.server_count()
    }

    fn broadcast(
        &self,
        packet: Packet,
        opts: BroadcastOptions,
    ) -> impl Future<Output = Result<(), BroadcastError>> + Send {
        self.inner.broadcast(packet, opts)
    }

    fn broadcast_with_ack(
        &self,
        packet: Packet,
        opts: BroadcastOptions,
        timeout: Option<Duration>,
    ) -> impl Future<Output = Result<Self::AckStream, Self::Error>> + Send {
        self.inner.broadcast_with_ack(packet, opts, timeout)
    }

    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: impl RoomParam,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        self.inner.add_sockets(opts, rooms)
    }

    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: impl RoomParam,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        self.inner.del_sockets(opts, rooms)
    }

    fn disconnect_socket(
        &self,
        opts: BroadcastOptions,
    ) -> impl Future<Output = Result<(), BroadcastError>> + Send {
        self.inner.disconnect_socket(opts)
    }

    fn rooms(
        &self,
        opts: BroadcastOptions,
    ) -> impl Future<Output = Result<Vec<Room>, Self::Error>> + Send {
        self.inner.rooms(opts)
    }

    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> impl Future<Output = Result<Vec<RemoteSocketData>, Self::Error>> + Send {
        self.inner.fetch_sockets(opts)
    }

    fn get_local(&self) -> &CoreLocalAdapter<E> {
        self.inner.get_local()
    }
}
