//! Helpers shared by the integration tests: run the built binary, read its
//! outputs with parsers written independently of the product's writers.
#![allow(dead_code, unused_imports)]

mod cli;
pub mod ldif;
mod pg;
pub mod redis;
pub mod slapd;

pub use cli::{Ran, Understudy, understudy};
pub use pg::{Postgres, pg_bin};
pub use redis::Redis;
pub use slapd::Slapd;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_understudy"))
}

pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run understudy")
}

/// Runs and asserts success, returning stdout.
pub fn ok(args: &[&str]) -> Vec<u8> {
    let o = run(args);
    assert!(
        o.status.success(),
        "understudy {} failed: {}\n{}",
        args.join(" "),
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

/// A check that cannot run here (a tool or package is missing): says why and
/// lets the test return, except on CI (`CI` set), where a check that tested
/// nothing must fail: .ci/run installs everything the suite needs.
pub fn skip(why: &str) {
    skip_in(std::env::var_os("CI").is_some(), why)
}

pub fn skip_in(on_ci: bool, why: &str) {
    assert!(!on_ci, "cannot run on CI: {why}");
    // Straight to stderr, past the test harness's capture of `eprintln!`:
    // a skip shows in every run, not only with --nocapture.
    let _ = writeln!(std::io::stderr(), "SKIP: {why}");
}

/// Whether `tool` is on PATH.
pub fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// A JSON file (a report), parsed.
pub fn json(path: &Path) -> serde_json::Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// A port on 127.0.0.1 where nothing listens.
pub fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `count(*)` of a table in an SQLite file.
pub fn sqlite_count(db: &Path, table: &str) -> u64 {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
        r.get::<_, i64>(0)
    })
    .unwrap() as u64
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

pub fn path(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

pub fn sha256(path: &Path) -> String {
    use sha2::Digest;
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A CSV field as PostgreSQL reads it: unquoted empty is NULL.
pub type Field = Option<String>;

/// Parses CSV in PostgreSQL's convention (header row first).
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<Field>>) {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut rows = parse_csv(&text);
    let header = rows
        .remove(0)
        .into_iter()
        .map(|f| f.unwrap_or_default())
        .collect();
    (header, rows)
}

pub fn parse_csv(text: &str) -> Vec<Vec<Field>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let (mut quoted, mut in_quotes, mut at_start) = (false, false, true);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if at_start => {
                in_quotes = true;
                quoted = true;
                at_start = false;
            }
            ',' | '\n' => {
                let f = std::mem::take(&mut field);
                row.push(if f.is_empty() && !quoted {
                    None
                } else {
                    Some(f)
                });
                quoted = false;
                at_start = true;
                if c == '\n' {
                    rows.push(std::mem::take(&mut row));
                }
            }
            _ => {
                field.push(c);
                at_start = false;
            }
        }
    }
    assert!(
        field.is_empty() && row.is_empty(),
        "CSV must end with a newline"
    );
    rows
}

pub fn manifest(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("manifest.json");
    serde_json::from_str(&text).expect("manifest is JSON")
}

/// Peak RSS in KiB of a finished child, from wait4(2).
#[cfg(unix)]
pub fn run_peak_rss(cmd: &mut Command) -> (std::process::ExitStatus, u64) {
    use std::os::unix::process::ExitStatusExt;
    let child = cmd.spawn().expect("spawn");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child's pid with valid out-pointers.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4");
    std::mem::forget(child);
    (
        std::process::ExitStatus::from_raw(status),
        usage.ru_maxrss as u64,
    )
}

/// A Python virtualenv with `packages`, shared by the tests under
/// target/test-venv; `None` (with the reason printed) when it cannot be made.
pub fn python_venv(packages: &[&str]) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv");
    let py = dir.join("bin/python");
    let _lock = VENV.lock().unwrap_or_else(|e| e.into_inner());
    if !py.exists() {
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&dir)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            skip("python3 -m venv failed; install python3 and python3-venv to run this check");
            return None;
        }
    }
    let ok = Command::new(&py)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(packages)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        skip(&format!(
            "pip install {} failed (no registry access?)",
            packages.join(" ")
        ));
        return None;
    }
    Some(py)
}

static VENV: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// labels.csv as (table, row_key, field, label).
pub fn read_labels(dir: &Path) -> Vec<(String, String, String, String)> {
    let (h, rows) = read_csv(&dir.join("labels.csv"));
    assert_eq!(h, ["table", "row_key", "field", "label"]);
    rows.into_iter()
        .map(|r| {
            let f = |i: usize| r[i].clone().unwrap_or_default();
            (f(0), f(1), f(2), f(3))
        })
        .collect()
}

/// A small profile like `saas` (all its tables) with cheap hash parameters.
pub fn small_saas(dir: &Path) -> PathBuf {
    let saas = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/profiles/saas.toml"))
        .expect("saas.toml");
    let tables = &saas[saas.find("[tables.organizations]").expect("organizations")..];
    let text = format!(
        "name = \"small-saas\"\n[passwords]\npool_size = 8\nmix = [ {{ format = \"bcrypt\", share = 1, params = {{ cost = 4 }} }}, {{ format = \"argon2id\", share = 1, params = {{ m = 1024, t = 1 }} }} ]\n\n{tables}"
    );
    let p = dir.join("small-saas.toml");
    std::fs::write(&p, text).unwrap();
    p
}

/// A real MariaDB server for one test (the MySQL dialect's loader): a data
/// directory and a Unix socket in a temp dir, no network (`start`) or also
/// 127.0.0.1:`port` (`start_tcp`, for the `mysql://` target); stopped on
/// drop. `None` (printing why) when MariaDB is not installed.
pub struct Mariadb {
    pub dir: tempfile::TempDir,
    child: std::process::Child,
    /// The TCP port (`start_tcp`).
    pub port: u16,
}

/// The password of `Mariadb::start_tcp`'s user: characters a DSN must
/// percent-encode, so redaction is tested on what a driver decodes.
pub const MARIADB_PASSWORD: &str = "Se/cr3t:p@ss";

impl Mariadb {
    pub fn start() -> Option<Mariadb> {
        Mariadb::launch(None)
    }

    /// Also listening on a free port of 127.0.0.1, with a user `understudy`
    /// (password `MARIADB_PASSWORD`) allowed everything.
    pub fn start_tcp() -> Option<Mariadb> {
        let db = Mariadb::launch(Some(closed_port()))?;
        db.query(
            "",
            &format!(
                "CREATE USER 'understudy'@'127.0.0.1' IDENTIFIED BY '{MARIADB_PASSWORD}'; \
                 GRANT ALL ON *.* TO 'understudy'@'127.0.0.1'"
            ),
        );
        Some(db)
    }

    /// Creates database `name`; its `mysql://` DSN (`start_tcp`).
    pub fn create_db(&self, name: &str) -> String {
        self.query("", &format!("CREATE DATABASE {name}"));
        self.dsn(name)
    }

    /// The `mysql://` DSN of database `name`, password percent-encoded.
    pub fn dsn(&self, name: &str) -> String {
        format!(
            "mysql://understudy:Se%2Fcr3t%3Ap%40ss@127.0.0.1:{}/{name}",
            self.port
        )
    }

    fn launch(port: Option<u16>) -> Option<Mariadb> {
        let server = ["/usr/sbin/mariadbd", "/usr/sbin/mysqld"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists());
        let Some(server) = server else {
            skip("MariaDB (mariadbd) not found; apt-get install mariadb-server");
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("understudy-mariadb")
            .tempdir()
            .expect("tempdir");
        let is_root = unsafe { libc::geteuid() } == 0;
        if is_root {
            std::os::unix::fs::chown(dir.path(), Some(65534), Some(65534)).expect("chown");
        }
        let as_user = |exe: &Path| {
            if is_root {
                let mut c = Command::new("runuser");
                c.args(["-u", "nobody", "--"]).arg(exe);
                c
            } else {
                Command::new(exe)
            }
        };
        let data = dir.path().join("data");
        let st = as_user(Path::new("mariadb-install-db"))
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
            // Its own temp dir: bootstraps of parallel tests sharing /tmp
            // have failed on each other's `#sql-temptable-…` files.
            .arg(format!("--tmpdir={}", dir.path().display()))
            .output()
            .expect("run mariadb-install-db");
        assert!(
            st.status.success(),
            "mariadb-install-db failed: {}",
            String::from_utf8_lossy(&st.stderr)
        );
        let child = as_user(&server)
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", dir.path().join("sock").display()))
            .arg(format!("--pid-file={}", dir.path().join("pid").display()))
            .arg(format!(
                "--log-error={}",
                dir.path().join("err.log").display()
            ))
            .args(match port {
                Some(p) => vec![
                    format!("--port={p}"),
                    "--bind-address=127.0.0.1".to_string(),
                ],
                None => vec!["--skip-networking".to_string()],
            })
            .arg("--innodb-buffer-pool-size=32M")
            .arg(format!("--tmpdir={}", dir.path().display()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start mariadbd");
        let db = Mariadb {
            dir,
            child,
            port: port.unwrap_or(0),
        };
        for _ in 0..300 {
            if db
                .client("")
                .arg("-e")
                .arg("SELECT 1")
                .output()
                .is_ok_and(|o| o.status.success())
            {
                return Some(db);
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!(
            "MariaDB did not start: {}",
            std::fs::read_to_string(db.dir.path().join("err.log")).unwrap_or_default()
        );
    }

    /// The `mariadb` client on this server, as root, on database `db` ("" for none).
    pub fn client(&self, db: &str) -> Command {
        let mut c = Command::new("mariadb");
        c.arg(format!(
            "--socket={}",
            self.dir.path().join("sock").display()
        ))
        .args(["-u", "root", "--batch", "--skip-column-names"]);
        if !db.is_empty() {
            c.arg(db);
        }
        c
    }

    /// Runs `sql`, returning stdout (tab-separated rows).
    pub fn query(&self, db: &str, sql: &str) -> String {
        let o = self
            .client(db)
            .arg("-e")
            .arg(sql)
            .output()
            .expect("mariadb");
        assert!(
            o.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).expect("utf-8")
    }

    /// Feeds a script file to the client; returns its output.
    pub fn load(&self, db: &str, file: &Path) -> Output {
        self.client(db)
            .arg("--binary-mode")
            .stdin(std::fs::File::open(file).expect("open script"))
            .output()
            .expect("mariadb")
    }
}

impl Drop for Mariadb {
    fn drop(&mut self) {
        let _ = Command::new("mariadb-admin")
            .arg(format!(
                "--socket={}",
                self.dir.path().join("sock").display()
            ))
            .args(["-u", "root", "shutdown"])
            .output();
        let _ = self.child.wait();
    }
}

/// A users + sessions profile and a target schema whose email column is too
/// narrow. (Without edge cases no generated email exceeds 64 octets, so the
/// column is 30 characters wide: about one user in five is too long.)
pub fn narrow_profile(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("narrow.toml");
    std::fs::write(
        &p,
        r#"name = "narrow"
[passwords]
pool_size = 4
mix = [ { format = "bcrypt", share = 1, params = { cost = 4 } } ]
[tables.users.columns]
id            = { kind = "uuid" }
email         = { kind = "email", unique = true }
first_name    = { kind = "first_name" }
password_hash = { kind = "password_hash" }
[tables.sessions]
parent = "users"
per_parent = { dist = "uniform", min = 0, max = 3 }
[tables.sessions.columns]
id         = { kind = "sequence" }
user_id    = { kind = "parent" }
created_at = { kind = "timestamp", from = "2025-01-01", to = "2026-01-01" }
"#,
    )
    .unwrap();
    p
}

/// Runs `cmd` with its stdout dropped; on failure, the last line of stderr.
pub fn sh(cmd: &mut Command) -> Result<(), String> {
    match cmd.stdout(Stdio::null()).stderr(Stdio::piped()).output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(String::from_utf8_lossy(&o.stderr)
            .lines()
            .last()
            .unwrap_or("failed")
            .to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// The Python of an oracle's venv (`judge_venv`), or `None` once it said why
/// the check cannot run here (`UNDERSTUDY_SKIP_PYTHON` set, or no venv): a
/// `skip`, so a failure on CI.
pub fn oracle_python(
    name: &str,
    packages: &[&str],
    check: impl FnOnce(&Path) -> Result<(), String>,
) -> Option<PathBuf> {
    if std::env::var_os("UNDERSTUDY_SKIP_PYTHON").is_some() {
        skip("UNDERSTUDY_SKIP_PYTHON is set");
        return None;
    }
    judge_venv(name, packages, check)
        .map_err(|why| skip(&why))
        .ok()
}

/// A virtualenv `name` with an oracle's pinned `packages`, kept under the
/// target dir between runs (its own, so pins never fight another test's);
/// `check` runs once after pip, and a stamp file marks it complete.
pub fn judge_venv(
    name: &str,
    packages: &[&str],
    check: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<PathBuf, String> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let py = dir.join("bin/python");
    let stamp = dir.join("ok");
    if stamp.exists() {
        return Ok(py);
    }
    sh(Command::new("python3").args(["-m", "venv"]).arg(&dir))
        .map_err(|e| format!("cannot create a venv: {e}"))?;
    sh(Command::new(&py)
        .args(["-m", "pip", "install", "-q"])
        .args(packages))
    .map_err(|e| format!("pip install failed: {e}"))?;
    check(&py)?;
    std::fs::write(&stamp, "").map_err(|e| e.to_string())?;
    Ok(py)
}

/// The Chromium to open pages in (`UNDERSTUDY_CHROMIUM`, else `chromium`,
/// `chromium-browser` or `google-chrome` on PATH), when there is one and
/// python3 to drive it (tests/oracles/browser.py).
pub fn chromium() -> Option<PathBuf> {
    if !have("python3") {
        return None;
    }
    if let Some(p) = std::env::var_os("UNDERSTUDY_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find(|b| have(b))
        .map(PathBuf::from)
}
