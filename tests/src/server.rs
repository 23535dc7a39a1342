//! A real app process on a free port.

use std::{
    io::{BufRead, BufReader, Read},
    path::Path,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// A running app, killed when dropped. Its log (stderr) is kept for assertions.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`
    pub base_url: String,
    /// The Socket.IO path, `/wss` by default.
    pub path: String,
    /// `http://127.0.0.1:<port>/metrics`, when metrics are served.
    pub metrics_url: Option<String>,
    log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts the binary of workspace package `package` (binary `bin`).
    pub fn start(package: &str, bin: &str) -> Server {
        Self::start_with(package, bin, &[])
    }

    /// Starts it with extra environment variables.
    pub fn start_with(package: &str, bin: &str, env: &[(&str, &str)]) -> Server {
        let binary = crate::cargo::binary(package, bin);
        Self::spawn(&binary, std::env::temp_dir().as_path(), env)
    }

    /// Starts any app binary, from `cwd`, on a free port.
    pub fn spawn(binary: &Path, cwd: &Path, env: &[(&str, &str)]) -> Server {
        let mut command = Command::new(binary);
        command
            .current_dir(cwd)
            .env("LOLY_HOST", "127.0.0.1")
            .env("LOLY_PORT", "0")
            .env("LOLY_METRICS__ADDRESS", "127.0.0.1:0")
            .env_remove("LOLY_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", binary.display()));
        let log = Arc::new(Mutex::new(String::new()));
        let mut stderr = child.stderr.take().expect("piped stderr");
        let sink = log.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        let metrics = Arc::new(Mutex::new(None));
        let metrics_sink = metrics.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("loly: metrics on ") {
                    *metrics_sink.lock().unwrap_or_else(|e| e.into_inner()) = Some(rest.to_owned());
                }
                if let Some(rest) = line.strip_prefix("loly: listening on ") {
                    let _ = tx.send(rest.to_owned());
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        let address = loop {
            if let Ok(address) = rx.recv_timeout(Duration::from_millis(100)) {
                break address;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "{} exited with {status} before listening:\n{}",
                    binary.display(),
                    log.lock().unwrap_or_else(|e| e.into_inner())
                );
            }
            assert!(
                Instant::now() < deadline,
                "{} did not start listening in 30 s",
                binary.display()
            );
        };
        let (base_url, path) = split_address(&address);
        let metrics_url = metrics.lock().unwrap_or_else(|e| e.into_inner()).clone();
        Server {
            child,
            base_url,
            path,
            metrics_url,
            log,
        }
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The server's log once it contains `needle` (at most 10 s from now).
    pub fn wait_for_log(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = self.log();
            if log.contains(needle) {
                return log;
            }
            assert!(
                Instant::now() < deadline,
                "no `{needle}` in the log within 10 s:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

/// `http://127.0.0.1:1234/wss` -> (`http://127.0.0.1:1234`, `/wss`).
fn split_address(address: &str) -> (String, String) {
    let after_scheme = address.find("://").map(|i| i + 3).unwrap_or(0);
    match address[after_scheme..].find('/') {
        Some(slash) => (
            address[..after_scheme + slash].to_owned(),
            address[after_scheme + slash..].to_owned(),
        ),
        None => (address.to_owned(), "/".to_owned()),
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `package` in cluster mode on `redis_url`, with extra variables.
    pub fn cluster(package: &str, redis_url: &str, env: &[(&str, &str)]) -> Server {
        let mut all = vec![("LOLY_SCALE_MODE", "cluster"), ("REDIS_URL", redis_url)];
        all.extend_from_slice(env);
        Self::start_with(package, package, &all)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGKILL: the instance dies without saying goodbye.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM and waits (at most `limit`) for the exit status.
    pub fn terminate(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Runs an app binary that should refuse to start; returns its exit code
/// and standard error.
pub fn start_failure(package: &str, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let binary = crate::cargo::binary(package, package);
    let mut command = Command::new(binary);
    command
        .current_dir(std::env::temp_dir())
        .env("LOLY_HOST", "127.0.0.1")
        .env("LOLY_PORT", "0")
        .env("LOLY_METRICS__ADDRESS", "127.0.0.1:0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("the app starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            let output = child.wait_with_output().expect("output");
            return (
                output.status.code(),
                String::from_utf8_lossy(&output.stderr).into_owned(),
            );
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{package} was expected to refuse to start, and kept running");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
