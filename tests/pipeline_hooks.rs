//! Connect and disconnect hooks, and events sent before they are done.

use loly_tests::{Server, node, rust_client::RustClient};
use serde_json::json;

const APP: &str = "fixture-pipeline-app";

#[test]
fn events_emitted_in_the_connect_callback_wait_for_a_slow_auth_hook() {
    let server = Server::start(APP, APP);
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const s = h.socket("/secure", { auth: { token: "slow-fay" } });
          const acks = [];
          // Emitted before the connection exists: the client buffers it.
          acks.push(s.timeout(5000).emitWithAck("whoami", {}));
          s.on("connect", () => {
            acks.push(s.timeout(5000).emitWithAck("whoami", {}));
            s.emit("whoami", {}, () => {});
          });
          await h.next(s, "connect");
          const results = await Promise.all(acks);
          s.close();
          return results.map((a) => a.data.userId);
        });
        "#,
    );
    assert_eq!(
        result,
        json!(["fay", "fay"]),
        "both early events ran, after auth"
    );
}

#[test]
fn events_wait_for_the_connect_hook_and_hook_failures_are_logged() {
    let server = Server::start(APP, APP);
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        const early = (query) => new Promise((resolve, reject) => {
          const s = h.socket("/hooks", { query });
          s.on("connect", async () => {
            try { resolve(await h.ack(s, "rooms", {})); } catch (e) { reject(e); } finally { s.close(); }
          });
        });
        h.run(async () => ({
          normal: await early({}),
          failing: await early({ fail: "1" }),
          panicking: await early({ panic: "1" }),
        }));
        "#,
    );
    for case in ["normal", "failing", "panicking"] {
        assert_eq!(
            result[case],
            json!({ "ok": true, "data": { "inLobby": true } }),
            "{case}: the event ran after the connect hook joined the lobby"
        );
    }
    let log = server.log();
    assert!(log.contains("connect hook failed on purpose"), "{log}");
    assert!(
        log.contains("the connect hook panicked: connect hook exploded"),
        "{log}"
    );
}

#[test]
fn a_failing_or_panicking_disconnect_hook_is_logged_and_the_server_goes_on() {
    let server = Server::start(APP, APP);
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          for (const leave of ["fail", "panic"]) {
            const s = await h.connect("/hooks", { query: { leave } });
            await h.ack(s, "rooms", {});
            s.close();
          }
          const after = await h.connect("/hooks");
          const ack = await h.ack(after, "rooms", {});
          after.close();
          return ack;
        });
        "#,
    );
    assert_eq!(result, json!({ "ok": true, "data": { "inLobby": true } }));
    let log = server.wait_for_log("disconnect hook exploded");
    assert!(log.contains("disconnect hook failed on purpose"), "{log}");
    assert!(
        log.contains("the disconnect hook panicked: disconnect hook exploded"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_disconnect_hook_gets_the_reason() {
    let server = Server::start(APP, APP);
    let leaving = RustClient::connect(&server, "/hooks")
        .await
        .expect("connect");
    let sid_probe = leaving.ack("rooms", json!({})).await;
    assert_eq!(sid_probe["data"]["inLobby"], true);
    leaving.close().await;

    let observer = RustClient::connect(&server, "/hooks")
        .await
        .expect("connect");
    let mut entries = json!([]);
    for _ in 0..50 {
        entries = observer.ack("journal_entries", json!({})).await["data"].clone();
        if entries
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().starts_with("disconnect"))
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let entries: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    let disconnect = entries
        .iter()
        .find(|e| e.starts_with("disconnect"))
        .unwrap_or_else(|| panic!("the disconnect hook ran: {entries:?}"));
    assert!(disconnect.ends_with("ClientNSDisconnect"), "{disconnect}");
    observer.close().await;
}
