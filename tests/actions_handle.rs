//! The `Realtime` handle: code outside handlers (here, HTTP routes) emits
//! to users and reads presence.

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
