//! Answering an event: the ack on success, the error event (and ack) on failure.

use std::sync::Arc;

use serde::Serialize;
use socketioxide::{extract::AckSender, handler::FromMessageParts, socket::Socket};
use socketioxide_core::Value as RawValue;

use crate::{Adapter, Error, ErrorPayload, RequestId, actions::ERROR_EVENT};

/// Sends an event's outcome back to the socket that sent it.
pub struct Responder {
    socket: Arc<Socket<Adapter>>,
    ack_id: Option<i64>,
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
            socket,
            ack_id,
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

    /// Acks `{ok: true, data}` when the client asked for an ack.
    pub fn succeed<T: Serialize + ?Sized>(&self, data: &T) {
        if let Some(ok) = &self.ok {
            ok.increment(1);
        }
        if let Some(ack) = self.ack() {
            let _ = ack.send(&AckOk { ok: true, data });
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
        if let Some(ack) = self.ack() {
            let _ = ack.send(&AckErr {
                ok: false,
                error: &payload,
            });
        }
    }

    fn ack(&self) -> Option<AckSender<Adapter>> {
        let ack_id = self.ack_id?;
        let mut unused = RawValue::Str(Default::default(), None);
        AckSender::from_message_parts(&self.socket, &mut unused, &Some(ack_id)).ok()
    }
}
