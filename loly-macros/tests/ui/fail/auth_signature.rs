use loly_core::prelude::*;

#[wss_auth]
async fn auth(_hs: &Handshake) -> Result<String> {
    Ok(String::new())
}

fn main() {}
