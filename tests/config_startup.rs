//! Configuration: the environment overrides the file and reaches the
//! handshake; a wrong configuration stops the process with one clear message.

use loly_tests::{Server, node, redis::RedisServer, server::start_failure};
use serde_json::json;

const APP: &str = "fixture-routing-app";

fn handshake(server: &Server) -> serde_json::Value {
    node::run(
        server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const res = await fetch(h.BASE + h.PATH + "/?EIO=4&transport=polling");
          const text = await res.text();
          return { status: res.status, open: text.startsWith("0") ? JSON.parse(text.slice(1)) : text };
        });
        "#,
    )
}

#[test]
fn the_defaults_reach_the_handshake() {
    let server = Server::start(APP, APP);
    let out = handshake(&server);
    assert_eq!(out["status"], 200);
    assert_eq!(out["open"]["pingInterval"], 25000);
    assert_eq!(out["open"]["pingTimeout"], 20000);
    assert_eq!(out["open"]["maxPayload"], 65536);
    assert_eq!(server.path, "/wss");
}

#[test]
fn environment_variables_override_the_file_for_every_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("loly.toml");
    std::fs::write(
        &config,
        "[realtime]\npath = \"/from-file\"\nping_interval_ms = 1111\npingTimeoutMs = 2222\n",
    )
    .unwrap();
    let file_only = Server::start_with(APP, APP, &[("LOLY_CONFIG", config.to_str().unwrap())]);
    assert_eq!(file_only.path, "/from-file");
    let out = handshake(&file_only);
    assert_eq!(out["open"]["pingInterval"], 1111, "the file's value");
    assert_eq!(
        out["open"]["pingTimeout"], 2222,
        "a camelCase key from the seed"
    );
    drop(file_only);

    let overridden = Server::start_with(
        APP,
        APP,
        &[
            ("LOLY_CONFIG", config.to_str().unwrap()),
            ("LOLY_REALTIME__PATH", "/from-env"),
            ("LOLY_REALTIME__PING_INTERVAL_MS", "3333"),
            ("LOLY_REALTIME__MAX_PAYLOAD_BYTES", "1000"),
        ],
    );
    assert_eq!(overridden.path, "/from-env", "environment beats file");
    let out = handshake(&overridden);
    assert_eq!(out["open"]["pingInterval"], 3333);
    assert_eq!(
        out["open"]["pingTimeout"], 2222,
        "untouched keys keep the file's value"
    );
    assert_eq!(out["open"]["maxPayload"], 1000);
}

#[test]
fn websocket_only_refuses_polling() {
    let server = Server::start_with(APP, APP, &[("LOLY_REALTIME__TRANSPORTS", "websocket")]);
    let out = handshake(&server);
    assert_eq!(out["status"], 400, "{out}");
    let connected = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => { const s = await h.connect("/chat"); s.close(); return true; });
        "#,
    );
    assert_eq!(connected, json!(true), "websocket still works");
}

fn refuses(contents: &str, env: &[(&str, &str)], expected: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("loly.toml");
    std::fs::write(&config, contents).unwrap();
    let mut all = vec![("LOLY_CONFIG", config.to_str().unwrap())];
    all.extend_from_slice(env);
    let (code, stderr) = start_failure(APP, &all);
    assert_eq!(code, Some(1), "exit code 1, not a crash: {stderr}");
    assert!(!stderr.contains("panicked"), "no panic: {stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 1, "one clear message: {stderr}");
    for part in expected {
        let part = part.replace("{file}", config.to_str().unwrap());
        assert!(
            errors[0].contains(&part),
            "`{}` should mention `{part}`",
            errors[0]
        );
    }
}

#[test]
fn wrong_configurations_stop_the_process_with_one_clear_message() {
    refuses(
        "[server]\nport = 3000\nbogus = 1\n",
        &[],
        &["{file}", "line 3", "bogus"],
    );
    refuses(
        "[realtime]\nping_interval_ms = \"soon\"\n",
        &[],
        &["{file}", "line 2", "ping_interval_ms"],
    );
    refuses(
        "[realtime.limits]\nburst = 10\nevents_per_second = 0\n",
        &[],
        &["{file}:3", "realtime.limits.events_per_second", "positive"],
    );
    refuses(
        "",
        &[("LOLY_REALTIME__LIMITS__BURST", "0")],
        &["LOLY_REALTIME__LIMITS__BURST", "realtime.limits.burst"],
    );
    refuses(
        "[realtime.scale]\nmode = \"cluster\"\n",
        &[],
        &["{file}:2", "realtime.scale.mode", "needs Redis"],
    );
    // A port nothing listens on: Redis is unreachable.
    let redis = RedisServer::start();
    let url = redis.url();
    drop(redis);
    refuses(
        "[realtime.scale]\nmode = \"cluster\"\n",
        &[("REDIS_URL", &url)],
        &["cannot reach Redis", &url],
    );
}
