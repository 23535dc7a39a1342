//! One mounted namespace: its handlers, hooks and socket.io registration.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, Weak},
};

use futures_util::future::BoxFuture;
use socketioxide_core::Sid;

use crate::{
    AuthUser, DisconnectReason, Params, SocketRef,
    cluster::LolyInit,
    realtime::Shared,
    route::{AuthDef, ConnectDef, DisconnectDef, EventDef, RouteBuilder},
    runtime::{Conn, connect::NamespaceHandler},
    server::ServeError,
};

/// A connected socket and the framework's state for it.
type LiveSocket<U> = (SocketRef, Arc<Conn<U>>);

/// A namespace as it runs: shared by all its sockets.
pub(crate) struct RouteRuntime<U> {
    pattern: &'static str,
    file: &'static str,
    /// Names of the `{param}` segments, shared by every socket's `Params`.
    param_names: Arc<[Box<str>]>,
    /// For each parameter, the index of its segment in the path.
    param_segments: Box<[usize]>,
    pub(super) auth: Option<AuthDef<U>>,
    pub(super) connect: Option<ConnectDef<U>>,
    pub(super) disconnect: Option<DisconnectDef<U>>,
    /// Sorted by name for binary search.
    events: Box<[EventDef<U>]>,
    pub(crate) shared: Arc<Shared>,
    /// `loly_connections` for this pattern.
    pub(crate) connections: metrics::Gauge,
    /// Every connected socket of this namespace pattern, so that shutdown
    /// can run their disconnect hooks (socketioxide's close does not).
    live: Mutex<HashMap<Sid, LiveSocket<U>>>,
    /// Sockets past auth whose connect packet has not gone out yet. Weak:
    /// a socket dropped on the way (its client left) takes its state along.
    connecting: Mutex<HashMap<Sid, Weak<Conn<U>>>>,
}

impl<U: AuthUser> RouteRuntime<U> {
    pub(crate) fn mount(
        route: RouteBuilder<U>,
        shared: &Arc<Shared>,
    ) -> Result<Option<LolyInit>, ServeError> {
        let io = &shared.io;
        let (param_names, param_segments): (Vec<Box<str>>, Vec<usize>) = route
            .namespace
            .split('/')
            .skip(1)
            .enumerate()
            .filter_map(|(index, segment)| {
                let name = segment.strip_prefix('{')?.strip_suffix('}')?;
                Some((Box::from(name), index))
            })
            .unzip();
        let mut events = route.events;
        events.sort_by_key(|e| e.name);
        let rated = events.iter_mut().filter(|e| e.rate.is_some());
        for (slot, event) in rated.enumerate() {
            event.slot = Some(slot);
        }
        for event in &mut events {
            event.meters = Some(crate::metrics::EventMeters::new(
                route.namespace,
                event.name,
            ));
        }
        let runtime = Arc::new(RouteRuntime {
            pattern: route.namespace,
            file: route.file,
            param_names: param_names.into(),
            param_segments: param_segments.into(),
            auth: route.auth,
            connect: route.connect,
            disconnect: route.disconnect,
            events: events.into(),
            shared: shared.clone(),
            connections: crate::metrics::connections(route.namespace),
            live: Mutex::default(),
            connecting: Mutex::default(),
        });
        shared.track(runtime.clone());
        let handler = NamespaceHandler(runtime.clone());
        let subscribing = if runtime.param_names.is_empty() {
            Some(io.ns(runtime.pattern, handler))
        } else {
            io.dyn_ns(runtime.pattern, handler)
                .map_err(|source| ServeError::Namespace {
                    namespace: runtime.pattern.to_owned(),
                    file: runtime.file.to_owned(),
                    reason: source.to_string(),
                })?;
            None
        };
        tracing::debug!(
            namespace = runtime.pattern,
            file = runtime.file,
            "namespace mounted"
        );
        Ok(subscribing)
    }

    /// The namespace pattern: `/game/{roomId}`.
    pub(crate) fn pattern(&self) -> &'static str {
        self.pattern
    }

    /// The handler for `name`, matched exactly.
    pub(crate) fn event(&self, name: &str) -> Option<&EventDef<U>> {
        self.events
            .binary_search_by(|e| e.name.cmp(name))
            .ok()
            .map(|i| &self.events[i])
    }

    /// The parameters of the concrete namespace `path` (`/game/42`).
    pub(crate) fn params_of(&self, path: &str) -> Params {
        if self.param_names.is_empty() {
            return Params::default();
        }
        let segments: Vec<&str> = path.split('/').skip(1).collect();
        let values = self
            .param_segments
            .iter()
            .map(|&index| Box::from(segments.get(index).copied().unwrap_or_default()))
            .collect();
        Params::new(self.param_names.clone(), values)
    }

    pub(super) fn add_live(&self, socket: SocketRef, conn: Arc<Conn<U>>) {
        self.live
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(socket.id, (socket, conn));
    }

    pub(super) fn remove_live(&self, sid: Sid) {
        self.live
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&sid);
    }
}

/// Sockets between auth and their connect packet.
impl<U> RouteRuntime<U> {
    pub(super) fn add_connecting(&self, conn: &Arc<Conn<U>>) {
        self.connecting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(conn.sid, Arc::downgrade(conn));
    }

    /// The state of a socket whose connect packet just went out.
    pub(super) fn take_connecting(&self, sid: Sid) -> Option<Arc<Conn<U>>> {
        self.connecting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&sid)?
            .upgrade()
    }

    /// Drops the entry of a connecting socket whose state is gone.
    pub(super) fn forget_connecting(&self, sid: Sid) {
        let mut connecting = self.connecting.lock().unwrap_or_else(|e| e.into_inner());
        if connecting.get(&sid).is_some_and(|c| c.strong_count() == 0) {
            connecting.remove(&sid);
        }
    }
}

/// A namespace's live sockets, as the server as a whole handles them.
pub(crate) trait LiveSockets: Send + Sync {
    /// Runs every socket's disconnect hook and gives back its presence: a
    /// graceful shutdown.
    fn leave_all(&self) -> BoxFuture<'_, ()>;

    /// Makes the clients of `path`'s sockets on namespace object
    /// `generation`, which a racing first connection replaced, reconnect.
    fn hang_up_stale(&self, path: &str, generation: u64);

    /// Whether the concrete namespace `path` is one of this dynamic
    /// pattern's (`/game/42` of `/game/{roomId}`).
    fn matches(&self, path: &str) -> bool;

    /// Opens the concrete namespace `path` before any socket did, so that
    /// this instance can emit to it (in a cluster, its sockets may all be
    /// on other instances).
    fn open(self: Arc<Self>, path: &str) -> LolyInit;
}

impl<U: AuthUser> LiveSockets for RouteRuntime<U> {
    fn matches(&self, path: &str) -> bool {
        if self.param_names.is_empty() {
            return false;
        }
        let mut pattern = self.pattern.split('/');
        let mut concrete = path.split('/');
        loop {
            match (pattern.next(), concrete.next()) {
                (None, None) => return true,
                (Some(p), Some(c)) if p.starts_with('{') && !c.is_empty() => {}
                (Some(p), Some(c)) if p == c => {}
                _ => return false,
            }
        }
    }

    fn open(self: Arc<Self>, path: &str) -> LolyInit {
        let io = self.shared.io.clone();
        io.ns(path.to_owned(), NamespaceHandler(self))
    }

    fn hang_up_stale(&self, path: &str, generation: u64) {
        let stale: Vec<SocketRef> = self
            .live
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter(|(socket, conn)| socket.ns() == path && conn.generation == Some(generation))
            .map(|(socket, _)| socket.clone())
            .collect();
        for socket in stale {
            super::connect::reconnect(&socket);
        }
    }

    fn leave_all(&self) -> BoxFuture<'_, ()> {
        let sockets: Vec<(SocketRef, Arc<Conn<U>>)> = self
            .live
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        Box::pin(async move {
            let leaving = sockets.into_iter().map(|(socket, conn)| {
                super::connect::leave(socket, conn, DisconnectReason::ClosingServer)
            });
            futures_util::future::join_all(leaving).await;
        })
    }
}
