//! Holds a socket's events back until it is registered and its connect
//! hook has finished.

use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

/// Closed until the socket is registered and its connect hook has run;
/// events that arrive meanwhile wait.
#[derive(Debug, Default)]
pub(crate) struct Gate {
    open: AtomicBool,
    notify: Notify,
}

impl Gate {
    pub(crate) fn is_open(&self) -> bool {
        self.open.load(Ordering::Acquire)
    }

    /// Opens the gate and wakes every waiting event.
    pub(crate) fn open(&self) {
        self.open.store(true, Ordering::Release);
        self.notify.notify_waiters();
    }

    /// Waits until the gate is open.
    pub(crate) async fn wait(&self) {
        loop {
            // Created before the check, so an `open` in between still wakes it.
            let notified = self.notify.notified();
            if self.is_open() {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn waiters_pass_once_the_gate_opens() {
        let gate = Arc::new(Gate::default());
        let waiter = tokio::spawn({
            let gate = gate.clone();
            async move { gate.wait().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        gate.open();
        tokio::time::timeout(std::time::Duration::from_secs(1), waiter)
            .await
            .expect("the waiter passes")
            .unwrap();
        gate.wait().await;
    }
}
