//! The size model of `--size-method geometric` (the default): samples at
//! a few small, geometrically spaced sizes (up to `MAX_SHARE` of the
//! production size), a per-batch cost model fitted to them, summed over
//! every batch of the full load. Pure functions, unit-tested.
//!
//! SQLite (`Pages`): a batch's time is α + β·E(u) + γ·W(u)·m(u), where
//! W(u) is the pages a batch of B users writes when the target holds u
//! users (the tables' appended pages, plus in each index the distinct
//! leaves its k new keys land on, P·(1 − e^(−k/P)) of its P leaves),
//! E(u) the index pages among them plus those a checkpoint copies per
//! batch (one checkpoint every `autocheckpoint` pages, each page copied
//! once however many of the batches between wrote it; the appended pages
//! cost the same at every size and are in α), and m(u) the share of index
//! pages outside the page cache. The index pages per user are read from
//! the largest copy (`dbstat`), as a long load's random inserts leave them
//! (`RANDOM_FILL` full, not the sorted build's full pages); γ from one
//! batch loaded there with the page cache shrunk to hold the share of the
//! indexes it will hold at full size; α, β by least squares over the sizes.
//! Database servers (`LogFit`): time per row a + b·ln(rows), b ≥ 0,
//! averaged over 0..N.

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
    /// least a batch) at each; three on a server, whose windows are longer:
    /// at least 3 batches (6 on MySQL, whose page flushes come seconds
    /// apart), one worker.
    pub fn geometric(n: u64, s_users: u64, full_batch: u64, server: Option<bool>) -> AtSize {
        let half = (s_users / 2).max(1);
        let batches = n.div_ceil(full_batch);
        let least = match server {
            None => 1,
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

/// The shrunk-cache pair: seconds per batch with the usual cache, with a
/// cache of `.2` pages, at `.3` users.
pub type Shrunk = (f64, f64, f64, f64);
/// SQLite's page counts, with the shrunk-cache pair when one was loaded.
pub type PageInput = (Pages, Option<Shrunk>);

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

    /// Distinct index pages `batches` batches touch at `u` users.
    fn touched(&self, u: f64, batches: f64) -> f64 {
        let b = self.batch_users * batches;
        self.indexes
            .iter()
            .map(|i| {
                let p = (i.pages_per_user * u).max(1.0);
                p * (1.0 - (-(i.rows_per_user * b) / p).exp())
            })
            .sum::<f64>()
    }

    /// W(u): pages one batch writes (tables' appended pages included).
    pub fn written(&self, u: f64) -> f64 {
        self.append_pages_per_user * self.batch_users + self.touched(u, 1.0)
    }

    /// E(u): index pages written per batch, the checkpoint's copies of
    /// them included (one checkpoint every `autocheckpoint` pages of WAL).
    /// The tables' appended pages, the same at every size, are not counted:
    /// the fit's constant takes them.
    pub fn pages_per_batch(&self, u: f64) -> f64 {
        let k = (self.autocheckpoint / self.written(u).max(1.0)).max(1.0);
        self.touched(u, 1.0) + self.touched(u, k) / k
    }

    /// m(u): share of the index pages outside a cache of `cache` pages.
    pub fn missed(&self, u: f64, cache: f64) -> f64 {
        let p = self.index_pages(u);
        if p <= 0.0 {
            0.0
        } else {
            (1.0 - cache / p).max(0.0)
        }
    }
}

/// A fitted per-batch cost (seconds) for SQLite.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PageFit {
    pub alpha_s: f64,
    pub beta_s_per_page: f64,
    pub gamma_s_per_missed_page: f64,
    /// Relative RMS residual of the fit at the sampled sizes.
    pub rms_rel_error: f64,
    pub pages: Pages,
}

impl PageFit {
    /// Seconds for the batch loaded when the target holds `u` users.
    pub fn batch_s(&self, u: f64) -> f64 {
        let p = &self.pages;
        self.alpha_s
            + self.beta_s_per_page * p.pages_per_batch(u)
            + self.gamma_s_per_missed_page * p.written(u) * p.missed(u, p.cache_pages)
    }

    /// Seconds for the whole load of `users`, batch by batch.
    pub fn total_s(&self, users: f64) -> f64 {
        let b = self.pages.batch_users.max(1.0);
        let whole = (users / b).floor() as u64;
        let mut t: f64 = (0..whole).map(|i| self.batch_s(i as f64 * b)).sum();
        let rest = users - whole as f64 * b;
        if rest > 0.0 {
            t += self.batch_s(whole as f64 * b) * rest / b;
        }
        t
    }
}

/// Fits α, β (and γ from the shrunk-cache pair) to `(users before the
/// batch, seconds per batch)` at each size. `shrunk`: (seconds per batch
/// at the largest size with the usual cache, with a cache of `cache`
/// pages, at `u` users).
pub fn fit_pages(
    points: &[(f64, f64)],
    shrunk: Option<(f64, f64, f64, f64)>,
    pages: Pages,
) -> Option<PageFit> {
    if points.is_empty() {
        return None;
    }
    let gamma = match shrunk {
        Some((usual, small, cache, u)) => {
            let dm = pages.missed(u, cache) - pages.missed(u, pages.cache_pages);
            if dm > 0.02 {
                ((small - usual) / (pages.written(u) * dm)).max(0.0)
            } else {
                0.0
            }
        }
        None => 0.0,
    };
    let xy: Vec<(f64, f64)> = points
        .iter()
        .map(|&(u, t)| {
            let miss = gamma * pages.written(u) * pages.missed(u, pages.cache_pages);
            (pages.pages_per_batch(u), t - miss)
        })
        .collect();
    let (alpha, beta) = line_fit(&xy);
    let mut fit = PageFit {
        alpha_s: alpha,
        beta_s_per_page: beta,
        gamma_s_per_missed_page: gamma,
        rms_rel_error: 0.0,
        pages,
    };
    fit.rms_rel_error = rms_rel(points.iter().map(|&(u, t)| (fit.batch_s(u), t)));
    Some(fit)
}

/// y = a + b·x by least squares with a, b ≥ 0 (one point: through the
/// origin... of its own: a = y).
fn line_fit(xy: &[(f64, f64)]) -> (f64, f64) {
    let n = xy.len() as f64;
    let (mx, my) = (
        xy.iter().map(|p| p.0).sum::<f64>() / n,
        xy.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxx: f64 = xy.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = xy.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if xy.len() < 2 || sxx <= 0.0 {
        return (my.max(0.0), 0.0);
    }
    let b = sxy / sxx;
    let a = my - b * mx;
    if b < 0.0 {
        (my.max(0.0), 0.0)
    } else if a < 0.0 {
        let sxx0: f64 = xy.iter().map(|p| p.0 * p.0).sum();
        (
            0.0,
            xy.iter().map(|p| p.0 * p.1).sum::<f64>() / sxx0.max(1e-300),
        )
    } else {
        (a, b)
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
    /// measure the size effect where it happens: the page model, fitted to
    /// windows below 12.5 % of a 1M `saas` load, projected ×5.8 and ×8.5
    /// where the quadrature measured ×2.4 and ×3.3 (docs/estimate.md §
    /// Measured).
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
    /// SQLite: per-batch time from the pages a batch writes.
    Pages {
        fit: PageFit,
        /// (users in the target, seconds per batch) at each size.
        points: Vec<(f64, f64)>,
    },
    /// A server: time per row against ln(rows).
    Log {
        fit: LogFit,
        /// (rows in the target, seconds per row) at each size.
        points: Vec<(f64, f64)>,
    },
}

/// The full load's mean rate (rows/s) from the samples at size, the
/// model's relative standard error, and the model. `at`: (rows in the
/// target, rows loaded, writer's seconds, users loaded) of each sample;
/// `pages` for SQLite; `users`, `rows`, `batch` of the full load.
pub fn full_rate(
    at: &[(f64, f64, f64, f64)],
    pages: Option<PageInput>,
    users: f64,
    rows: f64,
    batch: f64,
) -> Option<(f64, f64, Fitted)> {
    let per_user = rows / users.max(1.0);
    let (rate, rms, fitted) = match pages {
        Some((pages, shrunk)) => {
            let points: Vec<(f64, f64)> = at
                .iter()
                .map(|&(at_rows, _, secs, u)| (at_rows / per_user, secs * batch / u.max(1.0)))
                .collect();
            let fit = fit_pages(&points, shrunk, pages)?;
            let total = fit.total_s(users);
            (
                rows / total.max(1e-9),
                fit.rms_rel_error,
                Fitted::Pages { fit, points },
            )
        }
        None => {
            // Rows in the target at the middle of each window.
            let points: Vec<(f64, f64)> = at
                .iter()
                .map(|&(at_rows, n, secs, _)| (at_rows + n / 2.0, secs / n.max(1.0)))
                .collect();
            let fit = fit_log(&points)?;
            (
                1.0 / fit.mean_s(rows),
                fit.rms_rel_error,
                Fitted::Log { fit, points },
            )
        }
    };
    let k = at.len().max(1) as f64;
    let se = (rms * rms / k + EXTRAPOLATION_SD * EXTRAPOLATION_SD).sqrt();
    Some((rate, se, fitted))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bench8() -> Pages {
        // Three random-key indexes, about 100 keys a leaf, one table appended.
        let ix = |p: f64| Index {
            name: "i".into(),
            pages_per_user: p,
            rows_per_user: 1.0,
        };
        Pages {
            batch_users: 25_000.0,
            append_pages_per_user: 0.035,
            indexes: vec![ix(0.015), ix(0.009), ix(0.018)],
            cache_pages: 65_536.0,
            autocheckpoint: 65_536.0,
            bytes_per_user: 300.0,
        }
    }

    #[test]
    fn nodes_halve_from_an_eighth_of_the_load() {
        assert_eq!(nodes(400, 4), vec![6, 13, 25, 50]);
        assert_eq!(nodes(40, 4), vec![1, 3, 5]);
        assert_eq!(nodes(3, 4), vec![1]);
    }

    #[test]
    fn pages_a_batch_writes_grow_with_the_indexes_then_level_off() {
        let p = bench8();
        // Small indexes: every leaf is touched by a batch.
        let small = p.written(10_000.0);
        assert!((small - (875.0 + 420.0)).abs() < 5.0, "{small}");
        // Huge ones: each key its own leaf, B per index.
        let huge = p.written(1e12);
        assert!((huge - (875.0 + 75_000.0)).abs() < 10.0, "{huge}");
        assert!(p.pages_per_batch(1e6) > p.written(1e6));
        assert_eq!(p.missed(1e6, 1e9), 0.0);
        assert!(p.missed(1e8, 65_536.0) > 0.9);
    }

    #[test]
    fn a_page_cost_fitted_at_small_sizes_is_summed_over_the_load() {
        let p = bench8();
        let (a, b) = (0.05, 2e-5);
        let points: Vec<(f64, f64)> = [50_000.0, 100_000.0, 200_000.0, 400_000.0]
            .iter()
            .map(|&u| (u, a + b * p.pages_per_batch(u)))
            .collect();
        let fit = fit_pages(&points, None, p.clone()).unwrap();
        assert!((fit.alpha_s - a).abs() < 1e-9 && (fit.beta_s_per_page - b).abs() < 1e-12);
        assert!(fit.rms_rel_error < 1e-9);
        let total = fit.total_s(3_200_000.0);
        let direct: f64 = (0..128)
            .map(|i| a + b * p.pages_per_batch(i as f64 * 25_000.0))
            .sum();
        assert!((total / direct - 1.0).abs() < 1e-9);
        // A cache miss cost measured with a shrunk cache is charged beyond it.
        let u = 400_000.0;
        let shrunk = (points[3].1, points[3].1 + 0.3, 1_000.0, u);
        let fit = fit_pages(&points, Some(shrunk), p.clone()).unwrap();
        assert!(fit.gamma_s_per_missed_page > 0.0);
        assert!(fit.total_s(1e7) > fit.alpha_s * 400.0 + b * p.pages_per_batch(1e7) * 300.0);
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
}
