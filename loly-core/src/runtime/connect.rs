//! Accepting a socket: auth before the connect packet, hooks after.

use std::{
    fmt::Display,
    future::Future,
    net::IpAddr,
    panic::AssertUnwindSafe,
    pin::Pin,
    sync::{Arc, Mutex},
};

use futures_util::FutureExt;
use socketioxide::{handler::ConnectHandler, socket::Socket};
use socketioxide_core::Value as RawValue;
use tracing::Instrument;

use crate::{
    Actions, Adapter, AuthUser, Ctx, DisconnectReason, Error, Handshake, Params, RequestId,
    SocketRef,
    actions::user_room,
    runtime::{RouteRuntime, dispatch::Dispatcher, gate::Gate, limiter::Limiter},
    stats::Counted,
};

/// What the framework keeps for each connected socket; freed with it.
pub(crate) struct Conn<U> {
    pub(crate) user: Option<U>,
    pub(crate) params: Params,
    pub(crate) ip: Option<IpAddr>,
    pub(crate) route: Arc<RouteRuntime<U>>,
    pub(crate) limiter: Mutex<Limiter>,
    /// Open once the connect hook has finished.
    pub(crate) gate: Gate,
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
        let (Some(_), Some(conn)) = (&route.connect, route.take_pending(socket.id)) else {
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
    let params = route.params_of(socket.ns());
    let ip = route.shared.settings.client_ip(socket.req_parts());
    let (user, params) = match &route.auth {
        None => (None, params),
        Some(hook) => {
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
                Ok(Ok(user)) => (user, handshake.into_params()),
                Ok(Err(error)) => return Err(rejection(&socket, error)),
                Err(_) => {
                    tracing::error!(namespace = %socket.ns(), socket_id = %socket.id, "the auth hook panicked");
                    return Err(Box::new(AUTH_FAILED));
                }
            }
        }
    };
    let has_connect_hook = route.connect.is_some();
    let conn = Arc::new(Conn {
        user,
        params,
        ip,
        route: route.clone(),
        limiter: Mutex::new(Limiter::new(route.shared.settings.socket_rate)),
        gate: if has_connect_hook {
            Gate::default()
        } else {
            Gate::opened()
        },
        _counted: Counted::new(),
    });
    if let Some(id) = conn.user_id() {
        socket.join(user_room(id));
        route.shared.presence.joined(socket.ns(), id).await;
    }
    socket.on_fallback(Dispatcher::new(conn.clone()));
    let on_leave = conn.clone();
    socket.on_disconnect(async move |socket: SocketRef, reason: DisconnectReason| {
        // Events still waiting for the connect hook go on (and find the socket closed).
        on_leave.gate.open();
        let user_id = on_leave.user_id().map(str::to_owned);
        let namespace = socket.ns().to_owned();
        let shared = on_leave.route.shared.clone();
        run_disconnect_hook(socket, on_leave, reason).await;
        if let Some(id) = user_id {
            shared.presence.left(&namespace, &id).await;
        }
    });
    if has_connect_hook {
        route.hold_pending(socket.id, conn);
    }
    Ok(())
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
