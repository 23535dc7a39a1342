//! Every mistake in `app/wss` fails `cargo build` with a message that names
//! the file (and line) and says how to fix it.

use std::path::{Path, PathBuf};

use loly_tests::{cargo, workspace_root};

/// A throwaway crate whose build script is `loly_build::build()`.
struct Probe {
    dir: tempfile::TempDir,
}

impl Probe {
    fn new() -> Probe {
        let dir = tempfile::tempdir().expect("temp dir");
        let loly_build = workspace_root().join("loly-build");
        std::fs::write(
            dir.path().join("Cargo.toml"),
            format!(
                "[package]\nname = \"probe\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
                 [build-dependencies]\nloly-build = {{ path = {:?} }}\n\n[workspace]\n",
                loly_build.to_string_lossy()
            ),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("build.rs"),
            "fn main() { loly_build::build(); }\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/main.rs"), "fn main() {}\n").unwrap();
        Probe { dir }
    }

    fn file(self, path: &str, contents: &str) -> Probe {
        let target = self.dir.path().join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, contents).unwrap();
        self
    }

    /// Builds and returns cargo's output, which must be a failure.
    fn build_fails(&self) -> String {
        let output = cargo::cargo_in(self.dir.path(), &target_dir(), &["build", "--quiet"]);
        let text = cargo::output_text(&output);
        assert!(
            !output.status.success(),
            "the build should fail, but passed:\n{text}"
        );
        text
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

fn target_dir() -> PathBuf {
    cargo::scratch_target_dir("build-errors")
}

const HANDLER: &str = "#[wss_event]\npub async fn ping(ctx: Ctx) {}\n";

fn assert_error(output: &str, file: &str, line: Option<usize>, hint: &str) {
    // cargo shows each `cargo::error=` line as `error: <package>: <message>`.
    let located = match line {
        Some(line) => format!(": {file}:{line}: "),
        None => format!(": {file}: "),
    };
    let error_line = output
        .lines()
        .find(|l| l.starts_with("error: ") && l.contains(&located))
        .unwrap_or_else(|| panic!("no error naming `{located}` in:\n{output}"));
    assert!(
        error_line.contains(hint),
        "`{error_line}` should say `{hint}`"
    );
}

#[test]
fn a_parameter_folder_that_is_not_an_identifier() {
    for folder in ["[room-id]", "[]"] {
        let probe = Probe::new().file(&format!("app/wss/game/{folder}/events.rs"), HANDLER);
        let output = probe.build_fails();
        assert_error(
            &output,
            &format!("app/wss/game/{folder}/events.rs"),
            None,
            "must name an identifier",
        );
    }
}

#[test]
fn two_folders_that_give_the_same_namespace() {
    let probe = Probe::new()
        .file("app/wss/chat/events.rs", HANDLER)
        .file("app/wss/(public)/chat/events.rs", HANDLER);
    let output = probe.build_fails();
    assert_error(
        &output,
        "app/wss/chat/events.rs",
        None,
        "gives the namespace `/chat`, which `app/wss/(public)/chat/events.rs` gives too",
    );
}

#[test]
fn parameter_folders_that_conflict() {
    let probe = Probe::new()
        .file("app/wss/game/[id]/events.rs", HANDLER)
        .file("app/wss/game/[roomId]/events.rs", HANDLER);
    let output = probe.build_fails();
    assert_error(
        &output,
        "app/wss/game/[roomId]/events.rs",
        None,
        "conflicts with `/game/{id}` from `app/wss/game/[id]/events.rs`",
    );
}

#[test]
fn an_events_file_with_no_handler() {
    let probe = Probe::new().file("app/wss/empty/events.rs", "pub fn helper() {}\n");
    let output = probe.build_fails();
    assert_error(&output, "app/wss/empty/events.rs", None, "has no handler");
}

#[test]
fn two_handlers_with_one_event_name() {
    let source = "#[wss_event(name = \"send\")]\npub async fn a(ctx: Ctx) {}\n\n#[wss_event(name = \"send\")]\npub async fn b(ctx: Ctx) {}\n";
    let probe = Probe::new().file("app/wss/chat/events.rs", source);
    let output = probe.build_fails();
    assert_error(
        &output,
        "app/wss/chat/events.rs",
        Some(5),
        "event `send` is handled twice, by `a` (line 2) and `b`",
    );
}

#[test]
fn reserved_event_names() {
    for (source, line) in [
        (
            "#[wss_event(name = \"__loly:error\")]\npub async fn a(ctx: Ctx) {}\n",
            1,
        ),
        (
            "\n#[wss_event(name = \"__loly:ping\")]\npub async fn a(ctx: Ctx) {}\n",
            2,
        ),
    ] {
        let probe = Probe::new().file("app/wss/chat/events.rs", source);
        let output = probe.build_fails();
        assert_error(
            &output,
            "app/wss/chat/events.rs",
            Some(line),
            "reserved for the framework",
        );
    }
}

#[test]
fn the_legacy_list_form() {
    let source = "pub const EVENTS: &[&str] = &[\"message\"];\n\n#[wss_event]\npub async fn message(ctx: Ctx) {}\n";
    let probe = Probe::new().file("app/wss/chat/events.rs", source);
    let output = probe.build_fails();
    assert_error(
        &output,
        "app/wss/chat/events.rs",
        Some(1),
        "legacy list form",
    );
    assert!(
        output.contains("docs/src/migration.md"),
        "points at the migration guide:\n{output}"
    );
}

#[test]
fn a_typescript_route_left_behind() {
    let probe = Probe::new().file("app/wss/chat/events.rs", HANDLER).file(
        "app/wss/chat/events.ts",
        "export default defineWssRoute({ events: {} });\n",
    );
    let output = probe.build_fails();
    assert_error(
        &output,
        "app/wss/chat/events.ts",
        None,
        "port its handlers to an `events.rs`",
    );
}

#[test]
fn a_file_that_does_not_parse() {
    let source = "#[wss_event]\npub async fn ping(ctx: Ctx) {\n    let x = ;\n}\n";
    let probe = Probe::new().file("app/wss/chat/events.rs", source);
    let output = probe.build_fails();
    assert_error(
        &output,
        "app/wss/chat/events.rs",
        Some(3),
        "does not parse as Rust",
    );
}

#[test]
fn a_bad_attribute_argument() {
    let source = "\n\n#[wss_event(rate = \"fast\")]\npub async fn ping(ctx: Ctx) {}\n";
    let probe = Probe::new().file("app/wss/chat/events.rs", source);
    let output = probe.build_fails();
    assert_error(
        &output,
        "app/wss/chat/events.rs",
        Some(3),
        "write a rate as",
    );
}

#[test]
fn a_missing_app_folder() {
    let probe = Probe::new();
    let output = probe.build_fails();
    assert_error(&output, "app/wss", None, "folder not found");
    assert!(probe.path().exists());
}
