//! Routes as the generated registry declares them.

mod defs;

pub use defs::{AuthDef, ConnectDef, DisconnectDef, EventDef, GuardFn, HandlerOutput};

use std::sync::Arc;

use crate::{
    AuthUser, cluster::LolyInit, realtime::Shared, runtime::RouteRuntime, server::ServeError,
};

/// Every namespace of an app; `routes::all()` returns it.
#[derive(Default)]
pub struct Routes {
    routes: Vec<Route>,
    crate_dir: Option<&'static str>,
}

impl Routes {
    /// No routes yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// No routes yet, for the app crate at `crate_dir`, where `loly.toml`
    /// is looked for when the current directory has none.
    pub fn for_crate(crate_dir: &'static str) -> Self {
        Routes {
            routes: Vec::new(),
            crate_dir: Some(crate_dir),
        }
    }

    /// The app crate's folder, when known.
    pub fn crate_dir(&self) -> Option<&'static str> {
        self.crate_dir
    }

    /// Adds one namespace.
    pub fn add(&mut self, route: Route) {
        self.routes.push(route);
    }

    /// The namespaces, in registry order.
    pub fn iter(&self) -> impl Iterator<Item = &Route> {
        self.routes.iter()
    }

    /// How many namespaces there are.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    pub(crate) fn into_vec(self) -> Vec<Route> {
        self.routes
    }
}

/// One namespace: its pattern, its source file and its handlers.
pub struct Route {
    namespace: &'static str,
    file: &'static str,
    event_names: Vec<&'static str>,
    mount: Box<dyn Mount>,
}

impl Route {
    /// The namespace pattern: `/chat`, `/game/{roomId}`.
    pub fn namespace(&self) -> &'static str {
        self.namespace
    }

    /// The `events.rs` it comes from, relative to the app's crate.
    pub fn file(&self) -> &'static str {
        self.file
    }

    /// The events it handles.
    pub fn event_names(&self) -> &[&'static str] {
        &self.event_names
    }

    /// Registers the namespace; a static one also returns its cluster
    /// subscription, to await before serving.
    pub(crate) fn mount(self, shared: &Arc<Shared>) -> Result<Option<LolyInit>, ServeError> {
        self.mount.mount(shared)
    }
}

/// Registers a typed route with socketioxide.
pub(crate) trait Mount: Send + Sync {
    fn mount(self: Box<Self>, shared: &Arc<Shared>) -> Result<Option<LolyInit>, ServeError>;
}

/// Collects one namespace's handlers and hooks; the generated registry
/// drives it, one `.with(...)` per annotated function.
pub struct RouteBuilder<U> {
    pub(crate) namespace: &'static str,
    pub(crate) file: &'static str,
    pub(crate) auth: Option<AuthDef<U>>,
    pub(crate) connect: Option<ConnectDef<U>>,
    pub(crate) disconnect: Option<DisconnectDef<U>>,
    pub(crate) events: Vec<EventDef<U>>,
}

impl<U: AuthUser> RouteBuilder<U> {
    /// A namespace declared by `file`.
    pub fn new(namespace: &'static str, file: &'static str) -> Self {
        RouteBuilder {
            namespace,
            file,
            auth: None,
            connect: None,
            disconnect: None,
            events: Vec::new(),
        }
    }

    /// Adds a handler or a hook.
    pub fn with(mut self, part: impl RoutePart<U>) -> Self {
        part.add_to(&mut self);
        self
    }

    /// The finished route.
    pub fn build(self) -> Route {
        let event_names = self.events.iter().map(|e| e.name).collect();
        Route {
            namespace: self.namespace,
            file: self.file,
            event_names,
            mount: Box::new(self),
        }
    }
}

impl<U: AuthUser> Mount for RouteBuilder<U> {
    fn mount(self: Box<Self>, shared: &Arc<Shared>) -> Result<Option<LolyInit>, ServeError> {
        RouteRuntime::mount(*self, shared)
    }
}

/// Something `.with(...)` accepts: an event or a hook.
pub trait RoutePart<U> {
    /// Adds itself to `route`.
    fn add_to(self, route: &mut RouteBuilder<U>);
}

impl<U> RoutePart<U> for EventDef<U> {
    fn add_to(self, route: &mut RouteBuilder<U>) {
        route.events.push(self);
    }
}

impl<U> RoutePart<U> for AuthDef<U> {
    fn add_to(self, route: &mut RouteBuilder<U>) {
        route.auth = Some(self);
    }
}

impl<U> RoutePart<U> for ConnectDef<U> {
    fn add_to(self, route: &mut RouteBuilder<U>) {
        route.connect = Some(self);
    }
}

impl<U> RoutePart<U> for DisconnectDef<U> {
    fn add_to(self, route: &mut RouteBuilder<U>) {
        route.disconnect = Some(self);
    }
}
