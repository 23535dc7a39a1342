//! Each action's exact audience, with five real clients: who receives, and
//! who does not.

use loly_tests::{Server, node, rust_client::RustClient};
use serde_json::json;

const APP: &str = "fixture-actions-app";

/// Five clients: alice in two tabs, bob, carol, and an anonymous one; each
/// case measures who receives an action's emit (`audienceOf` in the harness).
const AUDIENCE_SCRIPT: &str = r#"
const h = require("harness");
h.run(async () => {
  const clients = {
    alice1: await h.connect("/act", { auth: { token: "alice" } }),
    alice2: await h.connect("/act", { auth: { token: "alice" } }),
    bob: await h.connect("/act", { auth: { token: "bob" } }),
    carol: await h.connect("/act", { auth: { token: "carol" } }),
    anon: await h.connect("/act"),
  };
  for (const [name, s] of Object.entries(clients)) {
    s.on("question", (q, answer) => answer({ from: name, q: q.q }));
  }
  const counted = h.audienceOf(clients, clients.alice1);
  // Who received, by name; each at most once.
  const audience = async (...args) => {
    const counts = await counted(...args);
    if (counts.error) return counts;
    if (Object.values(counts).some((n) => n !== 1)) return { duplicates: counts };
    return Object.keys(counts).sort();
  };
  const out = {};
  out.reply = await audience("bob", "do-reply");
  out.emit = await audience("bob", "do-emit");
  out.broadcast = await audience("bob", "do-broadcast");
  out.broadcastAll = await audience("bob", "do-broadcast-all");
  await h.ack(clients.alice1, "join", { tag: "-", room: "r1" });
  await h.ack(clients.carol, "join", { tag: "-", room: "r1" });
  out.roomFromOutside = await audience("bob", "to-room", { room: "r1" });
  out.roomFromMember = await audience("carol", "to-room", { room: "r1" });
  await h.ack(clients.carol, "leave", { tag: "-", room: "r1" });
  out.roomAfterLeave = await audience("bob", "to-room", { room: "r1" });
  out.emptyRoom = await audience("bob", "to-room", { room: "nobody-here" });
  out.toUser = await audience("bob", "to-user", { userId: "alice" });
  out.toSelf = await audience("bob", "to-user", { userId: "bob" });
  out.toUnknownUser = await audience("bob", "to-user", { userId: "" });
  out.joinUserRoom = await audience("carol", "join", { room: "__loly:user:alice" });
  out.targetUserRoom = await audience("carol", "to-room", { room: "__loly:user:alice" });
  out.ask = (await h.ack(clients.bob, "ask", {})).data;
  await h.ack(clients.bob, "join", { tag: "-", room: "q" });
  await h.ack(clients.carol, "join", { tag: "-", room: "q" });
  out.askRoom = (await h.ack(clients.alice1, "ask-room", { tag: "-", room: "q" })).data.answers.map((a) => a.from).sort();
  Object.values(clients).forEach((s) => s.close());
  return out;
});
"#;

#[test]
fn each_action_reaches_exactly_its_audience() {
    let server = Server::start(APP, APP);
    let out = node::run(&server, AUDIENCE_SCRIPT);
    let everyone = json!(["alice1", "alice2", "anon", "bob", "carol"]);
    assert_eq!(out["reply"], json!(["bob"]), "reply: the sender only");
    assert_eq!(
        out["emit"], everyone,
        "emit: the namespace, the sender included"
    );
    assert_eq!(
        out["broadcast"],
        json!(["alice1", "alice2", "anon", "carol"]),
        "broadcast: all but the sender"
    );
    assert_eq!(
        out["broadcastAll"], everyone,
        "broadcast with exclude_self(false)"
    );
    assert_eq!(
        out["roomFromOutside"],
        json!(["alice1", "carol"]),
        "to_room: its members only"
    );
    assert_eq!(
        out["roomFromMember"],
        json!(["alice1", "carol"]),
        "a member sending to its room gets it too"
    );
    assert_eq!(
        out["roomAfterLeave"],
        json!(["alice1"]),
        "leave takes effect"
    );
    assert_eq!(out["emptyRoom"], json!([]));
    assert_eq!(
        out["toUser"],
        json!(["alice1", "alice2"]),
        "to_user: both of alice's tabs, nobody else"
    );
    assert_eq!(out["toSelf"], json!(["bob"]));
    assert_eq!(
        out["toUnknownUser"],
        json!([]),
        "anonymous sockets are never reached"
    );
    assert_eq!(
        out["joinUserRoom"],
        json!({ "error": "FORBIDDEN" }),
        "the framework's rooms cannot be joined"
    );
    assert_eq!(out["targetUserRoom"], json!({ "error": "FORBIDDEN" }));
    assert_eq!(
        out["ask"],
        json!({ "from": "bob", "q": "ready?" }),
        "an emit with an ack gets the client's answer"
    );
    assert_eq!(out["askRoom"], json!(["bob", "carol"]));
}

#[test]
fn a_user_with_an_empty_id_is_refused() {
    let server = Server::start(APP, APP);
    let out = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => h.connectError("/act", { auth: { token: "" } }));
        "#,
    );
    assert_eq!(out["message"], "INTERNAL_ERROR: authentication failed");
    server.wait_for_log("the auth hook returned a user with an empty id");
}

#[test]
fn a_client_that_does_not_answer_times_out() {
    let server = Server::start(APP, APP);
    let out = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const answering = await h.connect("/act", { auth: { token: "ann" } });
          answering.on("question", (q, answer) => answer({ from: "ann" }));
          const silent = await h.connect("/act", { auth: { token: "sam" } });
          silent.on("question", () => {});
          for (const s of [answering, silent]) await h.ack(s, "join", { tag: "-", room: "quiz" });
          const started = Date.now();
          const room = (await h.ack(answering, "ask-room", { tag: "-", room: "quiz" })).data;
          const waited = Date.now() - started;
          const alone = await h.outcome(silent, "ask", {});
          [answering, silent].forEach((s) => s.close());
          return { room, waited, alone: alone.ack };
        });
        "#,
    );
    assert_eq!(
        out["room"],
        json!({ "answers": [{ "from": "ann" }], "unanswered": 1 }),
        "the answer that came, and the one that did not"
    );
    assert!(
        out["waited"].as_u64().unwrap() >= 450,
        "the server waited for the timeout: {out}"
    );
    assert_eq!(out["alone"]["ok"], false);
    assert_eq!(out["alone"]["error"]["code"], "NO_ANSWER");
}

#[tokio::test(flavor = "multi_thread")]
async fn to_user_reaches_both_tabs_with_rust_clients() {
    let server = Server::start(APP, APP);
    let auth = |id: &str| Some(json!({ "token": id }));
    let mut tab1 = RustClient::connect_with(&server, "/act", auth("dora"))
        .await
        .unwrap();
    let mut tab2 = RustClient::connect_with(&server, "/act", auth("dora"))
        .await
        .unwrap();
    let mut other = RustClient::connect_with(&server, "/act", auth("eve"))
        .await
        .unwrap();
    let sender = RustClient::connect_with(&server, "/act", auth("eve"))
        .await
        .unwrap();

    let ack = sender
        .ack("to-user", json!({ "tag": "dm", "userId": "dora" }))
        .await;
    assert_eq!(ack["ok"], true);
    assert_eq!(tab1.next("got").await["tag"], "dm");
    assert_eq!(tab2.next("got").await["tag"], "dm");
    // A later emit to everyone arrives first at `other`: it never got the DM.
    sender.ack("do-emit", json!({ "tag": "all" })).await;
    assert_eq!(other.next("got").await["tag"], "all");
    for client in [tab1, tab2, other, sender] {
        client.close().await;
    }
}
