use loly_core::prelude::*;

// No auth hook: the user type is `NoUser` and `ctx.user()` is always `None`.
#[wss_event]
async fn ping(ctx: Ctx) -> Result<Value> {
    assert!(ctx.user().is_none());
    Ok(json!("pong"))
}

#[on_connect]
async fn hello(ctx: Ctx) {
    let _ = ctx.actions.reply("hello", &json!({}));
}

fn main() {
    let _ = (__loly_ping(), __loly_hello());
}
