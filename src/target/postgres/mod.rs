//! PostgreSQL target (crate `postgres`, no TLS). `copy` streams each batch
//! with `COPY … FROM STDIN` (text format); `insert` sends multi-row INSERTs
//! of literals; `upsert` adds `ON CONFLICT DO NOTHING`. The session runs in
//! UTC and UTF-8 so timestamps read back in the generator's form.

mod catalog;
mod read;

use super::{
    Conn, ConnectError, DbError, DbResult, Driver, ErrorClass, Kind, LoadTable, Loading, Lock,
    Method, PROGRESS_TABLE, ReadColumn, Rows, Target, ident, redact,
};
use crate::error::{Error, Result};
use crate::row::FieldKind;
use std::io::Write;
use std::time::Duration;

pub const KIND_NAME: &str = "postgres";

/// The registry's line for PostgreSQL.
pub const KIND: Kind = Kind {
    prefixes: &["postgres://", "postgresql://"],
    form: "postgres://user:pass@host:port/db",
    parse,
};

fn parse(dsn: &str) -> Result<Target> {
    if crate::redact::ambiguous_at(dsn) {
        return Err(Error::usage(format!(
            "target {}: `@` appears more than once before the host; percent-encode `@` in the user name or password as %40",
            redact(dsn)
        )));
    }
    dsn.parse::<postgres::Config>()
        .map_err(|e| Error::usage(format!("cannot parse target {}: {e}", redact(dsn))))?;
    Ok(target(dsn.to_string()))
}

/// A PostgreSQL database, by its DSN.
#[derive(Debug, Clone)]
pub struct PgTarget {
    pub dsn: String,
}

pub fn target(dsn: String) -> Target {
    Target::new(PgTarget { dsn })
}

impl Driver for PgTarget {
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
        Ok(Box::new(Pg::open(&self.dsn, timeout)?))
    }

    fn hint(&self) -> String {
        let place = self
            .dsn
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

    /// A session-level advisory lock, keyed on the bookkeeping table's
    /// schema: advisory locks are per database, and `estimate`'s scratch
    /// schemas are separate rehearsals.
    fn reach_and_lock(&self) -> Result<Lock> {
        super::session_lock(
            Target::new(self.clone()),
            &format!(
                "SELECT pg_try_advisory_lock(hashtext('understudy:' || coalesce(current_schema(), '') || '.{PROGRESS_TABLE}'))"
            ),
            "t",
        )
    }

    /// The run's lock shared by every shard, and the shard's own exclusive:
    /// an unsharded rehearsal (exclusive on the run's) excludes them all.
    fn reach_and_lock_shard(&self, shard: crate::dataset::Shard) -> Result<Lock> {
        let base =
            format!("'understudy:' || coalesce(current_schema(), '') || '.{PROGRESS_TABLE}'");
        super::session_lock(
            Target::new(self.clone()),
            &format!(
                "SELECT pg_try_advisory_lock_shared(hashtext({base})) AND pg_try_advisory_lock(hashtext({base} || ':shard {shard}'))"
            ),
            "t",
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
        let cfg: postgres::Config = self
            .dsn
            .parse()
            .map_err(|e| Error::usage(format!("cannot parse target: {e}")))?;
        let host = match cfg.get_hosts().first() {
            Some(postgres::config::Host::Tcp(h)) => h.clone(),
            _ => {
                return Err(Error::usage(
                    "--faults needs a TCP PostgreSQL target (host:port), not a Unix socket",
                ));
            }
        };
        let port = cfg.get_ports().first().copied().unwrap_or(5432);
        Ok(format!("{host}:{port}"))
    }

    fn via(&self, addr: &str) -> Target {
        target(rehost(&self.dsn, addr))
    }

    fn parts(&self) -> Option<super::DsnParts> {
        let c: postgres::Config = self.dsn.parse().ok()?;
        let user = c.get_user().map(str::to_string);
        Some(super::DsnParts {
            password: c
                .get_password()
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .or_else(|| std::env::var("PGPASSWORD").ok()),
            host: c.get_hosts().first().map(|h| match h {
                postgres::config::Host::Tcp(h) => h.clone(),
                #[cfg(unix)]
                postgres::config::Host::Unix(p) => p.display().to_string(),
            }),
            port: Some(c.get_ports().first().copied().unwrap_or(5432)),
            // libpq's default database is the user's name.
            database: c.get_dbname().map(str::to_string).or_else(|| user.clone()),
            user,
        })
    }

    fn catalog(
        &self,
        timeout: Option<Duration>,
    ) -> std::result::Result<super::catalog::Catalog, ConnectError> {
        catalog::open(&self.dsn, timeout)
    }

    /// A schema `understudy_estimate_<pid>_<tag>` in the target database,
    /// reached through the DSN's `options=-csearch_path=…`; dropped with its
    /// tables.
    fn scratch(&self, tag: &str) -> Result<super::Scratch> {
        let schema = super::scratch::name(tag);
        let mut conn = Pg::connect(&self.dsn)?;
        conn.batch(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .map_err(|e| {
            Error::target(format!(
                "cannot create the scratch schema {schema} in {}: {e}",
                self.redacted()
            ))
        })?;
        // The query starts after the host: a password may hold `?`.
        let sep = if crate::redact::has_query(&self.dsn) {
            '&'
        } else {
            '?'
        };
        let dsn = self.dsn.clone();
        Ok(super::Scratch::new(
            target(format!("{dsn}{sep}options=-c%20search_path%3D{schema}")),
            move || {
                if let Ok(mut c) = Pg::connect(&dsn) {
                    let _ = c.batch(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
                }
            },
        ))
    }
}

/// The DSN with its host:port replaced by `addr` (the fault proxy's).
fn rehost(dsn: &str, addr: &str) -> String {
    let (scheme, rest) = dsn.split_once("://").unwrap_or(("postgres", dsn));
    let (auth, rest) = match rest.split_once('@') {
        Some((a, r)) => (format!("{a}@"), r),
        None => (String::new(), rest),
    };
    let tail = rest.find(['/', '?']).map_or("", |i| &rest[i..]);
    format!("{scheme}://{auth}{addr}{tail}")
}

pub struct Pg {
    client: postgres::Client,
    buf: Vec<u8>,
    /// `lookup`'s statements, prepared once per connection.
    statements: std::collections::HashMap<String, postgres::Statement>,
}

/// Rows per INSERT statement.
const ROWS_PER_INSERT: usize = 1000;

impl Pg {
    pub fn connect(dsn: &str) -> Result<Pg> {
        Pg::open(dsn, None).map_err(|e| e.error)
    }

    /// Connects within `timeout` (default: the DSN's `connect_timeout`, else
    /// 10 s), saying whether the failure is one that waiting may cure.
    pub fn open(
        dsn: &str,
        timeout: Option<std::time::Duration>,
    ) -> std::result::Result<Pg, ConnectError> {
        let redacted = redact(dsn);
        let mut client = client_within(dsn, timeout)?;
        client
            .batch_execute("SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'; SET client_min_messages = warning;")
            .map_err(|e| ConnectError {
                error: Error::target(format!("cannot use {redacted}: {e}")),
                transient: classify(&e).is_transient(),
            })?;
        Ok(Pg {
            client,
            buf: Vec::with_capacity(1 << 20),
            statements: std::collections::HashMap::new(),
        })
    }
}

/// A failed connect that a wait may cure: no answer from the server (the
/// network), or a server that is starting, shutting down, or out of
/// connection slots. A refused password or an unknown database is not.
fn connect_is_transient(e: &postgres::Error) -> bool {
    match e.as_db_error() {
        Some(db) => {
            let code = db.code().code();
            code.starts_with("08") || code.starts_with("57P") || code == "53300"
        }
        None => true,
    }
}

/// A connection to `dsn`, the password taken from PGPASSWORD when the DSN
/// has none (the driver itself does not read it); errors show the DSN redacted.
pub fn client(dsn: &str) -> Result<postgres::Client> {
    client_within(dsn, None).map_err(|e| e.error)
}

/// `client` within `timeout` (default: the DSN's `connect_timeout`, else
/// 10 s), saying whether a failure is one that waiting may cure.
fn client_within(
    dsn: &str,
    timeout: Option<std::time::Duration>,
) -> std::result::Result<postgres::Client, ConnectError> {
    let redacted = redact(dsn);
    let mut config: postgres::Config = dsn.parse().map_err(|e: postgres::Error| ConnectError {
        error: Error::usage(format!(
            "cannot parse target {redacted}: {}",
            crate::redact::scrub(&e.to_string(), dsn)
        )),
        transient: false,
    })?;
    // PGPASSWORD keeps the password off the command line.
    if config.get_password().is_none()
        && let Ok(pw) = std::env::var("PGPASSWORD")
    {
        config.password(pw);
    }
    if let Some(t) = timeout {
        config.connect_timeout(t);
    } else if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(10));
    }
    config.connect(postgres::NoTls).map_err(|e| {
        let mut why = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(cause) = src {
            why.push_str(": ");
            why.push_str(&cause.to_string());
            src = cause.source();
        }
        if why.contains("password missing") {
            why.push_str(
                " (the server wants a password: put it in the DSN, percent-encoded, or set PGPASSWORD)",
            );
        }
        ConnectError {
            error: Error::target(format!(
                "cannot connect to {redacted}: {}",
                crate::redact::scrub(&why, dsn)
            )),
            transient: connect_is_transient(&e),
        }
    })
}

pub fn classify(e: &postgres::Error) -> DbError {
    if let Some(db) = e.as_db_error() {
        let mut message = db.message().to_string();
        if let Some(d) = db.detail() {
            message.push_str(": ");
            message.push_str(d);
        }
        if let Some(c) = db.constraint() {
            message.push_str(&format!(" (constraint {c})"));
        }
        return DbError {
            class: ErrorClass::from_sqlstate(db.code().code(), &message),
            message,
        };
    }
    let message = e.to_string();
    // The client refused to encode the statement (e.g. a NUL byte in a
    // literal): a data error, not a lost connection.
    let class = if message.starts_with("error encoding message") {
        ErrorClass::Encoding
    } else if e.is_closed()
        || std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
    {
        ErrorClass::Connection
    } else if message.contains("timed out") {
        ErrorClass::Timeout
    } else {
        ErrorClass::Other
    };
    DbError { class, message }
}

fn io_error(e: std::io::Error) -> DbError {
    DbError {
        class: ErrorClass::Connection,
        message: e.to_string(),
    }
}

/// COPY text format: `\N` for NULL, backslash escapes.
fn push_copy(kind: FieldKind, s: &str, out: &mut Vec<u8>) {
    match kind {
        FieldKind::Null => out.extend_from_slice(b"\\N"),
        FieldKind::Plain | FieldKind::Int | FieldKind::Bool | FieldKind::Timestamp => {
            out.extend_from_slice(s.as_bytes())
        }
        _ => {
            for b in s.bytes() {
                match b {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    _ => out.push(b),
                }
            }
        }
    }
}

fn push_literal(kind: FieldKind, s: &str, out: &mut Vec<u8>) {
    match kind {
        FieldKind::Null => out.extend_from_slice(b"NULL"),
        FieldKind::Int => out.extend_from_slice(s.as_bytes()),
        FieldKind::Bool => out.extend_from_slice(if s == "true" { b"TRUE" } else { b"FALSE" }),
        _ => {
            out.push(b'\'');
            for b in s.bytes() {
                if b == b'\'' {
                    out.push(b'\'');
                }
                out.push(b);
            }
            out.push(b'\'');
        }
    }
}

fn column_list(t: &LoadTable) -> String {
    t.columns
        .iter()
        .map(|(_, c)| ident(c))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Conn for Pg {
    fn batch(&mut self, sql: &str) -> DbResult<()> {
        self.client.batch_execute(sql).map_err(|e| classify(&e))
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
        let buf = &mut self.buf;
        if method == Method::Copy {
            buf.clear();
            for r in range {
                for (i, &(fi, _)) in t.columns.iter().enumerate() {
                    if i > 0 {
                        buf.push(b'\t');
                    }
                    let (k, s) = rows.field(r, fi);
                    push_copy(k, s, buf);
                }
                buf.push(b'\n');
            }
            let sql = format!("COPY {} ({}) FROM STDIN", ident(&t.name), column_list(t));
            let mut w = self.client.copy_in(&sql).map_err(|e| classify(&e))?;
            if let Err(e) = w.write_all(buf) {
                // The server may have refused the data already: finish tells why.
                return Err(match w.finish() {
                    Err(pe) => classify(&pe),
                    Ok(_) => io_error(e),
                });
            }
            w.finish().map_err(|e| classify(&e))?;
            return Ok(());
        }
        let head = format!(
            "INSERT INTO {} ({}) VALUES ",
            ident(&t.name),
            column_list(t)
        );
        let mut at = range.start;
        while at < range.end {
            let n = ROWS_PER_INSERT.min(range.end - at);
            buf.clear();
            buf.extend_from_slice(head.as_bytes());
            for r in at..at + n {
                if r > at {
                    buf.push(b',');
                }
                buf.push(b'(');
                for (i, &(fi, _)) in t.columns.iter().enumerate() {
                    if i > 0 {
                        buf.push(b',');
                    }
                    let (k, s) = rows.field(r, fi);
                    push_literal(k, s, buf);
                }
                buf.push(b')');
            }
            if method == Method::Upsert {
                buf.extend_from_slice(b" ON CONFLICT DO NOTHING");
            }
            let sql = std::str::from_utf8(buf).map_err(|e| DbError {
                class: ErrorClass::Encoding,
                message: e.to_string(),
            })?;
            self.client.batch_execute(sql).map_err(|e| classify(&e))?;
            at += n;
        }
        Ok(())
    }

    fn query(&mut self, sql: &str) -> DbResult<Vec<Vec<Option<String>>>> {
        let msgs = self.client.simple_query(sql).map_err(|e| classify(&e))?;
        let mut out = Vec::new();
        for m in msgs {
            if let postgres::SimpleQueryMessage::Row(r) = m {
                out.push((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect());
            }
        }
        Ok(out)
    }

    fn columns_sql(&self, table: &str) -> String {
        format!(
            "SELECT column_name, data_type FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = {} ORDER BY ordinal_position",
            super::literal(table)
        )
    }

    fn scan(
        &mut self,
        table: &str,
        cols: &[ReadColumn],
        f: &mut dyn FnMut(&[Option<&str>]),
    ) -> DbResult<()> {
        read::scan(&mut self.client, table, cols, f)
    }

    fn dialect(&self) -> crate::sink::Dialect {
        crate::sink::Dialect::Postgres
    }

    fn lookup(
        &mut self,
        table: &str,
        key: &str,
        columns: &[&str],
        value: &str,
    ) -> DbResult<Option<Vec<Option<String>>>> {
        let sql = super::lookup_sql(table, key, columns, "$1");
        let st = match self.statements.get(&sql) {
            Some(st) => st.clone(),
            None => {
                let st = self.client.prepare(&sql).map_err(|e| classify(&e))?;
                self.statements.insert(sql, st.clone());
                st
            }
        };
        let rows = self
            .client
            .query(&st, &[&value])
            .map_err(|e| classify(&e))?;
        let Some(r) = rows.first() else {
            return Ok(None);
        };
        (0..columns.len())
            .map(|i| r.try_get::<_, Option<String>>(i).map_err(|e| classify(&e)))
            .collect::<DbResult<_>>()
            .map(Some)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rehost_keeps_everything_but_the_address() {
        assert_eq!(
            super::rehost(
                "postgres://u:p@db.example:5432/app?sslmode=disable",
                "127.0.0.1:9"
            ),
            "postgres://u:p@127.0.0.1:9/app?sslmode=disable"
        );
        assert_eq!(
            super::rehost("postgresql://h/db", "127.0.0.1:9"),
            "postgresql://127.0.0.1:9/db"
        );
    }
}
