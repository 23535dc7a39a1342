use loly_core::prelude::*;

#[wss_event(name = "__loly:error")]
async fn error(_ctx: Ctx) {}

fn main() {}
