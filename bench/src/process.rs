//! What Linux tells about a process: its resident memory and its CPU time.

use std::time::Duration;

use crate::BenchError;

/// Clock ticks per second of `/proc/<pid>/stat` (USER_HZ, 100 on Linux).
const TICKS_PER_SECOND: u64 = 100;

/// The process's resident set size, in bytes.
pub fn rss_bytes(pid: u32) -> Result<u64, BenchError> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .ok_or("no VmRSS line in /proc/<pid>/status")?;
    Ok(kib * 1024)
}

/// The CPU time the process has used, in user and kernel mode together.
pub fn cpu_time(pid: u32) -> Result<Duration, BenchError> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name may hold spaces: the fields start after its `)`.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .ok_or("unreadable /proc/<pid>/stat")?
        .1
        .split_whitespace()
        .collect();
    // utime and stime are fields 14 and 15 of stat(5): 11 and 12 counted from the state field.
    let ticks = |i: usize| -> Result<u64, BenchError> {
        Ok(fields
            .get(i)
            .ok_or("short /proc/<pid>/stat")?
            .parse::<u64>()?)
    };
    let total = ticks(11)? + ticks(12)?;
    Ok(Duration::from_millis(total * 1000 / TICKS_PER_SECOND))
}
