//! Presence across instances, and instances that leave: killed (their
//! users expire within the bound) or stopped (hooks run, presence cleared).

use std::time::{Duration, Instant};

use loly_core::PRESENCE_TTL;
use loly_tests::{Server, node, redis::RedisServer};
use serde_json::json;

const APP: &str = "fixture-actions-app";

/// The bound on a crashed instance's users staying listed.
fn bound() -> Duration {
    PRESENCE_TTL + Duration::from_secs(3)
}

fn presence(server: &Server, namespace: &str) -> serde_json::Value {
    node::run(
        server,
        &format!(
            r#"
        const h = require("harness");
        h.run(async () => (await fetch(h.BASE + "/presence?ns={namespace}")).json());
        "#
        ),
    )
}

/// Keeps sockets open on `server` as `users` until the process is killed.
fn hold(server: &Server, namespace: &str, users: &[&str]) -> node::NodeProcess {
    let script = format!(
        r#"
        const h = require("harness");
        (async () => {{
          for (const token of {users}) await h.connect("{namespace}", {{ auth: {{ token }} }});
          console.log("ready");
        }})();
        setInterval(() => {{}}, 1000);
        "#,
        users = json!(users)
    );
    let mut child = node::spawn(server, &script);
    child.wait_for_line("ready");
    child
}

#[test]
fn presence_lists_both_instances_and_a_killed_instance_expires_within_the_bound() {
    let redis = RedisServer::start();
    let a = Server::cluster(APP, &redis.url(), &[]);
    let mut b = Server::cluster(APP, &redis.url(), &[]);
    let _on_a = hold(&a, "/act", &["ann", "cat"]);
    let on_b = hold(&b, "/act", &["ben", "cat"]);

    assert_eq!(presence(&a, "/act"), json!(["ann", "ben", "cat"]));
    assert_eq!(
        presence(&b, "/act"),
        json!(["ann", "ben", "cat"]),
        "both instances see the same list"
    );

    b.kill();
    let killed = Instant::now();
    drop(on_b);
    let mut listed = presence(&a, "/act");
    while listed != json!(["ann", "cat"]) {
        assert!(
            killed.elapsed() < bound(),
            "ben still listed {:?} after the kill: {listed}",
            killed.elapsed()
        );
        std::thread::sleep(Duration::from_millis(250));
        listed = presence(&a, "/act");
    }
    eprintln!(
        "a killed instance's users left the list after {:?}",
        killed.elapsed()
    );
    assert_eq!(
        listed,
        json!(["ann", "cat"]),
        "cat stays: she still has a tab on A"
    );

    let routed = node::run(
        &a,
        r#"
        const h = require("harness");
        h.run(async () => {
          const s = await h.connect("/act", { auth: { token: "ann" } });
          const ack = await h.ack(s, "to-user", { tag: "late", userId: "ben" });
          s.close();
          return ack;
        });
        "#,
    );
    assert_eq!(
        routed["ok"], true,
        "to_user to a gone user completes without reaching anyone"
    );
}

#[test]
fn a_stopped_instance_runs_its_disconnect_hooks_and_clears_its_presence_at_once() {
    let redis = RedisServer::start();
    let a = Server::cluster("example-game", &redis.url(), &[]);
    let mut c = Server::cluster("example-game", &redis.url(), &[]);
    let mut watcher = node::spawn(
        &a,
        r#"
        const h = require("harness");
        (async () => {
          const s = h.socket("/game/7", { auth: { player: "ann" } });
          await h.next(s, "game-state");
          console.log("ready");
          const left = await h.next(s, "player-left", 20000);
          console.log("left " + left.player);
          const state = await (async () => {
            const other = h.socket("/game/7", { auth: { player: "probe" } });
            return h.next(other, "game-state");
          })();
          console.log("players " + JSON.stringify(state.players));
          process.exit(0);
        })();
        "#,
    );
    watcher.wait_for_line("ready");
    let _leaver = hold_player(&c);
    let stopped = Instant::now();
    let status = c
        .terminate(Duration::from_secs(15))
        .expect("the instance exits after SIGTERM");
    assert!(status.success(), "a clean exit: {status}");
    let log = c.wait_for_log("shutting down: this instance's presence cleared");
    let at = |line: &str| {
        log.find(line)
            .unwrap_or_else(|| panic!("no `{line}` in the log:\n{log}"))
    };
    let steps = [
        at("shutting down: no new connections"),
        at("shutting down: disconnect hooks done"),
        at("shutting down: this instance's presence cleared"),
    ];
    assert!(
        steps.is_sorted(),
        "it stops accepting, runs the hooks, then clears its presence:\n{log}"
    );
    assert_eq!(
        watcher.wait_for_line("left "),
        "left cid",
        "cid's disconnect hook told the room on A"
    );
    let players = watcher.wait_for_line("players ");
    assert_eq!(
        players, r#"players ["ann","probe"]"#,
        "cid's presence was cleared, not left to expire"
    );
    assert!(
        stopped.elapsed() < PRESENCE_TTL,
        "cleared before the TTL could have done it: {:?}",
        stopped.elapsed()
    );
}

fn hold_player(server: &Server) -> node::NodeProcess {
    let mut child = node::spawn(
        server,
        r#"
        const h = require("harness");
        (async () => {
          const s = h.socket("/game/7", { auth: { player: "cid" } });
          await h.next(s, "game-state");
          console.log("ready");
        })();
        setInterval(() => {}, 1000);
        "#,
    );
    child.wait_for_line("ready");
    child
}
