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
