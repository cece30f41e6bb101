//! `rehearse`: load generated users into a real target (SQLite, PostgreSQL),
//! measured, resumable exactly once, and verified against the regenerated
//! ground truth; or run the user's own migration (`--exec`) and verify it.
//!
//! Pipeline (ARCHITECTURE.md § Streaming): producer thread → bounded channel (2·W batches)
//! → W loader threads, one connection each. A batch is a fixed index range of
//! a root table (`--batch` rows) with its child rows, committed in one
//! transaction together with its row in `_understudy_progress`.

pub mod batch;
pub mod exec;
pub mod lineage;
pub mod trend;
pub mod verify;

use crate::error::{Error, Result};
use crate::generator::plan::rows_in;
use crate::generator::table::Scratch;
use crate::hash::HashMode;
use crate::profile::{Profile, SqlType};
use crate::report::{self, Report, metrics::Metrics};
use crate::row::{FieldKind, RowBuf};
use crate::target::{
    self, Conn, DbError, DbResult, ErrorClass, LoadTable, Method, Rows, Target, http, literal,
    reach, schema,
};
use batch::Batch;
use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

pub use crate::dataset::{Group, Plan};

pub const DEFAULT_TARGET: &str = "sqlite:understudy.db";
pub use crate::target::{PROGRESS_TABLE, REJECTS_TABLE};

pub struct RehearseOptions {
    pub profile: Profile,
    pub users: u64,
    pub seed: u64,
    pub target: Option<String>,
    pub workers: Option<usize>,
    /// Root rows per batch; None: 25000 for SQLite (fewer, larger commits: WAL
    /// write amplification of random-key indexes), 5000 for PostgreSQL.
    pub batch: Option<u64>,
    pub method: Method,
    pub schema: Option<PathBuf>,
    pub no_create: bool,
    pub resume: bool,
    pub verify: bool,
    pub report: Option<PathBuf>,
    pub html: Option<PathBuf>,
    pub rejects: Option<PathBuf>,
    pub fail_on: Option<String>,
    pub production_users: Option<u64>,
    pub hash_mode: Option<HashMode>,
    /// Share of rows carrying a labelled edge case (default: the profile's).
    pub edge_rate: Option<f64>,
    pub maps: Vec<(String, String)>,
    pub exec: Option<String>,
    pub source: Option<String>,
    pub domains: Vec<(String, u32)>,
    pub quiet: bool,
    /// Load through the fault proxy with this plan (PostgreSQL targets).
    pub faults: Option<crate::faults::FaultPlan>,
    /// How long transient failures (a lost network) are retried before giving up.
    pub retry_for: Duration,
    /// The identity API of an http:// target.
    pub api: Option<crate::api::Api>,
    /// Open model (http:// targets): requests per second.
    pub rate: Option<f64>,
    /// http:// targets: 5xx answers allowed per user.
    pub max_attempts: u32,
    /// The target as messages name it, when the load reaches it some other
    /// way (through the fault proxy).
    pub shown_as: Option<String>,
    /// Load only these batches of the driving table's group (the others
    /// count as done): `estimate` fills a scratch copy, then measures a
    /// window of batches at a given share of the full load.
    pub window: Option<std::ops::Range<u64>>,
}

impl RehearseOptions {
    /// The CLI's defaults: SQLite default target, COPY, verify, no faults.
    pub fn new(profile: Profile, users: u64, seed: u64) -> RehearseOptions {
        RehearseOptions {
            domains: profile.domains.clone(),
            profile,
            users,
            seed,
            target: None,
            workers: None,
            batch: None,
            method: Method::Copy,
            schema: None,
            no_create: false,
            resume: false,
            verify: true,
            report: None,
            html: None,
            rejects: None,
            fail_on: None,
            production_users: None,
            hash_mode: None,
            edge_rate: None,
            maps: Vec::new(),
            exec: None,
            source: None,
            quiet: false,
            faults: None,
            retry_for: Duration::from_secs(600),
            api: None,
            rate: None,
            max_attempts: 8,
            shown_as: None,
            window: None,
        }
    }

    pub fn batch(&self) -> u64 {
        self.batch.unwrap_or(5_000)
    }
}

/// The target's side of each profile table: which columns exist and under
/// which names.
pub struct TargetTables {
    pub load: Vec<LoadTable>,
    /// Per profile table, per profile column: the target's declared type, if present.
    pub declared: Vec<Vec<Option<String>>>,
    pub missing_columns: Vec<String>,
    pub renamed_columns: Vec<String>,
    /// What preparing the target left out, for the terminal.
    pub notes: Vec<String>,
}

/// The kind a column's values have in the canonical row (for digests).
pub fn column_kind(t: SqlType) -> FieldKind {
    match t {
        SqlType::BigInt => FieldKind::Int,
        SqlType::Bool => FieldKind::Bool,
        SqlType::Timestamp => FieldKind::Timestamp,
        SqlType::Json => FieldKind::Json,
        _ => FieldKind::Text,
    }
}

fn mapped<'a>(maps: &'a [(String, String)], table: &str, col: &'a str) -> &'a str {
    for (old, new) in maps {
        if old == col || old.split_once('.') == Some((table, col)) {
            return new;
        }
    }
    col
}

/// Creates the profile's tables (or applies `--schema`), creates the
/// bookkeeping tables, and reads back which columns the target has. Inside
/// the caller's transaction: a refusal leaves the target as it was.
pub fn prepare_target(
    conn: &mut dyn Conn,
    plan: &Plan,
    schema: Option<&schema::SchemaFile>,
    no_create: bool,
    maps: &[(String, String)],
    redacted: &str,
) -> Result<TargetTables> {
    let dialect = conn.dialect();
    let fail = |what: &str, e: DbError| Error::target(format!("{what} on {redacted}: {e}"));
    let order = plan.tables_in_order();
    let mut notes = Vec::new();
    // The profile's tables the target had before this run (without --schema
    // or --no-create): a refusal below says they are someone else's.
    let mut existing = Vec::new();
    if let Some(file) = schema {
        let any_exists = order
            .iter()
            .map(|&t| conn.columns(&plan.metas[t].name))
            .collect::<DbResult<Vec<_>>>()
            .map_err(|e| fail("cannot read the catalog", e))?
            .iter()
            .any(Option::is_some);
        if !any_exists {
            for s in file.apply(conn)? {
                notes.push(format!(
                    "--schema {}, line {}: left out `{}`: this server does not know the parameter",
                    file.path.display(),
                    s.line,
                    s.sql
                ));
            }
            // Tables created in another schema than the connection's are not
            // found by name: say where they went and how to get there.
            for &t in &order {
                let name = &plan.metas[t].name;
                if let Some(q) = file.qualifier_of(name)
                    && conn
                        .columns(name)
                        .map_err(|e| fail("cannot read the catalog", e))?
                        .is_none()
                {
                    return Err(Error::usage(format!(
                        "--schema {} creates {q}.{name}, outside the schema understudy loads into \
                         (the connection's current schema): put {q} first in the search path, \
                         e.g. --target 'postgres://…/db?options=-csearch_path%3D{q}'",
                        file.path.display()
                    )));
                }
            }
        }
    } else if !no_create {
        for &t in &order {
            let name = &plan.metas[t].name;
            if conn
                .columns(name)
                .map_err(|e| fail("cannot read the catalog", e))?
                .is_some()
            {
                existing.push(name.as_str());
            }
        }
        let mut ddl = String::new();
        for &t in &order {
            ddl.push_str(&crate::sink::sql::create_table(dialect, &plan.metas[t]));
        }
        conn.batch(&ddl).map_err(|e| {
            if e.is_transient() || existing.is_empty() {
                fail("cannot create the profile's tables", e)
            } else {
                // Reachable, but tables already there conflict with the profile's.
                Error::usage(format!(
                    "cannot create the profile's tables on {redacted}: {}\n  \
                     it already has tables by those names ({}): start from an empty database, \
                     or describe yours with --schema/--no-create (and --map)",
                    e.message,
                    existing.join(", ")
                ))
            }
        })?;
    }
    conn.batch(&format!(
        "CREATE TABLE IF NOT EXISTS {PROGRESS_TABLE} (run_id TEXT NOT NULL, profile_digest TEXT NOT NULL, \
         seed TEXT NOT NULL, users TEXT NOT NULL, batch_rows BIGINT NOT NULL, tbl TEXT NOT NULL, \
         batch BIGINT NOT NULL, rows_loaded BIGINT NOT NULL, rows_rejected BIGINT NOT NULL, \
         committed_at TEXT NOT NULL, PRIMARY KEY (tbl, batch));
         CREATE TABLE IF NOT EXISTS {REJECTS_TABLE} (tbl TEXT NOT NULL, batch BIGINT NOT NULL, \
         row_key TEXT NOT NULL, class TEXT NOT NULL, message TEXT NOT NULL, \
         labels TEXT NOT NULL DEFAULT '');"
    ))
    .map_err(|e| fail("cannot create the progress table", e))?;
    let mut tables = read_target_tables(conn, plan, maps, redacted).map_err(|mut e| {
        if e.kind == crate::error::ErrorKind::Usage && !existing.is_empty() {
            e.message.push_str(&format!(
                "\n  {redacted} already had tables by the profile's names ({}): start from an empty \
                 database, or describe yours with --schema/--no-create (and --map)",
                existing.join(", ")
            ));
        }
        e
    })?;
    tables.notes = notes;
    Ok(tables)
}

pub fn read_target_tables(
    conn: &mut dyn Conn,
    plan: &Plan,
    maps: &[(String, String)],
    redacted: &str,
) -> Result<TargetTables> {
    let mut load = Vec::new();
    let mut declared = Vec::new();
    let mut missing_columns = Vec::new();
    let mut renamed_columns = Vec::new();
    for m in &plan.metas {
        let cols = conn
            .columns(&m.name)
            .map_err(|e| Error::target(format!("cannot read the catalog of {redacted}: {e}")))?
            .ok_or_else(|| {
                Error::usage(format!(
                    "table `{}` does not exist in {redacted} (with --no-create or --schema, the target must have the profile's tables)",
                    m.name
                ))
            })?;
        let mut lt = LoadTable {
            name: m.name.clone(),
            columns: Vec::new(),
        };
        let mut decl = Vec::new();
        for (i, c) in m.columns.iter().enumerate() {
            let want = mapped(maps, &m.name, &c.name);
            let found = cols
                .iter()
                .find(|(n, _)| n == want)
                .or_else(|| cols.iter().find(|(n, _)| n.eq_ignore_ascii_case(want)));
            match found {
                Some((n, ty)) => {
                    if n != &c.name {
                        renamed_columns.push(format!("{}.{} → {}", m.name, c.name, n));
                    }
                    lt.columns.push((i, n.clone()));
                    decl.push(Some(ty.to_ascii_lowercase()));
                }
                None => {
                    if m.primary_key.contains(&c.name) {
                        return Err(Error::usage(format!(
                            "primary-key column {}.{} is not in the target: map it with --map {}=NEW_NAME",
                            m.name, c.name, c.name
                        )));
                    }
                    missing_columns.push(format!("{}.{}", m.name, c.name));
                    decl.push(None);
                }
            }
        }
        load.push(lt);
        declared.push(decl);
    }
    Ok(TargetTables {
        load,
        declared,
        missing_columns,
        renamed_columns,
        notes: Vec::new(),
    })
}

/// A row the target refused.
#[derive(Debug, Clone)]
pub struct Reject {
    pub table: usize,
    pub key: String,
    pub class: ErrorClass,
    pub message: String,
    /// The row's edge-case labels.
    pub labels: Vec<String>,
}

/// Run parameters recorded with every batch; a resume must match them.
#[derive(Debug, Clone, PartialEq)]
struct RunInfo {
    run_id: String,
    profile_digest: String,
    seed: String,
    users: String,
    batch_rows: u64,
}

struct Loader<'a> {
    plan: &'a Plan,
    tables: &'a TargetTables,
    target: &'a Target,
    method: Method,
    batch_rows: u64,
    run: RunInfo,
    metrics: &'a Metrics,
    loaded: Vec<AtomicU64>,
    rejected: Vec<AtomicU64>,
    abort: AtomicBool,
    fatal: Mutex<Option<Error>>,
    bar: Option<indicatif::ProgressBar>,
    retry_for: Duration,
    waiting: &'a crate::retry::Waiting,
    lineage: lineage::Lineage,
}

struct Outcome {
    loaded: u64,
    rejects: Vec<Reject>,
}

impl Loader<'_> {
    fn progress_sql(&self, b: &Batch, loaded: u64, rejected: u64) -> String {
        let r = &self.run;
        let mut now = String::new();
        crate::time::push_rfc3339(&mut now, unix_now());
        format!(
            "INSERT INTO {PROGRESS_TABLE} VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
            literal(&r.run_id),
            literal(&r.profile_digest),
            literal(&r.seed),
            literal(&r.users),
            r.batch_rows,
            literal(&self.plan.metas[b.root].name),
            b.index,
            loaded,
            rejected,
            literal(&now)
        )
    }

    fn rejects_sql(&self, b: &Batch, rejects: &[Reject]) -> String {
        let values: Vec<String> = rejects
            .iter()
            .map(|r| {
                format!(
                    "({}, {}, {}, {}, {}, {})",
                    literal(&self.plan.metas[r.table].name),
                    b.index,
                    literal(&r.key),
                    literal(r.class.as_str()),
                    literal(&r.message.replace('\0', "")),
                    literal(&r.labels.join(","))
                )
            })
            .collect();
        format!("INSERT INTO {REJECTS_TABLE} VALUES {}", values.join(", "))
    }

    fn pk(&self, t: usize) -> Vec<usize> {
        self.plan.generator.tables[t].pk.clone()
    }

    fn bisect(
        &self,
        conn: &mut dyn Conn,
        rows: &Rows,
        range: std::ops::Range<usize>,
        rejects: &mut Vec<(usize, Reject)>,
    ) -> DbResult<()> {
        if range.is_empty() {
            return Ok(());
        }
        let lt = &self.tables.load[rows.table];
        conn.batch("SAVEPOINT understudy_bisect")?;
        match conn.load(lt, rows, range.clone(), self.method) {
            Ok(()) => conn.batch("RELEASE SAVEPOINT understudy_bisect"),
            Err(e) if e.is_transient() => Err(e),
            Err(e) => {
                conn.batch("ROLLBACK TO SAVEPOINT understudy_bisect")?;
                conn.batch("RELEASE SAVEPOINT understudy_bisect")?;
                if range.len() == 1 {
                    rejects.push((
                        range.start,
                        Reject {
                            table: rows.table,
                            key: rows.key(range.start, &self.pk(rows.table)),
                            class: e.class,
                            message: e.message,
                            labels: rows.labels_of(range.start),
                        },
                    ));
                    return Ok(());
                }
                let mid = range.start + range.len() / 2;
                self.bisect(conn, rows, range.start..mid, rejects)?;
                self.bisect(conn, rows, mid..range.end, rejects)
            }
        }
    }

    fn try_batch(&self, conn: &mut dyn Conn, b: &Batch) -> DbResult<Outcome> {
        conn.batch("BEGIN")?;
        let fast = (|| {
            for rows in &b.tables {
                conn.load(
                    &self.tables.load[rows.table],
                    rows,
                    0..rows.len(),
                    self.method,
                )?;
            }
            conn.batch(&self.progress_sql(b, b.rows(), 0))?;
            conn.batch("COMMIT")
        })();
        match fast {
            Ok(()) => {
                return Ok(Outcome {
                    loaded: b.rows(),
                    rejects: Vec::new(),
                });
            }
            Err(e) => {
                let _ = conn.batch("ROLLBACK");
                if e.is_transient() {
                    return Err(e);
                }
            }
        }
        // Some rows are bad: isolate them by bisection, load the rest.
        conn.batch("BEGIN")?;
        let careful = (|| {
            let mut rejects = Vec::new();
            for rows in &b.tables {
                let mut found = Vec::new();
                self.bisect(conn, rows, 0..rows.len(), &mut found)?;
                rejects.extend(self.lineage.attribute(rows, found));
            }
            let loaded = b.rows() - rejects.len() as u64;
            conn.batch(&self.progress_sql(b, loaded, rejects.len() as u64))?;
            if !rejects.is_empty() {
                conn.batch(&self.rejects_sql(b, &rejects))?;
            }
            conn.batch("COMMIT")?;
            Ok(Outcome { loaded, rejects })
        })();
        if careful.is_err() {
            let _ = conn.batch("ROLLBACK");
        }
        careful
    }

    fn committed(&self, conn: &mut dyn Conn, b: &Batch) -> DbResult<bool> {
        let rows = conn.query(&format!(
            "SELECT 1 FROM {PROGRESS_TABLE} WHERE tbl = {} AND batch = {}",
            literal(&self.plan.metas[b.root].name),
            b.index
        ))?;
        Ok(!rows.is_empty())
    }

    /// Loads one batch, retrying transient failures on a fresh connection.
    fn commit_batch(&self, conn: &mut Box<dyn Conn>, b: &Batch) -> Result<()> {
        let mut attempt = 0u32;
        let mut first_failure: Option<Instant> = None;
        loop {
            let t0 = Instant::now();
            let err = match self.try_batch(conn.as_mut(), b) {
                Ok(out) => {
                    self.metrics
                        .batch(out.loaded, t0.elapsed().as_micros() as u64);
                    for rows in &b.tables {
                        self.loaded[rows.table].fetch_add(rows.len() as u64, Ordering::Relaxed);
                    }
                    for r in &out.rejects {
                        self.loaded[r.table].fetch_sub(1, Ordering::Relaxed);
                        self.rejected[r.table].fetch_add(1, Ordering::Relaxed);
                        self.metrics.error(r.class.as_str(), &r.labels);
                    }
                    if let Some(bar) = &self.bar {
                        bar.inc(b.rows());
                    }
                    self.waiting.back();
                    return Ok(());
                }
                Err(e) => e,
            };
            let failing_for = first_failure.get_or_insert_with(Instant::now).elapsed();
            if !err.is_transient() || failing_for >= self.retry_for {
                return Err(Error::target(format!(
                    "batch {} of {} failed on {}: {err}",
                    b.index,
                    self.plan.metas[b.root].name,
                    self.target.redacted()
                )));
            }
            attempt += 1;
            self.metrics.retry();
            self.waiting.lost(&err.message);
            // Exponential backoff with jitter, capped: a long outage is waited
            // out in steps of at most 5 s until --retry-for runs out.
            let base = crate::retry::backoff(attempt);
            let jitter = crate::rng::Rng::at(b.index, attempt as u64).unit() * 0.25;
            let wait = base.mul_f64(1.0 + jitter);
            self.metrics.backoff(wait);
            std::thread::sleep(wait);
            if let Ok(c) = self.target.connect() {
                *conn = c;
            }
            if let Ok(true) = self.committed(conn.as_mut(), b) {
                self.waiting.back();
                return Ok(());
            }
        }
    }

    /// Fills a batch (a recycled one when available: buffers are allocated
    /// once per batch in flight, not per batch, so memory stays flat).
    fn build(
        &self,
        g: &Group,
        index: u64,
        range: std::ops::Range<u64>,
        base: &[u64],
        spare: Option<Batch>,
    ) -> Batch {
        let mut tables = match spare {
            Some(b) if b.root == g.root => b.tables,
            _ => std::iter::once(g.root)
                .chain(g.children.iter().copied())
                .map(|t| Rows::new(t, self.plan.metas[t].columns.len()))
                .collect(),
        };
        tables.iter_mut().for_each(Rows::clear);
        let pos: HashMap<usize, usize> = tables
            .iter()
            .enumerate()
            .map(|(i, r)| (r.table, i))
            .collect();
        let mut row = RowBuf::default();
        let mut scratch = Scratch::default();
        rows_in(
            &self.plan.generator,
            g.root,
            &g.children,
            range,
            base,
            &mut row,
            &mut scratch,
            |t, _, row, scratch| {
                let rows = &mut tables[pos[&t]];
                rows.push(row);
                for inj in &scratch.injections {
                    rows.label_last(self.plan.generator.edge_label(inj.case));
                }
            },
        );
        Batch {
            root: g.root,
            index,
            tables,
        }
    }

    fn load_group(
        &self,
        g: &Group,
        conns: &mut [Box<dyn Conn>],
        done: &HashSet<u64>,
    ) -> Result<()> {
        let (chunks, offsets) = self.plan.batches(g, self.batch_rows);
        let todo: Vec<usize> = (0..chunks.len())
            .filter(|k| !done.contains(&(*k as u64)))
            .collect();
        if todo.is_empty() {
            return Ok(());
        }
        let (tx, rx) = mpsc::sync_channel::<Batch>(2 * conns.len());
        let rx = Mutex::new(rx);
        let next = AtomicUsize::new(0);
        let spares: Mutex<Vec<Batch>> = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            let (next, todo, chunks, offsets, spares) = (&next, &todo, &chunks, &offsets, &spares);
            s.spawn(move || {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= todo.len() || self.abort.load(Ordering::Relaxed) {
                        break;
                    }
                    let ci = todo[k];
                    let base: Vec<u64> = offsets.iter().map(|o| o[ci]).collect();
                    let spare = spares.lock().expect("spares").pop();
                    let t0 = Instant::now();
                    let b = self.build(g, ci as u64, chunks[ci].clone(), &base, spare);
                    self.metrics.generated(t0.elapsed());
                    if tx.send(b).is_err() {
                        break;
                    }
                }
            });
            for conn in conns.iter_mut() {
                let rx = &rx;
                s.spawn(move || {
                    loop {
                        let t0 = Instant::now();
                        let b = match rx.lock().expect("channel").recv() {
                            Ok(b) => b,
                            Err(_) => return,
                        };
                        self.metrics.starved(t0.elapsed());
                        if self.abort.load(Ordering::Relaxed) {
                            continue;
                        }
                        if let Err(e) = self.commit_batch(conn, &b) {
                            self.abort.store(true, Ordering::Relaxed);
                            self.fatal.lock().expect("fatal").get_or_insert(e);
                        }
                        spares.lock().expect("spares").push(b);
                    }
                });
            }
        });
        match self.fatal.lock().expect("fatal").take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn now_rfc3339() -> String {
    let mut s = String::new();
    crate::time::push_rfc3339(&mut s, unix_now());
    s
}

fn say(quiet: bool, msg: impl AsRef<str>) {
    if !quiet {
        eprintln!("understudy: {}", msg.as_ref());
    }
}

/// What an earlier run left in the target.
struct Previous {
    runs: Vec<(RunInfo, u64)>,
    done: HashMap<String, HashSet<u64>>,
}

fn previous_run(conn: &mut dyn Conn) -> DbResult<Previous> {
    let rows = conn.query(&format!(
        "SELECT run_id, profile_digest, seed, users, batch_rows, count(*) FROM {PROGRESS_TABLE} \
         GROUP BY run_id, profile_digest, seed, users, batch_rows"
    ))?;
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let runs = rows
        .iter()
        .map(|r| {
            (
                RunInfo {
                    run_id: s(&r[0]),
                    profile_digest: s(&r[1]),
                    seed: s(&r[2]),
                    users: s(&r[3]),
                    batch_rows: s(&r[4]).parse().unwrap_or(0),
                },
                s(&r[5]).parse().unwrap_or(0),
            )
        })
        .collect();
    let mut done: HashMap<String, HashSet<u64>> = HashMap::new();
    for r in conn.query(&format!("SELECT tbl, batch FROM {PROGRESS_TABLE}"))? {
        done.entry(s(&r[0]))
            .or_default()
            .insert(s(&r[1]).parse().unwrap_or(0));
    }
    Ok(Previous { runs, done })
}

/// Reads the rejects recorded in the target (all runs of this rehearsal).
fn recorded_rejects(conn: &mut dyn Conn, plan: &Plan) -> DbResult<Vec<Reject>> {
    let rows = conn.query(&format!(
        "SELECT tbl, row_key, class, message, labels FROM {REJECTS_TABLE} ORDER BY tbl, batch, row_key"
    ))?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let t = plan.profile.table_index(r[0].as_deref()?)?;
            let class = match r[2].as_deref()? {
                "encoding" => ErrorClass::Encoding,
                "too_long" => ErrorClass::TooLong,
                "constraint" => ErrorClass::Constraint,
                "duplicate" => ErrorClass::Duplicate,
                "connection" => ErrorClass::Connection,
                "timeout" => ErrorClass::Timeout,
                _ => ErrorClass::Other,
            };
            Some(Reject {
                table: t,
                key: r[1].clone()?,
                class,
                message: r[3].clone().unwrap_or_default(),
                labels: r[4]
                    .as_deref()
                    .unwrap_or("")
                    .split(',')
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect(),
            })
        })
        .collect())
}

fn write_rejects(path: &std::path::Path, plan: &Plan, rejects: &[Reject]) -> Result<()> {
    use std::io::Write;
    let f = std::fs::File::create(path).map_err(|e| Error::io("create", path, e))?;
    let mut w = std::io::BufWriter::new(f);
    for r in rejects {
        let line = serde_json::json!({
            "table": plan.metas[r.table].name,
            "key": r.key.replace('\u{1f}', ","),
            "class": r.class.as_str(),
            "message": r.message,
            "labels": r.labels,
        });
        writeln!(w, "{line}").map_err(|e| Error::io("write", path, e))?;
    }
    w.flush().map_err(|e| Error::io("write", path, e))
}

/// Counts rows of the profile's tables in the target.
fn table_counts(conn: &mut dyn Conn, plan: &Plan) -> DbResult<Vec<u64>> {
    plan.metas
        .iter()
        .map(|m| {
            let r = conn.query(&format!("SELECT count(*) FROM {}", target::ident(&m.name)))?;
            Ok(r.first()
                .and_then(|r| r[0].as_deref())
                .and_then(|s| s.parse().ok())
                .unwrap_or(0))
        })
        .collect()
}

fn new_run_id() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{:016x}",
        crate::rng::mix64(t as u64 ^ std::process::id() as u64)
    )
}

/// Loads the plan into `target` (resuming when asked). Returns the rows
/// loaded/skipped/rejected per table and the load duration.
pub struct LoadResult {
    pub loaded: Vec<u64>,
    pub skipped: Vec<u64>,
    pub rejected: Vec<u64>,
    pub rejects: Vec<Reject>,
    pub duration_s: f64,
    pub resumed: bool,
    pub tables: TargetTables,
}

#[allow(clippy::too_many_arguments)]
pub fn load(
    plan: &Plan,
    target: &Target,
    opts: &RehearseOptions,
    workers: usize,
    metrics: &Metrics,
    expected: &[u64],
    schema: Option<&std::path::Path>,
    no_create: bool,
) -> Result<LoadResult> {
    let redacted = target.redacted();
    let schema = schema.map(schema::SchemaFile::read).transpose()?;
    let waiting = crate::retry::Waiting::new(
        opts.shown_as.clone().unwrap_or_else(|| redacted.clone()),
        opts.retry_for,
        opts.quiet,
    );
    // Declared before the connections, so dropped after them: a file this
    // run created is removed when the rehearsal is refused.
    let mut created = NewFile::watch(target);
    let mut conns: Vec<Box<dyn Conn>> = Vec::new();
    conns.push(reach::connect(target, opts.retry_for, &waiting)?);
    let run = RunInfo {
        run_id: new_run_id(),
        profile_digest: plan.profile.digest.clone(),
        seed: plan.seed.to_string(),
        users: plan.users.to_string(),
        batch_rows: opts.batch(),
    };
    // Tables are created and every check is made in one transaction: a
    // refusal rolls it all back. A connection lost on the way is waited for
    // and the whole transaction run again on a new one.
    let (tables, prev, run, resumed) =
        reach::phase(target, &mut conns[0], opts.retry_for, &waiting, |conn| {
            conn.batch("BEGIN")
                .map_err(|e| Error::target(format!("cannot begin on {redacted}: {e}")))?;
            let prepared = (|| {
                let tables = prepare_target(
                    &mut *conn,
                    plan,
                    schema.as_ref(),
                    no_create,
                    &opts.maps,
                    &redacted,
                )?;
                let prev = previous_run(&mut *conn).map_err(|e| {
                    Error::target(format!("cannot read {PROGRESS_TABLE} on {redacted}: {e}"))
                })?;
                let counts = table_counts(&mut *conn, plan)
                    .map_err(|e| Error::target(format!("cannot count rows on {redacted}: {e}")))?;
                let (run, resumed) = resumable(plan, target, opts, &prev, &counts, run.clone())?;
                Ok((tables, prev, run, resumed))
            })();
            match prepared {
                Ok(p) => {
                    conn.batch("COMMIT")
                        .map_err(|e| Error::target(format!("cannot commit on {redacted}: {e}")))?;
                    Ok(p)
                }
                Err(e) => {
                    let _ = conn.batch("ROLLBACK");
                    Err(e)
                }
            }
        })?;
    created.keep();
    for note in &tables.notes {
        say(opts.quiet, note);
    }
    if schema.is_some() {
        // The file's own session settings were reset; a fresh connection
        // leaves no trace of them at all.
        conns[0] = reach::connect(target, opts.retry_for, &waiting)?;
    }
    // Skipped rows, from the committed batches' ranges.
    let mut skipped = vec![0u64; plan.metas.len()];
    for g in &plan.groups {
        let Some(done) = prev.done.get(&plan.metas[g.root].name) else {
            continue;
        };
        let (chunks, offsets) = plan.batches(g, opts.batch());
        for &k in done {
            let k = k as usize;
            if k >= chunks.len() {
                continue;
            }
            skipped[g.root] += chunks[k].end - chunks[k].start;
            for (ci, &c) in g.children.iter().enumerate() {
                skipped[c] += offsets[ci][k + 1] - offsets[ci][k];
            }
        }
    }
    if resumed {
        say(
            opts.quiet,
            format!(
                "resuming run {}: {} already committed",
                run.run_id,
                crate::util::count(skipped.iter().sum::<u64>(), "row", "rows")
            ),
        );
    }
    for _ in 1..workers {
        conns.push(reach::connect(target, opts.retry_for, &waiting)?);
    }
    let total: u64 = expected.iter().sum();
    let bar = (!opts.quiet && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new(total);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} rows · {per_sec} · ETA {eta}",
            )
            .expect("valid template"),
        );
        b.set_position(skipped.iter().sum());
        b
    });
    let loader = Loader {
        plan,
        tables: &tables,
        target,
        method: opts.method,
        batch_rows: opts.batch(),
        run,
        metrics,
        loaded: (0..plan.metas.len()).map(|_| AtomicU64::new(0)).collect(),
        rejected: (0..plan.metas.len()).map(|_| AtomicU64::new(0)).collect(),
        abort: AtomicBool::new(false),
        fatal: Mutex::new(None),
        bar,
        retry_for: opts.retry_for,
        waiting: &waiting,
        lineage: lineage::Lineage::new(plan),
    };
    if resumed {
        let earlier = recorded_rejects(conns[0].as_mut(), plan).map_err(|e| {
            Error::target(format!("cannot read {REJECTS_TABLE} on {redacted}: {e}"))
        })?;
        loader.lineage.recall(plan, &earlier);
    }
    let started = Instant::now();
    metrics.load_started();
    let empty = HashSet::new();
    for g in &plan.groups {
        let done = prev.done.get(&plan.metas[g.root].name).unwrap_or(&empty);
        match &opts.window {
            Some(w) if g.root == plan.driving_table() => {
                let n = plan.batches(g, opts.batch()).0.len() as u64;
                let outside: HashSet<u64> = (0..n)
                    .filter(|k| !w.contains(k) || done.contains(k))
                    .collect();
                loader.load_group(g, &mut conns, &outside)?;
            }
            _ => loader.load_group(g, &mut conns, done)?,
        }
    }
    let duration_s = started.elapsed().as_secs_f64();
    if let Some(b) = &loader.bar {
        b.finish_and_clear();
    }
    // The first connection may have been lost while idle.
    let rejects = reach::phase(target, &mut conns[0], opts.retry_for, &waiting, |conn| {
        recorded_rejects(conn, plan)
            .map_err(|e| Error::target(format!("cannot read {REJECTS_TABLE} on {redacted}: {e}")))
    })?;
    Ok(LoadResult {
        loaded: loader
            .loaded
            .iter()
            .map(|a| a.load(Ordering::Relaxed))
            .collect(),
        skipped,
        rejected: loader
            .rejected
            .iter()
            .map(|a| a.load(Ordering::Relaxed))
            .collect(),
        rejects,
        duration_s,
        resumed,
        tables,
    })
}

/// Whether this run continues an earlier one (`--resume`), or may start:
/// the target must hold no rehearsal and no rows of its own otherwise.
fn resumable(
    plan: &Plan,
    target: &Target,
    opts: &RehearseOptions,
    prev: &Previous,
    counts: &[u64],
    run: RunInfo,
) -> Result<(RunInfo, bool)> {
    let redacted = target.redacted();
    let mut run = run;
    let mut resumed = false;
    if !prev.runs.is_empty() {
        let (p, n) = &prev.runs[0];
        let same = prev.runs.len() == 1
            && p.profile_digest == run.profile_digest
            && p.seed == run.seed
            && p.users == run.users
            && p.batch_rows == run.batch_rows;
        if !opts.resume {
            return Err(Error::usage(format!(
                "{redacted} already holds a previous rehearsal (run {}, {n} batches committed: profile digest {}, seed {}, {} users, batch {}).\n  \
                 use --resume to continue it, or start from an empty target (drop its tables{})",
                p.run_id,
                &p.profile_digest[..p.profile_digest.len().min(12)],
                p.seed,
                p.users,
                p.batch_rows,
                if target.file().is_some() {
                    ", or delete the file"
                } else {
                    ""
                }
            )));
        }
        if !same {
            return Err(Error::usage(format!(
                "--resume: {redacted} holds a rehearsal with different parameters (seed {}, {} users, batch {}, profile digest {}); \
                 resume with the same --profile, --users, --seed and --batch, or start from an empty target",
                p.seed,
                p.users,
                p.batch_rows,
                &p.profile_digest[..p.profile_digest.len().min(12)]
            )));
        }
        run.run_id = p.run_id.clone();
        resumed = true;
    } else if let Some((t, n)) = counts.iter().enumerate().find(|(_, n)| **n > 0) {
        return Err(Error::usage(format!(
            "table `{}` in {redacted} already holds {n} rows that no rehearsal recorded; start from an empty target",
            plan.metas[t].name
        )));
    }
    Ok((run, resumed))
}

/// The files of a database that did not exist before this run (an SQLite
/// file with its WAL and shared-memory files): removed unless `keep` is
/// called, so a refused rehearsal leaves no empty database behind.
struct NewFile(Vec<PathBuf>);

impl NewFile {
    fn watch(target: &Target) -> NewFile {
        NewFile(target.driver().new_files())
    }

    fn keep(&mut self) {
        self.0.clear();
    }
}

impl Drop for NewFile {
    fn drop(&mut self) {
        for f in self.0.drain(..) {
            let _ = std::fs::remove_file(f);
        }
    }
}

/// Runs `rehearse` and returns the exit code (0, or 1 when verification or a
/// threshold failed); usage and target errors come back as `Err`.
pub fn rehearse(mut opts: RehearseOptions) -> Result<i32> {
    let started_at = now_rfc3339();
    if opts.users == 0 {
        return Err(Error::usage("--users must be at least 1"));
    }
    if opts.batch == Some(0) {
        return Err(Error::usage("--batch must be at least 1"));
    }
    let target_dsn = match &opts.target {
        Some(t) => t.clone(),
        None => {
            say(
                false,
                format!(
                    "no --target given: loading into {DEFAULT_TARGET} in the current directory"
                ),
            );
            DEFAULT_TARGET.to_string()
        }
    };
    if http::HttpTarget::is_http(&target_dsn) {
        return rehearse_http(opts, &target_dsn, started_at);
    }
    if opts.api.is_some() || opts.rate.is_some() {
        return Err(Error::usage(
            "--api and --rate apply to identity-API targets (--target http://HOST:PORT)",
        ));
    }
    let target = Target::parse(&target_dsn)?;
    // --faults: the load reaches the target through the fault proxy, started
    // now, so the plan's clock runs with the rehearsal. Verification goes direct.
    let proxy_started = Instant::now();
    let proxy = match &opts.faults {
        None => None,
        Some(plan) => {
            let addr = target.driver().address()?;
            let p = crate::faults::Proxy::start("127.0.0.1:0", &addr, plan.clone())
                .map_err(|e| Error::target(format!("cannot start the fault proxy: {e}")))?;
            say(
                opts.quiet,
                format!(
                    "faults: loading into {} through a fault proxy on {}, plan {plan}",
                    target.redacted(),
                    p.addr
                ),
            );
            opts.shown_as = Some(format!(
                "{} (through the fault proxy on {})",
                target.redacted(),
                p.addr
            ));
            let via = target.driver().via(&p.addr.to_string());
            Some((p, via))
        }
    };
    let source = match (&opts.exec, &opts.source) {
        (Some(_), Some(s)) => Some(Target::parse(s)?),
        (Some(_), None) => {
            return Err(Error::usage(
                "--exec needs --source sqlite:PATH|postgres://… (the database understudy seeds for your migration)",
            ));
        }
        (None, Some(_)) => return Err(Error::usage("--source is only used with --exec")),
        (None, None) => None,
    };
    if source.as_ref() == Some(&target) {
        return Err(Error::usage("--source and --target must differ"));
    }
    let fail_on_check = opts.fail_on.clone();
    if let Some(expr) = &fail_on_check {
        report::parse_conditions(expr)?;
    }
    check_outputs(&opts)?;
    if let Some(path) = &opts.schema {
        say(opts.quiet, schema::SchemaFile::read(path)?.summary());
    }
    crate::generator::plan::check_planned(opts.users, Some(opts.batch()))?;
    // First contact, straight to the database (not through the fault proxy):
    // one that cannot be reached at all is reported now, before the hash
    // pools are built. The connection then holds the writer lock for the run.
    let written = source.as_ref().unwrap_or(&target);
    let _lock = reach::reach_and_lock(written)?;
    let _target_lock = match &source {
        Some(_) => Some(reach::reach_and_lock(&target)?),
        None => None,
    };
    let plan = plan_of(&opts)?;
    let expected = plan.expected_rows();
    let load_target = source
        .as_ref()
        .or(proxy.as_ref().map(|(_, t)| t))
        .unwrap_or(&target);
    if source.is_some() {
        // --exec loads the source directly: the proxy is not on its way.
        opts.shown_as = None;
    }
    let defaults = load_target.loading();
    opts.batch = Some(opts.batch.unwrap_or(defaults.batch));
    let workers = match (opts.workers, defaults.writers) {
        (Some(w), Some((most, why))) if w > most => {
            say(opts.quiet, why);
            most
        }
        (Some(w), _) => w.max(1),
        (None, _) => defaults.workers,
    };
    let metrics = Metrics::new();
    say(
        opts.quiet,
        format!(
            "rehearsing {} ({}, profile {}) into {} with {} ({}, batches of {} {})",
            crate::util::count(expected.iter().sum::<u64>(), "row", "rows"),
            crate::util::count(opts.users, "user", "users"),
            plan.profile.name,
            opts.shown_as
                .clone()
                .unwrap_or_else(|| load_target.redacted()),
            opts.method,
            crate::util::count(workers as u64, "worker", "workers"),
            opts.batch(),
            plan.metas[plan.driving_table()].name
        ),
    );
    let lr = if source.is_some() {
        // The source gets the profile's tables; --schema/--no-create apply to
        // the target, prepared first and committed once the source is seeded.
        let prepared = exec::prepare(&plan, &target, &opts)?;
        let lr = load(
            &plan,
            load_target,
            &opts,
            workers,
            &metrics,
            &expected,
            None,
            false,
        )?;
        prepared.commit()?;
        lr
    } else {
        load(
            &plan,
            load_target,
            &opts,
            workers,
            &metrics,
            &expected,
            opts.schema.as_deref(),
            opts.no_create,
        )?
    };
    let mut duration_s = lr.duration_s;
    let mut rows_loaded: u64 = lr.loaded.iter().sum();
    let mut exec_report = None;
    let mut metrics_view = &metrics;
    let exec_metrics = Metrics::new();
    let mut verify_tables = lr.tables;
    if let (Some(cmd), Some(src)) = (&opts.exec, &source) {
        // The command may repeat a password of --source or --target.
        let mut secrets = crate::redact::secrets(&src.dsn());
        secrets.extend(crate::redact::secrets(&target.dsn()));
        let shown = crate::redact::mask(cmd, &secrets);
        say(
            opts.quiet,
            format!(
                "seeded {} with {rows_loaded} rows in {}; running `{shown}`",
                src.redacted(),
                report::human_duration(lr.duration_s)
            ),
        );
        let r = exec::run(&plan, src, &target, cmd, &opts, &exec_metrics)?;
        duration_s = r.duration_s;
        rows_loaded = r.rows_in_target;
        verify_tables = r.tables;
        exec_report = Some(report::Exec {
            command: shown,
            exit_code: r.exit_code,
            duration_s: r.duration_s,
        });
        metrics_view = &exec_metrics;
    }
    let rejects_path = if lr.rejects.is_empty() {
        None
    } else {
        let p = opts.rejects.clone().unwrap_or_else(|| match &opts.report {
            Some(r) => r.with_file_name("rejects.jsonl"),
            None => PathBuf::from("rejects.jsonl"),
        });
        write_rejects(&p, &plan, &lr.rejects)?;
        Some(p)
    };
    let verify = if opts.verify {
        say(
            opts.quiet,
            format!(
                "verifying {} against the regenerated ground truth",
                target.redacted()
            ),
        );
        // A lost connection is waited for (--retry-for) and verification
        // starts over on a fresh one.
        let waiting = crate::retry::Waiting::new(target.redacted(), opts.retry_for, opts.quiet);
        let mut conn = reach::connect(&target, opts.retry_for, &waiting)?;
        let mut attempts = 0;
        let v = reach::phase(&target, &mut conn, opts.retry_for, &waiting, |conn| {
            attempts += 1;
            verify::verify(conn, &plan, &verify_tables, &lr.rejects, &target.redacted())
        })?;
        for _ in 1..attempts {
            metrics.retry();
        }
        Some(v)
    } else {
        None
    };
    let (by_class, by_label) = metrics.errors();
    let rows_expected: u64 = expected.iter().sum();
    let throughput = rows_loaded as f64 / duration_s.max(1e-9);
    let projection = opts.production_users.map(|m| {
        let rows_per_user = rows_expected as f64 / opts.users as f64;
        let rows = m as f64 * rows_per_user;
        // The estimate model on this run's own commits (steady state, size
        // trend); the plain average when it committed too few batches.
        let commits = trend::load_commits(&metrics);
        let est = (opts.exec.is_none() && !lr.resumed)
            .then(|| trend::project_run(&commits, workers, rows))
            .flatten()
            .unwrap_or(rows / throughput.max(1e-9));
        report::Projection {
            production_users: m,
            rows_per_user,
            estimated_s: est,
            human: report::human_duration(est),
        }
    });
    let mut report = Report {
        target: target.redacted(),
        source: source.as_ref().map(Target::redacted),
        method: opts.method.to_string(),
        workers,
        batch: opts.batch(),
        resumed: lr.resumed,
        rows_expected,
        rows_loaded,
        rows_skipped: lr.skipped.iter().sum(),
        rows_rejected: lr.rejects.len() as u64,
        retries: metrics.retries(),
        duration_s,
        throughput_rows_per_s: throughput,
        latency_ms: metrics_view.latency(),
        timeseries: metrics_view.timeseries(),
        errors_by_class: by_class,
        errors_by_label: by_label,
        tables: plan
            .tables_in_order()
            .into_iter()
            .map(|t| report::TableLoad {
                name: plan.metas[t].name.clone(),
                expected: expected[t],
                loaded: lr.loaded[t],
                skipped: lr.skipped[t],
                rejected: lr.rejects.iter().filter(|r| r.table == t).count() as u64,
            })
            .collect(),
        verify,
        projection,
        exec: exec_report,
        thresholds: Vec::new(),
        hashes: plan.hashes.clone(),
        rejects_file: rejects_path.map(|p| p.display().to_string()),
        faults: proxy
            .as_ref()
            .zip(opts.faults.as_ref())
            .map(|((p, _), plan)| faults_section(p, plan, proxy_started, &metrics)),
        ..report_head(&plan, &opts, started_at)
    };
    // Errors from earlier (resumed) runs are in the target's reject table.
    if report.errors_by_class.values().sum::<u64>() < report.rows_rejected {
        let mut by_class = std::collections::BTreeMap::new();
        for r in &lr.rejects {
            *by_class.entry(r.class.as_str().to_string()).or_insert(0) += 1;
        }
        let mut by_label = std::collections::BTreeMap::new();
        for r in &lr.rejects {
            if r.labels.is_empty() {
                // Recorded by a version that did not attribute every reject.
                *by_label
                    .entry(lineage::fallback(r.class.as_str()))
                    .or_insert(0) += 1;
            }
            for l in &r.labels {
                *by_label.entry(l.clone()).or_insert(0) += 1;
            }
        }
        report.errors_by_label = by_label;
        report.errors_by_class = by_class;
    }
    finish(report, &opts)
}

/// The files a rehearsal writes at its end, checked before it starts.
fn check_outputs(opts: &RehearseOptions) -> Result<()> {
    crate::util::check_outputs(&[
        ("--report", &opts.report),
        ("--html", &opts.html),
        ("--rejects", &opts.rejects),
    ])
}

/// What every rehearsal report starts with.
fn report_head(plan: &Plan, opts: &RehearseOptions, started_at: String) -> Report {
    Report {
        schema_version: report::SCHEMA_VERSION,
        tool: "understudy".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        command: "rehearse".into(),
        started_at,
        profile: report::ProfileInfo {
            name: plan.profile.name.clone(),
            digest: plan.profile.digest.clone(),
        },
        seed: opts.seed,
        users: opts.users,
        ..Report::default()
    }
}

/// `--production-users M`: the measured rate applied to M users.
fn projection(
    opts: &RehearseOptions,
    rows_per_user: f64,
    throughput: f64,
) -> Option<report::Projection> {
    opts.production_users.map(|m| {
        let est = m as f64 * rows_per_user / throughput.max(1e-9);
        report::Projection {
            production_users: m,
            rows_per_user,
            estimated_s: est,
            human: report::human_duration(est),
        }
    })
}

/// Thresholds, exit code, and the report written where asked.
fn finish(mut report: Report, opts: &RehearseOptions) -> Result<i32> {
    if let Some(expr) = &opts.fail_on {
        report.thresholds = report::thresholds(expr, &report)?;
    }
    let failed = report.verify.as_ref().is_some_and(|v| !v.ok)
        || report.thresholds.iter().any(|t| !t.ok)
        || report.exec.as_ref().is_some_and(|e| e.exit_code != Some(0));
    report.exit_code = if failed { 1 } else { 0 };
    if let Some(p) = &opts.report {
        report.save(p)?;
    }
    if let Some(p) = &opts.html {
        std::fs::write(p, report::html::render(&report)).map_err(|e| Error::io("write", p, e))?;
    }
    if !opts.quiet {
        print!("{}", report::terminal::render(&report));
    }
    Ok(report.exit_code)
}

/// The plan of a rehearsal, announcing the hash pools it may build first.
fn plan_of(opts: &RehearseOptions) -> Result<Plan> {
    announce_pools(opts);
    Plan::new(
        opts.profile.clone(),
        opts.users,
        opts.seed,
        &opts.domains,
        opts.hash_mode,
        opts.edge_rate,
    )
}

fn announce_pools(opts: &RehearseOptions) {
    let hashes_wanted = opts
        .profile
        .users()
        .columns
        .iter()
        .any(|c| matches!(c.kind, crate::profile::Kind::PasswordHash))
        && opts.hash_mode != Some(HashMode::Shape);
    if hashes_wanted {
        say(
            opts.quiet,
            format!(
                "building the password-hash pools ({} real hashes of known passwords per format; --hash-mode shape skips this)",
                opts.profile.passwords.pool_size
            ),
        );
    }
}

/// The report's view of the fault proxy: the plan, its downtime inside the
/// load, the time spent backing off, and what the proxy did.
fn faults_section(
    proxy: &crate::faults::Proxy,
    plan: &crate::faults::FaultPlan,
    started: Instant,
    metrics: &Metrics,
) -> report::Faults {
    let horizon = started.elapsed().as_secs_f64();
    let windows: Vec<(f64, f64)> = plan
        .downtime()
        .iter()
        .map(|(a, b)| (a.as_secs_f64(), b.as_secs_f64()))
        .collect();
    report::Faults {
        plan: plan.to_string(),
        downtime_s: windows
            .iter()
            .map(|(a, b)| (b.min(horizon) - a).max(0.0))
            .sum(),
        downtime_windows_s: windows,
        backoff_s: metrics.backoff_s(),
        proxy: proxy.stats.snapshot(),
    }
}

/// `rehearse` into an identity API (`--target http://… --api …`).
fn rehearse_http(opts: RehearseOptions, url: &str, started_at: String) -> Result<i32> {
    let target = http::HttpTarget::parse(url, opts.api)?;
    for (set, flag) in [
        (
            opts.exec.is_some() || opts.source.is_some(),
            "--exec/--source",
        ),
        (opts.resume, "--resume"),
        (
            opts.schema.is_some() || opts.no_create,
            "--schema/--no-create",
        ),
        (!opts.maps.is_empty(), "--map"),
    ] {
        if set {
            return Err(Error::usage(format!(
                "{flag} applies to database targets, not to an identity API (start from an empty tenant, or emulator)"
            )));
        }
    }
    if opts.rate.is_some_and(|r| !(r > 0.0 && r.is_finite())) {
        return Err(Error::usage(
            "--rate must be a positive number of requests per second",
        ));
    }
    if let Some(expr) = &opts.fail_on {
        report::parse_conditions(expr)?;
    }
    check_outputs(&opts)?;
    // First contact, straight to the API (not through the fault proxy).
    http::reach(&target)?;
    let proxy_started = Instant::now();
    let proxy = match &opts.faults {
        Some(plan) => {
            let p = crate::faults::Proxy::start("127.0.0.1:0", &target.addr(), plan.clone())
                .map_err(|e| Error::target(format!("cannot start the fault proxy: {e}")))?;
            say(
                opts.quiet,
                format!(
                    "faults: sending to {} through a fault proxy on {}, plan {plan}",
                    target.base, p.addr
                ),
            );
            let via = target.via(&p.addr.to_string());
            Some((p, via))
        }
        None => None,
    };
    let plan = plan_of(&opts)?;
    let workers = opts.workers.unwrap_or(8).max(1);
    let metrics = std::sync::Arc::new(Metrics::new());
    let model = match opts.rate {
        Some(r) => format!("open model, {r} requests/s, at most {workers} in flight"),
        None => format!("closed model, {workers} workers"),
    };
    say(
        opts.quiet,
        format!(
            "rehearsing {} (profile {}) into the {} API at {} ({model})",
            crate::util::count(opts.users, "user", "users"),
            plan.profile.name,
            target.api_name(),
            target.base
        ),
    );
    let hopts = http::HttpOptions {
        rate: opts.rate,
        workers,
        max_attempts: opts.max_attempts,
        retry_for: opts.retry_for,
        quiet: opts.quiet,
        users: None,
        shown_as: proxy
            .as_ref()
            .map(|(p, _)| format!("{} (through the fault proxy on {})", target.base, p.addr)),
    };
    let send_to = proxy.as_ref().map(|(_, t)| t).unwrap_or(&target);
    let (lr, _) = http::load(&plan, send_to, &hopts, metrics.clone())?;
    let rejects_path = if lr.rejects.is_empty() {
        None
    } else {
        let p = opts.rejects.clone().unwrap_or_else(|| match &opts.report {
            Some(r) => r.with_file_name("rejects.jsonl"),
            None => PathBuf::from("rejects.jsonl"),
        });
        let mut out = String::new();
        for r in &lr.rejects {
            out.push_str(
                &serde_json::json!({"table": plan.metas[plan.generator.users_table].name, "index": r.index,
                    "key": r.email, "class": r.class, "message": r.message, "labels": r.labels})
                .to_string(),
            );
            out.push('\n');
        }
        std::fs::write(&p, out).map_err(|e| Error::io("write", &p, e))?;
        Some(p)
    };
    let verify = if opts.verify {
        say(
            opts.quiet,
            format!(
                "verifying: listing the users through the {} API",
                target.api_name()
            ),
        );
        // Straight to the target: the fault plan is for the load.
        let direct = crate::http::Client::new(
            target.base.clone(),
            opts.max_attempts,
            opts.retry_for,
            2,
            std::sync::Arc::new(Metrics::new()),
        )
        .map_err(|e| Error::target(format!("cannot build the HTTP client: {e}")))?
        .telling(crate::retry::Waiting::new(
            target.base.clone(),
            opts.retry_for,
            opts.quiet,
        ));
        Some(http::verify(&direct, &target, &plan, &lr)?)
    } else {
        None
    };
    let (by_class, by_label) = metrics.errors();
    let jit_total: u64 = lr.jit_only.values().sum();
    let throughput = lr.created as f64 / lr.duration_s.max(1e-9);
    let users_name = plan.metas[plan.generator.users_table].name.clone();
    let report = Report {
        target: target.base.clone(),
        source: None,
        method: format!("http:{}", target.api_name()),
        workers,
        batch: 1,
        resumed: false,
        rows_expected: opts.users,
        rows_loaded: lr.created,
        rows_skipped: jit_total,
        rows_rejected: lr.rejects.len() as u64,
        retries: metrics.retries(),
        duration_s: lr.duration_s,
        throughput_rows_per_s: throughput,
        latency_ms: metrics.latency(),
        timeseries: metrics.timeseries(),
        errors_by_class: by_class,
        errors_by_label: by_label,
        tables: vec![report::TableLoad {
            name: users_name,
            expected: opts.users,
            loaded: lr.created,
            skipped: jit_total,
            rejected: lr.rejects.len() as u64,
        }],
        verify,
        projection: projection(&opts, 1.0, throughput),
        exec: None,
        thresholds: Vec::new(),
        hashes: plan.hashes.clone(),
        rejects_file: rejects_path.map(|p| p.display().to_string()),
        faults: proxy
            .as_ref()
            .zip(opts.faults.as_ref())
            .map(|((p, _), fp)| faults_section(p, fp, proxy_started, &metrics)),
        http: Some(report::Http {
            api: target.api_name().into(),
            model: if opts.rate.is_some() {
                "open"
            } else {
                "closed"
            }
            .into(),
            rate: opts.rate,
            max_attempts: opts.max_attempts,
            counts: lr.counts,
            retries: metrics.retries(),
            backoff_s: metrics.backoff_s(),
            already_existed_on_retry: lr.already_existed_on_retry,
            jit_only: jit_total,
            jit_only_by_format: lr.jit_only,
            jobs: lr.jobs,
        }),
        ..report_head(&plan, &opts, started_at)
    };
    finish(report, &opts)
}
