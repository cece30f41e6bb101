//! `estimate`: project a full migration's duration from small sample
//! rehearsals.
//!
//! 1. Sweep: the sample (S users) is loaded into a scratch copy of the target
//!    at each worker count (`--workers`), `--repeat` times while `--budget`
//!    allows; each sample's steady-state rate drops the first round of
//!    batches (warm-up) and the tail.
//! 2. Size effect, from samples at size: half the sample's users each (at
//!    least one whole batch), loaded as the full load's batches at 21 % and at 79 % of the
//!    production size, into scratch copies filled fast to those sizes
//!    (appends, then one sort per unique index); the mean of their times per
//!    row is the full load's (two-point Gauss–Legendre). SQLite: template
//!    files, copied for each repeat; database servers (PostgreSQL, MySQL):
//!    one scratch copy (`Target::scratch`), one pass.
//!    Without them (identity APIs), the sweep samples' own slowdown as their
//!    tables grow, extrapolated in log(size).
//! 3. Model (`model.rs`): the Universal Scalability Law (`usl.rs`) fitted to
//!    rate vs workers, the size effect, any rate limit (as the API announces
//!    it, checked against the throttled samples), retry waits; projected
//!    per worker count with an interval; a recommended count; the bottleneck.

pub mod geometric;
pub mod junit;
pub mod model;
pub mod nodes;
mod redo;
pub mod report;
pub mod sample;
pub mod usl;

use crate::error::{Error, Result};
use crate::harness::{Plan, RehearseOptions};
use crate::hash::HashMode;
use crate::profile::Profile;
use crate::target::{Method, Target};
use geometric::AtSize;
use model::{SampleKind, TargetKind};
use report::EstimateReport;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub struct EstimateOptions {
    pub profile: Profile,
    pub production_users: u64,
    pub target: String,
    pub sample_users: Option<u64>,
    /// Share of the production users (0–1), from `--sample 2%`.
    pub sample_share: Option<f64>,
    pub workers: Option<Vec<usize>>,
    pub api: Option<crate::api::Api>,
    pub budget: Duration,
    pub repeat: usize,
    pub seed: u64,
    /// Driving-table rows per batch of the full load (default: rehearse's).
    pub batch: Option<u64>,
    pub method: Method,
    /// How the size effect is measured (`--size-method`); `None`: the
    /// target kind's default (`default_size_method`).
    pub size_method: Option<geometric::SizeMethod>,
    pub hash_mode: Option<HashMode>,
    pub edge_rate: Option<f64>,
    pub domains: Vec<(String, u32)>,
    pub report: Option<PathBuf>,
    pub html: Option<PathBuf>,
    /// `--fail-on`: thresholds on the projection (`junit::parse`).
    pub fail_on: Option<String>,
    pub junit: Option<PathBuf>,
    pub quiet: bool,
}

/// Largest default sample.
pub const MAX_DEFAULT_SAMPLE: u64 = 100_000;

fn say(quiet: bool, msg: impl AsRef<str>) {
    if !quiet {
        eprintln!("understudy: {}", msg.as_ref());
    }
}

/// `2%`, `2 %` or `0.02` → 0.02.
pub fn parse_share(s: &str) -> Option<f64> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().ok()? / 100.0,
        None => t.parse::<f64>().ok()?,
    };
    (v > 0.0 && v <= 1.0).then_some(v)
}

/// The sample size: `--sample-users`, else `--sample` × N, else 0.5 % of
/// N capped at 100,000 (and at least 1,000 or N): the sweep loads it
/// `--repeat` times at each worker count, which at 5 % was most of the
/// estimate's cost.
pub fn sample_users(n: u64, users: Option<u64>, share: Option<f64>) -> Result<u64> {
    let s = match (users, share) {
        (Some(_), Some(_)) => {
            return Err(Error::usage(
                "give either --sample-users S or --sample P%, not both",
            ));
        }
        (Some(s), None) => s,
        (None, Some(p)) => ((n as f64 * p).round() as u64).max(1),
        (None, None) => (n / 200).min(MAX_DEFAULT_SAMPLE).max(1000.min(n)),
    };
    if s == 0 {
        return Err(Error::usage("the sample must hold at least 1 user"));
    }
    if s > n {
        return Err(Error::usage(format!(
            "the sample ({s} users) is larger than --production-users ({n}); use a smaller --sample-users or --sample"
        )));
    }
    Ok(s)
}

/// One line of progress for a sample.
fn describe(s: &model::Sample) -> String {
    format!(
        "{}{} · {} worker{} · batch {} → {:.0} rows/s steady ({} rows in {}, warm-up {})",
        match s.kind {
            SampleKind::Sweep => "sweep",
            SampleKind::AtSize => "at size",
        },
        match s.kind {
            SampleKind::AtSize => format!(" ({} rows in the target)", s.at_rows),
            SampleKind::Sweep => String::new(),
        },
        s.workers,
        if s.workers == 1 { "" } else { "s" },
        s.batch,
        s.steady_rows_per_s,
        s.rows,
        crate::report::human_duration(s.duration_s),
        crate::report::human_duration(s.warmup_s)
    )
}

/// Runs `estimate`; returns the exit code (0), or an error of kind
/// `Failed` (exit 1) after writing the outputs when a `--fail-on`
/// threshold is missed. Its phases: the design (checks, sizes, the target
/// reached), the samples (within the budget), the model and its notes, the
/// report.
pub fn estimate(opts: EstimateOptions) -> Result<i32> {
    let started_at = crate::report::head::now();
    let started = Instant::now();
    let conds = opts.fail_on.as_deref().map(junit::parse).transpose()?;
    let design = design(&opts)?;
    junit::check_workers(conds.as_deref().unwrap_or_default(), &design.workers)?;
    let sampled = take_samples(&opts, &design, started)?;
    let (outcome, full_rows) = model(&opts, &design, &sampled)?;
    let mut report = report(&opts, &design, started_at, sampled, outcome, full_rows);
    report.cost.seconds = started.elapsed().as_secs_f64();
    report.thresholds = junit::evaluate(conds.as_deref().unwrap_or_default(), &report);
    let missed = junit::missed(&report.thresholds);
    report.exit_code = if missed.is_some() { 1 } else { 0 };
    write_outputs(&opts, &report)?;
    missed.map_or(Ok(0), Err)
}

/// What is sampled where, decided (and the target reached) before any
/// sample is taken.
struct Design {
    /// Production users (N).
    n: u64,
    http: Option<crate::target::http::HttpTarget>,
    /// The database target; a stand-in, never connected to, for an API.
    target: Target,
    kind: TargetKind,
    /// Users per sample (S).
    s_users: u64,
    /// Worker counts to measure and project, ascending.
    workers: Vec<usize>,
    /// Driving-table rows per batch of the full load.
    full_batch: u64,
    /// The production users' dataset: samples at size load its batches.
    full_plan: Plan,
    /// The samples' users (on an API, fresh ones for every sample).
    plan: Plan,
    /// Rows of the full load (an API's are counted again from what the
    /// samples sent).
    full_rows: u64,
    base: RehearseOptions,
    /// `--size-method`, as used (small productions fall back to quadrature).
    size_method: geometric::SizeMethod,
    at: AtSize,
    /// One pass of samples; `--repeat` runs it again while the budget allows.
    specs: Vec<sample::Spec>,
}

/// The options' checks that need no target (exit 2), then the target they
/// name: an identity API, or a database.
fn check(opts: &EstimateOptions) -> Result<(Option<crate::target::http::HttpTarget>, Target)> {
    if opts.production_users == 0 {
        return Err(Error::usage("--production-users must be at least 1"));
    }
    let http = if crate::target::http::HttpTarget::is_http(&opts.target) {
        Some(crate::target::http::HttpTarget::parse(
            &opts.target,
            opts.api,
        )?)
    } else {
        if let Some(api) = opts.api {
            return Err(Error::usage(format!(
                "--api {} applies to identity-API targets (--target http://HOST:PORT)",
                api.name()
            )));
        }
        None
    };
    if opts.batch == Some(0) {
        return Err(Error::usage("--batch must be at least 1"));
    }
    if opts.repeat == 0 {
        return Err(Error::usage("--repeat must be at least 1"));
    }
    crate::util::check_outputs(&[
        ("--report", &opts.report),
        ("--html", &opts.html),
        ("--junit", &opts.junit),
    ])?;
    // An identity API has no database behind the DSN: `target` is a stand-in
    // that is never connected to.
    let target = match &http {
        Some(_) => crate::target::sqlite::target(PathBuf::from("unused")),
        None => Target::parse(&opts.target)?,
    };
    Ok((http, target))
}

/// The design: sample size, worker counts and batches, announced; the
/// target reached (exit 3 before any work); the datasets and the pass of
/// samples.
fn design(opts: &EstimateOptions) -> Result<Design> {
    let n = opts.production_users;
    let (http, target) = check(opts)?;
    let kind = if http.is_some() {
        TargetKind::Api
    } else if target.is_sqlite() {
        TargetKind::SingleWriter
    } else {
        TargetKind::Server
    };
    let shown = match &http {
        Some(h) => format!("the {} API at {}", h.api_name(), h.base),
        None => target.redacted(),
    };
    let s_users = sample_users(n, opts.sample_users, opts.sample_share)?;
    let mut workers = opts.workers.clone().unwrap_or_else(|| match kind {
        TargetKind::SingleWriter => vec![1, 2],
        TargetKind::Api => vec![1, 2, 4, 8],
        TargetKind::Server => vec![1, 2, 4],
    });
    workers.sort();
    workers.dedup();
    let full_batch = match &http {
        Some(_) => 1,
        None => opts
            .batch
            .unwrap_or(if target.is_sqlite() { 25_000 } else { 5_000 }),
    };
    let w_max = *workers.last().unwrap_or(&1) as u64;
    // At least four batches per worker, so the steady window spans rounds.
    let sweep_batch = full_batch.min((s_users / (4 * w_max)).max(1));
    say(
        opts.quiet,
        format!(
            "estimate: {n} production users into {shown}; samples of {s_users} users ({:.2} % of N) at {} worker{}, budget {}",
            s_users as f64 / n as f64 * 100.0,
            workers
                .iter()
                .map(|w| w.to_string())
                .collect::<Vec<_>>()
                .join(","),
            if workers == [1] { "" } else { "s" },
            crate::report::human_duration(opts.budget.as_secs_f64())
        ),
    );
    // Reachable? (exit 3 before any work; an SQLite target is not created:
    // a scratch directory beside it is the check.) Then a scratch copy made
    // and removed: a kind that has none, or a missing privilege, is refused
    // (exit 2) before any sample.
    match &http {
        Some(h) => crate::target::http::reach(h)?,
        None if target.is_sqlite() => crate::target::reach::usable_dir(&target)?,
        None => drop(crate::target::reach::reach(&target)?),
    }
    if http.is_none() {
        drop(target.scratch("check")?);
    }
    let dataset = |users| {
        Plan::new(
            opts.profile.clone(),
            users,
            opts.seed,
            &opts.domains,
            opts.hash_mode,
            opts.edge_rate,
        )
    };
    let full_plan = dataset(n)?;
    let full_rows: u64 = match &http {
        // Identity APIs take the users table only.
        Some(_) => n,
        None => full_plan.expected_rows().iter().sum(),
    };
    // An API keeps every user it is sent: each sample gets its own users.
    let plan = dataset(match &http {
        Some(_) => s_users * (opts.repeat * workers.len()) as u64,
        None => s_users,
    })?;
    let base = RehearseOptions {
        method: opts.method,
        verify: false,
        hash_mode: opts.hash_mode,
        edge_rate: opts.edge_rate,
        domains: opts.domains.clone(),
        quiet: true,
        retry_for: Duration::from_secs(60),
        ..RehearseOptions::new(opts.profile.clone(), s_users, opts.seed)
    };
    // A server's copy is filled once: its repeats at size are one longer
    // window; SQLite's repeats load fresh copies of its templates.
    let span = match kind {
        TargetKind::Server => opts.repeat as u64,
        _ => 1,
    };
    let (size_method, at) = size_design(opts, kind, target.is_mysql(), s_users, full_batch, span);
    let specs = one_pass(kind, size_method, &workers, sweep_batch, &at);
    Ok(Design {
        n,
        http,
        target,
        kind,
        s_users,
        workers,
        full_batch,
        full_plan,
        plan,
        full_rows,
        base,
        size_method,
        at,
        specs,
    })
}

/// The samples at size: `--size-method`'s sizes, or the quadrature's when
/// a production of a few batches cannot give three sizes (`mysql`: a MySQL
/// or MariaDB target).
fn size_design(
    opts: &EstimateOptions,
    kind: TargetKind,
    mysql: bool,
    s_users: u64,
    full_batch: u64,
    span: u64,
) -> (geometric::SizeMethod, AtSize) {
    let n = opts.production_users;
    let requested = opts.size_method.unwrap_or_default();
    let server = (kind == TargetKind::Server).then_some(mysql);
    // MySQL: one window under a cut redo log; elsewhere three or four
    // sizes. Fewer sizes than that (a production of a few batches) cannot
    // pin a model down: the quadrature then, which costs little at that size.
    let geo = if server == Some(true) {
        AtSize::redo_window(n, s_users, full_batch)
    } else {
        Some(AtSize::geometric(n, s_users, full_batch, server)).filter(|g| g.points.len() >= 3)
    };
    match (requested, geo) {
        (geometric::SizeMethod::Geometric, Some(at)) => (geometric::SizeMethod::Geometric, at),
        _ => (
            geometric::SizeMethod::Quadrature,
            AtSize::new(n, s_users, full_batch, span),
        ),
    }
}

/// One pass of samples: the sweep, then on SQLite the samples at size
/// (a server's are taken once, before the passes: see `take_samples`).
fn one_pass(
    kind: TargetKind,
    method: geometric::SizeMethod,
    workers: &[usize],
    sweep_batch: u64,
    at: &AtSize,
) -> Vec<sample::Spec> {
    let mut specs: Vec<sample::Spec> = workers
        .iter()
        .map(|&w| sample::Spec {
            kind: SampleKind::Sweep,
            workers: w,
            batch: sweep_batch,
            node: 0,
        })
        .collect();
    if kind == TargetKind::SingleWriter && method == geometric::SizeMethod::Quadrature {
        for node in 0..at.points.len() {
            specs.push(sample::Spec {
                kind: SampleKind::AtSize,
                workers: 1,
                batch: at.batch,
                node,
            });
        }
    }
    specs
}

/// The samples taken, and what taking them cost.
struct Sampled {
    samples: Vec<model::Sample>,
    /// How the scratch copies for the samples at size were made.
    notes: Vec<String>,
    /// Planned samples the budget left out.
    skipped: usize,
    /// Time filling the scratch copies for the samples at size (s).
    fill_s: f64,
    /// Time sampling, fills included (s).
    sampling_s: f64,
    /// Sizes `--budget` left out.
    sizes_skipped: usize,
    /// Most bytes the scratch copies held at once, when known.
    peak_bytes: Option<u64>,
    /// The target's size after the full load, projected from the largest
    /// copy (bytes), when known.
    projected_bytes: Option<f64>,
    /// SQLite's page counts, read from the largest copy (geometric).
    pages: Option<geometric::Pages>,
    /// SQLite's windows with and without a cache that holds the indexes.
    missed: Option<geometric::Missed>,
    /// MySQL's redo log being put back while the sweep runs.
    restore: Option<redo::Restore>,
}

/// The samples: on a server the samples at size first, then the pass
/// `--repeat` times, stopping before a sample that would overrun the budget
/// (judged by the longest one so far).
fn take_samples(opts: &EstimateOptions, d: &Design, started: Instant) -> Result<Sampled> {
    let mut templates: Vec<sample::Template> = Vec::new();
    let mut sampled = Sampled {
        samples: Vec::new(),
        notes: Vec::new(),
        skipped: 0,
        fill_s: 0.0,
        sampling_s: 0.0,
        sizes_skipped: 0,
        peak_bytes: None,
        projected_bytes: None,
        pages: None,
        missed: None,
        restore: None,
    };
    let geometric = d.size_method == geometric::SizeMethod::Geometric;
    if d.kind == TargetKind::Server {
        at_sizes_on_server(opts, d, started, &mut sampled)?;
    } else if d.kind == TargetKind::SingleWriter && geometric {
        at_sizes_on_sqlite(opts, d, started, &mut sampled)?;
    }
    let mut fill_s = sampled.fill_s;
    let mut samples = std::mem::take(&mut sampled.samples);
    let pass = d.specs.len();
    let mut spent: Vec<f64> = Vec::new();
    let mut skipped = 0usize;
    'outer: for round in 0..opts.repeat {
        for (i, spec) in d.specs.iter().enumerate() {
            let k = round * pass + i;
            let elapsed = started.elapsed().as_secs_f64();
            let typical = spent.iter().copied().fold(0.0_f64, f64::max);
            if k > 0 && elapsed + typical > opts.budget.as_secs_f64() {
                skipped = opts.repeat * pass - k;
                break 'outer;
            }
            // MySQL's redo log is being put back: SIGINT and SIGTERM are
            // held until it is, and stop the estimate here.
            if let Some(e) = sampled
                .restore
                .as_mut()
                .and_then(redo::Restore::interrupted)
            {
                return Err(e);
            }
            let t0 = Instant::now();
            if spec.kind == SampleKind::AtSize && templates.is_empty() {
                (templates, fill_s) = fill_scratch_copies(opts, d)?;
            }
            let s = take_sample(d, &templates, spec, k)?;
            spent.push(t0.elapsed().as_secs_f64());
            say(
                opts.quiet,
                format!("sample {}/{}: {}", k + 1, opts.repeat * pass, describe(&s)),
            );
            samples.push(s);
        }
    }
    if let Some(e) = sampled.restore.take().and_then(redo::Restore::finish) {
        say(false, &e);
        sampled.notes.push(e);
    }
    Ok(Sampled {
        samples,
        skipped,
        fill_s,
        sampling_s: started.elapsed().as_secs_f64(),
        ..sampled
    })
}

/// A server's samples at size, in one pass (filling a copy is much of a
/// load): the sweep's repeats run after it, round-robin. Adds them, the
/// time filling took, notes on how the copy was made and its size.
fn at_sizes_on_server(
    opts: &EstimateOptions,
    d: &Design,
    started: Instant,
    into: &mut Sampled,
) -> Result<()> {
    let mysql = d.target.is_mysql();
    let w = match d.size_method {
        // The size model is fitted per row at one worker; MySQL's one
        // window runs at the full load's two, as the log pressure it is
        // to meet comes from the load's rate.
        geometric::SizeMethod::Geometric if !mysql => 1,
        _ => d
            .workers
            .iter()
            .copied()
            .filter(|&w| w <= 2)
            .max()
            .unwrap_or(d.workers[0]),
    };
    let out = sample::run_at_sizes(
        &d.full_plan,
        &d.target,
        &d.base,
        &sample::ServerAtSizes {
            batch: d.at.batch,
            points: d.at.points.clone(),
            window: d.at.window,
            workers: w,
            started,
            budget_s: opts.budget.as_secs_f64(),
            load_batches: d.n.div_ceil(d.at.batch),
            redo_like: (mysql && d.size_method == geometric::SizeMethod::Geometric)
                .then_some(geometric::REDO_LIKE),
            quiet: opts.quiet,
        },
    )?;
    for s in &out.samples {
        say(opts.quiet, format!("sample {}", describe(s)));
    }
    into.samples.extend(out.samples);
    into.fill_s = out.fill_s;
    into.notes = out.notes;
    into.sizes_skipped = out.skipped;
    into.restore = out.restore;
    into.peak_bytes = out.bytes;
    into.projected_bytes = out
        .bytes
        .filter(|_| out.users > 0)
        .map(|b| b as f64 / out.users as f64 * d.n as f64);
    Ok(())
}

/// SQLite's samples at geometrically spaced sizes (`nodes`).
fn at_sizes_on_sqlite(
    opts: &EstimateOptions,
    d: &Design,
    started: Instant,
    into: &mut Sampled,
) -> Result<()> {
    let out = nodes::run(
        &d.full_plan,
        &d.target,
        &d.base,
        &nodes::Design {
            batch: d.at.batch,
            points: d.at.points.clone(),
            window: d.at.window,
            users: d.n,
            started,
            budget_s: opts.budget.as_secs_f64(),
        },
    )?;
    for s in &out.samples {
        say(opts.quiet, format!("sample {}", describe(s)));
    }
    into.samples.extend(out.samples);
    into.fill_s = out.fill_s;
    into.sizes_skipped = out.skipped;
    into.peak_bytes = Some(out.peak_bytes);
    into.projected_bytes = out.pages.as_ref().map(|p| p.bytes_per_user * d.n as f64);
    if let (Some(m), Some(p)) = (out.missed, out.pages.as_ref()) {
        into.notes.push(format!(
            "the load's indexes outgrow the page cache ({:.0} pages) from about {:.0} users on: the window at {:.0} users was loaded again with a cache of {:.0} pages, {:.3} s a batch against {:.3} s, read as {:.2} µs for each key whose leaf the cache misses",
            p.cache_pages,
            (p.cache_full_at() / 1e4).round() * 1e4,
            m.users,
            m.small_cache_pages,
            m.small_cache_s,
            m.cached_s,
            m.gamma(p) * 1e6,
        ));
    }
    into.pages = out.pages;
    into.missed = out.missed;
    if let Some(users) = out.capped {
        into.notes.push(format!(
            "samples at size up to {users} users, not {:.1} % of the production: beyond that a batch meets fewer than {} keys per leaf of an index, where a sorted build's full leaves split as a long load's do not",
            geometric::MAX_SHARE * 100.0,
            nodes::KEYS_PER_LEAF
        ));
    }
    Ok(())
}

/// SQLite's template files for the samples at size, filled once.
fn fill_scratch_copies(opts: &EstimateOptions, d: &Design) -> Result<(Vec<sample::Template>, f64)> {
    let (templates, fill_s) =
        sample::fill_templates(&d.full_plan, &d.target, &d.base, d.at.batch, &d.at.points)?;
    say(
        opts.quiet,
        format!(
            "samples at size: scratch copies filled to {} users in {}",
            templates
                .iter()
                .map(|t| (t.batches * d.at.batch).to_string())
                .collect::<Vec<_>>()
                .join(" and "),
            crate::report::human_duration(fill_s)
        ),
    );
    Ok((templates, fill_s))
}

/// The `k`th sample: at size (from its template), into an API (with users
/// of its own), or into a scratch copy of the database.
fn take_sample(
    d: &Design,
    templates: &[sample::Template],
    spec: &sample::Spec,
    k: usize,
) -> Result<model::Sample> {
    let s_users = d.s_users;
    match &d.http {
        _ if spec.kind == SampleKind::AtSize => sample::run_at(
            &d.full_plan,
            &templates[spec.node],
            &d.base,
            d.at.batch,
            d.at.window,
            k,
        ),
        Some(h) => sample::run_http(
            &d.plan,
            h,
            spec,
            k as u64 * s_users..(k as u64 + 1) * s_users,
            8,
        ),
        None => sample::run(&d.plan, &d.target, &d.base, spec, k),
    }
}

/// The model over the samples, its notes preceded by the sampling's and
/// followed by the design's; and the full load's rows (on an API, the share
/// of users the samples could send).
fn model(opts: &EstimateOptions, d: &Design, sampled: &Sampled) -> Result<(model::Outcome, u64)> {
    let n = d.n;
    let samples = &sampled.samples;
    let mut notes = Vec::new();
    if sampled.skipped > 0 {
        notes.push(format!(
            "--budget {} reached: {} planned sample{} skipped (fewer repeats, a wider range)",
            crate::report::human_duration(opts.budget.as_secs_f64()),
            sampled.skipped,
            if sampled.skipped == 1 { "" } else { "s" }
        ));
    }
    if sampled.sizes_skipped > 0 {
        notes.push(format!(
            "--budget {}: {} of the {} sizes planned for the samples at size skipped (the model extrapolates further, the range is wider)",
            crate::report::human_duration(opts.budget.as_secs_f64()),
            sampled.sizes_skipped,
            d.at.points.len()
        ));
    }
    if opts.size_method.unwrap_or_default() != d.size_method {
        notes.push(format!(
            "the production is {} batches: too few for --size-method geometric's samples at size, so the size effect is measured at 21 % and 79 % of it (--size-method quadrature)",
            d.n.div_ceil(d.full_batch)
        ));
    }
    let mut full_rows = d.full_rows;
    if d.http.is_some() {
        // Users the API cannot import (jit_only) are not sent: only the share
        // the samples sent counts.
        let (sent, users): (u64, u64) = samples
            .iter()
            .fold((0, 0), |(a, b), s| (a + s.rows, b + s.users));
        full_rows = (n as f64 * sent as f64 / users.max(1) as f64).round() as u64;
        if sent < users {
            notes.push(format!(
                "{:.1} % of the sampled users were not sent (jit_only: the API cannot import their hash format) or were refused; the projection counts the {full_rows} that would be",
                (1.0 - sent as f64 / users.max(1) as f64) * 100.0
            ));
        }
    }
    let mut out = model::project(&model::Inputs {
        kind: d.kind,
        samples,
        rows: full_rows,
        batch: d.full_batch,
        workers: &d.workers,
        geometric: (d.size_method == geometric::SizeMethod::Geometric).then_some(model::Geo {
            users: n,
            pages: sampled.pages.clone(),
            missed: sampled.missed,
            at_pace: d.target.is_mysql(),
        }),
    })
    .ok_or_else(|| Error::target("the samples committed too few batches to measure a rate"))?;
    notes.append(&mut out.notes);
    if let Some(geometric::Fitted::Leaves { fit, points }) = &out.model.size_fit {
        let largest = points.iter().map(|p| p.0).fold(0.0, f64::max);
        notes.extend(fit.checkpoint_note(largest, n as f64));
    }
    notes.extend(design_notes(d, samples, sampled.fill_s));
    notes.extend(sampled.notes.iter().cloned());
    out.notes = notes;
    Ok((out, full_rows))
}

/// What the report says about how the samples were taken: the samples at
/// size, and SQLite's one writer.
fn design_notes(d: &Design, samples: &[model::Sample], fill_s: f64) -> Vec<String> {
    let mut notes = Vec::new();
    let at = &d.at;
    let mut at_rows: Vec<u64> = samples
        .iter()
        .filter(|s| s.kind == SampleKind::AtSize)
        .map(|s| s.at_rows)
        .collect();
    at_rows.sort();
    at_rows.dedup();
    if !at_rows.is_empty() {
        notes.push(format!(
            "samples at size: {} users each as {} batch{} of {}, loaded where the target already held {} rows ({} to fill)",
            at.window * at.batch,
            at.window,
            if at.window == 1 { "" } else { "es" },
            at.batch,
            at_rows
                .iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>()
                .join(" and "),
            crate::report::human_duration(fill_s)
        ));
        if at.batch > at.half {
            notes.push(format!(
                "half the sample ({} users) is less than one batch of the full load: each sample at size loads one whole batch ({} users), as the full load's transactions are",
                at.half, at.batch
            ));
        }
    }
    if d.kind == TargetKind::SingleWriter && d.workers.iter().any(|&w| w > 1) {
        notes.push(
            "SQLite takes one writer at a time; `rehearse` always loads it with 1 worker".into(),
        );
    }
    notes
}

fn report(
    opts: &EstimateOptions,
    d: &Design,
    started_at: String,
    sampled: Sampled,
    out: model::Outcome,
    full_rows: u64,
) -> EstimateReport {
    let n = d.n;
    let projected_bytes = sampled.projected_bytes;
    // What the budget bought: the recommended count's range, high ÷ low − 1.
    let range_width = out
        .projections
        .iter()
        .find(|p| p.workers == out.recommended)
        .map(|p| p.high_seconds / p.low_seconds.max(1e-9) - 1.0)
        .unwrap_or(0.0);
    EstimateReport {
        head: crate::report::Head::new("estimate", report::SCHEMA_VERSION, started_at),
        profile: crate::report::ProfileInfo {
            name: d.plan.profile.name.clone(),
            digest: d.plan.profile.digest.clone(),
        },
        seed: opts.seed,
        target: match &d.http {
            Some(h) => h.base.clone(),
            None => d.target.redacted(),
        },
        method: match &d.http {
            Some(h) => format!("http:{}", h.api_name()),
            None => opts.method.to_string(),
        },
        production_users: n,
        production_rows: full_rows,
        rows_per_user: full_rows as f64 / n as f64,
        batch: d.full_batch,
        sample_users: d.s_users,
        sample_share: d.s_users as f64 / n as f64,
        sampling_s: sampled.sampling_s,
        projections: out.projections,
        recommended_workers: out.recommended,
        bottleneck: out.bottleneck,
        model: out.model,
        size_method: d.size_method,
        cost: report::Cost {
            seconds: sampled.sampling_s,
            fill_s: sampled.fill_s,
            peak_disk_bytes: sampled.peak_bytes,
            projected_target_bytes: projected_bytes,
            disk_share: match (sampled.peak_bytes, projected_bytes) {
                (Some(p), Some(t)) if t > 0.0 => Some(p as f64 / t),
                _ => None,
            },
        },
        budget: report::Budget {
            seconds: opts.budget.as_secs_f64(),
            samples_skipped: sampled.skipped,
            sizes_skipped: sampled.sizes_skipped,
            range_width,
        },
        samples: sampled.samples,
        notes: out.notes,
        exit_code: 0,
        thresholds: Vec::new(),
    }
}

/// `--report`, `--html`, and the summary on the terminal.
fn write_outputs(opts: &EstimateOptions, report: &EstimateReport) -> Result<()> {
    if let Some(p) = &opts.report {
        report.save(p)?;
    }
    if let Some(p) = &opts.html {
        std::fs::write(p, report::html(report)).map_err(|e| Error::io("write", p, e))?;
    }
    if let Some(p) = &opts.junit {
        crate::report::junit::save(&junit::suite(report), p)?;
    }
    if !opts.quiet {
        print!("{}", report::terminal(report));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version-1 report, whose samples had a shape of their own, still
    /// reads: every field keeps its name and value, and is written again
    /// with them; the fields added since default.
    #[test]
    fn a_version_1_reports_samples_read_and_keep_their_fields() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/estimate-v1.json"
        );
        let v1: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        // As `report show` reads it: the version-1 head brought up to date.
        let kinds = [("estimate", report::SCHEMA_VERSION)];
        let loaded = crate::report::head::Loaded::read(std::path::Path::new(path), &kinds);
        let r: EstimateReport = loaded.unwrap().parse().unwrap();
        let kinds: Vec<(SampleKind, usize, u64)> = r
            .samples
            .iter()
            .map(|s| (s.kind, s.workers, s.at_rows))
            .collect();
        let pass = [
            (SampleKind::Sweep, 1, 0),
            (SampleKind::Sweep, 2, 0),
            (SampleKind::AtSize, 1, 81_201),
            (SampleKind::AtSize, 1, 299_466),
        ];
        assert_eq!(kinds, [pass, pass].concat());
        let s = &r.samples[2];
        assert_eq!((s.users, s.batch, s.rows), (2000, 1000, 15_545));
        assert_eq!(s.steady_rows_per_s, 226_637.693_847_269_84);
        assert_eq!(s.series, [15_545]);
        assert_eq!(s.rate_limit, None);
        for s in &r.samples {
            assert_eq!(s.steady_rows, 0);
            assert_eq!(s.backoff_s, 0.0);
            assert_eq!(s.announced_rate, None);
            assert_eq!(s.rows_per_request, 0.0);
            assert!(s.size_points.is_empty());
        }
        let again = serde_json::to_value(&r).unwrap();
        let (old, new) = (
            v1["samples"].as_array().unwrap(),
            again["samples"].as_array().unwrap(),
        );
        assert_eq!(old.len(), new.len());
        for (old, new) in old.iter().zip(new) {
            let (old, new) = (old.as_object().unwrap(), new.as_object().unwrap());
            for (k, v) in old {
                let same = match (v.as_f64(), new[k].as_f64()) {
                    (Some(a), Some(b)) => a == b || ((a - b) / a).abs() < 1e-15,
                    _ => *v == new[k],
                };
                assert!(same, "{k}: {v} then {}", new[k]);
            }
            let added: Vec<&str> = new
                .keys()
                .filter(|k| !old.contains_key(*k))
                .map(String::as_str)
                .collect();
            assert_eq!(
                added,
                [
                    "steady_rows",
                    "backoff_s",
                    "announced_rate",
                    "rows_per_request"
                ]
            );
        }
    }

    #[test]
    fn shares_workers_and_sample_sizes_parse() {
        assert_eq!(parse_share("2%"), Some(0.02));
        assert_eq!(parse_share("0.05"), Some(0.05));
        assert_eq!(parse_share("0%"), None);
        assert_eq!(parse_share("150%"), None);
        assert_eq!(sample_users(1_000_000, None, None).unwrap(), 5_000);
        assert_eq!(sample_users(10_000_000, None, None).unwrap(), 50_000);
        assert_eq!(sample_users(100_000_000, None, None).unwrap(), 100_000);
        assert_eq!(sample_users(500, None, None).unwrap(), 500);
        assert_eq!(sample_users(1_000_000, None, Some(0.02)).unwrap(), 20_000);
        assert!(sample_users(100, Some(200), None).is_err());
        assert!(sample_users(100, Some(10), Some(0.1)).is_err());
    }
}
