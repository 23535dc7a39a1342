//! Hanging up a client's TCP connection from the server's side, so that its
//! socket.io client reconnects on its own (clients reconnect after a lost
//! transport, never after a refusal).
//!
//! Every accepted connection carries a [`Hangup`]; requests find it in
//! their [`Peer`] connect info, and so does a socket, through the request it
//! connected with.

use std::{
    io,
    net::SocketAddr,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll},
};

use axum::{
    extract::{ConnectInfo, connect_info::Connected},
    serve::{IncomingStream, Listener},
};
use futures_util::task::AtomicWaker;
use http::request::Parts;
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
};

/// Ends one TCP connection on demand: its reads and writes fail from then on.
#[derive(Debug, Default)]
pub(crate) struct Hangup {
    done: AtomicBool,
    reader: AtomicWaker,
}

impl Hangup {
    /// Ends the connection; a read waiting on it fails at once.
    pub(crate) fn hang_up(&self) {
        self.done.store(true, Ordering::Release);
        self.reader.wake();
    }

    fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    /// Hangs up the connection that `parts` (a request, or the one a socket
    /// connected with) came on; false when it is not known.
    pub(crate) fn request(parts: &Parts) -> bool {
        match parts.extensions.get::<ConnectInfo<Peer>>() {
            Some(ConnectInfo(peer)) => {
                peer.hangup.hang_up();
                true
            }
            None => false,
        }
    }
}

fn hung_up() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "the server hung up to have the client reconnect",
    )
}

/// The TCP listener of the server: each connection it accepts can be hung up.
pub(crate) struct HangupListener(pub(crate) TcpListener);

impl Listener for HangupListener {
    type Io = HangupStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = Listener::accept(&mut self.0).await;
        let stream = HangupStream {
            inner: stream,
            hangup: Arc::default(),
        };
        (stream, addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Listener::local_addr(&self.0)
    }
}

/// An accepted TCP connection, with its [`Hangup`].
pub(crate) struct HangupStream {
    inner: TcpStream,
    hangup: Arc<Hangup>,
}

impl AsyncRead for HangupStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.hangup.reader.register(cx.waker());
        if this.hangup.is_done() {
            return Poll::Ready(Err(hung_up()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for HangupStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.hangup.is_done() {
            return Poll::Ready(Err(hung_up()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.hangup.is_done() {
            return Poll::Ready(Err(hung_up()));
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The connect info of every request: the peer's address and its
/// connection's [`Hangup`].
#[derive(Debug, Clone)]
pub(crate) struct Peer {
    pub(crate) addr: SocketAddr,
    hangup: Arc<Hangup>,
}

impl Connected<IncomingStream<'_, HangupListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, HangupListener>) -> Self {
        Peer {
            addr: *stream.remote_addr(),
            hangup: stream.io().hangup.clone(),
        }
    }
}

/// Gives every request the plain `ConnectInfo<SocketAddr>` too, for app
/// routes and extractors that read it.
pub(crate) async fn with_socket_addr(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<Peer>>() {
        let addr = peer.addr;
        request.extensions_mut().insert(ConnectInfo(addr));
    }
    next.run(request).await
}
