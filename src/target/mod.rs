//! Targets: where a rehearsal loads rows. A DSN names one (`sqlite:PATH`,
//! `postgres://user:pass@host:port/db`); `Conn` is what the loader, the
//! checkpoint and verification need from a connection.

pub mod http;
pub mod postgres;
pub mod reach;
mod rows;
pub mod schema;
pub mod sqlite;

pub use rows::Rows;

use crate::error::{Error, Result};
use crate::row::FieldKind;
use serde::Serialize;
use std::fmt;

/// The table recording each committed batch (ARCHITECTURE.md § Exactly-once resume).
pub const PROGRESS_TABLE: &str = "_understudy_progress";
/// The table recording each refused row, with its labels.
pub const REJECTS_TABLE: &str = "_understudy_rejects";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

impl Target {
    pub fn parse(dsn: &str) -> Result<Target> {
        if let Some(p) = dsn.strip_prefix("sqlite:") {
            let p = p.strip_prefix("//").unwrap_or(p);
            if p.is_empty() {
                return Err(Error::usage(
                    "sqlite: target needs a path, e.g. sqlite:understudy.db",
                ));
            }
            return Ok(Target::Sqlite(p.into()));
        }
        if dsn.starts_with("postgres://") || dsn.starts_with("postgresql://") {
            if crate::redact::ambiguous_at(dsn) {
                return Err(Error::usage(format!(
                    "target {}: `@` appears more than once before the host; percent-encode `@` in the user name or password as %40",
                    redact(dsn)
                )));
            }
            dsn.parse::<::postgres::Config>()
                .map_err(|e| Error::usage(format!("cannot parse target {}: {e}", redact(dsn))))?;
            return Ok(Target::Postgres(dsn.to_string()));
        }
        Err(Error::usage(format!(
            "unknown target `{}`: use sqlite:PATH or postgres://user:pass@host:port/db",
            redact(dsn)
        )))
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, Target::Sqlite(_))
    }

    /// The DSN with any password replaced by `***` (ARCHITECTURE.md § Secrets).
    pub fn redacted(&self) -> String {
        match self {
            Target::Sqlite(p) => format!("sqlite:{}", p.display()),
            Target::Postgres(d) => redact(d),
        }
    }

    /// The DSN itself (for `UNDERSTUDY_SOURCE`/`UNDERSTUDY_TARGET` only).
    pub fn dsn(&self) -> String {
        match self {
            Target::Sqlite(p) => format!("sqlite:{}", p.display()),
            Target::Postgres(d) => d.clone(),
        }
    }

    pub fn connect(&self) -> Result<Box<dyn Conn>> {
        self.open(None).map_err(|e| e.error)
    }

    /// `connect` within `timeout` (network targets), saying whether the
    /// failure is one that waiting may cure.
    pub fn open(
        &self,
        timeout: Option<std::time::Duration>,
    ) -> std::result::Result<Box<dyn Conn>, ConnectError> {
        match self {
            Target::Sqlite(p) => match sqlite::Sqlite::open(p) {
                Ok(c) => Ok(Box::new(c)),
                Err(error) => Err(ConnectError {
                    error,
                    transient: false,
                }),
            },
            Target::Postgres(d) => Ok(Box::new(postgres::Pg::open(d, timeout)?)),
        }
    }
}

/// A connection that could not be opened.
#[derive(Debug)]
pub struct ConnectError {
    pub error: Error,
    /// The target did not answer, or answered "not now": waiting may help.
    pub transient: bool,
}

/// The DSN with every password shown as `***` (see `crate::redact`).
pub fn redact(dsn: &str) -> String {
    crate::redact::dsn(dsn)
}

/// Why a database refused rows (the reject classes of the report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    Encoding,
    TooLong,
    Constraint,
    Duplicate,
    Connection,
    Timeout,
    Other,
}

impl ErrorClass {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Encoding => "encoding",
            ErrorClass::TooLong => "too_long",
            ErrorClass::Constraint => "constraint",
            ErrorClass::Duplicate => "duplicate",
            ErrorClass::Connection => "connection",
            ErrorClass::Timeout => "timeout",
            ErrorClass::Other => "other",
        }
    }

    /// PostgreSQL SQLSTATE → class.
    pub fn from_sqlstate(code: &str, message: &str) -> ErrorClass {
        match code {
            "22021" | "22P05" => ErrorClass::Encoding,
            "22001" => ErrorClass::TooLong,
            "23505" => ErrorClass::Duplicate,
            "57014" | "55P03" | "40P01" | "25P03" => ErrorClass::Timeout,
            c if c.starts_with("23") => {
                if message.contains("length(") || message.contains("char_length(") {
                    ErrorClass::TooLong
                } else {
                    ErrorClass::Constraint
                }
            }
            c if c.starts_with("08") || c.starts_with("57P") => ErrorClass::Connection,
            _ => ErrorClass::Other,
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct DbError {
    pub class: ErrorClass,
    pub message: String,
}

impl DbError {
    /// The connection is gone or timed out: retry the batch, don't bisect it.
    pub fn is_transient(&self) -> bool {
        matches!(self.class, ErrorClass::Connection | ErrorClass::Timeout)
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.class)
    }
}

pub type DbResult<T> = std::result::Result<T, DbError>;

/// How a batch's rows go in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// PostgreSQL `COPY … FROM STDIN` (text format); SQLite: prepared INSERTs.
    Copy,
    /// Multi-row `INSERT`.
    Insert,
    /// `INSERT … ON CONFLICT DO NOTHING`.
    Upsert,
}

impl std::str::FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Method, String> {
        match s {
            "copy" => Ok(Method::Copy),
            "insert" => Ok(Method::Insert),
            "upsert" => Ok(Method::Upsert),
            o => Err(format!("unknown method `{o}`: use copy, insert or upsert")),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Copy => "copy",
            Method::Insert => "insert",
            Method::Upsert => "upsert",
        })
    }
}

/// A target table as the loader sees it: the profile columns present in the
/// target (by index into the generated row) and their target names.
#[derive(Debug, Clone)]
pub struct LoadTable {
    pub name: String,
    /// (index of the generated field, target column name).
    pub columns: Vec<(usize, String)>,
}

/// A column to read back: its target name, kind, and the target's declared type.
#[derive(Debug, Clone)]
pub struct ReadColumn {
    pub name: String,
    pub kind: FieldKind,
    pub declared: String,
}

pub trait Conn: Send {
    /// Runs one or more statements outside any row load (DDL, BEGIN, COMMIT…).
    fn batch(&mut self, sql: &str) -> DbResult<()>;
    /// Loads `rows[range]` of one table into the open transaction.
    fn load(
        &mut self,
        t: &LoadTable,
        rows: &Rows,
        range: std::ops::Range<usize>,
        method: Method,
    ) -> DbResult<()>;
    /// Runs a query whose every value is read as text (small results only).
    fn query(&mut self, sql: &str) -> DbResult<Vec<Vec<Option<String>>>>;
    /// A query listing `table`'s columns as (name, declared type) rows.
    fn columns_sql(&self, table: &str) -> String;
    /// The table's columns as (name, declared type), or None when it does not exist.
    fn columns(&mut self, table: &str) -> DbResult<Option<Vec<(String, String)>>> {
        let rows = self.query(&self.columns_sql(table))?;
        if rows.is_empty() {
            return Ok(None);
        }
        Ok(Some(
            rows.into_iter()
                .map(|r| {
                    let mut it = r.into_iter();
                    (
                        it.next().flatten().unwrap_or_default(),
                        it.next().flatten().unwrap_or_default(),
                    )
                })
                .collect(),
        ))
    }
    /// Streams every row of `table` (the given columns, as text) to `f`.
    fn scan(
        &mut self,
        table: &str,
        cols: &[ReadColumn],
        f: &mut dyn FnMut(&[Option<&str>]),
    ) -> DbResult<()>;
    fn dialect(&self) -> crate::sink::Dialect;
}

/// Quotes an identifier (both dialects use double quotes).
pub fn ident(name: &str) -> String {
    crate::sink::sql::quote_ident(crate::sink::Dialect::Postgres, name)
}

/// A SQL string literal.
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlstates_map_to_classes() {
        assert_eq!(ErrorClass::from_sqlstate("22001", ""), ErrorClass::TooLong);
        assert_eq!(
            ErrorClass::from_sqlstate("23505", ""),
            ErrorClass::Duplicate
        );
        assert_eq!(
            ErrorClass::from_sqlstate("23503", ""),
            ErrorClass::Constraint
        );
        assert_eq!(
            ErrorClass::from_sqlstate("23514", "check (length(email) <= 64)"),
            ErrorClass::TooLong
        );
        assert_eq!(ErrorClass::from_sqlstate("22021", ""), ErrorClass::Encoding);
        assert_eq!(
            ErrorClass::from_sqlstate("57P01", ""),
            ErrorClass::Connection
        );
        assert_eq!(ErrorClass::from_sqlstate("57014", ""), ErrorClass::Timeout);
        assert_eq!(ErrorClass::from_sqlstate("42P01", ""), ErrorClass::Other);
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://bob:s3cr:et@db.example:5432/app"),
            "postgres://bob:***@db.example:5432/app"
        );
        assert_eq!(redact("postgres://bob@db/app"), "postgres://bob@db/app");
        assert_eq!(
            redact("postgres://bob@db/app?password=x&sslmode=disable"),
            "postgres://bob@db/app?password=***&sslmode=disable"
        );
        assert_eq!(
            redact("postgres://qpw:Pa55?word@127.0.0.1:55432/qdb"),
            "postgres://qpw:***@127.0.0.1:55432/qdb"
        );
        assert_eq!(
            redact("postgres://qpw:Pa/55word@127.0.0.1:55432/qdb"),
            "postgres://qpw:***@127.0.0.1:55432/qdb"
        );
    }
}
