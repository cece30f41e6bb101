//! Targets: where a rehearsal loads rows. A DSN names one (`sqlite:PATH`,
//! `postgres://user:pass@host:port/db`, `mysql://user:pass@host:port/db`), read by its kind in the registry
//! (`KINDS`) into a `Driver`; `Conn` is what the loader, the checkpoint and
//! verification need from a connection. Identity APIs (`http/`) are reached
//! by request, not by connection, and have their own loader; so do LDAP
//! directories (`ldap/`: in the registry for parsing, loaded by entries).

pub mod bookkeeping;
pub mod catalog;
pub mod http;
pub mod ldap;
pub mod mysql;
pub mod postgres;
pub mod reach;
pub mod redis;
mod rows;
pub mod schema;
pub mod scratch;
pub mod sqlite;

pub use bookkeeping::{Previous, Reject, RunInfo};
pub use rows::Rows;
pub use scratch::Scratch;

use crate::error::{Error, Result};
use crate::row::FieldKind;
use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The table recording each committed batch (ARCHITECTURE.md § Exactly-once resume).
pub const PROGRESS_TABLE: &str = "_understudy_progress";
/// The table recording each refused row, with its labels.
pub const REJECTS_TABLE: &str = "_understudy_rejects";

/// A kind of database target, as the harness sees it: everything besides a
/// connection's own work (`Conn`). One implementation per folder under
/// `target/` (ARCHITECTURE.md § A target).
pub trait Driver: Send + Sync {
    /// The kind's name (`sqlite`, `postgres`).
    fn kind(&self) -> &'static str;
    /// The DSN itself (for `UNDERSTUDY_SOURCE`/`UNDERSTUDY_TARGET` only).
    fn dsn(&self) -> String;
    /// The DSN with any password replaced by `***` (ARCHITECTURE.md § Secrets).
    fn redacted(&self) -> String;
    /// A connection, within `timeout` (network targets), saying whether a
    /// failure is one that waiting may cure.
    fn open(&self, timeout: Option<Duration>) -> std::result::Result<Box<dyn Conn>, ConnectError>;
    /// What to check when the target cannot be reached.
    fn hint(&self) -> String;
    /// First contact (`reach::reach`), then the writer lock, held until the
    /// `Lock` is dropped; exit 2 when another rehearsal holds it.
    fn reach_and_lock(&self) -> Result<Lock>;
    /// `--shard`: first contact, then a lock per shard, so the shards of one
    /// run load side by side while the same shard twice, or an unsharded
    /// rehearsal, is refused (exit 2). The default: the kind has one writer.
    fn reach_and_lock_shard(&self, shard: crate::dataset::Shard) -> Result<Lock> {
        Err(Error::usage(format!(
            "--shard {shard}: {} targets take one writer at a time; shard into PostgreSQL or MySQL",
            self.kind()
        )))
    }
    /// How a rehearsal loads into this kind of target unless told otherwise.
    fn loading(&self) -> Loading;
    /// The database file, when the target is one local file.
    fn file(&self) -> Option<&Path> {
        None
    }
    /// The files a first connection would create (the database does not
    /// exist yet): removed again when the rehearsal is refused.
    fn new_files(&self) -> Vec<PathBuf> {
        Vec::new()
    }
    /// The `host:port` a fault proxy stands in front of (`--faults`), or why
    /// this target has none.
    fn address(&self) -> Result<String>;
    /// The same target reached at `addr` (the fault proxy's).
    fn via(&self, addr: &str) -> Target;
    /// The DSN taken apart as the driver reads it, for `--exec` commands
    /// whose tools want the pieces (network targets).
    fn parts(&self) -> Option<DsnParts> {
        None
    }
    /// A read-only session for the catalog and aggregate queries
    /// (`catalog::Catalog`: `discover`), within `timeout`; nothing is written.
    fn catalog(
        &self,
        timeout: Option<Duration>,
    ) -> std::result::Result<catalog::Catalog, ConnectError> {
        let _ = timeout;
        Err(catalog::unsupported(self.kind()))
    }
    /// A fresh, empty copy of this target for a throwaway load (`estimate`'s
    /// samples), removed when the `Scratch` is dropped; `tag` tells one
    /// process's copies apart. A refusal that the user can fix (a missing
    /// privilege) is a usage error (exit 2) saying what to grant.
    fn scratch(&self, tag: &str) -> Result<Scratch> {
        let _ = tag;
        Err(Error::usage(format!(
            "estimate cannot make scratch copies of {} targets yet; `rehearse --production-users N` projects from a full run into it",
            self.kind()
        )))
    }
}

/// A network DSN's pieces as its driver reads them: the password
/// percent-decoded (or from PGPASSWORD / MYSQL_PWD when the DSN has none),
/// the port defaulted. `host` is a socket path for a Unix-socket DSN.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DsnParts {
    pub user: Option<String>,
    pub password: Option<String>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub database: Option<String>,
}

/// Defaults of a load, per kind of target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loading {
    /// Root rows per batch without `--batch`.
    pub batch: u64,
    /// Loader connections without `--workers`.
    pub workers: usize,
    /// At most this many writers, with the line that says so when more are asked for.
    pub writers: Option<(usize, &'static str)>,
}

/// A kind of target in the registry: the DSN prefixes that name it, the
/// form usage messages show, and how such a DSN is read.
pub struct Kind {
    pub prefixes: &'static [&'static str],
    pub form: &'static str,
    pub parse: fn(&str) -> Result<Target>,
}

/// Every kind of database target, one line each.
pub const KINDS: &[Kind] = &[sqlite::KIND, postgres::KIND, mysql::KIND, ldap::KIND];

/// A database target: where a rehearsal loads rows.
#[derive(Clone)]
pub struct Target(Arc<dyn Driver>);

impl Target {
    pub fn new(driver: impl Driver + 'static) -> Target {
        Target(Arc::new(driver))
    }

    /// The target a DSN names, by the registry's prefixes.
    pub fn parse(dsn: &str) -> Result<Target> {
        match KINDS
            .iter()
            .find(|k| k.prefixes.iter().any(|p| dsn.starts_with(p)))
        {
            Some(k) => (k.parse)(dsn),
            None => Err(Error::usage(format!(
                "unknown target `{}`: use {}",
                redact(dsn),
                forms()
            ))),
        }
    }

    pub fn driver(&self) -> &dyn Driver {
        self.0.as_ref()
    }

    pub fn kind(&self) -> &'static str {
        self.0.kind()
    }

    /// `estimate` and `jit` tell the single-writer kind apart this way.
    pub fn is_sqlite(&self) -> bool {
        self.kind() == sqlite::KIND_NAME
    }

    /// A MySQL or MariaDB target (`mysql://`, `mariadb://`): `estimate`
    /// measures its size effect under a cut redo log.
    pub fn is_mysql(&self) -> bool {
        self.kind() == mysql::KIND_NAME
    }

    /// The DSN with any password replaced by `***` (ARCHITECTURE.md § Secrets).
    pub fn redacted(&self) -> String {
        self.0.redacted()
    }

    /// The DSN itself (for `UNDERSTUDY_SOURCE`/`UNDERSTUDY_TARGET` only).
    pub fn dsn(&self) -> String {
        self.0.dsn()
    }

    pub fn file(&self) -> Option<&Path> {
        self.0.file()
    }

    pub fn parts(&self) -> Option<DsnParts> {
        self.0.parts()
    }

    pub fn loading(&self) -> Loading {
        self.0.loading()
    }

    pub fn hint(&self) -> String {
        self.0.hint()
    }

    /// A fresh, empty copy of this target, removed when dropped (`Driver::scratch`).
    pub fn scratch(&self, tag: &str) -> Result<Scratch> {
        self.0.scratch(tag)
    }

    pub fn connect(&self) -> Result<Box<dyn Conn>> {
        self.open(None).map_err(|e| e.error)
    }

    /// `connect` within `timeout` (network targets), saying whether the
    /// failure is one that waiting may cure.
    pub fn open(
        &self,
        timeout: Option<Duration>,
    ) -> std::result::Result<Box<dyn Conn>, ConnectError> {
        self.0.open(timeout)
    }
}

impl PartialEq for Target {
    fn eq(&self, other: &Target) -> bool {
        self.kind() == other.kind() && self.dsn() == other.dsn()
    }
}

impl Eq for Target {}

/// Redacted: a target in a debug print shows no password.
impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Target({})", self.redacted())
    }
}

/// The registry's DSN forms: "a or b", "a, b or c".
pub fn forms() -> String {
    let forms: Vec<&str> = KINDS.iter().map(|k| k.form).collect();
    match forms.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Held while a run writes to a target; a second run is refused meanwhile.
/// What is held (a session, a locked file) is the target kind's.
pub struct Lock(#[allow(dead_code)] Box<dyn Send>);

impl Lock {
    pub fn new(held: impl Send + 'static) -> Lock {
        Lock(Box::new(held))
    }
}

/// "Another rehearsal is writing here" (exit 2), with the holder when known.
pub fn busy(target: &str, holder: &str) -> Error {
    Error::usage(format!(
        "another rehearsal{holder} is writing to this target ({target}); wait for it to finish, or use another target"
    ))
}

/// First contact, then a writer lock held by that session: `sql` answers
/// `granted` when the lock is ours. A session lock dies with its session,
/// even a killed process's (ARCHITECTURE.md § Exactly-once resume).
pub fn session_lock(target: Target, sql: &str, granted: &str) -> Result<Lock> {
    let mut conn = reach::reach(&target)?;
    let rows = conn.query(sql).map_err(|e| {
        Error::target(format!(
            "cannot take the writer lock on {}: {e}",
            target.redacted()
        ))
    })?;
    match rows.first().and_then(|r| r.first()).cloned().flatten() {
        Some(v) if v == granted => Ok(Lock::new(conn)),
        _ => Err(busy(&target.redacted(), "")),
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

/// Why a database refused rows (the reject classes of the report), or, for
/// a row it kept, what it warned about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// Bytes that are not valid in the encoding (PostgreSQL 22021, MySQL 1300).
    Encoding,
    /// A valid character the column's character set cannot hold (MySQL 1366
    /// "Incorrect string value": a 4-byte character in `utf8`/`utf8mb3`;
    /// PostgreSQL 22P05, untranslatable into the database's encoding).
    Charset,
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
            ErrorClass::Charset => "charset",
            ErrorClass::TooLong => "too_long",
            ErrorClass::Constraint => "constraint",
            ErrorClass::Duplicate => "duplicate",
            ErrorClass::Connection => "connection",
            ErrorClass::Timeout => "timeout",
            ErrorClass::Other => "other",
        }
    }

    /// Every class, in the order reports list them.
    pub const ALL: [ErrorClass; 8] = [
        ErrorClass::Encoding,
        ErrorClass::Charset,
        ErrorClass::TooLong,
        ErrorClass::Constraint,
        ErrorClass::Duplicate,
        ErrorClass::Connection,
        ErrorClass::Timeout,
        ErrorClass::Other,
    ];

    /// The class `as_str` names (`other` for a name it does not know).
    pub fn named(name: &str) -> ErrorClass {
        ErrorClass::ALL
            .into_iter()
            .find(|c| c.as_str() == name)
            .unwrap_or(ErrorClass::Other)
    }

    /// PostgreSQL SQLSTATE → class.
    pub fn from_sqlstate(code: &str, message: &str) -> ErrorClass {
        match code {
            "22021" => ErrorClass::Encoding,
            "22P05" => ErrorClass::Charset,
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

/// A warning the server raised about a row it kept (MySQL outside strict
/// mode truncates a too-long value, or writes `?` for a character the
/// column's character set lacks, and only warns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The row (index into the loaded `Rows`), when the server said which.
    pub row: Option<usize>,
    pub class: ErrorClass,
    pub message: String,
}

/// How a batch's rows go in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// PostgreSQL `COPY … FROM STDIN` (text format); MySQL `LOAD DATA LOCAL
    /// INFILE` from memory; SQLite: prepared INSERTs.
    Copy,
    /// Multi-row `INSERT`.
    Insert,
    /// `INSERT … ON CONFLICT DO NOTHING` (MySQL: `ON DUPLICATE KEY UPDATE k = k`).
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

/// The SELECT behind `Conn::lookup`, its parameter written `param`.
pub fn lookup_sql(table: &str, key: &str, columns: &[&str], param: &str) -> String {
    let cols: Vec<String> = columns.iter().map(|c| ident(c)).collect();
    format!(
        "SELECT {} FROM {} WHERE {} = {param}",
        cols.join(", "),
        ident(table),
        ident(key)
    )
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
    /// The row of `table` whose `key` column holds `value` (`columns` read as
    /// text), or None. Prepared once per connection: `jit` looks a user up in
    /// the legacy store at every sign-in.
    fn lookup(
        &mut self,
        table: &str,
        key: &str,
        columns: &[&str],
        value: &str,
    ) -> DbResult<Option<Vec<Option<String>>>>;

    /// The warnings the server raised about rows the last successful `load`
    /// kept (none for kinds that never keep a changed row).
    fn take_warnings(&mut self) -> Vec<Warning> {
        Vec::new()
    }
    /// Session settings that change what the target does with a value, as
    /// the server reports them (MySQL: `sql_mode`), for the report.
    fn settings(&mut self) -> Vec<(String, String)> {
        Vec::new()
    }

    // Resume bookkeeping (`bookkeeping`): SQL both shipped kinds speak.

    /// Creates the bookkeeping tables, inside the preparation transaction.
    fn create_bookkeeping(&mut self) -> DbResult<()> {
        bookkeeping::create(self)
    }
    /// Records a committed batch, inside its transaction.
    fn record_batch(
        &mut self,
        run: &RunInfo,
        table: &str,
        batch: u64,
        loaded: u64,
        rejected: u64,
    ) -> DbResult<()> {
        bookkeeping::record_batch(self, run, table, batch, loaded, rejected)
    }
    /// Records a batch's refused rows, inside its transaction.
    fn record_rejects(
        &mut self,
        plan: &crate::dataset::Plan,
        batch: u64,
        rejects: &[Reject],
    ) -> DbResult<()> {
        bookkeeping::record_rejects(self, plan, batch, rejects)
    }
    /// Whether batch `batch` of root table `table` is committed.
    fn committed(&mut self, table: &str, batch: u64) -> DbResult<bool> {
        bookkeeping::committed(self, table, batch)
    }
    /// What earlier runs committed.
    fn previous(&mut self) -> DbResult<Previous> {
        bookkeeping::previous(self)
    }
    /// The refused rows recorded by every run of this rehearsal.
    fn recorded_rejects(&mut self, plan: &crate::dataset::Plan) -> DbResult<Vec<Reject>> {
        bookkeeping::recorded_rejects(self, plan)
    }
    /// Rows of each of the profile's tables.
    fn row_counts(&mut self, plan: &crate::dataset::Plan) -> DbResult<Vec<u64>> {
        bookkeeping::row_counts(self, plan)
    }
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
        assert_eq!(ErrorClass::from_sqlstate("22P05", ""), ErrorClass::Charset);
        for c in ErrorClass::ALL {
            assert_eq!(ErrorClass::named(c.as_str()), c);
        }
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
