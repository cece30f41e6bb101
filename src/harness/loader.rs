//! The load: a producer thread builds batches (ARCHITECTURE.md § Streaming)
//! into a bounded channel (2·W batches); W loader threads, one connection
//! each, commit every batch in one transaction with its progress row,
//! isolating refused rows by bisection.

use super::batch::Batch;
use super::resume::{self, NewFile};
use super::{Group, Plan, RehearseOptions, TargetTables, lineage, say};
use crate::error::{Error, Result};
use crate::generator::plan::rows_in;
use crate::generator::table::Scratch;
use crate::report::Aborted;
use crate::report::metrics::Metrics;
use crate::report::thresholds::{self, Condition, Tag};
use crate::retry::Waiting;
use crate::row::RowBuf;
use crate::target::{
    Conn, DbResult, ErrorClass, Method, Previous, REJECTS_TABLE, Reject, Rows, RunInfo, Target,
    reach, schema,
};
use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

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
    /// `--shard`: the driving table's batches in its range; the lookup
    /// groups on shard 1, waited for on the others.
    shard: Option<crate::dataset::Shard>,
    quiet: bool,
    /// `abort` thresholds, checked after every batch.
    abort_on: Vec<Condition>,
    /// The one that stopped the load.
    stopped: Mutex<Option<Aborted>>,
}

struct Outcome {
    loaded: u64,
    rejects: Vec<Reject>,
    /// Warnings about rows the target kept: (class, the row's labels).
    warnings: Vec<Kept>,
    /// Time spent writing each table's rows: (table, µs).
    writes: Vec<(usize, u64)>,
}

/// A warning about a row the target kept, attributed to the row's labels.
type Kept = (ErrorClass, Vec<String>);

/// The target's warnings about the rows its last `load` of `rows` kept.
fn kept(conn: &mut dyn Conn, rows: &Rows, out: &mut Vec<Kept>) {
    for w in conn.take_warnings() {
        let labels = w.row.map(|r| rows.labels_of(r)).unwrap_or_default();
        out.push((w.class, labels));
    }
}

impl Loader<'_> {
    fn pk(&self, t: usize) -> Vec<usize> {
        self.plan.generator.tables[t].pk.clone()
    }

    fn bisect(
        &self,
        conn: &mut dyn Conn,
        rows: &Rows,
        range: std::ops::Range<usize>,
        rejects: &mut Vec<(usize, Reject)>,
        warnings: &mut Vec<Kept>,
    ) -> DbResult<()> {
        if range.is_empty() {
            return Ok(());
        }
        let lt = &self.tables.load[rows.table];
        conn.batch("SAVEPOINT understudy_bisect")?;
        match conn.load(lt, rows, range.clone(), self.method) {
            Ok(()) => {
                kept(conn, rows, warnings);
                conn.batch("RELEASE SAVEPOINT understudy_bisect")
            }
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
                            batch: 0,
                        },
                    ));
                    return Ok(());
                }
                let mid = range.start + range.len() / 2;
                self.bisect(conn, rows, range.start..mid, rejects, warnings)?;
                self.bisect(conn, rows, mid..range.end, rejects, warnings)
            }
        }
    }

    /// One attempt at a batch: all its rows in one transaction, or, when
    /// some are refused, the rest by bisection. Warnings count only for the
    /// transaction that commits.
    fn try_batch(&self, conn: &mut dyn Conn, b: &Batch) -> DbResult<Outcome> {
        conn.batch("BEGIN")?;
        let mut warnings = Vec::new();
        let mut writes = Vec::with_capacity(b.tables.len());
        let fast = (|| {
            for rows in &b.tables {
                let t0 = Instant::now();
                conn.load(
                    &self.tables.load[rows.table],
                    rows,
                    0..rows.len(),
                    self.method,
                )?;
                writes.push((rows.table, t0.elapsed().as_micros() as u64));
                kept(conn, rows, &mut warnings);
            }
            self.record(conn, b, b.rows(), 0)?;
            conn.batch("COMMIT")
        })();
        match fast {
            Ok(()) => {
                return Ok(Outcome {
                    loaded: b.rows(),
                    rejects: Vec::new(),
                    warnings,
                    writes,
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
            let mut warnings = Vec::new();
            let mut writes = Vec::with_capacity(b.tables.len());
            for rows in &b.tables {
                let mut found = Vec::new();
                let t0 = Instant::now();
                self.bisect(conn, rows, 0..rows.len(), &mut found, &mut warnings)?;
                writes.push((rows.table, t0.elapsed().as_micros() as u64));
                rejects.extend(self.lineage.attribute(rows, found));
            }
            rejects
                .iter_mut()
                .for_each(|r: &mut Reject| r.batch = b.index);
            let loaded = b.rows() - rejects.len() as u64;
            self.record(conn, b, loaded, rejects.len() as u64)?;
            if !rejects.is_empty() {
                conn.record_rejects(self.plan, b.index, &rejects)?;
            }
            conn.batch("COMMIT")?;
            Ok(Outcome {
                loaded,
                rejects,
                warnings,
                writes,
            })
        })();
        if careful.is_err() {
            let _ = conn.batch("ROLLBACK");
        }
        careful
    }

    /// The batch's progress row.
    fn record(&self, conn: &mut dyn Conn, b: &Batch, loaded: u64, rejected: u64) -> DbResult<()> {
        let table = &self.plan.metas[b.root].name;
        conn.record_batch(&self.run, table, b.index, loaded, rejected)
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
                    for (class, labels) in &out.warnings {
                        self.metrics.warning(class.as_str(), labels);
                    }
                    for &(t, us) in &out.writes {
                        self.metrics.table_write(t, us);
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
            if let Ok(true) = conn.committed(&self.plan.metas[b.root].name, b.index) {
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

    /// Every group in load order, skipping the batches an earlier run
    /// committed, or (`window`) all but a window of the driving table's.
    fn load_groups(
        &self,
        conns: &mut [Box<dyn Conn>],
        previous: &Previous,
        window: Option<&std::ops::Range<u64>>,
    ) -> Result<()> {
        let empty = HashSet::new();
        for g in &self.plan.groups {
            let done = previous
                .done
                .get(&self.plan.metas[g.root].name)
                .unwrap_or(&empty);
            if let Some(s) = self.shard {
                self.load_shard(g, s, conns, done)?;
                continue;
            }
            match window {
                Some(w) if g.root == self.plan.driving_table() => {
                    let n = self.plan.batches(g, self.batch_rows).0.len() as u64;
                    let outside: HashSet<u64> = (0..n)
                        .filter(|k| !w.contains(k) || done.contains(k))
                        .collect();
                    self.load_group(g, conns, &outside)?;
                }
                _ => self.load_group(g, conns, done)?,
            }
        }
        Ok(())
    }

    /// A group as a shard loads it: the driving table's batches in the
    /// shard's range; a lookup group whole on shard 1, and on the other
    /// shards not at all, but waited for (its rows are the parents of theirs).
    fn load_shard(
        &self,
        g: &Group,
        s: crate::dataset::Shard,
        conns: &mut [Box<dyn Conn>],
        done: &HashSet<u64>,
    ) -> Result<()> {
        if g.root == self.plan.driving_table() {
            let mine = self.plan.shard_batches(s, self.batch_rows);
            let n = self.plan.batches(g, self.batch_rows).0.len() as u64;
            let outside: HashSet<u64> = (0..n)
                .filter(|k| !mine.contains(k) || done.contains(k))
                .collect();
            return self.load_group(g, conns, &outside);
        }
        if s.first() {
            return self.load_group(g, conns, done);
        }
        self.wait_for_group(g, s, conns[0].as_mut())
    }

    /// Waits (within `--retry-for`) until every batch of lookup group `g`
    /// is committed, by shard 1.
    fn wait_for_group(
        &self,
        g: &Group,
        s: crate::dataset::Shard,
        conn: &mut dyn Conn,
    ) -> Result<()> {
        let name = &self.plan.metas[g.root].name;
        let n = self.plan.batches(g, self.batch_rows).0.len();
        let started = Instant::now();
        let mut said = false;
        loop {
            let have = conn
                .previous()
                .ok()
                .and_then(|p| p.done.get(name).map(HashSet::len))
                .unwrap_or(0);
            if have >= n {
                return Ok(());
            }
            if started.elapsed() >= self.retry_for {
                return Err(Error::target(format!(
                    "--shard {s}: shard 1 did not load `{name}` ({have} of {n} batches) within --retry-for; its rows are the parents of this shard's"
                )));
            }
            if !said {
                say(
                    self.quiet,
                    format!("shard {s}: waiting for shard 1 to load `{name}`"),
                );
                said = true;
            }
            std::thread::sleep(Duration::from_millis(250));
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
                        match self.commit_batch(conn, &b) {
                            Ok(()) => self.check_abort(),
                            Err(e) => {
                                self.abort.store(true, Ordering::Relaxed);
                                self.fatal.lock().expect("fatal").get_or_insert(e);
                            }
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

impl Loader<'_> {
    /// Stops the load when an `abort` threshold is missed (it can only get
    /// worse from here: ARCHITECTURE.md § Reports).
    fn check_abort(&self) {
        for c in &self.abort_on {
            let actual = self.live(c);
            if thresholds::misses(c, actual) {
                let mut stopped = self.stopped.lock().expect("stopped");
                if stopped.is_none() {
                    *stopped = Some(Aborted {
                        threshold: c.expr.clone(),
                        actual,
                        after_s: self.metrics.elapsed() - self.metrics.load_start_s(),
                    });
                }
                self.abort.store(true, Ordering::Relaxed);
                return;
            }
        }
    }

    /// The figure an `abort` condition reads, as the load stands.
    fn live(&self, c: &Condition) -> f64 {
        let table = |name: &str| self.plan.metas.iter().position(|m| m.name == name);
        let tag = c.tag.as_ref().map(|(t, v)| (*t, v.as_str()));
        let sum = |a: &[AtomicU64]| a.iter().map(|x| x.load(Ordering::Relaxed)).sum::<u64>();
        match (c.metric.as_str(), tag) {
            ("rejects", None) => sum(&self.rejected) as f64,
            ("rejects", Some((Tag::Table, n))) => {
                table(n).map_or(0, |t| self.rejected[t].load(Ordering::Relaxed)) as f64
            }
            ("rejects" | "errors", tag) => {
                let (by_class, by_label) = self.metrics.errors();
                thresholds::tagged_sum(&by_class, &by_label, tag)
            }
            ("warnings", tag) => {
                let (by_class, by_label) = self.metrics.warnings();
                thresholds::tagged_sum(&by_class, &by_label, tag)
            }
            ("max", Some((_, n))) => table(n).map_or(0.0, |t| self.metrics.max_ms(Some(t))),
            ("max", None) => self.metrics.max_ms(None),
            _ => self.metrics.elapsed() - self.metrics.load_start_s(),
        }
    }
}

/// A load: the plan into `target`, with `workers` connections.
pub struct Load<'a> {
    pub plan: &'a Plan,
    pub target: &'a Target,
    pub opts: &'a RehearseOptions,
    pub workers: usize,
    pub metrics: &'a Metrics,
    /// `--schema` (None: the profile's tables, or none with `no_create`).
    pub schema: Option<&'a std::path::Path>,
    pub no_create: bool,
    /// Add the late foreign keys after the load (`late_keys`): not on
    /// `estimate`'s copies, which samples append to.
    pub late_keys: bool,
}

/// What a load did: the rows loaded/skipped/rejected per table and the load
/// duration.
pub struct LoadResult {
    pub loaded: Vec<u64>,
    pub skipped: Vec<u64>,
    pub rejected: Vec<u64>,
    pub rejects: Vec<Reject>,
    pub duration_s: f64,
    pub resumed: bool,
    pub tables: TargetTables,
    /// The loading sessions' settings, as the target reports them
    /// (`Conn::settings`: MySQL's `sql_mode`).
    pub settings: Vec<(String, String)>,
    /// Set when an `abort` threshold stopped the load.
    pub stopped: Option<Aborted>,
    /// The foreign keys added after the load (`late_keys`).
    pub late_keys: Vec<crate::report::LateForeignKey>,
}

/// Loads the plan into the target (resuming when asked): the target
/// prepared and checked, then every group's batches, then the rejects
/// recorded in the target read back.
pub fn load(job: &Load) -> Result<LoadResult> {
    let (plan, target, opts) = (job.plan, job.target, job.opts);
    let redacted = target.redacted();
    let schema = job.schema.map(schema::SchemaFile::read).transpose()?;
    let waiting = Waiting::new(
        opts.shown_as.clone().unwrap_or_else(|| redacted.clone()),
        opts.retry_for,
        opts.quiet,
    );
    // Declared before the connections, so dropped after them: a file this
    // run created is removed when the rehearsal is refused.
    let mut created = NewFile::watch(target);
    let mut conns: Vec<Box<dyn Conn>> = vec![reach::connect(target, opts.retry_for, &waiting)?];
    let prepared = resume::prepare(job, &mut conns[0], schema.as_ref(), &waiting)?;
    created.keep();
    for note in &prepared.tables.notes {
        say(opts.quiet, note);
    }
    if schema.is_some() {
        // The file's own session settings were reset; a fresh connection
        // leaves no trace of them at all.
        conns[0] = reach::connect(target, opts.retry_for, &waiting)?;
    }
    let skipped = resume::skipped_rows(plan, &prepared.previous, opts.batch(), opts.shard);
    if prepared.resumed {
        say(
            opts.quiet,
            format!(
                "resuming run {}: {} already committed",
                prepared.run.run_id,
                crate::util::count(skipped.iter().sum::<u64>(), "row", "rows")
            ),
        );
    }
    let settings = conns[0].settings();
    for _ in 1..job.workers {
        conns.push(reach::connect(target, opts.retry_for, &waiting)?);
    }
    let loader = Loader {
        plan,
        tables: &prepared.tables,
        target,
        method: opts.method,
        batch_rows: opts.batch(),
        run: prepared.run.clone(),
        metrics: job.metrics,
        loaded: (0..plan.metas.len()).map(|_| AtomicU64::new(0)).collect(),
        rejected: (0..plan.metas.len()).map(|_| AtomicU64::new(0)).collect(),
        abort: AtomicBool::new(false),
        fatal: Mutex::new(None),
        bar: progress_bar(opts, plan, skipped.iter().sum()),
        retry_for: opts.retry_for,
        waiting: &waiting,
        lineage: lineage::Lineage::new(plan),
        shard: opts.shard,
        quiet: opts.quiet,
        abort_on: match &opts.fail_on {
            Some(expr) => thresholds::parse_conditions(expr)?
                .into_iter()
                .filter(|c| c.abort)
                .collect(),
            None => Vec::new(),
        },
        stopped: Mutex::new(None),
    };
    if prepared.resumed {
        let earlier = conns[0].recorded_rejects(plan).map_err(|e| {
            Error::target(format!("cannot read {REJECTS_TABLE} on {redacted}: {e}"))
        })?;
        loader.lineage.recall(plan, &earlier);
    }
    let started = Instant::now();
    job.metrics.load_started();
    loader.load_groups(&mut conns, &prepared.previous, opts.window.as_ref())?;
    let duration_s = started.elapsed().as_secs_f64();
    if let Some(b) = &loader.bar {
        b.finish_and_clear();
    }
    // The first connection may have been lost while idle.
    let rejects = reach::phase(target, &mut conns[0], opts.retry_for, &waiting, |conn| {
        conn.recorded_rejects(plan)
            .map_err(|e| Error::target(format!("cannot read {REJECTS_TABLE} on {redacted}: {e}")))
    })?;
    let stopped = loader.stopped.into_inner().expect("stopped");
    // Only on the tables this run created, and after a whole load.
    let whole = opts.window.is_none() && stopped.is_none();
    let late_keys = if job.late_keys && job.schema.is_none() && !job.no_create && whole {
        let when = super::late_keys::When {
            shard: opts.shard,
            batch: opts.batch(),
            quiet: opts.quiet,
        };
        drop(conns.drain(1..));
        super::late_keys::add(plan, conns[0].as_mut(), &when, &redacted)?
    } else {
        Vec::new()
    };
    let counts = |a: &[AtomicU64]| a.iter().map(|a| a.load(Ordering::Relaxed)).collect();
    let (loaded, rejected) = (counts(&loader.loaded), counts(&loader.rejected));
    Ok(LoadResult {
        loaded,
        skipped,
        rejected,
        rejects,
        duration_s,
        resumed: prepared.resumed,
        tables: prepared.tables,
        settings,
        stopped,
        late_keys,
    })
}

/// The terminal's progress bar (none when quiet or not a terminal).
fn progress_bar(opts: &RehearseOptions, plan: &Plan, done: u64) -> Option<indicatif::ProgressBar> {
    (!opts.quiet && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new(
            plan.expected_rows_in(opts.shard, opts.batch())
                .iter()
                .sum(),
        );
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} rows · {per_sec} · ETA {eta}",
            )
            .expect("valid template"),
        );
        b.set_position(done);
        b
    })
}
