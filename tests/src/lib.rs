//! Shared helpers for Loly's end-to-end tests: build and start real apps,
//! drive them with the official `socket.io-client` (Node) and with a Rust
//! client, and run real `cargo` builds.

pub mod cargo;
pub mod node;
pub mod redis;
pub mod rust_client;
pub mod server;

pub use server::Server;

use std::path::PathBuf;

/// The root of the Loly workspace.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// A `loly.toml` with `contents`, for `LOLY_CONFIG`; removed when dropped.
pub fn config_file(contents: &str) -> tempfile::NamedTempFile {
    let file = tempfile::Builder::new()
        .suffix(".toml")
        .tempfile()
        .expect("a temp file");
    std::fs::write(file.path(), contents).expect("write the config");
    file
}

/// The path of a [`config_file`], as `LOLY_CONFIG` wants it.
pub fn path_of(file: &tempfile::NamedTempFile) -> &str {
    file.path().to_str().expect("a UTF-8 temp path")
}
