//! The runtime under the routes: connection, dispatch and replies.

mod connect;
mod dispatch;
mod gate;
mod ip_limit;
mod limiter;
mod respond;
mod route;
mod settings;

pub(crate) use connect::Conn;
pub(crate) use dispatch::{EventCall, event_span, panicked, run_event};
pub(crate) use ip_limit::{IpLimiter, Refusal};
pub(crate) use respond::PendingAck;
pub use respond::Responder;
pub(crate) use route::{LiveSockets, RouteRuntime};
pub(crate) use settings::Settings;
