//! `loly.toml`: the server's settings, with defaults for every key.
//!
//! Precedence, lowest first: defaults < `loly.toml` < environment < code
//! (an [`App`](crate::App) given a [`Config`] uses it as it is). Every key
//! also accepts the seed's camelCase name (`pingIntervalMs`), so a
//! `loly.config.ts` block ports by renaming the file.

mod load;

pub use load::{CONFIG_FILE, ConfigError};

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the HTTP server listens.
    pub server: ServerConfig,
    /// The realtime (Socket.IO) settings: the seed's `realtime` block.
    pub realtime: RealtimeConfig,
    /// The Prometheus endpoint.
    pub metrics: MetricsConfig,
}

/// Where Prometheus scrapes `/metrics`: a separate address, so that the
/// numbers are not exposed beside the public endpoint.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Serve `/metrics` at all; default true.
    pub enabled: bool,
    /// The address; default `127.0.0.1:9464`.
    pub address: SocketAddr,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            enabled: true,
            address: SocketAddr::from(([127, 0, 0, 1], 9464)),
        }
    }
}

/// A transport clients may use.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// WebSocket.
    Websocket,
    /// HTTP long-polling.
    Polling,
}

/// Which browser origins may connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedOrigins {
    /// `"*"`: every origin (the development default).
    Any,
    /// Only these origins, like `https://example.com`.
    List(Vec<String>),
}

impl<'de> Deserialize<'de> for AllowedOrigins {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            One(String),
            Many(Vec<String>),
        }
        match Raw::deserialize(deserializer)? {
            Raw::One(any) if any == "*" => Ok(AllowedOrigins::Any),
            Raw::One(origin) => Ok(AllowedOrigins::List(vec![origin])),
            Raw::Many(list) if list.iter().any(|o| o == "*") => Ok(AllowedOrigins::Any),
            Raw::Many(list) => Ok(AllowedOrigins::List(list)),
        }
    }
}

impl Serialize for AllowedOrigins {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            AllowedOrigins::Any => serializer.serialize_str("*"),
            AllowedOrigins::List(list) => list.serialize(serializer),
        }
    }
}

impl AllowedOrigins {
    /// Whether a request from `origin` may connect.
    pub fn allows(&self, origin: &str) -> bool {
        match self {
            AllowedOrigins::Any => true,
            AllowedOrigins::List(list) => list.iter().any(|o| o.eq_ignore_ascii_case(origin)),
        }
    }
}

/// The seed's `cors` block.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CorsConfig {
    /// Allow credentials (cookies) on cross-origin requests; default true.
    pub credentials: bool,
    /// Request headers a browser may send; default `content-type`, `authorization`.
    #[serde(alias = "allowedHeaders")]
    pub allowed_headers: Vec<String>,
}

impl Default for CorsConfig {
    fn default() -> Self {
        CorsConfig {
            credentials: true,
            allowed_headers: vec!["content-type".into(), "authorization".into()],
        }
    }
}

/// Where the HTTP server listens.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// The address to bind; default `127.0.0.1`.
    pub host: IpAddr,
    /// The port; default `3000`. `0` picks a free port.
    pub port: u16,
    /// Proxies whose `X-Forwarded-For` header is believed, as addresses or
    /// networks (`"10.0.0.0/8"`); default none: the peer address is the
    /// client's.
    #[serde(
        deserialize_with = "networks",
        serialize_with = "network_texts",
        alias = "trustedProxies"
    )]
    pub trusted_proxies: Vec<IpNet>,
}

fn networks<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<IpNet>, D::Error> {
    let texts = Vec::<String>::deserialize(deserializer)?;
    texts
        .iter()
        .map(|text| parse_network(text).map_err(serde::de::Error::custom))
        .collect()
}

fn network_texts<S: serde::Serializer>(
    networks: &[IpNet],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(networks.iter().map(ToString::to_string))
}

/// Parses `"10.0.0.0/8"` or a single address (`"127.0.0.1"`).
pub(crate) fn parse_network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{text}` is not an IP address or network (like \"10.0.0.0/8\")"))
}

/// The seed's `realtime` block.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RealtimeConfig {
    /// Serve Socket.IO at all; default true.
    pub enabled: bool,
    /// The HTTP path Socket.IO answers on; default `/wss`.
    pub path: String,
    /// The transports clients may use; default both.
    pub transports: Vec<Transport>,
    /// How often the server pings; default 25000 ms.
    #[serde(alias = "pingIntervalMs")]
    pub ping_interval_ms: u64,
    /// How long a pong may take; default 20000 ms.
    #[serde(alias = "pingTimeoutMs")]
    pub ping_timeout_ms: u64,
    /// The largest message a client may send, on either transport; default 64 KiB.
    #[serde(alias = "maxPayloadBytes")]
    pub max_payload_bytes: u64,
    /// Browser origins allowed to connect; default `"*"` (set your domains in production).
    #[serde(alias = "allowedOrigins")]
    pub allowed_origins: AllowedOrigins,
    /// CORS for allowed origins.
    pub cors: CorsConfig,
    /// One instance, or a cluster on Redis.
    pub scale: ScaleConfig,
    /// Connection and event limits.
    pub limits: LimitsConfig,
    /// Logging.
    pub logging: LoggingConfig,
}

/// The seed's `scale`: one instance, or many on Redis.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ScaleConfig {
    /// `single` (the default) or `cluster`.
    pub mode: ScaleMode,
    /// The socket.io adapter: what carries broadcasts between instances.
    pub adapter: AdapterConfig,
    /// The shared state store.
    #[serde(alias = "stateStore")]
    pub state_store: StateStoreConfig,
    /// Which key set the Redis URL, and where: for error messages.
    #[serde(skip)]
    pub(crate) url_source: Option<String>,
}

/// How many instances serve the app.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ScaleMode {
    /// One instance, everything in memory.
    #[default]
    Single,
    /// Many instances sharing Redis.
    Cluster,
}

/// The seed's `scale.adapter`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AdapterConfig {
    /// `redis`, the only adapter across instances (and the default in
    /// cluster mode).
    pub name: Option<AdapterName>,
    /// The Redis URL; `REDIS_URL` when absent.
    pub url: Option<String>,
}

/// The seed's `scale.stateStore`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StateStoreConfig {
    /// `memory` or `redis`. The default is `memory` on one instance and
    /// `redis` in a cluster, whose instances must share their state; one
    /// instance may keep its state in Redis too, to survive its restarts.
    pub name: Option<StoreName>,
    /// The Redis URL; `REDIS_URL` when absent.
    pub url: Option<String>,
    /// Put before every key, exactly once; default `loly:rt:`.
    pub prefix: String,
}

impl Default for StateStoreConfig {
    fn default() -> Self {
        StateStoreConfig {
            name: None,
            url: None,
            prefix: "loly:rt:".into(),
        }
    }
}

/// The seed's `limits`: per-IP connections and the per-socket event rate.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Connections one IP may hold at once; default 20.
    #[serde(alias = "connectionsPerIp")]
    pub connections_per_ip: u32,
    /// Events a socket may send each second, on average; default 30.
    #[serde(alias = "eventsPerSecond")]
    pub events_per_second: f64,
    /// Events a socket may send at once; default 60.
    pub burst: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            connections_per_ip: 20,
            events_per_second: 30.0,
            burst: 60,
        }
    }
}

/// Log level and format.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LoggingConfig {
    /// `debug`, `info`, `warn` or `error` (or any `tracing` filter); default `info`.
    pub level: String,
    /// Human-readable lines when true, JSON lines when false; default true.
    pub pretty: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 3000,
            trusted_proxies: Vec::new(),
        }
    }
}

impl Default for RealtimeConfig {
    fn default() -> Self {
        RealtimeConfig {
            enabled: true,
            path: "/wss".into(),
            transports: vec![Transport::Websocket, Transport::Polling],
            ping_interval_ms: 25_000,
            ping_timeout_ms: 20_000,
            max_payload_bytes: 64 * 1024,
            allowed_origins: AllowedOrigins::Any,
            cors: CorsConfig::default(),
            scale: ScaleConfig::default(),
            limits: LimitsConfig::default(),
            logging: LoggingConfig::default(),
        }
    }
}

impl Default for LoggingConfig {
    fn default() -> Self {
        LoggingConfig {
            level: "info".into(),
            pretty: true,
        }
    }
}

/// The seed's `scale.adapter.name`.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AdapterName {
    /// socketioxide-redis, over Redis pub/sub.
    Redis,
}

/// The seed's `scale.stateStore.name`.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StoreName {
    /// In this process.
    Memory,
    /// In Redis.
    Redis,
}

impl ScaleConfig {
    /// The Redis URL cluster mode uses: the adapter's, else the state
    /// store's (either may come from `REDIS_URL`).
    pub fn redis_url(&self) -> Option<&str> {
        self.adapter
            .url
            .as_deref()
            .or(self.state_store.url.as_deref())
    }

    /// Where the state is kept: the configured store, else Redis in a
    /// cluster and memory on one instance.
    pub fn store(&self) -> StoreName {
        self.state_store.name.unwrap_or(match self.mode {
            ScaleMode::Single => StoreName::Memory,
            ScaleMode::Cluster => StoreName::Redis,
        })
    }

    /// The Redis URL of a Redis state store: its own, else the adapter's.
    pub fn store_url(&self) -> Option<&str> {
        self.state_store
            .url
            .as_deref()
            .or(self.adapter.url.as_deref())
    }
}
