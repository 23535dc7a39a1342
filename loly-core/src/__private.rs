//! Items the generated registry and the macros use. Not a public API.

pub use crate::payload::{decode_plain, decode_validated};
pub use crate::route::{
    AuthDef, ConnectDef, DisconnectDef, EventDef, GuardFn, RouteBuilder, RoutePart,
};
pub use futures_util::future::BoxFuture;
pub use serde_json;

use std::{cell::Cell, future::Future};

/// The user type of a namespace without an auth hook. `#[wss_auth]`
/// declares `type __LolyUser` in its module, which shadows this glob import.
pub mod default_user {
    /// No auth hook: nobody signs in.
    pub type __LolyUser = crate::NoUser;
}

/// Compiles only when `A` and `B` are the same type.
pub fn same_user_type<A, B>()
where
    A: SameUser<B>,
{
}

/// `A: SameUser<B>` holds only for `A == B`.
#[diagnostic::on_unimplemented(
    message = "this handler's user type `{Self}` is not the user type `{T}` of its namespace",
    label = "the namespace's #[wss_auth] hook returns `{T}`",
    note = "write `Ctx<Payload>` to take the namespace's user type, or change the auth hook"
)]
pub trait SameUser<T> {}
impl<T> SameUser<T> for T {}

/// Compiles only when `A` and `B` are the same type.
pub fn same_payload_type<A, B>()
where
    A: SamePayload<B>,
{
}

/// `A: SamePayload<B>` holds only for `A == B`.
#[diagnostic::on_unimplemented(
    message = "the handler takes `Ctx<{Self}>` but its schema is `{T}`",
    label = "expected `Ctx<{T}>`",
    note = "write `Ctx<{T}>`, or just `Ctx`, which takes the schema's type"
)]
pub trait SamePayload<T> {}
impl<T> SamePayload<T> for T {}

/// Turns an auth hook's result into the framework's.
pub fn into_auth_result<U, E: Into<crate::Error>>(
    result: Result<Option<U>, E>,
) -> crate::Result<Option<U>> {
    result.map_err(Into::into)
}

/// Holds a guard's return value so that sync (`bool`) and async guards are
/// told apart by method resolution.
pub struct GuardOutput<T>(Cell<Option<T>>);

impl<T> GuardOutput<T> {
    /// Wraps a guard's return value.
    pub fn new(value: T) -> Self {
        GuardOutput(Cell::new(Some(value)))
    }

    fn take(&self) -> T {
        self.0.take().expect("a guard output is taken once")
    }
}

/// Async guards: their future is awaited.
pub trait GuardAsync {
    /// The guard's future.
    type Future: Future<Output = bool>;
    /// Gives the future to await.
    fn into_guard_future(self) -> Self::Future;
}

impl<F: Future<Output = bool>> GuardAsync for &&GuardOutput<F> {
    type Future = F;
    fn into_guard_future(self) -> F {
        self.take()
    }
}

/// Sync guards: their `bool` is ready.
pub trait GuardSync {
    /// Gives a ready future.
    fn into_guard_future(self) -> std::future::Ready<bool>;
}

impl GuardSync for &GuardOutput<bool> {
    fn into_guard_future(self) -> std::future::Ready<bool> {
        std::future::ready(self.take())
    }
}
