//! Each error code as the real pipeline produces it: the exact payload on
//! `__loly:error` and in the ack, and the proof that the handler did not run.

use loly_tests::{Server, node, rust_client::RustClient};
use serde_json::{Value, json};

const APP: &str = "fixture-pipeline-app";

/// Checks an outcome's error payload and that the ack carries the same one.
fn assert_error(outcome: &Value, expected: Value) {
    let error = &outcome["error"];
    let request_id = error["requestId"].as_str().expect("a requestId");
    assert!(!request_id.is_empty());
    let mut without_id = error.clone();
    without_id.as_object_mut().unwrap().remove("requestId");
    assert_eq!(without_id, expected, "__loly:error payload");
    assert_eq!(
        outcome["ack"],
        json!({ "ok": false, "error": error }),
        "the ack carries the same error"
    );
}

#[test]
fn every_error_code_with_its_exact_payload_and_no_side_effect() {
    let server = Server::start(APP, APP);
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const s = await h.connect("/pipeline");
          const other = await h.connect("/pipeline");
          const out = {};
          out.badPayload = await h.outcome(s, "record", { name: "SECRET-VALUE-123", by: 99, tags: [{ label: "" }, { label: "ok" }] });
          out.badType = await h.outcome(s, "record", { name: 42 });
          out.missing = await h.outcome(s, "record", { by: 2 });
          out.notJson = await h.outcome(s, "record", "just a string");
          out.forbidden = await h.outcome(s, "forbidden", {});
          out.unknown = await h.outcome(s, "nope", {});
          out.afterRefusals = await h.ack(s, "count", {});
          out.internal = await h.outcome(s, "fail", {});
          out.panic = await h.outcome(s, "boom", {});
          out.otherAfterPanic = await h.ack(other, "unlimited", {});
          out.appError = await h.outcome(s, "app-error", {});
          out.softError = await h.outcome(s, "soft-error", {});
          out.success = await h.outcome(s, "record", { name: "ok" });
          out.afterAll = await h.ack(s, "count", {});
          s.close();
          other.close();
          return out;
        });
        "#,
    );

    assert_error(
        &result["badPayload"],
        json!({
            "code": "BAD_PAYLOAD",
            "message": "the payload is invalid",
            "details": { "issues": [
                { "path": "by", "code": "range", "message": "must be between 1 and 10" },
                { "path": "name", "code": "length", "message": "length must be between 1 and 10" },
                { "path": "tags[0].label", "code": "length", "message": "length must be between 1 and 8" },
            ] },
        }),
    );
    assert!(
        !result["badPayload"]
            .to_string()
            .contains("SECRET-VALUE-123"),
        "values are never echoed"
    );
    assert_error(
        &result["badType"],
        json!({
            "code": "BAD_PAYLOAD",
            "message": "the payload is invalid",
            "details": { "issues": [{ "path": "name", "code": "invalid_type", "message": "expected a string" }] },
        }),
    );
    assert_error(
        &result["missing"],
        json!({
            "code": "BAD_PAYLOAD",
            "message": "the payload is invalid",
            "details": { "issues": [{ "path": "", "code": "missing_field", "message": "missing field `name`" }] },
        }),
    );
    assert_error(
        &result["notJson"],
        json!({
            "code": "BAD_PAYLOAD",
            "message": "the payload is invalid",
            "details": { "issues": [{ "path": "", "code": "invalid_type", "message": "expected struct Record" }] },
        }),
    );
    assert_error(
        &result["forbidden"],
        json!({ "code": "FORBIDDEN", "message": "this event is not allowed" }),
    );
    assert_error(
        &result["unknown"],
        json!({ "code": "UNKNOWN_EVENT", "message": "no handler for this event", "details": { "event": "nope" } }),
    );
    assert_eq!(
        result["afterRefusals"]["data"]["recorded"], 0,
        "no refused handler ran: record and forbidden never counted"
    );

    assert_error(
        &result["internal"],
        json!({ "code": "INTERNAL_ERROR", "message": "internal server error" }),
    );
    assert_error(
        &result["panic"],
        json!({ "code": "INTERNAL_ERROR", "message": "internal server error" }),
    );
    assert_error(
        &result["appError"],
        json!({ "code": "OUT_OF_STOCK", "message": "no more items", "details": { "sku": "A-1" } }),
    );
    assert_error(
        &result["softError"],
        json!({ "code": "QUOTA_LOW", "message": "almost out of quota", "details": { "left": 1 } }),
    );

    assert_eq!(
        result["success"],
        json!({ "ack": { "ok": true, "data": { "by": 1, "total": 1 } }, "error": null })
    );
    assert_eq!(
        result["afterAll"]["data"]["recorded"], 1,
        "the server kept serving after the panic"
    );
    assert_eq!(
        result["otherAfterPanic"]["ok"], true,
        "and it kept serving everyone else"
    );

    let log = server.log();
    let internal_id = result["internal"]["error"]["requestId"].as_str().unwrap();
    let cause_line = log
        .lines()
        .find(|line| line.contains("database password rejected"))
        .unwrap_or_else(|| panic!("the cause is logged:\n{log}"));
    assert!(
        cause_line.contains(internal_id),
        "the cause is logged with the requestId: {cause_line}"
    );
    let panic_id = result["panic"]["error"]["requestId"].as_str().unwrap();
    let panic_line = log
        .lines()
        .find(|line| line.contains("the handler panicked: handler exploded"))
        .unwrap_or_else(|| panic!("the panic's message is logged:\n{log}"));
    assert!(
        panic_line.contains(panic_id),
        "the panic is logged with the requestId: {panic_line}"
    );
    for secret in ["database password", "exploded"] {
        assert!(
            !result.to_string().contains(secret),
            "the cause never reaches the client"
        );
    }
}

#[test]
fn errors_without_an_ack_still_arrive_on_the_error_event() {
    let server = Server::start(APP, APP);
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const s = await h.connect("/pipeline");
          const error = h.next(s, "__loly:error");
          s.emit("record", { name: "" });
          return await error;
        });
        "#,
    );
    assert_eq!(result["code"], "BAD_PAYLOAD");
    assert_eq!(result["details"]["issues"][0]["path"], "name");
}

#[tokio::test(flavor = "multi_thread")]
async fn error_codes_and_acks_with_a_rust_client() {
    let server = Server::start(APP, APP);
    let mut client = RustClient::connect(&server, "/pipeline")
        .await
        .expect("connect");

    let ok = client
        .ack("record", json!({ "name": "rust", "by": 3 }))
        .await;
    assert_eq!(ok, json!({ "ok": true, "data": { "by": 3, "total": 3 } }));

    for (event, data, code) in [
        ("record", json!({ "name": "" }), "BAD_PAYLOAD"),
        ("forbidden", json!({}), "FORBIDDEN"),
        ("nope", json!({}), "UNKNOWN_EVENT"),
        ("fail", json!({}), "INTERNAL_ERROR"),
        ("boom", json!({}), "INTERNAL_ERROR"),
        ("app-error", json!({}), "OUT_OF_STOCK"),
    ] {
        let ack = client.ack(event, data).await;
        assert_eq!(ack["ok"], false, "{event}: {ack}");
        assert_eq!(ack["error"]["code"], code, "{event}: {ack}");
        let pushed = client.next("__loly:error").await;
        assert_eq!(
            pushed, ack["error"],
            "{event}: the error event and the ack agree"
        );
    }
    let count = client.ack("count", json!({})).await;
    assert_eq!(count["data"]["recorded"], 3, "only the valid record ran");
    client.close().await;
}
