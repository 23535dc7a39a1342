//! The errors handlers return and the structured payload clients receive.

use std::{borrow::Cow, fmt};

use serde::Serialize;
use serde_json::Value;

use crate::RequestId;

/// The codes the framework itself sends on `__loly:error`.
///
/// Apps may send their own codes with [`Error::app`] or `ctx.actions.error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The payload did not decode or did not validate.
    BadPayload,
    /// A rate limit was exceeded.
    RateLimit,
    /// The event's guard refused it.
    Forbidden,
    /// The handler failed or panicked; the cause is in the server log.
    InternalError,
    /// No handler exists for the event.
    UnknownEvent,
    /// The auth hook refused the connection.
    Unauthorized,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadPayload => "BAD_PAYLOAD",
            ErrorCode::RateLimit => "RATE_LIMIT",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::InternalError => "INTERNAL_ERROR",
            ErrorCode::UnknownEvent => "UNKNOWN_EVENT",
            ErrorCode::Unauthorized => "UNAUTHORIZED",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a handler or hook returns when it fails.
///
/// Two kinds, told apart by how they are made:
/// - [`Error::app`] (and the helpers beside it): an error meant for the
///   client. Its code, message and details are sent as they are.
/// - anything converted with `?` or [`Error::internal`]: a failure of the
///   server. The client gets `INTERNAL_ERROR` with a generic message; the
///   cause goes to the log with the request id.
pub struct Error {
    repr: Repr,
}

enum Repr {
    App {
        code: Cow<'static, str>,
        message: Cow<'static, str>,
        details: Option<Value>,
    },
    Internal(Box<dyn std::error::Error + Send + 'static>),
}

impl Error {
    /// An error the client sees as it is: `{code, message}`.
    pub fn app(code: impl Into<Cow<'static, str>>, message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            repr: Repr::App {
                code: code.into(),
                message: message.into(),
                details: None,
            },
        }
    }

    /// A client-facing error with one of the framework's codes.
    pub fn code(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self::app(code.as_str(), message)
    }

    /// Refuses a connection or an event: `UNAUTHORIZED` with `message`.
    pub fn unauthorized(message: impl Into<Cow<'static, str>>) -> Self {
        Self::code(ErrorCode::Unauthorized, message)
    }

    /// Refuses an event: `FORBIDDEN` with `message`.
    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Self {
        Self::code(ErrorCode::Forbidden, message)
    }

    /// A server-side failure described by `message`; the client sees only
    /// `INTERNAL_ERROR`.
    pub fn internal(message: impl Into<String>) -> Self {
        let message: Box<dyn std::error::Error + Send + Sync> = message.into().into();
        Error {
            repr: Repr::Internal(message),
        }
    }

    /// Adds `details` to a client-facing error (ignored on internal errors,
    /// whose details never leave the server).
    pub fn with_details(mut self, details: impl Serialize) -> Self {
        if let Repr::App { details: slot, .. } = &mut self.repr {
            *slot = serde_json::to_value(details).ok();
        }
        self
    }

    /// Whether this error is a server failure hidden from the client.
    pub fn is_internal(&self) -> bool {
        matches!(self.repr, Repr::Internal(_))
    }

    /// The payload a client receives for this error.
    pub fn to_payload(&self, request_id: RequestId) -> ErrorPayload<'_> {
        match &self.repr {
            Repr::App {
                code,
                message,
                details,
            } => ErrorPayload {
                code,
                message,
                details: details.as_ref(),
                request_id,
            },
            Repr::Internal(_) => ErrorPayload {
                code: ErrorCode::InternalError.as_str(),
                message: INTERNAL_MESSAGE,
                details: None,
                request_id,
            },
        }
    }
}

/// What a client reads when the server failed: nothing about the cause.
pub(crate) const INTERNAL_MESSAGE: &str = "internal server error";

impl<E> From<E> for Error
where
    E: std::error::Error + Send + 'static,
{
    fn from(error: E) -> Self {
        Error {
            repr: Repr::Internal(Box::new(error)),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::App { code, message, .. } => write!(f, "{code}: {message}"),
            Repr::Internal(cause) => write!(f, "{cause}"),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::App {
                code,
                message,
                details,
            } => f
                .debug_struct("Error::App")
                .field("code", code)
                .field("message", message)
                .field("details", details)
                .finish(),
            Repr::Internal(cause) => f.debug_tuple("Error::Internal").field(cause).finish(),
        }
    }
}

/// The body of `__loly:error`: `{ code, message, details?, requestId }`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorPayload<'a> {
    /// `BAD_PAYLOAD`, `RATE_LIMIT`, ... or an app-defined code.
    pub code: &'a str,
    /// A message for people.
    pub message: &'a str,
    /// Structured details, when there are any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<&'a Value>,
    /// The id of the event this error answers.
    pub request_id: RequestId,
}
