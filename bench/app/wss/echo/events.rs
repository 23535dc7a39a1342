//! `/echo`: the benchmark's one event.

use loly_core::prelude::*;

/// Acknowledges with the payload it was sent.
#[wss_event]
pub async fn echo(ctx: Ctx) -> Result<Value> {
    Ok(ctx.data)
}
