//! Loading the configuration: defaults, then the file, then the environment,
//! then checks that each value makes sense. Every failure names the key and
//! where it came from (the file and line, or the variable).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::{Table, Value};

use super::{AllowedOrigins, Config, ScaleMode, StoreName};

/// The file read when no `LOLY_CONFIG` names another.
pub const CONFIG_FILE: &str = "loly.toml";

/// Why the configuration could not be loaded. Its message names the key,
/// and the file and line (or the environment variable) it came from.
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
    /// The file is not valid TOML, or has an unknown key or a wrong type.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line and the key.
        message: String,
    },
    /// An environment variable has an unusable value.
    #[error("environment variable {name}: {message}")]
    Env {
        /// The variable.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// A value has the right type but cannot work.
    #[error("{origin}: `{key}` {message}")]
    Value {
        /// The key, dotted: `realtime.limits.events_per_second`.
        key: String,
        /// Where it was set: `loly.toml:12`, `LOLY_...`, or `default`.
        origin: String,
        /// What is wrong with it.
        message: String,
    },
}

/// Short variables kept for convenience, and where they go.
const SHORTCUTS: &[(&str, &str)] = &[
    ("LOLY_HOST", "server.host"),
    ("LOLY_PORT", "server.port"),
    ("LOLY_PATH", "realtime.path"),
    ("LOLY_LOG", "realtime.logging.level"),
    ("LOLY_SCALE_MODE", "realtime.scale.mode"),
    ("LOLY_TRUSTED_PROXIES", "server.trusted_proxies"),
];

/// Keys whose value is a list: a variable for them may be comma-separated.
const LIST_KEYS: &[&str] = &[
    "server.trusted_proxies",
    "realtime.transports",
    "realtime.allowed_origins",
    "realtime.cors.allowed_headers",
];

/// One value taken from the environment.
struct EnvValue {
    variable: String,
    key: Vec<String>,
    raw: String,
}

impl Config {
    /// Loads the configuration: defaults, then the file, then the
    /// environment, then checks the values.
    ///
    /// The file is `$LOLY_CONFIG` if set, else `loly.toml` in the current
    /// directory, else `loly.toml` in `fallback_dir` (the app's crate, so
    /// that `cargo run -p` from a workspace finds it). No file: defaults.
    ///
    /// Every key can be set from the environment as `LOLY_` and its path in
    /// capitals, levels joined by `__`: `LOLY_REALTIME__LIMITS__BURST=100`.
    /// `REDIS_URL` sets the Redis URL when the file does not.
    pub fn load(fallback_dir: Option<&Path>) -> Result<Config, ConfigError> {
        let file = Self::locate(fallback_dir);
        let (mut table, text) = match &file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?;
                // The file alone first, so its errors name its lines.
                Self::from_toml(&text).map_err(|message| ConfigError::Invalid {
                    path: path.clone(),
                    message,
                })?;
                let mut table: Table = toml::from_str(&text).expect("checked just above");
                // One spelling from here on, so that the environment's
                // snake_case keys replace the file's camelCase ones.
                snake_case_keys(&mut table);
                (table, Some(text))
            }
            None => (Table::new(), None),
        };
        let from_file = table.clone();
        let mut env = env_values();
        for value in &env {
            set(
                &mut table,
                &value.key,
                parse_env_value(&value.key.join("."), &value.raw),
            );
        }
        if let Ok(url) = std::env::var("REDIS_URL") {
            for key in [
                "realtime.scale.adapter.url",
                "realtime.scale.state_store.url",
            ] {
                let path: Vec<String> = key.split('.').map(str::to_owned).collect();
                if get(&table, &path).is_none() {
                    set(&mut table, &path, Value::String(url.clone()));
                    env.push(EnvValue {
                        variable: "REDIS_URL".into(),
                        key: path,
                        raw: url.clone(),
                    });
                }
            }
        }
        let mut config = Config::deserialize(Value::Table(table)).map_err(|err| {
            // Name the one variable at fault: the first that fails on its own.
            let culprit = env.iter().find(|value| {
                let mut alone = from_file.clone();
                let parsed = parse_env_value(&value.key.join("."), &value.raw);
                set(&mut alone, &value.key, parsed);
                Config::deserialize(Value::Table(alone)).is_err()
            });
            ConfigError::Env {
                name: culprit.map_or_else(|| "LOLY_*".to_owned(), |v| v.variable.clone()),
                message: err.message().trim_end().to_owned(),
            }
        })?;
        config
            .check()
            .map_err(|(key, message)| ConfigError::Value {
                origin: origin_of(&key, file.as_deref(), text.as_deref(), &env),
                key,
                message,
            })?;
        let scale = &mut config.realtime.scale;
        let url_key = match (&scale.adapter.url, &scale.state_store.url) {
            (Some(_), _) => Some("realtime.scale.adapter.url"),
            (None, Some(_)) => Some("realtime.scale.state_store.url"),
            (None, None) => None,
        };
        scale.url_source = url_key.map(|key| {
            let origin = origin_of(key, file.as_deref(), text.as_deref(), &env);
            format!("`{key}`, from {origin}")
        });
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

    /// Reads one file, on top of the defaults, and checks its values.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let config = Self::from_toml(&text).map_err(|message| ConfigError::Invalid {
            path: path.to_owned(),
            message,
        })?;
        config
            .check()
            .map_err(|(key, message)| ConfigError::Value {
                origin: origin_of(&key, Some(path), Some(&text), &[]),
                key,
                message,
            })?;
        Ok(config)
    }

    /// Parses TOML text, on top of the defaults. The error is one line:
    /// where, what, and the offending line itself (which names the key).
    pub fn from_toml(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|err| {
            let message = err.message().trim_end().to_owned();
            let Some(span) = err.span() else {
                return message;
            };
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            let source = text.lines().nth(line - 1).unwrap_or("").trim();
            format!("line {line}, column {column}: {message} (in `{source}`)")
        })
    }

    /// Checks what types cannot: positive rates, sensible sizes, a Redis URL
    /// in cluster mode. Returns the dotted key and the problem.
    fn check(&self) -> Result<(), (String, String)> {
        let rt = &self.realtime;
        let fail = |key: &str, message: &str| Err((key.to_owned(), message.to_owned()));
        if !(rt.limits.events_per_second.is_finite() && rt.limits.events_per_second > 0.0) {
            return fail(
                "realtime.limits.events_per_second",
                "must be a positive number of events per second",
            );
        }
        if rt.limits.burst == 0 {
            return fail("realtime.limits.burst", "must be at least 1");
        }
        if rt.limits.connections_per_ip == 0 {
            return fail("realtime.limits.connections_per_ip", "must be at least 1");
        }
        if rt.ping_interval_ms == 0 {
            return fail("realtime.ping_interval_ms", "must be positive");
        }
        if rt.ping_timeout_ms == 0 {
            return fail("realtime.ping_timeout_ms", "must be positive");
        }
        if rt.max_payload_bytes == 0 {
            return fail("realtime.max_payload_bytes", "must be positive");
        }
        if !rt.path.starts_with('/') {
            return fail("realtime.path", "must start with `/`");
        }
        if rt.transports.is_empty() {
            return fail(
                "realtime.transports",
                "must list `websocket`, `polling` or both",
            );
        }
        if rt.scale.mode == ScaleMode::Cluster && rt.scale.redis_url().is_none() {
            return fail(
                "realtime.scale.mode",
                "is `cluster`, which needs Redis: set realtime.scale.adapter.url (or REDIS_URL)",
            );
        }
        if rt.scale.mode == ScaleMode::Single && rt.scale.adapter.name.is_some() {
            return fail(
                "realtime.scale.adapter.name",
                "is `redis`, which carries broadcasts between instances: set realtime.scale.mode = \"cluster\"",
            );
        }
        match (rt.scale.mode, rt.scale.store()) {
            (ScaleMode::Cluster, StoreName::Memory) => {
                return fail(
                    "realtime.scale.state_store.name",
                    "is `memory`, but the instances of a cluster must share their state: use `redis`",
                );
            }
            (ScaleMode::Single, StoreName::Redis) if rt.scale.store_url().is_none() => {
                return fail(
                    "realtime.scale.state_store.name",
                    "is `redis`, which needs a URL: set realtime.scale.state_store.url (or REDIS_URL)",
                );
            }
            _ => {}
        }
        if !is_log_filter(&rt.logging.level) {
            return fail(
                "realtime.logging.level",
                "is not a level (`error`, `warn`, `info`, `debug`, `trace`) or a filter like `info,loly=debug`",
            );
        }
        if let Some(header) = rt
            .cors
            .allowed_headers
            .iter()
            .find(|h| http::HeaderName::from_bytes(h.as_bytes()).is_err())
        {
            return Err((
                "realtime.cors.allowed_headers".into(),
                format!("lists `{header}`, which is not a header name"),
            ));
        }
        if let AllowedOrigins::List(origins) = &rt.allowed_origins
            && let Some(origin) = origins.iter().find(|o| !is_origin(o))
        {
            return Err((
                "realtime.allowed_origins".into(),
                format!(
                    "lists `{origin}`, which is not an origin like \"https://example.com\" (or \"*\" for any)"
                ),
            ));
        }
        Ok(())
    }
}

/// Every `LOLY_*` variable that names a key, and the shortcuts.
fn env_values() -> Vec<EnvValue> {
    let mut values: Vec<EnvValue> = std::env::vars()
        .filter_map(|(name, raw)| {
            let path = name.strip_prefix("LOLY_")?;
            if !path.contains("__") {
                return None;
            }
            let key = path.split("__").map(str::to_ascii_lowercase).collect();
            Some(EnvValue {
                variable: name,
                key,
                raw,
            })
        })
        .collect();
    for (name, key) in SHORTCUTS {
        if let Ok(raw) = std::env::var(name) {
            values.push(EnvValue {
                variable: (*name).to_owned(),
                key: key.split('.').map(str::to_owned).collect(),
                raw,
            });
        }
    }
    values.sort_by(|a, b| a.variable.cmp(&b.variable));
    values
}

/// A variable's text as a TOML value: numbers and booleans as such, lists
/// comma-separated (or in TOML), anything else as a string.
fn parse_env_value(key: &str, raw: &str) -> Value {
    let raw = raw.trim();
    if LIST_KEYS.contains(&key) && !raw.starts_with('[') {
        if raw == "*" {
            return Value::String(raw.to_owned());
        }
        return Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(|item| Value::String(item.to_owned()))
                .collect(),
        );
    }
    toml::from_str::<Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut table| table.remove("v"))
        .unwrap_or_else(|| Value::String(raw.to_owned()))
}

fn set(table: &mut Table, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut current = table;
    for part in parents {
        let entry = current
            .entry(part.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        if !entry.is_table() {
            *entry = Value::Table(Table::new());
        }
        current = entry.as_table_mut().expect("made a table just above");
    }
    current.insert(last.clone(), value);
}

fn get<'a>(table: &'a Table, path: &[String]) -> Option<&'a Value> {
    let (last, parents) = path.split_last()?;
    let mut current = table;
    for part in parents {
        current = current.get(part)?.as_table()?;
    }
    current.get(last)
}

/// Where `key` was set: the variable, or the file and line, or the default.
fn origin_of(key: &str, file: Option<&Path>, text: Option<&str>, env: &[EnvValue]) -> String {
    if let Some(value) = env.iter().rev().find(|v| v.key.join(".") == key) {
        return format!("environment variable {}", value.variable);
    }
    if let (Some(file), Some(text)) = (file, text)
        && let Some(line) = line_of(text, key)
    {
        return format!("{}:{line}", file.display());
    }
    "the default configuration".into()
}

/// The line of `key` (dotted) in TOML text: its last part, under its table.
fn line_of(text: &str, key: &str) -> Option<usize> {
    let (table, leaf) = key.rsplit_once('.').unwrap_or(("", key));
    let camel = to_camel(leaf);
    let mut section = String::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_owned();
            continue;
        }
        let Some((name, _)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim();
        let full = if section.is_empty() {
            name.to_owned()
        } else {
            format!("{section}.{name}")
        };
        let (found_table, found_leaf) = full.rsplit_once('.').unwrap_or(("", &full));
        if found_table.replace("stateStore", "state_store") == table
            && (found_leaf == leaf || found_leaf == camel)
        {
            return Some(index + 1);
        }
    }
    None
}

/// Whether `text` is a level, or a filter whose directives each end in one
/// (`info`, `warn,loly=debug`): a bare word like `loud` would silently be
/// read as a target name.
fn is_log_filter(text: &str) -> bool {
    use std::str::FromStr;
    use tracing::level_filters::LevelFilter;
    let level = |s: &str| LevelFilter::from_str(s.trim()).is_ok();
    tracing_subscriber::EnvFilter::try_new(text).is_ok()
        && text
            .split(',')
            .all(|directive| match directive.rsplit_once('=') {
                Some((_, after)) => level(after),
                None => level(directive),
            })
}

/// Whether `text` is what a browser sends as `Origin`: a scheme and a host
/// (and maybe a port), nothing else.
fn is_origin(text: &str) -> bool {
    let Ok(uri) = text.parse::<http::Uri>() else {
        return false;
    };
    uri.scheme().is_some()
        && uri.authority().is_some_and(|a| !a.host().is_empty())
        && uri
            .path_and_query()
            .is_none_or(|p| p.as_str().is_empty() || p.as_str() == "/")
        && !text.ends_with('/')
}

/// Renames every camelCase key of `table`, at any depth, to snake_case.
fn snake_case_keys(table: &mut Table) {
    let renamed: Vec<String> = table
        .keys()
        .filter(|key| key.chars().any(|c| c.is_ascii_uppercase()))
        .cloned()
        .collect();
    for key in renamed {
        if let Some(value) = table.remove(&key) {
            table.insert(to_snake(&key), value);
        }
    }
    for (_, value) in table.iter_mut() {
        if let Value::Table(inner) = value {
            snake_case_keys(inner);
        }
    }
}

fn to_snake(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn to_camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_seed() {
        let c = Config::default();
        assert_eq!(
            (c.server.host.to_string(), c.server.port),
            ("127.0.0.1".into(), 3000)
        );
        let rt = &c.realtime;
        assert!(rt.enabled);
        assert_eq!(rt.path, "/wss");
        assert_eq!(
            rt.transports,
            [
                super::super::Transport::Websocket,
                super::super::Transport::Polling
            ]
        );
        assert!(c.metrics.enabled);
        assert_eq!(c.metrics.address.to_string(), "127.0.0.1:9464");
        assert_eq!((rt.ping_interval_ms, rt.ping_timeout_ms), (25_000, 20_000));
        assert_eq!(rt.max_payload_bytes, 65_536);
        assert_eq!(rt.allowed_origins, super::super::AllowedOrigins::Any);
        assert!(rt.cors.credentials);
        assert_eq!(rt.cors.allowed_headers, ["content-type", "authorization"]);
        assert_eq!(rt.scale.mode, ScaleMode::Single);
        assert_eq!(rt.scale.state_store.prefix, "loly:rt:");
        assert_eq!(
            (
                rt.limits.connections_per_ip,
                rt.limits.events_per_second,
                rt.limits.burst
            ),
            (20, 30.0, 60)
        );
        assert_eq!(
            (rt.logging.level.as_str(), rt.logging.pretty),
            ("info", true)
        );
    }

    #[test]
    fn the_seeds_camel_case_keys_are_accepted() {
        let c = Config::from_toml(
            "[realtime]\npingIntervalMs = 1000\nmaxPayloadBytes = 10\nallowedOrigins = [\"https://a.example\"]\n[realtime.scale.stateStore]\nprefix = \"x:\"\n[realtime.limits]\nconnectionsPerIp = 3\neventsPerSecond = 5\n",
        )
        .unwrap();
        assert_eq!(c.realtime.ping_interval_ms, 1000);
        assert_eq!(c.realtime.max_payload_bytes, 10);
        assert_eq!(c.realtime.scale.state_store.prefix, "x:");
        assert_eq!(c.realtime.limits.connections_per_ip, 3);
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_the_key_and_line() {
        let err = Config::from_toml("[server]\nport = 1\nbogus = 2\n").unwrap_err();
        assert!(err.contains("bogus") && err.contains("line 3"), "{err}");
        let err = Config::from_toml("[realtime]\nping_interval_ms = \"soon\"\n").unwrap_err();
        assert!(
            err.contains("line 2") && err.contains("ping_interval_ms"),
            "{err}"
        );
    }

    #[test]
    fn semantic_errors_name_the_line() {
        let text =
            "[realtime]\npath = \"/wss\"\n\n[realtime.limits]\nburst = 5\nevents_per_second = 0\n";
        let config = Config::from_toml(text).unwrap();
        let (key, _) = config.check().unwrap_err();
        assert_eq!(key, "realtime.limits.events_per_second");
        assert_eq!(line_of(text, &key), Some(6));
    }

    #[test]
    fn keys_turn_to_one_spelling_and_origins_are_checked() {
        let mut table: Table = toml::from_str(
            "[realtime.scale.stateStore]\nprefix = \"x:\"\n[realtime]\npingIntervalMs = 5\n",
        )
        .unwrap();
        snake_case_keys(&mut table);
        assert_eq!(
            table.to_string(),
            "[realtime]\nping_interval_ms = 5\n\n[realtime.scale.state_store]\nprefix = \"x:\"\n"
        );
        for good in ["info", "warn,loly=debug", "loly_core::server=trace"] {
            assert!(is_log_filter(good), "{good}");
        }
        for bad in ["loud", "info,chatty", "loly=loud"] {
            assert!(!is_log_filter(bad), "{bad}");
        }
        for good in ["https://a.example", "http://localhost:3000"] {
            assert!(is_origin(good), "{good}");
        }
        for bad in [
            "a.example",
            "https://a.example/",
            "https://a.example/path",
            "*x",
        ] {
            assert!(!is_origin(bad), "{bad}");
        }
    }

    #[test]
    fn environment_values_are_typed() {
        assert_eq!(
            parse_env_value("realtime.limits.burst", "12"),
            Value::Integer(12)
        );
        assert_eq!(
            parse_env_value("realtime.enabled", "false"),
            Value::Boolean(false)
        );
        assert_eq!(
            parse_env_value("realtime.path", "/rt"),
            Value::String("/rt".into())
        );
        assert_eq!(
            parse_env_value("realtime.transports", "websocket"),
            Value::Array(vec![Value::String("websocket".into())])
        );
    }
}
