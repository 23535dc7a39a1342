//! Which event names a handler may claim.

/// Event names starting with this prefix belong to the framework (`__loly:error`).
pub const RESERVED_PREFIX: &str = "__loly:";

/// Event names Socket.IO itself reserves on the client side: a handler for
/// them would never be reached by a client emit.
const SOCKET_IO_RESERVED: &[&str] = &[
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

/// Returns why `name` cannot be an event name, if it cannot.
pub fn check_event_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("an event name cannot be empty".into());
    }
    if name.starts_with(RESERVED_PREFIX) {
        return Err(format!(
            "event names starting with `{RESERVED_PREFIX}` are reserved for the framework (`__loly:error`); pick another name"
        ));
    }
    if SOCKET_IO_RESERVED.contains(&name) {
        return Err(format!(
            "`{name}` is reserved by Socket.IO and never reaches a handler; use #[on_connect] / #[on_disconnect] for lifecycle hooks, or pick another name"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_mixed_case_and_dashes() {
        assert!(check_event_name("sendMessage").is_ok());
        assert!(check_event_name("join-room").is_ok());
    }

    #[test]
    fn rejects_reserved_names() {
        assert!(check_event_name("__loly:error").is_err());
        assert!(check_event_name("__loly:anything").is_err());
        assert!(check_event_name("disconnect").is_err());
        assert!(check_event_name("").is_err());
    }
}
