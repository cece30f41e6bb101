//! Running the built binary: `understudy("rehearse").profile(p).users(1000)
//! .target(t).run().success()`. The common flags have methods, anything else
//! goes through `arg`/`args`; the result keeps the command line, so a failed
//! assertion shows what ran and everything it printed.

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// `understudy <command>`, to add flags to and run.
pub fn understudy(command: &str) -> Understudy {
    Understudy::new().arg(command)
}

pub struct Understudy {
    cmd: Command,
    shown: Vec<OsString>,
    stdin: Option<Vec<u8>>,
    deadline: Option<Duration>,
}

impl Default for Understudy {
    fn default() -> Self {
        Understudy::new()
    }
}

impl Understudy {
    /// The binary with no arguments yet.
    pub fn new() -> Understudy {
        Understudy {
            cmd: super::bin(),
            shown: Vec::new(),
            stdin: None,
            deadline: None,
        }
    }

    pub fn arg(mut self, a: impl AsRef<OsStr>) -> Self {
        self.cmd.arg(a.as_ref());
        self.shown.push(a.as_ref().to_owned());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        for a in args {
            self = self.arg(a);
        }
        self
    }

    /// `--name value`.
    pub fn flag(self, name: &str, value: impl AsRef<OsStr>) -> Self {
        self.arg(name).arg(value)
    }

    pub fn profile(self, p: impl AsRef<OsStr>) -> Self {
        self.flag("--profile", p)
    }

    pub fn users(self, n: impl ToString) -> Self {
        self.flag("--users", n.to_string())
    }

    pub fn target(self, t: impl AsRef<OsStr>) -> Self {
        self.flag("--target", t)
    }

    /// `--target sqlite:<path>`.
    pub fn sqlite(self, db: &Path) -> Self {
        self.target(format!("sqlite:{}", db.display()))
    }

    pub fn report(self, p: impl AsRef<OsStr>) -> Self {
        self.flag("--report", p)
    }

    pub fn html(self, p: impl AsRef<OsStr>) -> Self {
        self.flag("--html", p)
    }

    pub fn env(mut self, k: impl AsRef<OsStr>, v: impl AsRef<OsStr>) -> Self {
        self.cmd.env(k, v);
        self
    }

    pub fn env_remove(mut self, k: impl AsRef<OsStr>) -> Self {
        self.cmd.env_remove(k);
        self
    }

    pub fn current_dir(mut self, d: impl AsRef<Path>) -> Self {
        self.cmd.current_dir(d);
        self
    }

    pub fn stdin_null(mut self) -> Self {
        self.cmd.stdin(Stdio::null());
        self
    }

    /// Feeds `bytes` on stdin, then closes it.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    /// Kills the run past `limit` (its status is then a signal, `code` None).
    pub fn within(mut self, limit: Duration) -> Self {
        self.deadline = Some(limit);
        self
    }

    /// The command line as a person would type it, for messages.
    pub fn line(&self) -> String {
        std::iter::once("understudy".into())
            .chain(self.shown.iter().map(|a| a.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The `Command`, for what the builder does not cover (a child to kill).
    pub fn command(self) -> Command {
        self.cmd
    }

    /// Starts it with stdout and stderr discarded (a run to kill midway).
    pub fn spawn_quiet(mut self) -> Child {
        self.cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn understudy")
    }

    /// Runs to the end (or the deadline), capturing stdout and stderr.
    pub fn run(mut self) -> Ran {
        let line = self.line();
        let started = Instant::now();
        self.cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        if self.stdin.is_some() {
            self.cmd.stdin(Stdio::piped());
        }
        let mut child = self.cmd.spawn().unwrap_or_else(|e| panic!("{line}: {e}"));
        let feeder = self.stdin.take().map(|bytes| {
            let mut w = child.stdin.take().unwrap();
            // A closed pipe is the program's business; tests assert on it.
            std::thread::spawn(move || std::io::Write::write_all(&mut w, &bytes))
        });
        let read = |r: Option<Box<dyn std::io::Read + Send>>| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                if let Some(mut r) = r {
                    let _ = r.read_to_end(&mut buf);
                }
                buf
            })
        };
        let out = read(child.stdout.take().map(|r| Box::new(r) as _));
        let err = read(child.stderr.take().map(|r| Box::new(r) as _));
        let status = loop {
            let Some(limit) = self.deadline else {
                break child.wait().expect("wait for understudy");
            };
            if let Some(st) = child.try_wait().expect("wait for understudy") {
                break st;
            }
            if started.elapsed() > limit {
                let _ = child.kill();
                break child.wait().expect("wait for understudy");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let took = started.elapsed();
        if let Some(f) = feeder {
            let _ = f.join();
        }
        Ran {
            status,
            stdout: out.join().unwrap(),
            stderr: err.join().unwrap(),
            took,
            line,
        }
    }
}

/// A finished run. The assertions return it, so they chain:
/// `.run().code(2).stderr_contains("--resume")`.
pub struct Ran {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// From the start to the exit (or the kill at the deadline).
    pub took: Duration,
    /// The command line, for messages.
    pub line: String,
}

impl Ran {
    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn err(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// stdout then stderr, as a terminal would show them.
    pub fn text(&self) -> String {
        format!("{}{}", self.out(), self.err())
    }

    fn fail(&self, what: &str) -> ! {
        panic!(
            "{}\n{what} ({})\n--- stdout\n{}--- stderr\n{}",
            self.line,
            self.status,
            self.out(),
            self.err()
        )
    }

    pub fn success(self) -> Self {
        if !self.status.success() {
            self.fail("expected success");
        }
        self
    }

    /// Asserts the exit code.
    pub fn code(self, want: i32) -> Self {
        if self.status.code() != Some(want) {
            self.fail(&format!("expected exit code {want}"));
        }
        self
    }

    pub fn stdout_contains(self, s: &str) -> Self {
        if !self.out().contains(s) {
            self.fail(&format!("stdout lacks {s:?}"));
        }
        self
    }

    pub fn stderr_contains(self, s: &str) -> Self {
        if !self.err().contains(s) {
            self.fail(&format!("stderr lacks {s:?}"));
        }
        self
    }

    /// stdout or stderr holds `s`.
    pub fn text_contains(self, s: &str) -> Self {
        if !self.text().contains(s) {
            self.fail(&format!("the output lacks {s:?}"));
        }
        self
    }

    /// Neither stdout nor stderr holds `s`.
    pub fn text_lacks(self, s: &str) -> Self {
        if self.text().contains(s) {
            self.fail(&format!("the output shows {s:?}"));
        }
        self
    }
}
