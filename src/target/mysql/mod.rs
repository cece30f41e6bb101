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
//! The session runs with a strict `sql_mode` (`SQL_MODE` below) in UTC and
//! utf8mb4. `ANSI_QUOTES` and `NO_BACKSLASH_ESCAPES` are part of it because
//! the SQL the harness and `bookkeeping` share with the other kinds quotes
//! identifiers with `"` and escapes literals by doubling `'` only
//! (`target::ident`, `target::literal`).

use super::{
    Conn, ConnectError, DbError, DbResult, Driver, ErrorClass, Kind, LoadTable, Loading, Lock,
    Method, PROGRESS_TABLE, REJECTS_TABLE, ReadColumn, Rows, Target, ident, redact,
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

/// The session's `sql_mode`: strict (a value that does not fit is refused,
/// not truncated), no zero dates, and the quoting the shared SQL expects.
pub const SQL_MODE: &str = "STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,\
ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,ANSI_QUOTES,NO_BACKSLASH_ESCAPES";

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

/// The driver's options for `dsn` (`mariadb://` read as `mysql://`), the
/// password from MYSQL_PWD when the DSN has none.
fn opts(dsn: &str) -> std::result::Result<mysql::Opts, ConnectError> {
    let url = match dsn.strip_prefix("mariadb://") {
        Some(rest) => format!("mysql://{rest}"),
        None => dsn.to_string(),
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
        let builder = mysql::OptsBuilder::from_opts(opts(dsn)?)
            .tcp_connect_timeout(Some(timeout.unwrap_or(Duration::from_secs(10))))
            // The driver would otherwise move a connection to 127.0.0.1 onto
            // the server's Unix socket, around a `--faults` proxy.
            .prefer_socket(false)
            .local_infile_handler(Some(handler))
            .init(vec![
                "SET NAMES utf8mb4".to_string(),
                "SET time_zone = '+00:00'".to_string(),
                format!("SET SESSION sql_mode = '{SQL_MODE}'"),
            ]);
        let conn = mysql::Conn::new(builder).map_err(|e| {
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
        Ok(My { conn, infile })
    }
}

/// The driver's error → class. Codes: ER_DUP_ENTRY 1062, ER_DATA_TOO_LONG
/// 1406, ER_TRUNCATED_WRONG_VALUE_FOR_FIELD 1366 ("Incorrect string value",
/// bytes that are not utf8mb4), ER_NO_REFERENCED_ROW 1452; LOAD DATA LOCAL
/// reports refused rows as warnings with their own codes (1265, 1366, 1062).
pub fn classify(e: &mysql::Error) -> DbError {
    match e {
        mysql::Error::MySqlError(m) => DbError {
            class: class_of(m.code),
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

/// A server error code → class.
pub fn class_of(code: u16) -> ErrorClass {
    match code {
        1062 | 1586 => ErrorClass::Duplicate,
        // 1265 "Data truncated": what LOAD DATA LOCAL reports for 1406.
        1406 | 1265 => ErrorClass::TooLong,
        1366 | 1300 => ErrorClass::Encoding,
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
    /// warnings and goes on (as IGNORE would): any warning fails the
    /// statement here, classified by the first one, so the batch is rolled
    /// back and bisected like an INSERT.
    fn load_infile(
        &mut self,
        t: &LoadTable,
        rows: &Rows,
        range: std::ops::Range<usize>,
    ) -> DbResult<()> {
        let n = range.len() as u64;
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
        if self.conn.warnings() == 0 && loaded == n {
            return Ok(());
        }
        let warnings = self.query("SHOW WARNINGS")?;
        let first = warnings.iter().find_map(|w| {
            let code: u16 = w.get(1)?.as_deref()?.parse().ok()?;
            Some((code, w.get(2).cloned().flatten().unwrap_or_default()))
        });
        Err(match first {
            Some((code, message)) => DbError {
                class: class_of(code),
                message: format!("{message} (MySQL error {code})"),
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
            at += n;
        }
        Ok(())
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
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_classes() {
        assert_eq!(class_of(1062), ErrorClass::Duplicate);
        assert_eq!(class_of(1406), ErrorClass::TooLong);
        assert_eq!(class_of(1265), ErrorClass::TooLong);
        assert_eq!(class_of(1366), ErrorClass::Encoding);
        assert_eq!(class_of(1452), ErrorClass::Constraint);
        assert_eq!(class_of(1213), ErrorClass::Timeout);
        assert_eq!(class_of(2013), ErrorClass::Connection);
        assert_eq!(class_of(1064), ErrorClass::Other);
    }

    #[test]
    fn rehost_keeps_everything_but_the_address() {
        assert_eq!(
            rehost("mysql://u:p@db.example:3306/app?x=1", "127.0.0.1:9"),
            "mysql://u:p@127.0.0.1:9/app?x=1"
        );
        assert_eq!(
            rehost("mariadb://h/db", "127.0.0.1:9"),
            "mariadb://127.0.0.1:9/db"
        );
    }

    #[test]
    fn with_database_swaps_only_the_database() {
        assert_eq!(
            with_database("mysql://u:p%2Fq@db.example:3306/app?x=1", "s"),
            "mysql://u:p%2Fq@db.example:3306/s?x=1"
        );
        assert_eq!(with_database("mariadb://h:1", "s"), "mariadb://h:1/s");
        assert_eq!(with_database("mysql://u@h/app", "s"), "mysql://u@h/s");
        assert_eq!(with_database("mysql://h?x=1", "s"), "mysql://h/s?x=1");
    }

    #[test]
    fn dsn_passwords_are_redacted() {
        assert_eq!(
            redact("mysql://bob:s3cr:et@db.example:3306/app"),
            "mysql://bob:***@db.example:3306/app"
        );
        assert_eq!(
            redact("mariadb://bob:pa%40ss@db/app"),
            "mariadb://bob:***@db/app"
        );
    }

    #[test]
    fn infile_fields_escape_what_load_data_reads() {
        let mut out = Vec::new();
        push_infile(FieldKind::Text, "a\tb\\c\nd", &mut out);
        assert_eq!(out, b"a\\tb\\\\c\\nd");
        out.clear();
        push_infile(FieldKind::Null, "", &mut out);
        assert_eq!(out, b"\\N");
        assert_eq!(datetime("2025-01-02T03:04:05Z"), "2025-01-02 03:04:05");
    }
}
