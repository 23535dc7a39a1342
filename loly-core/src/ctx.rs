//! The context handlers and guards receive.

use std::sync::Arc;

use crate::{
    Actions, AuthUser, NoUser, Params, Presence, PresenceEvent, Request, RequestId, SocketIo,
    SocketRef, State, runtime::Conn,
};

/// Everything a handler gets: the typed payload, the actions, and the
/// socket's user, parameters and request.
///
/// `T` is the payload type (raw JSON without `schema`); `U` is the user type
/// the namespace's auth hook returns. Handlers usually write `Ctx<Payload>`
/// and let `#[wss_event]` fill in `U`.
pub struct Ctx<T = serde_json::Value, U = NoUser> {
    /// The decoded, validated payload.
    pub data: T,
    /// Reply, emit, broadcast, rooms, errors.
    pub actions: Actions,
    conn: Arc<Conn<U>>,
    event: &'static str,
}

impl<T, U: AuthUser> Ctx<T, U> {
    pub(crate) fn new(data: T, actions: Actions, conn: Arc<Conn<U>>, event: &'static str) -> Self {
        Ctx {
            data,
            actions,
            conn,
            event,
        }
    }

    /// The signed-in user, or `None` for an anonymous socket.
    pub fn user(&self) -> Option<&U> {
        self.conn.user.as_ref()
    }

    /// The signed-in user's id.
    pub fn user_id(&self) -> Option<&str> {
        self.user().map(AuthUser::id)
    }

    /// The namespace's parameters: `ctx.params()["roomId"]`.
    pub fn params(&self) -> &Params {
        &self.conn.params
    }

    /// The concrete namespace: `/game/42`.
    pub fn pathname(&self) -> &str {
        self.actions.socket().ns()
    }

    /// The namespace pattern: `/game/{roomId}`.
    pub fn namespace(&self) -> &str {
        self.conn.route.pattern()
    }

    /// The event being handled, exactly as the client named it (empty in hooks).
    pub fn event(&self) -> &str {
        self.event
    }

    /// This event's request id, as logged and as sent in errors.
    pub fn request_id(&self) -> RequestId {
        self.actions.request_id()
    }

    /// The HTTP request the socket connected with.
    pub fn request(&self) -> Request<'_> {
        Request::new(self.actions.socket().req_parts(), self.conn.ip)
    }

    /// The underlying socketioxide socket.
    pub fn socket(&self) -> &SocketRef {
        self.actions.socket()
    }

    /// The shared state store (memory on one instance, Redis in a cluster).
    pub fn state(&self) -> &State {
        &self.actions.shared().state
    }

    /// Who is present in this namespace.
    pub fn presence(&self) -> Presence<'_> {
        Presence::new(self.actions.shared().presence.backend(), self.pathname())
    }

    /// Every presence change from now on, in every namespace: a user's
    /// first socket joining, or their last one leaving. Filter on
    /// [`PresenceEvent::namespace`] for this one (`ctx.pathname()`).
    pub fn presence_events(&self) -> tokio::sync::broadcast::Receiver<PresenceEvent> {
        self.actions.shared().presence.subscribe()
    }

    /// The seed's `ctx.log`: logs a message in this event's span, so the
    /// line carries the namespace, socket id, user id, event and request id.
    /// `tracing`'s macros work the same way and take structured fields.
    pub fn log(&self) -> Log {
        Log
    }

    /// The socket.io server.
    pub fn io(&self) -> &SocketIo {
        self.actions.io()
    }
}

/// What a guard sees: the user, the handshake request, the params, the
/// namespace and the event. Guards decide on who asks, not on what is asked,
/// so the payload is not part of it.
pub struct GuardCtx<'a, U = NoUser> {
    pub(crate) user: Option<&'a U>,
    pub(crate) request: Request<'a>,
    pub(crate) params: &'a Params,
    pub(crate) pathname: &'a str,
    pub(crate) event: &'a str,
}

impl<'a, U> GuardCtx<'a, U> {
    /// The signed-in user, if any.
    pub fn user(&self) -> Option<&'a U> {
        self.user
    }

    /// Whether a user is signed in.
    pub fn signed_in(&self) -> bool {
        self.user.is_some()
    }

    /// The HTTP request the socket connected with.
    pub fn request(&self) -> Request<'a> {
        self.request
    }

    /// The namespace's parameters.
    pub fn params(&self) -> &'a Params {
        self.params
    }

    /// The concrete namespace: `/game/42`.
    pub fn namespace(&self) -> &'a str {
        self.pathname
    }

    /// The event being checked.
    pub fn event(&self) -> &'a str {
        self.event
    }
}

/// Logs in the current event's span; made by [`Ctx::log`].
#[derive(Debug, Clone, Copy)]
pub struct Log;

impl Log {
    /// A `debug` line.
    pub fn debug(&self, message: &str) {
        tracing::debug!(target: "loly::app", "{message}");
    }

    /// An `info` line.
    pub fn info(&self, message: &str) {
        tracing::info!(target: "loly::app", "{message}");
    }

    /// A `warn` line.
    pub fn warn(&self, message: &str) {
        tracing::warn!(target: "loly::app", "{message}");
    }

    /// An `error` line.
    pub fn error(&self, message: &str) {
        tracing::error!(target: "loly::app", "{message}");
    }
}
