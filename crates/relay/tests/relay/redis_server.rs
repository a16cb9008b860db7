//! A real `redis-server` for one test (or one bench run): Debian's, on a Unix socket in a
//! temporary directory, no TCP port, persistence off and `noeviction`, as the packaged
//! `redis.conf` sets it. Stopped when dropped; [`RedisServer::stop`] and
//! [`RedisServer::start_again`] play a Redis restart (everything it held is gone).
//!
//! Shared by the relay's tests and its throughput bench (`#[path]`).

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisServer {
    directory: tempfile::TempDir,
    child: Option<Child>,
}

impl RedisServer {
    /// Start one and wait until it answers `PING`.
    pub fn start() -> Self {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let mut server = Self { directory, child: None };
        server.start_again();
        server
    }

    /// The socket's path.
    pub fn socket(&self) -> PathBuf {
        self.directory.path().join("redis.sock")
    }

    /// The relay's `redis_url` for it.
    pub fn url(&self) -> String {
        format!("redis+unix://{}", self.socket().display())
    }

    /// Stop it at once (SIGKILL: what a crash or a killed container does).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_file(self.socket());
    }

    /// Start it (again) on the same socket, empty.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "already running");
        let child = Command::new("redis-server")
            .args(["--port", "0", "--unixsocket"])
            .arg(self.socket())
            .args(["--unixsocketperm", "700", "--save", "", "--appendonly", "no"])
            .args(["--maxmemory", "256mb", "--maxmemory-policy", "noeviction"])
            .arg("--dir")
            .arg(self.directory.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (Debian's `redis-server` package; `scripts/setup.sh --test` installs it)");
        self.child = Some(child);
        // Waiting for another process to be ready, not for a timer of ours.
        let started = Instant::now();
        loop {
            if self.socket().exists() && self.command::<String>(&mut redis::cmd("PING")).is_ok() {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "redis-server did not start");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Freeze it (SIGSTOP): it accepts connections and answers nothing, as an overloaded or
    /// partitioned Redis does.
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    /// Let a frozen server go on (SIGCONT).
    pub fn thaw(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let status = Command::new("kill").args([signal, &pid]).status().expect("kill(1)");
        assert!(status.success(), "kill {signal} {pid}");
    }

    /// Run one command on it (the tests' own look inside).
    pub fn command<T: redis::FromRedisValue>(&self, command: &mut redis::Cmd) -> redis::RedisResult<T> {
        let client = redis::Client::open(self.url().as_str())?;
        let mut connection = client.get_connection()?;
        command.query(&mut connection)
    }

    /// Every key and its value (strings as they are; other types as their members).
    pub fn dump(&self) -> Vec<(String, String)> {
        let keys: Vec<String> = self.command(redis::cmd("KEYS").arg("*")).unwrap();
        keys.into_iter()
            .map(|key| {
                let kind: String = self.command(redis::cmd("TYPE").arg(&key)).unwrap();
                let value = match kind.as_str() {
                    "string" => self.command(redis::cmd("GET").arg(&key)).unwrap_or_default(),
                    "zset" => {
                        let members: Vec<String> =
                            self.command(redis::cmd("ZRANGE").arg(&key).arg(0).arg(-1)).unwrap();
                        members.join(" ")
                    }
                    other => other.to_string(),
                };
                (key, value)
            })
            .collect()
    }

    /// Bytes Redis holds for data (`INFO memory`'s `used_memory`).
    pub fn used_memory(&self) -> u64 {
        let info: String = self.command(redis::cmd("INFO").arg("memory")).unwrap();
        info.lines()
            .find_map(|line| line.strip_prefix("used_memory:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("INFO memory names used_memory")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
