//! One sample rehearsal into a scratch copy of the target (`Target::scratch`,
//! each kind's own: SQLite a file in a fresh directory beside the target's
//! file, PostgreSQL a schema in the target database, MySQL a database on the
//! target's server), measured, then removed (also when the sample fails).
//!
//! Samples at size load batches of the full load into a copy already filled
//! to a share of the production size: CPU caches, the page cache or buffer
//! pool, index depth and checkpoints are then those of the real load at that
//! point, not of a small table. SQLite: template files (`Template`), copied
//! for each repeat; database servers: one scratch copy, one pass
//! (`run_at_sizes`).

use super::model::{self, Commit, Sample, SampleKind};
use crate::error::{Error, Result};
use crate::harness::{self, Plan, RehearseOptions};
use crate::report::metrics::Metrics;
use crate::target::{Scratch, Target, sqlite::Tuning};

/// What to measure.
pub struct Spec {
    pub kind: SampleKind,
    pub workers: usize,
    pub batch: u64,
    /// Samples at size: which size (template).
    pub node: usize,
}

/// Loads the sample plan once into a fresh scratch copy of `target`.
pub fn run(
    plan: &Plan,
    target: &Target,
    base: &RehearseOptions,
    spec: &Spec,
    k: usize,
) -> Result<Sample> {
    let scratch = target.scratch(&k.to_string())?;
    let opts = opts_for(plan, &scratch, base, spec.workers, spec.batch);
    let metrics = Metrics::new();
    let lr = load_into(plan, &scratch, &opts, spec.workers, &metrics, None)?;
    Ok(measured(spec, plan, &lr, &metrics, model::SKIP))
}

/// A database sample from its load: the steady rate past the first round
/// and the `skip` share of its batches.
fn measured(
    spec: &Spec,
    plan: &Plan,
    lr: &harness::LoadResult,
    metrics: &Metrics,
    skip: f64,
) -> Sample {
    let raw = metrics.commits();
    let commits = model::load_commits(metrics);
    let rows: u64 = lr.loaded.iter().sum();
    // The driving group's batches: small fixed-size tables (loaded first, one
    // tiny batch each) and a short last batch are not steady-state work.
    let mut sizes: Vec<u64> = commits.iter().map(|c| c.rows).collect();
    sizes.sort_unstable();
    let typical = sizes.get(sizes.len() / 2).copied().unwrap_or(0);
    let commits: Vec<Commit> = commits
        .into_iter()
        .filter(|c| c.rows * 2 >= typical)
        .collect();
    let steady = model::steady(&commits, spec.workers, skip);
    let (rate, window, steady_rows, warmup) = steady.unwrap_or((
        rows as f64 / lr.duration_s.max(1e-9),
        lr.duration_s,
        rows,
        0.0,
    ));
    let series = per_second(&commits, lr.duration_s);
    Sample {
        kind: spec.kind,
        workers: spec.workers,
        at_rows: 0,
        users: plan.users,
        batch: spec.batch,
        rows,
        duration_s: lr.duration_s,
        steady_rows_per_s: rate,
        steady_window_s: window,
        steady_rows,
        warmup_s: warmup,
        series,
        size_points: model::size_points(&commits, spec.workers, skip, 0),
        checkpoint: None,
        gen_s: metrics.gen_s(),
        target_s: raw.iter().map(|c| c.micros as f64 / 1e6).sum(),
        ratelimit_wait_s: 0.0,
        starved_s: metrics.starved_s(),
        backoff_s: metrics.backoff_s(),
        retries: metrics.retries(),
        throttled: 0,
        rate_limit: None,
        announced_rate: None,
        rows_per_request: 0.0,
    }
}

/// An SQLite copy of the target holding the full load's first `batches`
/// batches: each sample at that size loads into a fresh copy of it.
pub struct Template {
    scratch: Scratch,
    pub batches: u64,
    pub rows: u64,
}

/// Fills one template per entry of `points` (batch counts, ascending), all
/// from one pass: the tables take the full load's batches as plain appends
/// (no unique index; no journal, no syncs, foreign keys unchecked); at each
/// point the file is copied and the copy gets its unique indexes, each built
/// by one sort. A fraction of the real load's cost. Returns the templates and
/// the seconds spent.
pub fn fill_templates(
    plan: &Plan,
    target: &Target,
    base: &RehearseOptions,
    batch: u64,
    points: &[u64],
) -> Result<(Vec<Template>, f64)> {
    let t0 = std::time::Instant::now();
    let fill = target.scratch("fill")?;
    let mut conn = fill.target.connect()?;
    let ddl = Ddl::of(plan, conn.dialect());
    conn.batch(&ddl.tables).map_err(fill_failed)?;
    drop(conn);
    let mut templates = Vec::new();
    let mut from = 0;
    for (i, &to) in points.iter().enumerate() {
        let rows = fill_to(plan, &fill, base, batch, from..to, 1)?;
        from = to;
        let copy = target.scratch(&format!("at-{i}"))?;
        let (Some(a), Some(b)) = (fill.target.file(), copy.target.file()) else {
            return Err(Error::target("size templates are for SQLite targets"));
        };
        std::fs::copy(a, b).map_err(|e| Error::io("copy", b, e))?;
        // Opened in WAL mode, as the target runs. Then on disk: the kernel
        // writing it back later would compete with the samples' checkpoints.
        copy.target
            .connect()?
            .batch(&format!("{}PRAGMA wal_checkpoint(TRUNCATE);", ddl.keys))
            .map_err(fill_failed)?;
        std::fs::File::open(b)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::io("sync", b, e))?;
        templates.push(Template {
            scratch: copy,
            batches: to,
            rows,
        });
    }
    Ok((templates, t0.elapsed().as_secs_f64()))
}

pub(super) fn fill_failed(e: crate::target::DbError) -> Error {
    Error::target(format!("cannot fill the estimate's scratch copy: {e}"))
}

/// The profile's tables with their keys deferred (`sink::sql::Deferred`),
/// all tables' statements of each kind concatenated in load order.
pub(super) struct Ddl {
    pub(super) tables: String,
    pub(super) keys: String,
    foreign_keys: String,
    drop: String,
}

impl Ddl {
    pub(super) fn of(plan: &Plan, d: crate::sink::Dialect) -> Ddl {
        let all: Vec<_> = plan
            .tables_in_order()
            .iter()
            .map(|&t| crate::sink::sql::create_table_deferred(d, &plan.metas[t]))
            .collect();
        let cat = |f: &dyn Fn(&crate::sink::sql::Deferred) -> String| {
            all.iter().map(f).collect::<String>()
        };
        Ddl {
            tables: cat(&|x| x.table.clone()),
            keys: cat(&|x| x.keys.concat()),
            foreign_keys: cat(&|x| x.foreign_keys.concat()),
            drop: cat(&|x| x.drop_foreign_keys.concat()) + &cat(&|x| x.drop_keys.concat()),
        }
    }
}

/// Appends the full load's batches `range` to a scratch copy with its keys
/// dropped (SQLite: also with no journal, foreign keys unchecked), with
/// `workers` (SQLite takes one). Returns the rows it then holds.
pub(super) fn fill_to(
    plan: &Plan,
    fill: &Scratch,
    base: &RehearseOptions,
    batch: u64,
    range: std::ops::Range<u64>,
    workers: usize,
) -> Result<u64> {
    let opts = RehearseOptions {
        resume: range.start > 0,
        window: Some(range),
        ..opts_for(plan, fill, base, workers, batch)
    };
    let lr = load_into(
        plan,
        fill,
        &opts,
        workers,
        &Metrics::new(),
        Some(Tuning {
            foreign_keys: false,
            unjournaled: true,
            ..crate::target::sqlite::DEFAULT_TUNING
        }),
    )?;
    Ok(lr.loaded.iter().sum::<u64>() + lr.skipped.iter().sum::<u64>())
}

/// A database server's samples at size, one per entry of `points` (batch
/// counts, ascending), in one scratch copy (`Target::scratch`): appended to
/// each point with its keys and foreign keys dropped, which are then added
/// back (each index built by one sort; PostgreSQL's foreign keys `NOT
/// VALID`, MySQL's added with `foreign_key_checks` off), and `window` batches
/// loaded and measured there with `workers` (MySQL: under a redo log cut
/// for it, `super::redo`). Returns the samples, the
/// seconds spent filling, and notes on how the indexes were built.
pub fn run_at_sizes(
    plan: &Plan,
    target: &Target,
    base: &RehearseOptions,
    at: &ServerAtSizes,
) -> Result<AtSizesOut> {
    let (batch, window) = (at.batch, at.window);
    // The steady rate at W workers drops the first round and the last W−1
    // batches, and needs a full round between: 3W − 1 batches. A shorter
    // window is measured with fewer workers (one batch: one worker is busy).
    let workers = at.workers.min((window as usize + 1) / 3).max(1);
    let scratch = target.scratch("at")?;
    let mut conn = scratch.target.connect()?;
    let ddl = Ddl::of(plan, conn.dialect());
    conn.batch(&ddl.tables).map_err(fill_failed)?;
    let mut out = AtSizesOut::default();
    let mut from = 0;
    let mut last: Option<(f64, u64)> = None;
    for (i, &to) in at.points.iter().enumerate() {
        // The budget: a size is skipped when, judged by the last one (its
        // time grown in proportion), it would overrun; two are always taken.
        if let (Some((secs, prev)), true) = (last, i >= 2) {
            let next = secs * to as f64 / prev.max(1) as f64;
            if at.started.elapsed().as_secs_f64() + next > at.budget_s {
                out.skipped = at.points.len() - i;
                break;
            }
        }
        let t0 = std::time::Instant::now();
        if i > 0 {
            conn.batch(&ddl.drop).map_err(fill_failed)?;
        }
        // MySQL: the window under a log cut in proportion (`super::redo`),
        // cut while the copy is filled.
        let share = to.max(1) as f64 / at.load_batches.max(1) as f64;
        let mut shrinking = at
            .redo_like
            .map(|like| super::redo::Shrinking::start(target, share, like, at.quiet));
        // Two connections: appends without keys, one generating while the
        // other writes.
        let at_rows = fill_to(plan, &scratch, base, batch, from..to.max(from), 2)?;
        if let Some(e) = shrinking
            .as_mut()
            .and_then(super::redo::Shrinking::interrupted)
        {
            return Err(e);
        }
        add_keys(conn.as_mut(), &ddl, &mut out.notes)?;
        if let Some(e) = shrinking
            .as_mut()
            .and_then(super::redo::Shrinking::interrupted)
        {
            return Err(e);
        }
        out.fill_s += t0.elapsed().as_secs_f64();
        let shrunk = shrinking.and_then(|s| s.wait(conn.as_mut(), &mut out.notes));
        let opts = RehearseOptions {
            resume: true,
            window: Some(to.max(from)..to.max(from) + window),
            ..opts_for(plan, &scratch, base, workers, batch)
        };
        let metrics = Metrics::new();
        let lr = load_into(plan, &scratch, &opts, workers, &metrics, None);
        if let Some(s) = shrunk {
            out.restore = Some(s.window_done(conn.as_mut(), target, share, &mut out.notes)?);
        }
        let lr = lr?;
        from = to.max(from) + window;
        let spec = Spec {
            kind: SampleKind::AtSize,
            workers,
            batch,
            node: i,
        };
        // Right after the keys are built the server's cache holds clean
        // pages (InnoDB's buffer pool: free ones), and the first batches run
        // faster than a long load at that size: the first third is not
        // counted, as in the sweep.
        let mut s = measured(&spec, plan, &lr, &metrics, model::SKIP);
        s.at_rows = at_rows;
        s.users = lr.loaded[plan.driving_table()];
        out.samples.push(s);
        last = Some((t0.elapsed().as_secs_f64(), to.max(1)));
        out.users = from * batch;
    }
    out.bytes = scratch_bytes(conn.as_mut());
    out.notes.dedup();
    Ok(out)
}

/// What a server's samples at size are: the sizes (batch counts,
/// ascending), the batches loaded at each, and the budget they share.
pub struct ServerAtSizes {
    pub batch: u64,
    pub points: Vec<u64>,
    pub window: u64,
    pub workers: usize,
    pub started: std::time::Instant,
    pub budget_s: f64,
    /// The full load's batches (sizes as shares of it).
    pub load_batches: u64,
    /// MySQL: the share of the load whose redo-log pressure the windows
    /// are to meet (`super::redo`); None elsewhere.
    pub redo_like: Option<f64>,
    pub quiet: bool,
}

/// A server's samples at size, the seconds spent filling, notes on how the
/// indexes were built, sizes the budget left out, and the scratch copy's
/// size at the end (bytes, when the server says) for the users it held.
#[derive(Default)]
pub struct AtSizesOut {
    pub samples: Vec<Sample>,
    pub fill_s: f64,
    pub notes: Vec<String>,
    pub skipped: usize,
    pub bytes: Option<u64>,
    pub users: u64,
    /// MySQL's redo log being put back (`super::redo`).
    pub restore: Option<super::redo::Restore>,
}

/// The bytes of the tables (indexes included) in the connection's scratch
/// schema or database.
fn scratch_bytes(conn: &mut dyn crate::target::Conn) -> Option<u64> {
    let q = match conn.dialect() {
        crate::sink::Dialect::Postgres => {
            "SELECT sum(pg_total_relation_size(c.oid))::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        }
        crate::sink::Dialect::Mysql => {
            "SELECT sum(data_length + index_length) FROM information_schema.tables WHERE table_schema = database()"
        }
        crate::sink::Dialect::Sqlite => return None,
    };
    let rows = conn.query(q).ok()?;
    rows.first()?
        .first()?
        .as_ref()?
        .parse::<f64>()
        .ok()
        .map(|v| v as u64)
}

/// Adds a filled copy's keys back (foreign keys after every table's keys),
/// inside the server-wide setting its index builds need when the dialect
/// has one (`sink::sql::index_build_setting`), put back even when a build
/// fails. A server that refuses the setting gets the builds without it, and
/// a note.
fn add_keys(conn: &mut dyn crate::target::Conn, ddl: &Ddl, notes: &mut Vec<String>) -> Result<()> {
    let reset = match crate::sink::sql::index_build_setting(conn.dialect()) {
        Some((set, reset)) => match conn.batch(set) {
            Ok(()) => {
                notes.push(format!(
                    "the scratch copy's indexes were built by sorting, about 70 % full as a long load's random inserts leave them: `{set}` server-wide while they were built, then `{reset}`"
                ));
                Some(reset)
            }
            Err(e) => {
                notes.push(format!(
                    "the scratch copy's indexes were built full, not about 70 % full as a long load's random inserts leave them (`{set}` was refused: {e}): its first inserts split more pages, so the projection may run high; a user allowed SET GLOBAL avoids it"
                ));
                None
            }
        },
        None => None,
    };
    // No `ANALYZE`: the index builds set the tables' row counts, a long
    // load's tables are not analyzed before it either, and on PostgreSQL it
    // took 1.3–2 s of a 1M estimate (docs/estimate.md § Measured).
    let built = conn.batch(&format!("{}{}", ddl.keys, ddl.foreign_keys));
    if let Some(reset) = reset {
        conn.batch(reset).map_err(fill_failed)?;
    }
    built.map_err(fill_failed)
}

/// Loads `opts`' batches of `plan` into `scratch` with `workers`; on SQLite
/// with `tuning` for the connections it opens.
fn load_into(
    plan: &Plan,
    scratch: &Scratch,
    opts: &RehearseOptions,
    workers: usize,
    metrics: &Metrics,
    tuning: Option<Tuning>,
) -> Result<harness::LoadResult> {
    let tuned = match (tuning, scratch.target.file()) {
        (Some(t), Some(path)) => crate::target::sqlite::tuned(path.to_path_buf(), t),
        _ => scratch.target.clone(),
    };
    harness::load(&harness::Load {
        plan,
        target: &tuned,
        opts,
        workers,
        metrics,
        schema: None,
        no_create: false,
        late_keys: false,
    })
}

/// The options of a sample load into `scratch`.
fn opts_for(
    plan: &Plan,
    scratch: &Scratch,
    base: &RehearseOptions,
    workers: usize,
    batch: u64,
) -> RehearseOptions {
    RehearseOptions {
        target: Some(scratch.target.dsn()),
        workers: Some(workers),
        batch: Some(batch),
        method: base.method,
        verify: false,
        hash_mode: base.hash_mode,
        edge_rate: base.edge_rate,
        domains: base.domains.clone(),
        quiet: true,
        retry_for: base.retry_for,
        ..RehearseOptions::new(plan.profile.clone(), plan.users, plan.seed)
    }
}

/// A sample at size: batches `[b, b + window)` of the full load into a copy
/// of `template` (b = its batches), one writer, the full page cache.
/// Automatic checkpoints are off while it loads, so that whether one falls
/// inside a short window is not luck: the checkpoint of everything the
/// window wrote runs after it, and is timed and counted in.
pub fn run_at(
    plan: &Plan,
    template: &Template,
    base: &RehearseOptions,
    batch: u64,
    window: u64,
    k: usize,
) -> Result<Sample> {
    let scratch = template.scratch.target.scratch(&k.to_string())?;
    let (Some(from), Some(to)) = (template.scratch.target.file(), scratch.target.file()) else {
        return Err(Error::target("samples at size are for SQLite targets"));
    };
    copy_synced(from, to)?;
    let at = At {
        batches: template.batches,
        rows: template.rows,
        cache_kib: crate::target::sqlite::DEFAULT_TUNING.cache_kib,
    };
    run_at_in(plan, &scratch, &at, base, batch, window)
}

/// Copies an SQLite copy's file for a sample at size, on disk before the
/// sample starts: its checkpoint's fsync must not also write out the whole
/// copy (a long load's earlier checkpoints have).
pub(super) fn copy_synced(from: &std::path::Path, to: &std::path::Path) -> Result<()> {
    std::fs::copy(from, to)
        .and_then(|_| std::fs::File::open(to)?.sync_all())
        .map_err(|e| Error::io("copy", to, e))
}

/// Where a sample at size starts in its SQLite copy, and its page cache.
pub struct At {
    /// Batches the copy holds.
    pub batches: u64,
    /// Rows it holds.
    pub rows: u64,
    pub cache_kib: u64,
}

/// Batches `[at.batches, at.batches + window)` loaded into the SQLite copy
/// `scratch` itself (on disk already), then checkpointed (see `run_at`).
pub fn run_at_in(
    plan: &Plan,
    scratch: &Scratch,
    at: &At,
    base: &RehearseOptions,
    batch: u64,
    window: u64,
) -> Result<Sample> {
    let Some(to) = scratch.target.file() else {
        return Err(Error::target("samples at size are for SQLite targets"));
    };
    let opts = RehearseOptions {
        resume: true,
        window: Some(at.batches..at.batches + window),
        ..opts_for(plan, scratch, base, 1, batch)
    };
    // A second connection, kept open, so that the load's closing does not
    // checkpoint the WAL: the checkpoint is run and timed below.
    let keep = rusqlite::Connection::open(to)
        .and_then(|c| {
            c.execute_batch("PRAGMA synchronous=NORMAL")?;
            c.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))?;
            Ok(c)
        })
        .map_err(|e| Error::target(format!("cannot open {}: {e}", to.display())))?;
    let metrics = Metrics::new();
    let lr = load_into(
        plan,
        scratch,
        &opts,
        1,
        &metrics,
        Some(Tuning {
            cache_kib: at.cache_kib,
            autocheckpoint_pages: 0,
            warm: true,
            ..crate::target::sqlite::DEFAULT_TUNING
        }),
    )?;
    // The checkpoint of what the window wrote, timed. A long load checkpoints
    // every `autocheckpoint_pages`, not after each window: the fixed part of
    // a checkpoint (its syncs), timed on a one-page WAL, is spread that way.
    let fail =
        |e: rusqlite::Error| Error::target(format!("cannot checkpoint {}: {e}", to.display()));
    let pragma = |q: &str| -> Result<f64> {
        keep.query_row(q, [], |r| r.get::<_, i64>(0))
            .map(|v| v.max(1) as f64)
            .map_err(fail)
    };
    let (page_size, db_pages) = (pragma("PRAGMA page_size")?, pragma("PRAGMA page_count")?);
    let wal_pages = std::fs::metadata(format!("{}-wal", to.display()))
        .map(|m| (m.len().saturating_sub(32) as f64 / (page_size + 24.0)).max(1.0))
        .unwrap_or(1.0);
    let checkpoint = || -> Result<f64> {
        let t = std::time::Instant::now();
        keep.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .map_err(fail)?;
        Ok(t.elapsed().as_secs_f64())
    };
    let whole_s = checkpoint()?;
    keep.execute_batch("PRAGMA user_version = 1")
        .map_err(fail)?;
    let timed = super::geometric::Checkpoint {
        whole_s,
        fixed_s: checkpoint()?.min(whole_s),
        wal_pages,
        db_pages,
    };
    let checkpoint_s =
        timed.charged_s(crate::target::sqlite::DEFAULT_TUNING.autocheckpoint_pages as f64);
    drop(keep);
    let raw = metrics.commits();
    let spec = Spec {
        kind: SampleKind::AtSize,
        workers: 1,
        batch,
        node: 0,
    };
    let mut s = measured(&spec, plan, &lr, &metrics, 0.0);
    // The writer's time: inside its transactions, plus the checkpoint.
    let writing_s: f64 = raw.iter().map(|c| c.micros as f64 / 1e6).sum::<f64>() + checkpoint_s;
    let first = raw.iter().map(|c| c.at_s).fold(f64::INFINITY, f64::min) - metrics.load_start_s();
    s.at_rows = at.rows;
    s.users = lr.loaded[plan.driving_table()];
    s.duration_s = lr.duration_s + checkpoint_s;
    s.steady_rows_per_s = s.rows as f64 / writing_s.max(1e-9);
    s.steady_window_s = writing_s;
    s.steady_rows = s.rows;
    s.warmup_s = if first.is_finite() {
        first.max(0.0)
    } else {
        0.0
    };
    s.target_s = writing_s;
    s.checkpoint = Some(timed);
    s.size_points.clear();
    Ok(s)
}

/// One sample into an identity API: users `range` of the plan, so that no
/// sample sends a user an earlier one created. An API keeps what it is sent
/// (there is no scratch schema): estimate against an emulator or a sandbox.
pub fn run_http(
    plan: &Plan,
    target: &crate::target::http::HttpTarget,
    spec: &Spec,
    range: std::ops::Range<u64>,
    max_attempts: u32,
) -> Result<Sample> {
    let metrics = std::sync::Arc::new(Metrics::new());
    let opts = crate::target::http::HttpOptions {
        rate: None,
        workers: spec.workers,
        max_attempts,
        retry_for: std::time::Duration::from_secs(60),
        quiet: true,
        users: Some(range.clone()),
        shown_as: None,
    };
    let (lr, _) = crate::target::http::load(plan, target, &opts, metrics.clone())?;
    let raw = metrics.commits();
    // Refused users are logged with 0 rows: not commits.
    let commits: Vec<Commit> = model::load_commits(&metrics)
        .into_iter()
        .filter(|c| c.rows > 0)
        .collect();
    let rows = lr.created;
    let series = per_second(&commits, lr.duration_s);
    // Whole seconds past the first third, less the last (partial) one: a
    // rate limit's windows make the commits bursty, and windows cut between
    // commits would catch a burst without its pause (or the reverse).
    let from = (series.len() as f64 * model::SKIP).ceil() as usize;
    let whole = series.len().saturating_sub(1);
    let steady = if whole >= from + 3 {
        let n: u64 = series[from..whole].iter().sum();
        let secs = (whole - from) as f64;
        Some((n as f64 / secs, secs, n, 0.0))
    } else {
        model::steady(&commits, spec.workers, model::SKIP)
    };
    let (rate, window, steady_rows, warmup) = steady.unwrap_or((
        rows as f64 / lr.duration_s.max(1e-9),
        lr.duration_s,
        rows,
        0.0,
    ));
    let c = &lr.counts;
    // Requests the target let through, and users per such request (5xx
    // retries make it less than one).
    let admitted = c.attempts.saturating_sub(c.rate_limited).max(1);
    let rows_per_request = rows as f64 / admitted as f64;
    // Throttled: the steady rate is the limit, in requests per second.
    let limited = c.rate_limited > 0 || c.rate_limit_waits > 0;
    Ok(Sample {
        kind: spec.kind,
        workers: spec.workers,
        at_rows: 0,
        users: range.end - range.start,
        batch: 1,
        rows,
        duration_s: lr.duration_s,
        steady_rows_per_s: rate,
        steady_window_s: window,
        steady_rows,
        warmup_s: warmup,
        series,
        size_points: model::size_points(&commits, spec.workers, model::SKIP, 0),
        checkpoint: None,
        gen_s: metrics.gen_s(),
        target_s: raw.iter().map(|c| c.micros as f64 / 1e6).sum(),
        ratelimit_wait_s: c.rate_limit_wait_s,
        starved_s: metrics.starved_s(),
        backoff_s: metrics.backoff_s(),
        retries: metrics.retries(),
        throttled: c.rate_limited,
        rate_limit: (limited && rows_per_request > 0.0).then(|| rate / rows_per_request),
        announced_rate: c.advertised_rate_per_s,
        rows_per_request,
    })
}

/// Rows committed in each second of a load of `duration_s`.
fn per_second(commits: &[Commit], duration_s: f64) -> Vec<u64> {
    let mut series = vec![0u64; duration_s.ceil().max(1.0) as usize];
    for c in commits {
        let i = (c.at_s as usize).min(series.len() - 1);
        series[i] += c.rows;
    }
    series
}
