//! Serving the routes: axum + socketioxide.

use std::{net::SocketAddr, path::PathBuf, process::ExitCode, sync::Arc};

use axum::Router;
use socketioxide::SocketIo;
use tokio::net::TcpListener;

use crate::{
    Config, ConfigError, MemoryBackend, MemoryPresence, Realtime, Routes, State,
    presence::PresenceTracker, realtime::Shared, runtime::Settings,
};

/// Packets that may wait to be written to one client. socketioxide's
/// default (128) refuses emits when a burst of acks and replies outruns the
/// socket; the queue grows in blocks, so a larger bound costs nothing until used.
const OUTGOING_BUFFER: usize = 4096;

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
    pub fn run(self) -> ExitCode {
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

    /// Serves until ctrl-c or SIGTERM.
    pub async fn serve(self) -> Result<(), ServeError> {
        let config = match self.config {
            Some(config) => config,
            None => Config::load(self.crate_dir.as_deref())?,
        };
        crate::logging::init(&config.realtime.logging);
        let (layer, io) = SocketIo::builder()
            .req_path(config.realtime.path.clone())
            .max_buffer_size(OUTGOING_BUFFER)
            .build_layer();
        let shared = Arc::new(Shared {
            io,
            settings: Settings::from_config(&config),
            state: State::new(
                Arc::new(MemoryBackend::new()),
                config.realtime.scale.state_store.prefix.as_str(),
            ),
            presence: PresenceTracker::new(Box::new(MemoryPresence::default())),
        });
        for route in self.routes.into_vec() {
            route.mount(&shared)?;
        }
        self.realtime.start(shared);
        let app = self.router.layer(layer);
        let addr = SocketAddr::new(config.server.host, config.server.port);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        let local = listener.local_addr()?;
        tracing::info!(address = %local, path = %config.realtime.path, "listening");
        println!("loly: listening on http://{local}{}", config.realtime.path);
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await?;
        Ok(())
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
