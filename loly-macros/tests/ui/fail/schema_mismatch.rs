use loly_core::prelude::*;

#[derive(Deserialize, Validate)]
struct A {
    a: u32,
}

#[derive(Deserialize)]
struct B {
    b: u32,
}

#[wss_event(schema = A)]
async fn ping(_ctx: Ctx<B>) {}

fn main() {}
