//! What every row stream shares: the hash pools and edge cases installed in a
//! generator, the scale a profile can reach, chunks cut in the table's index
//! space, and the one loop that yields a root table's rows with their
//! children's (ARCHITECTURE.md § Determinism: the cuts depend on neither the
//! shard nor the thread count).

use super::table::{Gen, RowId, Scratch};
use crate::error::{Error, Result};
use crate::hash::{self, HashMode, Pool};
use crate::profile::Profile;
use crate::row::RowBuf;

/// Rows of the driving table per unit of parallel work.
pub const CHUNK: u64 = 4096;

pub const MAX_TABLE_ROWS: u64 = 1 << 62;

/// Edge cases embed a user's token in 10 digits (their lengths are labelled):
/// a table with emails or usernames holds at most this many rows when they
/// are on.
pub const MAX_EDGE_ROWS: u64 = 9_999_999_999;

/// Rehearsals, estimates and JIT runs plan their batches before loading
/// (`Plan::batches`): the most users they take, and the most batches.
pub const MAX_PLANNED_USERS: u64 = 10_000_000_000;
pub const MAX_BATCHES: u64 = 1 << 22;

/// `n` with thousands separators: 1,234,567.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Refuses, before anything is written, a user count whose rows the index
/// space cannot hold: a table over 2^62 rows (children: users times the
/// largest per-parent count), a sequence past BIGINT, or edge-case tokens
/// wider than their 10 digits.
pub fn check_scale(profile: &Profile, users: u64, edges: bool) -> Result<()> {
    use crate::profile::{Kind, Size};
    for (t, table) in profile.tables.iter().enumerate() {
        let how = match &table.size {
            Size::PerParent { parent, count } => format!(
                " ({} rows × up to {} per row)",
                profile.tables[*parent].name,
                count.max()
            ),
            _ => String::new(),
        };
        let rows = profile.max_rows(t, users).filter(|&r| r <= MAX_TABLE_ROWS);
        let Some(rows) = rows else {
            return Err(Error::usage(format!(
                "--users {}: table `{}` could reach more than 2^62 rows{how}, and its unique keys embed a 62-bit row index\n  lower --users",
                thousands(users),
                table.name
            )));
        };
        for c in &table.columns {
            if let Kind::Sequence { start } = c.kind
                && start.checked_add(rows as i64).is_none()
            {
                return Err(Error::usage(format!(
                    "--users {}: sequence `{}.{}` starting at {start} would pass the largest BIGINT with {} rows{how}\n  lower --users or the sequence's start",
                    thousands(users),
                    table.name,
                    c.name,
                    thousands(rows)
                )));
            }
        }
        let handles = table
            .columns
            .iter()
            .any(|c| matches!(c.kind, Kind::Email | Kind::Username));
        if edges && handles && rows > MAX_EDGE_ROWS {
            return Err(Error::usage(format!(
                "--users {}: table `{}` could reach {} rows{how}; edge cases embed a 10-digit token in emails and usernames, so at most {} rows there\n  lower --users, or generate without edge cases (--edge-rate 0)",
                thousands(users),
                table.name,
                thousands(rows),
                thousands(MAX_EDGE_ROWS)
            )));
        }
    }
    Ok(())
}

/// Refuses what a planned run (rehearse, estimate, jit, scan-leaks) cannot
/// hold in memory: over `MAX_PLANNED_USERS` users, or over `MAX_BATCHES`
/// batches of `batch` users.
pub fn check_planned(users: u64, batch: Option<u64>) -> Result<()> {
    if users > MAX_PLANNED_USERS {
        return Err(Error::usage(format!(
            "{} users: at most {} here (the run plans its batches up front)\n  `generate` streams any number of users to files",
            thousands(users),
            thousands(MAX_PLANNED_USERS)
        )));
    }
    if let Some(b) = batch
        && users.div_ceil(b.max(1)) > MAX_BATCHES
    {
        return Err(Error::usage(format!(
            "{} users in batches of {b}: {} batches, at most {} (the run plans its batches up front)\n  raise --batch",
            thousands(users),
            thousands(users.div_ceil(b.max(1))),
            thousands(MAX_BATCHES)
        )));
    }
    Ok(())
}

/// How pools are built: the mode override, `--hash-cost light`, the disk cache.
#[derive(Debug, Clone, Copy)]
pub struct PoolChoice {
    pub mode: Option<HashMode>,
    pub light: bool,
    pub cache: bool,
}

/// Installs the edge-case injector `cfg` describes (nothing when its rate is
/// 0), hashing password cases once per pool. Shared by `generate` and `rehearse`.
pub fn install_edges(
    generator: &mut Gen,
    profile: &Profile,
    cfg: &crate::edge::EdgeConfig,
    seed: u64,
    utf8: bool,
    pool: &rayon::ThreadPool,
) -> Result<()> {
    if cfg.rate <= 0.0 {
        return Ok(());
    }
    let kinds: Vec<Vec<Option<&'static str>>> = profile
        .tables
        .iter()
        .map(|t| t.columns.iter().map(|c| c.kind.edge_field()).collect())
        .collect();
    let inj = crate::edge::Injector::new(cfg, seed, &kinds, profile.users_table, utf8)?;
    // Password cases have fixed plaintexts: hash each once per mix entry.
    generator.edge_hashes = pool.install(|| {
        use rayon::prelude::*;
        generator
            .pools
            .par_iter()
            .map(|p| {
                inj.cases
                    .par_iter()
                    .enumerate()
                    .map(|(k, c)| match c {
                        crate::edge::Case::Catalogue(c)
                            if c.family == crate::edge::Family::Password =>
                        {
                            crate::edge::catalogue::make(c, 0).map(|pw| p.hash_known(&pw, k as u64))
                        }
                        _ => None,
                    })
                    .collect()
            })
            .collect()
    });
    generator.edge = Some(inj);
    Ok(())
}

/// Builds the profile's hash pools (on `pool`'s threads), one per entry of
/// its password mix, in order. Empty when no table has a hash column.
pub fn build_pools(
    profile: &Profile,
    seed: u64,
    choice: PoolChoice,
    pool: &rayon::ThreadPool,
) -> Result<Vec<Pool>> {
    let mut pools = Vec::new();
    let has_hashes = profile
        .users()
        .columns
        .iter()
        .any(|c| matches!(c.kind, crate::profile::Kind::PasswordHash));
    if has_hashes {
        for m in &profile.passwords.mix {
            let f = hash::lookup(&m.format).expect("checked when the profile loaded");
            let mode = choice.mode.or(m.mode).unwrap_or(HashMode::Pool);
            let mut params = hash::merged(f, &m.params);
            if choice.light {
                // Same format and encoding, the smallest work factors it allows.
                // Only the parameters light mode changes (work factors), so the
                // profile's other choices (salt position, variants) stay.
                let defaults = f.default_params();
                let light: hash::Params = hash::light_params(f)
                    .into_iter()
                    .filter(|kv| !defaults.contains(kv))
                    .collect();
                params = hash::merged_over(params, &light);
            }
            let p = pool
                .install(|| {
                    Pool::build(
                        f,
                        params,
                        mode,
                        profile.passwords.pool_size,
                        seed,
                        choice.cache,
                    )
                })
                .map_err(|e| Error::usage(format!("cannot hash with {}: {e}", m.format)))?;
            pools.push(p);
        }
    }
    Ok(pools)
}

/// Index ranges covering `range`, cut at multiples of `size` in the table's
/// index space: the cuts do not depend on the shard or the thread count.
pub fn aligned_chunks(range: std::ops::Range<u64>, size: u64) -> Vec<std::ops::Range<u64>> {
    let size = size.max(1);
    let mut out = Vec::new();
    let mut a = range.start;
    while a < range.end {
        let b = ((a / size + 1) * size).min(range.end);
        out.push(a..b);
        a = b;
    }
    out
}

/// For each table of `children` (a root table's descendants, each after its
/// parent), the position of its parent among them; `None` when the parent
/// is the root (ARCHITECTURE.md § Parents: any depth).
pub fn parent_slots(generator: &Gen, children: &[usize]) -> Vec<Option<usize>> {
    children
        .iter()
        .enumerate()
        .map(|(ci, &c)| {
            let p = generator.tables[c].parent.expect("child");
            children[..ci].iter().position(|&x| x == p)
        })
        .collect()
}

/// Rows of child table `c` under parent rows `range` (the parent's flat
/// indices), summed in pieces of `CHUNK` on the current rayon pool.
fn rows_under(generator: &Gen, c: usize, range: std::ops::Range<u64>) -> u64 {
    use rayon::prelude::*;
    let counter = generator.tables[c].count.as_ref().expect("child");
    let (a, b) = (range.start, range.end);
    if b <= a {
        return 0;
    }
    (a / CHUNK..b.div_ceil(CHUNK))
        .into_par_iter()
        .map(|k| {
            let piece = (k * CHUNK).max(a)..((k + 1) * CHUNK).min(b);
            piece.map(|i| counter.count(i) as u64).sum::<u64>()
        })
        .sum()
}

/// First flat row index of each table of `children` (a root table's
/// descendants, each after its parent) at each chunk's start, for root table
/// rows starting at `start` and cut into contiguous `chunks`; computed in
/// parallel on the current rayon pool. A grandchild's rows are counted under
/// its parent's rows of the same chunk, so every level is a sum of counts,
/// never a stored row (ARCHITECTURE.md § Parents).
pub fn child_offsets(
    generator: &Gen,
    children: &[usize],
    start: u64,
    chunks: &[std::ops::Range<u64>],
) -> Vec<Vec<u64>> {
    use rayon::prelude::*;
    let slots = parent_slots(generator, children);
    // Per table: rows before `start`, and rows under each chunk.
    let mut before: Vec<u64> = Vec::with_capacity(children.len());
    let mut per: Vec<Vec<u64>> = Vec::with_capacity(children.len());
    let mut out: Vec<Vec<u64>> = Vec::with_capacity(children.len());
    for (ci, &c) in children.iter().enumerate() {
        let (b, p) = match slots[ci] {
            None => (
                rows_under(generator, c, 0..start),
                chunks
                    .par_iter()
                    .map(|r| rows_under_seq(generator, c, r.clone()))
                    .collect::<Vec<u64>>(),
            ),
            Some(pi) => (
                rows_under(generator, c, 0..before[pi]),
                (out[pi].par_iter().zip(per[pi].par_iter()))
                    .map(|(&at, &n)| rows_under(generator, c, at..at + n))
                    .collect(),
            ),
        };
        let mut acc = b;
        out.push(
            p.iter()
                .map(|n| {
                    let at = acc;
                    acc += n;
                    at
                })
                .collect(),
        );
        before.push(b);
        per.push(p);
    }
    out
}

/// `rows_under` on this thread (one chunk of root rows).
fn rows_under_seq(generator: &Gen, c: usize, range: std::ops::Range<u64>) -> u64 {
    let counter = generator.tables[c].count.as_ref().expect("child");
    range.map(|i| counter.count(i) as u64).sum()
}

/// Advances `next` (the first flat row of each table of `children` at the
/// start of root rows `range`) past those rows' descendants: what the next
/// range starts at. On this thread.
pub fn advance(
    generator: &Gen,
    children: &[usize],
    slots: &[Option<usize>],
    range: std::ops::Range<u64>,
    next: &mut [u64],
) {
    let first: Vec<u64> = next.to_vec();
    for (ci, &c) in children.iter().enumerate() {
        let parents = match slots[ci] {
            None => range.clone(),
            Some(pi) => first[pi]..next[pi],
        };
        next[ci] += rows_under_seq(generator, c, parents);
    }
}

/// Generates root table `table`'s rows `range` and, after each, its rows of
/// `children` (its descendants, each after its parent, whose first flat
/// indices are `child_base`), calling `f(table, id, row, scratch)` for every
/// row in output order: a root row, then each descendant table's rows under
/// it, level by level, so a row always follows its parent. This is the one
/// row stream that `generate`, the rehearsal loader and verification share.
#[allow(clippy::too_many_arguments)]
pub fn rows_in(
    generator: &Gen,
    table: usize,
    children: &[usize],
    range: std::ops::Range<u64>,
    child_base: &[u64],
    row: &mut RowBuf,
    scratch: &mut Scratch,
    mut f: impl FnMut(usize, RowId, &mut RowBuf, &Scratch),
) {
    let slots = parent_slots(generator, children);
    let mut child_next: Vec<u64> = child_base.to_vec();
    // Each table's first row under the current root row.
    let mut first: Vec<u64> = child_base.to_vec();
    for i in range {
        let id = RowId {
            index: i,
            parent: 0,
            ordinal: 0,
        };
        generator.row(table, id, row, scratch);
        f(table, id, row, scratch);
        for (ci, &c) in children.iter().enumerate() {
            first[ci] = child_next[ci];
            // The parent's rows under root row i: i itself, or a child
            // table's rows just generated (ARCHITECTURE.md § Parents).
            let parents = match slots[ci] {
                None => i..i + 1,
                Some(pi) => first[pi]..child_next[pi],
            };
            let counter = generator.tables[c].count.as_ref().expect("child");
            for q in parents {
                let count = counter.count(q);
                if count == 0 {
                    continue;
                }
                generator.begin_children(c, q, count, scratch);
                for k in 0..count {
                    let j = child_next[ci];
                    child_next[ci] += 1;
                    let id = RowId {
                        index: j,
                        parent: q,
                        ordinal: k,
                    };
                    generator.row(c, id, row, scratch);
                    f(c, id, row, scratch);
                }
            }
        }
    }
}
