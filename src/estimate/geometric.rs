//! The size model of `--size-method geometric`: samples at a few small,
//! geometrically spaced sizes (up to `MAX_SHARE` of the production size),
//! a model fitted to them and summed (averaged) over the whole load. Pure
//! functions, unit-tested.
//!
//! SQLite (`LeafFit`): a batch's time is α + β·T(u), T(u) the distinct
//! index leaves a batch of B users lands on when the target holds u users
//! (in each index P·(1 − e^(−k/P)) of its P leaves for its k new keys;
//! the page counts per user read from the largest copy, `Pages`). While an
//! index has fewer leaves than a batch has keys, every leaf is written and
//! T grows with the table; once it has many more, T tends to k and stops
//! growing. Chosen on full loads' own curves on a quiet machine (1M
//! `saas`: −1.8 % to −0.3 %; a line in users gave +1 % to +3 % there but
//! keeps growing where the leaves stop; a + b·ln(rows) −30 %:
//! docs/estimate.md § Measured). Plus C(u), the batch's share of the
//! checkpoints at that size (`spread_checkpoint`), taken out of the
//! windows before the fit.
//! Database servers (`LogFit`): time per row a + b·ln(rows), b ≥ 0,
//! averaged over 0..N (their size effect is small: ×1.0–1.2).

use serde::{Deserialize, Serialize};

/// Largest share of the production size filled for a sample.
pub const MAX_SHARE: f64 = 0.125;
/// How full random inserts leave B-tree pages on average.
pub const RANDOM_FILL: f64 = 0.69;
/// MySQL's copy for its window under a cut redo log: a sixteenth of the load.
pub const REDO_COPY: f64 = 1.0 / 16.0;
/// The share of the load whose redo-log pressure that window is to meet, by
/// the proportion in `target::mysql::redo`: a quarter, chosen on 1M `saas`
/// full loads (cut for the middle, the window ran at the pace of the load's
/// last third; docs/estimate.md § Measured).
pub const REDO_LIKE: f64 = 0.25;
/// Batches in that window, at least: its commits come in bursts a second
/// apart, and a 9-batch window moved by 15 % when one second had none.
pub const REDO_WINDOW: u64 = 12;
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
        let mut points = nodes(batches, if server.is_some() { 3 } else { 4 });
        if server.is_none() {
            // SQLite's first size is one batch: its page counts cap the
            // others (`nodes::capped`), so it must be below any cap.
            points[0] = 1;
            points.dedup();
        }
        AtSize {
            half,
            batch: full_batch,
            window: (half / full_batch).max(least),
            points,
        }
    }

    /// MySQL and MariaDB: one window of at least `REDO_WINDOW` batches
    /// into a copy at `REDO_COPY` of the load, under a redo log cut so that
    /// it meets the log pressure of the load at `REDO_LIKE`
    /// (`super::redo`). Windows at small sizes under the server's own log
    /// ran at the load's early pace and projected 25–50 % low; the long
    /// load is held back by the pages InnoDB writes back before its log can
    /// wrap (docs/estimate.md § Measured). None for a production of fewer
    /// than `2 / REDO_COPY` batches.
    pub fn redo_window(n: u64, s_users: u64, full_batch: u64) -> Option<AtSize> {
        let half = (s_users / 2).max(1);
        let batches = n.div_ceil(full_batch);
        if (batches as f64) < 2.0 / REDO_COPY {
            return None;
        }
        Some(AtSize {
            half,
            batch: full_batch,
            window: (half / full_batch).max(REDO_WINDOW),
            points: vec![((batches as f64 * REDO_COPY).round() as u64).max(1)],
        })
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
    /// Its pages per user (0 in reports made before it was read).
    #[serde(default)]
    pub db_pages_per_user: f64,
}

impl Pages {
    /// Index pages when the target holds `u` users.
    pub fn index_pages(&self, u: f64) -> f64 {
        self.indexes.iter().map(|i| i.pages_per_user * u).sum()
    }

    /// Share of a batch's leaf reads the page cache misses when the target
    /// holds `u` users: 1 − cache ÷ index pages, at least 0 (keys falling
    /// at random, the cache holding as many leaves as it can).
    pub fn missed_share(&self, u: f64) -> f64 {
        (1.0 - self.cache_pages / self.index_pages(u).max(1.0)).max(0.0)
    }

    /// Users from which the indexes outgrow the page cache (where
    /// `missed_share` leaves 0).
    pub fn cache_full_at(&self) -> f64 {
        self.cache_pages / self.index_pages(1.0).max(1e-12)
    }

    /// Index keys one batch inserts: each reads its leaf.
    pub fn keys(&self) -> f64 {
        self.indexes
            .iter()
            .map(|i| i.rows_per_user * self.batch_users)
            .sum()
    }

    /// Pages one batch writes to the WAL when the target holds `u` users:
    /// the leaves it lands on and the table pages it appends.
    pub fn frames(&self, u: f64) -> f64 {
        self.touched(u) + self.append_pages_per_user * self.batch_users
    }

    /// T(u): distinct index leaves one batch lands on when the target
    /// holds `u` users, its keys falling at random among each index's.
    pub fn touched(&self, u: f64) -> f64 {
        self.indexes
            .iter()
            .map(|i| {
                let p = (i.pages_per_user * u).max(1.0);
                p * (1.0 - (-(i.rows_per_user * self.batch_users) / p).exp())
            })
            .sum()
    }
}

/// SQLite's size model: seconds per batch α + β·T(u) + γ·K·m(u), K the
/// index keys a batch inserts and m(u) the share of their leaf reads the
/// page cache misses (`missed_share`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LeafFit {
    pub alpha_s: f64,
    pub beta_s_per_leaf: f64,
    pub rms_rel_error: f64,
    pub pages: Pages,
    /// γ: what a key whose leaf is read from outside the page cache adds
    /// (0 when the indexes fit the cache for most of the load, or in
    /// reports made before it was measured).
    #[serde(default)]
    pub gamma_s_per_missed_key: f64,
    /// The pair of windows γ was read from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missed: Option<Missed>,
    /// What a checkpoint costs, from the windows' own (absent in reports
    /// made before it was measured apart: their α and β include it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<CheckpointCost>,
}

/// A checkpoint as one window's was timed (`sample::run_at_in`): the
/// checkpoint of everything it wrote, then one of a one-page WAL (the
/// syncs alone).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The checkpoint of everything the window wrote, s.
    pub whole_s: f64,
    /// Its fixed part, the syncs, s.
    pub fixed_s: f64,
    /// Pages the window wrote to the WAL.
    pub wal_pages: f64,
    /// The database's pages.
    pub db_pages: f64,
}

impl Checkpoint {
    /// Seconds per page copied: the copy and the writing out of the page
    /// by the sync.
    pub fn per_page_s(&self) -> f64 {
        (self.whole_s - self.fixed_s).max(0.0) / self.wal_pages.max(1.0)
    }

    /// What the window is charged for it, as a long load pays it
    /// (`spread_checkpoint`).
    pub fn charged_s(&self, every: f64) -> f64 {
        spread_checkpoint(
            self.per_page_s(),
            self.fixed_s,
            self.wal_pages,
            self.db_pages,
            every,
        )
    }
}

/// The checkpoint's cost per batch at every size, from the windows': the
/// median of their seconds per page copied and of their syncs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CheckpointCost {
    pub per_page_s: f64,
    pub fixed_s: f64,
}

/// Seconds a long load pays in checkpoints for `wal_pages` written into a
/// database of `db_pages`: one checkpoint every `every` WAL pages, i.e.
/// every k = every ÷ wal_pages writes of this size (at least one), copying
/// each page once however many of those k wrote it, and syncing once.
/// Writes are taken to touch pages at random among the database's: k of
/// them touch db·(1 − (1 − wal/db)^k) distinct pages. (Appended table pages
/// are never touched twice, so the overlap is if anything overestimated.)
/// In a small copy a window's leaves are nearly all the index's, and a
/// checkpoint copies each once for many batches; once a batch writes as
/// many pages as `every`, each batch's are copied and synced on their own:
/// a 10M `bench-8` load spent about 40 % of its time syncing, 0.6 s a batch
/// at 2M users and 1.05 s at 10M (docs/estimate.md § Measured).
pub fn spread_checkpoint(
    per_page_s: f64,
    fixed_s: f64,
    wal_pages: f64,
    db_pages: f64,
    every: f64,
) -> f64 {
    let wal = wal_pages.max(1.0);
    let k = (every / wal).max(1.0);
    let db = db_pages.max(wal);
    let q = wal / db;
    let distinct = db * (1.0 - (1.0 - q).powf(k)) / k;
    per_page_s * distinct + fixed_s / k
}

/// One window at a size loaded twice, from the same copy: with the page
/// cache the load will have (which holds all of that size's indexes) and
/// with one that holds `share` fewer of its leaves (`MISSED_CACHE`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Missed {
    /// Users in the target at the windows' middle.
    pub users: f64,
    /// Seconds per batch with the load's cache.
    pub cached_s: f64,
    /// Seconds per batch with the small one.
    pub small_cache_s: f64,
    /// The small cache, pages.
    pub small_cache_pages: f64,
    /// Share of the window's leaf reads it missed.
    pub share: f64,
}

impl Missed {
    /// γ: the small cache's extra seconds a batch over the keys whose leaf
    /// it missed, at least 0.
    pub fn gamma(&self, pages: &Pages) -> f64 {
        let missed = pages.keys() * self.share;
        let extra = self.small_cache_s - self.cached_s;
        if missed > 0.0 && extra > 0.0 {
            extra / missed
        } else {
            0.0
        }
    }
}

/// The small cache of the second window of a `Missed` pair: an eighth of
/// the copy's index pages, so that most leaf reads go to the operating
/// system, as a long load's do once its indexes outgrow the page cache.
/// A window with a cache of an eighth measured 2.5–3.6 µs a missed key
/// (10M `bench-8`; docs/estimate.md § Measured); counted per distinct leaf
/// instead it projected +45 % to +98 %: a leaf that meets several keys of
/// a batch is read again for each once the cache cannot keep it.
pub const MISSED_CACHE: f64 = 1.0 / 8.0;
/// The pair is loaded when the page cache holds at most this share of the
/// load's indexes at its end: below that the term is small and the
/// window's cost is not worth it.
pub const MISSED_FROM: f64 = 0.5;

impl LeafFit {
    /// Seconds for the batch loaded when the target holds `u` users.
    pub fn batch_s(&self, u: f64) -> f64 {
        self.work_s(u) + self.checkpoint_s(u)
    }

    /// A batch's time inside its transaction (what the line is fitted to).
    pub fn work_s(&self, u: f64) -> f64 {
        self.alpha_s
            + self.beta_s_per_leaf * self.pages.touched(u)
            + self.gamma_s_per_missed_key * self.pages.keys() * self.pages.missed_share(u)
    }

    /// A batch's share of the checkpoints when the target holds `u` users.
    pub fn checkpoint_s(&self, u: f64) -> f64 {
        match self.checkpoint {
            Some(c) if self.pages.db_pages_per_user > 0.0 => spread_checkpoint(
                c.per_page_s,
                c.fixed_s,
                self.pages.frames(u),
                self.pages.db_pages_per_user * u,
                self.pages.autocheckpoint,
            ),
            _ => 0.0,
        }
    }

    /// γ from a pair of windows: the small cache's extra time over the
    /// keys whose leaf it missed (at least 0); and its relative error, a
    /// window's (`WINDOW_SD`) in each of the two, over the difference (at
    /// most 1).
    pub fn with_missed(mut self, m: Missed) -> (LeafFit, f64) {
        let extra = m.small_cache_s - m.cached_s;
        self.gamma_s_per_missed_key = m.gamma(&self.pages);
        self.missed = Some(m);
        let err = (WINDOW_SD * std::f64::consts::SQRT_2 * m.cached_s / extra.max(1e-9)).min(1.0);
        (self, err)
    }

    /// Share of a load of `users` the γ term makes up.
    pub fn missed_part(&self, users: f64) -> f64 {
        if self.gamma_s_per_missed_key <= 0.0 {
            return 0.0;
        }
        self.share_beyond(
            &LeafFit {
                gamma_s_per_missed_key: 0.0,
                missed: None,
                ..self.clone()
            },
            users,
        )
    }

    /// Share of a load of `users` this model's time exceeds `without`'s
    /// by: what the terms `without` leaves out make up.
    fn share_beyond(&self, without: &LeafFit, users: f64) -> f64 {
        (1.0 - without.total_s(users) / self.total_s(users).max(1e-12)).max(0.0)
    }

    /// What the report says of C(u) (none when it is not in the model):
    /// what a page copied and the syncs cost, what a batch pays at the
    /// largest window (`window_users`) and at the load's end, and the share
    /// of the projection.
    pub fn checkpoint_note(&self, window_users: f64, users: f64) -> Option<String> {
        let c = self.checkpoint?;
        let end = (users - self.pages.batch_users / 2.0).max(0.0);
        let ck = self.checkpoint_s(end);
        if ck <= 0.0 {
            return None;
        }
        let share = self.share_beyond(
            &LeafFit {
                checkpoint: None,
                ..self.clone()
            },
            users,
        );
        Some(format!(
            "checkpoints: {:.1} µs for each page copied and {:.1} ms of syncs (the windows' median); a batch pays {:.3} s of them at {:.0} users (the largest window, a checkpoint shared with other batches) and {:.3} s at the load's end: {:.0} % of the projection",
            c.per_page_s * 1e6,
            c.fixed_s * 1e3,
            self.checkpoint_s(window_users),
            window_users,
            ck,
            share * 100.0
        ))
    }

    /// Seconds for a load of `users`, batch by batch (each at its middle).
    pub fn total_s(&self, users: f64) -> f64 {
        let b = self.pages.batch_users.max(1.0);
        let whole = (users / b).floor() as u64;
        let mut t: f64 = (0..whole).map(|i| self.batch_s((i as f64 + 0.5) * b)).sum();
        let rest = users - whole as f64 * b;
        if rest > 0.0 {
            t += self.batch_s(whole as f64 * b + rest / 2.0) * rest / b;
        }
        t
    }
}

/// Fits α, β ≥ 0 to `(users in the target, seconds per batch)`, the
/// seconds without the windows' checkpoints (`checkpoint` adds them at
/// every size).
pub fn fit_leaves(
    points: &[(f64, f64)],
    pages: Pages,
    checkpoint: Option<CheckpointCost>,
) -> Option<LeafFit> {
    if points.is_empty() {
        return None;
    }
    let xy: Vec<(f64, f64)> = points.iter().map(|&(u, t)| (pages.touched(u), t)).collect();
    let (alpha, beta) = line_fit(&xy);
    let mut fit = LeafFit {
        alpha_s: alpha,
        beta_s_per_leaf: beta,
        rms_rel_error: 0.0,
        pages,
        gamma_s_per_missed_key: 0.0,
        missed: None,
        checkpoint,
    };
    fit.rms_rel_error = rms_rel(points.iter().map(|&(u, t)| (fit.work_s(u), t)));
    Some(fit)
}

/// Least residual a window is taken to have, relative to the mean window:
/// four windows on a line say little about their noise. Windows in one
/// estimate agree (five at one size within 5–10 %), but the same window
/// measured 5.5–10 % apart (standard deviation) across nine estimates of
/// 10M `bench-8` users on a quiet machine, one after the other, and the
/// slope read from them 13–39 µs a leaf (docs/estimate.md § Measured).
pub const WINDOW_SD: f64 = 0.08;

impl LeafFit {
    /// Relative standard error of the load's mean batch time, the fitted
    /// line read at the load's mean T: s²·(1/n + (T̄ − mean T)²/Sxx), with
    /// s the residual's (n − 2 degrees of freedom) or `WINDOW_SD` of the
    /// mean window, whichever is larger. Extrapolating far beyond the
    /// windows' T makes it large, as it should.
    pub fn rel_se(&self, points: &[(f64, f64)], users: f64) -> f64 {
        let n = points.len();
        if n == 0 {
            return 1.0;
        }
        let xy: Vec<(f64, f64)> = points
            .iter()
            .map(|&(u, t)| (self.pages.touched(u), t))
            .collect();
        let nf = n as f64;
        let mx = xy.iter().map(|p| p.0).sum::<f64>() / nf;
        let my = xy.iter().map(|p| p.1).sum::<f64>() / nf;
        let sxx: f64 = xy.iter().map(|p| (p.0 - mx).powi(2)).sum();
        let rss: f64 = xy
            .iter()
            .map(|&(x, y)| (y - self.alpha_s - self.beta_s_per_leaf * x).powi(2))
            .sum();
        let s_res = if n > 2 {
            (rss / (nf - 2.0)).sqrt()
        } else {
            0.0
        };
        let s = s_res.max(WINDOW_SD * my);
        let b = self.pages.batch_users.max(1.0);
        let batches = (users / b).ceil().max(1.0);
        let t_bar = (0..batches as u64)
            .map(|i| self.pages.touched((i as f64 + 0.5) * b))
            .sum::<f64>()
            / batches;
        let lever = if sxx > 0.0 {
            (t_bar - mx).powi(2) / sxx
        } else {
            0.0
        };
        let mean = self.alpha_s + self.beta_s_per_leaf * t_bar;
        (s * (1.0 / nf + lever).sqrt() / mean.max(1e-9)).min(0.5)
    }
}

/// y = a + b·x by least squares, a, b ≥ 0.
fn line_fit(xy: &[(f64, f64)]) -> (f64, f64) {
    let n = xy.len() as f64;
    let (mx, my) = (
        xy.iter().map(|p| p.0).sum::<f64>() / n,
        xy.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxx: f64 = xy.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = xy.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if xy.len() < 2 || sxx <= 0.0 || sxy <= 0.0 {
        return (my.max(0.0), 0.0);
    }
    let b = sxy / sxx;
    let a = my - b * mx;
    if a >= 0.0 {
        return (a, b);
    }
    // Through the origin: no batch costs less than nothing.
    let sxx0: f64 = xy.iter().map(|p| p.0 * p.0).sum();
    (
        0.0,
        xy.iter().map(|p| p.0 * p.1).sum::<f64>() / sxx0.max(1e-300),
    )
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
    /// Samples at small, geometrically spaced sizes and a fitted model:
    /// the default on every kind of target (SQLite's too since its model
    /// counts the index leaves a batch lands on; docs/estimate.md §
    /// Measured).
    #[default]
    Geometric,
    /// Samples at 21 % and 79 % of the production size (two-point
    /// Gauss–Legendre): as accurate at small sizes, as costly as a quarter
    /// to most of the load, and its full size again on disk.
    Quadrature,
}

/// The fitted size model, as the report shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fitted {
    /// A server: time per row against ln(rows).
    Log {
        fit: LogFit,
        /// (rows in the target, seconds per row) at each size.
        points: Vec<(f64, f64)>,
    },
    /// SQLite: time per batch against the index leaves it lands on.
    Leaves {
        fit: LeafFit,
        /// (users in the target, seconds per batch) at each size.
        points: Vec<(f64, f64)>,
    },
}

/// One sample at size: rows in the target before it, rows it loaded, the
/// writer's seconds (its checkpoint's charge included), and on SQLite its
/// checkpoint as timed.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub at_rows: f64,
    pub rows: f64,
    pub secs: f64,
    pub checkpoint: Option<Checkpoint>,
}

/// The full load's mean rate (rows/s) from the samples at size, the
/// model's relative standard error, and the model. `rows` and `users` of
/// the full load; `pages`, SQLite's page counts.
pub fn full_rate(
    at: &[Window],
    rows: f64,
    users: f64,
    pages: Option<&Pages>,
    missed: Option<Missed>,
) -> Option<(f64, f64, Fitted)> {
    let k = at.len().max(1) as f64;
    let se = |rms: f64| (rms.powi(2) / k + EXTRAPOLATION_SD * EXTRAPOLATION_SD).sqrt();
    if let Some(pages) = pages {
        let per_user = rows / users.max(1.0);
        let batch_rows = per_user * pages.batch_users;
        // The checkpoint is taken out of each window and put back at each
        // size of the load (`LeafFit::checkpoint_s`): what a batch's pages
        // cost to copy and sync depends on how many other batches write the
        // same ones before the next checkpoint, which a small copy's
        // windows do far more than a long load's batches.
        let timed: Vec<Checkpoint> = at.iter().filter_map(|w| w.checkpoint).collect();
        let cost = (timed.len() == at.len() && !timed.is_empty() && pages.db_pages_per_user > 0.0)
            .then(|| {
                let median = |f: fn(&Checkpoint) -> f64| {
                    crate::harness::trend::median(&timed.iter().map(f).collect::<Vec<_>>())
                };
                CheckpointCost {
                    per_page_s: median(Checkpoint::per_page_s),
                    fixed_s: median(|c| c.fixed_s),
                }
            });
        // Users in the target at the middle of each window, seconds per batch.
        let points: Vec<(f64, f64)> = at
            .iter()
            .map(|w| {
                let charged = match (cost, w.checkpoint) {
                    (Some(_), Some(c)) => c.charged_s(pages.autocheckpoint),
                    _ => 0.0,
                };
                (
                    (w.at_rows + w.rows / 2.0) / per_user,
                    (w.secs - charged).max(0.0) / w.rows.max(1.0) * batch_rows,
                )
            })
            .collect();
        let mut fit = fit_leaves(&points, pages.clone(), cost)?;
        let mut se = fit.rel_se(&points, users);
        if let Some(m) = missed {
            let (with, err) = fit.with_missed(m);
            fit = with;
            se = se.hypot(fit.missed_part(users) * err);
        }
        let rate = rows / fit.total_s(users).max(1e-9);
        let se = se.hypot(EXTRAPOLATION_SD);
        return Some((rate, se, Fitted::Leaves { fit, points }));
    }
    // Rows in the target at the middle of each window.
    let points: Vec<(f64, f64)> = at
        .iter()
        .map(|w| (w.at_rows + w.rows / 2.0, w.secs / w.rows.max(1.0)))
        .collect();
    let fit = fit_log(&points)?;
    let rate = 1.0 / fit.mean_s(rows);
    Some((rate, se(fit.rms_rel_error), Fitted::Log { fit, points }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mysql_has_one_window_at_a_sixteenth_of_the_load() {
        // 1M users in batches of 5,000: 200 batches, the copy holds 13.
        let at = AtSize::redo_window(1_000_000, 5_000, 5_000).unwrap();
        assert_eq!(
            (at.points.clone(), at.window, at.batch),
            (vec![13], 12, 5_000)
        );
        // A larger sample makes a longer window.
        assert_eq!(
            AtSize::redo_window(1_000_000, 200_000, 5_000)
                .unwrap()
                .window,
            20
        );
        // Fewer than 32 batches: the quadrature instead.
        assert!(AtSize::redo_window(155_000, 5_000, 5_000).is_none());
        assert!(AtSize::redo_window(160_000, 5_000, 5_000).is_some());
    }

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
        let at: Vec<Window> = [192_000.0f64, 577_000.0, 962_000.0]
            .iter()
            .map(|&r| window(r, 192_000.0, 192_000.0 * per_row(r + 96_000.0)))
            .collect();
        let (rate, se, fitted) = full_rate(&at, 7.7e6, 1e6, None, None).unwrap();
        let mean = 1e-6 + 2e-7 * (7.7e6f64.ln() - 1.0);
        assert!((rate * mean - 1.0).abs() < 1e-9, "{rate} vs {}", 1.0 / mean);
        // A perfect fit still carries the extrapolation's allowance.
        assert!((se - EXTRAPOLATION_SD).abs() < 1e-9);
        let Fitted::Log { points, .. } = fitted else {
            panic!("a server's model is the log form")
        };
        assert_eq!(points.len(), 3);
        assert_eq!(points[0].0, 288_000.0);
        assert!(full_rate(&[], 1e6, 1e5, None, None).is_none());
    }

    fn window(at_rows: f64, rows: f64, secs: f64) -> Window {
        Window {
            at_rows,
            rows,
            secs,
            checkpoint: None,
        }
    }

    fn bench_pages() -> Pages {
        Pages {
            batch_users: 25_000.0,
            append_pages_per_user: 0.035,
            indexes: [0.0099, 0.006, 0.0121]
                .iter()
                .enumerate()
                .map(|(k, &p)| Index {
                    name: format!("i{k}"),
                    pages_per_user: p,
                    rows_per_user: 1.0,
                })
                .collect(),
            cache_pages: 65_536.0,
            autocheckpoint: 65_536.0,
            bytes_per_user: 300.0,
            db_pages_per_user: 300.0 / 4096.0,
        }
    }

    #[test]
    fn a_batch_lands_on_every_leaf_of_a_small_index_and_on_one_per_key_in_a_large_one() {
        let p = bench_pages();
        // 50,000 users: 1,400 leaves, fewer than a batch's 75,000 keys.
        assert!((p.touched(5e4) - p.index_pages(5e4)).abs() < 1.0);
        // 100M users: leaves far outnumber keys, about one leaf per key.
        let t = p.touched(1e8);
        assert!(t < 75_000.0 && t > 73_000.0, "{t}");
        // Growing, more slowly than the index.
        assert!(p.touched(1e7) > p.touched(1e6));
        assert!(p.touched(1e7) < 3.0 * p.touched(1e6));
    }

    /// A batch's seconds by a known leaf model: α = 0.15 s, β = 30 µs.
    fn leaf_truth(p: &Pages, u: f64) -> f64 {
        0.15 + 30e-6 * p.touched(u)
    }

    /// Exact windows of that model at 50,000, 100,000 and 150,000 users.
    fn exact_windows(p: &Pages) -> Vec<(f64, f64)> {
        [50_000.0f64, 100_000.0, 150_000.0]
            .iter()
            .map(|&u| (u, leaf_truth(p, u)))
            .collect()
    }

    #[test]
    fn the_leaf_model_is_recovered_and_summed_batch_by_batch() {
        let p = bench_pages();
        let truth = |u: f64| leaf_truth(&p, u);
        let pts = exact_windows(&p);
        let f = fit_leaves(&pts, p.clone(), None).unwrap();
        assert!((f.alpha_s - 0.15).abs() < 1e-9 && (f.beta_s_per_leaf - 30e-6).abs() < 1e-12);
        assert!(f.rms_rel_error < 1e-9);
        let sum: f64 = (0..400).map(|i| truth((i as f64 + 0.5) * 25_000.0)).sum();
        assert!((f.total_s(1e7) / sum - 1.0).abs() < 1e-9);
        // Half a batch more costs half the next batch.
        let extra = f.total_s(1e7 + 12_500.0) - f.total_s(1e7);
        assert!((extra - truth(1e7 + 6_250.0) / 2.0).abs() < 1e-9);
        // Through full_rate: windows of 2 batches (rows = users here).
        let at: Vec<Window> = [25_000.0f64, 75_000.0, 125_000.0]
            .iter()
            .map(|&u| window(u, 50_000.0, 2.0 * truth(u + 25_000.0)))
            .collect();
        let (rate, _, fitted) = full_rate(&at, 1e7, 1e7, Some(&p), None).unwrap();
        assert!((rate * sum / 1e7 - 1.0).abs() < 1e-6, "{rate}");
        assert!(matches!(fitted, Fitted::Leaves { .. }));
        // Exact windows: the error is the windows' least spread, carried to
        // the load's mean T (far beyond the windows' T: several times it).
        let rel = f.rel_se(&pts, 1e7);
        assert!(rel > WINDOW_SD && rel <= 0.5, "{rel}");
        assert!(f.rel_se(&pts, 2e5) < rel);
        // A falling trend is not extrapolated: the mean of the windows.
        let flat = fit_leaves(&[(5e4, 0.3), (1.5e5, 0.2)], p, None).unwrap();
        assert_eq!(flat.beta_s_per_leaf, 0.0);
        assert!((flat.alpha_s - 0.25).abs() < 1e-12);
    }

    #[test]
    fn leaves_the_cache_cannot_hold_cost_what_the_small_cache_window_adds() {
        let p = bench_pages();
        // 65,536 pages of cache: 0.0280 index pages a user fill it at 2.34M.
        assert!((p.cache_full_at() - 65_536.0 / 0.028).abs() < 1e-6);
        assert_eq!(p.missed_share(1e6), 0.0);
        assert!((p.missed_share(1e7) - (1.0 - 65_536.0 / 280_000.0)).abs() < 1e-9);
        let truth = |u: f64| leaf_truth(&p, u);
        let pts = exact_windows(&p);
        let fit = fit_leaves(&pts, p.clone(), None).unwrap();
        // The pair at 125,000 users: 7/8 of a batch's 75,000 keys missed
        // their leaf, 3 µs more each.
        assert_eq!(p.keys(), 75_000.0);
        let m = Missed {
            users: 125_000.0,
            cached_s: truth(125_000.0),
            small_cache_s: truth(125_000.0) + 3e-6 * 75_000.0 * 0.875,
            small_cache_pages: 400.0,
            share: 0.875,
        };
        let (with, err) = fit.clone().with_missed(m);
        assert!((with.gamma_s_per_missed_key - 3e-6).abs() < 1e-12);
        assert!(err > 0.0 && err < 1.0, "{err}");
        // Nothing changes while the indexes fit the cache; at the end of a
        // 10M load γ for each key whose leaf the cache misses.
        assert_eq!(with.batch_s(1e6), fit.batch_s(1e6));
        let tail = with.batch_s(9.99e6) - fit.batch_s(9.99e6);
        let want = 3e-6 * 75_000.0 * p.missed_share(9.99e6);
        assert!((tail - want).abs() < 1e-9);
        assert!(with.missed_part(1e7) > 0.0 && fit.missed_part(1e7) == 0.0);
        // A small cache that ran no slower: γ stays 0, the error is whole.
        let (none, err) = fit.with_missed(Missed {
            small_cache_s: m.cached_s * 0.99,
            ..m
        });
        assert_eq!((none.gamma_s_per_missed_key, err), (0.0, 1.0));
        // Through full_rate the pair raises the projection and widens it.
        let at: Vec<Window> = pts
            .iter()
            .map(|&(u, t)| window(u - 25_000.0, 50_000.0, 2.0 * t))
            .collect();
        let (plain, se0, _) = full_rate(&at, 1e7, 1e7, Some(&p), None).unwrap();
        let (slower, se1, fitted) = full_rate(&at, 1e7, 1e7, Some(&p), Some(m)).unwrap();
        assert!(slower < plain && se1 > se0, "{slower} {plain} {se0} {se1}");
        let Fitted::Leaves { fit, .. } = fitted else {
            panic!("SQLite's model is the leaf model")
        };
        assert_eq!(fit.missed, Some(m));
    }

    #[test]
    fn a_checkpoint_is_spread_over_the_batches_between_two() {
        let every = 65_536.0;
        // A write that fills a checkpoint interval on its own: as measured.
        let t = spread_checkpoint(0.9 / every, 0.1, every, 10.0 * every, every);
        assert!((t - 1.0).abs() < 1e-9, "{t}");
        // Four per interval, each touching new pages (a huge database): a
        // quarter of the syncs, all of the page copies.
        let t = spread_checkpoint(0.8 / (every / 4.0), 0.2, every / 4.0, 1e12, every);
        assert!((t - (0.8 + 0.05)).abs() < 1e-6, "{t}");
        // Four that rewrite the same pages (the database no larger than one):
        // each page is copied once per interval.
        let t = spread_checkpoint(0.8 / (every / 4.0), 0.2, every / 4.0, every / 4.0, every);
        assert!((t - (0.2 + 0.05)).abs() < 1e-6, "{t}");
        let c = Checkpoint {
            whole_s: 1.0,
            fixed_s: 0.2,
            wal_pages: every / 4.0,
            db_pages: every / 4.0,
        };
        assert!((c.charged_s(every) - 0.25).abs() < 1e-6);
    }

    #[test]
    fn windows_checkpoints_are_taken_out_and_paid_at_the_loads_sizes() {
        let p = bench_pages();
        let every = p.autocheckpoint;
        // 5 µs a page copied, 20 ms of syncs: what a batch pays at u users.
        let cost = CheckpointCost {
            per_page_s: 5e-6,
            fixed_s: 0.02,
        };
        let ck =
            |u: f64| spread_checkpoint(5e-6, 0.02, p.frames(u), p.db_pages_per_user * u, every);
        // Small copies: a batch's leaves are nearly all the index's, many
        // batches share each checkpoint. At 10M users each batch's pages
        // are its own: the checkpoint per batch is several times larger.
        assert!(ck(1e7) > 4.0 * ck(1e5), "{} {}", ck(1e5), ck(1e7));
        // Windows of two batches whose time is the leaf model's plus their
        // checkpoint as timed and charged.
        let at: Vec<Window> = [25_000.0f64, 75_000.0, 125_000.0]
            .iter()
            .map(|&u| {
                let mid = u + 25_000.0;
                let wal = 2.0 * p.frames(mid);
                let c = Checkpoint {
                    whole_s: 5e-6 * wal + 0.02,
                    fixed_s: 0.02,
                    wal_pages: wal,
                    db_pages: p.db_pages_per_user * mid,
                };
                let secs = 2.0 * leaf_truth(&p, mid) + c.charged_s(every);
                Window {
                    at_rows: u,
                    rows: 50_000.0,
                    secs,
                    checkpoint: Some(c),
                }
            })
            .collect();
        let (rate, _, fitted) = full_rate(&at, 1e7, 1e7, Some(&p), None).unwrap();
        let Fitted::Leaves { fit, .. } = fitted else {
            panic!("SQLite's model is the leaf model")
        };
        assert_eq!(fit.checkpoint, Some(cost));
        let note = fit.checkpoint_note(150_000.0, 1e7).unwrap();
        assert!(
            note.contains("5.0 µs for each page copied and 20.0 ms of syncs"),
            "{note}"
        );
        assert!(
            fit_leaves(&[(5e4, 0.3)], p.clone(), None)
                .unwrap()
                .checkpoint_note(5e4, 1e7)
                .is_none()
        );
        assert!((fit.alpha_s - 0.15).abs() < 1e-3, "{}", fit.alpha_s);
        assert!((fit.beta_s_per_leaf - 30e-6).abs() < 1e-7);
        let want: f64 = (0..400)
            .map(|i| {
                let u = (i as f64 + 0.5) * 25_000.0;
                leaf_truth(&p, u) + ck(u)
            })
            .sum();
        assert!(
            (1e7 / rate / want - 1.0).abs() < 1e-3,
            "{} {want}",
            1e7 / rate
        );
        // Without the windows' checkpoints the same windows project less:
        // their checkpoints, charged at their own sizes, are in β.
        let plain: Vec<Window> = at
            .iter()
            .map(|w| Window {
                checkpoint: None,
                ..*w
            })
            .collect();
        let (low, _, _) = full_rate(&plain, 1e7, 1e7, Some(&p), None).unwrap();
        assert!(low > rate * 1.05, "{low} {rate}");
    }
}
