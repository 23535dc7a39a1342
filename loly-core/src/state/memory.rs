//! The in-process state backend: one instance, nothing to install.

use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use futures_util::future::{BoxFuture, ready};

use super::{Kind, StateBackend, StateError, StateResult};

/// Expired keys are swept once every this many writes (reads skip them anyway).
const SWEEP_EVERY: u64 = 4096;

enum Data {
    Value(String),
    List(VecDeque<String>),
    Set(HashSet<String>),
}

impl Data {
    fn kind(&self) -> Kind {
        match self {
            Data::Value(_) => Kind::Value,
            Data::List(_) => Kind::List,
            Data::Set(_) => Kind::Set,
        }
    }
}

struct Entry {
    data: Data,
    expires: Option<Instant>,
}

impl Entry {
    fn live(&self, now: Instant) -> bool {
        self.expires.is_none_or(|at| at > now)
    }
}

/// Keeps every key in this process, with Redis' semantics: atomic
/// operations, TTLs (an expired key reads as absent), lists and sets.
#[derive(Default)]
pub struct MemoryBackend {
    entries: Mutex<HashMap<String, Entry>>,
    writes: AtomicU64,
}

impl MemoryBackend {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every live key, prefixed as stored.
    pub fn keys(&self) -> Vec<String> {
        let now = Instant::now();
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .iter()
            .filter(|(_, entry)| entry.live(now))
            .map(|(key, _)| key.clone())
            .collect()
    }

    fn read<T>(
        &self,
        key: &str,
        f: impl FnOnce(Option<&Entry>) -> StateResult<T>,
    ) -> StateResult<T> {
        let now = Instant::now();
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        f(entries.get(key).filter(|entry| entry.live(now)))
    }

    fn write<T>(
        &self,
        key: &str,
        f: impl FnOnce(&mut HashMap<String, Entry>, Instant) -> StateResult<T>,
    ) -> StateResult<T> {
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.get(key).is_some_and(|entry| !entry.live(now)) {
            entries.remove(key);
        }
        if self.writes.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            entries.retain(|_, entry| entry.live(now));
        }
        f(&mut entries, now)
    }
}

fn wrong(key: &str, expected: Kind, found: Kind) -> StateError {
    StateError::WrongType {
        key: key.to_owned(),
        expected: expected.name(),
        found: found.name(),
    }
}

fn done<'a, T: Send + 'a>(result: StateResult<T>) -> BoxFuture<'a, StateResult<T>> {
    Box::pin(ready(result))
}

/// Clamps Redis-style inclusive indexes (negative from the end) to `len`.
fn clamp_range(len: usize, start: isize, stop: isize) -> Option<(usize, usize)> {
    let len = len as isize;
    let start = if start < 0 {
        (len + start).max(0)
    } else {
        start
    };
    let stop = if stop < 0 {
        len + stop
    } else {
        stop.min(len - 1)
    };
    (start <= stop && start < len).then_some((start as usize, stop as usize))
}

impl StateBackend for MemoryBackend {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, StateResult<Option<String>>> {
        done(self.read(key, |entry| match entry.map(|e| &e.data) {
            None => Ok(None),
            Some(Data::Value(text)) => Ok(Some(text.clone())),
            Some(other) => Err(wrong(key, Kind::Value, other.kind())),
        }))
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        value: String,
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, StateResult<()>> {
        done(self.write(key, |entries, now| {
            let expires = ttl.map(|ttl| now + ttl);
            entries.insert(
                key.to_owned(),
                Entry {
                    data: Data::Value(value),
                    expires,
                },
            );
            Ok(())
        }))
    }

    fn del<'a>(&'a self, key: &'a str) -> BoxFuture<'a, StateResult<bool>> {
        done(self.write(key, |entries, _| Ok(entries.remove(key).is_some())))
    }

    fn incr_by<'a>(&'a self, key: &'a str, by: i64) -> BoxFuture<'a, StateResult<i64>> {
        done(self.write(key, |entries, _| {
            let entry = entries.entry(key.to_owned()).or_insert_with(|| Entry {
                data: Data::Value("0".into()),
                expires: None,
            });
            let Data::Value(text) = &mut entry.data else {
                return Err(wrong(key, Kind::Value, entry.data.kind()));
            };
            let next = text
                .parse::<i64>()
                .ok()
                .and_then(|n| n.checked_add(by))
                .ok_or_else(|| StateError::NotAnInteger(key.to_owned()))?;
            *text = next.to_string();
            Ok(next)
        }))
    }

    fn list_push<'a>(
        &'a self,
        key: &'a str,
        value: String,
        max_len: Option<usize>,
    ) -> BoxFuture<'a, StateResult<usize>> {
        done(self.write(key, |entries, _| {
            let entry = entries.entry(key.to_owned()).or_insert_with(|| Entry {
                data: Data::List(VecDeque::new()),
                expires: None,
            });
            let Data::List(list) = &mut entry.data else {
                return Err(wrong(key, Kind::List, entry.data.kind()));
            };
            list.push_back(value);
            if let Some(max) = max_len {
                while list.len() > max {
                    list.pop_front();
                }
            }
            let len = list.len();
            if len == 0 {
                // As in Redis, an emptied list is no key at all.
                entries.remove(key);
            }
            Ok(len)
        }))
    }

    fn list_range<'a>(
        &'a self,
        key: &'a str,
        start: isize,
        stop: isize,
    ) -> BoxFuture<'a, StateResult<Vec<String>>> {
        done(self.read(key, |entry| match entry.map(|e| &e.data) {
            None => Ok(Vec::new()),
            Some(Data::List(list)) => Ok(match clamp_range(list.len(), start, stop) {
                Some((from, to)) => list.range(from..=to).cloned().collect(),
                None => Vec::new(),
            }),
            Some(other) => Err(wrong(key, Kind::List, other.kind())),
        }))
    }

    fn set_add<'a>(&'a self, key: &'a str, member: String) -> BoxFuture<'a, StateResult<bool>> {
        done(self.write(key, |entries, _| {
            let entry = entries.entry(key.to_owned()).or_insert_with(|| Entry {
                data: Data::Set(HashSet::new()),
                expires: None,
            });
            match &mut entry.data {
                Data::Set(set) => Ok(set.insert(member)),
                other => Err(wrong(key, Kind::Set, other.kind())),
            }
        }))
    }

    fn set_rem<'a>(&'a self, key: &'a str, member: &'a str) -> BoxFuture<'a, StateResult<bool>> {
        done(self.write(key, |entries, _| {
            let Some(entry) = entries.get_mut(key) else {
                return Ok(false);
            };
            let removed = match &mut entry.data {
                Data::Set(set) => set.remove(member),
                other => return Err(wrong(key, Kind::Set, other.kind())),
            };
            if matches!(&entry.data, Data::Set(set) if set.is_empty()) {
                entries.remove(key);
            }
            Ok(removed)
        }))
    }

    fn set_members<'a>(&'a self, key: &'a str) -> BoxFuture<'a, StateResult<Vec<String>>> {
        done(self.read(key, |entry| match entry.map(|e| &e.data) {
            None => Ok(Vec::new()),
            Some(Data::Set(set)) => Ok(set.iter().cloned().collect()),
            Some(other) => Err(wrong(key, Kind::Set, other.kind())),
        }))
    }

    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        token: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, StateResult<bool>> {
        done(self.write(key, |entries, now| {
            if entries.contains_key(key) {
                return Ok(false);
            }
            entries.insert(
                key.to_owned(),
                Entry {
                    data: Data::Value(token.to_owned()),
                    expires: Some(now + ttl),
                },
            );
            Ok(true)
        }))
    }

    fn unlock<'a>(&'a self, key: &'a str, token: &'a str) -> BoxFuture<'a, StateResult<bool>> {
        done(self.write(key, |entries, _| {
            let held =
                matches!(entries.get(key), Some(Entry { data: Data::Value(t), .. }) if t == token);
            if held {
                entries.remove(key);
            }
            Ok(held)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::clamp_range;

    #[test]
    fn ranges_follow_redis() {
        assert_eq!(clamp_range(5, 0, -1), Some((0, 4)));
        assert_eq!(clamp_range(5, -2, -1), Some((3, 4)));
        assert_eq!(clamp_range(5, 1, 100), Some((1, 4)));
        assert_eq!(clamp_range(5, 4, 2), None);
        assert_eq!(clamp_range(0, 0, -1), None);
        assert_eq!(clamp_range(5, -100, 0), Some((0, 0)));
    }
}
