use loly_core::prelude::*;

#[on_connect(now)]
async fn joined(_ctx: Ctx) {}

#[on_disconnect]
async fn left(_ctx: Ctx) {}

fn main() {}
