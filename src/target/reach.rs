//! Reaching a target, one rule for every kind of target and every phase: a
//! target that cannot be reached at all when a run starts is reported at once
//! (exit 3, with a hint); once it has been reached, a lost connection is
//! waited for within `--retry-for` (connect, create the schema, load,
//! verify), with a line on stderr when the wait begins and a reminder now and
//! then, not one per attempt.
//!
//! Also the guard against two rehearsals writing to one target at once: each
//! kind of target takes its own writer lock (`Driver::reach_and_lock`), one
//! that vanishes with its process, even a killed one, so a crash never leaves
//! a stale lock behind.

use super::{Conn, Lock, Target};
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
            ErrorKind::Target => Error::target(format!("{}\n  hint: {}", e.error, target.hint())),
            _ => e.error,
        })
}

/// A file target's directory exists and takes new files (checked by
/// making and removing one), without creating the database.
pub fn usable_dir(target: &Target) -> Result<()> {
    let Some(p) = target.file() else {
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
                target.hint()
            ))
        })
}

use crate::retry::{Waiting, backoff};

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

/// First contact with a run's target (`reach`), then its writer lock, held
/// until the `Lock` is dropped; exit 2 when another rehearsal holds it.
pub fn reach_and_lock(target: &Target) -> Result<Lock> {
    target.driver().reach_and_lock()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        fn lookup(
            &mut self,
            _: &str,
            _: &str,
            _: &[&str],
            _: &str,
        ) -> crate::target::DbResult<Option<Vec<Option<String>>>> {
            Err(gone())
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
        let t = crate::target::sqlite::target(d.path().join("x.db"));
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
        let t = crate::target::sqlite::target(d.path().join("x.db"));
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
