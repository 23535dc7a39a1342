//! The state store suite, written once and run against every backend.
//! Each backend gets a module below that instantiates `state_store_suite!`.

use std::{sync::Arc, time::Duration};

use futures_util::future::BoxFuture;
use loly_core::{MemoryBackend, RedisBackend, State, StateError};
use serde::{Deserialize, Serialize};

/// A store under test, and a way to see the keys as the backend holds them.
struct Fixture {
    state: State,
    raw_keys: Box<dyn Fn() -> BoxFuture<'static, Vec<String>> + Send + Sync>,
    /// Keeps what the backend needs (a redis-server) alive.
    _guard: Box<dyn std::any::Any + Send>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Session {
    user: String,
    tabs: u32,
}

async fn values_of_any_serde_type(f: Fixture) {
    let s = &f.state;
    assert_eq!(s.get::<Session>("session").await.unwrap(), None);
    let session = Session {
        user: "ann".into(),
        tabs: 2,
    };
    s.set("session", &session, None).await.unwrap();
    assert_eq!(s.get::<Session>("session").await.unwrap(), Some(session));
    s.set("n", &7u8, None).await.unwrap();
    assert_eq!(s.get::<u64>("n").await.unwrap(), Some(7));
    assert!(s.del("session").await.unwrap());
    assert!(!s.del("session").await.unwrap());
    assert_eq!(s.get::<Session>("session").await.unwrap(), None);
}

async fn incr_and_decr(f: Fixture) {
    let s = &f.state;
    assert_eq!(s.incr("counter", 1).await.unwrap(), 1);
    assert_eq!(s.incr("counter", 5).await.unwrap(), 6);
    assert_eq!(s.decr("counter", 2).await.unwrap(), 4);
    assert_eq!(
        s.get::<i64>("counter").await.unwrap(),
        Some(4),
        "a counter reads as a number"
    );
    s.set("text", &"hello", None).await.unwrap();
    assert!(matches!(
        s.incr("text", 1).await,
        Err(StateError::NotAnInteger(_))
    ));
}

async fn ttl_expiry_and_survival(f: Fixture) {
    let s = &f.state;
    s.set("short", &"soon gone", Some(Duration::from_millis(300)))
        .await
        .unwrap();
    s.set("counter", &10, Some(Duration::from_millis(300)))
        .await
        .unwrap();
    assert_eq!(s.incr("counter", 1).await.unwrap(), 11);
    assert_eq!(
        s.get::<String>("short").await.unwrap().as_deref(),
        Some("soon gone")
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        s.get::<String>("short").await.unwrap(),
        None,
        "an expired key reads as absent"
    );
    assert_eq!(
        s.get::<i64>("counter").await.unwrap(),
        None,
        "the TTL survived incr, so the counter expired too"
    );
    assert_eq!(
        s.incr("counter", 1).await.unwrap(),
        1,
        "an expired counter starts again"
    );
}

async fn lists_keep_their_last_items(f: Fixture) {
    let s = &f.state;
    for i in 1..=5 {
        s.list_push("recent", &i, Some(3)).await.unwrap();
    }
    assert_eq!(
        s.list_range::<i32>("recent", 0, -1).await.unwrap(),
        vec![3, 4, 5]
    );
    assert_eq!(
        s.list_range::<i32>("recent", -2, -1).await.unwrap(),
        vec![4, 5]
    );
    assert_eq!(s.list_range::<i32>("recent", 1, 1).await.unwrap(), vec![4]);
    assert_eq!(s.list_push("recent", &6, None).await.unwrap(), 4);
    assert_eq!(
        s.list_push("recent", &7, Some(0)).await.unwrap(),
        0,
        "a maximum of 0 keeps nothing"
    );
    assert_eq!(
        s.list_range::<i32>("recent", 0, -1).await.unwrap(),
        Vec::<i32>::new()
    );
    assert_eq!(
        s.get::<i32>("recent").await.unwrap(),
        None,
        "an emptied list is no key at all"
    );
    assert_eq!(
        s.list_range::<i32>("missing", 0, -1).await.unwrap(),
        Vec::<i32>::new()
    );
    s.list_push("typed", &1, None).await.unwrap();
    assert!(matches!(
        s.get::<i32>("typed").await,
        Err(StateError::WrongType { .. })
    ));
}

async fn sets(f: Fixture) {
    let s = &f.state;
    assert!(s.set_add("users", &"ann").await.unwrap());
    assert!(s.set_add("users", &"bob").await.unwrap());
    assert!(
        !s.set_add("users", &"ann").await.unwrap(),
        "already a member"
    );
    let mut members: Vec<String> = s.set_members("users").await.unwrap();
    members.sort();
    assert_eq!(members, ["ann", "bob"]);
    assert!(s.set_rem("users", &"ann").await.unwrap());
    assert!(!s.set_rem("users", &"ann").await.unwrap());
    assert_eq!(s.set_members::<String>("users").await.unwrap(), ["bob"]);
}

async fn locks(f: Fixture) {
    let s = &f.state;
    let lock = s
        .try_lock("job", Duration::from_secs(5))
        .await
        .unwrap()
        .expect("free");
    assert!(
        s.try_lock("job", Duration::from_secs(5))
            .await
            .unwrap()
            .is_none(),
        "held"
    );
    assert!(lock.release().await.unwrap());
    let short = s
        .try_lock("job", Duration::from_millis(200))
        .await
        .unwrap()
        .expect("free again");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let next = s
        .try_lock("job", Duration::from_secs(5))
        .await
        .unwrap()
        .expect("the TTL freed it");
    assert!(
        !short.release().await.unwrap(),
        "an expired holder cannot release the new holder's lock"
    );
    assert!(next.release().await.unwrap());

    s.set("lock:job", &"an app value", None).await.unwrap();
    let lock = s
        .try_lock("job", Duration::from_secs(5))
        .await
        .unwrap()
        .expect("an app key named like a lock is not the lock");
    assert_eq!(
        s.get::<String>("lock:job").await.unwrap().as_deref(),
        Some("an app value")
    );
    assert!(lock.release().await.unwrap());
}

async fn the_frameworks_keys_are_reserved(f: Fixture) {
    let s = &f.state;
    for result in [
        s.set("__loly:presence:/chat", &1, None).await.map(|_| ()),
        s.get::<i32>("__loly:lock:job").await.map(|_| ()),
        s.incr("__loly:conns:127.0.0.1", 1).await.map(|_| ()),
    ] {
        assert!(
            matches!(result, Err(StateError::ReservedKey(_))),
            "{result:?}"
        );
    }
    assert!((f.raw_keys)().await.is_empty(), "nothing was written");
}

async fn keys_get_the_prefix_exactly_once(f: Fixture) {
    let s = &f.state;
    s.set("plain", &1, None).await.unwrap();
    s.incr("counter:value", 1).await.unwrap();
    s.list_push("list", &1, None).await.unwrap();
    s.set_add("set", &1).await.unwrap();
    let mut keys = (f.raw_keys)().await;
    keys.retain(|k| !k.contains("__loly:"));
    keys.sort();
    let prefix = s.prefix();
    let expected: Vec<String> = ["counter:value", "list", "plain", "set"]
        .iter()
        .map(|k| format!("{prefix}{k}"))
        .collect();
    assert_eq!(keys, expected);
}

async fn a_thousand_concurrent_increments_are_exact(f: Fixture) {
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let s = f.state.clone();
            tokio::spawn(async move { s.incr("hits", 1).await.unwrap() })
        })
        .collect();
    let mut seen = Vec::new();
    for task in tasks {
        seen.push(task.await.unwrap());
    }
    seen.sort();
    assert_eq!(
        seen,
        (1..=1000).collect::<Vec<_>>(),
        "every increment saw its own value"
    );
    assert_eq!(f.state.get::<i64>("hits").await.unwrap(), Some(1000));
}

/// Runs every case of the suite against the backend that `$fixture` makes.
macro_rules! state_store_suite {
    ($fixture:expr) => {
        #[tokio::test(flavor = "multi_thread")]
        async fn values_of_any_serde_type() {
            $crate::values_of_any_serde_type($fixture.await).await;
        }
        #[tokio::test(flavor = "multi_thread")]
        async fn incr_and_decr() {
            $crate::incr_and_decr($fixture.await).await;
        }
        #[tokio::test(flavor = "multi_thread")]
        async fn ttl_expiry_and_survival() {
            $crate::ttl_expiry_and_survival($fixture.await).await;
        }
        #[tokio::test(flavor = "multi_thread")]
        async fn lists_keep_their_last_items() {
            $crate::lists_keep_their_last_items($fixture.await).await;
        }
        #[tokio::test(flavor = "multi_thread")]
        async fn sets() {
            $crate::sets($fixture.await).await;
        }
        #[tokio::test(flavor = "multi_thread")]
        async fn locks() {
            $crate::locks($fixture.await).await;
        }
        #[tokio::test(flavor = "multi_thread")]
        async fn the_frameworks_keys_are_reserved() {
            $crate::the_frameworks_keys_are_reserved($fixture.await).await;
        }
        #[tokio::test(flavor = "multi_thread")]
        async fn keys_get_the_prefix_exactly_once() {
            $crate::keys_get_the_prefix_exactly_once($fixture.await).await;
        }
        #[tokio::test(flavor = "multi_thread")]
        async fn a_thousand_concurrent_increments_are_exact() {
            $crate::a_thousand_concurrent_increments_are_exact($fixture.await).await;
        }
    };
}

async fn memory() -> Fixture {
    let backend = Arc::new(MemoryBackend::new());
    let raw = backend.clone();
    Fixture {
        state: State::new(backend, "loly:rt:"),
        raw_keys: Box::new(move || {
            let keys = raw.keys();
            Box::pin(async move { keys })
        }),
        _guard: Box::new(()),
    }
}

async fn redis() -> Fixture {
    let server = loly_tests::redis::RedisServer::start();
    let client = redis::Client::open(server.url()).unwrap();
    let conn = redis::aio::ConnectionManager::new(client)
        .await
        .expect("redis answers");
    let raw = conn.clone();
    Fixture {
        state: State::new(Arc::new(RedisBackend::new(conn)), "loly:rt:"),
        raw_keys: Box::new(move || {
            let mut conn = raw.clone();
            Box::pin(async move {
                redis::cmd("KEYS")
                    .arg("*")
                    .query_async(&mut conn)
                    .await
                    .unwrap()
            })
        }),
        _guard: Box::new(server),
    }
}

mod redis_backend {
    use super::*;
    state_store_suite!(redis());
}

mod memory_backend {
    use super::*;
    state_store_suite!(memory());
}
