//! `/game/{roomId}`: every room is a namespace of its own, so emits reach
//! exactly the room's players.

use loly_core::prelude::*;

/// A player, named at connect.
#[derive(Debug, Clone, Serialize)]
pub struct Player {
    /// The player's name.
    pub name: String,
}

impl AuthUser for Player {
    fn id(&self) -> &str {
        &self.name
    }
}

/// Players must name themselves: `auth: { player }`.
#[wss_auth]
pub async fn auth(hs: &Handshake) -> Result<Option<Player>> {
    match hs.auth().get("player").and_then(Value::as_str) {
        Some(name) if !name.is_empty() && name.len() <= 24 => Ok(Some(Player { name: name.to_owned() })),
        _ => Err(Error::unauthorized("pass auth: { player: \"<name>\" } (1 to 24 characters)")),
    }
}

fn room(ctx_params: &Params) -> &str {
    &ctx_params["roomId"]
}

/// Welcomes the player with the room's state and tells the others.
#[on_connect]
pub async fn joined(ctx: Ctx) -> Result<()> {
    let room_id = room(ctx.params()).to_owned();
    let players = ctx.presence().list().await?;
    let moves = ctx.state().get::<i64>(&format!("game:{room_id}:moves")).await?.unwrap_or(0);
    ctx.actions.reply("game-state", &json!({ "roomId": room_id, "players": players, "moves": moves }))?;
    ctx.actions.broadcast("player-joined", &json!({ "player": ctx.user_id() })).await
}

/// Tells the room a player left.
#[on_disconnect]
pub async fn left(ctx: Ctx, _reason: DisconnectReason) -> Result<()> {
    ctx.actions.broadcast("player-left", &json!({ "player": ctx.user_id() })).await
}

/// A move on a 10 × 10 board.
#[derive(Debug, Deserialize, Serialize, Validate)]
pub struct Move {
    /// Column, 0 to 9.
    #[validate(range(min = 0, max = 9))]
    pub x: u8,
    /// Row, 0 to 9.
    #[validate(range(min = 0, max = 9))]
    pub y: u8,
}

/// Counts the move and shows it to everyone in the room.
#[wss_event(name = "move", schema = Move, rate = "10/s, burst 10")]
pub async fn play(ctx: Ctx<Move>) -> Result<Value> {
    let moves = ctx.state().incr(&format!("game:{}:moves", room(ctx.params())), 1).await?;
    let update = json!({ "player": ctx.user_id(), "x": ctx.data.x, "y": ctx.data.y, "moves": moves });
    ctx.actions.emit("moved", &update).await?;
    Ok(update)
}
