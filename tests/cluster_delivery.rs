//! Three instances on one Redis behave as one server: broadcasts, rooms and
//! users reach every instance, exactly once.

use loly_tests::{Server, node, redis::RedisServer};
use serde_json::json;

const APP: &str = "fixture-actions-app";

/// Clients spread over three instances; each case counts how many times
/// each client receives an action's emit (`audienceOf` in the harness).
const SCRIPT: &str = r#"
const h = require("harness");
const urls = JSON.parse(process.env.URLS);
h.run(async () => {
  const at = (i, token) => new Promise((resolve, reject) => {
    const s = h.io(urls[i] + "/act", { path: h.PATH, transports: ["websocket"], forceNew: true, reconnection: false, auth: token ? { token } : {} });
    s.once("connect", () => resolve(s));
    s.once("connect_error", reject);
  });
  const clients = {
    a_alice: await at(0, "alice"), a_bob: await at(0, "bob"),
    b_alice: await at(1, "alice"), b_carol: await at(1, "carol"),
    c_dan: await at(2, "dan"), c_anon: await at(2, null),
  };
  const audience = h.audienceOf(clients, clients.a_alice);
  const out = {};
  out.emit = await audience("a_bob", "do-emit");
  out.broadcast = await audience("a_bob", "do-broadcast");
  await h.ack(clients.a_bob, "join", { tag: "-", room: "r" });
  await h.ack(clients.b_carol, "join", { tag: "-", room: "r" });
  await h.ack(clients.c_dan, "join", { tag: "-", room: "r" });
  out.room = await audience("a_alice", "to-room", { room: "r" });
  out.toUser = await audience("c_dan", "to-user", { userId: "alice" });
  out.toAnonymous = await audience("c_dan", "to-user", { userId: "" });
  Object.values(clients).forEach((s) => s.close());
  return out;
});
"#;

#[test]
fn broadcasts_rooms_and_users_reach_every_instance_exactly_once() {
    let redis = RedisServer::start();
    let instances: Vec<Server> = (0..3)
        .map(|_| Server::cluster(APP, &redis.url(), &[]))
        .collect();
    let urls = json!(
        instances
            .iter()
            .map(|s| s.base_url.clone())
            .collect::<Vec<_>>()
    )
    .to_string();
    let out = node::run_with(&instances[0], SCRIPT, &[("URLS", &urls)]);
    let everyone =
        json!({ "a_alice": 1, "a_bob": 1, "b_alice": 1, "b_carol": 1, "c_dan": 1, "c_anon": 1 });
    assert_eq!(
        out["emit"], everyone,
        "an emit from A reaches A, B and C once each"
    );
    assert_eq!(
        out["broadcast"],
        json!({ "a_alice": 1, "b_alice": 1, "b_carol": 1, "c_dan": 1, "c_anon": 1 }),
        "a broadcast reaches every instance but not the sender"
    );
    assert_eq!(
        out["room"],
        json!({ "a_bob": 1, "b_carol": 1, "c_dan": 1 }),
        "room members on A, B and C, once each"
    );
    assert_eq!(
        out["toUser"],
        json!({ "a_alice": 1, "b_alice": 1 }),
        "to_user reaches the user's sockets on two instances"
    );
    assert_eq!(
        out["toAnonymous"],
        json!({}),
        "to_user never reaches an anonymous socket"
    );
    for instance in &instances {
        assert!(!instance.log().contains("panicked"), "{}", instance.log());
    }
}

#[test]
fn the_handle_reaches_a_dynamic_namespace_whose_sockets_are_all_on_another_instance() {
    let redis = RedisServer::start();
    let a = Server::cluster(APP, &redis.url(), &[]);
    let b = Server::cluster(APP, &redis.url(), &[]);
    let out = node::run(
        &a,
        &format!(
            r#"
        const h = require("harness");
        h.run(async () => {{
          const at = (token) => new Promise((resolve, reject) => {{
            const s = h.io("{b}/game/only-on-b", {{ path: h.PATH, transports: ["websocket"], forceNew: true, reconnection: false, auth: {{ token }} }});
            s.once("connect", () => resolve(s));
            s.once("connect_error", reject);
          }});
          const players = [await at("ann"), await at("bob")];
          const got = players.map((s) => h.next(s, "notification"));
          // A, which no socket of /game/only-on-b ever reached, emits to it.
          const toNamespace = await (await fetch("{a}/notify?ns=/game/only-on-b&text=all", {{ method: "POST" }})).json();
          const all = await Promise.all(got);
          const dm = h.next(players[1], "notification");
          const toUser = await (await fetch("{a}/notify?ns=/game/only-on-b&user=bob&text=dm", {{ method: "POST" }})).json();
          const direct = await dm;
          const unknown = await (await fetch("{a}/notify?ns=/nowhere/1&text=x", {{ method: "POST" }})).json();
          players.forEach((s) => s.close());
          return {{ toNamespace, all, toUser, direct, unknown }};
        }});
        "#,
            a = a.base_url,
            b = b.base_url
        ),
    );
    assert_eq!(out["toNamespace"], json!({ "ok": true }));
    assert_eq!(out["all"], json!([{ "text": "all" }, { "text": "all" }]));
    assert_eq!(out["toUser"], json!({ "ok": true }));
    assert_eq!(out["direct"], json!({ "text": "dm" }));
    assert_eq!(out["unknown"]["ok"], false, "{out}");
    assert!(
        out["unknown"]["error"]
            .as_str()
            .unwrap()
            .contains("no namespace is served at `/nowhere/1`"),
        "{out}"
    );
}
