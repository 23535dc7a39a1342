//! Prometheus metrics, served on their own address (`metrics.address`).
//!
//! | metric | labels |
//! |---|---|
//! | `loly_connections` (gauge) | `namespace` |
//! | `loly_events_total` | `namespace`, `event`, `outcome` (`ok` or the error code) |
//! | `loly_errors_total` | `code` |
//! | `loly_rate_limited_total` | `namespace`, `scope` (`socket`, `event`) |
//! | `loly_handler_seconds` (histogram) | `namespace`, `event` |
//! | `loly_redis_up` (gauge) | (1 when Redis answers; cluster mode) |
//! | `loly_cluster_heartbeats_total` | `result` (`ok`, `failed`) |
//!
//! Labels come from the routes (namespace patterns, declared event names)
//! and the framework's codes, never from what a client sends, so their
//! number stays bounded.

use std::{net::SocketAddr, sync::OnceLock, time::Duration};

use axum::{Router, routing::get};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Handler latency buckets, in seconds: 100 µs to 10 s.
const LATENCY_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// Installs the recorder once per process; `None` when another recorder is installed.
fn handle() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(
                    metrics_exporter_prometheus::Matcher::Full("loly_handler_seconds".into()),
                    LATENCY_BUCKETS,
                )
                .ok()?
                .install_recorder()
                .ok()
        })
        .clone()
}

/// Installs the Prometheus recorder: before the routes are mounted, so that
/// the handles they register record.
pub(crate) fn install() {
    let _ = handle();
}

/// One event's hot-path metrics, registered once at mount so that counting
/// an event costs no lookup and no allocation.
pub(crate) struct EventMeters {
    ok: metrics::Counter,
    latency: metrics::Histogram,
}

impl EventMeters {
    pub(crate) fn new(namespace: &'static str, event: &'static str) -> Self {
        EventMeters {
            ok: metrics::counter!("loly_events_total", "namespace" => namespace, "event" => event, "outcome" => "ok"),
            latency: metrics::histogram!("loly_handler_seconds", "namespace" => namespace, "event" => event),
        }
    }

    /// The handles, for an event on its way.
    pub(crate) fn handles(&self) -> (metrics::Counter, metrics::Histogram) {
        (self.ok.clone(), self.latency.clone())
    }
}

/// The connection gauge of a namespace pattern.
pub(crate) fn connections(namespace: &'static str) -> metrics::Gauge {
    metrics::gauge!("loly_connections", "namespace" => namespace)
}

/// Serves `/metrics` on `address`; returns the bound address.
pub(crate) async fn serve(address: SocketAddr) -> std::io::Result<Option<SocketAddr>> {
    let Some(handle) = handle() else {
        tracing::warn!("another metrics recorder is installed; /metrics is not served");
        return Ok(None);
    };
    let listener = TcpListener::bind(address).await?;
    let local = listener.local_addr()?;
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(5));
        loop {
            ticks.tick().await;
            upkeep.run_upkeep();
        }
    });
    let app = Router::new().route("/metrics", get(move || std::future::ready(handle.render())));
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "the metrics endpoint stopped");
        }
    });
    Ok(Some(local))
}

pub(crate) fn event(namespace: &'static str, event: &'static str, outcome: &str) {
    let outcome = metrics::SharedString::from(outcome.to_owned());
    metrics::counter!("loly_events_total", "namespace" => namespace, "event" => event, "outcome" => outcome).increment(1);
}

pub(crate) fn error(code: &str) {
    metrics::counter!("loly_errors_total", "code" => code.to_owned()).increment(1);
}

pub(crate) fn rate_limited(namespace: &'static str, scope: &'static str) {
    metrics::counter!("loly_rate_limited_total", "namespace" => namespace, "scope" => scope)
        .increment(1);
}

pub(crate) fn redis_up(up: bool) {
    metrics::gauge!("loly_redis_up").set(if up { 1.0 } else { 0.0 });
    let result = if up { "ok" } else { "failed" };
    metrics::counter!("loly_cluster_heartbeats_total", "result" => result).increment(1);
}
