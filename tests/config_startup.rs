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
    let config = loly_tests::config_file(
        "[realtime]\npath = \"/from-file\"\nping_interval_ms = 1111\npingTimeoutMs = 2222\n",
    );
    let file_only = Server::start_with(APP, APP, &[("LOLY_CONFIG", loly_tests::path_of(&config))]);
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
            ("LOLY_CONFIG", loly_tests::path_of(&config)),
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
    // Listed twice, still websocket only.
    let server = Server::start_with(
        APP,
        APP,
        &[("LOLY_REALTIME__TRANSPORTS", "websocket,websocket")],
    );
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
    let config = loly_tests::config_file(contents);
    let mut all = vec![("LOLY_CONFIG", loly_tests::path_of(&config))];
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
        let part = part.replace("{file}", loly_tests::path_of(&config));
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
    refuses(
        "[realtime.scale.adapter]\nname = \"redis\"\n",
        &[],
        &[
            "{file}:2",
            "realtime.scale.adapter.name",
            "mode = \"cluster\"",
        ],
    );
    refuses(
        "[realtime.scale]\nmode = \"cluster\"\n[realtime.scale.stateStore]\nname = \"memory\"\n",
        &[("REDIS_URL", "redis://127.0.0.1:1")],
        &["{file}:4", "realtime.scale.state_store.name", "must share"],
    );
    refuses(
        "[realtime.scale.adapter]\nname = \"kafka\"\n",
        &[],
        &["{file}", "line 2", "kafka"],
    );
    refuses(
        "[realtime.logging]\nlevel = \"loud\"\n",
        &[],
        &["{file}:2", "realtime.logging.level", "not a level"],
    );
    refuses(
        "[realtime.cors]\nallowedHeaders = [\"content type\"]\n",
        &[],
        &[
            "{file}:2",
            "realtime.cors.allowed_headers",
            "`content type`",
        ],
    );
    refuses(
        "[realtime]\nallowed_origins = [\"example.com\"]\n",
        &[],
        &["{file}:2", "realtime.allowed_origins", "not an origin"],
    );
    // Of several variables, the message names the one at fault.
    let (_, stderr) = start_failure(
        APP,
        &[
            ("LOLY_REALTIME__LIMITS__BURST", "lots"),
            ("LOLY_REALTIME__PATH", "/rt"),
        ],
    );
    assert!(
        stderr.contains("environment variable LOLY_REALTIME__LIMITS__BURST:")
            && !stderr.contains("LOLY_REALTIME__PATH"),
        "{stderr}"
    );
    let (_, stderr) = start_failure(APP, &[("LOLY_REALTIME__BOGUS", "1")]);
    assert!(
        stderr.contains("environment variable LOLY_REALTIME__BOGUS:") && stderr.contains("bogus"),
        "{stderr}"
    );
    // A port nothing listens on: Redis is unreachable. The message says
    // which key set the URL, and where; never the password.
    let redis = RedisServer::start();
    let url = redis.url().replace("redis://", "redis://:hunter2@");
    drop(redis);
    refuses(
        "[realtime.scale]\nmode = \"cluster\"\n",
        &[("REDIS_URL", &url)],
        &[
            "cannot use Redis at redis://:***@",
            "set by `realtime.scale.adapter.url`, from environment variable REDIS_URL",
        ],
    );
    let (_, stderr) = start_failure(APP, &[("LOLY_SCALE_MODE", "cluster"), ("REDIS_URL", &url)]);
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

/// Runs the app with `--print-config` and returns what it printed.
fn effective_config(env: &[(&str, &str)]) -> toml::Table {
    let binary = loly_tests::cargo::binary(APP, APP);
    let output = std::process::Command::new(binary)
        .arg("--print-config")
        .current_dir(std::env::temp_dir())
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    toml::from_str(&String::from_utf8(output.stdout).unwrap()).unwrap()
}

fn lookup<'a>(table: &'a toml::Table, path: &str) -> &'a toml::Value {
    let mut parts = path.split('.').peekable();
    let mut current = table;
    loop {
        let part = parts.next().unwrap();
        let value = current
            .get(part)
            .unwrap_or_else(|| panic!("no `{path}` in the printed configuration"));
        if parts.peek().is_none() {
            return value;
        }
        current = value.as_table().unwrap();
    }
}

#[test]
fn every_key_can_be_overridden_from_the_environment() {
    let cases: &[(&str, &str, &str, &str)] = &[
        ("LOLY_SERVER__HOST", "0.0.0.0", "server.host", "\"0.0.0.0\""),
        ("LOLY_SERVER__PORT", "8080", "server.port", "8080"),
        (
            "LOLY_SERVER__TRUSTED_PROXIES",
            "10.0.0.0/8,127.0.0.1",
            "server.trusted_proxies",
            "[\"10.0.0.0/8\", \"127.0.0.1/32\"]",
        ),
        (
            "LOLY_REALTIME__ENABLED",
            "false",
            "realtime.enabled",
            "false",
        ),
        ("LOLY_REALTIME__PATH", "/rt", "realtime.path", "\"/rt\""),
        (
            "LOLY_REALTIME__TRANSPORTS",
            "polling",
            "realtime.transports",
            "[\"polling\"]",
        ),
        (
            "LOLY_REALTIME__PING_INTERVAL_MS",
            "1000",
            "realtime.ping_interval_ms",
            "1000",
        ),
        (
            "LOLY_REALTIME__PING_TIMEOUT_MS",
            "2000",
            "realtime.ping_timeout_ms",
            "2000",
        ),
        (
            "LOLY_REALTIME__MAX_PAYLOAD_BYTES",
            "1024",
            "realtime.max_payload_bytes",
            "1024",
        ),
        (
            "LOLY_REALTIME__ALLOWED_ORIGINS",
            "https://a.example,https://b.example",
            "realtime.allowed_origins",
            "[\"https://a.example\", \"https://b.example\"]",
        ),
        (
            "LOLY_REALTIME__CORS__CREDENTIALS",
            "false",
            "realtime.cors.credentials",
            "false",
        ),
        (
            "LOLY_REALTIME__CORS__ALLOWED_HEADERS",
            "x-token",
            "realtime.cors.allowed_headers",
            "[\"x-token\"]",
        ),
        (
            "LOLY_REALTIME__SCALE__MODE",
            "cluster",
            "realtime.scale.mode",
            "\"cluster\"",
        ),
        (
            "LOLY_REALTIME__SCALE__ADAPTER__NAME",
            "redis",
            "realtime.scale.adapter.name",
            "\"redis\"",
        ),
        (
            "LOLY_REALTIME__SCALE__ADAPTER__URL",
            "redis://10.0.0.1:6379",
            "realtime.scale.adapter.url",
            "\"redis://10.0.0.1:6379\"",
        ),
        (
            "LOLY_REALTIME__SCALE__STATE_STORE__NAME",
            "redis",
            "realtime.scale.state_store.name",
            "\"redis\"",
        ),
        (
            "LOLY_REALTIME__SCALE__STATE_STORE__URL",
            "redis://10.0.0.2:6379",
            "realtime.scale.state_store.url",
            "\"redis://10.0.0.2:6379\"",
        ),
        (
            "LOLY_REALTIME__SCALE__STATE_STORE__PREFIX",
            "app:",
            "realtime.scale.state_store.prefix",
            "\"app:\"",
        ),
        (
            "LOLY_REALTIME__LIMITS__CONNECTIONS_PER_IP",
            "5",
            "realtime.limits.connections_per_ip",
            "5",
        ),
        (
            "LOLY_REALTIME__LIMITS__EVENTS_PER_SECOND",
            "2.5",
            "realtime.limits.events_per_second",
            "2.5",
        ),
        (
            "LOLY_REALTIME__LIMITS__BURST",
            "7",
            "realtime.limits.burst",
            "7",
        ),
        (
            "LOLY_REALTIME__LOGGING__LEVEL",
            "debug",
            "realtime.logging.level",
            "\"debug\"",
        ),
        (
            "LOLY_REALTIME__LOGGING__PRETTY",
            "false",
            "realtime.logging.pretty",
            "false",
        ),
        ("LOLY_METRICS__ENABLED", "false", "metrics.enabled", "false"),
        (
            "LOLY_METRICS__ADDRESS",
            "127.0.0.1:9999",
            "metrics.address",
            "\"127.0.0.1:9999\"",
        ),
    ];
    let env: Vec<(&str, &str)> = cases
        .iter()
        .map(|(var, value, _, _)| (*var, *value))
        .collect();
    let printed = effective_config(&env);
    for (var, _, key, expected) in cases {
        let expected: toml::Value =
            toml::from_str::<toml::Table>(&format!("v = {expected}")).unwrap()["v"].clone();
        assert_eq!(lookup(&printed, key), &expected, "{var} sets {key}");
    }
}

#[test]
fn the_environment_overrides_a_file_written_in_the_seeds_camel_case() {
    let config = loly_tests::config_file(
        "[realtime]\npingIntervalMs = 5000\npingTimeoutMs = 4000\n[realtime.scale.stateStore]\nprefix = \"file:\"\n",
    );
    let printed = effective_config(&[
        ("LOLY_CONFIG", loly_tests::path_of(&config)),
        ("LOLY_REALTIME__PING_INTERVAL_MS", "1000"),
        ("REDIS_URL", "redis://127.0.0.1:7000"),
    ]);
    assert_eq!(
        lookup(&printed, "realtime.ping_interval_ms").as_integer(),
        Some(1000),
        "the variable wins over the file's camelCase key"
    );
    assert_eq!(
        lookup(&printed, "realtime.ping_timeout_ms").as_integer(),
        Some(4000)
    );
    assert_eq!(
        lookup(&printed, "realtime.scale.state_store.prefix").as_str(),
        Some("file:")
    );
    assert_eq!(
        lookup(&printed, "realtime.scale.state_store.url").as_str(),
        Some("redis://127.0.0.1:7000"),
        "REDIS_URL fills in a stateStore table from the file"
    );
}

#[test]
fn code_has_the_last_word() {
    let config = loly_tests::config_file("[realtime]\npath = \"/from-file\"\n");
    let printed = effective_config(&[
        ("LOLY_CONFIG", loly_tests::path_of(&config)),
        ("LOLY_REALTIME__PATH", "/from-env"),
        ("FIXTURE_PATH_IN_CODE", "/from-code"),
    ]);
    assert_eq!(
        lookup(&printed, "realtime.path").as_str(),
        Some("/from-code"),
        "defaults < file < environment < code"
    );
    let without_code = effective_config(&[
        ("LOLY_CONFIG", loly_tests::path_of(&config)),
        ("LOLY_REALTIME__PATH", "/from-env"),
    ]);
    assert_eq!(
        lookup(&without_code, "realtime.path").as_str(),
        Some("/from-env")
    );
}

#[test]
fn redis_url_fills_in_the_cluster_urls() {
    let printed = effective_config(&[("REDIS_URL", "redis://127.0.0.1:7000")]);
    assert_eq!(
        lookup(&printed, "realtime.scale.adapter.url").as_str(),
        Some("redis://127.0.0.1:7000")
    );
    assert_eq!(
        lookup(&printed, "realtime.scale.state_store.url").as_str(),
        Some("redis://127.0.0.1:7000")
    );
    let defaults = effective_config(&[]);
    assert_eq!(lookup(&defaults, "realtime.path").as_str(), Some("/wss"));
}

#[test]
fn one_instance_can_keep_its_state_in_redis_under_the_configured_prefix() {
    let redis = RedisServer::start();
    let env = [
        ("LOLY_REALTIME__SCALE__STATE_STORE__NAME", "redis"),
        ("LOLY_REALTIME__SCALE__STATE_STORE__PREFIX", "shop:"),
        ("REDIS_URL", &redis.url()),
    ];
    let count = |server: &Server| {
        node::run(
            server,
            r#"
            const h = require("harness");
            h.run(async () => {
              const s = await h.connect("/act");
              const n = (await h.ack(s, "state-incr", {})).data;
              s.close();
              return n;
            });
            "#,
        )
    };
    let first = Server::start_with("fixture-actions-app", "fixture-actions-app", &env);
    assert_eq!(count(&first), 1);
    assert_eq!(count(&first), 2);
    drop(first);
    let restarted = Server::start_with("fixture-actions-app", "fixture-actions-app", &env);
    assert_eq!(
        count(&restarted),
        3,
        "the count survived the instance's restart"
    );
    assert_eq!(redis.command("GET shop:act:counter"), "$1\r\n3\r\n");
}
