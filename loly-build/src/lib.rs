//! Build-script library for Loly realtime apps.
//!
//! An app's `build.rs` is one line, `fn main() { loly_build::build() }`:
//!
//! ```no_run
//! loly_build::build();
//! ```
//!
//! [`build`] walks `app/wss`, reads every `events.rs` with `syn`, checks it,
//! and writes the route registry to `$OUT_DIR/loly_routes.rs`, which the app
//! includes with `loly_core::routes!()`. Every mistake is reported as a
//! `cargo::error=` line that names the file and line and says how to fix it.
//!
//! [`scan`] is the same reader without the build: `loly routes` uses it.

mod diagnostic;
mod generate;
mod read;
mod route;
mod walk;

pub use diagnostic::Diagnostic;
pub use route::{Event, Hook, HookKind, Route, Segment};

use std::path::{Path, PathBuf};

/// Where routes live, relative to the crate root.
pub const APP_DIR: &str = "app/wss";
/// The file the registry is written to, inside `OUT_DIR`.
pub const REGISTRY_FILE: &str = "loly_routes.rs";

/// Reads every route under `<crate_root>/app/wss`.
///
/// Paths in the result and in diagnostics are relative to `crate_root`
/// where they can be. Returns every problem found, not only the first.
pub fn scan(crate_root: &Path) -> Result<Vec<Route>, Vec<Diagnostic>> {
    let found = walk::find_routes(crate_root)?;
    let mut routes = Vec::with_capacity(found.len());
    let mut problems = Vec::new();
    for route in found {
        match read::read_route(route) {
            Ok(route) => routes.push(route),
            Err(mut errs) => problems.append(&mut errs),
        }
    }
    if problems.is_empty() {
        Ok(routes)
    } else {
        Err(problems)
    }
}

/// The whole `build.rs` of a Loly app.
///
/// Reads `app/wss` under `CARGO_MANIFEST_DIR`, writes the registry into
/// `OUT_DIR` (only when its bytes change), and asks cargo to run again when
/// anything under `app/wss` changes. Problems become `cargo::error=` lines,
/// which fail the build.
pub fn build() {
    let crate_root = PathBuf::from(env_var("CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env_var("OUT_DIR"));
    println!("cargo::rerun-if-changed={APP_DIR}");
    match build_into(&crate_root, &out_dir) {
        Ok(routes) => {
            for route in &routes {
                println!("cargo::rerun-if-changed={}", route.file.display());
            }
        }
        Err(problems) => {
            for problem in problems {
                // One cargo::error per line: cargo shows each as its own error.
                for line in problem.to_string().lines() {
                    println!("cargo::error={line}");
                }
            }
        }
    }
}

/// Scans `crate_root` and writes the registry to `out_dir`.
pub fn build_into(crate_root: &Path, out_dir: &Path) -> Result<Vec<Route>, Vec<Diagnostic>> {
    let routes = scan(crate_root)?;
    let code = generate::registry(&routes);
    let target = out_dir.join(REGISTRY_FILE);
    write_if_changed(&target, &code).map_err(|err| {
        vec![Diagnostic::new(
            target.clone(),
            None,
            format!("cannot write the route registry: {err}"),
        )]
    })?;
    Ok(routes)
}

fn write_if_changed(path: &Path, contents: &str) -> std::io::Result<()> {
    match std::fs::read(path) {
        Ok(existing) if existing == contents.as_bytes() => Ok(()),
        _ => std::fs::write(path, contents),
    }
}

fn env_var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: loly_build::build() must be called from a build script")
    })
}
