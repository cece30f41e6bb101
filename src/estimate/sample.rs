//! One sample rehearsal into a scratch copy of the target, measured, then
//! removed: SQLite → a file in a fresh directory beside the target's file
//! (same disk); PostgreSQL → a scratch schema `understudy_estimate_<pid>_<k>`
//! in the target database, reached through `options=-csearch_path=…`, dropped
//! afterwards (also when the sample fails).

use super::model::{self, Commit, Sample, SampleKind};
use crate::error::{Error, Result};
use crate::harness::{self, Plan, RehearseOptions, sqlite::Tuning, target::Target};
use crate::report::metrics::Metrics;

/// A scratch target that removes itself when dropped.
pub struct Scratch {
    pub target: Target,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(std::path::PathBuf),
    Schema { dsn: String, schema: String },
}

impl Scratch {
    /// A fresh, empty place to load a sample, next to (or inside) `target`.
    pub fn new(target: &Target, k: usize) -> Result<Scratch> {
        let pid = std::process::id();
        match target {
            Target::Sqlite(path) => {
                let parent = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(std::path::Path::new("."));
                let dir = parent.join(format!(".understudy-estimate-{pid}-{k}"));
                let _ = std::fs::remove_dir_all(&dir);
                std::fs::create_dir_all(&dir).map_err(|e| {
                    Error::target(format!(
                        "cannot create a scratch directory beside {}: {e}",
                        target.redacted()
                    ))
                })?;
                Ok(Scratch {
                    target: Target::Sqlite(dir.join("sample.db")),
                    cleanup: Cleanup::Dir(dir),
                })
            }
            Target::Postgres(dsn) => {
                let schema = format!("understudy_estimate_{pid}_{k}");
                let mut conn = target.connect()?;
                conn.batch(&format!(
                    "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
                ))
                .map_err(|e| {
                    Error::target(format!(
                        "cannot create the scratch schema {schema} in {}: {e}",
                        target.redacted()
                    ))
                })?;
                let sep = if dsn.contains('?') { '&' } else { '?' };
                Ok(Scratch {
                    target: Target::Postgres(format!(
                        "{dsn}{sep}options=-c%20search_path%3D{schema}"
                    )),
                    cleanup: Cleanup::Schema {
                        dsn: dsn.clone(),
                        schema,
                    },
                })
            }
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(d) => {
                let _ = std::fs::remove_dir_all(d);
            }
            Cleanup::Schema { dsn, schema } => {
                if let Ok(mut c) = Target::Postgres(dsn.clone()).connect() {
                    let _ = c.batch(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
                }
            }
        }
    }
}

/// What to measure.
pub struct Spec {
    pub kind: SampleKind,
    pub workers: usize,
    pub batch: u64,
    /// SQLite cache and checkpoint interval (the scale model); None: defaults.
    pub tuning: Option<Tuning>,
}

/// Loads the sample plan once into a fresh scratch copy of `target`.
pub fn run(
    plan: &Plan,
    target: &Target,
    base: &RehearseOptions,
    spec: &Spec,
    k: usize,
) -> Result<Sample> {
    let scratch = Scratch::new(target, k)?;
    let opts = RehearseOptions {
        target: Some(scratch.target.dsn()),
        workers: Some(spec.workers),
        batch: Some(spec.batch),
        method: base.method,
        verify: false,
        hash_mode: base.hash_mode,
        edge_rate: base.edge_rate,
        domains: base.domains.clone(),
        quiet: true,
        retry_for: base.retry_for,
        ..RehearseOptions::new(plan.profile.clone(), plan.users, plan.seed)
    };
    let expected = plan.expected_rows();
    let metrics = Metrics::new();
    if target.is_sqlite() {
        harness::sqlite::set_tuning(spec.tuning);
    }
    let lr = harness::load(
        plan,
        &scratch.target,
        &opts,
        spec.workers,
        &metrics,
        &expected,
        None,
        false,
    );
    harness::sqlite::set_tuning(None);
    let lr = lr?;
    let raw = metrics.commits();
    let commits = model::load_commits(&metrics);
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
    // The scale model is the whole load in miniature: only its first round is
    // warm-up. A sweep sample is measured past its first third.
    let skip = match spec.kind {
        SampleKind::Scale => 0.0,
        SampleKind::Sweep => model::SKIP,
    };
    let steady = model::steady(&commits, spec.workers, skip);
    let (rate, window, steady_rows, warmup) = steady.unwrap_or((
        rows as f64 / lr.duration_s.max(1e-9),
        lr.duration_s,
        rows,
        0.0,
    ));
    let series = per_second(&commits, lr.duration_s);
    Ok(Sample {
        kind: spec.kind,
        workers: spec.workers,
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
        gen_s: metrics.gen_s(),
        target_s: raw.iter().map(|c| c.micros as f64 / 1e6).sum(),
        ratelimit_wait_s: 0.0,
        starved_s: metrics.starved_s(),
        backoff_s: metrics.backoff_s(),
        retries: metrics.retries(),
        throttled: 0,
        rate_limit: None,
        rows_per_request: 0.0,
    })
}

/// One sample into an identity API: users `range` of the plan, so that no
/// sample sends a user an earlier one created. An API keeps what it is sent
/// (there is no scratch schema): estimate against an emulator or a sandbox.
pub fn run_http(
    plan: &Plan,
    target: &harness::http::HttpTarget,
    spec: &Spec,
    range: std::ops::Range<u64>,
    max_attempts: u32,
) -> Result<Sample> {
    let metrics = std::sync::Arc::new(Metrics::new());
    let opts = harness::http::HttpOptions {
        rate: None,
        workers: spec.workers,
        max_attempts,
        retry_for: std::time::Duration::from_secs(60),
        quiet: true,
        users: Some(range.clone()),
    };
    let (lr, _) = harness::http::load(plan, target, &opts, metrics.clone())?;
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
        gen_s: metrics.gen_s(),
        target_s: raw.iter().map(|c| c.micros as f64 / 1e6).sum(),
        ratelimit_wait_s: c.rate_limit_wait_s,
        starved_s: metrics.starved_s(),
        backoff_s: metrics.backoff_s(),
        retries: metrics.retries(),
        throttled: c.rate_limited,
        rate_limit: (limited && rows_per_request > 0.0).then(|| rate / rows_per_request),
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
