//! What the whole server shares, and the handle code outside handlers uses.

use std::sync::{Arc, Mutex, OnceLock};

use serde::Serialize;
use socketioxide::operators::BroadcastOperators;
use tokio::sync::broadcast;

use crate::{
    Adapter, Error, SocketIo, State,
    actions::{check_room, user_room},
    cluster::Subscriptions,
    presence::{Presence, PresenceEvent, PresenceTracker},
    runtime::{IpLimiter, LiveSockets, Settings},
};
use tokio_util::task::TaskTracker;

/// The server's shared parts: the socket.io server, settings, state, presence.
pub(crate) struct Shared {
    pub(crate) io: SocketIo,
    pub(crate) settings: Settings,
    pub(crate) state: State,
    pub(crate) presence: PresenceTracker,
    /// Per-namespace cluster subscriptions a connecting socket waits for.
    pub(crate) subscriptions: Subscriptions,
    pub(crate) ip_limiter: IpLimiter,
    /// Disconnect hooks running now: shutdown waits for them.
    pub(crate) hooks: TaskTracker,
    /// Every mounted namespace, for shutdown.
    pub(crate) routes: Mutex<Vec<Arc<dyn LiveSockets>>>,
}

impl Shared {
    pub(crate) fn track(&self, route: Arc<dyn LiveSockets>) {
        self.routes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(route);
    }

    /// Makes the clients of namespace object `generation` of `path`, which
    /// a racing first connection replaced, reconnect.
    pub(crate) fn hang_up_stale(&self, path: &str, generation: u64) {
        let routes = self
            .routes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for route in routes {
            route.hang_up_stale(path, generation);
        }
    }

    /// The concrete namespace `path` (`/chat`, `/game/42`), opened on this
    /// instance if no socket has opened it here yet.
    pub(crate) async fn namespace(&self, path: &str) -> Result<BroadcastOperators<Adapter>, Error> {
        if let Some(namespace) = self.io.of(path) {
            return Ok(namespace);
        }
        let route = self
            .routes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|route| route.matches(path))
            .cloned();
        let Some(route) = route else {
            return Err(Error::internal(format!(
                "no namespace is served at `{path}`"
            )));
        };
        route
            .open(path)
            .await
            .map_err(|e| Error::internal(format!("`{path}` cannot reach the cluster: {e}")))?;
        self.io
            .of(path)
            .ok_or_else(|| Error::internal(format!("`{path}` could not be opened")))
    }

    /// Makes every socket leave: their disconnect hooks run, their presence goes.
    pub(crate) async fn leave_all(&self) {
        let routes: Vec<Arc<dyn LiveSockets>> = self
            .routes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for route in routes {
            route.leave_all().await;
        }
    }
}

/// A handle to a running server for code outside handlers: HTTP routes,
/// background tasks. Emit to a namespace, a room or a user; read and write
/// the state store; read presence.
///
/// Take it from [`App::realtime`](crate::App::realtime) before the server
/// starts; it works once the server is serving.
///
/// ```no_run
/// # async fn notify(rt: loly_core::Realtime) -> loly_core::Result<()> {
/// rt.to_user("/notifications", "alice")?
///     .emit("notification", &serde_json::json!({ "text": "hello" }))
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct Realtime {
    shared: Arc<OnceLock<Arc<Shared>>>,
}

impl Realtime {
    pub(crate) fn start(&self, shared: Arc<Shared>) {
        let _ = self.shared.set(shared);
    }

    fn shared(&self) -> Result<&Arc<Shared>, Error> {
        self.shared
            .get()
            .ok_or_else(|| Error::internal("the realtime server is not running yet"))
    }

    /// The state store.
    pub fn state(&self) -> Result<State, Error> {
        Ok(self.shared()?.state.clone())
    }

    /// The socket.io server.
    pub fn io(&self) -> Result<SocketIo, Error> {
        Ok(self.shared()?.io.clone())
    }

    /// Targets every socket of a concrete namespace (`/chat`, `/game/42`),
    /// on every instance.
    ///
    /// A dynamic namespace that no socket has opened on this instance is
    /// opened for the emit (and stays open), so that the emit reaches its
    /// sockets on the other instances.
    pub fn to_namespace(&self, namespace: &str) -> Result<Target, Error> {
        Ok(Target {
            shared: self.shared()?.clone(),
            namespace: namespace.to_owned(),
            room: None,
        })
    }

    /// Targets every socket in `room` of `namespace`.
    pub fn to_room(&self, namespace: &str, room: &str) -> Result<Target, Error> {
        check_room(room)?;
        Ok(Target {
            room: Some(room.to_owned()),
            ..self.to_namespace(namespace)?
        })
    }

    /// Targets every socket of the signed-in user `user_id` in `namespace`.
    pub fn to_user(&self, namespace: &str, user_id: &str) -> Result<Target, Error> {
        Ok(Target {
            room: Some(user_room(user_id)),
            ..self.to_namespace(namespace)?
        })
    }

    /// The users present in `namespace`, sorted.
    pub async fn presence(&self, namespace: &str) -> Result<Vec<String>, Error> {
        let shared = self.shared()?;
        Ok(Presence::new(shared.presence.backend(), namespace)
            .list()
            .await?)
    }

    /// Every presence change from now on: a user's first socket joining a
    /// namespace, or their last one leaving.
    pub fn presence_events(&self) -> Result<broadcast::Receiver<PresenceEvent>, Error> {
        Ok(self.shared()?.presence.subscribe())
    }
}

/// Where an emit from outside a handler goes; made by [`Realtime`].
pub struct Target {
    shared: Arc<Shared>,
    namespace: String,
    room: Option<String>,
}

impl Target {
    /// Sends `event` to every targeted socket, on every instance.
    pub async fn emit<T: Serialize + ?Sized>(self, event: &str, data: &T) -> Result<(), Error> {
        let operators = self.shared.namespace(&self.namespace).await?;
        let operators = match self.room {
            Some(room) => operators.to(room),
            None => operators,
        };
        operators.emit(event, data).await.map_err(Error::from)
    }
}
