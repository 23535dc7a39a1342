//! Running `cargo` from tests: building workspace binaries and throwaway crates.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    process::{Command, Output},
    sync::{Mutex, OnceLock},
};

use crate::workspace_root;

/// Builds `package`'s binary `bin` in the workspace (once per test process)
/// and returns its path.
pub fn binary(package: &str, bin: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(path) = built.get(package) {
        return path.clone();
    }
    let run = escargot::CargoBuild::new()
        .manifest_path(workspace_root().join("Cargo.toml"))
        .package(package)
        .bin(bin)
        .run()
        .unwrap_or_else(|err| panic!("cannot build {package}: {err}"));
    let path = run.path().to_path_buf();
    built.insert(package.to_owned(), path.clone());
    path
}

/// Where throwaway crates build, shared between tests so that their
/// dependencies compile once.
pub fn scratch_target_dir(name: &str) -> PathBuf {
    let base = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    base.join("loly-tests").join(name)
}

/// Runs `cargo <args>` in `dir` with its own target dir, pinned to the
/// workspace's lock file so dependency versions match.
pub fn cargo_in(dir: &Path, target_dir: &Path, args: &[&str]) -> Output {
    let lock = workspace_root().join("Cargo.lock");
    if !dir.join("Cargo.lock").exists() {
        std::fs::copy(&lock, dir.join("Cargo.lock")).expect("copy Cargo.lock");
    }
    Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs")
}

/// Cargo's output as text, stderr then stdout.
pub fn output_text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    )
}
