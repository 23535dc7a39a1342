//! Run with: cargo run -p example-chat
//!
//! Serves `/chat` on http://127.0.0.1:3000 (Socket.IO path `/wss`).
//! Connect with `auth: { token: "demo-alice" }` to sign in as `alice`.

loly_core::routes!();

fn main() -> std::process::ExitCode {
    loly_core::App::new(routes::all()).run()
}
