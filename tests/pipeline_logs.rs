//! Logs carry the namespace, socket id, user id, event and request id, in
//! the format the config asks for.

use loly_tests::{Server, node};
use serde_json::Value;

const APP: &str = "fixture-pipeline-app";

fn run_log_event(server: &Server) -> (String, String) {
    let result = node::run(
        server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const s = await h.connect("/pipeline");
          const ack = await h.ack(s, "log", {});
          const sid = s.id;
          s.close();
          return { rid: ack.data, sid };
        });
        "#,
    );
    (
        result["rid"].as_str().unwrap().to_owned(),
        result["sid"].as_str().unwrap().to_owned(),
    )
}

fn wait_for_log(server: &Server, needle: &str) -> String {
    for _ in 0..100 {
        let log = server.log();
        if log.contains(needle) {
            return log;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("no `{needle}` in the log:\n{}", server.log());
}

#[test]
fn json_log_lines_carry_the_event_context() {
    let config = loly_tests::config_file("[realtime.logging]\nlevel = \"info\"\npretty = false\n");
    let server = Server::start_with(APP, APP, &[("LOLY_CONFIG", loly_tests::path_of(&config))]);
    let (request_id, socket_id) = run_log_event(&server);
    let log = wait_for_log(&server, "handled through tracing");
    for message in ["handled through ctx.log", "handled through tracing"] {
        let line: Value = log
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|l| l["message"] == message)
            .unwrap_or_else(|| panic!("no JSON line for `{message}` in:\n{log}"));
        let span = &line["span"];
        assert_eq!(span["namespace"], "/pipeline", "{line}");
        assert_eq!(span["socket_id"], socket_id.as_str(), "{line}");
        assert_eq!(span["event"], "log", "{line}");
        assert_eq!(span["request_id"], request_id.as_str(), "{line}");
    }
}

#[test]
fn pretty_log_lines_carry_the_event_context() {
    let server = Server::start(APP, APP);
    let (request_id, socket_id) = run_log_event(&server);
    let log = wait_for_log(&server, "handled through ctx.log");
    let line = log
        .lines()
        .find(|l| l.contains("handled through ctx.log"))
        .unwrap();
    for field in [
        "namespace=/pipeline".to_owned(),
        format!("socket_id={socket_id}"),
        "event=log".to_owned(),
        format!("request_id={request_id}"),
    ] {
        assert!(line.contains(&field), "`{field}` missing from: {line}");
    }
}

#[test]
fn log_lines_carry_the_user_and_the_configured_level_filters_them() {
    let config = loly_tests::config_file("[realtime.logging]\nlevel = \"warn\"\npretty = false\n");
    let server = Server::start_with(APP, APP, &[("LOLY_CONFIG", loly_tests::path_of(&config))]);
    let result = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const s = await h.connect("/secure", { auth: { token: "user-ann" } });
          const ack = await h.ack(s, "log", {});
          const sid = s.id;
          s.close();
          return { rid: ack.data, sid };
        });
        "#,
    );
    let log = wait_for_log(&server, "signed-in warning line");
    let line: Value = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["message"] == "signed-in warning line")
        .unwrap_or_else(|| panic!("no JSON warning line in:\n{log}"));
    let span = &line["span"];
    assert_eq!(span["user_id"], "ann", "{line}");
    assert_eq!(span["namespace"], "/secure", "{line}");
    assert_eq!(span["socket_id"], result["sid"], "{line}");
    assert_eq!(span["event"], "log", "{line}");
    assert_eq!(span["request_id"], result["rid"], "{line}");
    assert!(
        !log.contains("signed-in info line"),
        "level = \"warn\" drops info lines:\n{log}"
    );
}
