//! Namespaces from folders, served to the official client and to a Rust client.

use loly_tests::{Server, node, rust_client::RustClient};
use serde_json::{Value, json};

const APP: &str = "fixture-routing-app";

fn server() -> Server {
    Server::start(APP, APP)
}

#[test]
fn dynamic_namespaces_get_their_own_params_with_the_official_client() {
    let server = server();
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const out = {};
          for (const ns of ["/chat", "/game/42", "/game/abc", "/org/acme/room/7", "/stats", "/"]) {
            const s = await h.connect(ns);
            out[ns] = ns === "/chat" ? { connected: s.connected } : await h.ack(s, ns === "/" ? "ping" : "whereami", {});
            s.close();
          }
          return out;
        });
        "#,
    );
    assert_eq!(result["/chat"], json!({ "connected": true }));
    assert_eq!(
        result["/game/42"],
        json!({ "ok": true, "data": { "pathname": "/game/42", "namespace": "/game/{roomId}", "params": { "roomId": "42" } } })
    );
    assert_eq!(
        result["/game/abc"]["data"]["params"],
        json!({ "roomId": "abc" }),
        "each connection gets the params of its own path"
    );
    assert_eq!(
        result["/org/acme/room/7"]["data"]["params"],
        json!({ "orgId": "acme", "roomId": "7" })
    );
    assert_eq!(
        result["/stats"]["data"],
        json!({ "pathname": "/stats", "namespace": "/stats" }),
        "a (group) folder adds no segment"
    );
    assert_eq!(
        result["/"],
        json!({ "ok": true, "data": "pong" }),
        "app/wss/events.rs is the root namespace"
    );
}

#[test]
fn unknown_namespaces_are_rejected_with_the_official_client() {
    let server = server();
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => ({
          nope: await h.connectError("/nope"),
          tooDeep: await h.connectError("/game/42/extra"),
          caseMatters: await h.connectError("/Chat"),
        }));
        "#,
    );
    for case in ["nope", "tooDeep", "caseMatters"] {
        assert_eq!(
            result[case]["message"], "Invalid namespace",
            "{case}: {result}"
        );
    }
}

#[test]
fn event_names_are_case_sensitive_with_the_official_client() {
    let server = server();
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const s = await h.connect("/chat");
          const replied = h.next(s, "reply");
          const upper = await h.ack(s, "sendMessage", { text: "hi" });
          const replyEvent = await replied;
          const lower = await h.ack(s, "sendmessage", { text: "lo" });
          const wrong = await h.ack(s, "SENDMESSAGE", { text: "x" });
          s.close();
          return { upper, replyEvent, lower, wrong };
        });
        "#,
    );
    assert_eq!(
        result["upper"],
        json!({ "ok": true, "data": { "handler": "sendMessage", "text": "hi" } })
    );
    assert_eq!(
        result["replyEvent"],
        json!({ "handler": "sendMessage", "text": "hi" }),
        "ctx.actions.reply reaches the sender"
    );
    assert_eq!(result["lower"]["data"]["handler"], "sendmessage");
    assert_eq!(result["wrong"]["ok"], false);
    assert_eq!(result["wrong"]["error"]["code"], "UNKNOWN_EVENT");
}

#[test]
fn one_sockets_events_run_concurrently() {
    let server = server();
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const s = await h.connect("/chat");
          const order = [];
          const slow = h.ack(s, "slow", { ms: 1500 }).then(() => order.push("slow"));
          const fast = h.ack(s, "slow", { ms: 0 }).then(() => order.push("fast"));
          await Promise.all([slow, fast]);
          s.close();
          return order;
        });
        "#,
    );
    assert_eq!(
        result,
        json!(["fast", "slow"]),
        "a slow handler does not hold back the next event"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn namespaces_params_and_case_work_with_a_rust_client() {
    let server = server();
    let game42 = RustClient::connect(&server, "/game/42")
        .await
        .expect("connect /game/42");
    let abc = RustClient::connect(&server, "/game/abc")
        .await
        .expect("connect /game/abc");
    let first = game42.ack("whereami", json!({})).await;
    let second = abc.ack("whereami", json!({})).await;
    assert_eq!(first["data"]["params"], json!({ "roomId": "42" }));
    assert_eq!(first["data"]["pathname"], "/game/42");
    assert_eq!(second["data"]["params"], json!({ "roomId": "abc" }));

    let mut chat = RustClient::connect(&server, "/chat")
        .await
        .expect("connect /chat");
    let ack = chat
        .ack("sendMessage", json!({ "text": "from rust" }))
        .await;
    assert_eq!(
        ack,
        json!({ "ok": true, "data": { "handler": "sendMessage", "text": "from rust" } })
    );
    assert_eq!(
        chat.next("reply").await["handler"],
        Value::from("sendMessage")
    );

    let refused = RustClient::connect(&server, "/nope").await;
    let error = refused.err().expect("an unknown namespace is refused");
    assert!(error.contains("Invalid namespace"), "{error}");

    for client in [game42, abc, chat] {
        client.close().await;
    }
}
