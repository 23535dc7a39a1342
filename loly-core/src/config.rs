//! `loly.toml`: the server's settings, with defaults for every key.
//!
//! Precedence, lowest first: defaults < `loly.toml` < environment < code
//! (an [`App`](crate::App) given a [`Config`] uses it as it is).

use std::{
    net::IpAddr,
    path::{Path, PathBuf},
};

use ipnet::IpNet;
use serde::Deserialize;

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the HTTP server listens.
    pub server: ServerConfig,
    /// The realtime (Socket.IO) settings: the seed's `realtime` block.
    pub realtime: RealtimeConfig,
}

/// Where the HTTP server listens.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// The address to bind; default `127.0.0.1`.
    pub host: IpAddr,
    /// The port; default `3000`. `0` picks a free port.
    pub port: u16,
    /// Proxies whose `X-Forwarded-For` header is believed, as addresses or
    /// networks (`"10.0.0.0/8"`); default none: the peer address is the
    /// client's.
    #[serde(deserialize_with = "networks", alias = "trustedProxies")]
    pub trusted_proxies: Vec<IpNet>,
}

fn networks<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<IpNet>, D::Error> {
    let texts = Vec::<String>::deserialize(deserializer)?;
    texts
        .iter()
        .map(|text| parse_network(text).map_err(serde::de::Error::custom))
        .collect()
}

/// Parses `"10.0.0.0/8"` or a single address (`"127.0.0.1"`).
pub(crate) fn parse_network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{text}` is not an IP address or network (like \"10.0.0.0/8\")"))
}

/// The seed's `realtime` block.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RealtimeConfig {
    /// The HTTP path Socket.IO answers on; default `/wss`.
    pub path: String,
    /// One instance, or a cluster on Redis.
    pub scale: ScaleConfig,
    /// Connection and event limits.
    pub limits: LimitsConfig,
    /// Logging.
    pub logging: LoggingConfig,
}

/// The seed's `scale`: one instance, or many on Redis.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ScaleConfig {
    /// `single` (the default) or `cluster`.
    pub mode: ScaleMode,
    /// The socket.io adapter: what carries broadcasts between instances.
    pub adapter: AdapterConfig,
    /// The shared state store.
    #[serde(alias = "stateStore")]
    pub state_store: StateStoreConfig,
}

/// How many instances serve the app.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ScaleMode {
    /// One instance, everything in memory.
    #[default]
    Single,
    /// Many instances sharing Redis.
    Cluster,
}

/// The seed's `scale.adapter`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AdapterConfig {
    /// `redis` in cluster mode.
    pub name: Option<String>,
    /// The Redis URL; `REDIS_URL` when absent.
    pub url: Option<String>,
}

/// The seed's `scale.stateStore`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StateStoreConfig {
    /// `memory` (single) or `redis` (cluster).
    pub name: Option<String>,
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
#[derive(Debug, Clone, Deserialize, PartialEq)]
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
#[derive(Debug, Clone, Deserialize, PartialEq)]
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
            path: "/wss".into(),
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

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid, or has an unknown key or a wrong type.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line and the key.
        message: String,
    },
    /// An environment variable has a value of the wrong kind.
    #[error("environment variable {name}: {message}")]
    Env {
        /// The variable.
        name: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// The file read when no `LOLY_CONFIG` names another.
pub const CONFIG_FILE: &str = "loly.toml";

impl Config {
    /// Loads the configuration: defaults, then the file, then the environment.
    ///
    /// The file is `$LOLY_CONFIG` if set, else `loly.toml` in the current
    /// directory, else `loly.toml` in `fallback_dir` (the app's crate, so
    /// that `cargo run -p` from a workspace finds it). No file: defaults.
    pub fn load(fallback_dir: Option<&Path>) -> Result<Config, ConfigError> {
        let mut config = match Self::locate(fallback_dir) {
            Some(path) => Self::from_file(&path)?,
            None => Config::default(),
        };
        config.apply_env()?;
        Ok(config)
    }

    fn locate(fallback_dir: Option<&Path>) -> Option<PathBuf> {
        if let Some(path) = std::env::var_os("LOLY_CONFIG") {
            return Some(PathBuf::from(path));
        }
        let local = PathBuf::from(CONFIG_FILE);
        if local.is_file() {
            return Some(local);
        }
        fallback_dir
            .map(|dir| dir.join(CONFIG_FILE))
            .filter(|path| path.is_file())
    }

    /// Reads one file, on top of the defaults.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml(&text).map_err(|message| ConfigError::Invalid {
            path: path.to_owned(),
            message,
        })
    }

    /// Parses TOML text, on top of the defaults.
    pub fn from_toml(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|err| err.to_string().trim_end().to_owned())
    }

    fn apply_env(&mut self) -> Result<(), ConfigError> {
        if let Some(host) = env_value("LOLY_HOST")? {
            self.server.host = host;
        }
        if let Some(port) = env_value("LOLY_PORT")? {
            self.server.port = port;
        }
        if let Some(path) = env_value::<String>("LOLY_PATH")? {
            self.realtime.path = path;
        }
        if let Some(list) = env_value::<String>("LOLY_TRUSTED_PROXIES")? {
            self.server.trusted_proxies = list
                .split(',')
                .filter(|item| !item.trim().is_empty())
                .map(parse_network)
                .collect::<Result<_, _>>()
                .map_err(|message| ConfigError::Env {
                    name: "LOLY_TRUSTED_PROXIES",
                    message,
                })?;
        }
        if let Some(mode) = env_value::<String>("LOLY_SCALE_MODE")? {
            self.realtime.scale.mode = match mode.as_str() {
                "single" => ScaleMode::Single,
                "cluster" => ScaleMode::Cluster,
                other => {
                    return Err(ConfigError::Env {
                        name: "LOLY_SCALE_MODE",
                        message: format!("`{other}` is neither `single` nor `cluster`"),
                    });
                }
            };
        }
        if let Some(url) = env_value::<String>("REDIS_URL")? {
            let scale = &mut self.realtime.scale;
            scale.adapter.url.get_or_insert_with(|| url.clone());
            scale.state_store.url.get_or_insert(url);
        }
        if let Some(level) = env_value::<String>("LOLY_LOG")? {
            self.realtime.logging.level = level;
        }
        Ok(())
    }
}

fn env_value<T: std::str::FromStr>(name: &'static str) -> Result<Option<T>, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match std::env::var(name) {
        Ok(text) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|err| ConfigError::Env {
                name,
                message: format!("{err}"),
            }),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(ConfigError::Env {
            name,
            message: "not valid UTF-8".into(),
        }),
    }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_seed() {
        let config = Config::default();
        assert_eq!(config.server.port, 3000);
        assert_eq!(config.realtime.path, "/wss");
    }

    #[test]
    fn unknown_keys_name_the_key_and_line() {
        let err = Config::from_toml("[server]\nport = 1\nbogus = 2\n").unwrap_err();
        assert!(err.contains("bogus"), "{err}");
        assert!(err.contains("line 3"), "{err}");
    }
}
