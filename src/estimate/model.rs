//! From samples to a projection: steady-state rates (warm-up and tail
//! discarded), the size effect, the rate-limit cap, retry overhead, the
//! prediction interval, the recommended worker count and the bottleneck in
//! words. Pure functions over `Sample`s, so every rule is unit-tested with
//! synthetic samples (including HTTP-shaped ones with a rate limit).

use super::usl::{self, Fit, FitKind, Usl};
use serde::{Deserialize, Serialize};

pub use crate::harness::trend::{
    Commit, SKIP, SizeModel, load_commits, mean, median, project_run, rel_sd, size_points, steady,
    trend, trend_factor,
};

/// What the projection is for: the target's kind decides a few rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// One writer at a time (SQLite): extra writers queue.
    SingleWriter,
    /// A database server (PostgreSQL, MySQL).
    Server,
    /// An identity API over HTTP (rate limits, 429s).
    Api,
}

/// Why a sample was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleKind {
    /// Throughput at one worker count (the USL fit).
    Sweep,
    /// SQLite's size effect: batches of the full load measured in a copy
    /// already filled to a share of the production size (`at_rows`).
    AtSize,
}

/// One sample rehearsal, measured; the estimate report holds them as they
/// are. The fields up to `series` are those of the report's first version;
/// the ones after it default when a report of that version is read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sample {
    pub kind: SampleKind,
    pub workers: usize,
    /// Rows already in the target when the sample began (samples at size).
    pub at_rows: u64,
    pub users: u64,
    /// Driving-table rows per batch in this sample.
    pub batch: u64,
    pub rows: u64,
    /// Load phase, seconds.
    pub duration_s: f64,
    /// Rows per second in the steady window.
    pub steady_rows_per_s: f64,
    /// Length of the steady window (s); the rows committed in it are
    /// `steady_rows`.
    pub steady_window_s: f64,
    /// Time until the first round of batches was committed (pipeline fill,
    /// connection warm-up): the part of the load excluded as warm-up.
    pub warmup_s: f64,
    /// Producer time generating rows (incl. password hashes from the pools), s.
    pub gen_s: f64,
    /// Time inside batch transactions (network + target), summed over workers, s.
    pub target_s: f64,
    /// Time waiting because of rate limits (429, X-Rate-Limit-*), s.
    pub ratelimit_wait_s: f64,
    /// Loader time spent waiting for generated rows, summed over workers, s.
    pub starved_s: f64,
    pub retries: u64,
    /// Requests refused with 429.
    pub throttled: u64,
    /// Throttled samples: the rate they were held to (requests/s).
    pub rate_limit: Option<f64>,
    /// Rows committed per second of the load phase.
    pub series: Vec<u64>,
    /// Rows committed in the steady window.
    #[serde(default)]
    pub steady_rows: u64,
    /// Time waiting before retries of failed batches, s.
    #[serde(default)]
    pub backoff_s: f64,
    /// The limit the API announced in its headers (requests/s), throttled or not.
    #[serde(default)]
    pub announced_rate: Option<f64>,
    /// Rows each request carries (HTTP); 0 for database targets.
    #[serde(default)]
    pub rows_per_request: f64,
    /// (rows already in the target, rows/s) over successive windows of the
    /// steady part: what the size trend is fitted to (`model.size` reports
    /// the fit). Not in the report: an identity API's samples commit one
    /// user at a time, so a sample holds up to thousands of them.
    #[serde(skip)]
    pub size_points: Vec<(f64, f64)>,
    /// A sample at size on SQLite: its checkpoint as timed (the writer's
    /// time includes its charge, `geometric::Checkpoint::charged_s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<super::geometric::Checkpoint>,
}

/// One projected worker count.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Projection {
    pub workers: usize,
    pub seconds: f64,
    pub low_seconds: f64,
    pub high_seconds: f64,
    /// Projected mean rows/s of the full load.
    pub rows_per_s: f64,
    /// Whether this worker count was measured (else: from the fitted curve).
    pub measured: bool,
    /// The rate limit caps this worker count.
    pub rate_limited: bool,
    pub human: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Interval {
    /// Relative standard deviation of the projection (log scale); the range
    /// is seconds·e^(±2·sd), about 95 %.
    pub rel_sd: f64,
    /// What went into it.
    pub basis: String,
}

/// Where the time goes, per row, at the measured worker counts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TimeSplit {
    /// Generating rows (password hashes drawn from pools included), µs per row.
    pub generation_us_per_row: f64,
    /// Network + target (inside batch transactions), µs per row per worker.
    pub target_us_per_row: f64,
    /// Waiting on rate limits (429, X-Rate-Limit-*), µs per row.
    pub ratelimit_wait_us_per_row: f64,
    /// Waiting before retries, µs per row.
    pub retry_wait_us_per_row: f64,
    /// Share of loader time spent waiting for generated rows.
    pub starved_share: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Model {
    pub usl: Usl,
    pub fit: FitKind,
    pub fit_rms_rel_error: f64,
    pub size: SizeModel,
    /// Requests/s the target allows, if a limit was found.
    pub rate_limit_per_s: Option<f64>,
    /// Rows per second the rate limit allows.
    pub rate_limit_rows_per_s: Option<f64>,
    /// Retry waits added per row (s).
    pub retry_s_per_row: f64,
    /// Pipeline fill at the full batch size, added once (s).
    pub warmup_s: f64,
    pub interval: Interval,
    pub time_split: TimeSplit,
    /// `--size-method geometric`: the model fitted to the samples at size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_fit: Option<super::geometric::Fitted>,
}

pub struct Inputs<'a> {
    pub kind: TargetKind,
    pub samples: &'a [Sample],
    /// Rows of the full load.
    pub rows: u64,
    /// Driving-table rows per batch of the full load.
    pub batch: u64,
    /// Worker counts to project.
    pub workers: &'a [usize],
    /// Samples at geometrically spaced sizes: the production's users.
    pub geometric: Option<Geo>,
}

/// What `--size-method geometric` adds to the samples at size.
pub struct Geo {
    pub users: u64,
    /// SQLite's page counts: its size model is in index leaves.
    pub pages: Option<super::geometric::Pages>,
    /// SQLite's pair of windows with and without a page cache that holds
    /// the indexes, when the load's indexes outgrow it.
    pub missed: Option<super::geometric::Missed>,
    /// The samples at size ran at the full load's batch and worker count
    /// (MySQL's window under a cut redo log): their rate is the load's
    /// even when it beats the sweep's, whose batches are smaller.
    pub at_pace: bool,
}

pub struct Outcome {
    pub model: Model,
    pub projections: Vec<Projection>,
    pub recommended: usize,
    pub bottleneck: String,
    pub notes: Vec<String>,
}

/// Allowance for the quadrature: two sizes stand for the whole load, exactly
/// only if the slowdown is a cubic in size; a cache that fills part-way
/// bends it more sharply.
const QUADRATURE_SD: f64 = 0.05;

/// Floor for the full load's own run-to-run variation (a long run on a
/// shared machine still moves by a few per cent).
const FULL_RUN_SD: f64 = 0.05;

/// The projection, step by step: the sweep's steady rates and their fit,
/// the size effect, the rate limit, the per-row overheads, the interval,
/// then the projections, the recommended count and the bottleneck. Notes
/// come in that order.
pub fn project(inp: &Inputs) -> Option<Outcome> {
    let mut notes = Vec::new();
    let sweep = steady_rates(inp.samples, &mut notes)?;
    let at_size: Vec<&Sample> = inp
        .samples
        .iter()
        .filter(|s| s.kind == SampleKind::AtSize && s.steady_rows_per_s > 0.0)
        .collect();
    let mut size_fit = None;
    let (size, size_spread) = match (&inp.geometric, at_size.is_empty()) {
        (Some(_), false) => geometric(inp, &sweep.fit, &at_size, &mut size_fit),
        _ => size_effect(inp, &sweep, &at_size, &mut notes),
    };
    let limit = rate_limit(inp, &sweep, &mut notes);
    let overheads = overheads(inp.batch, &sweep.samples);
    let interval = interval(&sweep, &size, size_spread, &at_size, &limit);
    let projections = projections(inp, &sweep, &size, &limit, &overheads, interval.rel_sd);
    let recommended = recommend(inp.kind, &projections);
    let bottleneck = bottleneck(
        inp.kind,
        &sweep.fit,
        &size,
        &limit,
        &overheads.split,
        &projections,
        recommended,
    );
    Some(Outcome {
        model: Model {
            usl: sweep.fit.model,
            fit: sweep.fit.kind,
            fit_rms_rel_error: sweep.fit.rms_rel_error,
            size,
            rate_limit_per_s: limit.per_s,
            rate_limit_rows_per_s: limit.cap,
            retry_s_per_row: overheads.retry_s_per_row,
            warmup_s: overheads.warmup_s,
            interval,
            time_split: overheads.split,
            size_fit,
        },
        projections,
        recommended,
        bottleneck,
        notes,
    })
}

/// The sweep's steady rates: the median per worker count (one noisy sample
/// does not bend the curve), the USL fitted to them, their run-to-run noise.
struct SweepRates<'a> {
    /// Sweep samples that measured a rate.
    samples: Vec<&'a Sample>,
    /// Worker counts measured, ascending.
    counts: Vec<usize>,
    /// (workers, median rows/s), one per count.
    points: Vec<(f64, f64)>,
    fit: Fit,
    /// Relative SD of the repeats at each count that has two or more.
    noise: Vec<f64>,
    /// Fewest samples at any count.
    reps: usize,
    /// The noise pooled over counts (10 % when nothing was repeated).
    sd: f64,
}

fn steady_rates<'a>(samples: &'a [Sample], notes: &mut Vec<String>) -> Option<SweepRates<'a>> {
    let sweep: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.kind == SampleKind::Sweep && s.steady_rows_per_s > 0.0)
        .collect();
    if sweep.is_empty() {
        return None;
    }
    let mut counts: Vec<usize> = sweep.iter().map(|s| s.workers).collect();
    counts.sort();
    counts.dedup();
    let per_count: Vec<(usize, Vec<f64>)> = counts
        .iter()
        .map(|&w| {
            (
                w,
                sweep
                    .iter()
                    .filter(|s| s.workers == w)
                    .map(|s| s.steady_rows_per_s)
                    .collect(),
            )
        })
        .collect();
    let points: Vec<(f64, f64)> = per_count
        .iter()
        .map(|(w, v)| (*w as f64, median(v)))
        .collect();
    let fit: Fit = usl::fit(&points)?;
    match fit.kind {
        FitKind::Single => notes.push(format!(
            "only {} worker{} measured: no scalability curve, only that count is projected",
            counts[0],
            if counts[0] == 1 { "" } else { "s" }
        )),
        FitKind::Amdahl => notes.push(
            "two worker counts measured: contention σ fitted, coherency κ assumed 0 (Amdahl); measure three or more for the full USL".into(),
        ),
        FitKind::Full => {}
    }
    // Run-to-run noise of the sweep, pooled over worker counts with repeats.
    let noise: Vec<f64> = per_count
        .iter()
        .filter(|(_, v)| v.len() >= 2)
        .map(|(_, v)| rel_sd(v))
        .collect();
    let reps = per_count.iter().map(|(_, v)| v.len()).min().unwrap_or(1);
    let sd = if noise.is_empty() {
        0.10
    } else {
        (noise.iter().map(|x| x * x).sum::<f64>() / noise.len() as f64).sqrt()
    };
    Some(SweepRates {
        samples: sweep,
        counts,
        points,
        fit,
        noise,
        reps,
        sd,
    })
}

/// How much slower the full load runs than the samples as its tables grow,
/// and the spread of repeated samples at one size (0 without them).
fn size_effect(
    inp: &Inputs,
    sweep: &SweepRates,
    at_size: &[&Sample],
    notes: &mut Vec<String>,
) -> (SizeModel, f64) {
    let x1 = sweep.fit.model.throughput(1.0);
    if !at_size.is_empty() {
        return quadrature(at_size, &sweep.fit, x1);
    }
    if inp.kind == TargetKind::Api && inp.samples.iter().any(|s| s.rate_limit.is_some()) {
        // The limit sets the pace, not the tenant's size; bursts against the
        // limit's windows would only read as noise in a size trend.
        notes.push("rate-limited: no size effect modelled (the limit sets the pace)".into());
        return (no_size_effect(x1, 0.0), 0.0);
    }
    let points: Vec<&[(f64, f64)]> = sweep
        .samples
        .iter()
        .map(|s| s.size_points.as_slice())
        .collect();
    if let Some((beta, se, at_ln)) = trend(&points) {
        return (size_trend(beta, se, at_ln, inp.rows as f64, x1, notes), 0.0);
    }
    notes.push("too few batches in the samples to see a size effect: none applied".into());
    (no_size_effect(x1, 0.10), 0.0)
}

/// Two-point Gauss–Legendre: the mean time per row over the whole load is
/// the mean of the times per row at the two nodes (21 % and 79 % of the
/// production size), exact for any cubic slowdown. Also returns the largest
/// spread of repeated samples at one node.
fn quadrature(at_size: &[&Sample], fit: &Fit, x1: f64) -> (SizeModel, f64) {
    let mut size_spread: f64 = 0.0;
    let mut nodes: Vec<u64> = at_size.iter().map(|s| s.at_rows).collect();
    nodes.sort();
    nodes.dedup();
    let per_node: Vec<(f64, f64)> = nodes
        .iter()
        .map(|&n| {
            let r: Vec<f64> = at_size
                .iter()
                .filter(|s| s.at_rows == n)
                .map(|s| s.steady_rows_per_s)
                .collect();
            let se = if r.len() >= 2 {
                size_spread = size_spread.max(rel_sd(&r));
                rel_sd(&r) / (r.len() as f64).sqrt()
            } else {
                0.10
            };
            (median(&r), se)
        })
        .collect();
    let k = per_node.len() as f64;
    let full = k / per_node.iter().map(|(r, _)| 1.0 / r).sum::<f64>();
    let w = at_size[0].workers as f64;
    let small = fit.model.throughput(w);
    let size = SizeModel {
        method: "quadrature".into(),
        factor: (small / full).max(1.0),
        rel_se: per_node.iter().map(|(_, se)| se * se).sum::<f64>().sqrt() / k,
        beta: None,
        small_rows_per_s: x1,
        full_rows_per_s: x1 / (small / full).max(1.0),
    };
    (size, size_spread)
}

/// Samples at geometrically spaced small sizes: the fitted model's mean
/// rate over the whole load (`geometric::full_rate`) against the sweep's
/// at the samples' worker count.
fn geometric(
    inp: &Inputs,
    fit: &Fit,
    at_size: &[&Sample],
    size_fit: &mut Option<super::geometric::Fitted>,
) -> (SizeModel, f64) {
    let x1 = fit.model.throughput(1.0);
    let at: Vec<super::geometric::Window> = at_size
        .iter()
        .map(|s| super::geometric::Window {
            at_rows: s.at_rows as f64,
            rows: s.steady_rows as f64,
            secs: s.steady_window_s,
            checkpoint: s.checkpoint,
        })
        .collect();
    let geo = inp.geometric.as_ref();
    let Some((full, se, fitted)) = super::geometric::full_rate(
        &at,
        inp.rows as f64,
        geo.map_or(0, |g| g.users) as f64,
        geo.and_then(|g| g.pages.as_ref()),
        geo.and_then(|g| g.missed),
    ) else {
        return (no_size_effect(x1, 0.10), 0.0);
    };
    *size_fit = Some(fitted);
    let small = fit.model.throughput(at_size[0].workers as f64);
    let floor = if geo.is_some_and(|g| g.at_pace) {
        0.0
    } else {
        1.0
    };
    let factor = (small / full).max(floor);
    let size = SizeModel {
        method: "geometric".into(),
        factor,
        rel_se: se,
        beta: None,
        small_rows_per_s: x1,
        full_rows_per_s: x1 / factor,
    };
    (size, 0.0)
}

/// The sweep samples' own slowdown as their tables grew, extrapolated in
/// log(size) to the full load's `rows`. Only a slope clearly above the
/// noise (β > 2·SE) is extrapolated; otherwise its uncertainty goes into
/// the range, not the projection.
fn size_trend(
    beta: f64,
    se: f64,
    at_ln: f64,
    rows: f64,
    x1: f64,
    notes: &mut Vec<String>,
) -> SizeModel {
    let used = if beta > 2.0 * se { beta } else { 0.0 };
    if used == 0.0 && beta > 0.0 {
        notes.push(format!(
            "size trend β = {beta:.3} ± {se:.3} is within the samples' noise: not extrapolated, its uncertainty widens the range"
        ));
    }
    let factor = trend_factor(used, at_ln, rows);
    let lever = (rows.max(2.0).ln() - 1.0 - at_ln).max(0.0);
    SizeModel {
        method: "trend".into(),
        factor,
        rel_se: (se * lever / factor).min(0.5),
        beta: Some(used),
        small_rows_per_s: x1,
        full_rows_per_s: x1 / factor,
    }
}

fn no_size_effect(x1: f64, rel_se: f64) -> SizeModel {
    SizeModel {
        method: "none".into(),
        factor: 1.0,
        rel_se,
        beta: None,
        small_rows_per_s: x1,
        full_rows_per_s: x1,
    }
}

/// The target's rate limit as the projection uses it.
struct RateLimit {
    /// Requests/s it allows, if a limit was found.
    per_s: Option<f64>,
    /// Rows/s it allows.
    cap: Option<f64>,
    /// Relative SD of a projection the limit paces.
    sd: f64,
    /// The first worker count whose samples were mostly throttled.
    throttled_from: Option<usize>,
}

impl RateLimit {
    /// Worker counts at or beyond one whose samples were mostly throttled:
    /// the client could go faster than the limit there, so the limit is
    /// their pace, whatever the throttled rates make of the fitted curve.
    fn paces(&self, workers: usize) -> bool {
        self.throttled_from.is_some_and(|t| workers >= t)
    }
}

/// The rate limit. What throttled samples were held to is a noisy reading
/// of it (a short sample catches a window's burst without its pause, or the
/// reverse: 506–666 req/s in 3,000-user samples against 600/s; a sample of
/// k windows' worth that starts late in one reads up to k/(k−1) of the
/// limit), so the median of those readings is taken, and a limit the API
/// announces (X-Rate-Limit-Limit per window) is used instead when the
/// readings agree with it: not far below it (else something else holds the
/// client back), not beyond that window-edge excess above it.
fn rate_limit(inp: &Inputs, sweep: &SweepRates, notes: &mut Vec<String>) -> RateLimit {
    let held: Vec<f64> = inp
        .samples
        .iter()
        .filter_map(|s| s.rate_limit)
        .filter(|r| *r > 0.0)
        .collect();
    let announced = inp
        .samples
        .iter()
        .filter_map(|s| s.announced_rate)
        .filter(|r| *r > 0.0)
        .min_by(f64::total_cmp);
    let measured_limit = (!held.is_empty()).then(|| median(&held));
    let per_s = match (announced, measured_limit) {
        (Some(a), Some(m)) if (0.75..=1.5).contains(&(m / a)) => {
            notes.push(format!(
                "rate limit: {} as the API announces it (X-Rate-Limit-Limit per window); the throttled samples measured {} (median of {})",
                rate_text(a),
                rate_text(m),
                held.len()
            ));
            Some(a)
        }
        (Some(a), Some(m)) => {
            notes.push(format!(
                "rate limit: the API announces {} but the throttled samples were held to {} (median of {}): the measured one is used",
                rate_text(a),
                rate_text(m),
                held.len()
            ));
            Some(m)
        }
        (a, m) => m.or(a),
    };
    // How well the limit is known: the readings' spread over their number,
    // how far they fall short of the limit used (a client that cannot keep
    // up with it in every window), and the full run's own variation.
    let sd = match (per_s, held.is_empty()) {
        (Some(r), false) => (FULL_RUN_SD.powi(2)
            + rel_sd(&held).powi(2) / held.len() as f64
            + (mean(&held) / r - 1.0).min(0.0).powi(2))
        .sqrt(),
        _ => FULL_RUN_SD,
    };
    let throttled_from = sweep.counts.iter().copied().find(|&w| {
        let at: Vec<&&Sample> = sweep.samples.iter().filter(|s| s.workers == w).collect();
        at.iter().filter(|s| s.rate_limit.is_some()).count() * 2 > at.len()
    });
    let rows_per_request = inp
        .samples
        .iter()
        .map(|s| s.rows_per_request)
        .find(|r| *r > 0.0)
        .unwrap_or(1.0);
    RateLimit {
        per_s,
        cap: per_s.map(|r| r * rows_per_request),
        sd,
        throttled_from,
    }
}

/// What the full load adds to its rows' time, from the sweep.
struct Overheads {
    /// Retry waits per row (s).
    retry_s_per_row: f64,
    /// Pipeline fill at the full load's batch size (s), added once.
    warmup_s: f64,
    split: TimeSplit,
}

/// Retry waits and warm-up, and where the sweep's time went per row;
/// `batch` is the full load's.
fn overheads(batch: u64, sweep: &[&Sample]) -> Overheads {
    let all_rows: f64 = sweep.iter().map(|s| s.rows as f64).sum::<f64>().max(1.0);
    let retry_s_per_row = sweep.iter().map(|s| s.backoff_s).sum::<f64>() / all_rows;
    let warmup_s = {
        let v: Vec<f64> = sweep
            .iter()
            .map(|s| s.warmup_s * batch as f64 / s.batch.max(1) as f64)
            .collect();
        median(&v)
    };
    let worker_s: f64 = sweep.iter().map(|s| s.duration_s * s.workers as f64).sum();
    let split = TimeSplit {
        generation_us_per_row: sweep.iter().map(|s| s.gen_s).sum::<f64>() / all_rows * 1e6,
        target_us_per_row: sweep.iter().map(|s| s.target_s).sum::<f64>() / all_rows * 1e6,
        ratelimit_wait_us_per_row: sweep.iter().map(|s| s.ratelimit_wait_s).sum::<f64>() / all_rows
            * 1e6,
        retry_wait_us_per_row: retry_s_per_row * 1e6,
        starved_share: sweep.iter().map(|s| s.starved_s).sum::<f64>() / worker_s.max(1e-9),
    };
    Overheads {
        retry_s_per_row,
        warmup_s,
        split,
    }
}

/// The interval, two parts. How well the samples pin the rate down: the
/// median's error (sample spread / √repeats; on SQLite the samples at size
/// set the rate, so its own spread), the fit's residual. And how far the
/// full run's own conditions may stray from the samples' (a shared machine,
/// a busy server): half the sample-to-sample spread, at least 5 %.
fn interval(
    sweep: &SweepRates,
    size: &SizeModel,
    size_spread: f64,
    at_size: &[&Sample],
    limit: &RateLimit,
) -> Interval {
    let fit = &sweep.fit;
    let spread = sweep.sd.max(size_spread);
    let env_sd = FULL_RUN_SD.max(spread / 2.0);
    // A sample at size generates its one batch, then writes it; the full
    // load generates the next batch while it writes one. On an idle machine
    // that overlap is free, on a busy one (or a single core) the two share
    // the CPU: the generation's share of a batch's time is how far the full
    // load may stray either way (half of it, as a standard deviation).
    let overlap = {
        let v: Vec<f64> = at_size
            .iter()
            .filter(|s| s.target_s > 0.0)
            .map(|s| s.gen_s / s.target_s)
            .collect();
        if v.is_empty() { 0.0 } else { median(&v) }
    };
    let est_var = if size.method == "quadrature" || size.method == "geometric" {
        // The samples at size set the rate: their own error, and the
        // quadrature's (the geometric model's extrapolation is in its own).
        let q = if size.method == "quadrature" {
            QUADRATURE_SD
        } else {
            0.0
        };
        size.rel_se.powi(2) + q * q + (overlap / 2.0).powi(2)
    } else {
        sweep.sd * sweep.sd / sweep.reps as f64 + size.rel_se.powi(2)
    } + fit.rms_rel_error.powi(2);
    let rel_sd_total = (est_var + env_sd * env_sd).sqrt();
    let reps = sweep.reps;
    let basis = format!(
        "sample-to-sample spread {:.1} % ({} repeat{} per worker count{}), USL fit residual {:.1} %, size model ({}) {:.1} %{}, full run vs samples {:.1} % (half the spread, at least {:.0} %): range = projection × e^(±2·{:.3})",
        spread * 100.0,
        reps,
        if reps == 1 { "" } else { "s" },
        if sweep.noise.is_empty() {
            ": no repeats, 10 % assumed"
        } else {
            ""
        },
        fit.rms_rel_error * 100.0,
        size.method,
        size.rel_se * 100.0,
        if size.method == "geometric" {
            format!(
                " (the fitted line's error at the load's mean, or its residual, and {:.0} % for extrapolating from at most {:.1} % of the load) and {:.1} % for generation overlapping writing or not",
                super::geometric::EXTRAPOLATION_SD * 100.0,
                super::geometric::MAX_SHARE * 100.0,
                overlap * 50.0
            )
        } else if size.method == "quadrature" {
            format!(
                " plus {:.0} % for the quadrature (a slowdown that two sizes do not pin down) and {:.1} % for generation overlapping writing or not (half of its {:.0} % share of a batch)",
                QUADRATURE_SD * 100.0,
                overlap * 50.0,
                overlap * 100.0
            )
        } else {
            String::new()
        },
        env_sd * 100.0,
        FULL_RUN_SD * 100.0,
        rel_sd_total
    ) + &match limit.per_s {
        Some(_) => format!(
            "; where the rate limit sets the pace: its readings' spread over their number, their distance from the limit used, and {:.0} % for the full run: × e^(±2·{:.3})",
            FULL_RUN_SD * 100.0,
            limit.sd
        ),
        None => String::new(),
    };
    Interval {
        rel_sd: rel_sd_total,
        basis,
    }
}

/// The full load at each worker count asked for (only the measured one
/// when a single count was): the fitted rate slowed by the size effect,
/// capped by the rate limit, plus warm-up and retry waits, with its range.
fn projections(
    inp: &Inputs,
    sweep: &SweepRates,
    size: &SizeModel,
    limit: &RateLimit,
    overheads: &Overheads,
    rel_sd: f64,
) -> Vec<Projection> {
    let fit = &sweep.fit;
    let rows = inp.rows as f64;
    let mut wanted: Vec<usize> = inp.workers.to_vec();
    if fit.kind == FitKind::Single {
        wanted = sweep.counts.clone();
    }
    wanted.sort();
    wanted.dedup();
    wanted
        .iter()
        .map(|&w| {
            let mut x_small = if fit.kind == FitKind::Single {
                sweep.points[0].1
            } else {
                fit.model.throughput(w as f64)
            };
            if inp.kind == TargetKind::SingleWriter {
                // Extra writers queue for the one write lock: no speed-up is
                // projected (a measured gain is overlap of client-side work,
                // reported in the bottleneck, not a way to load faster).
                x_small = x_small.min(fit.model.throughput(1.0));
            }
            let x_full = x_small / size.factor;
            let (x, limited) = match limit.cap {
                Some(c) if x_full > c || limit.paces(w) => (c, true),
                _ => (x_full, false),
            };
            let secs = overheads.warmup_s + rows / x.max(1e-9) + rows * overheads.retry_s_per_row;
            let k = (2.0 * if limited { limit.sd } else { rel_sd }).exp();
            Projection {
                workers: w,
                seconds: secs,
                low_seconds: secs / k,
                high_seconds: secs * k,
                rows_per_s: rows / secs,
                measured: sweep.counts.contains(&w),
                rate_limited: limited,
                human: crate::report::human_duration(secs),
            }
        })
        .collect()
}

/// The fewest workers within 5 % of the fastest projection; 1 for a single
/// writer.
fn recommend(kind: TargetKind, projections: &[Projection]) -> usize {
    if kind == TargetKind::SingleWriter {
        return 1;
    }
    let best = projections
        .iter()
        .map(|p| p.seconds)
        .fold(f64::INFINITY, f64::min);
    projections
        .iter()
        .find(|p| p.seconds <= best * 1.05)
        .map(|p| p.workers)
        .unwrap_or(1)
}

/// `600 req/min` below 100 requests/s, `600 req/s` above.
fn rate_text(r: f64) -> String {
    if r < 100.0 {
        format!("{:.0} req/min", r * 60.0)
    } else {
        format!("{r:.0} req/s")
    }
}

fn bottleneck(
    kind: TargetKind,
    fit: &Fit,
    size: &SizeModel,
    limit: &RateLimit,
    split: &TimeSplit,
    projections: &[Projection],
    recommended: usize,
) -> String {
    let m = fit.model;
    let mut parts = Vec::new();
    // The first worker count the rate limit caps.
    if let (Some(c), Some(r)) = (limit.cap, limit.per_s)
        && projections.iter().any(|p| p.rate_limited)
    {
        // Where the fitted curve (size effect applied) meets the limit.
        let sat = (4..=16_384)
            .map(|i| i as f64 / 4.0)
            .find(|&w| m.throughput(w) / size.factor >= c);
        let lead = match sat {
            Some(w) if w > 1.0 => format!("beyond {w:.0} workers "),
            _ => "even at one worker ".to_string(),
        };
        parts.push(format!(
            "{lead}the target's rate limit ({}) dominates: extra requests are refused (429) and waited out",
            rate_text(r)
        ));
    } else if kind == TargetKind::SingleWriter {
        parts.push(format!(
            "the target takes one writer at a time (SQLite): extra writers do not help, they queue for its write lock, so no speed-up is projected{}; use 1",
            if fit.kind != FitKind::Single {
                let w = projections
                    .iter()
                    .map(|p| p.workers)
                    .max()
                    .unwrap_or(2)
                    .max(2) as f64;
                let gain = (m.throughput(w) / m.throughput(1.0) - 1.0) * 100.0;
                if gain > 5.0 {
                    format!(
                        " (samples with {w:.0} writers measured {gain:+.0} % vs 1, σ = {:.2}: not parallel writing, at most one writer preparing rows while another writes)",
                        m.sigma
                    )
                } else {
                    format!(" (samples with {w:.0} writers: {gain:+.0} % vs 1, σ = {:.2})", m.sigma)
                }
            } else {
                String::new()
            }
        ));
    } else if split.starved_share > 0.35 {
        parts.push(format!(
            "generating the rows (password hashes included) is the bottleneck: loaders wait for rows {:.0} % of the time",
            split.starved_share * 100.0
        ));
    } else if fit.kind == FitKind::Full && m.kappa > 0.0 && m.peak().is_finite() {
        parts.push(format!(
            "the target saturates: throughput peaks near {:.0} workers (USL σ = {:.2}, κ = {:.4}) and falls beyond; {} recommended",
            m.peak(),
            m.sigma,
            m.kappa,
            recommended
        ));
    } else if fit.kind != FitKind::Single && m.sigma > 0.5 {
        parts.push(format!(
            "contention in the target: extra workers add little (USL σ = {:.2}); {} recommended",
            m.sigma, recommended
        ));
    } else {
        parts.push(format!(
            "the target (network + database) sets the pace at {recommended} worker{}",
            if recommended == 1 { "" } else { "s" }
        ));
    }
    if size.factor > 1.05 {
        parts.push(format!(
            "as the tables grow the load slows from {:.0} to {:.0} rows/s on average ({}, ×{:.2})",
            size.small_rows_per_s, size.full_rows_per_s, size.method, size.factor
        ));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests;
