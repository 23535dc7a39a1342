//! `/chat`: sign in with a token, talk to everyone, to a room, or to one user.

use loly_core::prelude::*;

/// A signed-in chat user.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    /// The user's id, taken from the token.
    pub id: String,
}

impl AuthUser for User {
    fn id(&self) -> &str {
        &self.id
    }
}

/// Demo auth: `demo-<name>` signs in as `<name>`, from `auth: { token }` or
/// an `Authorization: Bearer` header. No token: anonymous. Any other token:
/// refused.
#[wss_auth]
pub async fn auth(hs: &Handshake) -> Result<Option<User>> {
    let Some(token) = hs.token().or_else(|| hs.bearer_token()) else {
        return Ok(None);
    };
    match token.strip_prefix("demo-") {
        Some(name) if !name.is_empty() => Ok(Some(User { id: name.to_owned() })),
        _ => Err(Error::unauthorized("invalid token")),
    }
}

/// Only signed-in users may write.
pub fn signed_in(guard: &GuardCtx<'_, User>) -> bool {
    guard.signed_in()
}

/// A message to everyone in /chat.
#[derive(Debug, Deserialize, Validate)]
pub struct Message {
    /// The text.
    #[validate(length(min = 1, max = 500))]
    pub text: String,
}

/// Sends a message to everyone else.
#[wss_event(schema = Message, guard = signed_in, rate = "10/s, burst 20")]
pub async fn message(ctx: Ctx<Message>) -> Result<()> {
    let payload = json!({ "text": ctx.data.text, "from": ctx.user_id() });
    ctx.actions.broadcast("message", &payload).await
}

/// A room to join.
#[derive(Debug, Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
pub struct Room {
    /// The room's id.
    #[validate(length(min = 1, max = 64))]
    pub room_id: String,
}

/// Joins a room and tells its members.
#[wss_event(name = "join-room", schema = Room, guard = signed_in)]
pub async fn join_room(ctx: Ctx<Room>) -> Result<()> {
    ctx.actions.join(ctx.data.room_id.clone()).await?;
    ctx.actions
        .to_room(ctx.data.room_id.clone())
        .emit("user-joined", &json!({ "userId": ctx.user_id(), "roomId": ctx.data.room_id }))
        .await
}

/// A message to one room.
#[derive(Debug, Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
pub struct RoomMessage {
    /// The room's id.
    #[validate(length(min = 1, max = 64))]
    pub room_id: String,
    /// The text.
    #[validate(length(min = 1, max = 500))]
    pub text: String,
}

/// Sends a message to everyone in a room.
#[wss_event(name = "room-message", schema = RoomMessage, guard = signed_in, rate = "10/s, burst 20")]
pub async fn room_message(ctx: Ctx<RoomMessage>) -> Result<()> {
    ctx.actions
        .to_room(ctx.data.room_id.clone())
        .emit("message", &json!({ "from": ctx.user_id(), "text": ctx.data.text, "roomId": ctx.data.room_id }))
        .await
}

/// A private message.
#[derive(Debug, Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
pub struct PrivateMessage {
    /// Who receives it.
    #[validate(length(min = 1, max = 64))]
    pub to_user_id: String,
    /// The text.
    #[validate(length(min = 1, max = 500))]
    pub text: String,
}

/// Sends a message to every tab of one user.
#[wss_event(name = "private-message", schema = PrivateMessage, guard = signed_in, rate = "10/s, burst 20")]
pub async fn private_message(ctx: Ctx<PrivateMessage>) -> Result<()> {
    ctx.actions
        .to_user(&ctx.data.to_user_id)
        .emit("private-message", &json!({ "from": ctx.user_id(), "text": ctx.data.text }))
        .await
}
