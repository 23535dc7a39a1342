//! The baseline: socketioxide alone, with its defaults, serving the same
//! `/echo` namespace at the same path. Usage: `bare-echo <port>`.

use std::net::{Ipv4Addr, SocketAddr};

use socketioxide::{
    SocketIo,
    extract::{AckSender, Data, SocketRef},
};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let (layer, io) = SocketIo::builder().req_path("/wss").build_layer();
    io.ns("/echo", async |socket: SocketRef| {
        socket.on(
            "echo",
            async |Data(data): Data<serde_json::Value>, ack: AckSender| {
                let _ = ack.send(&data);
            },
        );
    });
    let app = axum::Router::new().layer(layer);
    let listener =
        tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    println!(
        "bare-echo: listening on http://{}/wss",
        listener.local_addr()?
    );
    axum::serve(listener, app).await
}
