//! Reaching a target, one rule for every kind of target and every phase: a
//! target that cannot be reached at all when a run starts is reported at once
//! (exit 3, with a hint); once it has been reached, a lost connection is
//! waited for within `--retry-for` (connect, create the schema, load,
//! verify), with a line on stderr when the wait begins and a reminder now and
//! then, not one per attempt.
//!
//! Also the guard against two rehearsals writing to one target at once: a
//! session-level advisory lock on PostgreSQL, an exclusive lock on a file
//! beside the database on SQLite. Both vanish with their process, even a
//! killed one, so a crash never leaves a stale lock behind.

use super::{Conn, Target};
use crate::error::{Error, ErrorKind, Result};
use std::time::{Duration, Instant};

/// How long the first contact may take before the target counts as unreachable.
pub const FIRST_CONTACT: Duration = Duration::from_secs(5);

/// Opens the first connection of a run: any failure is final (exit 3), with
/// a hint on what to check.
pub fn reach(target: &Target) -> Result<Box<dyn Conn>> {
    target
        .open(Some(FIRST_CONTACT))
        .map_err(|e| match e.error.kind {
            ErrorKind::Target => Error::target(format!("{}\n  hint: {}", e.error, hint(target))),
            _ => e.error,
        })
}

/// An SQLite target's directory exists and takes new files (checked by
/// making and removing one), without creating the database.
pub fn usable_dir(target: &Target) -> Result<()> {
    let Target::Sqlite(p) = target else {
        return Ok(());
    };
    let dir = p
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let probe = dir.join(format!(".understudy-probe-{}", std::process::id()));
    std::fs::create_dir(&probe)
        .and_then(|()| std::fs::remove_dir(&probe))
        .map_err(|e| {
            Error::target(format!(
                "cannot use {}: {e}\n  hint: {}",
                target.redacted(),
                hint(target)
            ))
        })
}

/// What to check when a target cannot be reached.
pub fn hint(target: &Target) -> String {
    match target {
        Target::Sqlite(p) => {
            let dir = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            format!(
                "the directory {} must exist and be writable (understudy creates the database file, not its directory)",
                dir.display()
            )
        }
        Target::Postgres(dsn) => {
            let place = dsn
                .parse::<postgres::Config>()
                .ok()
                .and_then(|c| {
                    let port = c.get_ports().first().copied().unwrap_or(5432);
                    match c.get_hosts().first()? {
                        postgres::config::Host::Tcp(h) => Some(format!("{h}:{port}")),
                        #[cfg(unix)]
                        postgres::config::Host::Unix(p) => Some(format!("{}", p.display())),
                    }
                })
                .unwrap_or_else(|| "the given host".into());
            format!(
                "is PostgreSQL running and accepting connections at {place}? check the host, port, user, password (or PGPASSWORD) and database name"
            )
        }
    }
}

pub use crate::retry::{Waiting, backoff};

/// Connects to a target already reached once, waiting out a lost network or
/// a server that is restarting for up to `retry_for`.
pub fn connect(target: &Target, retry_for: Duration, waiting: &Waiting) -> Result<Box<dyn Conn>> {
    let started = Instant::now();
    let mut attempt = 0;
    loop {
        match target.open(None) {
            Ok(c) => {
                waiting.back();
                return Ok(c);
            }
            Err(e) if e.transient && started.elapsed() < retry_for => {
                waiting.lost(&e.error.message);
                std::thread::sleep(
                    backoff(attempt).min(retry_for.saturating_sub(started.elapsed())),
                );
                attempt += 1;
            }
            Err(e) => return Err(e.error),
        }
    }
}

/// Runs `phase` on `conn`; when it fails because the connection was lost
/// (the connection no longer answers), reconnects and runs it again, for up
/// to `retry_for`. `phase` must be safe to repeat from the start.
pub fn phase<T>(
    target: &Target,
    conn: &mut Box<dyn Conn>,
    retry_for: Duration,
    waiting: &Waiting,
    mut phase: impl FnMut(&mut dyn Conn) -> Result<T>,
) -> Result<T> {
    let started = Instant::now();
    let mut attempt = 0;
    loop {
        match phase(conn.as_mut()) {
            Ok(v) => {
                waiting.back();
                return Ok(v);
            }
            Err(e)
                if e.kind == ErrorKind::Target
                    && started.elapsed() < retry_for
                    && lost(conn.as_mut()) =>
            {
                waiting.lost(&e.message);
                std::thread::sleep(backoff(attempt));
                attempt += 1;
                *conn = connect(target, retry_for.saturating_sub(started.elapsed()), waiting)?;
            }
            Err(e) => return Err(e),
        }
    }
}

/// The connection no longer answers: the failure before was the network's.
fn lost(conn: &mut dyn Conn) -> bool {
    matches!(conn.query("SELECT 1"), Err(e) if e.is_transient())
}

/// Held while a run writes to a target; a second run is refused meanwhile.
pub enum Lock {
    /// The session holding `pg_try_advisory_lock`.
    Session(#[allow(dead_code)] Box<dyn Conn>),
    /// The open, locked file beside the database (removed on release).
    File(std::fs::File, std::path::PathBuf),
}

impl Drop for Lock {
    fn drop(&mut self) {
        if let Lock::File(_, path) = self {
            // Removed while still locked: a run that opened the old file
            // finds it unlinked after locking it, and starts over.
            let _ = std::fs::remove_file(path);
        }
    }
}

fn busy(target: &Target, holder: &str) -> Error {
    Error::usage(format!(
        "another rehearsal{holder} is writing to this target ({}); wait for it to finish, or use another target",
        target.redacted()
    ))
}

/// First contact with a run's target (`reach`), then its writer lock, held
/// until the `Lock` is dropped; exit 2 when another rehearsal holds it. An
/// SQLite database that does not exist yet is not created here (a refusal
/// later leaves nothing behind): its directory is checked instead.
pub fn reach_and_lock(target: &Target) -> Result<Lock> {
    match target {
        Target::Postgres(_) => lock_session(target, reach(target)?),
        Target::Sqlite(path) => {
            if path.exists() {
                drop(reach(target)?);
            } else {
                usable_dir(target)?;
            }
            lock_file(target, path)
        }
    }
}

/// Keyed on the bookkeeping table's schema: advisory locks are per database,
/// and `estimate`'s scratch schemas are separate rehearsals.
fn lock_session(target: &Target, mut conn: Box<dyn Conn>) -> Result<Lock> {
    let rows = conn
        .query(&format!(
            "SELECT pg_try_advisory_lock(hashtext('understudy:' || coalesce(current_schema(), '') || '.{}'))",
            super::PROGRESS_TABLE
        ))
        .map_err(|e| {
            Error::target(format!(
                "cannot take the writer lock on {}: {e}",
                target.redacted()
            ))
        })?;
    match rows.first().and_then(|r| r.first()).cloned().flatten() {
        Some(v) if v == "t" => Ok(Lock::Session(conn)),
        _ => Err(busy(target, "")),
    }
}

fn lock_file(target: &Target, db: &std::path::Path) -> Result<Lock> {
    use std::io::{Read, Seek, Write};
    let mut name = db.as_os_str().to_owned();
    name.push("-understudy-lock");
    let path = std::path::PathBuf::from(name);
    let cannot = |e: std::io::Error| {
        Error::target(format!(
            "cannot lock {} ({}): {e}\n  hint: {}",
            target.redacted(),
            path.display(),
            hint(target)
        ))
    };
    loop {
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(cannot)?;
        match f.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut pid = String::new();
                let _ = f.read_to_string(&mut pid);
                let pid = pid.trim();
                let holder = if pid.is_empty() {
                    String::new()
                } else {
                    format!(" (pid {pid})")
                };
                return Err(busy(target, &holder));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(cannot(e)),
        }
        // The holder before us may have removed the file between our open
        // and our lock: then the lock is on a file nobody else will see.
        if !same_file(&f, &path) {
            continue;
        }
        f.set_len(0).map_err(cannot)?;
        f.rewind().map_err(cannot)?;
        write!(f, "{}", std::process::id()).map_err(cannot)?;
        return Ok(Lock::File(f, path));
    }
}

#[cfg(unix)]
fn same_file(f: &std::fs::File, path: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (f.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::File, path: &std::path::Path) -> bool {
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_of_an_sqlite_target_is_refused_until_the_first_is_done() {
        let d = tempfile::tempdir().unwrap();
        let t = Target::Sqlite(d.path().join("x.db"));
        let first = lock_file(&t, &d.path().join("x.db")).expect("first lock");
        let e = lock_file(&t, &d.path().join("x.db"))
            .err()
            .expect("refused");
        assert_eq!(e.kind, ErrorKind::Usage);
        assert!(
            e.message.contains(&format!(
                "another rehearsal (pid {}) is writing to this target",
                std::process::id()
            )),
            "{e}"
        );
        drop(first);
        assert!(!d.path().join("x.db-understudy-lock").exists());
        lock_file(&t, &d.path().join("x.db")).expect("free again");
    }

    /// A connection whose network is gone: every call fails as lost.
    struct Gone;

    impl Conn for Gone {
        fn batch(&mut self, _: &str) -> crate::target::DbResult<()> {
            Err(gone())
        }
        fn load(
            &mut self,
            _: &crate::target::LoadTable,
            _: &crate::target::Rows,
            _: std::ops::Range<usize>,
            _: crate::target::Method,
        ) -> crate::target::DbResult<()> {
            Err(gone())
        }
        fn query(&mut self, _: &str) -> crate::target::DbResult<Vec<Vec<Option<String>>>> {
            Err(gone())
        }
        fn columns_sql(&self, _: &str) -> String {
            String::new()
        }
        fn scan(
            &mut self,
            _: &str,
            _: &[crate::target::ReadColumn],
            _: &mut dyn FnMut(&[Option<&str>]),
        ) -> crate::target::DbResult<()> {
            Err(gone())
        }
        fn dialect(&self) -> crate::sink::Dialect {
            crate::sink::Dialect::Sqlite
        }
    }

    fn gone() -> crate::target::DbError {
        crate::target::DbError {
            class: crate::target::ErrorClass::Connection,
            message: "connection reset".into(),
        }
    }

    #[test]
    fn a_phase_cut_by_a_lost_connection_runs_again_on_a_new_one() {
        let d = tempfile::tempdir().unwrap();
        let t = Target::Sqlite(d.path().join("x.db"));
        let w = Waiting::new("t", Duration::from_secs(60), true);
        let mut conn: Box<dyn Conn> = Box::new(Gone);
        let mut runs = 0;
        let v = phase(&t, &mut conn, Duration::from_secs(60), &w, |c| {
            runs += 1;
            c.batch("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
                .map_err(|e| Error::target(e.to_string()))?;
            Ok(7)
        })
        .expect("done on the new connection");
        assert_eq!((v, runs), (7, 2));
    }

    #[test]
    fn a_phase_that_fails_on_a_live_connection_is_not_retried() {
        let d = tempfile::tempdir().unwrap();
        let t = Target::Sqlite(d.path().join("x.db"));
        let w = Waiting::new("t", Duration::from_secs(60), true);
        let mut conn = t.connect().unwrap();
        let mut runs = 0;
        let e = phase(&t, &mut conn, Duration::from_secs(60), &w, |c| {
            runs += 1;
            c.batch("SELECT * FROM no_such_table")
                .map_err(|e| Error::target(e.to_string()))
        })
        .unwrap_err();
        assert_eq!(runs, 1, "{e}");
    }
}
