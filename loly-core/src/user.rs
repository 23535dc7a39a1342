//! The user an auth hook returns.

/// A signed-in user. The auth hook returns one; [`crate::Ctx::user`] gives it
/// back, typed; `to_user` and presence use its [`id`](AuthUser::id).
pub trait AuthUser: Send + Sync + 'static {
    /// A stable id for the user, the same on every connection.
    fn id(&self) -> &str;
}

impl AuthUser for String {
    fn id(&self) -> &str {
        self
    }
}

/// The user type of a namespace without an auth hook: nobody signs in, so
/// `ctx.user()` is always `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoUser {}

impl AuthUser for NoUser {
    fn id(&self) -> &str {
        match *self {}
    }
}
