//! What a handler can do: reply, emit, broadcast, rooms, errors.

use serde::Serialize;
use socketioxide::SendError;

use crate::{Error, RequestId, SocketIo, SocketRef};

/// The reserved event that carries structured errors to clients.
pub const ERROR_EVENT: &str = "__loly:error";

/// The actions of the seed's `WssActions`, bound to the socket that sent
/// the current event.
///
/// Emits that reach only this socket are synchronous; those that may cross
/// instances (`emit`, `broadcast`, rooms) are `async`.
#[derive(Clone)]
pub struct Actions {
    socket: SocketRef,
    io: SocketIo,
    request_id: RequestId,
}

impl Actions {
    pub(crate) fn new(socket: SocketRef, io: SocketIo, request_id: RequestId) -> Self {
        Actions {
            socket,
            io,
            request_id,
        }
    }

    /// Sends `event` to the current socket only.
    pub fn reply<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), Error> {
        self.socket.emit(event, data).map_err(send_error)
    }

    /// Sends `event` to every socket of this namespace, the sender included.
    pub async fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), Error> {
        match self.io.of(self.socket.ns()) {
            Some(namespace) => namespace.emit(event, data).await.map_err(Error::from),
            None => Err(Error::internal("the namespace is gone")),
        }
    }

    /// Sends `event` to every socket of this namespace except the sender.
    pub async fn broadcast<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<(), Error> {
        self.socket
            .broadcast()
            .emit(event, data)
            .await
            .map_err(Error::from)
    }

    /// Adds the current socket to `room`.
    pub async fn join(&self, room: impl Into<String>) -> Result<(), Error> {
        self.socket.join(room.into());
        Ok(())
    }

    /// Removes the current socket from `room`.
    pub async fn leave(&self, room: impl Into<String>) -> Result<(), Error> {
        self.socket.leave(room.into());
        Ok(())
    }

    /// Targets every socket in `room` of this namespace, the sender included
    /// when it is in the room.
    pub fn to_room(&self, room: impl Into<String>) -> RoomOperator {
        RoomOperator {
            io: self.io.clone(),
            namespace: self.socket.ns().to_owned(),
            room: room.into(),
        }
    }

    /// Targets every socket of the signed-in user `user_id` in this namespace.
    pub fn to_user(&self, user_id: &str) -> UserOperator {
        UserOperator(self.to_room(user_room(user_id)))
    }

    /// Sends a structured error, `{code, message, details?, requestId}`, on
    /// `__loly:error` to the current socket.
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
        self.reply(ERROR_EVENT, &payload)
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
        &self.io
    }
}

/// The room each signed-in user's sockets join, so that `to_user` reaches them.
pub(crate) fn user_room(user_id: &str) -> String {
    format!("__loly:user:{user_id}")
}

fn send_error(error: SendError) -> Error {
    Error::from(error)
}

/// Emits to one room; made by [`Actions::to_room`].
pub struct RoomOperator {
    io: SocketIo,
    namespace: String,
    room: String,
}

impl RoomOperator {
    /// Sends `event` to every socket in the room.
    pub async fn emit<T: Serialize + ?Sized>(self, event: &str, data: &T) -> Result<(), Error> {
        let Some(namespace) = self.io.of(&self.namespace) else {
            return Err(Error::internal("the namespace is gone"));
        };
        namespace
            .to(self.room)
            .emit(event, data)
            .await
            .map_err(Error::from)
    }
}

/// Emits to every socket of one user; made by [`Actions::to_user`].
pub struct UserOperator(RoomOperator);

impl UserOperator {
    /// Sends `event` to every socket of the user in this namespace.
    pub async fn emit<T: Serialize + ?Sized>(self, event: &str, data: &T) -> Result<(), Error> {
        self.0.emit(event, data).await
    }
}
