//! Running scripts with the official `socket.io-client` from npm.

use std::{
    path::PathBuf,
    process::{Command, Stdio},
    time::Duration,
};

use serde_json::Value;

use crate::{Server, workspace_root};

/// `tests/node`, where `npm ci` installed `socket.io-client` and where `harness.js` lives.
pub fn node_dir() -> PathBuf {
    workspace_root().join("tests/node")
}

/// Runs `script` with Node against `server`. The script starts with
/// `const h = require("harness");` and ends with `h.run(async () => ...)`;
/// its result comes back as JSON.
pub fn run(server: &Server, script: &str) -> Value {
    run_with(server, script, &[])
}

/// `node -e script` against `server`: the harness and the client on
/// `NODE_PATH`, the server's address in `LOLY_URL` and `LOLY_PATH`.
fn node_command(server: &Server, script: &str, env: &[(&str, &str)]) -> Command {
    let dir = node_dir();
    assert!(
        dir.join("node_modules/socket.io-client").is_dir(),
        "socket.io-client is not installed: run `npm ci --prefix tests/node` (scripts/test.sh does it)"
    );
    let mut command = Command::new("node");
    command
        .arg("-e")
        .arg(script)
        .env(
            "NODE_PATH",
            format!("{}:{}", dir.join("node_modules").display(), dir.display()),
        )
        .env("LOLY_URL", &server.base_url)
        .env("LOLY_PATH", &server.path)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    command
}

/// [`run`] with extra environment variables for the script.
pub fn run_with(server: &Server, script: &str, env: &[(&str, &str)]) -> Value {
    let child = node_command(server, script, env)
        .stderr(Stdio::piped())
        .spawn()
        .expect("node is installed");
    let output = wait_with_timeout(child, Duration::from_secs(60));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "node script failed ({}):\n{}\nserver log:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr),
        server.log()
    );
    let last = stdout.lines().last().unwrap_or("null");
    serde_json::from_str(last).unwrap_or_else(|err| panic!("node printed {last:?}: {err}"))
}

fn wait_with_timeout(child: std::process::Child, limit: Duration) -> std::process::Output {
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(output) => output.expect("node output"),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
            panic!("node script ran longer than {limit:?}");
        }
    }
}

/// A Node script left running; killed when dropped.
pub struct NodeProcess {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl NodeProcess {
    /// The next line starting with `prefix` (30 s at most), skipping others.
    pub fn wait_for_line(&mut self, prefix: &str) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.starts_with(prefix) => return line,
                Ok(_) => continue,
                Err(_) => panic!("no line starting with `{prefix}` within 30 s"),
            }
        }
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `script` with Node against `server` and leaves it running; read
/// its output with [`NodeProcess::wait_for_line`].
pub fn spawn(server: &Server, script: &str) -> NodeProcess {
    spawn_with(server, script, &[])
}

/// [`spawn`] with extra environment variables.
pub fn spawn_with(server: &Server, script: &str, env: &[(&str, &str)]) -> NodeProcess {
    use std::io::{BufRead, BufReader};
    let mut child = node_command(server, script, env)
        .stderr(Stdio::null())
        .spawn()
        .expect("node is installed");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    NodeProcess { child, lines }
}
