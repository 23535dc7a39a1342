//! Turns app/wss into the route registry.

fn main() {
    loly_build::build();
}
