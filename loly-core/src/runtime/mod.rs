//! The runtime under the routes: connection, dispatch and replies.

mod connect;
mod dispatch;
mod respond;
mod route;

pub(crate) use connect::Conn;
pub(crate) use dispatch::{EventCall, run_event};
pub use respond::Responder;
pub(crate) use route::RouteRuntime;
