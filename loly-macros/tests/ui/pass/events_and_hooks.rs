use loly_core::prelude::*;

#[derive(Deserialize, Validate)]
pub struct Message {
    #[validate(length(min = 1, max = 500))]
    pub text: String,
}

pub struct User {
    pub id: String,
    pub admin: bool,
}

impl AuthUser for User {
    fn id(&self) -> &str {
        &self.id
    }
}

#[wss_auth]
pub async fn auth(hs: &Handshake) -> Result<Option<User>> {
    Ok(hs.token().map(|token| User { id: token.to_owned(), admin: false }))
}

fn signed_in(guard: &GuardCtx<'_, User>) -> bool {
    guard.signed_in()
}

async fn admin(guard: &GuardCtx<'_, User>) -> bool {
    guard.user().is_some_and(|u| u.admin)
}

#[on_connect]
pub async fn joined(ctx: Ctx) -> Result<()> {
    let _name: Option<&User> = ctx.user();
    Ok(())
}

#[on_disconnect]
async fn left(_ctx: Ctx, _reason: DisconnectReason) {}

#[wss_event(schema = Message, guard = signed_in, rate = "10/s, burst 20")]
pub async fn message(ctx: Ctx<Message>) -> Result<()> {
    let _: &str = &ctx.data.text;
    Ok(())
}

#[wss_event(name = "sendMessage", schema = Message)]
async fn send_message(ctx: Ctx) -> Result<String> {
    Ok(ctx.data.text)
}

#[wss_event(guard = admin)]
async fn raw(ctx: Ctx<Value, User>) {
    let _: &Value = &ctx.data;
}

#[derive(Deserialize)]
struct Plain {
    n: u32,
}

#[wss_event(rate = "120/min")]
async fn plain(ctx: Ctx<Plain>) -> Result<u32> {
    Ok(ctx.data.n)
}

fn main() {
    let _ = (
        __loly_auth(),
        __loly_joined(),
        __loly_left(),
        __loly_message(),
        __loly_send_message(),
        __loly_raw(),
        __loly_plain(),
    );
}
