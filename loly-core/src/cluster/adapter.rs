//! The socket.io adapter: socketioxide-redis's, with a synchronous start.
//!
//! socketioxide creates a dynamic namespace's child (`/game/42`) on its
//! first connection and registers it when the adapter's `init` calls back.
//! The Redis adapter calls back only after subscribing, so two simultaneous
//! first connections each create a child, and the second replaces the first,
//! whose socket is silently lost. This adapter calls back at once, as the
//! local adapter does, and subscribes in the background; a connecting socket
//! waits for that subscription (see [`Subscriptions::ready`]) before its
//! connect packet goes out.
//!
//! Calling back at once narrows the race to a few instructions, but two
//! connections read on two threads can still both create a child. Every
//! child gets a generation, recorded in the same step that registers it, so
//! the framework knows which one socketioxide routes to; the sockets of a
//! replaced child are hung up, and their clients reconnect to the current one.

use std::{
    collections::HashMap,
    future::Future,
    pin::Pin,
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
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
use socketioxide_redis::{CustomRedisAdapter, RedisAdapterConfig, RedisAdapterCtr};
use tokio::sync::watch;

use super::driver::ClusterDriver;
use crate::SocketRef;

type Inner<E> = CustomRedisAdapter<E, ClusterDriver>;

/// Shared by every namespace's adapter: the Redis driver and adapter
/// config, and each namespace's subscription state.
pub struct AdapterState {
    driver: ClusterDriver,
    config: RedisAdapterConfig,
    cluster: bool,
    subscriptions: Subscriptions,
}

impl AdapterState {
    pub(crate) fn new(driver: ClusterDriver, config: RedisAdapterConfig, cluster: bool) -> Self {
        AdapterState {
            driver,
            config,
            cluster,
            subscriptions: Subscriptions {
                tracked: cluster.then(Arc::default),
                generations: Arc::default(),
            },
        }
    }

    /// The namespaces' subscription states, for connecting sockets to wait on.
    pub(crate) fn subscriptions(&self) -> Subscriptions {
        self.subscriptions.clone()
    }
}

/// Whether each namespace receives other instances' messages yet, and
/// which of its namespace objects socketioxide has registered.
#[derive(Clone)]
pub(crate) struct Subscriptions {
    /// None on one instance: there is nothing to wait for.
    tracked: Option<Arc<Mutex<SubscribedMap>>>,
    /// For each namespace path, the generation of the adapter last
    /// registered: the one socketioxide routes packets to.
    generations: Arc<Generations>,
}

/// Each namespace path's "subscribed yet" signal.
type SubscribedMap = HashMap<String, watch::Receiver<bool>>;

#[derive(Default)]
struct Generations {
    next: AtomicU64,
    /// Held while socketioxide registers a namespace object, so that this
    /// map and socketioxide's agree.
    current: Mutex<HashMap<String, u64>>,
    /// Told when a namespace object is replaced: its path and generation.
    on_replaced: OnceLock<Box<OnReplaced>>,
}

/// What runs when a namespace object is replaced: given its path and generation.
type OnReplaced = dyn Fn(&str, u64) + Send + Sync;

/// The room a socket asks about to learn its namespace object's generation.
const IDENTIFY_ROOM: &str = "__loly:generation";

impl Subscriptions {
    /// The generation of `socket`'s namespace object.
    pub(crate) async fn generation_of(&self, socket: &SocketRef) -> Option<u64> {
        let rooms = socket.within(IDENTIFY_ROOM).rooms().await.ok()?;
        rooms
            .into_iter()
            .next()?
            .strip_prefix(IDENTIFY_ROOM)?
            .parse()
            .ok()
    }

    /// Whether namespace object `generation` is the one socketioxide routes
    /// `path` to. Two first connections racing into a new dynamic namespace
    /// can each create one, the second replacing the first; a socket of the
    /// replaced one would never hear anything.
    pub(crate) fn is_current(&self, path: &str, generation: Option<u64>) -> bool {
        let current = self
            .generations
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
            .copied();
        generation.is_none() || current.is_none() || generation == current
    }

    /// Calls `hang_up` with the path and generation of every namespace
    /// object that gets replaced from now on.
    pub(crate) fn on_replaced(&self, hang_up: impl Fn(&str, u64) + Send + Sync + 'static) {
        let _ = self.generations.on_replaced.set(Box::new(hang_up));
    }

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
    /// To stop a replaced namespace object's subscriptions.
    driver: ClusterDriver,
    subscribed: watch::Sender<bool>,
    cluster: bool,
    generation: u64,
    generations: Arc<Generations>,
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
        let generations = state.subscriptions.generations.clone();
        let generation = generations.next.fetch_add(1, Ordering::Relaxed);
        let ctr = RedisAdapterCtr::new_with_driver(
            state.driver.for_generation(generation),
            state.config.clone(),
        );
        LolyAdapter {
            inner: Arc::new(Inner::<E>::new(&ctr, local)),
            driver: state.driver.clone(),
            subscribed,
            cluster: state.cluster,
            generation,
            generations,
        }
    }

    fn init(self: Arc<Self>, on_success: impl FnOnce() + Send + 'static) -> Self::InitRes {
        let path = self.get_local().path().to_string();
        let replaced = {
            let mut current = self
                .generations
                .current
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            // socketioxide registers the object in `on_success`: under the
            // same lock, the last generation recorded is the one it routes to.
            on_success();
            current.insert(path.clone(), self.generation)
        };
        tracing::debug!(namespace = %path, generation = self.generation, ?replaced, "namespace object registered");
        if let Some(replaced) = replaced {
            self.driver.forget(replaced);
            if let Some(hang_up) = self.generations.on_replaced.get() {
                hang_up(&path, replaced);
            }
        }
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

    async fn broadcast(
        &self,
        packet: Packet,
        opts: BroadcastOptions,
    ) -> Result<(), BroadcastError> {
        if !self.cluster || opts.is_local(self.get_local().server_id()) {
            return self
                .get_local()
                .broadcast(packet, opts)
                .map_err(BroadcastError::from);
        }
        // The Redis adapter publishes before delivering locally: if Redis is
        // down, deliver locally all the same, so local clients are served.
        let local = (packet.clone(), opts.clone());
        match self.inner.broadcast(packet, opts).await {
            Err(BroadcastError::Adapter(error)) => {
                tracing::warn!(%error, "a broadcast reached this instance only");
                self.get_local()
                    .broadcast(local.0, local.1)
                    .map_err(BroadcastError::from)
            }
            other => other,
        }
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

    async fn rooms(&self, opts: BroadcastOptions) -> Result<Vec<Room>, Self::Error> {
        if opts.rooms.iter().any(|room| room == IDENTIFY_ROOM) {
            return Ok(vec![Room::from(format!(
                "{IDENTIFY_ROOM}{}",
                self.generation
            ))]);
        }
        self.inner.rooms(opts).await
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
