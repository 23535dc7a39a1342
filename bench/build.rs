//! Turns app/wss into the route registry of the `loly-echo` server.

fn main() {
    loly_build::build();
}
