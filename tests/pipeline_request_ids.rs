//! Each event gets its own request id, even when many run at once on one socket.

use std::collections::HashSet;

use loly_tests::{Server, node};

const APP: &str = "fixture-pipeline-app";

#[test]
fn two_hundred_concurrent_events_get_two_hundred_distinct_request_ids() {
    let config =
        loly_tests::config_file("[realtime.limits]\nevents_per_second = 1000\nburst = 1000\n");
    let server = Server::start_with(APP, APP, &[("LOLY_CONFIG", loly_tests::path_of(&config))]);
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const s = await h.connect("/pipeline");
          const ok = await Promise.all(Array.from({ length: 200 }, () => h.ack(s, "rid", {})));
          const failed = await Promise.all(Array.from({ length: 50 }, () => h.ack(s, "nope", {})));
          s.close();
          return { ok: ok.map((a) => a.data), failed: failed.map((a) => a.error.requestId) };
        });
        "#,
    );
    let ids: Vec<&str> = result["ok"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 200);
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        200,
        "no two events share an id"
    );
    let errors: Vec<&str> = result["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let all: HashSet<&str> = ids.iter().chain(&errors).copied().collect();
    assert_eq!(all.len(), 250, "errors carry their own ids too");
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_events_from_a_rust_client_get_distinct_request_ids() {
    use loly_tests::rust_client::RustClient;
    let server = Server::start(APP, APP);
    let mut client = RustClient::connect(&server, "/pipeline")
        .await
        .expect("connect");
    // Plain emits: rust_socketio draws ack ids from 0..999, so many
    // concurrent acks would collide on the client side.
    futures_util::future::join_all((0..50).map(|_| client.emit("rid", serde_json::json!({}))))
        .await;
    let mut ids = HashSet::new();
    for _ in 0..50 {
        ids.insert(client.next("rid").await.as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 50);
    client.close().await;
}
