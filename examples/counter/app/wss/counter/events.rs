//! `/counter`: the seed's counter, shared by every tab (and, in cluster
//! mode, every instance).

use loly_core::prelude::*;

/// A visitor, named by the page.
#[derive(Debug, Clone, Serialize)]
pub struct Visitor {
    /// The name the page sent as `auth: { name }`.
    pub name: String,
}

impl AuthUser for Visitor {
    fn id(&self) -> &str {
        &self.name
    }
}

/// `auth: { name }` names the visitor, who then shows up in `get-users`;
/// without a name the visitor is anonymous.
#[wss_auth]
pub async fn auth(hs: &Handshake) -> Result<Option<Visitor>> {
    match hs.auth().get("name").and_then(Value::as_str) {
        Some(name) if !name.is_empty() && name.len() <= 40 => Ok(Some(Visitor { name: name.to_owned() })),
        Some(_) => Err(Error::unauthorized("a name is 1 to 40 characters")),
        None => Ok(None),
    }
}

const COUNTER: &str = "counter:value";

/// Sends the current count to the tab that just connected.
#[on_connect]
pub async fn connected(ctx: Ctx) -> Result<()> {
    let count = ctx.state().get::<i64>(COUNTER).await?.unwrap_or(0);
    ctx.actions.reply("counter-state", &json!({ "count": count }))
}

/// How much to add or take: 1 to 10, 1 when absent (the seed's schema).
#[derive(Debug, Deserialize, Validate)]
pub struct Step {
    /// The step.
    #[serde(default = "one")]
    #[validate(range(min = 1, max = 10))]
    pub by: i64,
}

fn one() -> i64 {
    1
}

/// Adds `by` and tells every tab, the clicking one included: the seed used
/// `broadcast`, which leaves the sender's page behind.
#[wss_event(schema = Step, rate = "20/s, burst 40")]
pub async fn increment(ctx: Ctx<Step>) -> Result<Value> {
    let count = ctx.state().incr(COUNTER, ctx.data.by).await?;
    let update = json!({ "count": count });
    ctx.actions.broadcast("counter-update", &update).exclude_self(false).await?;
    Ok(update)
}

/// Takes `by` away and tells every tab.
#[wss_event(schema = Step, rate = "20/s, burst 40")]
pub async fn decrement(ctx: Ctx<Step>) -> Result<Value> {
    let count = ctx.state().decr(COUNTER, ctx.data.by).await?;
    let update = json!({ "count": count });
    ctx.actions.broadcast("counter-update", &update).exclude_self(false).await?;
    Ok(update)
}

/// The named visitors connected now (presence).
#[wss_event(name = "get-users")]
pub async fn get_users(ctx: Ctx) -> Result<Value> {
    let users = json!({ "users": ctx.presence().list().await? });
    ctx.actions.reply("users-list", &users)?;
    Ok(users)
}
