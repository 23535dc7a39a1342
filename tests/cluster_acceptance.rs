//! The seven acceptance checks the TypeScript project planned and never
//! ran, on two instances sharing Redis; and the per-address connection
//! limit, counted across the cluster.

use loly_tests::{Server, node, redis::RedisServer};
use serde_json::json;

fn pair(app: &str, redis: &RedisServer, env: &[(&str, &str)]) -> (Server, Server, String) {
    let a = Server::cluster(app, &redis.url(), env);
    let b = Server::cluster(app, &redis.url(), env);
    let urls = json!([a.base_url, b.base_url]).to_string();
    (a, b, urls)
}

const CONNECT_AT: &str = r#"
const h = require("harness");
const urls = JSON.parse(process.env.URLS);
const at = (i, ns, auth = {}) => new Promise((resolve, reject) => {
  const s = h.io(urls[i] + ns, { path: h.PATH, transports: ["websocket"], forceNew: true, reconnection: false, auth });
  s.once("connect", () => resolve(s));
  s.once("connect_error", reject);
});
"#;

#[test]
fn rooms_counters_presence_and_identity_across_two_instances() {
    let redis = RedisServer::start();
    let (a, _b, urls) = pair("fixture-actions-app", &redis, &[]);
    let script = format!(
        r#"{CONNECT_AT}
        h.run(async () => {{
          const ann = await at(0, "/act", {{ token: "ann" }});
          const ben = await at(1, "/act", {{ token: "ben" }});
          const anon = await at(1, "/act");
          await h.ack(ann, "join", {{ tag: "-", room: "lobby" }});
          await h.ack(ben, "join", {{ tag: "-", room: "lobby" }});
          // 1. A room broadcast across 2 instances.
          const heard = h.next(ben, "got");
          await h.ack(ann, "to-room", {{ tag: "hello", room: "lobby" }});
          const room = await heard;
          // 2. A consistent counter in Redis: 2 × 200 concurrent increments.
          const bump = (s, n) => Promise.all(Array.from({{ length: n }}, () => h.ack(s, "state-incr", {{}}, 10000)));
          let counted = 0;
          for (let i = 0; i < 10; i++) {{
            const acks = [...await bump(ann, 20), ...await bump(ben, 20)];
            counted += acks.filter((a) => a.ok).length;
            await new Promise((r) => setTimeout(r, 700));
          }}
          const total = (await h.ack(ann, "state-incr", {{}})).data - 1;
          // 3. Presence across the cluster.
          const presence = (await h.ack(anon, "presence", {{}})).data;
          // 4. No client can pose as another: a user id in a payload changes
          // nothing, and to_user never reaches an anonymous socket.
          let anonGot = null;
          anon.on("got", (p) => {{ anonGot = p; }});
          const toAnon = await h.ack(ann, "to-user", {{ tag: "secret", userId: "" }});
          const barrier = h.next(anon, "got");
          await h.ack(ann, "do-emit", {{ tag: "barrier" }});
          await barrier;
          [ann, ben, anon].forEach((s) => s.close());
          return {{ room, counted, total, presence, toAnon: toAnon.ok, anonGot: anonGot && anonGot.tag !== "barrier" ? anonGot : null }};
        }});
        "#
    );
    let out = node::run_with(&a, &script, &[("URLS", &urls)]);
    assert_eq!(
        out["room"],
        json!({ "tag": "hello", "from": "ann" }),
        "1. room broadcast across instances"
    );
    assert_eq!(
        out["total"], out["counted"],
        "2. the counter equals the accepted increments: {out}"
    );
    assert!(out["counted"].as_u64().unwrap() >= 200, "{out}");
    assert_eq!(
        out["presence"],
        json!(["ann", "ben"]),
        "3. presence across the cluster"
    );
    assert_eq!(out["toAnon"], true);
    assert_eq!(
        out["anonGot"],
        json!(null),
        "4. to_user never reaches an anonymous socket"
    );
}

#[test]
fn identity_validation_rate_limits_and_logs_across_two_instances() {
    let redis = RedisServer::start();
    let config = loly_tests::config_file("[realtime.logging]\npretty = false\n");
    let (a, b, urls) = pair(
        "fixture-pipeline-app",
        &redis,
        &[("LOLY_CONFIG", loly_tests::path_of(&config))],
    );
    let script = format!(
        r#"{CONNECT_AT}
        h.run(async () => {{
          const eve = await at(1, "/secure", {{ token: "user-eve" }});
          const posed = await h.ack(eve, "pose", {{ userId: "admin" }});
          const s = await at(0, "/pipeline");
          const invalid = await h.ack(s, "record", {{ name: "" }});
          const afterInvalid = (await h.ack(s, "count", {{}})).data.recorded;
          const spam = await Promise.all(Array.from({{ length: 40 }}, () => h.ack(s, "record", {{ name: "x" }})));
          const logged = await h.ack(s, "log", {{}});
          const sid = s.id;
          [eve, s].forEach((x) => x.close());
          return {{ posed: posed.data, invalid: invalid.error, afterInvalid,
                   spam: spam.filter((a) => !a.ok).map((a) => a.error.code), rid: logged.data, sid }};
        }});
        "#
    );
    let out = node::run_with(&a, &script, &[("URLS", &urls)]);
    assert_eq!(
        out["posed"],
        json!({ "claimed": "admin", "userId": "eve" }),
        "4. a user id in a payload changes nothing"
    );
    assert_eq!(
        out["invalid"]["code"], "BAD_PAYLOAD",
        "5. an invalid schema gives BAD_PAYLOAD"
    );
    assert_eq!(out["afterInvalid"], 0, "5. and the handler did not run");
    let spam = out["spam"].as_array().unwrap();
    assert_eq!(
        spam.len(),
        31,
        "6. rate-limit spam is cut: the burst of 10 went to the invalid event and 9 of 40"
    );
    assert!(spam.iter().all(|c| c == "RATE_LIMIT"));
    let rid = out["rid"].as_str().unwrap();
    let line: serde_json::Value = a
        .log()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|l| l["message"] == "handled through ctx.log")
        .unwrap_or_else(|| panic!("7. the log line is there:\n{}", a.log()));
    assert_eq!(line["span"]["namespace"], "/pipeline");
    assert_eq!(line["span"]["socket_id"], out["sid"]);
    assert_eq!(line["span"]["event"], "log");
    assert_eq!(
        line["span"]["request_id"], rid,
        "7. logs carry the namespace, socket id, event and request id"
    );
    drop(b);
}

#[test]
fn connections_per_ip_are_counted_across_the_cluster() {
    let redis = RedisServer::start();
    let config = loly_tests::config_file("[realtime.limits]\nconnections_per_ip = 3\n");
    let (a, _b, urls) = pair(
        "fixture-actions-app",
        &redis,
        &[("LOLY_CONFIG", loly_tests::path_of(&config))],
    );
    let script = format!(
        r#"{CONNECT_AT}
        h.run(async () => {{
          const s1 = await at(0, "/act"), s2 = await at(0, "/act"), s3 = await at(1, "/act");
          const fourth = await at(1, "/act").then((s) => {{ s.close(); return "connected"; }}, (e) => e.message);
          const fourthOnA = await at(0, "/act").then((s) => {{ s.close(); return "connected"; }}, (e) => e.message);
          s1.close();
          let again = "refused";
          for (let i = 0; i < 50 && again !== "connected"; i++) {{
            await new Promise((r) => setTimeout(r, 20));
            again = await at(1, "/act").then((s) => {{ s.close(); return "connected"; }}, () => "refused");
          }}
          [s2, s3].forEach((s) => s.close());
          return {{ fourth, fourthOnA, again }};
        }});
        "#
    );
    let out = node::run_with(&a, &script, &[("URLS", &urls)]);
    assert_eq!(
        out["fourth"], "CONNECTION_LIMIT: too many connections from this address",
        "two on A and one on B: B refuses the fourth"
    );
    assert_eq!(
        out["fourthOnA"],
        "CONNECTION_LIMIT: too many connections from this address"
    );
    assert_eq!(
        out["again"], "connected",
        "the count goes down as sockets close"
    );
}
