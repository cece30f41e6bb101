//! The size model of `--size-method geometric`: samples at a few small,
//! geometrically spaced sizes (up to `MAX_SHARE` of the production size),
//! time per row a + b·ln(rows) (b ≥ 0) fitted to them and averaged over
//! 0..N rows. Pure functions, unit-tested.
//!
//! One form for every kind of target, chosen on full loads' own curves
//! (their per-second series): a batch's cost rises steeply at the first
//! sizes and more slowly after (1M `saas` into SQLite: about 4.3 µs per
//! user already loaded between 25,000 and 125,000 users, 1.0–3.0 µs beyond;
//! `bench-8` alike), which a line in users, or in the index leaves a batch
//! lands on, carried 1.5–2× too high (docs/estimate.md § Measured). SQLite's
//! page counts (`Pages`, read from the largest copy) give the projected
//! size of the target.

use serde::{Deserialize, Serialize};

/// Largest share of the production size filled for a sample.
pub const MAX_SHARE: f64 = 0.125;
/// How full random inserts leave B-tree pages on average.
pub const RANDOM_FILL: f64 = 0.69;
/// Allowance for extrapolating from at most `MAX_SHARE` to the whole load.
pub const EXTRAPOLATION_SD: f64 = 0.08;

/// Batch counts at which samples are taken: the largest at `MAX_SHARE` of
/// the load's `batches`, then halving, at most `count`, distinct, ≥ 1.
pub fn nodes(batches: u64, count: usize) -> Vec<u64> {
    let top = ((batches as f64 * MAX_SHARE).round() as u64).max(1);
    let mut v: Vec<u64> = (0..count as u32)
        .map(|i| ((top as f64 / 2f64.powi(i as i32)).round() as u64).max(1))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Samples at size: half the sample's users at each Gauss–Legendre node,
/// N·(1/2 ∓ 1/(2√3)), as full-size batches, centred on it; at least one
/// whole batch, even when that is more than half the sample: a smaller
/// transaction writes more pages per row (on SQLite, batches of 5,000
/// instead of 25,000 wrote 3.3× the WAL pages per row and projected a
/// 200k-user load 34–37 % long). On a server, whose copy is filled once,
/// the `--repeat` halves are loaded one after the other as one longer
/// sample (`span`), its first third not counted (see `sample::run_at_sizes`).
pub struct AtSize {
    /// Half the sample's users.
    pub half: u64,
    /// The full load's batch.
    pub batch: u64,
    /// Batches per sample at size (`span` halves of the sample).
    pub window: u64,
    /// First batch of each node.
    pub points: Vec<u64>,
}

impl AtSize {
    /// `--size-method geometric`: sizes halving from an eighth of the load
    /// (`nodes`), four on SQLite with one window of the sample's half (at
    /// least two batches: with one, the slope between sizes was within the
    /// windows' noise) at each; three on a server, whose windows are longer:
    /// at least 3 batches (6 on MySQL, whose page flushes come seconds
    /// apart), one worker.
    pub fn geometric(n: u64, s_users: u64, full_batch: u64, server: Option<bool>) -> AtSize {
        let half = (s_users / 2).max(1);
        let batches = n.div_ceil(full_batch);
        let least = match server {
            None => 2,
            Some(false) => 3,
            Some(true) => 6,
        };
        AtSize {
            half,
            batch: full_batch,
            window: (half / full_batch).max(least),
            points: nodes(batches, if server.is_some() { 3 } else { 4 }),
        }
    }

    pub fn new(n: u64, s_users: u64, full_batch: u64, span: u64) -> AtSize {
        let half = (s_users / 2).max(1);
        let batch = full_batch;
        let window = (half / batch).max(1) * span.max(1);
        let d = 0.5 / 3f64.sqrt();
        let mut points: Vec<u64> = [0.5 - d, 0.5 + d]
            .iter()
            .map(|x| {
                let start = n as f64 * x - (window * batch) as f64 / 2.0;
                (start / batch as f64).round().max(0.0) as u64
            })
            .collect();
        points.dedup();
        AtSize {
            half,
            batch,
            window,
            points,
        }
    }
}

/// One index: its leaf pages per user (as random inserts leave them) and
/// the rows it gets per user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Index {
    pub name: String,
    pub pages_per_user: f64,
    pub rows_per_user: f64,
}

/// SQLite's page counts, read from the largest copy.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pages {
    /// Users per batch (B).
    pub batch_users: f64,
    /// Table pages appended per user (all tables).
    pub append_pages_per_user: f64,
    pub indexes: Vec<Index>,
    /// Page cache, pages.
    pub cache_pages: f64,
    /// WAL pages between two automatic checkpoints.
    pub autocheckpoint: f64,
    /// Bytes per user of a database as a long load leaves it.
    pub bytes_per_user: f64,
}

impl Pages {
    /// Index pages when the target holds `u` users.
    pub fn index_pages(&self, u: f64) -> f64 {
        self.indexes.iter().map(|i| i.pages_per_user * u).sum()
    }
}

fn rms_rel(pairs: impl Iterator<Item = (f64, f64)>) -> f64 {
    let v: Vec<f64> = pairs
        .filter(|(_, t)| *t > 0.0)
        .map(|(f, t)| (f / t - 1.0).powi(2))
        .collect();
    if v.is_empty() {
        0.0
    } else {
        (v.iter().sum::<f64>() / v.len() as f64).sqrt()
    }
}

/// Time per row a + b·ln(rows) (servers), b ≥ 0.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogFit {
    pub a_s: f64,
    pub b_s: f64,
    pub rms_rel_error: f64,
}

impl LogFit {
    /// Mean time per row over a load from 0 to `rows` rows:
    /// a + b·(ln rows − 1), at least the fit at one row.
    pub fn mean_s(&self, rows: f64) -> f64 {
        (self.a_s + self.b_s * (rows.max(2.0).ln() - 1.0)).max(self.a_s.max(1e-12))
    }
}

/// Fits a + b·ln(rows) to `(rows in the target, seconds per row)`.
pub fn fit_log(points: &[(f64, f64)]) -> Option<LogFit> {
    if points.is_empty() {
        return None;
    }
    let xy: Vec<(f64, f64)> = points.iter().map(|&(r, t)| (r.max(2.0).ln(), t)).collect();
    let n = xy.len() as f64;
    let (mx, my) = (
        xy.iter().map(|p| p.0).sum::<f64>() / n,
        xy.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxx: f64 = xy.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = xy.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let b = if xy.len() >= 2 && sxx > 0.0 {
        (sxy / sxx).max(0.0)
    } else {
        0.0
    };
    let a = my - b * mx;
    let rms = rms_rel(xy.iter().map(|&(x, t)| (a + b * x, t)));
    Some(LogFit {
        a_s: a,
        b_s: b,
        rms_rel_error: rms,
    })
}

/// How the size effect is measured (`--size-method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SizeMethod {
    /// Samples at small, geometrically spaced sizes and a fitted model.
    #[default]
    Geometric,
    /// Samples at 21 % and 79 % of the production size (two-point
    /// Gauss–Legendre): as accurate at small sizes, as costly as a quarter
    /// to most of the load, and its full size again on disk.
    Quadrature,
}

impl SizeMethod {
    /// The size method without `--size-method`: geometric on servers; on
    /// SQLite the quadrature, whose samples at 21 % and 79 % cost more but
    /// measure the size effect where it happens: fitted to windows below
    /// 12.5 % of a 1M `saas` load, no model form tried held within ±15 %
    /// (docs/estimate.md § Measured).
    pub fn default_for(kind: super::model::TargetKind) -> SizeMethod {
        match kind {
            super::model::TargetKind::SingleWriter => SizeMethod::Quadrature,
            _ => SizeMethod::Geometric,
        }
    }
}

/// The fitted size model, as the report shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fitted {
    /// Time per row against ln(rows).
    Log {
        fit: LogFit,
        /// (rows in the target, seconds per row) at each size.
        points: Vec<(f64, f64)>,
    },
}

/// The full load's mean rate (rows/s) from the samples at size, the
/// model's relative standard error, and the model. `at`: (rows in the
/// target, rows loaded, writer's seconds) of each sample; `rows` of the
/// full load.
pub fn full_rate(at: &[(f64, f64, f64)], rows: f64) -> Option<(f64, f64, Fitted)> {
    // Rows in the target at the middle of each window.
    let points: Vec<(f64, f64)> = at
        .iter()
        .map(|&(at_rows, n, secs)| (at_rows + n / 2.0, secs / n.max(1.0)))
        .collect();
    let fit = fit_log(&points)?;
    let rate = 1.0 / fit.mean_s(rows);
    let k = at.len().max(1) as f64;
    let se = (fit.rms_rel_error.powi(2) / k + EXTRAPOLATION_SD * EXTRAPOLATION_SD).sqrt();
    Some((rate, se, Fitted::Log { fit, points }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_halve_from_an_eighth_of_the_load() {
        assert_eq!(nodes(400, 4), vec![6, 13, 25, 50]);
        assert_eq!(nodes(40, 4), vec![1, 3, 5]);
        assert_eq!(nodes(3, 4), vec![1]);
    }

    #[test]
    fn a_log_trend_is_averaged_over_the_load() {
        let pts: Vec<(f64, f64)> = [1e4f64, 2e4, 4e4, 8e4]
            .iter()
            .map(|&r| (r, 1e-6 + 1e-7 * r.ln()))
            .collect();
        let f = fit_log(&pts).unwrap();
        assert!((f.b_s - 1e-7).abs() < 1e-12);
        let m = f.mean_s(1e6);
        assert!((m - (1e-6 + 1e-7 * (1e6f64.ln() - 1.0))).abs() < 1e-12);
        // A falling trend is not extrapolated.
        let f = fit_log(&[(1e4, 2e-6), (1e5, 1e-6)]).unwrap();
        assert_eq!(f.b_s, 0.0);
    }

    #[test]
    fn windows_give_the_full_loads_mean_rate() {
        // Windows of 192,000 rows at three sizes, time per row 1 µs + 0.2 µs·ln(rows).
        let per_row = |r: f64| 1e-6 + 2e-7 * r.ln();
        let at: Vec<(f64, f64, f64)> = [192_000.0f64, 577_000.0, 962_000.0]
            .iter()
            .map(|&r| (r, 192_000.0, 192_000.0 * per_row(r + 96_000.0)))
            .collect();
        let (rate, se, fitted) = full_rate(&at, 7.7e6).unwrap();
        let mean = 1e-6 + 2e-7 * (7.7e6f64.ln() - 1.0);
        assert!((rate * mean - 1.0).abs() < 1e-9, "{rate} vs {}", 1.0 / mean);
        // A perfect fit still carries the extrapolation's allowance.
        assert!((se - EXTRAPOLATION_SD).abs() < 1e-9);
        let Fitted::Log { points, .. } = fitted;
        assert_eq!(points.len(), 3);
        assert_eq!(points[0].0, 288_000.0);
        assert!(full_rate(&[], 1e6).is_none());
    }
}
