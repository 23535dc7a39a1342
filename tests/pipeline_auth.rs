//! The auth hook: what it sees, its three outcomes, and its failures.

use loly_tests::{Server, node, rust_client::RustClient};
use serde_json::json;

const APP: &str = "fixture-pipeline-app";

#[test]
fn a_token_in_the_handshake_auth_signs_in_and_the_hook_sees_the_request() {
    let server = Server::start(APP, APP);
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const s = await h.connect("/secure", {
            auth: { token: "user-alice" },
            query: { q: "hello" },
            extraHeaders: { cookie: "theme=dark; session=abc=def==; x=1", "x-test": "yes" },
          });
          const me = await h.ack(s, "whoami", {});
          s.close();
          return me;
        });
        "#,
    );
    let user = &result["data"]["user"];
    assert_eq!(result["data"]["userId"], "alice");
    assert_eq!(user["seen"]["tokenFrom"], "auth");
    assert_eq!(
        user["seen"]["cookie"], "abc=def==",
        "a cookie value containing `=` stays whole"
    );
    assert_eq!(user["seen"]["header"], "yes");
    assert_eq!(user["seen"]["ip"], "127.0.0.1");
    assert_eq!(user["seen"]["query"], "hello");
    assert_eq!(user["seen"]["path"], "/wss/");
    assert_eq!(user["seen"]["pathname"], "/secure");
}

#[test]
fn a_token_in_the_authorization_header_signs_in() {
    let server = Server::start(APP, APP);
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const s = await h.connect("/secure", { extraHeaders: { authorization: "Bearer user-bob" } });
          const me = await h.ack(s, "whoami", {});
          s.close();
          return me;
        });
        "#,
    );
    assert_eq!(result["data"]["userId"], "bob");
    assert_eq!(result["data"]["user"]["seen"]["tokenFrom"], "header");
}

#[test]
fn no_token_connects_anonymously() {
    let server = Server::start(APP, APP);
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const s = await h.connect("/secure");
          const me = await h.ack(s, "whoami", {});
          const posed = await h.ack(s, "pose", { userId: "alice" });
          s.close();
          return { me, posed };
        });
        "#,
    );
    assert_eq!(
        result["me"]["data"],
        json!({ "user": null, "userId": null })
    );
    assert_eq!(
        result["posed"]["data"],
        json!({ "claimed": "alice", "userId": null }),
        "a user id in a payload does not sign anyone in"
    );
}

#[test]
fn a_rejection_reaches_the_client_with_its_reason() {
    let server = Server::start(APP, APP);
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => ({
          bad: await h.connectError("/secure", { auth: { token: "bad" } }),
          unknown: await h.connectError("/secure", { auth: { token: "nobody" } }),
        }));
        "#,
    );
    assert_eq!(result["bad"]["message"], "UNAUTHORIZED: invalid token");
    assert_eq!(result["unknown"]["message"], "UNAUTHORIZED: unknown token");
}

#[test]
fn a_failing_or_panicking_auth_hook_refuses_with_a_generic_message_and_the_server_goes_on() {
    let server = Server::start(APP, APP);
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const failed = await h.connectError("/secure", { auth: { token: "fail" } });
          const panicked = await h.connectError("/secure", { auth: { token: "panic" } });
          const s = await h.connect("/secure", { auth: { token: "user-carol" } });
          const after = await h.ack(s, "whoami", {});
          s.close();
          return { failed, panicked, after };
        });
        "#,
    );
    assert_eq!(
        result["failed"]["message"],
        "INTERNAL_ERROR: authentication failed"
    );
    assert_eq!(
        result["panicked"]["message"],
        "INTERNAL_ERROR: authentication failed"
    );
    assert_eq!(
        result["after"]["data"]["userId"], "carol",
        "the server keeps serving"
    );
    let log = server.log();
    assert!(
        log.contains("token store unreachable"),
        "the cause is logged:\n{log}"
    );
    assert!(log.contains("the auth hook panicked"), "{log}");
    assert!(
        !result.to_string().contains("token store"),
        "the cause never reaches the client"
    );
}

#[test]
fn forwarded_addresses_count_only_from_a_trusted_proxy() {
    let script = r#"
        const h = require("harness");
        h.run(async () => {
          const s = await h.connect("/secure", { auth: { token: "user-dan" }, extraHeaders: { "x-forwarded-for": "203.0.113.7" } });
          const me = await h.ack(s, "whoami", {});
          s.close();
          return me.data.user.seen.ip;
        });
    "#;
    let direct = Server::start(APP, APP);
    assert_eq!(
        node::run(&direct, script),
        json!("127.0.0.1"),
        "an untrusted peer cannot claim another address"
    );
    let behind_proxy = Server::start_with(APP, APP, &[("LOLY_TRUSTED_PROXIES", "127.0.0.1")]);
    assert_eq!(node::run(&behind_proxy, script), json!("203.0.113.7"));
}

#[tokio::test(flavor = "multi_thread")]
async fn auth_outcomes_with_a_rust_client() {
    let server = Server::start(APP, APP);
    let signed_in =
        RustClient::connect_with(&server, "/secure", Some(json!({ "token": "user-erin" })))
            .await
            .expect("signed in");
    let me = signed_in.ack("whoami", json!({})).await;
    assert_eq!(me["data"]["userId"], "erin");

    let anonymous = RustClient::connect(&server, "/secure")
        .await
        .expect("anonymous");
    assert_eq!(
        anonymous.ack("whoami", json!({})).await["data"]["userId"],
        json!(null)
    );

    let refused =
        RustClient::connect_with(&server, "/secure", Some(json!({ "token": "bad" }))).await;
    let reason = refused.err().expect("refused");
    assert!(reason.contains("UNAUTHORIZED: invalid token"), "{reason}");

    let panicked =
        RustClient::connect_with(&server, "/secure", Some(json!({ "token": "panic" }))).await;
    assert!(
        panicked
            .err()
            .expect("refused")
            .contains("authentication failed")
    );

    signed_in.close().await;
    anonymous.close().await;
}

#[test]
fn a_client_gone_while_its_auth_hook_runs_leaves_nothing_behind() {
    let config = loly_tests::config_file("[realtime.limits]\nconnections_per_ip = 3\n");
    let server = Server::start_with(APP, APP, &[("LOLY_CONFIG", loly_tests::path_of(&config))]);
    let out = node::run(
        &server,
        r#"
        const h = require("harness");
        const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
        h.run(async () => {
          const observer = await h.connect("/pipeline");
          const held = async () => (await h.ack(observer, "stats", {})).data.connections;
          // Each auth hook takes 300 ms; each client goes after 100 ms.
          await Promise.all(Array.from({ length: 5 }, async (_, i) => {
            const s = h.socket("/secure", { auth: { token: "slow-gone" + i } });
            await new Promise((resolve) => s.io.once("open", resolve));
            await sleep(100);
            s.close();
          }));
          // Their auth hooks end 300 ms after they began.
          await sleep(300);
          let after = await held();
          for (let i = 0; i < 100 && after !== 1; i++) { await sleep(20); after = await held(); }
          // Three slots per address: the observer and two more fit only if
          // the five gone clients gave theirs back.
          const a = await h.connect("/secure", { auth: { token: "user-ann" } });
          const b = await h.connect("/secure", { auth: { token: "user-bea" } });
          const present = (await h.ack(a, "present", {})).data;
          a.close(); b.close(); observer.close();
          return { after, present };
        });
        "#,
    );
    assert_eq!(
        out["after"], 1,
        "only the observer's state is held once the gone clients' auth ended: {out}"
    );
    assert_eq!(
        out["present"],
        json!(["ann", "bea"]),
        "no gone client is present"
    );
}
