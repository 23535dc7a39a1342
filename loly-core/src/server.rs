//! Serving the routes: axum + socketioxide.

use std::{net::SocketAddr, path::PathBuf, process::ExitCode, sync::Arc, time::Duration};

use axum::Router;
use socketioxide::SocketIo;
use tokio::net::TcpListener;

use socketioxide_redis::RedisAdapterConfig;
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use socketioxide::TransportType;

use crate::{
    Adapter, Config, ConfigError, MemoryBackend, MemoryPresence, PresenceBackend, Realtime, Routes,
    ScaleMode, State, StateBackend, StoreName, Transport,
    cluster::{self, AdapterState, ClusterDriver, ClusterRegistry, HEARTBEAT},
    hangup::{HangupListener, Peer},
    presence::PresenceTracker,
    realtime::Shared,
    request_id::instance_id,
    runtime::{IpLimiter, Settings},
};

/// Packets that may wait to be written to one client. socketioxide's
/// default (128) refuses emits when a burst of acks and replies outruns the
/// socket; the queue grows in blocks, so a larger bound costs nothing until used.
const OUTGOING_BUFFER: usize = 4096;

/// The websocket read buffer of each connection, resident for its whole
/// life. socketioxide's default is 4 KiB; realtime messages are mostly far
/// smaller, and a larger one is still read whole (in reads of this size).
const WS_READ_BUFFER: usize = 1024;

/// Why the server stopped or could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// A namespace cannot be registered.
    #[error("namespace {namespace} ({file}) cannot be served: {reason}")]
    Namespace {
        /// The namespace pattern.
        namespace: String,
        /// Its file.
        file: String,
        /// Why.
        reason: String,
    },
    /// Cluster mode cannot use Redis.
    #[error("{0}")]
    Redis(String),
    /// The server failed while running.
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// A Loly realtime server: the routes, the configuration and any extra
/// HTTP routes.
pub struct App {
    routes: Routes,
    config: Option<Config>,
    router: Router,
    crate_dir: Option<PathBuf>,
    realtime: Realtime,
}

impl App {
    /// A server for `routes` (from `routes::all()`).
    pub fn new(routes: Routes) -> Self {
        App {
            crate_dir: routes.crate_dir().map(PathBuf::from),
            routes,
            config: None,
            router: Router::new(),
            realtime: Realtime::default(),
        }
    }

    /// A handle for code outside handlers (HTTP routes, background tasks):
    /// emit to namespaces, rooms and users, use the state store. It works
    /// once the server is serving.
    pub fn realtime(&self) -> Realtime {
        self.realtime.clone()
    }

    /// Uses `config` as it is, instead of loading `loly.toml` and the environment.
    pub fn with_config(mut self, config: Config) -> Self {
        self.config = Some(config);
        self
    }

    /// Serves `router`'s HTTP routes beside the realtime endpoint.
    pub fn merge(mut self, router: Router) -> Self {
        self.router = self.router.merge(router);
        self
    }

    /// Loads the configuration, starts logging, serves until ctrl-c or
    /// SIGTERM, and turns any failure into one clear message and exit code 1.
    ///
    /// Run with `--print-config`, it prints the configuration in effect (the
    /// defaults, the file and the environment) as TOML, and exits.
    pub fn run(self) -> ExitCode {
        if std::env::args().nth(1).as_deref() == Some("--print-config") {
            return self.print_config();
        }
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(err) => {
                eprintln!("error: cannot start the async runtime: {err}");
                return ExitCode::FAILURE;
            }
        };
        match runtime.block_on(self.serve()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: {err}");
                ExitCode::FAILURE
            }
        }
    }

    fn print_config(self) -> ExitCode {
        let loaded = match self.config {
            Some(config) => Ok(config),
            None => Config::load(self.crate_dir.as_deref()),
        };
        match loaded.map(|config| toml::to_string(&config)) {
            Ok(Ok(text)) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Ok(Err(err)) => {
                eprintln!("error: cannot print the configuration: {err}");
                ExitCode::FAILURE
            }
            Err(err) => {
                eprintln!("error: {err}");
                ExitCode::FAILURE
            }
        }
    }

    /// Serves until ctrl-c or SIGTERM, then shuts down gracefully: stops
    /// accepting, disconnects every socket (running the disconnect hooks),
    /// clears this instance's presence, and returns.
    pub async fn serve(self) -> Result<(), ServeError> {
        let config = match self.config {
            Some(config) => config,
            None => Config::load(self.crate_dir.as_deref())?,
        };
        crate::logging::init(&config.realtime.logging);
        let parts = Parts::open(&config).await?;
        let adapter = AdapterState::new(
            parts.driver.clone(),
            RedisAdapterConfig::new().with_prefix(format!("{}socket.io", parts.prefix)),
            parts.registry.is_some(),
        );
        let subscriptions = adapter.subscriptions();
        let rt = &config.realtime;
        let builder = SocketIo::builder()
            .req_path(rt.path.clone())
            .ping_interval(Duration::from_millis(rt.ping_interval_ms))
            .ping_timeout(Duration::from_millis(rt.ping_timeout_ms))
            // One bound for both transports: socketioxide's max_payload
            // covers only long-polling, websocket messages need their own.
            .max_payload(rt.max_payload_bytes)
            .ws_max_message_size(usize::try_from(rt.max_payload_bytes).unwrap_or(usize::MAX))
            .ws_max_frame_size(usize::try_from(rt.max_payload_bytes).unwrap_or(usize::MAX))
            .ws_read_buffer_size(WS_READ_BUFFER)
            .max_buffer_size(OUTGOING_BUFFER);
        let builder = match (
            rt.transports.contains(&Transport::Websocket),
            rt.transports.contains(&Transport::Polling),
        ) {
            (true, false) => builder.transports([TransportType::Websocket]),
            (false, true) => builder.transports([TransportType::Polling]),
            _ => builder,
        };
        let (layer, io) = builder.with_adapter::<Adapter>(adapter).build_layer();
        let limit = config.realtime.limits.connections_per_ip;
        let shared = Arc::new(Shared {
            io: io.clone(),
            settings: Settings::from_config(&config),
            state: State::new(parts.state, parts.prefix.as_str()),
            presence: PresenceTracker::new(parts.presence),
            subscriptions,
            ip_limiter: match &parts.registry {
                Some(registry) => IpLimiter::Cluster {
                    limit,
                    registry: registry.clone(),
                },
                None => IpLimiter::local(limit),
            },
            hooks: TaskTracker::new(),
            routes: Default::default(),
        });
        let stale = Arc::downgrade(&shared);
        shared.subscriptions.on_replaced(move |path, generation| {
            if let Some(shared) = stale.upgrade() {
                shared.hang_up_stale(path, generation);
            }
        });
        if config.metrics.enabled {
            crate::metrics::install();
        }
        let mut subscribing = Vec::new();
        for route in self.routes.into_vec() {
            subscribing.extend(route.mount(&shared)?);
        }
        for init in subscribing {
            init.await.map_err(|e| ServeError::Redis(e.to_string()))?;
        }
        if let Some(registry) = parts.registry.clone() {
            tokio::spawn(heartbeat(registry));
            tokio::spawn(resubscribe(parts.driver.clone()));
        }
        if config.metrics.enabled {
            let address = config.metrics.address;
            match crate::metrics::serve(address).await {
                Ok(Some(local)) => println!("loly: metrics on http://{local}/metrics"),
                Ok(None) => {}
                Err(source) => {
                    return Err(ServeError::Bind {
                        addr: address,
                        source,
                    });
                }
            }
        }
        self.realtime.start(shared.clone());

        let router = self
            .router
            .merge(crate::http::health(parts.registry.clone()));
        let app = if rt.enabled {
            let allowed = Arc::new(rt.allowed_origins.clone());
            let path: Arc<str> = rt.path.as_str().into();
            router
                .layer(layer)
                .layer(axum::middleware::from_fn(move |request, next| {
                    crate::http::check_origin(allowed.clone(), path.clone(), request, next)
                }))
                .layer(crate::http::cors(rt))
        } else {
            router
        };
        let addr = SocketAddr::new(config.server.host, config.server.port);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        let local = listener.local_addr()?;
        let listener = HangupListener(listener);
        let app = app.layer(axum::middleware::from_fn(crate::hangup::with_socket_addr));
        tracing::info!(address = %local, path = %config.realtime.path, mode = ?config.realtime.scale.mode, "listening");
        println!("loly: listening on http://{local}{}", config.realtime.path);
        let stopping = CancellationToken::new();
        let serving = axum::serve(listener, app.into_make_service_with_connect_info::<Peer>())
            .with_graceful_shutdown(stopping.clone().cancelled_owned());
        let shutdown = async {
            shutdown_signal().await;
            // Stop accepting first: clients that lose their socket below
            // reconnect to the other instances, not to this one.
            stopping.cancel();
            tracing::info!("shutting down: no new connections");
            // socketioxide's close does not run disconnect handlers: run
            // them first, then close the transports.
            shared.leave_all().await;
            io.close().await;
            shared.hooks.close();
            let _ = tokio::time::timeout(HOOKS_GRACE, shared.hooks.wait()).await;
            tracing::info!("shutting down: disconnect hooks done");
            if let Some(registry) = &parts.registry {
                match registry.clear().await {
                    Ok(()) => tracing::info!("shutting down: this instance's presence cleared"),
                    Err(error) => {
                        tracing::warn!(%error, "presence not cleared; it expires on its own")
                    }
                }
            }
        };
        let (served, ()) = tokio::join!(serving.into_future(), shutdown);
        served?;
        Ok(())
    }
}

/// How long shutdown waits for disconnect hooks.
const HOOKS_GRACE: Duration = Duration::from_secs(10);

/// What differs between one instance and a cluster.
struct Parts {
    driver: ClusterDriver,
    state: Arc<dyn StateBackend>,
    presence: Box<dyn PresenceBackend>,
    registry: Option<ClusterRegistry>,
    prefix: String,
}

impl Parts {
    async fn open(config: &Config) -> Result<Parts, ServeError> {
        let scale = &config.realtime.scale;
        let prefix = scale.state_store.prefix.clone();
        let unreachable = |url: &str, error: String| {
            let source = scale.url_source.as_deref().unwrap_or("the configuration");
            ServeError::Redis(format!(
                "cannot use Redis at {} (set by {source}): {error}",
                without_password(url)
            ))
        };
        if scale.mode == ScaleMode::Single {
            let state: Arc<dyn StateBackend> = match (scale.store(), scale.store_url()) {
                (StoreName::Redis, Some(url)) => Arc::new(
                    cluster::connect(url, &prefix, &instance_id())
                        .await
                        .map_err(|e| unreachable(url, e))?
                        .state,
                ),
                _ => Arc::new(MemoryBackend::new()),
            };
            return Ok(Parts {
                driver: ClusterDriver::local(),
                state,
                presence: Box::new(MemoryPresence::default()),
                registry: None,
                prefix,
            });
        }
        let url = scale.redis_url().ok_or_else(|| {
            ServeError::Redis(
                "cluster mode needs Redis: set realtime.scale.adapter.url (or state_store.url, or REDIS_URL)".into(),
            )
        })?;
        let cluster = cluster::connect(url, &prefix, &instance_id())
            .await
            .map_err(|e| unreachable(url, e))?;
        Ok(Parts {
            driver: cluster.driver,
            state: Arc::new(cluster.state),
            presence: Box::new(cluster.registry.clone()),
            registry: Some(cluster.registry),
            prefix,
        })
    }
}

/// `url` with its password, if any, replaced by `***`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None if !userinfo.is_empty() => format!("{scheme}://***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// Subscribes, soon after Redis returns, the cluster channels of namespaces
/// opened while it was down.
async fn resubscribe(driver: ClusterDriver) {
    let mut ticks = tokio::time::interval(RESUBSCRIBE_EVERY);
    loop {
        ticks.tick().await;
        driver.retry_pending().await;
    }
}

/// How often channels whose subscription failed are tried again.
const RESUBSCRIBE_EVERY: Duration = Duration::from_millis(500);

/// Keeps this instance's presence alive, and Redis' connection checked.
async fn heartbeat(registry: ClusterRegistry) {
    let mut ticks = tokio::time::interval(HEARTBEAT);
    let mut healthy = true;
    loop {
        ticks.tick().await;
        let beat = registry.heartbeat().await;
        crate::metrics::redis_up(beat.is_ok());
        match beat {
            Ok(()) if !healthy => {
                healthy = true;
                tracing::info!("Redis is reachable again");
            }
            Ok(()) => {}
            Err(error) if healthy => {
                healthy = false;
                tracing::error!(%error, "Redis is unreachable; serving local clients only");
            }
            Err(_) => {}
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

#[cfg(test)]
mod tests {
    use super::without_password;

    #[test]
    fn redis_passwords_never_reach_the_log() {
        assert_eq!(
            without_password("redis://:s3cret@cache:6379/0"),
            "redis://:***@cache:6379/0"
        );
        assert_eq!(
            without_password("rediss://app:s3cret@cache"),
            "rediss://app:***@cache"
        );
        assert_eq!(without_password("redis://token@cache"), "redis://***@cache");
        assert_eq!(
            without_password("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
    }
}
