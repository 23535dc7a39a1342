//! What a client sent when it connected: the auth payload and the HTTP request.

use std::net::IpAddr;

use http::{HeaderMap, Uri, request::Parts};
use serde_json::Value;

use crate::{Params, SocketRef};

/// A view of the HTTP request a socket connected with: headers, cookies,
/// the peer's address, the URL and its query.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    parts: &'a Parts,
    ip: Option<IpAddr>,
}

impl<'a> Request<'a> {
    pub(crate) fn new(parts: &'a Parts, ip: Option<IpAddr>) -> Self {
        Request { parts, ip }
    }

    /// Every header.
    pub fn headers(&self) -> &'a HeaderMap {
        &self.parts.headers
    }

    /// One header as text, if present and valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.parts.headers.get(name)?.to_str().ok()
    }

    /// The token of an `Authorization: Bearer <token>` header.
    pub fn bearer_token(&self) -> Option<&'a str> {
        let value = self.header("authorization")?;
        let (scheme, token) = value.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    }

    /// Every cookie as `(name, value)`. A value that contains `=` stays whole.
    pub fn cookies(&self) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.parts
            .headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|header| header.to_str().ok())
            .flat_map(cookie::Cookie::split_parse)
            .filter_map(Result::ok)
            .filter_map(|c| Some((c.name_raw()?, c.value_raw()?)))
    }

    /// The value of cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<&'a str> {
        self.cookies().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The client's IP address: the peer's, or, behind a trusted proxy
    /// (`server.trusted_proxies`), the one `X-Forwarded-For` names.
    pub fn ip(&self) -> Option<IpAddr> {
        self.ip
    }

    /// The request URL (path and query).
    pub fn uri(&self) -> &'a Uri {
        &self.parts.uri
    }

    /// One query parameter, percent-decoding left to the caller.
    pub fn query(&self, name: &str) -> Option<&'a str> {
        self.parts.uri.query()?.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (key == name).then_some(value)
        })
    }
}

/// What an auth hook sees: the `auth` payload the client sent with its
/// connect packet, and the HTTP request.
pub struct Handshake {
    socket: SocketRef,
    auth: Value,
    ip: Option<IpAddr>,
    params: Params,
}

impl Handshake {
    pub(crate) fn new(socket: SocketRef, auth: Value, ip: Option<IpAddr>, params: Params) -> Self {
        Handshake {
            socket,
            auth,
            ip,
            params,
        }
    }

    pub(crate) fn into_params(self) -> Params {
        self.params
    }

    /// The client's `auth` option (`io(url, { auth: {...} })`); `{}` when absent.
    pub fn auth(&self) -> &Value {
        &self.auth
    }

    /// `auth.token` when it is a string: the seed's `auth: { token }`.
    pub fn token(&self) -> Option<&str> {
        self.auth.get("token")?.as_str()
    }

    /// The HTTP request.
    pub fn request(&self) -> Request<'_> {
        Request::new(self.socket.req_parts(), self.ip)
    }

    /// One header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.request().header(name)
    }

    /// The token of an `Authorization: Bearer` header.
    pub fn bearer_token(&self) -> Option<&str> {
        self.request().bearer_token()
    }

    /// The value of cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.request().cookie(name)
    }

    /// The peer's IP address.
    pub fn ip(&self) -> Option<IpAddr> {
        self.ip
    }

    /// The namespace's parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The namespace the socket is joining, as requested: `/game/42`.
    pub fn pathname(&self) -> &str {
        self.socket.ns()
    }
}
