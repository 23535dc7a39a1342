//! Rate limits.

/// A token bucket: `burst` events at once, refilled at `per_second`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Tokens added back each second.
    pub per_second: f64,
    /// The bucket's capacity.
    pub burst: u32,
}

impl Rate {
    /// A bucket of `burst` tokens refilled at `per_second` tokens a second.
    pub const fn new(per_second: f64, burst: u32) -> Self {
        Rate { per_second, burst }
    }
}
