//! Opening the Redis connection cluster mode shares.

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::time::Duration;

use super::{ClusterDriver, ClusterRegistry, RedisBackend, driver::push_sender};

/// Cluster mode's Redis parts, sharing one reconnecting connection.
pub(crate) struct Cluster {
    pub(crate) driver: ClusterDriver,
    pub(crate) state: RedisBackend,
    pub(crate) registry: ClusterRegistry,
}

/// How long one Redis command may take before it fails: while Redis is
/// down, state operations fail quickly with a clear error instead of hanging.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);

/// Connects to Redis at `url` (RESP3, needed for pub/sub on a multiplexed
/// connection). Fails when Redis cannot be reached now.
pub(crate) async fn connect(url: &str, prefix: &str, instance: &str) -> Result<Cluster, String> {
    let url = with_resp3(url);
    let client = redis::Client::open(url.as_str()).map_err(|e| format!("not a Redis URL: {e}"))?;
    let (handlers, sender) = push_sender();
    let config = ConnectionManagerConfig::new()
        .set_push_sender(sender)
        .set_automatic_resubscription()
        .set_connection_timeout(Some(COMMAND_TIMEOUT))
        .set_response_timeout(Some(COMMAND_TIMEOUT))
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(500));
    let conn = ConnectionManager::new_with_config(client, config)
        .await
        .map_err(|e| format!("cannot reach it: {e}"))?;
    Ok(Cluster {
        driver: ClusterDriver::redis(conn.clone(), handlers),
        state: RedisBackend::new(conn.clone()),
        registry: ClusterRegistry::new(conn, prefix, instance),
    })
}

fn with_resp3(url: &str) -> String {
    if url.contains("protocol=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&protocol=resp3")
    } else {
        format!("{url}?protocol=resp3")
    }
}
