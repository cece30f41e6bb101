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
    /// A database server (PostgreSQL).
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

/// One sample rehearsal, measured.
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
    /// Length of the steady window (s) and the rows committed in it.
    pub steady_window_s: f64,
    pub steady_rows: u64,
    /// Time until the first round of batches was committed (pipeline fill,
    /// connection warm-up): the part of the load excluded as warm-up.
    pub warmup_s: f64,
    /// Rows committed per second of the load phase.
    pub series: Vec<u64>,
    /// (rows already in the target, rows/s) over successive windows of the steady part.
    pub size_points: Vec<(f64, f64)>,
    /// Producer time generating rows (incl. password hashes from the pools), s.
    pub gen_s: f64,
    /// Time inside batch transactions (network + target), summed over workers, s.
    pub target_s: f64,
    /// Time waiting because of rate limits (429, X-Rate-Limit-*), s.
    pub ratelimit_wait_s: f64,
    /// Loader time spent waiting for generated rows, summed over workers, s.
    pub starved_s: f64,
    /// Time waiting before retries of failed batches, s.
    pub backoff_s: f64,
    pub retries: u64,
    /// Requests refused with 429.
    pub throttled: u64,
    /// Throttled samples: the rate they were held to (requests/s).
    pub rate_limit: Option<f64>,
    /// The limit the API announced in its headers (requests/s), throttled or not.
    #[serde(default)]
    pub announced_rate: Option<f64>,
    /// Rows each request carries (HTTP); 0 for database targets.
    pub rows_per_request: f64,
}

/// The steady window of `n` commits by `w` workers: it starts after the first
/// round (one batch per worker: pipeline fill, cold connections) and after
/// the first `skip` share of the commits (empty tables load faster than the
/// sizes a real load spends its time at), and ends before the tail (the
/// last batches, when fewer than `w` workers are busy).
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

pub fn project(inp: &Inputs) -> Option<Outcome> {
    let sweep: Vec<&Sample> = inp
        .samples
        .iter()
        .filter(|s| s.kind == SampleKind::Sweep && s.steady_rows_per_s > 0.0)
        .collect();
    if sweep.is_empty() {
        return None;
    }
    let mut notes = Vec::new();
    let rows = inp.rows as f64;
    // Median per worker count: one noisy sample does not bend the curve.
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
    let sweep_sd = if noise.is_empty() {
        0.10
    } else {
        (noise.iter().map(|x| x * x).sum::<f64>() / noise.len() as f64).sqrt()
    };

    // The size effect.
    let x1 = fit.model.throughput(1.0);
    let at_size: Vec<&Sample> = inp
        .samples
        .iter()
        .filter(|s| s.kind == SampleKind::AtSize && s.steady_rows_per_s > 0.0)
        .collect();
    // Spread of repeated samples at one size.
    let mut size_spread: f64 = 0.0;
    let size = if !at_size.is_empty() {
        // Two-point Gauss–Legendre: the mean time per row over the whole load
        // is the mean of the times per row at the two nodes (21 % and 79 % of
        // the production size), exact for any cubic slowdown.
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
        SizeModel {
            method: "quadrature".into(),
            factor: (small / full).max(1.0),
            rel_se: per_node.iter().map(|(_, se)| se * se).sum::<f64>().sqrt() / k,
            beta: None,
            small_rows_per_s: x1,
            full_rows_per_s: x1 / (small / full).max(1.0),
        }
    } else if inp.kind == TargetKind::Api && inp.samples.iter().any(|s| s.rate_limit.is_some()) {
        // The limit sets the pace, not the tenant's size; bursts against the
        // limit's windows would only read as noise in a size trend.
        notes.push("rate-limited: no size effect modelled (the limit sets the pace)".into());
        SizeModel {
            method: "none".into(),
            factor: 1.0,
            rel_se: 0.0,
            beta: None,
            small_rows_per_s: x1,
            full_rows_per_s: x1,
        }
    } else if let Some((beta, se, at_ln)) = trend(
        &sweep
            .iter()
            .map(|s| s.size_points.as_slice())
            .collect::<Vec<_>>(),
    ) {
        // Only a slope clearly above the noise (β > 2·SE) is extrapolated;
        // otherwise its uncertainty goes into the range, not the projection.
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
    } else {
        notes.push("too few batches in the samples to see a size effect: none applied".into());
        SizeModel {
            method: "none".into(),
            factor: 1.0,
            rel_se: 0.10,
            beta: None,
            small_rows_per_s: x1,
            full_rows_per_s: x1,
        }
    };

    // Rate limit. What throttled samples were held to is a noisy reading of
    // it (a short sample catches a window's burst without its pause, or the
    // reverse: 506–666 req/s in 3,000-user samples against 600/s; a sample
    // of k windows' worth that starts late in one reads up to k/(k−1) of the
    // limit), so the median of those readings is taken, and a limit the API
    // announces (X-Rate-Limit-Limit per window) is used instead when the
    // readings agree with it: not far below it (else something else holds
    // the client back), not beyond that window-edge excess above it.
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
    let rate_limit = match (announced, measured_limit) {
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
    let limit_sd = match (rate_limit, held.is_empty()) {
        (Some(r), false) => (FULL_RUN_SD.powi(2)
            + rel_sd(&held).powi(2) / held.len() as f64
            + (mean(&held) / r - 1.0).min(0.0).powi(2))
        .sqrt(),
        _ => FULL_RUN_SD,
    };
    // Worker counts at or beyond one whose samples were mostly throttled:
    // the client could go faster than the limit there, so the limit is their
    // pace, whatever the throttled rates make of the fitted curve.
    let throttled_from = counts.iter().copied().find(|&w| {
        let at: Vec<&&Sample> = sweep.iter().filter(|s| s.workers == w).collect();
        at.iter().filter(|s| s.rate_limit.is_some()).count() * 2 > at.len()
    });
    let throttled_at = |w: usize| throttled_from.is_some_and(|t| w >= t);
    let rpr = inp
        .samples
        .iter()
        .map(|s| s.rows_per_request)
        .find(|r| *r > 0.0)
        .unwrap_or(1.0);
    let cap = rate_limit.map(|r| r * rpr);
    let all_rows: f64 = sweep.iter().map(|s| s.rows as f64).sum::<f64>().max(1.0);
    let retry_s_per_row = sweep.iter().map(|s| s.backoff_s).sum::<f64>() / all_rows;
    let warmup_s = {
        let v: Vec<f64> = sweep
            .iter()
            .map(|s| s.warmup_s * inp.batch as f64 / s.batch.max(1) as f64)
            .collect();
        median(&v)
    };
    let split = {
        let worker_s: f64 = sweep.iter().map(|s| s.duration_s * s.workers as f64).sum();
        TimeSplit {
            generation_us_per_row: sweep.iter().map(|s| s.gen_s).sum::<f64>() / all_rows * 1e6,
            target_us_per_row: sweep.iter().map(|s| s.target_s).sum::<f64>() / all_rows * 1e6,
            ratelimit_wait_us_per_row: sweep.iter().map(|s| s.ratelimit_wait_s).sum::<f64>()
                / all_rows
                * 1e6,
            retry_wait_us_per_row: retry_s_per_row * 1e6,
            starved_share: sweep.iter().map(|s| s.starved_s).sum::<f64>() / worker_s.max(1e-9),
        }
    };

    // The interval, two parts. How well the samples pin the rate down: the
    // median's error (sample spread / √repeats; on SQLite the samples at size set
    // the rate, so its own spread), the fit's residual. And how far the full
    // run's own conditions may stray from the samples' (a shared machine, a
    // busy server): half the sample-to-sample spread, at least 5 %.
    let spread = sweep_sd.max(size_spread);
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
    let est_var = if size.method == "quadrature" {
        // On SQLite the samples at size set the rate: their own error, and
        // the quadrature's.
        size.rel_se.powi(2) + QUADRATURE_SD * QUADRATURE_SD + (overlap / 2.0).powi(2)
    } else {
        sweep_sd * sweep_sd / reps as f64 + size.rel_se.powi(2)
    } + fit.rms_rel_error.powi(2);
    let rel_sd_total = (est_var + env_sd * env_sd).sqrt();
    let basis = format!(
        "sample-to-sample spread {:.1} % ({} repeat{} per worker count{}), USL fit residual {:.1} %, size model ({}) {:.1} %{}, full run vs samples {:.1} % (half the spread, at least {:.0} %): range = projection × e^(±2·{:.3})",
        spread * 100.0,
        reps,
        if reps == 1 { "" } else { "s" },
        if noise.is_empty() {
            ": no repeats, 10 % assumed"
        } else {
            ""
        },
        fit.rms_rel_error * 100.0,
        size.method,
        size.rel_se * 100.0,
        if size.method == "quadrature" {
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
    ) + &match rate_limit {
        Some(_) => format!(
            "; where the rate limit sets the pace: its readings' spread over their number, their distance from the limit used, and {:.0} % for the full run: × e^(±2·{limit_sd:.3})",
            FULL_RUN_SD * 100.0
        ),
        None => String::new(),
    };

    let mut wanted: Vec<usize> = inp.workers.to_vec();
    if fit.kind == FitKind::Single {
        wanted = counts.clone();
    }
    wanted.sort();
    wanted.dedup();
    let projections: Vec<Projection> = wanted
        .iter()
        .map(|&w| {
            let mut x_small = if fit.kind == FitKind::Single {
                points[0].1
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
            let (x, limited) = match cap {
                Some(c) if x_full > c || throttled_at(w) => (c, true),
                _ => (x_full, false),
            };
            let secs = warmup_s + rows / x.max(1e-9) + rows * retry_s_per_row;
            let k = (2.0 * if limited { limit_sd } else { rel_sd_total }).exp();
            Projection {
                workers: w,
                seconds: secs,
                low_seconds: secs / k,
                high_seconds: secs * k,
                rows_per_s: rows / secs,
                measured: counts.contains(&w),
                rate_limited: limited,
                human: crate::report::human_duration(secs),
            }
        })
        .collect();

    // Recommended: the fewest workers within 5 % of the fastest projection.
    let best = projections
        .iter()
        .map(|p| p.seconds)
        .fold(f64::INFINITY, f64::min);
    let mut recommended = projections
        .iter()
        .find(|p| p.seconds <= best * 1.05)
        .map(|p| p.workers)
        .unwrap_or(1);
    if inp.kind == TargetKind::SingleWriter {
        recommended = 1;
    }

    let bottleneck = bottleneck(
        inp.kind,
        &fit,
        &size,
        cap,
        rate_limit,
        &split,
        &projections,
        recommended,
    );
    Some(Outcome {
        model: Model {
            usl: fit.model,
            fit: fit.kind,
            fit_rms_rel_error: fit.rms_rel_error,
            size,
            rate_limit_per_s: rate_limit,
            rate_limit_rows_per_s: cap,
            retry_s_per_row,
            warmup_s,
            interval: Interval {
                rel_sd: rel_sd_total,
                basis,
            },
            time_split: split,
        },
        projections,
        recommended,
        bottleneck,
        notes,
    })
}

/// `600 req/min` below 100 requests/s, `600 req/s` above.
fn rate_text(r: f64) -> String {
    if r < 100.0 {
        format!("{:.0} req/min", r * 60.0)
    } else {
        format!("{r:.0} req/s")
    }
}

#[allow(clippy::too_many_arguments)]
fn bottleneck(
    kind: TargetKind,
    fit: &Fit,
    size: &SizeModel,
    cap: Option<f64>,
    rate_limit: Option<f64>,
    split: &TimeSplit,
    projections: &[Projection],
    recommended: usize,
) -> String {
    let m = fit.model;
    let mut parts = Vec::new();
    // The first worker count the rate limit caps.
    if let (Some(c), Some(r)) = (cap, rate_limit)
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
mod tests {
    use super::*;

    /// A synthetic sample with a steady rate and commits every `dt`.
    fn sample(kind: SampleKind, workers: usize, rate: f64) -> Sample {
        Sample {
            kind,
            workers,
            at_rows: 0,
            users: 10_000,
            batch: 1000,
            rows: 80_000,
            duration_s: 80_000.0 / rate,
            steady_rows_per_s: rate,
            steady_window_s: 1.0,
            steady_rows: 1,
            warmup_s: 0.0,
            series: Vec::new(),
            size_points: Vec::new(),
            gen_s: 0.1,
            target_s: 80_000.0 / rate * workers as f64,
            ratelimit_wait_s: 0.0,
            starved_s: 0.0,
            backoff_s: 0.0,
            retries: 0,
            throttled: 0,
            rate_limit: None,
            announced_rate: None,
            rows_per_request: 0.0,
        }
    }

    fn inputs<'a>(kind: TargetKind, s: &'a [Sample], w: &'a [usize]) -> Inputs<'a> {
        Inputs {
            kind,
            samples: s,
            rows: 1_000_000,
            batch: 1000,
            workers: w,
        }
    }

    /// `a` and `b` agree: the same strings, numbers within `1e-12` of each
    /// other (relative), so a refactor that reorders a sum still passes
    /// and any change of the model does not.
    fn same(a: &serde_json::Value, b: &serde_json::Value, at: &str) {
        use serde_json::Value::{Array, Number, Object};
        match (a, b) {
            (Number(x), Number(y)) => {
                let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
                assert!(
                    x == y || ((x - y) / x.abs().max(y.abs())).abs() < 1e-12,
                    "{at}: {x} vs {y}"
                );
            }
            (Array(x), Array(y)) => {
                assert_eq!(x.len(), y.len(), "{at}: lengths");
                for (i, (x, y)) in x.iter().zip(y).enumerate() {
                    same(x, y, &format!("{at}[{i}]"));
                }
            }
            (Object(x), Object(y)) => {
                let keys = |o: &serde_json::Map<String, serde_json::Value>| {
                    o.keys().cloned().collect::<Vec<_>>()
                };
                assert_eq!(keys(x), keys(y), "{at}: keys");
                for (k, v) in x {
                    same(v, &y[k], &format!("{at}.{k}"));
                }
            }
            _ => assert_eq!(a, b, "{at}"),
        }
    }

    /// Everything `project` decides, as JSON.
    fn outcome_json(o: &Outcome) -> serde_json::Value {
        serde_json::json!({
            "model": o.model,
            "projections": o.projections,
            "recommended": o.recommended,
            "bottleneck": o.bottleneck,
            "notes": o.notes,
        })
    }

    /// A sweep at each worker count with repeats whose rates are `rates`,
    /// the other timings varied with them so that every part of the model
    /// sees distinct values.
    fn sweep_set(rates: &[(usize, &[f64])]) -> Vec<Sample> {
        let mut out = Vec::new();
        for (i, &(w, rs)) in rates.iter().enumerate() {
            for (j, &r) in rs.iter().enumerate() {
                let mut x = sample(SampleKind::Sweep, w, r);
                x.batch = 500;
                x.warmup_s = 0.02 + 0.003 * (i + j) as f64;
                x.gen_s = 0.011 * (1 + j) as f64;
                x.starved_s = 0.004 * (1 + i) as f64;
                x.size_points = (1..=12)
                    .map(|k| {
                        let at = k as f64 * 6_000.0;
                        (
                            at,
                            r / (1.0 + 0.04 * (at / 6_000.0).ln()) * (1.0 + 0.002 * j as f64),
                        )
                    })
                    .collect();
                out.push(x);
            }
        }
        out
    }

    /// Samples at size: (rows in the target, rates of the repeats).
    fn at_size_set(w: usize, nodes: &[(u64, &[f64])]) -> Vec<Sample> {
        let mut out = Vec::new();
        for &(at, rs) in nodes {
            for &r in rs {
                let mut x = sample(SampleKind::AtSize, w, r);
                x.at_rows = at;
                x.batch = 25_000;
                x.gen_s = 0.015;
                x.target_s = 0.21 + at as f64 * 1e-7;
                out.push(x);
            }
        }
        out
    }

    /// Synthetic sample sets for each kind of target and what `project`
    /// made of them (tests/fixtures/estimate-project.json), so that no
    /// restructuring of the model moves a number.
    fn pinned_cases() -> Vec<(&'static str, Inputs<'static>)> {
        let leak = |s: Vec<Sample>| -> &'static [Sample] { Box::leak(s.into_boxed_slice()) };
        // SQLite: a sweep at 1 and 2 writers, samples at size at both nodes.
        let mut sqlite = sweep_set(&[
            (1, &[300_000.0, 312_000.0, 295_000.0]),
            (2, &[318_000.0, 305_000.0, 322_000.0]),
        ]);
        sqlite.extend(at_size_set(
            1,
            &[
                (250_000, &[180_000.0, 176_000.0]),
                (950_000, &[120_000.0, 126_000.0]),
            ],
        ));
        // PostgreSQL: four worker counts (the full USL), samples at size at 2.
        let mut server = sweep_set(&[
            (1, &[10_000.0, 10_400.0]),
            (2, &[18_000.0, 17_500.0]),
            (4, &[26_000.0, 27_000.0]),
            (8, &[24_000.0, 23_000.0]),
        ]);
        server.extend(at_size_set(
            2,
            &[(1_000_000, &[15_000.0]), (3_800_000, &[11_000.0])],
        ));
        // An identity API that throttles from 4 workers and announces its limit.
        let mut limited = sweep_set(&[
            (1, &[150.0, 148.0]),
            (2, &[290.0, 300.0]),
            (4, &[560.0, 580.0]),
            (8, &[610.0, 598.0]),
        ]);
        for x in &mut limited {
            x.rows_per_request = 1.0;
            x.announced_rate = Some(600.0);
            x.backoff_s = 0.5 * x.workers as f64;
            x.retries = x.workers as u64;
            if x.workers >= 4 {
                x.rate_limit = Some(x.steady_rows_per_s * 1.02);
                x.throttled = 12 * x.workers as u64;
                x.ratelimit_wait_s = 0.8 * x.workers as f64;
            }
        }
        // An identity API with no limit: its samples slow as it fills.
        let mut unlimited =
            sweep_set(&[(1, &[400.0, 390.0]), (2, &[760.0, 780.0]), (4, &[1400.0])]);
        for x in &mut unlimited {
            x.rows_per_request = 1.0;
        }
        // One worker count and too few batches for a size trend.
        let mut single = sweep_set(&[(1, &[5_000.0, 5_200.0, 4_700.0])]);
        for x in &mut single {
            x.size_points.clear();
        }
        vec![
            (
                "one-worker-count",
                Inputs {
                    kind: TargetKind::Server,
                    samples: leak(single),
                    rows: 300_000,
                    batch: 5_000,
                    workers: &[1, 4],
                },
            ),
            (
                "sqlite",
                Inputs {
                    kind: TargetKind::SingleWriter,
                    samples: leak(sqlite),
                    rows: 1_200_000,
                    batch: 25_000,
                    workers: &[1, 2],
                },
            ),
            (
                "postgres",
                Inputs {
                    kind: TargetKind::Server,
                    samples: leak(server),
                    rows: 4_800_000,
                    batch: 5_000,
                    workers: &[1, 2, 4, 8, 16],
                },
            ),
            (
                "api-rate-limited",
                Inputs {
                    kind: TargetKind::Api,
                    samples: leak(limited),
                    rows: 500_000,
                    batch: 1,
                    workers: &[1, 2, 4, 8, 16],
                },
            ),
            (
                "api-size-trend",
                Inputs {
                    kind: TargetKind::Api,
                    samples: leak(unlimited),
                    rows: 2_000_000,
                    batch: 1,
                    workers: &[1, 2, 4, 8],
                },
            ),
        ]
    }

    #[test]
    fn the_projection_of_pinned_sample_sets_does_not_move() {
        let want: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/estimate-project.json"))
                .unwrap();
        let cases = pinned_cases();
        assert_eq!(want.as_object().unwrap().len(), cases.len());
        for (name, inp) in &cases {
            let got = outcome_json(&project(inp).unwrap());
            same(&got, &want[*name], name);
        }
    }

    /// A real estimate report (version 1, SQLite, `saas`): its samples,
    /// projected again, give the model, projections and bottleneck it holds.
    #[test]
    fn a_v1_reports_samples_project_to_its_own_model() {
        let r: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/estimate-v1.json")).unwrap();
        let samples: Vec<Sample> = r["samples"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                // Fields a version-1 report does not hold; none of them
                // moves a SQLite projection with samples at size.
                let mut s = s.clone();
                for (k, v) in [
                    ("steady_rows", serde_json::json!(0)),
                    ("size_points", serde_json::json!([])),
                    ("backoff_s", serde_json::json!(0.0)),
                    ("rows_per_request", serde_json::json!(0.0)),
                ] {
                    s.as_object_mut().unwrap().entry(k).or_insert(v);
                }
                serde_json::from_value(s).unwrap()
            })
            .collect();
        let workers: Vec<usize> = r["projections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["workers"].as_u64().unwrap() as usize)
            .collect();
        let o = project(&Inputs {
            kind: TargetKind::SingleWriter,
            samples: &samples,
            rows: r["production_rows"].as_u64().unwrap(),
            batch: r["batch"].as_u64().unwrap(),
            workers: &workers,
        })
        .unwrap();
        let got = outcome_json(&o);
        same(&got["model"], &r["model"], "model");
        same(&got["projections"], &r["projections"], "projections");
        same(
            &got["recommended"],
            &r["recommended_workers"],
            "recommended",
        );
        same(&got["bottleneck"], &r["bottleneck"], "bottleneck");
        let notes = r["notes"].as_array().unwrap();
        same(
            &got["notes"],
            &serde_json::json!(notes[..o.notes.len()]),
            "notes",
        );
    }

    #[test]
    fn steady_state_drops_the_first_round_and_the_tail() {
        // 2 workers; the first round is slow (fill), then 1000 rows every 0.1 s.
        let mut c = vec![
            Commit {
                at_s: 1.0,
                rows: 1000,
            },
            Commit {
                at_s: 1.05,
                rows: 1000,
            },
        ];
        for i in 1..=10 {
            c.push(Commit {
                at_s: 1.05 + i as f64 * 0.1,
                rows: 1000,
            });
        }
        c.push(Commit {
            at_s: 3.0,
            rows: 1000,
        });
        let (rate, _, _, warm) = steady(&c, 2, 0.0).unwrap();
        assert!((rate - 10_000.0).abs() < 1.0, "{rate}");
        assert!((warm - 1.05).abs() < 1e-9);
        // Skipping the first third: the same rate, the same warm-up.
        let (rate, _, rows, warm) = steady(&c, 2, 1.0 / 3.0).unwrap();
        assert!((rate - 10_000.0).abs() < 1.0, "{rate}");
        assert_eq!(rows, 7000);
        assert!((warm - 1.05).abs() < 1e-9);
        assert!(steady(&c[..1], 1, 0.0).is_none());
    }

    #[test]
    fn a_rate_limit_caps_the_projection_and_is_named() {
        // An API: 200 rows/s per worker, limit 600 req/s, 1 row per request;
        // the 4-worker samples are throttled.
        let mut s: Vec<Sample> = [1, 2, 4]
            .iter()
            .map(|&w| sample(SampleKind::Sweep, w, (200.0 * w as f64).min(600.0)))
            .collect();
        for x in &mut s {
            x.rows_per_request = 1.0;
            if x.workers == 4 {
                x.rate_limit = Some(600.0);
            }
        }
        let ws = [1, 2, 4, 8, 16];
        let o = project(&inputs(TargetKind::Api, &s, &ws)).unwrap();
        let p16 = o.projections.iter().find(|p| p.workers == 16).unwrap();
        assert!(p16.rate_limited);
        assert!((p16.seconds / (1_000_000.0 / 600.0) - 1.0).abs() < 0.02);
        let p2 = o.projections.iter().find(|p| p.workers == 2).unwrap();
        assert!(!p2.rate_limited);
        assert!(
            o.bottleneck.contains("the target's rate limit (600 req/s)"),
            "{}",
            o.bottleneck
        );
        assert_eq!(rate_text(10.0), "600 req/min");
        assert_eq!(o.recommended, 4);
    }

    /// Throttled samples read a windowed limit noisily; an announced limit
    /// they agree with is the one projected, with a range that holds it.
    #[test]
    fn an_announced_rate_limit_is_used_when_the_throttled_samples_agree() {
        // What 3,000-user samples read against `emulate okta --rate 600/s`.
        let readings = [
            664.0, 583.0, 662.0, 662.0, 534.0, 666.0, 506.0, 664.0, 538.0, 663.0, 538.0, 664.0,
        ];
        let ws = [1, 2, 4, 8];
        let mut s: Vec<Sample> = readings
            .iter()
            .enumerate()
            .map(|(i, &r)| {
                let mut x = sample(SampleKind::Sweep, ws[i % 4], r);
                x.rate_limit = Some(r);
                x.rows_per_request = 1.0;
                x
            })
            .collect();
        let o = project(&inputs(TargetKind::Api, &s, &ws)).unwrap();
        let ideal = 1_000_000.0 / 600.0;
        // Without the announcement: the median reading, not the lowest.
        let p = &o.projections[0];
        assert!(
            p.rate_limited && (p.seconds / ideal - 1.0).abs() < 0.10,
            "{}",
            p.seconds
        );
        for x in &mut s {
            x.announced_rate = Some(600.0);
        }
        let o = project(&inputs(TargetKind::Api, &s, &ws)).unwrap();
        assert_eq!(o.model.rate_limit_per_s, Some(600.0));
        for p in &o.projections {
            assert!(p.rate_limited);
            assert!((p.seconds / ideal - 1.0).abs() < 0.01, "{}", p.seconds);
            assert!(p.low_seconds < ideal * 0.95 && p.high_seconds > ideal * 1.05);
            assert!(p.high_seconds < ideal * 1.3, "{}", p.high_seconds);
        }
        assert!(
            o.notes
                .iter()
                .any(|n| n.contains("as the API announces it")),
            "{:?}",
            o.notes
        );
        // An announcement the samples contradict is not believed.
        for x in &mut s {
            x.announced_rate = Some(1000.0);
        }
        let o = project(&inputs(TargetKind::Api, &s, &ws)).unwrap();
        assert!(o.model.rate_limit_per_s.unwrap() < 700.0);
        // Readings above an announced limit are a short sample's window
        // edges (here about 4/3 of it): the announcement stands.
        for x in &mut s {
            x.announced_rate = Some(500.0);
        }
        let o = project(&inputs(TargetKind::Api, &s, &ws)).unwrap();
        assert_eq!(o.model.rate_limit_per_s, Some(500.0));
    }

    #[test]
    fn a_single_writer_is_named_and_one_worker_recommended() {
        let s = vec![
            sample(SampleKind::Sweep, 1, 100_000.0),
            sample(SampleKind::Sweep, 2, 98_000.0),
            sample(SampleKind::Sweep, 4, 97_000.0),
        ];
        let o = project(&inputs(TargetKind::SingleWriter, &s, &[1, 2, 4])).unwrap();
        assert_eq!(o.recommended, 1);
        assert!(o.bottleneck.contains("one writer"), "{}", o.bottleneck);
        // No projected speed-up from extra writers.
        let t1 = o.projections[0].seconds;
        assert!(o.projections.iter().all(|p| p.seconds >= t1 * 0.99));
    }

    #[test]
    fn samples_at_size_slow_the_projection() {
        // Per-row times 5 µs and 15 µs at the two nodes: 10 µs on average.
        let mut s = vec![sample(SampleKind::Sweep, 1, 200_000.0)];
        for (at, rate) in [(1_000, 200_000.0), (2_000, 200_000.0 / 3.0)] {
            let mut x = sample(SampleKind::AtSize, 1, rate);
            x.at_rows = at;
            s.push(x);
        }
        let o = project(&inputs(TargetKind::SingleWriter, &s, &[1])).unwrap();
        assert!((o.model.size.factor - 2.0).abs() < 1e-6);
        assert!((o.projections[0].seconds - 10.0).abs() < 0.01);
        assert!(o.projections[0].low_seconds < 10.0 && o.projections[0].high_seconds > 10.0);
        assert!(o.bottleneck.contains("slows"), "{}", o.bottleneck);
    }

    #[test]
    fn trend_recovers_a_log_slowdown() {
        // τ(s) = 1 + 0.1·ln(s/1e5): rate = 1e5/τ.
        let mut s = sample(SampleKind::Sweep, 1, 100_000.0);
        s.size_points = (1..=20)
            .map(|i| {
                let size = i as f64 * 20_000.0;
                (size, 100_000.0 / (1.0 + 0.1 * (size / 1e5).ln()))
            })
            .collect();
        let (beta, _, at) = trend(&[s.size_points.as_slice()]).unwrap();
        // Normalised by the mean per-row time, so β is relative to it (≈ 0.1).
        assert!((beta - 0.1).abs() < 0.02, "{beta}");
        assert!(trend_factor(beta, at, 4e6) > 1.2);
        assert_eq!(trend_factor(0.0, at, 4e6), 1.0);
    }

    #[test]
    fn generation_bound_loads_name_generation() {
        let mut s: Vec<Sample> = [1, 2, 4]
            .iter()
            .map(|&w| sample(SampleKind::Sweep, w, 1000.0))
            .collect();
        for x in &mut s {
            x.starved_s = x.duration_s * x.workers as f64 * 0.8;
        }
        let o = project(&inputs(TargetKind::Server, &s, &[1, 2, 4])).unwrap();
        assert!(o.bottleneck.contains("generating"), "{}", o.bottleneck);
        assert_eq!(o.recommended, 1);
    }
}
