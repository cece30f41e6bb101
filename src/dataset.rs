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
