//! The chat example: auth, messages, rooms and private messages.

use loly_tests::{Server, node, rust_client::RustClient};
use serde_json::json;

#[test]
fn chat_rooms_and_private_messages() {
    let server = Server::start("example-chat", "example-chat");
    let out = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const as = (token) => h.connect("/chat", token ? { auth: { token } } : {});
          const alice = await as("demo-alice"), alice2 = await as("demo-alice");
          const bob = await as("demo-bob"), carol = await as("demo-carol"), anon = await as(null);
          const out = {};
          const heard = h.next(bob, "message");
          out.message = await h.ack(alice, "message", { text: "hello" });
          out.bobHeard = await heard;
          out.anonymous = (await h.ack(anon, "message", { text: "hi" })).error.code;
          out.refused = (await h.connectError("/chat", { auth: { token: "stolen" } })).message;

          const joinedSeen = h.next(alice, "user-joined");
          await h.ack(alice, "join-room", { roomId: "rust" });
          await joinedSeen;
          const bobJoined = h.next(alice, "user-joined");
          await h.ack(bob, "join-room", { roomId: "rust" });
          out.userJoined = await bobJoined;
          let carolGotRoom = null;
          carol.on("message", (m) => { if (m.roomId) carolGotRoom = m; });
          const roomSeen = h.next(alice, "message");
          await h.ack(bob, "room-message", { roomId: "rust", text: "in the room" });
          out.roomMessage = await roomSeen;

          const pm1 = h.next(alice, "private-message"), pm2 = h.next(alice2, "private-message");
          let carolGotPm = null;
          carol.on("private-message", (m) => { carolGotPm = m; });
          await h.ack(bob, "private-message", { toUserId: "alice", text: "psst" });
          out.pm = [await pm1, await pm2];
          out.eavesdrop = (await h.ack(carol, "join-room", { roomId: "__loly:user:alice" })).error.code;
          // A later message to everyone reaches carol after anything sent to her before.
          const barrier = h.next(carol, "message");
          await h.ack(alice, "message", { text: "barrier" });
          await barrier;
          out.carolGotRoom = carolGotRoom;
          out.carolGotPm = carolGotPm;
          [alice, alice2, bob, carol, anon].forEach((s) => s.close());
          return out;
        });
        "#,
    );
    assert_eq!(out["message"], json!({ "ok": true, "data": null }));
    assert_eq!(out["bobHeard"], json!({ "from": "alice", "text": "hello" }));
    assert_eq!(out["anonymous"], "FORBIDDEN");
    assert_eq!(out["refused"], "UNAUTHORIZED: invalid token");
    assert_eq!(
        out["userJoined"],
        json!({ "userId": "bob", "roomId": "rust" })
    );
    assert_eq!(
        out["roomMessage"],
        json!({ "from": "bob", "text": "in the room", "roomId": "rust" })
    );
    assert_eq!(
        out["pm"],
        json!([{ "from": "bob", "text": "psst" }, { "from": "bob", "text": "psst" }])
    );
    assert_eq!(out["eavesdrop"], "FORBIDDEN");
    assert_eq!(out["carolGotRoom"], json!(null), "carol is not in the room");
    assert_eq!(
        out["carolGotPm"],
        json!(null),
        "the private message reached alice only"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn chat_with_a_rust_client() {
    let server = Server::start("example-chat", "example-chat");
    let mut bob = RustClient::connect_with(&server, "/chat", Some(json!({ "token": "demo-bob" })))
        .await
        .unwrap();
    let alice = RustClient::connect_with(&server, "/chat", Some(json!({ "token": "demo-alice" })))
        .await
        .unwrap();
    assert_eq!(
        alice.ack("message", json!({ "text": "from rust" })).await["ok"],
        true
    );
    assert_eq!(
        bob.next("message").await,
        json!({ "from": "alice", "text": "from rust" })
    );
    bob.close().await;
    alice.close().await;
}
