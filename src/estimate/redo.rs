//! MySQL's window at size under a cut redo log (`target::mysql::redo`,
//! ARCHITECTURE.md § Settings put back): the log cut on a connection of its
//! own while the copy is filled (the server cuts it once the pages dirtied
//! before are written back: seconds after a fill), SIGINT and SIGTERM held
//! from then until it is back so that an interrupted estimate still puts it
//! back, and the log put back on a connection of its own while the sweep
//! runs (growing it takes the server seconds too).

use crate::error::{Error, Result};
use crate::target::Conn;
use crate::target::Target;
use crate::target::mysql::redo::{self, RedoLog};

fn mib(b: u64) -> String {
    format!("{} MiB", b >> 20)
}

/// Puts the log back to its size on a connection of its own.
fn put_back(target: &Target, log: &RedoLog) -> std::result::Result<(), String> {
    let mut conn = target.connect().map_err(|e| e.to_string())?;
    redo::resize(conn.as_mut(), log, log.bytes).map_err(|e| e.to_string())
}

/// What to tell the user when the log could not be put back (`e`).
fn not_back(log: &RedoLog, e: &str) -> String {
    format!(
        "the server's redo log could not be put back to {} ({e}): run SET GLOBAL {} = {}",
        mib(log.bytes),
        log.variable,
        log.bytes
    )
}

/// A log cut for one window.
pub struct Shrunk {
    log: RedoLog,
    bytes: u64,
    /// Redo bytes written before the window, when the server says.
    written: Option<u64>,
    /// The load's share whose log pressure the window meets.
    like: f64,
}

/// Cuts the log of the server behind `conn` so that a copy at share `copy`
/// of the load meets the log pressure of the load at share `like`; says
/// why not in `notes` when it cannot (the window then meets the pressure
/// of its own size, and the projection is likely low).
fn shrink(
    conn: &mut dyn Conn,
    copy: f64,
    like: f64,
    quiet: bool,
    notes: &mut Vec<String>,
) -> Option<Shrunk> {
    let low = "the window met little of the page write-back that holds a long InnoDB load back, so the projection is likely low (−25 % to −50 % at 1M `saas` on MariaDB, docs/estimate.md § Measured)";
    let Some(log) = redo::redo_log(conn) else {
        notes.push(format!(
            "the server's redo log cannot be resized while it runs (MySQL 8.0.30+ and MariaDB 10.9+ can): {low}"
        ));
        return None;
    };
    let Some(bytes) = redo::shrunk_size(&log, copy, like) else {
        notes.push(format!(
            "the server's redo log ({} = {}) is at the least it may be: the window at {:.1} % of the load met the log pressure of the load at {:.0} % of it",
            log.variable,
            mib(log.bytes),
            copy * 100.0,
            redo::share_like(&log, copy, log.bytes) * 100.0
        ));
        return None;
    };
    // Held from before the log is cut: a signal meanwhile is seen after the
    // step under way (fill, key build, window), which then puts the log back.
    crate::generate::catch_interrupts();
    if !quiet {
        eprintln!(
            "understudy: the server's redo log is cut from {} to {} for one window of a few seconds, then put back (if this is killed meanwhile: SET GLOBAL {} = {})",
            mib(log.bytes),
            mib(bytes),
            log.variable,
            log.bytes
        );
    }
    if let Err(e) = redo::resize(conn, &log, bytes) {
        crate::generate::default_interrupts();
        notes.push(format!(
            "the server's redo log could not be cut for the window (SET GLOBAL {} was refused: {e}): {low}; a user allowed SET GLOBAL avoids it",
            log.variable
        ));
        return None;
    }
    Some(Shrunk {
        written: None,
        like: redo::share_like(&log, copy, bytes),
        log,
        bytes,
    })
}

/// `shrink` on a connection of its own while the copy is filled: the
/// server cuts its log once the pages dirtied before are written back,
/// seconds after a fill. Dropped unwaited (the fill failed), it puts the
/// log back.
pub struct Shrinking {
    handle: Option<std::thread::JoinHandle<(Option<Shrunk>, Vec<String>)>>,
    target: Target,
}

impl Shrinking {
    pub fn start(target: &Target, copy: f64, like: f64, quiet: bool) -> Shrinking {
        let t = target.clone();
        let handle = std::thread::spawn(move || {
            let mut notes = Vec::new();
            let shrunk = match t.connect() {
                Ok(mut c) => shrink(c.as_mut(), copy, like, quiet, &mut notes),
                Err(e) => {
                    notes.push(format!(
                        "the server's redo log could not be cut for the window (cannot connect: {e})"
                    ));
                    None
                }
            };
            (shrunk, notes)
        });
        Shrinking {
            handle: Some(handle),
            target: target.clone(),
        }
    }

    /// The log cut, once the server has cut it (notes on why not, if not);
    /// the window's redo counted from here on `conn`.
    pub fn wait(mut self, conn: &mut dyn Conn, notes: &mut Vec<String>) -> Option<Shrunk> {
        let (shrunk, n) = self.handle.take()?.join().unwrap_or_else(|_| {
            (
                None,
                vec!["the server's redo log could not be cut for the window (the thread cutting it panicked)".into()],
            )
        });
        notes.extend(n);
        shrunk.map(|s| Shrunk {
            written: redo::written(conn),
            ..s
        })
    }

    /// When SIGINT or SIGTERM came while the log was being cut (during the
    /// fill or the key build): the log put back, and the estimate's error.
    pub fn interrupted(&mut self) -> Option<Error> {
        if !crate::generate::interrupted() {
            return None;
        }
        let (log, failed) = self.put_back()?;
        Some(interrupted(&log, failed))
    }

    /// Waits for the cut, then puts the log back if it was cut: the log,
    /// and why it is not back, if it is not.
    fn put_back(&mut self) -> Option<(RedoLog, Option<String>)> {
        let Some(Ok((Some(s), _))) = self.handle.take().map(|h| h.join()) else {
            return None;
        };
        let back = put_back(&self.target, &s.log);
        crate::generate::default_interrupts();
        Some((s.log, back.err()))
    }
}

impl Drop for Shrinking {
    fn drop(&mut self) {
        if let Some((log, Some(e))) = self.put_back() {
            eprintln!("understudy: {}", not_back(&log, &e));
        }
    }
}

impl Shrunk {
    /// After the window: a note on what the window met, and the log put
    /// back in the background (at once, and the estimate stopped, when it
    /// was interrupted). SIGINT and SIGTERM stay held until it is back:
    /// the fill, the key build and the sweep's samples stop for them
    /// (`Shrinking::interrupted`, `Restore::interrupted`).
    pub fn window_done(
        self,
        conn: &mut dyn Conn,
        target: &Target,
        copy: f64,
        notes: &mut Vec<String>,
    ) -> Result<Restore> {
        let wrote = match (self.written, redo::written(conn)) {
            (Some(a), Some(b)) if b > a => format!(
                "; the window wrote {} of redo, {:.0} times the cut log",
                mib(b - a),
                (b - a) as f64 / self.bytes as f64
            ),
            _ => String::new(),
        };
        notes.push(format!(
            "the server's redo log ({}) was cut from {} to {} for the window at {:.1} % of the load, so that it met the page write-back per row of the full load at {:.0} % of it (its log's worth of rows against its tables), and put back after it{wrote}",
            self.log.variable,
            mib(self.log.bytes),
            mib(self.bytes),
            copy * 100.0,
            self.like * 100.0
        ));
        if crate::generate::interrupted() {
            let back = redo::resize(conn, &self.log, self.log.bytes);
            crate::generate::default_interrupts();
            return Err(interrupted(&self.log, back.err().map(|e| e.to_string())));
        }
        Ok(Restore::start(target, self.log))
    }
}

/// The error of an estimate stopped by SIGINT or SIGTERM while the log was
/// cut, once it is put back (or `failed` says why not).
fn interrupted(log: &RedoLog, failed: Option<String>) -> Error {
    Error::interrupted(match failed {
        None => format!(
            "interrupted: the server's redo log is back at {}; a scratch database may be left behind (understudy_estimate_*)",
            mib(log.bytes)
        ),
        Some(e) => format!("interrupted, and {}", not_back(log, &e)),
    })
}

/// The log being put back on a connection of its own; joined by `finish`,
/// or on drop (an estimate that fails still waits for it).
pub struct Restore {
    handle: Option<std::thread::JoinHandle<std::result::Result<(), String>>>,
    log: RedoLog,
}

impl Restore {
    fn start(target: &Target, log: RedoLog) -> Restore {
        let (t, l) = (target.clone(), log.clone());
        let handle = std::thread::spawn(move || put_back(&t, &l));
        Restore {
            handle: Some(handle),
            log,
        }
    }

    /// Waits for the log to be back; what to tell the user when it is not.
    pub fn finish(mut self) -> Option<String> {
        self.join().map(|e| not_back(&self.log, &e))
    }

    /// When SIGINT or SIGTERM came while the log was cut: waits for it to
    /// be back and gives the estimate's error.
    pub fn interrupted(&mut self) -> Option<Error> {
        if !crate::generate::interrupted() {
            return None;
        }
        let failed = self.join();
        Some(interrupted(&self.log, failed))
    }

    /// Waits for the thread; SIGINT and SIGTERM then stop at once again.
    /// Why the log is not back, if it is not.
    fn join(&mut self) -> Option<String> {
        let r = self.handle.take()?.join();
        crate::generate::default_interrupts();
        match r {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e),
            Err(_) => Some("the thread putting it back panicked".into()),
        }
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        if let Some(e) = self.join() {
            eprintln!("understudy: {}", not_back(&self.log, &e));
        }
    }
}
