//! The per-event pipeline: rate limits, decode, guard, run, answer.

use std::{
    panic::AssertUnwindSafe,
    sync::Arc,
    time::{Duration, Instant},
};

use futures_util::FutureExt;
use socketioxide::{handler::MessageHandler, socket::Socket};
use socketioxide_core::{Value as RawValue, parser::Parse};
use socketioxide_parser_common::CommonParser;
use tracing::Instrument;

use crate::{
    Actions, Adapter, AuthUser, Ctx, Error, ErrorCode, GuardCtx, Request, RequestId, SocketRef,
    route::{EventDef, GuardFn, HandlerOutput},
    runtime::{Conn, Responder, limiter::LimitScope},
};

/// The one message handler of each socket: every event goes through it.
pub(crate) struct Dispatcher<U> {
    conn: Arc<Conn<U>>,
}

impl<U> Dispatcher<U> {
    pub(crate) fn new(conn: Arc<Conn<U>>) -> Self {
        Dispatcher { conn }
    }
}

/// Marks our own `MessageHandler` implementation.
pub(crate) struct ViaLoly;

/// An event on its way through the pipeline.
pub(crate) struct EventCall<U> {
    pub(crate) socket: Arc<Socket<Adapter>>,
    pub(crate) conn: Arc<Conn<U>>,
    pub(crate) value: RawValue,
    pub(crate) event: &'static str,
    pub(crate) responder: Responder,
    pub(crate) latency: Option<metrics::Histogram>,
}

/// The longest event name repeated back in an `UNKNOWN_EVENT` error.
const MAX_ECHOED_EVENT: usize = 64;

impl<U: AuthUser> MessageHandler<Adapter, ViaLoly> for Dispatcher<U> {
    /// Steps 1 to 3 of the pipeline, on the socket's read path: a request
    /// id, the rate limits (before any decoding, so malformed spam is
    /// counted), then the handler's own decoding and the rest on a task.
    fn call(&self, socket: Arc<Socket<Adapter>>, value: RawValue, ack_id: Option<i64>) {
        let conn = &self.conn;
        let namespace = conn.route.pattern();
        let mut responder = Responder::new(socket.clone(), ack_id, RequestId::next(), namespace);
        let event = event_name(&value);
        let def = match admit(conn, event, &mut responder) {
            Ok(def) => def,
            Err(error) => {
                let _span = event_span(&socket, conn, event, responder.request_id()).entered();
                return responder.fail(&error);
            }
        };
        let (ok, latency) = def.meters.as_ref().map(|m| m.handles()).unzip();
        responder.ok = ok;
        let call = EventCall {
            socket,
            conn: conn.clone(),
            value,
            event: def.name,
            responder,
            latency,
        };
        if conn.gate.is_open() {
            return def.runner.dispatch(call);
        }
        // The connect hook is still running: the event, already counted
        // against the limits, waits for it.
        let runner = def.runner.clone();
        tokio::spawn(async move {
            call.conn.gate.wait().await;
            runner.dispatch(call);
        });
    }
}

/// The event's name: the first string of `["name", ...]`. Read straight
/// from the text when it holds no escape; the socket.io parser's own
/// reading builds an error on every call, even a successful one.
fn event_name(value: &RawValue) -> &str {
    if let RawValue::Str(text, _) = value
        && let Some(rest) = text.strip_prefix("[\"")
        && let Some(end) = rest.find(['"', '\\'])
        && rest.as_bytes()[end] == b'"'
    {
        return &rest[..end];
    }
    CommonParser.read_event(value).unwrap_or_default()
}

/// Counts the event against the socket's and the event's buckets, and finds its handler.
fn admit<'r, U: AuthUser>(
    conn: &'r Conn<U>,
    event: &str,
    responder: &mut Responder,
) -> Result<&'r EventDef<U>, Error> {
    let route = &conn.route;
    let now = Instant::now();
    let mut limiter = conn.limiter.lock().unwrap_or_else(|e| e.into_inner());
    limiter
        .check_socket(route.shared.settings.socket_rate, now)
        .map_err(|wait| rate_limited(route.pattern(), LimitScope::Socket, wait))?;
    let def = route.event(event).ok_or_else(|| unknown_event(event))?;
    responder.event = def.name;
    if let (Some(slot), Some(rate)) = (def.slot, def.rate) {
        limiter
            .check_event(slot, rate, now)
            .map_err(|wait| rate_limited(route.pattern(), LimitScope::Event, wait))?;
    }
    Ok(def)
}

fn rate_limited(namespace: &'static str, scope: LimitScope, wait: Duration) -> Error {
    crate::metrics::rate_limited(namespace, scope.as_str());
    let retry_after_ms = wait.as_millis().max(1) as u64;
    Error::code(ErrorCode::RateLimit, "too many events").with_details(
        serde_json::json!({ "scope": scope.as_str(), "retryAfterMs": retry_after_ms }),
    )
}

fn unknown_event(name: &str) -> Error {
    let shown: String = name.chars().take(MAX_ECHOED_EVENT).collect();
    Error::code(ErrorCode::UnknownEvent, "no handler for this event")
        .with_details(serde_json::json!({ "event": shown }))
}

/// The span every log line of one event carries. Its level is `error`, so
/// that it is enabled whatever level the config lets through: a warning
/// logged with `logging.level = "warn"` carries it too.
pub(crate) fn event_span<U: AuthUser>(
    socket: &Socket<Adapter>,
    conn: &Conn<U>,
    event: &str,
    request_id: RequestId,
) -> tracing::Span {
    tracing::error_span!(
        "event",
        namespace = %socket.ns(),
        socket_id = %socket.id,
        user_id = conn.user_id(),
        event = %event,
        request_id = %request_id,
    )
}

/// Runs the guard and the handler of a decoded event on its own task, so
/// that one socket's events run concurrently.
pub(crate) fn run_event<T, U, H, Fut>(
    call: EventCall<U>,
    data: T,
    guard: Option<GuardFn<U>>,
    handler: H,
) where
    T: Send + 'static,
    U: AuthUser,
    H: Fn(Ctx<T, U>) -> Fut + Send + 'static,
    Fut: std::future::Future + Send + 'static,
    Fut::Output: HandlerOutput,
{
    let EventCall {
        socket,
        conn,
        event,
        responder,
        latency,
        ..
    } = call;
    let span = event_span(&socket, &conn, event, responder.request_id());
    let task = async move {
        if let Some(guard) = guard {
            let allowed = {
                let guard_ctx = GuardCtx {
                    user: conn.user.as_ref(),
                    request: Request::new(socket.req_parts(), conn.ip),
                    params: &conn.params,
                    pathname: socket.ns(),
                    event,
                };
                AssertUnwindSafe(guard(&guard_ctx)).catch_unwind().await
            };
            match allowed {
                Ok(true) => {}
                Ok(false) => return responder.fail(&Error::forbidden("this event is not allowed")),
                Err(panic) => return responder.fail(&panicked("the guard", &panic)),
            }
        }
        let actions = Actions::new(
            SocketRef::from(socket),
            conn.route.shared.clone(),
            responder.request_id(),
            responder.pending_ack(),
        );
        let ctx = Ctx::new(data, actions, conn, event);
        let started = Instant::now();
        let outcome = AssertUnwindSafe(handler(ctx)).catch_unwind().await;
        if let Some(latency) = &latency {
            latency.record(started.elapsed().as_secs_f64());
        }
        match outcome {
            Ok(output) => output.respond(&responder),
            Err(panic) => responder.fail(&panicked("the handler", &panic)),
        }
    };
    tokio::spawn(task.instrument(span));
}

/// An internal error naming what panicked and the panic's message, for the log.
pub(crate) fn panicked(what: &str, panic: &Box<dyn std::any::Any + Send>) -> Error {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a non-string payload");
    Error::internal(format!("{what} panicked: {message}"))
}

#[cfg(test)]
mod tests {
    use super::event_name;
    use socketioxide_core::Value as RawValue;

    fn raw(json: &str) -> RawValue {
        RawValue::Str(json.to_owned().into(), None)
    }

    #[test]
    fn event_names_are_read_as_the_parser_reads_them() {
        assert_eq!(
            event_name(&raw(r#"["sendMessage",{"a":1}]"#)),
            "sendMessage"
        );
        assert_eq!(event_name(&raw(r#"["ping"]"#)), "ping");
        // The parser borrows the name: one with an escape reads as none,
        // an unknown event.
        assert_eq!(event_name(&raw(r#"["a\"b",1]"#)), "");
        assert_eq!(event_name(&raw(r#"[ "spaced", 1]"#)), "spaced");
        assert_eq!(event_name(&raw(r#"[1,2]"#)), "");
        assert_eq!(event_name(&raw("[\"caf\u{e9}\"]")), "caf\u{e9}");
    }
}
