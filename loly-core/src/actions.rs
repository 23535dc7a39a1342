//! What a handler can do: reply, emit, broadcast, rooms, users, errors.

use std::{
    future::{Future, IntoFuture},
    pin::Pin,
    sync::Arc,
    time::Duration,
};

use serde::{Serialize, de::DeserializeOwned};

use crate::{
    Error, ErrorCode, RequestId, SocketIo, SocketRef, realtime::Shared, runtime::PendingAck,
};

/// The reserved event that carries structured errors to clients.
pub const ERROR_EVENT: &str = "__loly:error";

/// Room names starting with this are the framework's (one room per user).
const RESERVED_ROOM_PREFIX: &str = "__loly:";

/// The actions of the seed's `WssActions`, bound to the socket that sent
/// the current event.
///
/// Emits that reach only this socket are synchronous; those that may cross
/// instances (`emit`, `broadcast`, rooms, users) are `async`.
#[derive(Clone)]
pub struct Actions {
    socket: SocketRef,
    shared: Arc<Shared>,
    request_id: RequestId,
    /// The ack the client asked for with this event, if any.
    ack: Option<Arc<PendingAck>>,
}

impl Actions {
    pub(crate) fn new(
        socket: SocketRef,
        shared: Arc<Shared>,
        request_id: RequestId,
        ack: Option<Arc<PendingAck>>,
    ) -> Self {
        Actions {
            socket,
            shared,
            request_id,
            ack,
        }
    }

    /// Sends `event` to the current socket only.
    pub fn reply<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), Error> {
        self.socket.emit(event, data).map_err(Error::from)
    }

    /// Sends `event` to the current socket and waits, at most `timeout`, for
    /// the client's acknowledgement.
    pub async fn reply_with_ack<T, V>(
        &self,
        event: &str,
        data: &T,
        timeout: Duration,
    ) -> Result<V, Error>
    where
        T: Serialize + ?Sized,
        V: DeserializeOwned + Send + 'static,
    {
        let ack = self
            .socket
            .timeout(timeout)
            .emit_with_ack::<T, V>(event, data)?;
        ack.await.map_err(Error::from)
    }

    /// Sends `event` to every socket of this namespace, the sender included.
    pub async fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), Error> {
        match self.shared.io.of(self.socket.ns()) {
            Some(namespace) => namespace.emit(event, data).await.map_err(Error::from),
            None => Err(Error::internal("the namespace is gone")),
        }
    }

    /// Sends `event` to every socket of this namespace but the sender;
    /// `.exclude_self(false)` includes it.
    ///
    /// ```no_run
    /// # async fn demo(actions: &loly_core::Actions) -> loly_core::Result<()> {
    /// actions.broadcast("typing", &"ann").await?;
    /// actions.broadcast("count", &3).exclude_self(false).await?;
    /// # Ok(()) }
    /// ```
    pub fn broadcast<'a, T: Serialize + ?Sized + Sync>(
        &'a self,
        event: &'a str,
        data: &'a T,
    ) -> Broadcast<'a, T> {
        Broadcast {
            actions: self,
            event,
            data,
            exclude_self: true,
        }
    }

    /// Adds the current socket to `room`.
    pub async fn join(&self, room: impl Into<String>) -> Result<(), Error> {
        let room = room.into();
        check_room(&room)?;
        self.socket.join(room);
        Ok(())
    }

    /// Removes the current socket from `room`.
    pub async fn leave(&self, room: impl Into<String>) -> Result<(), Error> {
        let room = room.into();
        check_room(&room)?;
        self.socket.leave(room);
        Ok(())
    }

    /// Targets every socket in `room` of this namespace, the sender included
    /// when it is in the room.
    pub fn to_room(&self, room: impl Into<String>) -> RoomOperator {
        let room = room.into();
        RoomOperator {
            io: self.shared.io.clone(),
            namespace: self.socket.ns().to_owned(),
            refused: check_room(&room).err(),
            room,
        }
    }

    /// Targets every socket of the signed-in user `user_id` in this
    /// namespace: all their tabs, on every instance. Anonymous sockets are
    /// never reached.
    pub fn to_user(&self, user_id: &str) -> RoomOperator {
        RoomOperator {
            io: self.shared.io.clone(),
            namespace: self.socket.ns().to_owned(),
            room: user_room(user_id),
            refused: None,
        }
    }

    /// Sends a structured error, `{code, message, details?, requestId}`, on
    /// `__loly:error` to the current socket. When the client asked for an
    /// ack, the ack gets `{ok: false, error}` too, and the handler's own
    /// result no longer answers it.
    pub fn error(
        &self,
        code: &str,
        message: &str,
        details: Option<serde_json::Value>,
    ) -> Result<(), Error> {
        let payload = crate::ErrorPayload {
            code,
            message,
            details: details.as_ref(),
            request_id: self.request_id,
        };
        crate::metrics::error(code);
        let sent = self.reply(ERROR_EVENT, &payload);
        if let Some(ack) = &self.ack {
            ack.fail(&payload);
        }
        sent
    }

    /// The id of the event these actions answer.
    pub fn request_id(&self) -> RequestId {
        self.request_id
    }

    /// The underlying socketioxide socket.
    pub fn socket(&self) -> &SocketRef {
        &self.socket
    }

    /// The socket.io server.
    pub fn io(&self) -> &SocketIo {
        &self.shared.io
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

/// The room each signed-in user's sockets join, so that `to_user` reaches them.
pub(crate) fn user_room(user_id: &str) -> String {
    format!("{RESERVED_ROOM_PREFIX}user:{user_id}")
}

/// Apps cannot join, leave or target the framework's rooms: a client that
/// names `__loly:user:bob` as its room must not read bob's messages.
pub(crate) fn check_room(room: &str) -> Result<(), Error> {
    if room.starts_with(RESERVED_ROOM_PREFIX) {
        return Err(Error::code(
            ErrorCode::Forbidden,
            "room names starting with `__loly:` are reserved",
        ));
    }
    Ok(())
}

/// A broadcast being set up; `.await` sends it. Made by [`Actions::broadcast`].
pub struct Broadcast<'a, T: ?Sized> {
    actions: &'a Actions,
    event: &'a str,
    data: &'a T,
    exclude_self: bool,
}

impl<T: ?Sized> Broadcast<'_, T> {
    /// `false` includes the sender (the seed's `{ excludeSelf: false }`).
    pub fn exclude_self(mut self, exclude: bool) -> Self {
        self.exclude_self = exclude;
        self
    }
}

impl<'a, T: Serialize + ?Sized + Sync> IntoFuture for Broadcast<'a, T> {
    type Output = Result<(), Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<(), Error>> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            if !self.exclude_self {
                return self.actions.emit(self.event, self.data).await;
            }
            self.actions
                .socket
                .broadcast()
                .emit(self.event, self.data)
                .await
                .map_err(Error::from)
        })
    }
}

/// Emits to one room or one user; made by [`Actions::to_room`] and [`Actions::to_user`].
pub struct RoomOperator {
    io: SocketIo,
    namespace: String,
    room: String,
    refused: Option<Error>,
}

impl RoomOperator {
    /// Sends `event` to every socket in the room.
    pub async fn emit<T: Serialize + ?Sized>(self, event: &str, data: &T) -> Result<(), Error> {
        if let Some(error) = self.refused {
            return Err(error);
        }
        let Some(namespace) = self.io.of(&self.namespace) else {
            return Err(Error::internal("the namespace is gone"));
        };
        namespace
            .to(self.room)
            .emit(event, data)
            .await
            .map_err(Error::from)
    }

    /// Sends `event` to every socket in the room and collects their
    /// acknowledgements, waiting at most `timeout` for each.
    pub async fn emit_with_ack<T, V>(
        self,
        event: &str,
        data: &T,
        timeout: Duration,
    ) -> Result<Vec<Result<V, Error>>, Error>
    where
        T: Serialize + ?Sized,
        V: DeserializeOwned + Send + 'static,
    {
        use futures_util::StreamExt;
        if let Some(error) = self.refused {
            return Err(error);
        }
        let Some(namespace) = self.io.of(&self.namespace) else {
            return Err(Error::internal("the namespace is gone"));
        };
        let stream = namespace
            .to(self.room)
            .timeout(timeout)
            .emit_with_ack::<T, V>(event, data)
            .await?;
        Ok(stream
            .map(|(_, result)| result.map_err(Error::from))
            .collect()
            .await)
    }
}
