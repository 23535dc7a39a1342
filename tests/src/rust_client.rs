//! A Rust Socket.IO client (rust_socketio) for the same scenarios.

use std::time::Duration;

use futures_util::FutureExt;
use rust_socketio::{
    Event, Payload,
    asynchronous::{Client, ClientBuilder},
};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use crate::Server;

/// How long a test waits for any one message.
pub const WAIT: Duration = Duration::from_secs(5);

/// A connected Rust client that records every event it receives.
pub struct RustClient {
    client: Client,
    events: mpsc::UnboundedReceiver<(String, Value)>,
}

/// The first argument of a payload, as JSON.
fn first_value(payload: Payload) -> Value {
    match payload {
        Payload::Text(mut values) if !values.is_empty() => values.swap_remove(0),
        Payload::Text(_) => Value::Null,
        #[allow(deprecated)]
        Payload::String(text) => serde_json::from_str(&text).unwrap_or(Value::String(text)),
        Payload::Binary(bytes) => Value::from(bytes.to_vec()),
    }
}

impl RustClient {
    /// Connects to `namespace`. Fails with the server's connect error, if any.
    pub async fn connect(server: &Server, namespace: &str) -> Result<RustClient, String> {
        Self::connect_with(server, namespace, None).await
    }

    /// Connects with an `auth` payload.
    pub async fn connect_with(
        server: &Server,
        namespace: &str,
        auth: Option<Value>,
    ) -> Result<RustClient, String> {
        let (tx, events) = mpsc::unbounded_channel();
        let (connected_tx, connected_rx) = oneshot::channel::<Result<(), String>>();
        let connected_tx = std::sync::Arc::new(std::sync::Mutex::new(Some(connected_tx)));
        let on_connect = connected_tx.clone();
        let on_error = connected_tx.clone();
        let mut builder = ClientBuilder::new(format!("{}{}/", server.base_url, server.path))
            .namespace(namespace)
            .reconnect(false)
            .on(Event::Connect, move |_, _| {
                let signal = on_connect.clone();
                async move {
                    if let Some(tx) = signal.lock().unwrap_or_else(|e| e.into_inner()).take() {
                        let _ = tx.send(Ok(()));
                    }
                }
                .boxed()
            })
            .on(Event::Error, move |payload, _| {
                let signal = on_error.clone();
                async move {
                    if let Some(tx) = signal.lock().unwrap_or_else(|e| e.into_inner()).take() {
                        let _ = tx.send(Err(first_value(payload).to_string()));
                    }
                }
                .boxed()
            })
            .on_any(move |event, payload, _| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send((String::from(event), first_value(payload)));
                }
                .boxed()
            });
        if let Some(auth) = auth {
            builder = builder.auth(auth);
        }
        let client = builder.connect().await.map_err(|e| e.to_string())?;
        match tokio::time::timeout(WAIT, connected_rx).await {
            Ok(Ok(Ok(()))) => Ok(RustClient { client, events }),
            Ok(Ok(Err(error))) => {
                let _ = client.disconnect().await;
                Err(error)
            }
            _ => {
                let _ = client.disconnect().await;
                Err("no connect or error within the wait".into())
            }
        }
    }

    /// Emits without an ack.
    pub async fn emit(&self, event: &str, data: Value) {
        self.client.emit(event, data).await.expect("emit");
    }

    /// Emits and waits for the ack's first argument.
    pub async fn ack(&self, event: &str, data: Value) -> Value {
        let (tx, rx) = oneshot::channel();
        let tx = std::sync::Arc::new(std::sync::Mutex::new(Some(tx)));
        self.client
            .emit_with_ack(event, data, WAIT, move |payload, _| {
                let tx = tx.clone();
                async move {
                    if let Some(tx) = tx.lock().unwrap_or_else(|e| e.into_inner()).take() {
                        // rust_socketio hands an ack's arguments over as one array.
                        let value = match first_value(payload) {
                            Value::Array(mut args) if args.len() == 1 => args.swap_remove(0),
                            other => other,
                        };
                        let _ = tx.send(value);
                    }
                }
                .boxed()
            })
            .await
            .expect("emit with ack");
        tokio::time::timeout(WAIT, rx)
            .await
            .expect("ack within the wait")
            .expect("ack sent")
    }

    /// The next event named `event`, skipping others.
    pub async fn next(&mut self, event: &str) -> Value {
        let wait = async {
            loop {
                match self.events.recv().await {
                    Some((name, payload)) if name == event => return payload,
                    Some(_) => continue,
                    None => panic!("client closed while waiting for {event}"),
                }
            }
        };
        tokio::time::timeout(WAIT, wait)
            .await
            .unwrap_or_else(|_| panic!("no {event} within {WAIT:?}"))
    }

    /// Disconnects.
    pub async fn close(self) {
        let _ = self.client.disconnect().await;
    }
}
