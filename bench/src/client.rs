//! A minimal Socket.IO client over one websocket: just the packets the
//! benchmark needs, so that the client costs as little as possible.

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async, tungstenite::Message};

use crate::BenchError;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One Socket.IO connection to one namespace.
pub struct Connection {
    ws: Ws,
    namespace: &'static str,
}

impl Connection {
    /// Opens the websocket at `/wss` and connects to `namespace`.
    pub async fn open(port: u16, namespace: &'static str) -> Result<Self, BenchError> {
        let url = format!("ws://127.0.0.1:{port}/wss/?EIO=4&transport=websocket");
        let (ws, _) = connect_async(url).await?;
        let mut connection = Connection { ws, namespace };
        let open = connection.next_text().await?;
        if !open.starts_with('0') {
            return Err(format!("expected the Engine.IO open packet, got {open}").into());
        }
        connection.send(format!("40{namespace},")).await?;
        let connected = format!("40{namespace},");
        loop {
            let packet = connection.next_text().await?;
            if packet.starts_with(&connected) {
                return Ok(connection);
            }
            if packet.starts_with("44") {
                return Err(format!("{namespace} refused the connection: {packet}").into());
            }
        }
    }

    /// Emits `echo` with `payload` and ack id `id`, and waits for the ack.
    pub async fn echo(&mut self, id: u64, payload: &str) -> Result<(), BenchError> {
        let namespace = self.namespace;
        self.send(format!("42{namespace},{id}[\"echo\",{payload}]"))
            .await?;
        let ack = format!("43{namespace},{id}[");
        loop {
            let packet = self.next_text().await?;
            if packet.starts_with(&ack) {
                return Ok(());
            }
        }
    }

    /// Answers pings until the server closes the connection or the task is dropped.
    pub async fn idle(mut self) {
        while self.next_text().await.is_ok() {}
    }

    async fn send(&mut self, text: String) -> Result<(), BenchError> {
        self.ws.send(Message::text(text)).await?;
        Ok(())
    }

    /// The next text message, answering Engine.IO pings on the way.
    async fn next_text(&mut self) -> Result<String, BenchError> {
        while let Some(message) = self.ws.next().await {
            if let Message::Text(text) = message? {
                if text.as_str() == "2" {
                    self.send("3".to_owned()).await?;
                    continue;
                }
                return Ok(text.as_str().to_owned());
            }
        }
        Err("the server closed the connection".into())
    }
}
