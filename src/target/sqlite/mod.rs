//! SQLite target (rusqlite, bundled). One writer. Settings:
//! `journal_mode=WAL` (readers do not block the writer; a killed process
//! loses nothing committed), `synchronous=NORMAL` (in WAL mode a commit is
//! durable against a process crash; a power loss may drop the last commits,
//! together with their progress rows, so resume stays exactly-once),
//! `foreign_keys=ON` (a child row whose parent was rejected is refused too),
//! `busy_timeout=5000`. Rows go in through prepared multi-row INSERTs bound
//! with parameters, cached per row count.

mod catalog;
mod lock;

use super::{
    Conn, ConnectError, DbError, DbResult, Driver, ErrorClass, Kind, LoadTable, Loading, Lock,
    Method, ReadColumn, Rows, Target, ident, reach,
};
use crate::error::{Error, Result};
use crate::row::FieldKind;
use rusqlite::types::ValueRef;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub struct Sqlite {
    conn: rusqlite::Connection,
}

/// The page cache (`cache_size`, KiB) and WAL autocheckpoint (pages) set on
/// every connection of a target (`tuned`): `estimate` loads its samples at
/// size with its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuning {
    pub cache_kib: u64,
    /// 0 turns automatic checkpoints off.
    pub autocheckpoint_pages: u64,
    /// Off only while `estimate` fills a scratch copy whose unique indexes
    /// (the parents of its foreign keys) are not built yet.
    pub foreign_keys: bool,
    /// Read every index into the page cache on open: a connection in the
    /// middle of a long load has its cache full of them.
    pub warm: bool,
    /// No rollback journal, no syncs: for a scratch copy that is thrown away
    /// if anything fails.
    pub unjournaled: bool,
}

pub const DEFAULT_TUNING: Tuning = Tuning {
    cache_kib: 262_144,
    autocheckpoint_pages: 65_536,
    foreign_keys: true,
    warm: false,
    unjournaled: false,
};

pub const KIND_NAME: &str = "sqlite";

/// The registry's line for SQLite.
pub const KIND: Kind = Kind {
    prefixes: &["sqlite:"],
    form: "sqlite:PATH",
    parse,
};

fn parse(dsn: &str) -> Result<Target> {
    let p = dsn.strip_prefix("sqlite:").unwrap_or(dsn);
    let p = p.strip_prefix("//").unwrap_or(p);
    if p.is_empty() {
        return Err(Error::usage(
            "sqlite: target needs a path, e.g. sqlite:understudy.db",
        ));
    }
    Ok(target(p.into()))
}

/// An SQLite database file, with the settings its connections get.
#[derive(Debug, Clone)]
pub struct SqliteTarget {
    pub path: PathBuf,
    pub tuning: Tuning,
}

/// The database at `path`, with the default settings.
pub fn target(path: PathBuf) -> Target {
    tuned(path, DEFAULT_TUNING)
}

/// The database at `path`, every connection opened with `tuning`.
pub fn tuned(path: PathBuf, tuning: Tuning) -> Target {
    Target::new(SqliteTarget { path, tuning })
}

impl SqliteTarget {
    /// The directory the database file is (or will be) in.
    fn dir(&self) -> &Path {
        self.path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    }
}

impl Driver for SqliteTarget {
    fn kind(&self) -> &'static str {
        KIND_NAME
    }

    fn dsn(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }

    fn redacted(&self) -> String {
        self.dsn()
    }

    fn open(&self, _: Option<Duration>) -> std::result::Result<Box<dyn Conn>, ConnectError> {
        match Sqlite::open(&self.path, &self.tuning) {
            Ok(c) => Ok(Box::new(c)),
            Err(error) => Err(ConnectError {
                error,
                transient: false,
            }),
        }
    }

    fn hint(&self) -> String {
        format!(
            "the directory {} must exist and be writable (understudy creates the database file, not its directory)",
            self.dir().display()
        )
    }

    /// A database that does not exist yet is not created here (a refusal
    /// later leaves nothing behind): its directory is checked instead.
    fn reach_and_lock(&self) -> Result<Lock> {
        let target = Target::new(self.clone());
        if self.path.exists() {
            drop(reach::reach(&target)?);
        } else {
            reach::usable_dir(&target)?;
        }
        lock::lock_file(&target, &self.path)
    }

    /// One writer; fewer, larger commits (WAL write amplification of
    /// random-key indexes).
    fn loading(&self) -> Loading {
        Loading {
            batch: 25_000,
            workers: 1,
            writers: Some((1, "SQLite has one writer: using 1 worker")),
        }
    }

    fn file(&self) -> Option<&Path> {
        Some(&self.path)
    }

    fn new_files(&self) -> Vec<PathBuf> {
        if self.path.exists() {
            return Vec::new();
        }
        ["", "-wal", "-shm", "-journal"]
            .iter()
            .map(|suffix| {
                let mut f = self.path.clone().into_os_string();
                f.push(suffix);
                PathBuf::from(f)
            })
            .collect()
    }

    fn address(&self) -> Result<String> {
        Err(Error::usage(
            "--faults applies to network targets (postgres://…); an SQLite file has no network to break",
        ))
    }

    fn via(&self, _: &str) -> Target {
        Target::new(self.clone())
    }

    fn catalog(
        &self,
        _: Option<Duration>,
    ) -> std::result::Result<super::catalog::Catalog, ConnectError> {
        catalog::open(&self.path)
    }

    /// A database file in a fresh directory beside this one (same disk);
    /// the directory is removed with it.
    fn scratch(&self, tag: &str) -> Result<super::Scratch> {
        let dir = self
            .dir()
            .join(format!(".understudy-estimate-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        // Not create_dir_all: the target's directory must exist.
        std::fs::create_dir(&dir).map_err(|e| {
            Error::target(format!(
                "cannot create a scratch directory beside {}: {e}",
                self.redacted()
            ))
        })?;
        let file = dir.join("sample.db");
        Ok(super::Scratch::new(target(file), move || {
            let _ = std::fs::remove_dir_all(dir);
        }))
    }
}

/// Scans every index once (counting through it reads all its pages).
fn warm(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    let indexes: Vec<(String, String)> = conn
        .prepare("SELECT name, tbl_name FROM sqlite_schema WHERE type = 'index'")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let q = |s: &str| crate::sink::sql::quote_ident(crate::sink::Dialect::Sqlite, s);
    for (index, table) in indexes {
        conn.query_row(
            &format!(
                "SELECT count(*) FROM {} INDEXED BY {}",
                q(&table),
                q(&index)
            ),
            [],
            |_| Ok(()),
        )?;
    }
    Ok(())
}

/// SQLite's default limit on bound parameters per statement.
const MAX_PARAMS: usize = 32766;
/// Rows per INSERT statement at most.
const MAX_ROWS: usize = 256;

impl Sqlite {
    pub fn open(path: &Path, t: &Tuning) -> Result<Sqlite> {
        let conn = rusqlite::Connection::open(path)
            .map_err(|e| Error::target(format!("cannot open sqlite:{}: {e}", path.display())))?;
        conn.execute_batch(&format!(
            "PRAGMA journal_mode={}; PRAGMA synchronous={}; PRAGMA foreign_keys={};
             PRAGMA busy_timeout=5000; PRAGMA cache_size=-{}; PRAGMA wal_autocheckpoint={}; PRAGMA temp_store=MEMORY;",
            if t.unjournaled { "OFF" } else { "WAL" },
            if t.unjournaled { "OFF" } else { "NORMAL" },
            if t.foreign_keys { "ON" } else { "OFF" },
            t.cache_kib,
            t.autocheckpoint_pages
        ))
        .map_err(|e| Error::target(format!("cannot use sqlite:{}: {e}", path.display())))?;
        conn.set_prepared_statement_cache_capacity(64);
        if t.warm {
            warm(&conn).map_err(|e| {
                Error::target(format!("cannot read sqlite:{}: {e}", path.display()))
            })?;
        }
        Ok(Sqlite { conn })
    }
}

pub fn classify(e: &rusqlite::Error) -> DbError {
    use rusqlite::ErrorCode as C;
    let message = e.to_string();
    let class = match e {
        rusqlite::Error::SqliteFailure(f, _) => match f.code {
            C::ConstraintViolation => match f.extended_code {
                // SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY
                2067 | 1555 => ErrorClass::Duplicate,
                _ if message.contains("length(") => ErrorClass::TooLong,
                _ => ErrorClass::Constraint,
            },
            C::TooBig => ErrorClass::TooLong,
            C::DatabaseBusy | C::DatabaseLocked => ErrorClass::Timeout,
            C::CannotOpen | C::SystemIoFailure | C::NotADatabase | C::DatabaseCorrupt => {
                ErrorClass::Connection
            }
            _ => ErrorClass::Other,
        },
        rusqlite::Error::Utf8Error(..) | rusqlite::Error::NulError(_) => ErrorClass::Encoding,
        _ => ErrorClass::Other,
    };
    DbError { class, message }
}

fn insert_sql(t: &LoadTable, n: usize, method: Method) -> String {
    let cols: Vec<String> = t.columns.iter().map(|(_, c)| ident(c)).collect();
    let one = format!("({})", vec!["?"; cols.len()].join(","));
    let mut s = format!(
        "INSERT INTO {} ({}) VALUES {}",
        ident(&t.name),
        cols.join(","),
        vec![one.as_str(); n].join(",")
    );
    if method == Method::Upsert {
        s.push_str(" ON CONFLICT DO NOTHING");
    }
    s
}

impl Conn for Sqlite {
    fn batch(&mut self, sql: &str) -> DbResult<()> {
        self.conn.execute_batch(sql).map_err(|e| classify(&e))
    }

    fn load(
        &mut self,
        t: &LoadTable,
        rows: &Rows,
        range: std::ops::Range<usize>,
        method: Method,
    ) -> DbResult<()> {
        let ncols = t.columns.len().max(1);
        let per = (MAX_PARAMS / ncols).clamp(1, MAX_ROWS);
        let mut at = range.start;
        while at < range.end {
            let n = per.min(range.end - at);
            let mut stmt = self
                .conn
                .prepare_cached(&insert_sql(t, n, method))
                .map_err(|e| classify(&e))?;
            let mut p = 1;
            for r in at..at + n {
                for &(fi, _) in &t.columns {
                    let (kind, s) = rows.field(r, fi);
                    let res = match kind {
                        FieldKind::Null => stmt.raw_bind_parameter(p, rusqlite::types::Null),
                        FieldKind::Int => match s.parse::<i64>() {
                            Ok(v) => stmt.raw_bind_parameter(p, v),
                            Err(_) => stmt.raw_bind_parameter(p, s),
                        },
                        FieldKind::Bool => stmt.raw_bind_parameter(p, (s == "true") as i64),
                        _ => stmt.raw_bind_parameter(p, s),
                    };
                    res.map_err(|e| classify(&e))?;
                    p += 1;
                }
            }
            stmt.raw_execute().map_err(|e| classify(&e))?;
            at += n;
        }
        Ok(())
    }

    fn query(&mut self, sql: &str) -> DbResult<Vec<Vec<Option<String>>>> {
        let mut stmt = self.conn.prepare(sql).map_err(|e| classify(&e))?;
        let n = stmt.column_count();
        let mut rows = stmt.query([]).map_err(|e| classify(&e))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(|e| classify(&e))? {
            out.push(
                (0..n)
                    .map(|i| value_text(r.get_ref(i).ok(), FieldKind::Text))
                    .collect(),
            );
        }
        Ok(out)
    }

    fn columns_sql(&self, table: &str) -> String {
        format!(
            "SELECT name, type FROM pragma_table_info({})",
            super::literal(table)
        )
    }

    fn scan(
        &mut self,
        table: &str,
        cols: &[ReadColumn],
        f: &mut dyn FnMut(&[Option<&str>]),
    ) -> DbResult<()> {
        let list: Vec<String> = cols.iter().map(|c| ident(&c.name)).collect();
        let sql = format!("SELECT {} FROM {}", list.join(","), ident(table));
        let mut stmt = self.conn.prepare(&sql).map_err(|e| classify(&e))?;
        let mut rows = stmt.query([]).map_err(|e| classify(&e))?;
        let mut vals: Vec<Option<String>> = vec![None; cols.len()];
        while let Some(r) = rows.next().map_err(|e| classify(&e))? {
            for (i, c) in cols.iter().enumerate() {
                vals[i] = value_text(r.get_ref(i).ok(), c.kind);
            }
            let refs: Vec<Option<&str>> = vals.iter().map(|v| v.as_deref()).collect();
            f(&refs);
        }
        Ok(())
    }

    fn dialect(&self) -> crate::sink::Dialect {
        crate::sink::Dialect::Sqlite
    }

    fn lookup(
        &mut self,
        table: &str,
        key: &str,
        columns: &[&str],
        value: &str,
    ) -> DbResult<Option<Vec<Option<String>>>> {
        let sql = super::lookup_sql(table, key, columns, "?1");
        let mut st = self.conn.prepare_cached(&sql).map_err(|e| classify(&e))?;
        let mut rows = st.query([value]).map_err(|e| classify(&e))?;
        let Some(r) = rows.next().map_err(|e| classify(&e))? else {
            return Ok(None);
        };
        (0..columns.len())
            .map(|i| r.get::<_, Option<String>>(i).map_err(|e| classify(&e)))
            .collect::<DbResult<_>>()
            .map(Some)
    }
}

/// A stored value as the generator would have written it.
fn value_text(v: Option<ValueRef<'_>>, kind: FieldKind) -> Option<String> {
    match v? {
        ValueRef::Null => None,
        ValueRef::Integer(i) if kind == FieldKind::Bool => {
            Some(if i != 0 { "true" } else { "false" }.into())
        }
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(f.to_string()),
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Some(String::from_utf8_lossy(b).into_owned()),
    }
}
