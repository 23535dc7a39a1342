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
use socketioxide_core::Value as RawValue;
use tracing::Instrument;

use crate::{
    Actions, Adapter, AuthUser, Ctx, DisconnectReason, Error, Handshake, Params, RequestId,
    SocketRef,
    actions::user_room,
    runtime::{Refusal, RouteRuntime, dispatch::Dispatcher, gate::Gate, limiter::Limiter},
    stats::Counted,
};

/// What the framework keeps for each connected socket; freed with it.
pub(crate) struct Conn<U> {
    pub(crate) user: Option<U>,
    pub(crate) params: Params,
    pub(crate) ip: Option<IpAddr>,
    /// Whether this socket holds one of its address's connection slots.
    ip_slot: bool,
    pub(crate) route: Arc<RouteRuntime<U>>,
    pub(crate) limiter: Mutex<Limiter>,
    /// Open once the connect hook has finished.
    pub(crate) gate: Gate,
    /// Set once the socket has left, so leaving runs once.
    left: AtomicBool,
    _counted: Counted,
}

impl<U: AuthUser> Conn<U> {
    pub(crate) fn user_id(&self) -> Option<&str> {
        self.user.as_ref().map(AuthUser::id)
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
    /// Runs after the connect packet went out: the connect hook.
    fn call(&self, socket: Arc<Socket<Adapter>>, _auth: Option<RawValue>) {
        let route = &self.0;
        let (Some(_), Some(conn)) = (&route.connect, route.live(socket.id)) else {
            return;
        };
        let request_id = RequestId::next();
        let span = hook_span("connect", &socket, &conn, request_id);
        let ctx = hook_ctx(socket, conn.clone(), request_id);
        tokio::spawn(
            async move {
                if let Some(hook) = &conn.route.connect {
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
    let accepted = match shared
        .subscriptions
        .is_current(&SocketRef::from(socket.clone()))
        .await
    {
        true => authenticate(&route, &socket, auth, ip).await,
        false => {
            tracing::warn!(namespace = %socket.ns(), socket_id = %socket.id, "a racing first connection replaced this namespace; asking the client to retry");
            Err(Box::new(RETRY) as Box<dyn Display + Send>)
        }
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
    let has_connect_hook = route.connect.is_some();
    let conn = Arc::new(Conn {
        user,
        params,
        ip,
        ip_slot: slot.is_some(),
        route: route.clone(),
        limiter: Mutex::new(Limiter::new(shared.settings.socket_rate)),
        gate: if has_connect_hook {
            Gate::default()
        } else {
            Gate::opened()
        },
        left: AtomicBool::new(false),
        _counted: Counted::new(),
    });
    route.connections.increment(1.0);
    if let Some(id) = conn.user_id() {
        socket.join(user_room(id));
        shared.presence.joined(socket.ns(), id).await;
    }
    socket.on_fallback(Dispatcher::new(conn.clone()));
    let on_leave = conn.clone();
    socket.on_disconnect(async move |socket: SocketRef, reason: DisconnectReason| {
        leave(socket, on_leave, reason).await;
    });
    route.add_live(SocketRef::from(socket), conn);
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
        Ok(Ok(user)) => Ok((user, handshake.into_params())),
        Ok(Err(error)) => Err(rejection(socket, error)),
        Err(_) => {
            tracing::error!(namespace = %socket.ns(), socket_id = %socket.id, "the auth hook panicked");
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
    if conn.left.swap(true, Ordering::AcqRel) {
        return;
    }
    conn.route.remove_live(socket.id);
    conn.route.connections.decrement(1.0);
    conn.gate.open();
    let namespace = socket.ns().to_owned();
    let sid = socket.id.to_string();
    let user_id = conn.user_id().map(str::to_owned);
    let slot = conn.ip.filter(|_| conn.ip_slot);
    run_disconnect_hook(socket, conn, reason).await;
    if let Some(id) = user_id {
        shared.presence.left(&namespace, &id).await;
    }
    if let Some(ip) = slot {
        shared.ip_limiter.release(ip, &sid).await;
    }
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
    let span = tracing::info_span!(
        "disconnect",
        namespace = %socket.ns(),
        socket_id = %socket.id,
        user_id = conn.user_id(),
        request_id = %request_id,
        ?reason,
    );
    let ctx = Ctx::new(
        (),
        Actions::new(socket, conn.route.shared.clone(), request_id),
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
        Actions::new(SocketRef::from(socket), io, request_id),
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
    tracing::info_span!(
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
        Err(_) => tracing::error!("the {hook} hook panicked"),
    }
}
