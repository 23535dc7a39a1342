use loly_core::prelude::*;

pub struct User {
    pub id: String,
}

impl AuthUser for User {
    fn id(&self) -> &str {
        &self.id
    }
}

pub struct Admin;

impl AuthUser for Admin {
    fn id(&self) -> &str {
        "admin"
    }
}

#[wss_auth]
async fn auth(_hs: &Handshake) -> Result<Option<User>> {
    Ok(None)
}

#[wss_event]
async fn ping(_ctx: Ctx<Value, Admin>) {}

fn main() {}
