//! The HTTP side of the realtime endpoint: origin checks, CORS, health.

use std::sync::Arc;

use axum::{
    Router,
    extract::{OriginalUri, Request},
    http::{HeaderName, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

use crate::{AllowedOrigins, RealtimeConfig, cluster::ClusterRegistry};

/// Refuses, with 403, a browser request to the realtime path whose `Origin`
/// is not allowed:
/// long-polling requests and websocket upgrades alike (cross-site websocket
/// hijacking). Requests without `Origin` (not from a browser) pass.
pub(crate) async fn check_origin(
    allowed: Arc<AllowedOrigins>,
    path: Arc<str>,
    request: Request,
    next: Next,
) -> Response {
    let target = request.uri().path();
    let realtime = target
        .strip_prefix(&*path)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    if realtime && let Some(origin) = request.headers().get(http::header::ORIGIN) {
        let ok = origin.to_str().map(|o| allowed.allows(o)).unwrap_or(false);
        if !ok {
            tracing::debug!(origin = ?origin, "refused a request from a foreign origin");
            return (StatusCode::FORBIDDEN, "origin not allowed").into_response();
        }
    }
    if realtime && !joins_a_session(&request) {
        return next.run(own_head(request)).await;
    }
    next.run(request).await
}

/// Whether the request belongs to a session that exists already.
fn joins_a_session(request: &Request) -> bool {
    request
        .uri()
        .query()
        .is_some_and(|query| query.split('&').any(|pair| pair.starts_with("sid=")))
}

/// The request, with its URI and header values copied out of the
/// connection's read buffer.
///
/// A request that opens a session is kept for the session's life (it is
/// the socket's handshake). hyper parses a head in place: its URI and
/// header values, and axum's copy of the URI, point into the connection's
/// 16 KiB read buffer, which would stay allocated as long as they do.
fn own_head(request: Request) -> Request {
    let (mut parts, body) = request.into_parts();
    let mut headers = http::HeaderMap::with_capacity(parts.headers.len());
    for (name, value) in &parts.headers {
        let mut copy = HeaderValue::from_bytes(value.as_bytes()).unwrap_or_else(|_| value.clone());
        copy.set_sensitive(value.is_sensitive());
        headers.append(name.clone(), copy);
    }
    parts.headers = headers;
    if let Ok(uri) = http::Uri::try_from(parts.uri.to_string()) {
        parts.uri = uri;
    }
    if let Some(OriginalUri(original)) = parts.extensions.get_mut::<OriginalUri>() {
        *original = parts.uri.clone();
    }
    Request::from_parts(parts, body)
}

/// CORS headers and preflights for the allowed origins.
pub(crate) fn cors(config: &RealtimeConfig) -> CorsLayer {
    let origins = match &config.allowed_origins {
        // With credentials, `*` is not allowed by browsers: echo the origin.
        AllowedOrigins::Any => AllowOrigin::mirror_request(),
        AllowedOrigins::List(list) => AllowOrigin::list(
            list.iter()
                .filter_map(|origin| HeaderValue::from_str(origin).ok()),
        ),
    };
    let headers: Vec<HeaderName> = config
        .cors
        .allowed_headers
        .iter()
        .filter_map(|h| HeaderName::from_bytes(h.as_bytes()).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(AllowHeaders::list(headers))
        .allow_credentials(config.cors.credentials)
}

/// `/healthz` (the process answers) and `/readyz` (it can serve: in a
/// cluster, Redis answers).
pub(crate) fn health(registry: Option<ClusterRegistry>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/readyz",
            get(move || {
                let registry = registry.clone();
                async move {
                    match registry {
                        None => (StatusCode::OK, "ready".to_owned()),
                        Some(registry) => match registry.ping().await {
                            Ok(()) => (StatusCode::OK, "ready".to_owned()),
                            Err(error) => {
                                (StatusCode::SERVICE_UNAVAILABLE, format!("redis: {error}"))
                            }
                        },
                    }
                }
            }),
        )
}
