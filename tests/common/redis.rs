//! A throwaway Redis server (Debian `redis-server`): persistence off
//! (`--save '' --appendonly no`), on a free port of 127.0.0.1, its files in
//! a temp dir, stopped on drop. The package's own daemon is never used.

use super::{closed_port, skip};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Redis {
    pub dir: tempfile::TempDir,
    child: Child,
    pub port: u16,
    /// `--requirepass`, given to `redis-cli` as well.
    pass: Option<String>,
}

impl Redis {
    /// A running empty server; `None` (printing why) when Redis is not installed.
    pub fn start() -> Option<Redis> {
        Self::start_with(None)
    }

    /// A running empty server asking for `pass` when given.
    pub fn start_with(pass: Option<&str>) -> Option<Redis> {
        if !super::have("redis-server") || !super::have("redis-cli") {
            skip("redis-server or redis-cli not found; apt-get install redis-server redis-tools");
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("understudy-redis")
            .tempdir()
            .expect("tempdir");
        let port = closed_port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .args(pass.map(|p| ["--requirepass", p]).into_iter().flatten())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        let r = Redis {
            dir,
            child,
            port,
            pass: pass.map(str::to_string),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while r.cli(&["PING"]).trim() != "PONG" {
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(r)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// `redis-cli` with `args`, its stdout.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "--no-raw"])
            .args(self.auth())
            .args(args)
            .output()
            .expect("redis-cli");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `redis-cli --raw` with `args`: one reply element per line.
    pub fn raw(&self, args: &[&str]) -> Vec<u8> {
        Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "--raw"])
            .args(self.auth())
            .args(args)
            .output()
            .expect("redis-cli")
            .stdout
    }

    /// `redis-cli --pipe < file`: its report (`errors: N, replies: N`).
    pub fn pipe(&self, file: &std::path::Path) -> String {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "--pipe"])
            .args(self.auth())
            .stdin(std::fs::File::open(file).expect("RESP file"))
            .output()
            .expect("redis-cli --pipe");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Redis {
    fn auth(&self) -> Vec<String> {
        match &self.pass {
            Some(p) => vec!["-a".into(), p.clone(), "--no-auth-warning".into()],
            None => Vec::new(),
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
