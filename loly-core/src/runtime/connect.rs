//! Accepting a socket: auth before the connect packet, hooks after.

use std::{
    fmt::Display,
    future::Future,
    net::IpAddr,
    panic::AssertUnwindSafe,
    pin::Pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use futures_util::FutureExt;
use socketioxide::{handler::ConnectHandler, socket::Socket};
use socketioxide_core::{Sid, Value as RawValue};
use tracing::Instrument;

use crate::{
    Actions, Adapter, AuthUser, Ctx, DisconnectReason, Error, Handshake, Params, RequestId,
    SocketRef,
    actions::user_room,
    hangup::Hangup,
    runtime::{
        Refusal, RouteRuntime, dispatch::Dispatcher, gate::Gate, limiter::Limiter, panicked,
    },
    stats::Counted,
};

/// What the framework keeps for each connected socket; freed with it.
pub(crate) struct Conn<U> {
    pub(crate) user: Option<U>,
    pub(crate) params: Params,
    pub(crate) ip: Option<IpAddr>,
    pub(crate) sid: Sid,
    /// Whether this socket holds one of its address's connection slots; it
    /// is given back once, when the socket leaves or, if it never got that
    /// far, when this state is dropped.
    ip_slot: AtomicBool,
    /// The generation of the namespace object the socket connected to.
    pub(crate) generation: Option<u64>,
    pub(crate) route: Arc<RouteRuntime<U>>,
    pub(crate) limiter: Mutex<Limiter>,
    /// Open once the socket is registered and its connect hook has finished.
    pub(crate) gate: Gate,
    /// Where the socket is in its life; registering and leaving take turns.
    phase: tokio::sync::Mutex<Phase>,
    _counted: Counted,
}

/// A socket's life, as the framework sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Auth passed; the connect packet may not have reached the client.
    Connecting,
    /// The connect packet went out: the socket is live and present.
    Live,
    /// It left; nothing of it is registered anymore.
    Left,
}

impl<U: AuthUser> Conn<U> {
    pub(crate) fn user_id(&self) -> Option<&str> {
        self.user.as_ref().map(AuthUser::id)
    }

    /// Gives the address's connection slot back, if this socket holds it.
    async fn release_ip_slot(&self) {
        if let Some(ip) = self.take_ip_slot() {
            let sid = self.sid.to_string();
            self.route.shared.ip_limiter.release(ip, &sid).await;
        }
    }
}

impl<U> Conn<U> {
    /// The address whose slot this socket holds, once: later calls get `None`.
    fn take_ip_slot(&self) -> Option<IpAddr> {
        self.ip
            .filter(|_| self.ip_slot.swap(false, Ordering::AcqRel))
    }
}

impl<U> Drop for Conn<U> {
    /// A socket that never became live (its client went while it was
    /// connecting, so socketioxide dropped it without a disconnect) still
    /// gives its address slot back.
    fn drop(&mut self) {
        self.route.forget_connecting(self.sid);
        let Some(ip) = self.take_ip_slot() else {
            return;
        };
        let shared = self.route.shared.clone();
        let sid = self.sid.to_string();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { shared.ip_limiter.release(ip, &sid).await });
        }
    }
}

/// The socketioxide connect handler of one namespace.
pub(crate) struct NamespaceHandler<U>(pub(crate) Arc<RouteRuntime<U>>);

impl<U> Clone for NamespaceHandler<U> {
    fn clone(&self) -> Self {
        NamespaceHandler(self.0.clone())
    }
}

/// Marks our own `ConnectHandler` implementation apart from socketioxide's closures.
pub(crate) struct ViaLoly;

type MiddlewareResult = Result<(), Box<dyn Display + Send>>;

impl<U: AuthUser> ConnectHandler<Adapter, ViaLoly> for NamespaceHandler<U> {
    /// Runs once the connect packet went out: the socket is registered
    /// (live, present), then its connect hook runs, then its events go on.
    fn call(&self, socket: Arc<Socket<Adapter>>, _auth: Option<RawValue>) {
        let Some(conn) = self.0.take_connecting(socket.id) else {
            return;
        };
        let request_id = RequestId::next();
        let span = hook_span("connect", &socket, &conn, request_id);
        tokio::spawn(
            async move {
                if register(&socket, &conn).await
                    && let Some(hook) = &conn.route.connect
                {
                    let ctx = hook_ctx(socket, conn.clone(), request_id);
                    let outcome = AssertUnwindSafe((hook.call)(ctx)).catch_unwind().await;
                    log_hook_outcome("connect", outcome);
                }
                // Events that arrived meanwhile go on now, whatever the outcome.
                conn.gate.open();
            }
            .instrument(span),
        );
    }

    /// Runs before the connect packet: auth, then the socket's handlers are
    /// registered, so no event can arrive before they are in place.
    fn call_middleware<'a>(
        &'a self,
        socket: Arc<Socket<Adapter>>,
        auth: &'a Option<RawValue>,
    ) -> Pin<Box<dyn Future<Output = MiddlewareResult> + Send + 'a>> {
        Box::pin(accept(self.0.clone(), socket, auth))
    }
}

/// Makes a connected socket live: listed for shutdown, counted, present.
/// False if it left first, or if its namespace object lost a race (its
/// client is then made to reconnect).
async fn register<U: AuthUser>(socket: &Arc<Socket<Adapter>>, conn: &Arc<Conn<U>>) -> bool {
    let mut phase = conn.phase.lock().await;
    if *phase != Phase::Connecting {
        return false;
    }
    let route = &conn.route;
    route.add_live(SocketRef::from(socket.clone()), conn.clone());
    route.connections.increment(1.0);
    if let Some(id) = conn.user_id() {
        route.shared.presence.joined(socket.ns(), id).await;
    }
    *phase = Phase::Live;
    drop(phase);
    // Listed first, then checked: a namespace object replaced after this
    // check finds the socket listed (see `RouteRuntime::hang_up_stale`).
    if !route
        .shared
        .subscriptions
        .is_current(socket.ns(), conn.generation)
    {
        reconnect(socket);
        return false;
    }
    true
}

/// Hangs up the socket's connection, so that its client reconnects, to the
/// namespace object socketioxide now routes to.
pub(crate) fn reconnect(socket: &Socket<Adapter>) {
    tracing::warn!(namespace = %socket.ns(), socket_id = %socket.id, "a racing first connection replaced this namespace; the client reconnects");
    if !Hangup::request(socket.req_parts()) {
        tracing::warn!(socket_id = %socket.id, "no connection to hang up");
    }
}

async fn accept<U: AuthUser>(
    route: Arc<RouteRuntime<U>>,
    socket: Arc<Socket<Adapter>>,
    auth: &Option<RawValue>,
) -> MiddlewareResult {
    let shared = &route.shared;
    let ip = shared.settings.client_ip(socket.req_parts());
    let sid = socket.id.to_string();
    let slot = match ip {
        Some(ip) => match shared.ip_limiter.acquire(ip, &sid).await {
            Ok(()) => Some(ip),
            Err(Refusal::Full) => {
                tracing::debug!(%ip, namespace = %socket.ns(), "too many connections from one address");
                return Err(Box::new(CONNECTION_LIMIT));
            }
            Err(Refusal::Unavailable(error)) => {
                // Redis is down: keep serving rather than lock everyone out.
                tracing::warn!(%error, %ip, "the per-address limit could not be checked");
                None
            }
        },
        None => None,
    };
    let generation = shared
        .subscriptions
        .generation_of(&SocketRef::from(socket.clone()))
        .await;
    tracing::debug!(namespace = %socket.ns(), socket_id = %socket.id, ?generation, "connecting");
    let accepted = if shared.subscriptions.is_current(socket.ns(), generation) {
        authenticate(&route, &socket, auth, ip).await
    } else {
        reconnect(&socket);
        Err(Box::new(RETRY) as Box<dyn Display + Send>)
    };
    let (user, params) = match accepted {
        Ok(accepted) => accepted,
        Err(refusal) => {
            if let Some(ip) = slot {
                shared.ip_limiter.release(ip, &sid).await;
            }
            return Err(refusal);
        }
    };
    // In a cluster, a namespace's first socket waits until the namespace
    // hears the other instances, so no broadcast can miss it.
    if !shared
        .subscriptions
        .ready(socket.ns(), SUBSCRIBE_WAIT)
        .await
    {
        tracing::warn!(namespace = %socket.ns(), "the namespace is not subscribed to the cluster yet");
    }
    let conn = Arc::new(Conn {
        user,
        params,
        ip,
        sid: socket.id,
        ip_slot: AtomicBool::new(slot.is_some()),
        generation,
        route: route.clone(),
        limiter: Mutex::new(Limiter::new(shared.settings.socket_rate)),
        gate: Gate::default(),
        phase: tokio::sync::Mutex::new(Phase::Connecting),
        _counted: Counted::new(),
    });
    // Should the connect packet fail, socketioxide drops the socket and
    // leaves its rooms; its handlers, and `conn` with them, go too.
    if let Some(id) = conn.user_id() {
        socket.join(user_room(id));
    }
    socket.on_fallback(Dispatcher::new(conn.clone()));
    let on_leave = conn.clone();
    socket.on_disconnect(async move |socket: SocketRef, reason: DisconnectReason| {
        leave(socket, on_leave, reason).await;
    });
    route.add_connecting(&conn);
    Ok(())
}

/// The message of a client whose namespace object was replaced by a racing
/// first connection (a socketioxide 0.18 race): connecting again succeeds.
const RETRY: &str = "RETRY: the namespace was being created; connect again";

/// How long a socket waits for its namespace's cluster subscription.
const SUBSCRIBE_WAIT: Duration = Duration::from_secs(5);

/// The message a client reads when its address holds too many connections.
const CONNECTION_LIMIT: &str = "CONNECTION_LIMIT: too many connections from this address";

/// Runs the auth hook, if any: the user (or none) and the params.
async fn authenticate<U: AuthUser>(
    route: &RouteRuntime<U>,
    socket: &Arc<Socket<Adapter>>,
    auth: &Option<RawValue>,
    ip: Option<IpAddr>,
) -> Result<(Option<U>, Params), Box<dyn Display + Send>> {
    let params = route.params_of(socket.ns());
    let Some(hook) = &route.auth else {
        return Ok((None, params));
    };
    let handshake = Handshake::new(
        SocketRef::from(socket.clone()),
        auth_payload(auth.as_ref()),
        ip,
        params,
    );
    let outcome = AssertUnwindSafe((hook.call)(&handshake))
        .catch_unwind()
        .await;
    match outcome {
        Ok(Ok(Some(user))) if user.id().is_empty() => {
            // An empty id would be everyone's and no one's: `to_user("")`
            // must never reach a signed-in socket by accident.
            tracing::error!(namespace = %socket.ns(), socket_id = %socket.id, "the auth hook returned a user with an empty id");
            Err(Box::new(AUTH_FAILED))
        }
        Ok(Ok(user)) => Ok((user, handshake.into_params())),
        Ok(Err(error)) => Err(rejection(socket, error)),
        Err(panic) => {
            let error = panicked("the auth hook", &panic);
            tracing::error!(namespace = %socket.ns(), socket_id = %socket.id, %error, "the auth hook failed");
            Err(Box::new(AUTH_FAILED))
        }
    }
}

/// A socket left: events still waiting go on (and find it closed), the
/// disconnect hook runs, and its presence and address slot are given back.
pub(super) async fn leave<U: AuthUser>(
    socket: SocketRef,
    conn: Arc<Conn<U>>,
    reason: DisconnectReason,
) {
    let shared = conn.route.shared.clone();
    let _running = shared.hooks.token();
    let mut phase = conn.phase.lock().await;
    let was = std::mem::replace(&mut *phase, Phase::Left);
    drop(phase);
    conn.gate.open();
    if was == Phase::Left {
        return;
    }
    if was == Phase::Live {
        conn.route.remove_live(socket.id);
        conn.route.connections.decrement(1.0);
        let namespace = socket.ns().to_owned();
        let user_id = conn.user_id().map(str::to_owned);
        run_disconnect_hook(socket, conn.clone(), reason).await;
        if let Some(id) = user_id {
            shared.presence.left(&namespace, &id).await;
        }
    }
    conn.release_ip_slot().await;
}

/// The message a client reads when the auth hook failed on the server's side.
const AUTH_FAILED: &str = "INTERNAL_ERROR: authentication failed";

fn rejection(socket: &Socket<Adapter>, error: Error) -> Box<dyn Display + Send> {
    if error.is_internal() {
        tracing::error!(namespace = %socket.ns(), socket_id = %socket.id, %error, "the auth hook failed");
        Box::new(AUTH_FAILED)
    } else {
        tracing::debug!(namespace = %socket.ns(), socket_id = %socket.id, %error, "connection refused");
        Box::new(error.to_string())
    }
}

/// The client's `auth` option as JSON; `{}` when it sent none or sent garbage.
fn auth_payload(raw: Option<&RawValue>) -> serde_json::Value {
    raw.and_then(RawValue::as_str)
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_else(|| serde_json::Value::Object(Default::default()))
}

async fn run_disconnect_hook<U: AuthUser>(
    socket: SocketRef,
    conn: Arc<Conn<U>>,
    reason: DisconnectReason,
) {
    let Some(hook) = &conn.route.disconnect else {
        return;
    };
    let request_id = RequestId::next();
    let span = tracing::error_span!(
        "disconnect",
        namespace = %socket.ns(),
        socket_id = %socket.id,
        user_id = conn.user_id(),
        request_id = %request_id,
        ?reason,
    );
    let ctx = Ctx::new(
        (),
        Actions::new(socket, conn.route.shared.clone(), request_id, None),
        conn.clone(),
        "",
    );
    let outcome = AssertUnwindSafe((hook.call)(ctx, reason))
        .catch_unwind()
        .instrument(span.clone())
        .await;
    span.in_scope(|| log_hook_outcome("disconnect", outcome));
}

fn hook_ctx<U: AuthUser>(
    socket: Arc<Socket<Adapter>>,
    conn: Arc<Conn<U>>,
    request_id: RequestId,
) -> Ctx<(), U> {
    let io = conn.route.shared.clone();
    Ctx::new(
        (),
        Actions::new(SocketRef::from(socket), io, request_id, None),
        conn,
        "",
    )
}

fn hook_span<U: AuthUser>(
    hook: &'static str,
    socket: &Socket<Adapter>,
    conn: &Conn<U>,
    request_id: RequestId,
) -> tracing::Span {
    tracing::error_span!(
        "hook",
        hook,
        namespace = %socket.ns(),
        socket_id = %socket.id,
        user_id = conn.user_id(),
        request_id = %request_id,
    )
}

fn log_hook_outcome(hook: &str, outcome: std::thread::Result<crate::Result<()>>) {
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::error!(%error, "the {hook} hook failed"),
        Err(panic) => {
            let error = panicked(&format!("the {hook} hook"), &panic);
            tracing::error!(%error, "the {hook} hook failed");
        }
    }
}
