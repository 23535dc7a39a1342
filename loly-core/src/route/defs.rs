//! The typed definitions `loly-macros` emits for each annotated function.

use std::{future::Future, marker::PhantomData, sync::Arc};

use futures_util::future::BoxFuture;
use serde::Serialize;
use socketioxide_core::Value as RawValue;

use crate::{
    AuthUser, Ctx, DisconnectReason, Error, GuardCtx, Handshake, PayloadError, Rate, Result,
    runtime::{EventCall, Responder, event_span, run_event},
};

/// A guard, as the macro wraps it: sync and async guards alike.
pub type GuardFn<U> = for<'a> fn(&'a GuardCtx<'a, U>) -> BoxFuture<'a, bool>;

/// How an event's payload is decoded (and validated, with `schema`).
pub type DecodeFn<T> = fn(&mut RawValue) -> std::result::Result<T, PayloadError>;

/// One `#[wss_event]` handler.
pub struct EventDef<U> {
    pub(crate) name: &'static str,
    pub(crate) schema: Option<&'static str>,
    pub(crate) rate: Option<Rate>,
    /// This event's bucket among the namespace's rate-limited events.
    pub(crate) slot: Option<usize>,
    /// Registered at mount.
    pub(crate) meters: Option<crate::metrics::EventMeters>,
    pub(crate) runner: Arc<dyn EventRunner<U>>,
}

impl<U: AuthUser> EventDef<U> {
    /// An event named `name`, decoded by `decode`, checked by `guard`,
    /// limited by `rate`, handled by `handler`.
    pub fn new<T, H, Fut>(
        name: &'static str,
        schema: Option<&'static str>,
        decode: DecodeFn<T>,
        guard: Option<GuardFn<U>>,
        rate: Option<Rate>,
        handler: H,
    ) -> Self
    where
        T: Send + 'static,
        H: Fn(Ctx<T, U>) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: HandlerOutput,
    {
        EventDef {
            name,
            schema,
            rate,
            slot: None,
            meters: None,
            runner: Arc::new(TypedEvent {
                decode,
                guard,
                handler,
                _types: PhantomData,
            }),
        }
    }

    /// The event name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The payload type's name, when there is a schema.
    pub fn schema(&self) -> Option<&'static str> {
        self.schema
    }

    /// The event's own rate limit, when it has one.
    pub fn rate(&self) -> Option<Rate> {
        self.rate
    }
}

/// Runs one event: decode, guard, handler, reply. Type-erased so that one
/// namespace can hold events of different payload types.
pub(crate) trait EventRunner<U>: Send + Sync {
    fn dispatch(&self, call: EventCall<U>);
}

struct TypedEvent<T, U, H> {
    decode: DecodeFn<T>,
    guard: Option<GuardFn<U>>,
    handler: H,
    _types: PhantomData<fn() -> (T, U)>,
}

impl<T, U, H, Fut> EventRunner<U> for TypedEvent<T, U, H>
where
    U: AuthUser,
    T: Send + 'static,
    H: Fn(Ctx<T, U>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: HandlerOutput,
{
    fn dispatch(&self, mut call: EventCall<U>) {
        let data = match (self.decode)(&mut call.value) {
            Ok(data) => data,
            Err(error) => {
                let request_id = call.responder.request_id();
                let _span = event_span(&call.socket, &call.conn, call.event, request_id).entered();
                return call.responder.fail(&error.into());
            }
        };
        run_event(call, data, self.guard, self.handler.clone());
    }
}

/// What an event handler may return: `()`, or `Result<T>` whose `Ok` value
/// becomes the ack's `data`.
pub trait HandlerOutput: Send {
    /// Answers the client: ack on success, error event (and ack) on failure.
    fn respond(self, responder: &Responder);
}

impl HandlerOutput for () {
    fn respond(self, responder: &Responder) {
        responder.succeed(&());
    }
}

impl<T, E> HandlerOutput for std::result::Result<T, E>
where
    T: Serialize + Send,
    E: Into<Error> + Send,
{
    fn respond(self, responder: &Responder) {
        match self {
            Ok(value) => responder.succeed(&value),
            Err(error) => responder.fail(&error.into()),
        }
    }
}

/// What a hook may return: `()` or `Result<()>`.
pub trait HookOutput: Send {
    /// The hook's outcome.
    fn into_result(self) -> Result<()>;
}

impl HookOutput for () {
    fn into_result(self) -> Result<()> {
        Ok(())
    }
}

impl<E: Into<Error> + Send> HookOutput for std::result::Result<(), E> {
    fn into_result(self) -> Result<()> {
        self.map_err(Into::into)
    }
}

/// A `#[wss_auth]` hook.
pub struct AuthDef<U> {
    pub(crate) call: for<'a> fn(&'a Handshake) -> BoxFuture<'a, Result<Option<U>>>,
}

impl<U: AuthUser> AuthDef<U> {
    /// Wraps the hook.
    pub fn new(call: for<'a> fn(&'a Handshake) -> BoxFuture<'a, Result<Option<U>>>) -> Self {
        AuthDef { call }
    }
}

type ConnectFn<U> = dyn Fn(Ctx<(), U>) -> BoxFuture<'static, Result<()>> + Send + Sync;
type DisconnectFn<U> =
    dyn Fn(Ctx<(), U>, DisconnectReason) -> BoxFuture<'static, Result<()>> + Send + Sync;

/// An `#[on_connect]` hook.
pub struct ConnectDef<U> {
    pub(crate) call: Box<ConnectFn<U>>,
}

impl<U: AuthUser> ConnectDef<U> {
    /// Wraps the hook.
    pub fn new<H, Fut>(hook: H) -> Self
    where
        H: Fn(Ctx<(), U>) -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: HookOutput,
    {
        let call = move |ctx| -> BoxFuture<'static, Result<()>> {
            let fut = hook(ctx);
            Box::pin(async move { fut.await.into_result() })
        };
        ConnectDef {
            call: Box::new(call),
        }
    }
}

/// An `#[on_disconnect]` hook.
pub struct DisconnectDef<U> {
    pub(crate) call: Box<DisconnectFn<U>>,
}

impl<U: AuthUser> DisconnectDef<U> {
    /// Wraps the hook.
    pub fn new<H, Fut>(hook: H) -> Self
    where
        H: Fn(Ctx<(), U>, DisconnectReason) -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: HookOutput,
    {
        let call = move |ctx, reason| -> BoxFuture<'static, Result<()>> {
            let fut = hook(ctx, reason);
            Box::pin(async move { fut.await.into_result() })
        };
        DisconnectDef {
            call: Box::new(call),
        }
    }
}
