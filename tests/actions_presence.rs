//! Presence: a user is present in a namespace while one of their sockets is.

use loly_tests::{Server, node};
use serde_json::json;

const APP: &str = "fixture-actions-app";

#[test]
fn a_user_with_two_tabs_stays_present_until_the_last_tab_closes() {
    let server = Server::start(APP, APP);
    let out = node::run(
        &server,
        r#"
        const h = require("harness");
        const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
        h.run(async () => {
          const watcher = await h.connect("/act", { auth: { token: "bob" } });
          const list = async () => (await h.ack(watcher, "presence", {})).data;
          const until = async (expected) => {
            for (let i = 0; i < 100; i++) {
              const now = await list();
              if (JSON.stringify(now) === JSON.stringify(expected)) return now;
              await sleep(20);
            }
            return await list();
          };
          const anon = await h.connect("/act");
          const tab1 = await h.connect("/act", { auth: { token: "alice" } });
          const tab2 = await h.connect("/act", { auth: { token: "alice" } });
          const both = await list();
          const sockets = async () => (await h.ack(watcher, "sockets", {})).data;
          const before = await sockets();
          tab1.close();
          // socketioxide lets a socket go once its disconnect handler, where
          // presence is updated, has run: wait for that, not for time.
          let after = await sockets();
          for (let i = 0; i < 100 && after !== before - 1; i++) { await sleep(20); after = await sockets(); }
          const oneLeft = await list();
          tab2.close();
          const none = await until(["bob"]);
          anon.close(); watcher.close();
          return { both, oneLeft, none, closed: before - after };
        });
        "#,
    );
    assert_eq!(
        out["both"],
        json!(["alice", "bob"]),
        "anonymous sockets are not listed"
    );
    assert_eq!(out["closed"], 1, "the first tab's disconnect was handled");
    assert_eq!(
        out["oneLeft"],
        json!(["alice", "bob"]),
        "one tab closed: still present"
    );
    assert_eq!(out["none"], json!(["bob"]), "the last tab closed: gone");
}

#[test]
fn presence_is_per_namespace_and_changes_are_observable() {
    let server = Server::start(APP, APP);
    let base = server.base_url.clone();
    let out = node::run(
        &server,
        &format!(
            r#"
        const h = require("harness");
        const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
        const get = async (path) => (await fetch("{base}" + path)).json();
        h.run(async () => {{
          await get("/presence-events");
          const act = await h.connect("/act", {{ auth: {{ token: "alice" }} }});
          const act2 = await h.connect("/act", {{ auth: {{ token: "alice" }} }});
          const game1 = await h.connect("/game/1", {{ auth: {{ token: "alice" }} }});
          const game2 = await h.connect("/game/2", {{ auth: {{ token: "carol" }} }});
          const inGame1 = (await h.ack(game1, "presence", {{}})).data;
          const inGame2 = (await h.ack(game2, "presence", {{}})).data;
          const inAct = await get("/presence?ns=/act");
          [act, act2, game1, game2].forEach((s) => s.close());
          let events = [];
          for (let i = 0; i < 100 && events.length < 6; i++) {{ await sleep(20); events = await get("/presence-events"); }}
          return {{ inGame1, inGame2, inAct, events }};
        }});
        "#
        ),
    );
    assert_eq!(out["inGame1"], json!(["alice"]));
    assert_eq!(
        out["inGame2"],
        json!(["carol"]),
        "each concrete namespace has its own list"
    );
    assert_eq!(
        out["inAct"],
        json!(["alice"]),
        "the same user in /act and /game/1 is two entries"
    );
    let mut events: Vec<String> = out["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e["change"].as_str().unwrap(),
                e["namespace"].as_str().unwrap(),
                e["userId"].as_str().unwrap()
            )
        })
        .collect();
    events.sort();
    assert_eq!(
        events,
        [
            "joined /act alice",
            "joined /game/1 alice",
            "joined /game/2 carol",
            "left /act alice",
            "left /game/1 alice",
            "left /game/2 carol",
        ],
        "one join and one leave per user and namespace, however many tabs"
    );
}

#[test]
fn a_handler_sees_users_join_and_leave() {
    let server = Server::start(APP, APP);
    let out = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const watcher = await h.connect("/act", { auth: { token: "wes" } });
          const watching = () => h.next(watcher, "watching");
          let ready = watching();
          const joined = h.ack(watcher, "next-presence-change", {});
          await ready;
          const zed = await h.connect("/act", { auth: { token: "zed" } });
          const first = await joined;
          ready = watching();
          const left = h.ack(watcher, "next-presence-change", {});
          await ready;
          zed.close();
          const second = await left;
          watcher.close();
          return { first: first.data, second: second.data };
        });
        "#,
    );
    assert_eq!(
        out["first"],
        json!({ "namespace": "/act", "userId": "zed", "change": "joined" })
    );
    assert_eq!(
        out["second"],
        json!({ "namespace": "/act", "userId": "zed", "change": "left" })
    );
}
