//! Faults that break other systems: Redis restarting, and clients racing
//! into a new dynamic namespace.

use std::time::{Duration, Instant};

use loly_tests::{Server, node, redis::RedisServer};
use serde_json::json;

const APP: &str = "fixture-actions-app";

/// Two clients, one per instance, kept open by a Node process that answers
/// commands on stdin-less polling: each `probe` round emits from A and
/// reports whether B heard it.
const PROBE: &str = r#"
const h = require("harness");
const urls = JSON.parse(process.env.URLS);
const at = (i, token) => new Promise((resolve, reject) => {
  const s = h.io(urls[i] + "/act", { path: h.PATH, transports: ["websocket"], forceNew: true, reconnection: false, auth: { token } });
  s.once("connect", () => resolve(s));
  s.once("connect_error", reject);
});
(async () => {
  const a = await at(0, "ann"), a2 = await at(0, "amy"), b = await at(1, "bob");
  let round = 0;
  const heard = (s, tag, ms) => new Promise((resolve) => {
    const timer = setTimeout(() => { s.off("got", on); resolve(false); }, ms);
    const on = (p) => { if (p.tag === tag) { clearTimeout(timer); s.off("got", on); resolve(true); } };
    s.on("got", on);
  });
  const probe = async () => {
    round += 1;
    const tag = "p" + round;
    const local = heard(a2, tag, 1500), remote = heard(b, tag, 1500);
    const ack = await h.ack(a, "do-emit", { tag }, 3000).catch((e) => ({ ok: false, error: { code: String(e) } }));
    const state = await h.ack(a, "state-incr", {}, 5000).catch((e) => ({ ok: false, error: { code: String(e) } }));
    console.log("probe " + JSON.stringify({ ack: ack.ok, local: await local, remote: await remote, state }));
  };
  console.log("ready");
  setInterval(() => {}, 1000);
  process.stdin.on("data", () => {});
  global.probe = probe;
  for (;;) { await new Promise((r) => setTimeout(r, 250)); await probe(); }
})();
"#;

/// The next `probe {...}` line a probe script printed.
fn next(probe: &mut node::NodeProcess) -> serde_json::Value {
    let line = probe.wait_for_line("probe ");
    serde_json::from_str(&line["probe ".len()..]).unwrap()
}

/// Reads probes until one shows `recovered`, failing after 5 s (Redis has
/// just been started again).
fn recovers_within_five_seconds(
    probe: &mut node::NodeProcess,
    recovered: impl Fn(&serde_json::Value) -> bool,
) {
    let back = Instant::now();
    loop {
        let result = next(probe);
        if recovered(&result) {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "not recovered {:?} after Redis returned: {result}",
            back.elapsed()
        );
    }
    eprintln!("recovered {:?} after Redis returned", back.elapsed());
}

#[test]
fn instances_survive_a_redis_restart_and_recover_within_five_seconds() {
    let mut redis = RedisServer::start();
    let a = Server::cluster(APP, &redis.url(), &[]);
    let b = Server::cluster(APP, &redis.url(), &[]);
    let (pid_a, pid_b) = (a.pid(), b.pid());
    let urls = json!([a.base_url, b.base_url]).to_string();
    let mut probe = node::spawn_with(&a, PROBE, &[("URLS", &urls)]);
    probe.wait_for_line("ready");
    let healthy = next(&mut probe);
    assert_eq!(
        healthy["remote"], true,
        "cross-instance delivery works: {healthy}"
    );
    assert_eq!(healthy["state"]["ok"], true, "{healthy}");

    redis.stop();
    // Skip a probe that may straddle the stop.
    next(&mut probe);
    let down = next(&mut probe);
    assert_eq!(down["ack"], true, "A keeps serving its clients: {down}");
    assert_eq!(
        down["local"], true,
        "A's own clients still get A's emits: {down}"
    );
    assert_eq!(
        down["remote"], false,
        "nothing crosses without Redis: {down}"
    );
    assert_eq!(down["state"]["ok"], false, "{down}");
    assert_eq!(down["state"]["error"]["code"], "STATE_UNAVAILABLE");
    let message = down["state"]["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("the state store is unavailable"),
        "a clear error: {message}"
    );

    redis.restart();
    recovers_within_five_seconds(&mut probe, |p| {
        p["remote"] == true && p["state"]["ok"] == true
    });
    assert_eq!(
        (a.pid(), b.pid()),
        (pid_a, pid_b),
        "no instance was restarted"
    );
    for server in [&a, &b] {
        assert!(!server.log().contains("panicked"), "{}", server.log());
    }
}

/// Three players of a dynamic namespace `NS` opened while Redis is down,
/// two on A and one on B: reports how long connecting took, then each
/// round shouts from A and reports who heard it.
const NEW_NAMESPACE_PROBE: &str = r#"
const h = require("harness");
const urls = JSON.parse(process.env.URLS);
const at = (i, token) => new Promise((resolve, reject) => {
  const s = h.io(urls[i] + process.env.NS, { path: h.PATH, transports: ["websocket"], forceNew: true, reconnection: false, auth: { token } });
  s.once("connect", () => resolve(s));
  s.once("connect_error", reject);
});
const heard = (s, tag, ms) => new Promise((resolve) => {
  const timer = setTimeout(() => { s.off("shout", on); resolve(false); }, ms);
  const on = (p) => { if (p.tag === tag) { clearTimeout(timer); s.off("shout", on); resolve(true); } };
  s.on("shout", on);
});
(async () => {
  const started = Date.now();
  const a = await at(0, "ann"), a2 = await at(0, "amy"), b = await at(1, "bob");
  console.log("connected " + JSON.stringify({ ms: Date.now() - started }));
  for (let round = 1; ; round++) {
    const tag = "p" + round;
    const local = heard(a2, tag, 1500), remote = heard(b, tag, 1500);
    const ack = await h.ack(a, "shout", { tag }, 3000).catch(() => ({ ok: false }));
    console.log("probe " + JSON.stringify({ ack: ack.ok, local: await local, remote: await remote }));
    await new Promise((r) => setTimeout(r, 250));
  }
})();
"#;

#[test]
fn a_namespace_first_opened_while_redis_is_down_joins_the_cluster_when_it_returns() {
    let mut redis = RedisServer::start();
    let a = Server::cluster(APP, &redis.url(), &[]);
    let b = Server::cluster(APP, &redis.url(), &[]);
    redis.stop();
    let urls = json!([a.base_url, b.base_url]).to_string();
    let mut probe = node::spawn_with(
        &a,
        NEW_NAMESPACE_PROBE,
        &[("URLS", &urls), ("NS", "/game/opened-while-down")],
    );
    let connected = probe.wait_for_line("connected ");
    let connected: serde_json::Value =
        serde_json::from_str(&connected["connected ".len()..]).unwrap();
    assert!(
        connected["ms"].as_u64().unwrap() < 2000,
        "the players connect without waiting for Redis: {connected}"
    );
    let down = next(&mut probe);
    assert_eq!(
        (down["ack"].as_bool(), down["local"].as_bool()),
        (Some(true), Some(true)),
        "A serves its own players while Redis is down: {down}"
    );
    assert_eq!(down["remote"], false, "{down}");

    redis.restart();
    recovers_within_five_seconds(&mut probe, |p| p["remote"] == true && p["local"] == true);
}

#[test]
fn twenty_clients_racing_into_a_new_namespace_all_receive_its_broadcasts_fifty_times() {
    let redis = RedisServer::start();
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        config.path(),
        "[realtime.limits]\nconnections_per_ip = 100\n",
    )
    .unwrap();
    let server = Server::cluster(
        APP,
        &redis.url(),
        &[("LOLY_CONFIG", loly_tests::path_of(&config))],
    );
    let out = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const failures = [];
          let reconnects = 0;
          const heardTag = (s, tag, ms) => new Promise((resolve) => {
            const timer = setTimeout(() => { s.off("shout", on); resolve(false); }, ms);
            const on = (p) => { if (p.tag === tag) { clearTimeout(timer); s.off("shout", on); resolve(true); } };
            s.on("shout", on);
          });
          // From any connected socket; one hung up meanwhile hands over.
          const shout = async (sockets, tag) => {
            for (;;) {
              try {
                return await h.ack(sockets.find((s) => s.connected), "shout", { tag });
              } catch (e) {
                if (!String(e).includes("disconnected")) throw e;
              }
            }
          };
          for (let round = 0; round < 50; round++) {
            const ns = "/game/race-" + round;
            const size = round < 5 ? 2 : 20;
            // Every socket is opened before any connects, so their first
            // packets reach the server together. The stock client's own
            // reconnection is on, as in any app: nothing here retries.
            const drops = Array(size).fill(0);
            const sockets = Array.from({ length: size }, (_, i) => {
              const s = h.socket(ns, { auth: { token: "p" + i }, reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 200 });
              s.io.on("reconnect", () => { reconnects += 1; });
              s.on("disconnect", () => { drops[i] += 1; });
              return s;
            });
            // A socket hung up by a race may miss a broadcast while it
            // reconnects, and gets the next one; a socket that stayed
            // connected and missed one was lost.
            let pending = sockets.map((_, i) => i);
            for (let attempt = 0; attempt < 5 && pending.length; attempt++) {
              // All connected at once: a socket may connect, be hung up
              // and be on its way back while the others connect.
              while (pending.some((i) => !sockets[i].connected)) {
                await Promise.all(pending.map((i) => sockets[i].connected ? null : h.next(sockets[i], "connect", 10000)));
              }
              const before = pending.map((i) => drops[i]);
              const tag = round + "." + attempt;
              const heard = pending.map((i) => heardTag(sockets[i], tag, 3000));
              await shout(sockets, tag);
              const results = await Promise.all(heard);
              const lost = pending.filter((i, k) => !results[k] && drops[i] === before[k]);
              if (lost.length) failures.push({ round, lost: lost.map((i) => sockets[i].id) });
              pending = pending.filter((i, k) => !results[k] && drops[i] !== before[k]);
            }
            if (pending.length) failures.push({ round, neverHeard: pending });
            sockets.forEach((s) => s.close());
          }
          return { failures, reconnects };
        });
        "#,
    );
    // Each hung-up socket, once (the sweep and its own check may both see it).
    let log = server.log();
    let replaced = log
        .lines()
        .filter(|line| line.contains("a racing first connection replaced this namespace"))
        .filter_map(|line| line.rsplit("socket_id=").next())
        .collect::<std::collections::HashSet<_>>()
        .len();
    eprintln!(
        "sockets hung up after a race: {replaced}; clients that reconnected: {}",
        out["reconnects"]
    );
    assert_eq!(
        out["failures"],
        json!([]),
        "every client of every round received the broadcast; the server's log:\n{}",
        server.log()
    );
    assert!(
        out["reconnects"].as_u64().unwrap() >= replaced as u64,
        "every client hung up by a race reconnected on its own: {out}"
    );
}
