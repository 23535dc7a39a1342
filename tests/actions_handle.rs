//! The `Realtime` handle: code outside handlers (here, HTTP routes) emits
//! to a namespace, a room or a user, reads and writes the state store, and
//! reads presence.

use loly_tests::{Server, node};
use serde_json::json;

const APP: &str = "fixture-actions-app";

#[test]
fn an_http_route_pushes_a_notification_to_every_tab_of_a_user() {
    let server = Server::start(APP, APP);
    let base = server.base_url.clone();
    let out = node::run(
        &server,
        &format!(
            r#"
        const h = require("harness");
        h.run(async () => {{
          const tab1 = await h.connect("/act", {{ auth: {{ token: "alice" }} }});
          const tab2 = await h.connect("/act", {{ auth: {{ token: "alice" }} }});
          const bob = await h.connect("/act", {{ auth: {{ token: "bob" }} }});
          let bobGot = null;
          bob.on("notification", (n) => {{ bobGot = n; }});
          const n1 = h.next(tab1, "notification");
          const n2 = h.next(tab2, "notification");
          const response = await (await fetch("{base}/notify?ns=/act&user=alice&text=hi", {{ method: "POST" }})).json();
          const got = [await n1, await n2];
          // A later emit to everyone reaches bob after anything sent before it.
          const barrier = h.next(bob, "got");
          await h.ack(tab1, "do-emit", {{ tag: "barrier" }});
          await barrier;
          const presence = await (await fetch("{base}/presence?ns=/act")).json();
          [tab1, tab2, bob].forEach((s) => s.close());
          return {{ response, got, bobGot, presence }};
        }});
        "#
        ),
    );
    assert_eq!(out["response"], json!({ "ok": true }));
    assert_eq!(out["got"], json!([{ "text": "hi" }, { "text": "hi" }]));
    assert_eq!(out["bobGot"], json!(null));
    assert_eq!(out["presence"], json!(["alice", "bob"]));
}

#[test]
fn an_http_route_emits_to_a_namespace_and_to_a_room_and_shares_the_state_store() {
    let server = Server::start(APP, APP);
    let base = server.base_url.clone();
    let out = node::run(
        &server,
        &format!(
            r#"
        const h = require("harness");
        h.run(async () => {{
          const post = async (query) => (await fetch("{base}/notify?ns=/act&" + query, {{ method: "POST" }})).json();
          const ann = await h.connect("/act", {{ auth: {{ token: "ann" }} }});
          const bob = await h.connect("/act", {{ auth: {{ token: "bob" }} }});
          const anon = await h.connect("/act");
          const seen = {{ ann: [], bob: [], anon: [] }};
          for (const [name, s] of [["ann", ann], ["bob", bob], ["anon", anon]]) {{
            s.on("notification", (n) => seen[name].push(n.text));
          }}
          await h.ack(ann, "join", {{ tag: "-", room: "vip" }});
          const toAll = await post("text=all");
          const toRoom = await post("room=vip&text=vip-only");
          // A later emit to everyone reaches each socket after anything sent before it.
          const barriers = [ann, bob, anon].map((s) => h.next(s, "got"));
          await h.ack(ann, "do-emit", {{ tag: "barrier" }});
          await Promise.all(barriers);
          const fromHandler = (await h.ack(ann, "state-incr", {{}})).data;
          const readOverHttp = await (await fetch("{base}/counter")).json();
          const writtenOverHttp = await (await fetch("{base}/counter", {{ method: "POST" }})).json();
          const fromHandlerAfter = (await h.ack(bob, "state-incr", {{}})).data;
          [ann, bob, anon].forEach((s) => s.close());
          return {{ toAll, toRoom, seen, fromHandler, readOverHttp, writtenOverHttp, fromHandlerAfter }};
        }});
        "#
        ),
    );
    assert_eq!(out["toAll"], json!({ "ok": true }));
    assert_eq!(out["toRoom"], json!({ "ok": true }));
    assert_eq!(
        out["seen"],
        json!({ "ann": ["all", "vip-only"], "bob": ["all"], "anon": ["all"] }),
        "the namespace reaches everyone, the room only its member"
    );
    assert_eq!(out["fromHandler"], 1);
    assert_eq!(out["readOverHttp"], json!({ "value": 1 }));
    assert_eq!(out["writtenOverHttp"], json!({ "value": 11 }));
    assert_eq!(
        out["fromHandlerAfter"], 12,
        "handlers and the handle share one store"
    );
}
