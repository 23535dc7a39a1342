//! Live counts of what the runtime holds, for health checks and tests.

use std::sync::atomic::{AtomicUsize, Ordering};

static CONNECTIONS: AtomicUsize = AtomicUsize::new(0);

/// A snapshot of the runtime's live state in this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RuntimeStats {
    /// Sockets whose per-socket state (user, params, rate-limit buckets) is
    /// held: it is freed when the socket goes.
    pub connections: usize,
}

/// The runtime's live state now.
pub fn runtime_stats() -> RuntimeStats {
    RuntimeStats {
        connections: CONNECTIONS.load(Ordering::Relaxed),
    }
}

/// Counts one connection's state for as long as it lives.
#[derive(Debug)]
pub(crate) struct Counted(());

impl Counted {
    pub(crate) fn new() -> Self {
        CONNECTIONS.fetch_add(1, Ordering::Relaxed);
        Counted(())
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        CONNECTIONS.fetch_sub(1, Ordering::Relaxed);
    }
}
