use loly_core::prelude::*;

#[wss_event(rate = "10 per second")]
async fn ping(_ctx: Ctx) {}

fn main() {}
