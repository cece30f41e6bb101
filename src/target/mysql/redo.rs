//! The server's redo log, as `estimate` shrinks it for one window
//! (ARCHITECTURE.md § Settings put back). A long InnoDB load is held back by the
//! pages it must write back before its redo log can wrap; how many depends
//! on the pages dirtied per log's worth of rows, which grows with the
//! tables. A window into a copy at a share u_w of the load, with the log cut
//! to L·u_w/u, dirties as many pages per log's worth of rows as the load
//! does at share u: the same pressure at a fraction of the rows.
//!
//! MySQL 8.0.30+ sizes the log with `innodb_redo_log_capacity`, MariaDB
//! 10.9+ with `innodb_log_file_size`; both resize it while running. Neither
//! is persisted: a restarted server comes back with its configured size.

use crate::target::{Conn, DbResult};

/// A server's redo log: the variable that sizes it, its size, the least it
/// may be set to.
#[derive(Debug, Clone, PartialEq)]
pub struct RedoLog {
    pub variable: &'static str,
    pub bytes: u64,
    pub least: u64,
}

/// The redo log of the server behind `conn`, or None when the server sizes
/// it with neither variable (an older server, another engine).
pub fn redo_log(conn: &mut dyn Conn) -> Option<RedoLog> {
    let one = |conn: &mut dyn Conn, q: &str| -> Option<Vec<u64>> {
        let rows = conn.query(q).ok()?;
        rows.first()?
            .iter()
            .map(|v| v.as_deref()?.parse::<u64>().ok())
            .collect()
    };
    // MySQL's least capacity is 8 MiB.
    if let Some(v) = one(conn, "SELECT @@GLOBAL.innodb_redo_log_capacity") {
        return Some(RedoLog {
            variable: "innodb_redo_log_capacity",
            bytes: v[0],
            least: 8 << 20,
        });
    }
    // MariaDB refuses a log smaller than its log buffer.
    let v = one(
        conn,
        "SELECT @@GLOBAL.innodb_log_file_size, @@GLOBAL.innodb_log_buffer_size",
    )?;
    Some(RedoLog {
        variable: "innodb_log_file_size",
        bytes: v[0],
        least: v[1].max(1 << 20),
    })
}

/// Sets the log's size; the server resizes it before it answers.
pub fn resize(conn: &mut dyn Conn, log: &RedoLog, bytes: u64) -> DbResult<()> {
    conn.batch(&format!("SET GLOBAL {} = {bytes}", log.variable))
}

/// Redo bytes the server has written since it started.
pub fn written(conn: &mut dyn Conn) -> Option<u64> {
    let rows = conn
        .query("SHOW GLOBAL STATUS LIKE 'Innodb_os_log_written'")
        .ok()?;
    rows.first()?.get(1)?.as_deref()?.parse().ok()
}

/// The size that makes a copy at share `copy` of the load meet the log
/// pressure of the load at share `like`: L·copy/like, in whole MiB, at
/// least the server's least; None when that is not smaller than the log.
pub fn shrunk_size(log: &RedoLog, copy: f64, like: f64) -> Option<u64> {
    let mib = 1u64 << 20;
    let want = (log.bytes as f64 * copy / like.max(copy)) as u64 / mib * mib;
    let bytes = want.max(log.least.div_ceil(mib) * mib);
    (bytes < log.bytes).then_some(bytes)
}

/// The share of the load whose log pressure a copy at share `copy` meets
/// with a log of `bytes`.
pub fn share_like(log: &RedoLog, copy: f64, bytes: u64) -> f64 {
    (copy * log.bytes as f64 / bytes.max(1) as f64).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mariadb(mib: u64) -> RedoLog {
        RedoLog {
            variable: "innodb_log_file_size",
            bytes: mib << 20,
            least: 16 << 20,
        }
    }

    #[test]
    fn the_log_is_cut_in_proportion_to_the_copy_down_to_the_least_allowed() {
        // 1 GiB log, a copy at a sixteenth, the load's middle: 128 MiB.
        assert_eq!(
            shrunk_size(&mariadb(1024), 1.0 / 16.0, 0.5),
            Some(128 << 20)
        );
        // MariaDB's default 96 MiB: 12 MiB is below the 16 MiB log buffer.
        let log = mariadb(96);
        let s = shrunk_size(&log, 1.0 / 16.0, 0.5).unwrap();
        assert_eq!(s, 16 << 20);
        assert!((share_like(&log, 1.0 / 16.0, s) - 0.375).abs() < 1e-9);
        // A log already at its least is left alone.
        assert_eq!(shrunk_size(&mariadb(16), 1.0 / 16.0, 0.5), None);
    }
}
