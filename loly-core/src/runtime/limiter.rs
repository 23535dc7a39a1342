//! Token buckets: the per-socket limit and each event's own.

use std::time::{Duration, Instant};

use crate::Rate;

/// One token bucket.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn full(rate: Rate, now: Instant) -> Self {
        Bucket {
            tokens: f64::from(rate.burst),
            last: now,
        }
    }

    /// Takes a token if there is one; otherwise says how long until there is.
    fn take(&mut self, rate: Rate, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate.per_second).min(f64::from(rate.burst));
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - self.tokens) / rate.per_second,
            ))
        }
    }
}

/// Which limit refused an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LimitScope {
    /// The per-socket limit (`limits.events_per_second`, `limits.burst`).
    Socket,
    /// The event's own `rate`.
    Event,
}

impl LimitScope {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            LimitScope::Socket => "socket",
            LimitScope::Event => "event",
        }
    }
}

/// A socket's buckets: the global one, and one per rate-limited event,
/// created on that event's first use. Dropped with the socket.
#[derive(Debug)]
pub(crate) struct Limiter {
    global: Bucket,
    events: Vec<Option<Bucket>>,
}

impl Limiter {
    pub(crate) fn new(global: Rate) -> Self {
        Limiter {
            global: Bucket::full(global, Instant::now()),
            events: Vec::new(),
        }
    }

    /// Counts one event against the socket's limit.
    pub(crate) fn check_socket(&mut self, global: Rate, now: Instant) -> Result<(), Duration> {
        self.global.take(global, now)
    }

    /// Counts one event against its own limit; `slot` numbers the
    /// namespace's rate-limited events.
    pub(crate) fn check_event(
        &mut self,
        slot: usize,
        rate: Rate,
        now: Instant,
    ) -> Result<(), Duration> {
        if self.events.len() <= slot {
            self.events.resize(slot + 1, None);
        }
        self.events[slot]
            .get_or_insert_with(|| Bucket::full(rate, now))
            .take(rate, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_bucket_lets_its_burst_through_then_refills_at_the_rate() {
        let rate = Rate::new(5.0, 10);
        let start = Instant::now();
        let mut limiter = Limiter::new(Rate::new(1000.0, 1000));
        let passed = (0..100)
            .filter(|_| limiter.check_event(0, rate, start).is_ok())
            .count();
        assert_eq!(passed, 10);
        let later = start + Duration::from_millis(1000);
        let refilled = (0..100)
            .filter(|_| limiter.check_event(0, rate, later).is_ok())
            .count();
        assert_eq!(refilled, 5);
    }

    #[test]
    fn a_refused_event_says_when_to_retry() {
        let rate = Rate::new(2.0, 1);
        let now = Instant::now();
        let mut limiter = Limiter::new(rate);
        assert!(limiter.check_socket(rate, now).is_ok());
        let wait = limiter.check_socket(rate, now).unwrap_err();
        assert_eq!(wait, Duration::from_millis(500));
    }
}
