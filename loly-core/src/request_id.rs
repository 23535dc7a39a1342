//! Request ids: one per incoming event, unique across the cluster.

use std::{
    fmt,
    sync::{
        OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{SystemTime, UNIX_EPOCH},
};

use serde::{Serialize, Serializer};

/// Identifies one incoming event in logs and in error payloads.
///
/// Rendered as `<instance>-<sequence>` in hex: the instance part is drawn
/// once per process, the sequence counts up, so two events never share an
/// id, on one socket or across instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestId(u64);

static NEXT: AtomicU64 = AtomicU64::new(1);

impl RequestId {
    /// A fresh id.
    pub fn next() -> Self {
        RequestId(NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// The per-process sequence number.
    pub fn sequence(self) -> u64 {
        self.0
    }
}

/// This process's id in the cluster: distinct for each instance.
pub(crate) fn instance_id() -> String {
    format!("{:08x}-{}", instance_tag(), std::process::id())
}

fn instance_tag() -> u32 {
    static TAG: OnceLock<u32> = OnceLock::new();
    *TAG.get_or_init(|| {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let mixed = (nanos as u64) ^ (u64::from(std::process::id()) << 32);
        // A 64-bit mix (splitmix64's finaliser) folded to 32 bits.
        let mut z = mixed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as u32
    })
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08x}-{:x}", instance_tag(), self.0)
    }
}

impl Serialize for RequestId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
