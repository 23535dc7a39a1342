use loly_core::prelude::*;

#[wss_event]
fn ping(ctx: Ctx) {}

fn main() {}
