//! Real PostgreSQL servers for the tests. A test binary shares one server
//! (`Postgres::shared`, started on first use), each test in its own database;
//! a test that stops, restarts or breaks the server itself starts its own
//! (`Postgres::start`).

use super::skip;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

/// `initdb` and `pg_ctl` in a temp dir (as `nobody` when running as root,
/// since initdb refuses root), on a random free port on 127.0.0.1, with
/// password authentication. Stopped, and its directory removed, when dropped
/// or when the test process ends however it ends (see `watchdog`).
pub struct Postgres {
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub password: String,
    /// Our end of the watchdog's stdin: closing it stops the server.
    watchdog: Mutex<Option<(Child, ChildStdin)>>,
}

pub fn pg_bin() -> Option<PathBuf> {
    if let Ok(out) = Command::new("sh")
        .args(["-c", "command -v initdb"])
        .output()
        && out.status.success()
    {
        let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if let Ok(real) = std::fs::canonicalize(&p) {
            return real.parent().map(Path::to_path_buf);
        }
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    found.sort();
    found.pop()
}

fn is_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

fn as_pg_user(bin: &Path, tool: &str, args: &[&str]) -> Command {
    let exe = bin.join(tool);
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "nobody", "--"]).arg(exe).args(args);
        c
    } else {
        let mut c = Command::new(exe);
        c.args(args);
        c
    }
}

/// A shell that waits for its stdin to close, then stops the server and
/// removes `dir`. The kernel closes our end when this process ends, even by
/// SIGKILL, so a server shared through a `static` (never dropped) does not
/// outlive its test binary. In its own process group, so that a Ctrl-C
/// meant for the tests does not kill it before it has stopped the server.
fn watchdog(bin: &Path, data: &Path, dir: &Path) -> (Child, ChildStdin) {
    use std::os::unix::process::CommandExt;
    let data = data.to_str().unwrap();
    let stop = as_pg_user(
        bin,
        "pg_ctl",
        &["-D", data, "-m", "immediate", "-w", "stop"],
    );
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(r#"cat >/dev/null; "$@"; rm -rf "$PG_TEST_DIR""#)
        .arg("sh")
        .arg(stop.get_program())
        .args(stop.get_args())
        .env("PG_TEST_DIR", dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("start the server's watchdog");
    let stdin = child.stdin.take().unwrap();
    (child, stdin)
}

static SHARED: OnceLock<Option<Postgres>> = OnceLock::new();

impl Postgres {
    /// This test binary's server, started on first use and stopped when the
    /// process ends; None (printing why, failing on CI) without PostgreSQL.
    /// Each test makes its own database(s) with `create_db`, under names no
    /// other test of the binary uses.
    pub fn shared() -> Option<&'static Postgres> {
        match SHARED.get_or_init(|| Postgres::launch().ok()) {
            Some(pg) => Some(pg),
            None => {
                skip("PostgreSQL (initdb) not found; .ci/run installs it");
                None
            }
        }
    }

    /// A server of the test's own, for a test that stops, restarts or kills
    /// it on purpose; None (printing why, failing on CI) without PostgreSQL.
    pub fn start() -> Option<Postgres> {
        match Postgres::launch() {
            Ok(pg) => Some(pg),
            Err(why) => {
                skip(why);
                None
            }
        }
    }

    fn launch() -> Result<Postgres, &'static str> {
        let bin = pg_bin().ok_or("PostgreSQL (initdb) not found; .ci/run installs it")?;
        let dir = tempfile::Builder::new()
            .prefix("understudy-pg")
            .tempdir()
            .expect("tempdir");
        if is_root() {
            std::os::unix::fs::chown(dir.path(), Some(65534), Some(65534)).expect("chown");
        }
        let password = "pg-s3cret-pw".to_string();
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, &password).unwrap();
        if is_root() {
            std::os::unix::fs::chown(&pwfile, Some(65534), Some(65534)).unwrap();
        }
        let data = dir.path().join("data");
        let st = as_pg_user(
            &bin,
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "understudy",
                "--pwfile",
                pwfile.to_str().unwrap(),
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C",
            ],
        )
        .output()
        .expect("run initdb");
        assert!(
            st.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&st.stderr)
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let opts = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            dir.path().display()
        );
        let log = dir.path().join("log");
        // Armed before the start, so that a server whose start we do not see
        // through is stopped all the same.
        let watchdog = watchdog(&bin, &data, dir.path());
        let st = as_pg_user(
            &bin,
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &opts,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "start",
            ],
        )
        .output()
        .expect("run pg_ctl");
        assert!(
            st.status.success(),
            "pg_ctl start failed: {}\n{}",
            String::from_utf8_lossy(&st.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        Ok(Postgres {
            dir,
            port,
            password,
            watchdog: Mutex::new(Some(watchdog)),
        })
    }

    pub fn dsn(&self, db: &str) -> String {
        format!(
            "postgres://understudy:{}@127.0.0.1:{}/{db}",
            self.password, self.port
        )
    }

    pub fn client(&self, db: &str) -> postgres::Client {
        postgres::Client::connect(&self.dsn(db), postgres::NoTls).expect("connect")
    }

    /// A fresh database, returning its DSN. On the shared server the name
    /// must be one no other test of the binary uses.
    pub fn create_db(&self, name: &str) -> String {
        self.client("postgres")
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("create database {name}: {e}"));
        self.dsn(name)
    }
}

impl Drop for Postgres {
    /// Stops the server now (rather than at process exit) and waits for it.
    fn drop(&mut self) {
        let taken = self.watchdog.get_mut().map(Option::take);
        if let Ok(Some((mut child, mut stdin))) = taken {
            let _ = stdin.flush();
            drop(stdin);
            let _ = child.wait();
        }
    }
}
