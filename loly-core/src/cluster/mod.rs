//! Cluster mode: the socket.io adapter, state and presence on Redis.

mod adapter;
mod connect;
mod driver;
mod redis_presence;
mod redis_state;

pub(crate) use adapter::Subscriptions;
pub use adapter::{AdapterState, LolyAdapter, LolyInit};
pub(crate) use connect::connect;
pub use driver::ClusterDriver;
pub use redis_presence::{ClusterRegistry, ENTRY_TTL, HEARTBEAT};
pub use redis_state::RedisBackend;
