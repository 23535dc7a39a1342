//! Answering an event: the ack on success, the error event (and ack) on failure.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use serde::Serialize;
use socketioxide::{extract::AckSender, handler::FromMessageParts, socket::Socket};
use socketioxide_core::Value as RawValue;

use crate::{Adapter, Error, ErrorPayload, RequestId, actions::ERROR_EVENT};

/// Sends an event's outcome back to the socket that sent it.
pub struct Responder {
    socket: Arc<Socket<Adapter>>,
    ack: Option<Arc<PendingAck>>,
    request_id: RequestId,
    namespace: &'static str,
    /// The declared event name; `-` until the event is known to exist.
    pub(crate) event: &'static str,
    /// The event's `ok` counter, once the event is known.
    pub(crate) ok: Option<metrics::Counter>,
}

#[derive(Serialize)]
struct AckOk<'a, T: ?Sized> {
    ok: bool,
    data: &'a T,
}

#[derive(Serialize)]
struct AckErr<'a> {
    ok: bool,
    error: &'a ErrorPayload<'a>,
}

impl Responder {
    pub(crate) fn new(
        socket: Arc<Socket<Adapter>>,
        ack_id: Option<i64>,
        request_id: RequestId,
        namespace: &'static str,
    ) -> Self {
        Responder {
            ack: ack_id.map(|id| {
                Arc::new(PendingAck {
                    socket: socket.clone(),
                    id,
                    sent: AtomicBool::new(false),
                })
            }),
            socket,
            request_id,
            namespace,
            event: "-",
            ok: None,
        }
    }

    /// The id of the event being answered.
    pub fn request_id(&self) -> RequestId {
        self.request_id
    }

    /// The ack the client asked for, shared with the handler's actions so
    /// that `ctx.actions.error` can answer it.
    pub(crate) fn pending_ack(&self) -> Option<Arc<PendingAck>> {
        self.ack.clone()
    }

    /// Acks `{ok: true, data}` when the client asked for an ack (unless
    /// `ctx.actions.error` answered it already).
    pub fn succeed<T: Serialize + ?Sized>(&self, data: &T) {
        if let Some(ok) = &self.ok {
            ok.increment(1);
        }
        if let Some(ack) = &self.ack {
            ack.send(&AckOk { ok: true, data });
        }
    }

    /// Sends `error` on `__loly:error`, and acks `{ok: false, error}` when
    /// the client asked for an ack. Internal causes are logged, never sent.
    pub fn fail(&self, error: &Error) {
        if error.is_internal() {
            tracing::error!(error = %error, "event failed");
        } else {
            tracing::debug!(error = %error, "event refused");
        }
        let payload = error.to_payload(self.request_id);
        crate::metrics::event(self.namespace, self.event, payload.code);
        crate::metrics::error(payload.code);
        let _ = self.socket.emit(ERROR_EVENT, &payload);
        if let Some(ack) = &self.ack {
            ack.fail(&payload);
        }
    }
}

/// The acknowledgement a client asked for with an event: sent at most once,
/// by whichever answers first (`ctx.actions.error`, or the event's outcome).
pub(crate) struct PendingAck {
    socket: Arc<Socket<Adapter>>,
    id: i64,
    sent: AtomicBool,
}

impl PendingAck {
    /// Sends `data` as the ack, unless it was sent already.
    fn send<T: Serialize + ?Sized>(&self, data: &T) {
        if self.sent.swap(true, Ordering::AcqRel) {
            return;
        }
        let mut unused = RawValue::Str(Default::default(), None);
        let Ok(ack) = AckSender::from_message_parts(&self.socket, &mut unused, &Some(self.id));
        let _ = ack.send(data);
    }

    /// Acks `{ok: false, error}`, unless the ack was sent already.
    pub(crate) fn fail(&self, error: &ErrorPayload<'_>) {
        self.send(&AckErr { ok: false, error });
    }
}
