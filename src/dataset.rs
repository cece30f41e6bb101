//! The dataset being rehearsed: a profile, a user count and a seed, with the
//! generator built from them and the load order of its tables. Every command
//! that regenerates rows (`rehearse`, `estimate`, `jit`, `scan-leaks`,
//! verification) starts from a `Plan` (`ARCHITECTURE.md` § Module map).

use crate::error::{Error, Result};
use crate::generator::plan::{aligned_chunks, build_pools, child_offsets};
use crate::generator::table::Gen;
use crate::hash::HashMode;
use crate::manifest::HashEntry;
use crate::profile::Profile;
use crate::sink::TableMeta;
use std::collections::HashSet;

/// A root table with its child tables: loaded together, batch by batch.
#[derive(Debug, Clone)]
pub struct Group {
    pub root: usize,
    /// Every table below the root (children, grandchildren, …), each after
    /// its parent (ARCHITECTURE.md § Parents).
    pub children: Vec<usize>,
    pub rows: u64,
}

/// What is being rehearsed: the generator and the load order.
pub struct Plan {
    pub profile: Profile,
    pub generator: Gen,
    pub metas: Vec<TableMeta>,
    pub groups: Vec<Group>,
    pub hashes: Vec<HashEntry>,
    pub seed: u64,
    pub users: u64,
}

impl Plan {
    pub fn new(
        profile: Profile,
        users: u64,
        seed: u64,
        domains: &[(String, u32)],
        hash_mode: Option<HashMode>,
        edge_rate: Option<f64>,
    ) -> Result<Plan> {
        let choice = crate::generator::plan::PoolChoice {
            mode: hash_mode,
            light: false,
            cache: true,
        };
        Plan::with_pools(profile, users, seed, domains, choice, edge_rate)
    }

    /// `new` with the pools' choice spelled out (`--hash-cost light` for `jit`
    /// and `scan-leaks`).
    pub fn with_pools(
        profile: Profile,
        users: u64,
        seed: u64,
        domains: &[(String, u32)],
        choice: crate::generator::plan::PoolChoice,
        edge_rate: Option<f64>,
    ) -> Result<Plan> {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::usage(format!("cannot start threads: {e}")))?;
        let edges = edge_rate.unwrap_or(profile.edge.rate) > 0.0;
        crate::generator::plan::check_planned(users, None)?;
        crate::generator::plan::check_scale(&profile, users, edges)?;
        let pools = build_pools(&profile, seed, choice, &pool)?;
        let hashes = HashEntry::of_pools(&profile, &pools, choice.light);
        let mut generator = Gen::new(&profile, seed, users, domains, pools);
        let mut edge = profile.edge.clone();
        if let Some(r) = edge_rate {
            edge.rate = r;
        }
        crate::generator::plan::install_edges(&mut generator, &profile, &edge, seed, true, &pool)?;
        let metas = TableMeta::all(&profile);
        let groups = load_order(&profile, &generator, &metas)?;
        Ok(Plan {
            profile,
            generator,
            metas,
            groups,
            hashes,
            seed,
            users,
        })
    }

    /// The table whose batches drive the load (the last group's root: the
    /// users table); `batch` counts its rows.
    pub fn driving_table(&self) -> usize {
        self.groups.last().map(|g| g.root).unwrap_or(0)
    }

    /// Tables in load order (each root, then the tables below it).
    pub fn tables_in_order(&self) -> Vec<usize> {
        self.groups
            .iter()
            .flat_map(|g| std::iter::once(g.root).chain(g.children.iter().copied()))
            .collect()
    }

    /// Batch ranges of a group and, per child, the first row of each batch
    /// plus a final entry holding the child table's total.
    pub fn batches(&self, g: &Group, size: u64) -> (Vec<std::ops::Range<u64>>, Vec<Vec<u64>>) {
        let chunks = aligned_chunks(0..g.rows, size);
        let mut with_end = chunks.clone();
        with_end.push(g.rows..g.rows);
        let offsets = child_offsets(&self.generator, &g.children, 0, &with_end);
        (chunks, offsets)
    }

    /// The driving table's batches a shard loads: a contiguous range of batch
    /// numbers, so a shard's batches are the unsharded run's batches (the same
    /// rows, the same progress keys) and shards never share one.
    pub fn shard_batches(&self, shard: Shard, size: u64) -> std::ops::Range<u64> {
        let rows = self.groups.last().map(|g| g.rows).unwrap_or(0);
        shard.range(rows.div_ceil(size.max(1)))
    }

    /// The driving table's rows in a shard (its batches' rows).
    pub fn shard_users(&self, shard: Shard, size: u64) -> std::ops::Range<u64> {
        let rows = self.groups.last().map(|g| g.rows).unwrap_or(0);
        let b = self.shard_batches(shard, size);
        (b.start * size).min(rows)..(b.end * size).min(rows)
    }

    /// Whether group `g` is loaded and verified by `shard`: the driving
    /// group (its slice) always, the lookup groups by shard 1 only.
    pub fn in_shard(&self, g: &Group, shard: Option<Shard>) -> bool {
        shard.is_none_or(|s| s.first() || g.root == self.driving_table())
    }

    /// Rows expected per table in a shard (all of them without one).
    pub fn expected_rows_in(&self, shard: Option<Shard>, size: u64) -> Vec<u64> {
        let Some(s) = shard else {
            return self.expected_rows();
        };
        let mut out = vec![0; self.metas.len()];
        for g in &self.groups {
            if !self.in_shard(g, shard) {
                continue;
            }
            if g.root != self.driving_table() {
                let all = self.expected_rows();
                out[g.root] = all[g.root];
                g.children.iter().for_each(|&c| out[c] = all[c]);
                continue;
            }
            let (chunks, offsets) = self.batches(g, size);
            let b = self.shard_batches(s, size);
            let (a, z) = (b.start as usize, b.end as usize);
            out[g.root] = chunks[a..z].iter().map(|c| c.end - c.start).sum();
            for (ci, &c) in g.children.iter().enumerate() {
                out[c] = offsets[ci][z] - offsets[ci][a];
            }
        }
        out
    }

    /// Rows expected per table (by profile index).
    pub fn expected_rows(&self) -> Vec<u64> {
        let mut out = vec![0; self.metas.len()];
        for g in &self.groups {
            out[g.root] = g.rows;
            let (_, offsets) = self.batches(g, crate::generator::plan::CHUNK);
            for (ci, &c) in g.children.iter().enumerate() {
                out[c] = *offsets[ci].last().unwrap_or(&0);
            }
        }
        out
    }
}

/// Root tables ordered so that every table a group references (foreign keys)
/// is loaded before it; profile order otherwise.
fn load_order(profile: &Profile, generator: &Gen, metas: &[TableMeta]) -> Result<Vec<Group>> {
    let root_of = |t: usize| generator.root_of(t);
    let roots: Vec<usize> = (0..metas.len())
        .filter(|&t| generator.tables[t].parent.is_none())
        .collect();
    let deps = |r: usize| -> HashSet<usize> {
        let mut d = HashSet::new();
        for t in std::iter::once(r).chain(generator.descendants(r)) {
            for fk in &metas[t].foreign_keys {
                if let Some(i) = profile.table_index(&fk.references_table) {
                    let ri = root_of(i);
                    if ri != r {
                        d.insert(ri);
                    }
                }
            }
        }
        d
    };
    let mut done: Vec<usize> = Vec::new();
    while done.len() < roots.len() {
        let next = roots
            .iter()
            .copied()
            .find(|r| !done.contains(r) && deps(*r).iter().all(|d| done.contains(d)))
            .ok_or_else(|| {
                Error::usage("the profile's tables reference each other in a cycle: no load order")
            })?;
        done.push(next);
    }
    Ok(done
        .into_iter()
        .map(|r| Group {
            root: r,
            children: generator.descendants(r),
            rows: generator.tables[r].rows,
        })
        .collect())
}

/// A slice of a run (`--shard K/N`, 1-based): `generate` writes it, `rehearse`
/// loads and verifies it (ARCHITECTURE.md § Determinism: a shard is a
/// contiguous range of the users table, the rows below them follow).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: u64,
    pub count: u64,
}

impl Shard {
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    /// This shard's contiguous slice of `0..n`.
    pub fn range(&self, n: u64) -> std::ops::Range<u64> {
        let cut = |k: u64| ((k as u128 * n as u128) / self.count as u128) as u64;
        cut(self.index - 1)..cut(self.index)
    }

    /// Shard 1 (or the whole run): the one that writes or loads the lookup
    /// tables (root tables other than the users table), whole.
    pub fn first(&self) -> bool {
        self.index == 1
    }

    /// More shards than `users`: some shard would hold no user.
    pub fn check_users(&self, users: u64, what: &str) -> Result<()> {
        if self.count > users {
            return Err(Error::usage(format!(
                "--shard {}/{}: {} shards for {} {what}; a shard would hold none (use at most {} shards)",
                self.index, self.count, self.count, users, users
            )));
        }
        Ok(())
    }

    /// `--shard auto`: K from `JOB_COMPLETION_INDEX` (0-based, as Kubernetes
    /// Indexed Jobs set it), N from `--shards` or `UNDERSTUDY_SHARDS`.
    pub fn auto(
        index: Option<&str>,
        shards: Option<u64>,
        env_shards: Option<&str>,
    ) -> Result<Shard> {
        let index = index.ok_or_else(|| {
            Error::usage(
                "--shard auto: JOB_COMPLETION_INDEX is not set (a Kubernetes Indexed Job sets it, 0-based); give --shard K/N instead",
            )
        })?;
        let k: u64 = index.trim().parse().map_err(|_| {
            Error::usage(format!(
                "--shard auto: JOB_COMPLETION_INDEX `{index}` is not a number (0-based shard index)"
            ))
        })?;
        let n = match (shards, env_shards) {
            (Some(n), _) => n,
            (None, Some(s)) => s.trim().parse().map_err(|_| {
                Error::usage(format!(
                    "--shard auto: UNDERSTUDY_SHARDS `{s}` is not a number"
                ))
            })?,
            (None, None) => {
                return Err(Error::usage(
                    "--shard auto: how many shards? give --shards N or set UNDERSTUDY_SHARDS",
                ));
            }
        };
        if n == 0 || k >= n {
            return Err(Error::usage(format!(
                "--shard auto: JOB_COMPLETION_INDEX {k} is not below the shard count {n}"
            )));
        }
        Ok(Shard {
            index: k + 1,
            count: n,
        })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Shard, String> {
        let bad = || format!("`{s}` is not a shard: use K/N with 1 ≤ K ≤ N, e.g. 2/3");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (k, n): (u64, u64) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if k == 0 || n == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { index: k, count: n })
    }
}
