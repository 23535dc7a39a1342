use loly_core::prelude::*;

#[wss_event(schmea = Value)]
async fn ping(_ctx: Ctx) {}

fn main() {}
