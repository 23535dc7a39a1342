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
pub(crate) use dispatch::{EventCall, run_event};
pub(crate) use ip_limit::{IpLimiter, Refusal};
pub use respond::Responder;
pub(crate) use route::{LiveSockets, RouteRuntime};
pub(crate) use settings::Settings;
