//! Guards, sync and async, decide from the user, the request, the params,
//! the namespace and the event; `false` gives `FORBIDDEN` and the handler
//! does not run.

use loly_tests::{Server, node};
use serde_json::json;

const APP: &str = "fixture-pipeline-app";

#[test]
fn a_sync_guard_sees_the_user_and_the_params() {
    let server = Server::start(APP, APP);
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const member = await h.connect("/rooms/open", { auth: { token: "ann" } });
          const anonymous = await h.connect("/rooms/open");
          const closed = await h.connect("/rooms/closed", { auth: { token: "ann" } });
          const out = {
            member: await h.ack(member, "enter", {}),
            anonymous: await h.ack(anonymous, "enter", {}),
            closed: await h.ack(closed, "enter", {}),
          };
          [member, anonymous, closed].forEach((s) => s.close());
          return out;
        });
        "#,
    );
    assert_eq!(
        result["member"],
        json!({ "ok": true, "data": { "entered": "open", "by": "ann" } })
    );
    assert_eq!(result["anonymous"]["error"]["code"], "FORBIDDEN");
    assert_eq!(
        result["closed"]["error"]["code"], "FORBIDDEN",
        "the params decide"
    );
}

#[test]
fn an_async_guard_sees_the_event_the_namespace_and_the_request() {
    let server = Server::start(APP, APP);
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const admin = await h.connect("/rooms/any", { auth: { token: "admin" }, extraHeaders: { "x-role": "admin" } });
          const noHeader = await h.connect("/rooms/any", { auth: { token: "admin" } });
          const other = await h.connect("/rooms/any", { auth: { token: "ann" }, extraHeaders: { "x-role": "admin" } });
          const out = {
            admin: await h.ack(admin, "manage", {}),
            noHeader: await h.ack(noHeader, "manage", {}),
            other: await h.ack(other, "manage", {}),
          };
          [admin, noHeader, other].forEach((s) => s.close());
          return out;
        });
        "#,
    );
    assert_eq!(
        result["admin"],
        json!({ "ok": true, "data": { "managed": "/rooms/any" } })
    );
    assert_eq!(
        result["noHeader"]["error"]["code"], "FORBIDDEN",
        "the request's headers decide"
    );
    assert_eq!(
        result["other"]["error"]["code"], "FORBIDDEN",
        "the user decides"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn guards_with_a_rust_client() {
    use loly_tests::rust_client::RustClient;
    let server = Server::start(APP, APP);
    let member = RustClient::connect_with(&server, "/rooms/open", Some(json!({ "token": "rui" })))
        .await
        .expect("connect");
    assert_eq!(member.ack("enter", json!({})).await["data"]["by"], "rui");
    assert_eq!(
        member.ack("manage", json!({})).await["error"]["code"],
        "FORBIDDEN"
    );
    member.close().await;
}
