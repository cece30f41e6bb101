//! SQLite's samples at geometrically spaced small sizes (`--size-method
//! geometric`, see `geometric.rs`): one fill file appended to each size in
//! turn (no index, no journal); at each size a copy of it gets its indexes
//! (one sort each) and one window of the full load's batches is loaded
//! into that copy itself, which is then removed. At each size the page
//! counts are read (`dbstat`); the largest size is measured in the fill
//! file itself. When the load's indexes outgrow the page cache, the
//! second-largest size's window is loaded twice, the second time into
//! another copy with a small cache (`geometric::Missed`). Beside the
//! target at most the fill file and one copy of the size before (about an
//! eighth of the production's size; two for that pair), or the fill file
//! with its indexes.

use super::geometric::{Index, MISSED_CACHE, MISSED_FROM, Missed, Pages, RANDOM_FILL};
use super::model::Sample;
use super::sample::{self, At, Ddl, fill_failed, fill_to};
use crate::error::{Error, Result};
use crate::harness::{Plan, RehearseOptions};
use crate::target::Target;
use std::path::Path;
use std::time::Instant;

/// What the SQLite sizes are: batch counts, ascending; batches per window;
/// the production's users; the budget.
pub struct Design {
    pub batch: u64,
    pub points: Vec<u64>,
    pub window: u64,
    pub users: u64,
    pub started: Instant,
    pub budget_s: f64,
}

/// The samples, one per size, plus the page counts (of the largest size),
/// the time filling, sizes skipped, peak bytes beside the target.
#[derive(Default)]
pub struct Out {
    pub samples: Vec<Sample>,
    pub pages: Option<Pages>,
    pub fill_s: f64,
    pub skipped: usize,
    pub peak_bytes: u64,
    /// Users the sizes were capped at (`most_users`), when they were.
    pub capped: Option<u64>,
    /// The pair of windows with and without a cache that holds the
    /// indexes, when the load's indexes outgrow it.
    pub missed: Option<Missed>,
}

/// A scratch copy's file (size samples are taken on SQLite only).
fn file_of(s: &crate::target::Scratch) -> Result<std::path::PathBuf> {
    s.target
        .file()
        .map(Path::to_path_buf)
        .ok_or_else(|| Error::target("size samples of this kind are for SQLite targets"))
}

fn bytes(p: &Path) -> u64 {
    let f = |s: &str| {
        std::fs::metadata(format!("{}{s}", p.display()))
            .map(|m| m.len())
            .unwrap_or(0)
    };
    f("") + f("-wal")
}

/// Bytes of the fill file and the copy (once when they are one file).
fn beside(fill: &Path, copy: &Path) -> u64 {
    if fill == copy {
        bytes(fill)
    } else {
        bytes(fill) + bytes(copy)
    }
}

/// Seconds per batch of a sample at size (its writer's time).
pub fn per_batch_s(s: &Sample, batch: u64) -> f64 {
    s.steady_window_s * batch as f64 / s.users.max(1) as f64
}

pub fn run(plan: &Plan, target: &Target, base: &RehearseOptions, d: &Design) -> Result<Out> {
    let fill = target.scratch("fill")?;
    let fill_file = file_of(&fill)?;
    let mut conn = fill.target.connect()?;
    let ddl = Ddl::of(plan, conn.dialect());
    conn.batch(&ddl.tables).map_err(fill_failed)?;
    drop(conn);
    let mut out = Out::default();
    let mut from = 0;
    let mut last: Option<(f64, u64)> = None;
    let mut points = d.points.clone();
    let mut i = 0;
    while i < points.len() {
        let to = points[i];
        if let (Some((secs, prev)), true) = (last, i >= 2) {
            let next = secs * to as f64 / prev.max(1) as f64;
            if d.started.elapsed().as_secs_f64() + next > d.budget_s {
                out.skipped = points.len() - i;
                break;
            }
        }
        let t0 = Instant::now();
        let rows = fill_to(plan, &fill, base, d.batch, from..to, 1)?;
        from = to;
        let last_size = i + 1 == points.len();
        // The largest size is measured in the fill file itself (nothing is
        // appended after it): beside the target at most the fill file and
        // one copy of a smaller size, or the fill file with its indexes.
        let own;
        let copy = if last_size {
            &fill
        } else {
            own = target.scratch(&format!("at-{i}"))?;
            &own
        };
        let file = file_of(copy)?;
        if !last_size {
            std::fs::copy(&fill_file, &file).map_err(|e| Error::io("copy", &file, e))?;
        }
        copy.target
            .connect()?
            .batch(&format!("{}PRAGMA wal_checkpoint(TRUNCATE);", ddl.keys))
            .map_err(fill_failed)?;
        std::fs::File::open(&file)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::io("sync", &file, e))?;
        out.fill_s += t0.elapsed().as_secs_f64();
        let users = to * d.batch;
        // Read at every size: a budget that stops early leaves the last read.
        let pages = read_pages(&file, users, d.batch)?;
        if i == 0 {
            // The page counts per user are known from the first size on:
            // the larger sizes are kept where a sorted build measures what
            // a long load meets (`most_users`).
            let cap = (most_users(&pages) / d.batch as f64).floor() as u64;
            let capped = capped(&points, cap);
            if capped != points {
                out.capped = Some(cap * d.batch);
                points = capped;
            }
        }
        let cache_kib = crate::target::sqlite::DEFAULT_TUNING.cache_kib;
        // At the second-largest size (the largest measured in a copy of
        // its own, not in the fill file), when the load's indexes outgrow
        // the page cache (`MISSED_FROM`): another copy of it, for a second
        // window with a small cache (`Missed`).
        let small_cache = (i + 2 == points.len()
            && pages.missed_share(d.users as f64) >= MISSED_FROM)
            .then(|| -> Result<_> {
                let scratch = target.scratch(&format!("small-cache-{i}"))?;
                let f = file_of(&scratch)?;
                sample::copy_synced(&file, &f)?;
                // The copy's own (sorted) index pages: an eighth of them.
                let sorted = pages.index_pages(users as f64) * RANDOM_FILL;
                let small = (sorted * MISSED_CACHE).max(16.0);
                Ok((scratch, f, small, sorted))
            })
            .transpose()?;
        let at = At {
            batches: to,
            rows,
            cache_kib,
        };
        let s = sample::run_at_in(plan, copy, &at, base, d.batch, d.window)?;
        out.peak_bytes = out
            .peak_bytes
            .max(beside(&fill_file, &file) + small_cache.as_ref().map_or(0, |c| bytes(&c.1)));
        if let Some((scratch, _, small, sorted)) = small_cache {
            let m = sample::run_at_in(
                plan,
                &scratch,
                &At {
                    // The load's cache scaled from its pages to `small`.
                    cache_kib: ((cache_kib as f64 * small / pages.cache_pages).ceil() as u64)
                        .max(1),
                    ..at
                },
                base,
                d.batch,
                d.window,
            )?;
            out.missed = Some(Missed {
                users: (users + d.window * d.batch / 2) as f64,
                cached_s: per_batch_s(&s, d.batch),
                small_cache_s: per_batch_s(&m, d.batch),
                small_cache_pages: small,
                share: (1.0 - small / sorted.max(1.0)).max(0.0),
            });
        }
        out.pages = Some(pages);
        out.samples.push(s);
        last = Some((t0.elapsed().as_secs_f64(), to.max(1)));
        i += 1;
    }
    Ok(out)
}

/// Fewest of a batch's keys per leaf of an index at which a window in a
/// sorted build is measured: a sort packs every leaf full, so the first
/// batch splits nearly every leaf it lands on. Where a leaf meets many of
/// a batch's keys it splits in a long load too; where it meets one or two
/// it seldom does there, and a window ran 35 % slower than the long load
/// at the same size (10M `bench-8`, 1.7 keys per leaf; docs/estimate.md §
/// Measured).
pub const KEYS_PER_LEAF: f64 = 8.0;

/// Most users the target may hold for every index to get at least
/// `KEYS_PER_LEAF` of a batch's keys per leaf.
pub fn most_users(p: &Pages) -> f64 {
    // An index that gets a few keys a batch (bookkeeping, a lookup table)
    // costs nothing that grows.
    p.indexes
        .iter()
        .filter(|i| i.pages_per_user > 0.0 && i.rows_per_user * p.batch_users >= KEYS_PER_LEAF)
        .map(|i| i.rows_per_user * p.batch_users / (KEYS_PER_LEAF * i.pages_per_user))
        .fold(f64::INFINITY, f64::min)
}

/// The sizes (batch counts, ascending) with the larger ones moved to at
/// most `cap` batches, as many, evenly spaced from the first (which is
/// filled already), distinct; unchanged when they fit.
pub fn capped(points: &[u64], cap: u64) -> Vec<u64> {
    let (Some(&first), Some(&top)) = (points.first(), points.last()) else {
        return points.to_vec();
    };
    let k = points.len();
    if top <= cap || k < 2 {
        return points.to_vec();
    }
    // Room for distinct sizes above the first, whatever the cap.
    let top = cap.max(first + k as u64 - 1);
    let mut v: Vec<u64> = (0..k)
        .map(|j| first + ((top - first) as f64 * j as f64 / (k - 1) as f64).round() as u64)
        .collect();
    v.dedup();
    v
}

/// Page counts of the copy at `file` holding `users` users, with its
/// indexes as a long load's random inserts leave them (`RANDOM_FILL`).
fn read_pages(file: &Path, users: u64, batch: u64) -> Result<Pages> {
    let fail = |e: rusqlite::Error| {
        Error::target(format!(
            "cannot read the page counts of {}: {e}",
            file.display()
        ))
    };
    let c = rusqlite::Connection::open(file).map_err(fail)?;
    let page_size: f64 = c
        .query_row("PRAGMA page_size", [], |r| r.get::<_, i64>(0))
        .map_err(fail)? as f64;
    // name → (table, is an index or a table without rowid).
    let objects: Vec<(String, String, bool)> = c
        .prepare("SELECT name, tbl_name, type = 'index' OR sql LIKE '%WITHOUT ROWID%' FROM sqlite_schema WHERE type IN ('table', 'index')")
        .and_then(|mut st| {
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, bool>(2)?)))?
                .collect()
        })
        .map_err(fail)?;
    let pages: Vec<(String, f64)> = c
        .prepare("SELECT name, count(*) FROM dbstat GROUP BY name")
        .and_then(|mut st| {
            st.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as f64)))?
                .collect()
        })
        .map_err(fail)?;
    let u = users.max(1) as f64;
    let mut append = 0.0;
    let mut indexes = Vec::new();
    let mut total = 0.0;
    for (name, n) in pages {
        let Some((_, table, random)) = objects.iter().find(|o| o.0 == name) else {
            total += n;
            continue;
        };
        if *random {
            let q = crate::sink::sql::quote_ident(crate::sink::Dialect::Sqlite, table);
            let rows: f64 = c
                .query_row(&format!("SELECT count(*) FROM {q}"), [], |r| {
                    r.get::<_, i64>(0)
                })
                .map_err(fail)? as f64;
            total += n / RANDOM_FILL;
            indexes.push(Index {
                name,
                pages_per_user: n / RANDOM_FILL / u,
                rows_per_user: rows / u,
            });
        } else {
            total += n;
            append += n / u;
        }
    }
    let t = crate::target::sqlite::DEFAULT_TUNING;
    Ok(Pages {
        batch_users: batch as f64,
        append_pages_per_user: append,
        indexes,
        cache_pages: t.cache_kib as f64 * 1024.0 / page_size,
        autocheckpoint: t.autocheckpoint_pages as f64,
        bytes_per_user: total * page_size / u,
        db_pages_per_user: total / u,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::geometric::Index;

    #[test]
    fn sizes_beyond_eight_keys_per_leaf_are_moved_below_it() {
        // 10M users in batches of 25,000: 1, 13, 25, 50 batches planned.
        let p = Pages {
            batch_users: 25_000.0,
            append_pages_per_user: 0.035,
            indexes: vec![
                Index {
                    name: "email".into(),
                    pages_per_user: 0.0121,
                    rows_per_user: 1.0,
                },
                Index {
                    name: "roles".into(),
                    pages_per_user: 0.0255,
                    rows_per_user: 2.0,
                },
                // The progress table's: one key, one page.
                Index {
                    name: "progress".into(),
                    pages_per_user: 1.0 / 0.69 / 25_000.0,
                    rows_per_user: 1.0 / 25_000.0,
                },
            ],
            cache_pages: 65_536.0,
            autocheckpoint: 65_536.0,
            bytes_per_user: 300.0,
            db_pages_per_user: 300.0 / 4096.0,
        };
        let most = most_users(&p);
        assert!(
            (most - 25_000.0 * 2.0 / (8.0 * 0.0255)).abs() < 1e-6,
            "{most}"
        );
        let cap = (most / 25_000.0).floor() as u64;
        assert_eq!(cap, 9);
        assert_eq!(capped(&[1, 13, 25, 50], cap), vec![1, 4, 6, 9]);
        // Sizes within the cap stay; a cap below the first leaves room.
        assert_eq!(capped(&[1, 3, 5], 9), vec![1, 3, 5]);
        assert_eq!(capped(&[1, 3, 5], 1), vec![1, 2, 3]);
        assert_eq!(capped(&[], 1), Vec::<u64>::new());
    }
}
