//! What the scanner found: routes, their events and hooks.

use std::path::PathBuf;

/// One part of a namespace path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A fixed folder name: `chat`.
    Static(String),
    /// A `[name]` folder: matches any one segment and binds it to `name`.
    Param(String),
}

/// One `events.rs`: a namespace with its handlers.
#[derive(Debug, Clone)]
pub struct Route {
    /// The namespace pattern in Socket.IO's syntax: `/chat`, `/game/{roomId}`, `/`.
    pub namespace: String,
    /// The namespace's parts, in order.
    pub segments: Vec<Segment>,
    /// The file, relative to the crate root.
    pub file: PathBuf,
    /// The file's absolute path.
    pub absolute_file: PathBuf,
    /// The event handlers, in file order.
    pub events: Vec<Event>,
    /// The lifecycle hooks, in file order.
    pub hooks: Vec<Hook>,
}

impl Route {
    /// The names of the route's parameters, in path order.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|segment| match segment {
            Segment::Param(name) => Some(name.as_str()),
            Segment::Static(_) => None,
        })
    }

    /// The names of every annotated function, events and hooks, in file order.
    pub fn functions(&self) -> impl Iterator<Item = (&str, usize)> {
        let mut all: Vec<(&str, usize)> = self
            .events
            .iter()
            .map(|e| (e.function.as_str(), e.line))
            .chain(self.hooks.iter().map(|h| (h.function.as_str(), h.line)))
            .collect();
        all.sort_by_key(|&(_, line)| line);
        all.into_iter()
    }
}

/// A `#[wss_event]` handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The Rust function.
    pub function: String,
    /// The event name clients emit, exactly (case-sensitive).
    pub name: String,
    /// The payload type, as written in `schema = ...`.
    pub schema: Option<String>,
    /// The guard, as written in `guard = ...`.
    pub guard: Option<String>,
    /// The rate, as written in `rate = "..."`.
    pub rate: Option<String>,
    /// The function's line in its file.
    pub line: usize,
}

/// Which lifecycle hook a function is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookKind {
    /// `#[wss_auth]`
    Auth,
    /// `#[on_connect]`
    Connect,
    /// `#[on_disconnect]`
    Disconnect,
}

/// A lifecycle hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    /// Which hook.
    pub kind: HookKind,
    /// The Rust function.
    pub function: String,
    /// The function's line in its file.
    pub line: usize,
}
