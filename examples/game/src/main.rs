//! Run with: cargo run -p example-game
//!
//! Each game room is its own namespace: connect to `/game/<roomId>` with
//! `auth: { player: "<name>" }`, then `move` with `{ x, y }`.

loly_core::routes!();

fn main() -> std::process::ExitCode {
    loly_core::App::new(routes::all()).run()
}
