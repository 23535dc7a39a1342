//! The parts of the configuration the per-event path reads.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use http::request::Parts;
use ipnet::IpNet;

use crate::{Config, Rate};

/// Read-only settings shared by every namespace.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// The per-socket event rate (`limits.events_per_second`, `limits.burst`).
    pub(crate) socket_rate: Rate,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub(crate) trusted_proxies: Vec<IpNet>,
}

impl Settings {
    pub(crate) fn from_config(config: &Config) -> Self {
        let limits = &config.realtime.limits;
        Settings {
            socket_rate: Rate::new(limits.events_per_second, limits.burst),
            trusted_proxies: config.server.trusted_proxies.clone(),
        }
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|net| net.contains(&ip))
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy,
    /// in which case the nearest untrusted hop of `X-Forwarded-For`.
    pub(crate) fn client_ip(&self, parts: &Parts) -> Option<IpAddr> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip())?;
        if !self.trusts(peer) {
            return Some(peer);
        }
        let hops: Vec<IpAddr> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|hop| hop.trim().parse().ok())
            .collect();
        hops.iter()
            .rev()
            .find(|hop| !self.trusts(**hop))
            .or(hops.first())
            .copied()
            .or(Some(peer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(peer: &str, forwarded: Option<&str>) -> Parts {
        let mut builder = http::Request::builder();
        if let Some(value) = forwarded {
            builder = builder.header("x-forwarded-for", value);
        }
        let (mut parts, ()) = builder.body(()).unwrap().into_parts();
        let addr: SocketAddr = format!("{peer}:1000").parse().unwrap();
        parts.extensions.insert(ConnectInfo(addr));
        parts
    }

    fn settings(trusted: &[&str]) -> Settings {
        Settings {
            socket_rate: Rate::new(1.0, 1),
            trusted_proxies: trusted
                .iter()
                .map(|t| crate::config::parse_network(t).unwrap())
                .collect(),
        }
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let untrusted = settings(&[]);
        assert_eq!(
            untrusted.client_ip(&parts("10.0.0.5", Some("1.2.3.4"))),
            Some(ip("10.0.0.5"))
        );
        let trusted = settings(&["10.0.0.0/8"]);
        assert_eq!(
            trusted.client_ip(&parts("10.0.0.5", Some("6.6.6.6, 1.2.3.4, 10.0.0.9"))),
            Some(ip("1.2.3.4")),
            "the nearest untrusted hop, not a spoofable leftmost one"
        );
        assert_eq!(
            trusted.client_ip(&parts("10.0.0.5", None)),
            Some(ip("10.0.0.5"))
        );
    }
}
