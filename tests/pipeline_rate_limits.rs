//! Rate limits: token buckets checked before decoding, per event and per socket.

use std::time::{Duration, Instant};

use loly_tests::{Server, node, rust_client::RustClient};
use serde_json::json;

const APP: &str = "fixture-pipeline-app";

#[test]
fn a_burst_of_100_lets_exactly_10_through_then_the_bucket_refills_at_5_per_second() {
    let server = Server::start(APP, APP);
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        const burst = (s, n) => Promise.all(Array.from({ length: n }, () => h.ack(s, "record", { name: "x" })));
        h.run(async () => {
          const s = await h.connect("/pipeline");
          const first = await burst(s, 100);
          const drained = Date.now();
          await new Promise((r) => setTimeout(r, 1000));
          const waited = Date.now() - drained;
          const second = await burst(s, 10);
          const count = await h.ack(s, "count", {});
          s.close();
          const passed = (acks) => acks.filter((a) => a.ok).length;
          return {
            first: passed(first),
            firstCodes: [...new Set(first.filter((a) => !a.ok).map((a) => a.error.code + ":" + a.error.details.scope))],
            retryAfterMs: first.find((a) => !a.ok).error.details.retryAfterMs,
            second: passed(second),
            waited,
            recorded: count.data.recorded,
          };
        });
        "#,
    );
    assert_eq!(result["first"], 10, "exactly the burst passes: {result}");
    let codes = result["firstCodes"].as_array().unwrap();
    assert!(codes.contains(&json!("RATE_LIMIT:event")), "{result}");
    assert!(result["retryAfterMs"].as_u64().unwrap() > 0);
    let waited = result["waited"].as_f64().unwrap() / 1000.0;
    let second = result["second"].as_f64().unwrap();
    assert!(
        (second - 5.0 * waited).abs() <= 1.0,
        "after {waited:.2} s, about {:.1} refilled tokens; {second} passed",
        5.0 * waited
    );
    assert_eq!(
        result["recorded"],
        10 + result["second"].as_u64().unwrap(),
        "refused events never ran"
    );
}

#[test]
fn malformed_spam_is_limited_before_it_is_decoded() {
    let server = Server::start(APP, APP);
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const s = await h.connect("/pipeline");
          const acks = await Promise.all(Array.from({ length: 50 }, () => h.ack(s, "record", "not an object")));
          s.close();
          const codes = {};
          for (const a of acks) codes[a.error.code] = (codes[a.error.code] || 0) + 1;
          return codes;
        });
        "#,
    );
    assert_eq!(result, json!({ "BAD_PAYLOAD": 10, "RATE_LIMIT": 40 }));
}

#[test]
fn the_per_socket_limit_comes_from_config_and_covers_every_event() {
    let server = Server::start(APP, APP);
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const s = await h.connect("/pipeline");
          const acks = await Promise.all(Array.from({ length: 100 }, (_, i) => h.ack(s, i % 2 ? "unlimited" : "no-such-event", {})));
          const other = await h.connect("/pipeline");
          const fresh = await h.ack(other, "unlimited", {});
          s.close(); other.close();
          const limited = acks.filter((a) => !a.ok && a.error.code === "RATE_LIMIT");
          return {
            limited: limited.length,
            scopes: [...new Set(limited.map((a) => a.error.details.scope))],
            unknown: acks.filter((a) => !a.ok && a.error.code === "UNKNOWN_EVENT").length,
            fresh: fresh.ok,
          };
        });
        "#,
    );
    // The default is 30/s with bursts of 60: 60 pass the socket's bucket.
    assert_eq!(result["limited"], 40, "{result}");
    assert_eq!(result["scopes"], json!(["socket"]));
    assert_eq!(
        result["unknown"], 30,
        "unknown events count against the socket's limit too"
    );
    assert_eq!(result["fresh"], true, "each socket has its own bucket");
}

#[test]
fn events_waiting_for_the_connect_hook_are_limited_on_arrival() {
    let server = Server::start(APP, APP);
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const s = h.socket("/hooks");
          await h.next(s, "connect");
          // The connect hook takes 300 ms: all 100 arrive while it runs.
          const acks = await Promise.all(Array.from({ length: 100 }, () => h.ack(s, "rooms", {})));
          s.close();
          return {
            ran: acks.filter((a) => a.ok && a.data.inLobby).length,
            limited: acks.filter((a) => !a.ok && a.error.code === "RATE_LIMIT").length,
            error: acks.find((a) => !a.ok).error,
          };
        });
        "#,
    );
    assert_eq!(
        (result["ran"].as_u64(), result["limited"].as_u64()),
        (Some(60), Some(40)),
        "the socket's burst of 60 holds while events wait: {result}"
    );
    let error = &result["error"];
    assert_eq!(error["code"], "RATE_LIMIT");
    assert_eq!(error["message"], "too many events");
    assert_eq!(error["details"]["scope"], "socket");
    assert!(error["details"]["retryAfterMs"].as_u64().unwrap() >= 1);
    assert!(error["requestId"].as_str().is_some_and(|id| !id.is_empty()));
}

#[test]
fn the_per_socket_limit_follows_the_config_file() {
    let config = loly_tests::config_file("[realtime.limits]\nevents_per_second = 1\nburst = 3\n");
    let server = Server::start_with(APP, APP, &[("LOLY_CONFIG", loly_tests::path_of(&config))]);
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const s = await h.connect("/pipeline");
          const acks = await Promise.all(Array.from({ length: 10 }, () => h.ack(s, "unlimited", {})));
          s.close();
          return acks.filter((a) => a.ok).length;
        });
        "#,
    );
    assert_eq!(result, json!(3));
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limits_with_a_rust_client() {
    let server = Server::start(APP, APP);
    let client = RustClient::connect(&server, "/pipeline")
        .await
        .expect("connect");
    let started = Instant::now();
    let mut passed = 0;
    for _ in 0..12 {
        let ack = client.ack("record", json!({ "name": "r" })).await;
        if ack["ok"] == true {
            passed += 1;
        } else {
            assert_eq!(ack["error"]["code"], "RATE_LIMIT");
        }
    }
    // Sequential acks take a little time, during which the bucket refills at 5/s.
    let refilled = (started.elapsed().as_secs_f64() * 5.0).floor() as i32;
    assert!((10..=10 + refilled).contains(&passed), "{passed} passed");
    assert!(started.elapsed() < Duration::from_secs(5));
    client.close().await;
}

#[test]
fn a_sockets_limiter_state_is_freed_when_the_socket_goes() {
    let server = Server::start(APP, APP);
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
        h.run(async () => {
          const sockets = await Promise.all(Array.from({ length: 15 }, () => h.connect("/pipeline")));
          // Each socket fills its own buckets: the socket's and `record`'s.
          await Promise.all(sockets.map((s) => Promise.all(Array.from({ length: 12 }, () => h.ack(s, "record", { name: "x" })))));
          const observer = await h.connect("/pipeline");
          const during = (await h.ack(observer, "stats", {})).data.connections;
          sockets.forEach((s) => s.close());
          let after = during;
          for (let i = 0; i < 100 && after !== 1; i++) {
            await sleep(20);
            after = (await h.ack(observer, "stats", {})).data.connections;
          }
          observer.close();
          return { during, after };
        });
        "#,
    );
    assert_eq!(result["during"], 16);
    assert_eq!(result["after"], 1, "only the observer's state is left");
}
