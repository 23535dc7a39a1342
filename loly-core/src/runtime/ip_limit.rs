//! `limits.connections_per_ip`: at most N sockets from one address, counted
//! on this instance or across the cluster.

use std::{collections::HashMap, net::IpAddr, sync::Mutex};

use crate::cluster::ClusterRegistry;

/// Counts sockets per client address.
pub(crate) enum IpLimiter {
    /// One instance: counts in memory.
    Local {
        limit: u32,
        counts: Mutex<HashMap<IpAddr, u32>>,
    },
    /// A cluster: counts in Redis, so the limit holds across instances.
    Cluster {
        limit: u32,
        registry: ClusterRegistry,
    },
}

/// Why a connection was not counted.
pub(crate) enum Refusal {
    /// The address already holds `limit` sockets.
    Full,
    /// The count could not be checked (Redis is down).
    Unavailable(String),
}

impl IpLimiter {
    pub(crate) fn local(limit: u32) -> Self {
        IpLimiter::Local {
            limit,
            counts: Mutex::default(),
        }
    }

    /// Takes a slot for `socket` from `ip`.
    pub(crate) async fn acquire(&self, ip: IpAddr, socket: &str) -> Result<(), Refusal> {
        match self {
            IpLimiter::Local { limit, counts } => {
                let mut counts = counts.lock().unwrap_or_else(|e| e.into_inner());
                let count = counts.entry(ip).or_insert(0);
                if *count >= *limit {
                    return Err(Refusal::Full);
                }
                *count += 1;
                Ok(())
            }
            IpLimiter::Cluster { limit, registry } => {
                match registry.acquire_ip(&ip.to_string(), socket, *limit).await {
                    Ok(true) => Ok(()),
                    Ok(false) => Err(Refusal::Full),
                    Err(error) => Err(Refusal::Unavailable(error.to_string())),
                }
            }
        }
    }

    /// Gives the slot back.
    pub(crate) async fn release(&self, ip: IpAddr, socket: &str) {
        match self {
            IpLimiter::Local { counts, .. } => {
                let mut counts = counts.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(count) = counts.get_mut(&ip) {
                    *count -= 1;
                    if *count == 0 {
                        counts.remove(&ip);
                    }
                }
            }
            IpLimiter::Cluster { registry, .. } => {
                if let Err(error) = registry.release_ip(&ip.to_string(), socket).await {
                    tracing::warn!(%error, %ip, "a connection slot was not released; it expires with its entry");
                }
            }
        }
    }
}
