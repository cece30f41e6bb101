//! A load's commit log as a rate: the steady state (warm-up and tail
//! discarded), the size trend, and a whole run projected from its own
//! commits. `rehearse --production-users` uses it on its own run;
//! `estimate` builds its model on it (`ARCHITECTURE.md` § Module map).

use serde::{Deserialize, Serialize};

/// Share of a sweep sample's commits discarded as warm-up (besides the first
/// round): the rate is measured at the sizes between S/3 and S.
pub const SKIP: f64 = 1.0 / 3.0;

/// One committed batch, timed from the start of the load phase.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Commit {
    pub at_s: f64,
    pub rows: u64,
}

/// The commits `metrics` logged, timed from the start of its load phase.
pub fn load_commits(metrics: &crate::report::metrics::Metrics) -> Vec<Commit> {
    let start = metrics.load_start_s();
    metrics
        .commits()
        .iter()
        .map(|c| Commit {
            at_s: (c.at_s - start).max(0.0),
            rows: c.rows,
        })
        .collect()
}

fn window(n: usize, w: usize, skip: f64) -> (usize, usize) {
    let a = (w - 1).max((n as f64 * skip) as usize).min(n - 2);
    let e = (n - w.min(n)).max(a + 1).min(n - 1);
    (a, e)
}

/// Steady-state rate from a commit log (see `window`). Returns (rows/s,
/// window seconds, rows in the window, warm-up seconds: the first round).
pub fn steady(commits: &[Commit], workers: usize, skip: f64) -> Option<(f64, f64, u64, f64)> {
    let mut c: Vec<Commit> = commits.to_vec();
    c.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    let n = c.len();
    if n < 2 {
        return None;
    }
    let w = workers.max(1);
    let (a, e) = window(n, w, skip);
    let span = c[e].at_s - c[a].at_s;
    if span <= 0.0 {
        return None;
    }
    let rows: u64 = c[a + 1..=e].iter().map(|x| x.rows).sum();
    Some((rows as f64 / span, span, rows, c[(w - 1).min(n - 2)].at_s))
}

/// (rows already loaded at the window's middle, rows/s) for successive
/// windows of `per` commits inside the steady part.
pub fn size_points(
    commits: &[Commit],
    workers: usize,
    skip: f64,
    base_rows: u64,
) -> Vec<(f64, f64)> {
    let mut c: Vec<Commit> = commits.to_vec();
    c.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    let n = c.len();
    let w = workers.max(1);
    if n < 2 * w + 1 {
        return Vec::new();
    }
    let per = w.max(2);
    let (a, e) = window(n, w, skip);
    let mut cum = vec![base_rows; n + 1];
    for i in 0..n {
        cum[i + 1] = cum[i] + c[i].rows;
    }
    let mut out = Vec::new();
    let mut i = a;
    while i + per <= e {
        let span = c[i + per].at_s - c[i].at_s;
        let rows = cum[i + per + 1] - cum[i + 1];
        if span > 0.0 {
            let mid = (cum[i + 1] + cum[i + per + 1]) as f64 / 2.0;
            out.push((mid, rows as f64 / span));
        }
        i += per;
    }
    out
}

/// How throughput changes as the target grows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SizeModel {
    /// `quadrature` (SQLite: samples loaded at 21 % and 79 % of the
    /// production size, the two-point Gauss–Legendre rule), `trend` (the sample's own slowdown, extrapolated in log(size)) or `none`.
    pub method: String,
    /// Full-load time per row ÷ sample time per row (≥ 1: the full load is slower).
    pub factor: f64,
    /// Relative standard error of `factor`.
    pub rel_se: f64,
    /// trend: fitted slope of per-row time in ln(rows in the target).
    pub beta: Option<f64>,
    /// Rows/s of the sweep (small tables) and of the full load (size effect applied), 1 worker.
    pub small_rows_per_s: f64,
    pub full_rows_per_s: f64,
}

pub fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

pub fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// Relative sample standard deviation (0 for fewer than two values).
pub fn rel_sd(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let m = mean(v);
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64;
    var.sqrt() / m.abs().max(1e-12)
}

/// The trend model: per-row time τ(s) = τ₀·(1 + β·ln(s / s̄)), fitted on the
/// pooled, normalised size points of the sweep samples. Returns (β, SE of β,
/// mean ln size of the points). β is clamped at 0: a growing table is not
/// assumed to get faster.
pub fn trend(sets: &[&[(f64, f64)]]) -> Option<(f64, f64, f64)> {
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for points in sets {
        if points.len() < 3 {
            continue;
        }
        let m = mean(&points.iter().map(|p| 1.0 / p.1).collect::<Vec<_>>());
        for &(size, rate) in points.iter() {
            if size > 0.0 && rate > 0.0 {
                xs.push(size.ln());
                ys.push((1.0 / rate) / m);
            }
        }
    }
    if xs.len() < 4 {
        return None;
    }
    // Centre ln(size) per pooled set; slope of normalised per-row time.
    let mx = mean(&xs);
    let my = mean(&ys);
    let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    if sxx <= 1e-12 {
        return None;
    }
    let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let b = sxy / sxx;
    let resid: f64 = xs
        .iter()
        .zip(&ys)
        .map(|(x, y)| (y - my - b * (x - mx)).powi(2))
        .sum();
    let se = (resid / (xs.len() as f64 - 2.0).max(1.0) / sxx).sqrt();
    Some((b.max(0.0), se, mx))
}

/// Mean per-row time over a load from 0 to `rows` rows, relative to the time
/// per row at ln(size) = `at_ln`, under τ(s) ∝ 1 + β·ln(s/e^at_ln).
pub fn trend_factor(beta: f64, at_ln: f64, rows: f64) -> f64 {
    // ∫₀ᴿ ln s ds / R = ln R − 1
    (1.0 + beta * (rows.max(2.0).ln() - 1.0 - at_ln)).max(1.0)
}

/// `rehearse --production-users`: the duration of a load of `rows` rows
/// projected from this run's own commits: its steady-state rate (warm-up and
/// tail discarded), slowed by the size trend seen during the run, plus its
/// warm-up. None when the run committed too few batches to tell.
pub fn project_run(commits: &[Commit], workers: usize, rows: f64) -> Option<f64> {
    let mut sizes: Vec<u64> = commits.iter().map(|c| c.rows).collect();
    sizes.sort_unstable();
    let typical = sizes.get(sizes.len() / 2).copied().unwrap_or(0);
    let c: Vec<Commit> = commits
        .iter()
        .copied()
        .filter(|c| c.rows * 2 >= typical)
        .collect();
    let (rate, _, _, warmup) = steady(&c, workers, SKIP)?;
    let points = size_points(&c, workers, SKIP, 0);
    let factor = match trend(&[points.as_slice()]) {
        Some((beta, _, at_ln)) => trend_factor(beta, at_ln, rows),
        None => 1.0,
    };
    Some(warmup + rows * factor / rate)
}
