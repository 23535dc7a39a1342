use loly_core::prelude::*;

#[wss_event]
async fn two_args(_ctx: Ctx, extra: u32) {}

#[wss_event]
async fn not_a_ctx(data: String) {}

fn main() {}
