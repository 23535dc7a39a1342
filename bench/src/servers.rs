//! The servers under test, each started as its own process on a free port.

use std::{
    net::{Ipv4Addr, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use crate::BenchError;

/// A server the benchmark can start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// socketioxide alone, with its defaults: the baseline.
    Bare,
    /// Loly on its embedded defaults (info logging, metrics on).
    Loly,
    /// Loly with logging off: what each event's log context costs.
    LolyNoLog,
    /// Node's Socket.IO with its defaults.
    Node,
}

impl Kind {
    /// Every server, the baseline first.
    pub const ALL: [Kind; 4] = [Kind::Bare, Kind::Loly, Kind::LolyNoLog, Kind::Node];

    /// The name shown in results and accepted by `--only`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Bare => "socketioxide",
            Kind::Loly => "loly",
            Kind::LolyNoLog => "loly-nolog",
            Kind::Node => "node",
        }
    }

    fn command(self, port: u16) -> Command {
        let bin_dir = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        match self {
            Kind::Bare => {
                let mut command = Command::new(bin_dir.join("bare-echo"));
                command.arg(port.to_string());
                command
            }
            Kind::Loly | Kind::LolyNoLog => {
                let mut command = Command::new(bin_dir.join("loly-echo"));
                command
                    .env("LOLY_PORT", port.to_string())
                    .env("LOLY_METRICS__ADDRESS", "127.0.0.1:0");
                if self == Kind::LolyNoLog {
                    command.env("LOLY_REALTIME__LOGGING__LEVEL", "off");
                }
                command
            }
            Kind::Node => {
                let mut command = Command::new("node");
                command
                    .arg(node_dir().join("server.js"))
                    .arg(port.to_string());
                command
            }
        }
    }
}

/// `bench/node`, where `npm ci --prefix bench/node` installs Socket.IO.
pub fn node_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node")
}

/// A running server, stopped when dropped.
pub struct Server {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl Server {
    /// Starts `kind` on a free port and waits until it accepts connections.
    pub fn start(kind: Kind) -> Result<Server, BenchError> {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
            .local_addr()?
            .port();
        let child = kind
            .command(port)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start the {} server: {e}", kind.name()))?;
        let mut server = Server { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            if let Some(status) = server.child.try_wait()? {
                return Err(format!("the {} server exited: {status}", kind.name()).into());
            }
            if Instant::now() > deadline {
                return Err(
                    format!("the {} server did not listen within 20 s", kind.name()).into(),
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(server)
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
