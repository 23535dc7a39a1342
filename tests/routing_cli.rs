//! The `loly` command: a scaffolded app builds, runs and serves; a route
//! folder added later is served after a plain `cargo build`; `loly routes`
//! lists what the build sees.

use std::{path::Path, process::Command};

use loly_tests::{Server, cargo, node, workspace_root};
use serde_json::json;

fn loly() -> Command {
    Command::new(cargo::binary("loly-cli", "loly"))
}

fn build_app(dir: &Path) {
    let target = cargo::scratch_target_dir("scaffold");
    let output = cargo::cargo_in(dir, &target, &["build", "--quiet"]);
    assert!(
        output.status.success(),
        "the app does not build:\n{}",
        cargo::output_text(&output)
    );
}

fn app_binary(name: &str) -> std::path::PathBuf {
    cargo::scratch_target_dir("scaffold")
        .join("debug")
        .join(name)
}

#[test]
fn a_scaffolded_app_builds_runs_and_serves_new_routes_after_a_rebuild() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("hello-rt");
    let status = loly()
        .args(["new", dir.to_str().unwrap(), "--loly-path"])
        .arg(workspace_root())
        .status()
        .unwrap();
    assert!(status.success());
    for file in [
        "Cargo.toml",
        "build.rs",
        "src/main.rs",
        "loly.toml",
        "app/wss/chat/events.rs",
    ] {
        assert!(dir.join(file).is_file(), "{file} is scaffolded");
    }

    build_app(&dir);
    let server = Server::spawn(&app_binary("hello-rt"), &dir, &[]);
    let first = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const a = await h.connect("/chat");
          const b = await h.connect("/chat");
          const heard = h.next(b, "message");
          const ack = await h.ack(a, "message", { text: "hello" });
          const broadcast = await heard;
          a.close(); b.close();
          return { ack, broadcast, news: await h.connectError("/news") };
        });
        "#,
    );
    assert_eq!(
        first["ack"],
        json!({ "ok": true, "data": { "text": "hello" } })
    );
    assert_eq!(first["broadcast"], json!({ "text": "hello" }));
    assert_eq!(
        first["news"]["message"], "Invalid namespace",
        "/news does not exist yet"
    );
    drop(server);

    let news = dir.join("app/wss/news/[topic]/events.rs");
    std::fs::create_dir_all(news.parent().unwrap()).unwrap();
    std::fs::write(
        &news,
        "use loly_core::prelude::*;\n\n#[wss_event]\npub async fn topic(ctx: Ctx) -> Result<String> {\n    Ok(ctx.params()[\"topic\"].to_owned())\n}\n",
    )
    .unwrap();
    build_app(&dir);
    let server = Server::spawn(&app_binary("hello-rt"), &dir, &[]);
    let second = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const s = await h.connect("/news/rust");
          const ack = await h.ack(s, "topic", {});
          s.close();
          return ack;
        });
        "#,
    );
    assert_eq!(
        second,
        json!({ "ok": true, "data": "rust" }),
        "the new folder is served after a plain cargo build"
    );
}

#[test]
fn loly_routes_prints_the_table_the_build_sees() {
    let fixture = workspace_root().join("tests/fixtures/routing-app");
    let output = loly()
        .args(["routes", "--dir"])
        .arg(&fixture)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("NAMESPACE"), "{table}");
    let row = |namespace: &str, event: &str| {
        lines
            .iter()
            .find(|l| l.split_whitespace().take(2).eq([namespace, event]))
            .unwrap_or_else(|| panic!("no row for {namespace} {event} in:\n{table}"))
            .to_string()
    };
    assert!(
        row("/chat", "sendMessage").contains("app/wss/chat/events.rs:14"),
        "{table}"
    );
    assert!(row("/game/{roomId}", "whereami").contains("app/wss/game/[roomId]/events.rs"));
    assert!(row("/org/{orgId}/room/{roomId}", "whereami").contains("-"));
    assert!(row("/", "ping").contains("app/wss/events.rs"));
}

#[test]
fn loly_routes_reports_build_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app/wss/game/[room-id]/events.rs");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "").unwrap();
    let output = loly()
        .args(["routes", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("app/wss/game/[room-id]/events.rs"),
        "{stderr}"
    );
}
