//! MySQL/MariaDB target (crate `mysql`, no TLS). `copy` streams each batch
//! with `LOAD DATA LOCAL INFILE` from memory (a local-infile handler hands the
//! server the batch's bytes: no file with user data is written); `insert`
//! sends multi-row prepared INSERTs (values travel as parameters, never as
//! escaped text); `upsert` adds `ON DUPLICATE KEY UPDATE k = k`, which skips
//! a row whose key exists and, unlike `INSERT IGNORE`, still refuses a value
//! that is too long or not valid UTF-8 (IGNORE would truncate it with a
//! warning). Tables the profile describes are created by the MySQL dialect
//! of `sink::sql` (InnoDB, utf8mb4, utf8mb4_bin).
//!
//! The session runs in UTC and utf8mb4 with a strict `sql_mode` (`SQL_MODE`
//! below) unless the DSN asks for another (`?sql_mode=server` keeps the
//! server's global mode, `?sql_mode=A,B` sets those modes: `SqlMode`).
//! `ANSI_QUOTES` and `NO_BACKSLASH_ESCAPES` are always added because the SQL
//! the harness and `bookkeeping` share with the other kinds quotes
//! identifiers with `"` and escapes literals by doubling `'` only
//! (`target::ident`, `target::literal`). The mode in effect is read back
//! from the server (`Conn::settings`).
//!
//! Outside strict mode the server keeps a row whose value it changed
//! (truncated, `?` for a character the column's character set lacks) and
//! only warns: after each statement the warnings are read (`SHOW WARNINGS`)
//! and tied to their rows by the "at row N" they end with (`take_warnings`).

mod catalog;
pub mod redo;

use super::{
    Conn, ConnectError, DbError, DbResult, Driver, ErrorClass, Kind, LoadTable, Loading, Lock,
    Method, PROGRESS_TABLE, REJECTS_TABLE, ReadColumn, Rows, Target, Warning, ident, redact,
};
use crate::error::{Error, Result};
use crate::row::FieldKind;
use mysql::prelude::Queryable;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const KIND_NAME: &str = "mysql";

/// The registry's line for MySQL and MariaDB.
pub const KIND: Kind = Kind {
    prefixes: &["mysql://", "mariadb://"],
    form: "mysql://user:pass@host:port/db",
    parse,
};

/// The session's `sql_mode` by default: strict (a value that does not fit
/// is refused, not truncated), no zero dates, and the quoting the shared SQL
/// expects.
pub const SQL_MODE: &str = "STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,\
ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,ANSI_QUOTES,NO_BACKSLASH_ESCAPES";

/// The modes every session has, whatever the DSN asks for.
const QUOTING: &str = "ANSI_QUOTES,NO_BACKSLASH_ESCAPES";

/// The DSN's query parameter choosing the session's `sql_mode`.
const SQL_MODE_PARAM: &str = "sql_mode";

/// The session `sql_mode` a DSN asks for with `?sql_mode=`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum SqlMode {
    /// No parameter: `SQL_MODE`.
    Strict,
    /// `server`: the server's global `sql_mode` (what the application's own
    /// sessions get), plus `QUOTING`.
    Server,
    /// A comma-separated list of modes (empty: none), plus `QUOTING`.
    Listed(String),
}

impl SqlMode {
    fn statement(&self) -> String {
        match self {
            SqlMode::Strict => format!("SET SESSION sql_mode = '{SQL_MODE}'"),
            SqlMode::Server => format!(
                "SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@GLOBAL.sql_mode, ''), '{QUOTING}')"
            ),
            SqlMode::Listed(m) if m.is_empty() => format!("SET SESSION sql_mode = '{QUOTING}'"),
            SqlMode::Listed(m) => format!("SET SESSION sql_mode = '{m},{QUOTING}'"),
        }
    }
}

/// The DSN without understudy's own `sql_mode` parameter (the driver
/// refuses parameters it does not know), and the mode it asks for.
fn split_dsn(dsn: &str) -> Result<(String, SqlMode)> {
    // The query starts at the first `?` after the user info.
    let host_at = dsn.find("://").map_or(0, |i| i + 3);
    let host_at = dsn[host_at..]
        .find('@')
        .map_or(host_at, |i| host_at + i + 1);
    let Some(q) = dsn[host_at..].find('?').map(|i| host_at + i) else {
        return Ok((dsn.to_string(), SqlMode::Strict));
    };
    let mut mode = SqlMode::Strict;
    let mut kept = Vec::new();
    for pair in dsn[q + 1..].split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if crate::redact::percent_decode(k) != SQL_MODE_PARAM {
            kept.push(pair);
            continue;
        }
        let v = crate::redact::percent_decode(v).to_ascii_uppercase();
        let modes: Vec<&str> = v
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .collect();
        if let Some(bad) = modes
            .iter()
            .find(|m| !m.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        {
            return Err(Error::usage(format!(
                "target {}: `{bad}` in sql_mode= is not a mode name; use sql_mode=server (the server's global mode) or sql_mode=MODE,MODE (letters, digits, _)",
                redact(dsn)
            )));
        }
        mode = if modes == ["SERVER"] {
            SqlMode::Server
        } else {
            SqlMode::Listed(modes.join(","))
        };
    }
    let rest = kept.join("&");
    let base = &dsn[..q];
    Ok((
        if rest.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{rest}")
        },
        mode,
    ))
}

/// Whether a session in `mode` refuses a value that does not fit (rather
/// than changing it and warning).
fn is_strict(mode: &str) -> bool {
    mode.split(',')
        .any(|m| m == "STRICT_ALL_TABLES" || m == "STRICT_TRANS_TABLES")
}

/// Rows per INSERT statement: 1000 rows of a wide table stay under the
/// 65535 placeholders a prepared statement may have.
const ROWS_PER_INSERT: usize = 1000;

fn parse(dsn: &str) -> Result<Target> {
    if crate::redact::ambiguous_at(dsn) {
        return Err(Error::usage(format!(
            "target {}: `@` appears more than once before the host; percent-encode `@` in the user name or password as %40",
            redact(dsn)
        )));
    }
    split_dsn(dsn)?;
    opts(dsn).map_err(|e| e.error)?;
    Ok(target(dsn.to_string()))
}

/// A MySQL or MariaDB database, by its DSN.
#[derive(Debug, Clone)]
pub struct MyTarget {
    pub dsn: String,
}

pub fn target(dsn: String) -> Target {
    Target::new(MyTarget { dsn })
}

/// The driver's options for `dsn` (`mariadb://` read as `mysql://`, our
/// `sql_mode` parameter left out), the password from MYSQL_PWD when the DSN
/// has none.
fn opts(dsn: &str) -> std::result::Result<mysql::Opts, ConnectError> {
    let (dsn_for_driver, _) = split_dsn(dsn).map_err(|error| ConnectError {
        error,
        transient: false,
    })?;
    let url = match dsn_for_driver.strip_prefix("mariadb://") {
        Some(rest) => format!("mysql://{rest}"),
        None => dsn_for_driver,
    };
    let opts = mysql::Opts::from_url(&url).map_err(|e| ConnectError {
        error: Error::usage(format!(
            "cannot parse target {}: {}",
            redact(dsn),
            crate::redact::scrub(&e.to_string(), dsn)
        )),
        transient: false,
    })?;
    if opts.get_pass().is_none()
        && let Ok(pw) = std::env::var("MYSQL_PWD")
    {
        return Ok(mysql::OptsBuilder::from_opts(opts).pass(Some(pw)).into());
    }
    Ok(opts)
}

impl MyTarget {
    fn host_port(&self) -> Option<(String, u16)> {
        let o = opts(&self.dsn).ok()?;
        if o.get_socket().is_some() {
            return None;
        }
        Some((o.get_ip_or_hostname().to_string(), o.get_tcp_port()))
    }
}

impl Driver for MyTarget {
    fn kind(&self) -> &'static str {
        KIND_NAME
    }

    fn dsn(&self) -> String {
        self.dsn.clone()
    }

    fn redacted(&self) -> String {
        redact(&self.dsn)
    }

    fn open(&self, timeout: Option<Duration>) -> std::result::Result<Box<dyn Conn>, ConnectError> {
        Ok(Box::new(My::open(&self.dsn, timeout)?))
    }

    fn hint(&self) -> String {
        let place = self
            .host_port()
            .map(|(h, p)| format!("{h}:{p}"))
            .unwrap_or_else(|| "the given host".into());
        format!(
            "is MySQL/MariaDB running and accepting TCP connections at {place}? check the host, port, user, password (or MYSQL_PWD) and database name"
        )
    }

    /// A named lock (`GET_LOCK`) per database: it belongs to the session and
    /// is released when the session ends, even when the process is killed.
    /// Lock names are at most 64 characters, hence the digest of the name.
    fn reach_and_lock(&self) -> Result<Lock> {
        super::session_lock(
            Target::new(self.clone()),
            &format!(
                "SELECT GET_LOCK(CONCAT('understudy:', SHA1(CONCAT(coalesce(DATABASE(), ''), '.{PROGRESS_TABLE}'))), 0)"
            ),
            "1",
        )
    }

    /// A named lock per shard (MySQL has no shared named locks: an unsharded
    /// rehearsal beside the shards is not excluded).
    fn reach_and_lock_shard(&self, shard: crate::dataset::Shard) -> Result<Lock> {
        super::session_lock(
            Target::new(self.clone()),
            &format!(
                "SELECT GET_LOCK(CONCAT('understudy:', SHA1(CONCAT(coalesce(DATABASE(), ''), '.{PROGRESS_TABLE}:shard {shard}'))), 0)"
            ),
            "1",
        )
    }

    fn loading(&self) -> Loading {
        Loading {
            batch: 5_000,
            workers: 2,
            writers: None,
        }
    }

    fn address(&self) -> Result<String> {
        opts(&self.dsn).map_err(|e| e.error)?;
        match self.host_port() {
            Some((h, p)) => Ok(format!("{h}:{p}")),
            None => Err(Error::usage(
                "--faults needs a TCP MySQL target (host:port), not a Unix socket",
            )),
        }
    }

    fn via(&self, addr: &str) -> Target {
        target(rehost(&self.dsn, addr))
    }

    fn parts(&self) -> Option<super::DsnParts> {
        let o = opts(&self.dsn).ok()?;
        Some(super::DsnParts {
            user: o.get_user().map(str::to_string),
            password: o.get_pass().map(str::to_string),
            host: Some(match o.get_socket() {
                Some(s) => s.to_string(),
                None => o.get_ip_or_hostname().to_string(),
            }),
            port: Some(o.get_tcp_port()),
            database: o.get_db_name().map(str::to_string),
        })
    }

    fn catalog(
        &self,
        timeout: Option<Duration>,
    ) -> std::result::Result<super::catalog::Catalog, ConnectError> {
        catalog::open(&self.dsn, timeout)
    }

    /// A database `understudy_estimate_<pid>_<tag>` on the same server (its
    /// buffer pool, its disk), with the target database's character set and
    /// collation; dropped with its tables. Creating it needs the CREATE and
    /// DROP privileges on such databases: a refusal says what to grant.
    fn scratch(&self, tag: &str) -> Result<super::Scratch> {
        let name = super::scratch::name(tag);
        let mut my = My::open(&self.dsn, None).map_err(|e| e.error)?;
        let defaults = my
            .query(
                "SELECT default_character_set_name, default_collation_name \
                 FROM information_schema.schemata WHERE schema_name = DATABASE()",
            )
            .ok()
            .and_then(|r| r.into_iter().next())
            .and_then(|r| match r.as_slice() {
                [Some(cs), Some(co)] => Some(format!(" CHARACTER SET {cs} COLLATE {co}")),
                _ => None,
            })
            .unwrap_or_default();
        let created = my
            .conn
            .query_drop(format!("DROP DATABASE IF EXISTS {name}"))
            .and_then(|()| {
                my.conn
                    .query_drop(format!("CREATE DATABASE {name}{defaults}"))
            });
        if let Err(e) = created {
            let denied =
                matches!(&e, mysql::Error::MySqlError(m) if matches!(m.code, 1044 | 1142 | 1227));
            let why = classify(&e);
            if denied {
                let who = my
                    .query("SELECT CURRENT_USER()")
                    .ok()
                    .and_then(|r| r.into_iter().next()?.into_iter().next()?)
                    .and_then(|u| {
                        let (user, host) = u.rsplit_once('@')?;
                        Some(format!("'{user}'@'{host}'"))
                    })
                    .unwrap_or_else(|| "the target's user".into());
                return Err(Error::usage(format!(
                    "estimate loads its samples into scratch databases ({name}) on the target's server, and {} may not create them: {}; \
                     an administrator can allow it with GRANT ALL ON `understudy\\_estimate\\_%`.* TO {who}",
                    self.redacted(),
                    crate::redact::scrub(&why.message, &self.dsn)
                )));
            }
            return Err(Error::target(format!(
                "cannot create the scratch database {name} on {}: {}",
                self.redacted(),
                crate::redact::scrub(&why.to_string(), &self.dsn)
            )));
        }
        let dsn = self.dsn.clone();
        Ok(super::Scratch::new(
            target(with_database(&dsn, &name)),
            move || {
                if let Ok(mut c) = My::open(&dsn, None) {
                    let _ = c.batch(&format!("DROP DATABASE IF EXISTS {name}"));
                }
            },
        ))
    }
}

/// The DSN with its host:port replaced by `addr` (the fault proxy's).
fn rehost(dsn: &str, addr: &str) -> String {
    let (scheme, rest) = dsn.split_once("://").unwrap_or(("mysql", dsn));
    let (auth, rest) = match rest.split_once('@') {
        Some((a, r)) => (format!("{a}@"), r),
        None => (String::new(), rest),
    };
    let tail = rest.find(['/', '?']).map_or("", |i| &rest[i..]);
    format!("{scheme}://{auth}{addr}{tail}")
}

/// The DSN naming database `db` instead of its own (query string kept).
fn with_database(dsn: &str, db: &str) -> String {
    let (scheme, rest) = dsn.split_once("://").unwrap_or(("mysql", dsn));
    let host = rest.find('@').map_or(0, |k| k + 1);
    let (head, tail) =
        rest.split_at(host + rest[host..].find(['/', '?']).unwrap_or(rest.len() - host));
    let query = tail.find('?').map_or("", |i| &tail[i..]);
    format!("{scheme}://{head}/{db}{query}")
}

pub struct My {
    conn: mysql::Conn,
    /// The batch the local-infile handler hands to the server.
    infile: Arc<Mutex<Vec<u8>>>,
    /// The session's `sql_mode`, as the server reports it.
    sql_mode: String,
    /// Whether that mode refuses values that do not fit (see `load_infile`).
    strict: bool,
    /// The warnings about rows the last `load` kept.
    warnings: Vec<Warning>,
}

impl My {
    /// Connects within `timeout` (default 10 s), saying whether the failure
    /// is one that waiting may cure.
    pub fn open(dsn: &str, timeout: Option<Duration>) -> std::result::Result<My, ConnectError> {
        let redacted = redact(dsn);
        let infile: Arc<Mutex<Vec<u8>>> = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::clone(&infile);
        // Whatever file name the server asks for, it gets the batch: the
        // statement is ours, and nothing is read from disk.
        let handler = mysql::LocalInfileHandler::new(move |_name, out| {
            let buf = shared.lock().unwrap_or_else(|p| p.into_inner());
            std::io::Write::write_all(out, &buf)
        });
        let (_, mode) = split_dsn(dsn).map_err(|error| ConnectError {
            error,
            transient: false,
        })?;
        let builder = mysql::OptsBuilder::from_opts(opts(dsn)?)
            .tcp_connect_timeout(Some(timeout.unwrap_or(Duration::from_secs(10))))
            // The driver would otherwise move a connection to 127.0.0.1 onto
            // the server's Unix socket, around a `--faults` proxy.
            .prefer_socket(false)
            .local_infile_handler(Some(handler))
            .init(vec![
                "SET NAMES utf8mb4".to_string(),
                "SET time_zone = '+00:00'".to_string(),
                mode.statement(),
                // SHOW WARNINGS lists at most this many (the default is 64).
                "SET SESSION max_error_count = 65535".to_string(),
            ]);
        let mut conn = mysql::Conn::new(builder).map_err(|e| {
            if let mysql::Error::MySqlError(m) = &e
                && matches!(m.code, 1231 | 1232)
            {
                // The init statements are ours; only sql_mode comes from the user.
                return ConnectError {
                    error: Error::usage(format!(
                        "target {redacted}: the server refused the DSN's sql_mode ({} (MySQL error {}))",
                        m.message, m.code
                    )),
                    transient: false,
                };
            }
            let class = classify(&e).class;
            ConnectError {
                error: Error::target(format!(
                    "cannot connect to {redacted}: {}",
                    crate::redact::scrub(&e.to_string(), dsn)
                )),
                // No answer, or a server starting, stopping or out of
                // connections; a refused password or unknown database is final.
                transient: class == ErrorClass::Connection
                    || matches!(&e, mysql::Error::MySqlError(m) if m.code == 1040),
            }
        })?;
        let sql_mode: Option<String> =
            conn.query_first("SELECT @@SESSION.sql_mode")
                .map_err(|e| ConnectError {
                    error: Error::target(format!(
                        "cannot read the sql_mode of {redacted}: {}",
                        classify(&e)
                    )),
                    transient: classify(&e).is_transient(),
                })?;
        let sql_mode = sql_mode.unwrap_or_default();
        Ok(My {
            conn,
            infile,
            strict: is_strict(&sql_mode),
            sql_mode,
            warnings: Vec::new(),
        })
    }

    /// The `count` warnings of the last statement, which loaded rows
    /// `range` (its "row N" is `range.start + N - 1`). Warnings beyond those
    /// SHOW WARNINGS lists count as warnings of no row.
    fn show_warnings(
        &mut self,
        range: std::ops::Range<usize>,
        count: u16,
    ) -> DbResult<Vec<Warning>> {
        let listed = self.query("SHOW WARNINGS")?;
        let mut out: Vec<Warning> = listed
            .iter()
            .map(|w| {
                let code: u16 = w
                    .get(1)
                    .cloned()
                    .flatten()
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(0);
                let message = w.get(2).cloned().flatten().unwrap_or_default();
                Warning {
                    row: row_of(&message)
                        .map(|n| range.start + n - 1)
                        .filter(|r| range.contains(r)),
                    class: class_of(code, &message),
                    message: format!("{message} (MySQL error {code})"),
                }
            })
            .collect();
        for _ in out.len()..usize::from(count) {
            out.push(Warning {
                row: None,
                class: ErrorClass::Other,
                message: "a warning SHOW WARNINGS did not list (over max_error_count)".into(),
            });
        }
        Ok(out)
    }
}

/// The row a MySQL message names at its end ("… at row 3"), 1-based within
/// its statement.
fn row_of(message: &str) -> Option<usize> {
    let (_, n) = message.rsplit_once(" at row ")?;
    n.parse().ok().filter(|&n| n >= 1)
}

/// The driver's error → class. Codes: ER_DUP_ENTRY 1062, ER_DATA_TOO_LONG
/// 1406, ER_TRUNCATED_WRONG_VALUE_FOR_FIELD 1366 ("Incorrect string value":
/// a character the column's character set cannot hold, e.g. 4-byte UTF-8 in
/// `utf8mb3`), ER_INVALID_CHARACTER_STRING 1300 (bytes that are not valid in
/// the character set), ER_NO_REFERENCED_ROW 1452; LOAD DATA LOCAL reports
/// refused rows as warnings with their own codes (1265, 1366, 1062).
pub fn classify(e: &mysql::Error) -> DbError {
    match e {
        mysql::Error::MySqlError(m) => DbError {
            class: class_of(m.code, &m.message),
            message: format!("{} (MySQL error {})", m.message, m.code),
        },
        mysql::Error::IoError(_) | mysql::Error::CodecError(_) => DbError {
            class: ErrorClass::Connection,
            message: e.to_string(),
        },
        mysql::Error::DriverError(d) => DbError {
            class: match d {
                mysql::DriverError::ConnectTimeout => ErrorClass::Connection,
                mysql::DriverError::CouldNotConnect(_) => ErrorClass::Connection,
                _ => ErrorClass::Other,
            },
            message: e.to_string(),
        },
        _ => DbError {
            class: ErrorClass::Other,
            message: e.to_string(),
        },
    }
}

/// A server error (or warning) code and its message → class.
pub fn class_of(code: u16, message: &str) -> ErrorClass {
    match code {
        1062 | 1586 => ErrorClass::Duplicate,
        // 1265 "Data truncated": what LOAD DATA LOCAL reports for 1406.
        1406 | 1265 => ErrorClass::TooLong,
        // 1366 is also "Incorrect integer value" (a value of the wrong type).
        1366 if message.starts_with("Incorrect string value") => ErrorClass::Charset,
        1366 => ErrorClass::Other,
        1300 => ErrorClass::Encoding,
        1452 | 1451 | 1216 | 1217 | 1048 | 1364 | 3819 | 4025 => ErrorClass::Constraint,
        1205 | 1213 | 3024 | 1969 => ErrorClass::Timeout,
        // Too many connections, shutting down, killed, server gone.
        1040 | 1053 | 1077 | 1927 | 2006 | 2013 => ErrorClass::Connection,
        _ => ErrorClass::Other,
    }
}

fn column_list(t: &LoadTable) -> String {
    t.columns
        .iter()
        .map(|(_, c)| ident(c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A generated timestamp (`2025-01-02T03:04:05Z`) as DATETIME takes it.
fn datetime(s: &str) -> String {
    s.trim_end_matches('Z').replace('T', " ")
}

/// LOAD DATA's default text format: tab-separated, `\N` for NULL,
/// backslash escapes.
fn push_infile(kind: FieldKind, s: &str, out: &mut Vec<u8>) {
    match kind {
        FieldKind::Null => out.extend_from_slice(b"\\N"),
        FieldKind::Bool => out.push(if s == "true" { b'1' } else { b'0' }),
        FieldKind::Timestamp => out.extend_from_slice(datetime(s).as_bytes()),
        FieldKind::Plain | FieldKind::Int => out.extend_from_slice(s.as_bytes()),
        _ => {
            for &b in crate::sink::field_bytes(kind, s).iter() {
                match b {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    0 => out.extend_from_slice(b"\\0"),
                    _ => out.push(b),
                }
            }
        }
    }
}

fn param(kind: FieldKind, s: &str) -> mysql::Value {
    match kind {
        FieldKind::Null => mysql::Value::NULL,
        FieldKind::Bool => mysql::Value::Int(i64::from(s == "true")),
        FieldKind::Timestamp => mysql::Value::Bytes(datetime(s).into_bytes()),
        _ => mysql::Value::Bytes(crate::sink::field_bytes(kind, s).into_owned()),
    }
}

fn text(v: &mysql::Value) -> Option<String> {
    match v {
        mysql::Value::NULL => None,
        mysql::Value::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
        o => Some(o.as_sql(true).trim_matches('\'').to_string()),
    }
}

impl My {
    /// `LOAD DATA LOCAL INFILE` of `rows[range]`. With LOCAL the server
    /// cannot stop the client mid-file, so it turns refused rows into
    /// warnings and goes on (as IGNORE would), even in strict mode. A
    /// strict session fails the statement here on any warning, classified by
    /// the first one, so the batch is rolled back and bisected like an
    /// INSERT; a non-strict one keeps a statement that loaded every row, its
    /// warnings (values the server changed) kept for `take_warnings`, as a
    /// non-strict INSERT would.
    fn load_infile(
        &mut self,
        t: &LoadTable,
        rows: &Rows,
        range: std::ops::Range<usize>,
    ) -> DbResult<()> {
        let n = range.len() as u64;
        let rows_range = range.clone();
        {
            let mut buf = self.infile.lock().unwrap_or_else(|p| p.into_inner());
            buf.clear();
            for r in range {
                for (i, &(fi, _)) in t.columns.iter().enumerate() {
                    if i > 0 {
                        buf.push(b'\t');
                    }
                    let (k, s) = rows.field(r, fi);
                    push_infile(k, s, &mut buf);
                }
                buf.push(b'\n');
            }
        }
        // The escape character is spelled out: NO_BACKSLASH_ESCAPES makes
        // '\' a one-character literal.
        let sql = format!(
            "LOAD DATA LOCAL INFILE 'understudy-batch' INTO TABLE {} CHARACTER SET utf8mb4 \
             FIELDS TERMINATED BY '\t' ESCAPED BY '\\' LINES TERMINATED BY '\n' ({})",
            ident(&t.name),
            column_list(t)
        );
        let r = self.conn.query_drop(&sql);
        self.infile
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        r.map_err(|e| infile_error(classify(&e)))?;
        let loaded = self.conn.affected_rows();
        let count = self.conn.warnings();
        if count == 0 && loaded == n {
            return Ok(());
        }
        let warnings = self.show_warnings(rows_range, count)?;
        if !self.strict && loaded == n {
            // Every row is in, some changed: what a non-strict INSERT does too.
            self.warnings = warnings;
            return Ok(());
        }
        // A row left out (a duplicate or a foreign key, which name no row)
        // says why before the values changed in the rows kept.
        let first = warnings
            .iter()
            .find(|w| loaded != n && w.row.is_none())
            .or(warnings.first());
        Err(match first {
            Some(w) => DbError {
                class: w.class,
                message: w.message.clone(),
            },
            None => DbError {
                class: ErrorClass::Other,
                message: format!("LOAD DATA loaded {loaded} of {n} rows"),
            },
        })
    }
}

/// Says how to allow LOAD DATA LOCAL when the server refuses it.
fn infile_error(mut e: DbError) -> DbError {
    if e.message.contains("(MySQL error 1148)")
        || e.message.contains("(MySQL error 3948)")
        || e.message.contains("(MySQL error 4166)")
    {
        e.message.push_str(
            " (the server does not allow LOAD DATA LOCAL: SET GLOBAL local_infile = 1, or use --method insert)",
        );
    }
    e
}

impl Conn for My {
    /// Every statement's outcome is read: `query_drop` would drop the error
    /// of any statement after the first with its result.
    fn batch(&mut self, sql: &str) -> DbResult<()> {
        let mut result = self.conn.query_iter(sql).map_err(|e| classify(&e))?;
        while let Some(set) = result.iter() {
            for row in set {
                row.map_err(|e| classify(&e))?;
            }
        }
        Ok(())
    }

    fn load(
        &mut self,
        t: &LoadTable,
        rows: &Rows,
        range: std::ops::Range<usize>,
        method: Method,
    ) -> DbResult<()> {
        self.warnings.clear();
        if range.is_empty() {
            return Ok(());
        }
        if method == Method::Copy {
            return self.load_infile(t, rows, range);
        }
        let ncols = t.columns.len();
        let one = format!("({})", vec!["?"; ncols].join(","));
        // ON DUPLICATE KEY UPDATE rather than INSERT IGNORE: see the module's comment.
        let upsert = match (method, t.columns.first()) {
            (Method::Upsert, Some((_, c))) => {
                format!(" ON DUPLICATE KEY UPDATE {} = {}", ident(c), ident(c))
            }
            _ => String::new(),
        };
        let mut at = range.start;
        while at < range.end {
            let n = ROWS_PER_INSERT.min(range.end - at);
            let sql = format!(
                "INSERT INTO {} ({}) VALUES {}{upsert}",
                ident(&t.name),
                column_list(t),
                vec![one.as_str(); n].join(",")
            );
            let mut params = Vec::with_capacity(n * ncols);
            for r in at..at + n {
                for &(fi, _) in &t.columns {
                    let (k, s) = rows.field(r, fi);
                    params.push(param(k, s));
                }
            }
            self.conn
                .exec_drop(&sql, mysql::Params::Positional(params))
                .map_err(|e| classify(&e))?;
            let count = self.conn.warnings();
            if count > 0 {
                let w = self.show_warnings(at..at + n, count)?;
                self.warnings.extend(w);
            }
            at += n;
        }
        Ok(())
    }

    fn take_warnings(&mut self) -> Vec<Warning> {
        std::mem::take(&mut self.warnings)
    }

    fn settings(&mut self) -> Vec<(String, String)> {
        vec![("sql_mode".to_string(), self.sql_mode.clone())]
    }

    fn query(&mut self, sql: &str) -> DbResult<Vec<Vec<Option<String>>>> {
        let rows: Vec<mysql::Row> = self.conn.query(sql).map_err(|e| classify(&e))?;
        Ok(rows
            .iter()
            .map(|r| (0..r.len()).map(|i| r.as_ref(i).and_then(text)).collect())
            .collect())
    }

    fn columns_sql(&self, table: &str) -> String {
        format!(
            "SELECT column_name, column_type FROM information_schema.columns \
             WHERE table_schema = DATABASE() AND table_name = {} ORDER BY ordinal_position",
            super::literal(table)
        )
    }

    fn scan(
        &mut self,
        table: &str,
        cols: &[ReadColumn],
        f: &mut dyn FnMut(&[Option<&str>]),
    ) -> DbResult<()> {
        let exprs: Vec<String> = cols
            .iter()
            .map(|c| {
                let q = ident(&c.name);
                if c.declared.starts_with("datetime") || c.declared.starts_with("timestamp") {
                    format!("DATE_FORMAT({q}, '%Y-%m-%dT%H:%i:%sZ')")
                } else {
                    q
                }
            })
            .collect();
        let sql = format!("SELECT {} FROM {}", exprs.join(", "), ident(table));
        let result = self.conn.query_iter(sql).map_err(|e| classify(&e))?;
        let mut vals: Vec<Option<String>> = vec![None; cols.len()];
        for row in result {
            let row = row.map_err(|e| classify(&e))?;
            for (i, v) in vals.iter_mut().enumerate() {
                *v = row.as_ref(i).and_then(text);
            }
            let refs: Vec<Option<&str>> = vals.iter().map(|v| v.as_deref()).collect();
            f(&refs);
        }
        Ok(())
    }

    fn dialect(&self) -> crate::sink::Dialect {
        crate::sink::Dialect::Mysql
    }

    /// A prepared statement: the driver keeps it in its per-connection cache.
    fn lookup(
        &mut self,
        table: &str,
        key: &str,
        columns: &[&str],
        value: &str,
    ) -> DbResult<Option<Vec<Option<String>>>> {
        let sql = super::lookup_sql(table, key, columns, "?");
        let row: Option<mysql::Row> = self
            .conn
            .exec_first(sql, (value,))
            .map_err(|e| classify(&e))?;
        Ok(row.map(|r| {
            (0..columns.len())
                .map(|i| r.as_ref(i).and_then(text))
                .collect()
        }))
    }

    /// MySQL cannot key a TEXT column without a prefix length: the table
    /// name is a VARCHAR here; the rest is the shared SQL.
    fn create_bookkeeping(&mut self) -> DbResult<()> {
        self.batch(&format!(
            "CREATE TABLE IF NOT EXISTS {PROGRESS_TABLE} (run_id TEXT NOT NULL, profile_digest TEXT NOT NULL, \
             seed TEXT NOT NULL, users TEXT NOT NULL, batch_rows BIGINT NOT NULL, tbl VARCHAR(255) NOT NULL, \
             batch BIGINT NOT NULL, rows_loaded BIGINT NOT NULL, rows_rejected BIGINT NOT NULL, \
             committed_at TEXT NOT NULL, PRIMARY KEY (tbl, batch)) \
             ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
             CREATE TABLE IF NOT EXISTS {REJECTS_TABLE} (tbl VARCHAR(255) NOT NULL, batch BIGINT NOT NULL, \
             row_key TEXT NOT NULL, class TEXT NOT NULL, message TEXT NOT NULL, \
             labels TEXT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;"
        ))
    }
}

#[cfg(test)]
mod tests;
