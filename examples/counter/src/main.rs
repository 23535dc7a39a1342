//! Run with: cargo run -p example-counter
//!
//! The seed's "Chat con Counter" example: open http://127.0.0.1:3000 in two
//! browser tabs and click. The page's Socket.IO client comes from npm: run
//! `npm install --prefix examples/counter` once (or set `LOLY_CLIENT_JS` to
//! a `socket.io.min.js`).

use std::path::PathBuf;

use axum::{
    Router,
    http::{StatusCode, header},
    response::{Html, IntoResponse},
    routing::get,
};

loly_core::routes!();

const PAGE: &str = include_str!("../static/index.html");

fn main() -> std::process::ExitCode {
    let pages = Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route("/socket.io.min.js", get(client_script));
    loly_core::App::new(routes::all()).merge(pages).run()
}

/// The browser build of socket.io-client, from npm.
async fn client_script() -> impl IntoResponse {
    let path = std::env::var_os("LOLY_CLIENT_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("node_modules/socket.io-client/dist/socket.io.min.js")
        });
    match tokio::fs::read(&path).await {
        Ok(script) => ([(header::CONTENT_TYPE, "text/javascript")], script).into_response(),
        Err(_) => (
            StatusCode::NOT_FOUND,
            format!(
                "{} not found: run `npm install --prefix examples/counter`",
                path.display()
            ),
        )
            .into_response(),
    }
}
