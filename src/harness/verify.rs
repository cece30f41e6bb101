//! Verification (ARCHITECTURE.md § Determinism): regenerate the ground truth and compare it with
//! what the target holds, per table. First an order-independent digest per
//! hash bucket of the primary key (the wrapping sum of per-row xxh3-128
//! digests of canonical rows, as the generator computes them, over the
//! columns present in the target); then, only for buckets that differ, a
//! drill-down keyed by primary key that counts missing, extra and mismatched
//! rows and keeps up to 20 examples. Memory stays bounded: the drill-down
//! holds at most `BUDGET` expected rows at a time (several passes if needed).
//! Rejected rows are excluded from the expected side and reported as rejected.
//! A mismatched row is counted under the edge-case labels its regenerated
//! self carries (the cases the generator decided for it, as the loader
//! labels it), so a value the target changed is traced to its case.

use super::{Plan, Reject, TargetTables, column_kind};
use crate::edge::Injection;
use crate::error::{Error, Result};
use crate::generator::plan::{CHUNK, aligned_chunks, child_offsets, rows_in};
use crate::generator::table::{NFC_TWIN, RowId, Scratch};
use crate::hash::HashMode;
use crate::report::{Example, PasswordCheck, TableVerify, Verify};
use crate::row::{FieldKind, RowBuf};
use crate::target::{Conn, ReadColumn};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

const BUCKETS: usize = 64;
const BUDGET: u64 = 2_000_000;
const MAX_EXAMPLES: usize = 20;
const PASSWORD_SAMPLES: u64 = 8;

#[derive(Clone)]
struct Acc {
    sum: [u128; BUCKETS],
    count: [u64; BUCKETS],
    rejected: u64,
}

impl Default for Acc {
    fn default() -> Acc {
        Acc {
            sum: [0; BUCKETS],
            count: [0; BUCKETS],
            rejected: 0,
        }
    }
}

impl Acc {
    fn add(&mut self, b: usize, h: u128) {
        self.sum[b] = self.sum[b].wrapping_add(h);
        self.count[b] += 1;
    }
    fn merge(mut self, o: &Acc) -> Acc {
        for b in 0..BUCKETS {
            self.sum[b] = self.sum[b].wrapping_add(o.sum[b]);
            self.count[b] += o.count[b];
        }
        self.rejected += o.rejected;
        self
    }
    fn total(&self) -> u128 {
        self.sum.iter().fold(0u128, |a, b| a.wrapping_add(*b))
    }
}

/// A row's edge cases as the drill-down keeps them beside its digest: at
/// most two (its own, and the NFC twin of a pair it is the original of),
/// `NO_CASE` for none.
type Edges = [u32; 2];
const NO_CASE: u32 = u32::MAX;
const TWIN: u32 = u32::MAX - 1;

fn edges_of(injections: &[Injection]) -> Edges {
    let mut e = [NO_CASE; 2];
    for (slot, inj) in e.iter_mut().zip(injections) {
        *slot = match inj.case {
            NFC_TWIN => TWIN,
            c => u32::try_from(c).unwrap_or(TWIN - 1).min(TWIN - 1),
        };
    }
    e
}

/// The labels of a row's edge cases, as the loader attaches them.
fn labels_of(plan: &Plan, edges: Edges) -> Vec<String> {
    edges
        .iter()
        .filter(|&&c| c != NO_CASE)
        .map(|&c| {
            let case = if c == TWIN { NFC_TWIN } else { c as usize };
            plan.generator.edge_label(case).to_string()
        })
        .collect()
}

/// One expected row of the drill-down: its digest, id, cases, and whether
/// the target holds it.
struct Expected {
    digest: u128,
    id: RowId,
    edges: Edges,
    seen: bool,
}

/// How to turn a row of table `t` into its canonical, target-shaped form.
struct Shape {
    /// (generated field index, canonical kind) of each column present in the target.
    cols: Vec<(usize, FieldKind)>,
    /// Positions (within `cols`) of the primary-key columns.
    pk: Vec<usize>,
    read: Vec<ReadColumn>,
    names: Vec<String>,
    target_name: String,
}

fn shape(plan: &Plan, tables: &TargetTables, t: usize) -> Shape {
    let meta = &plan.metas[t];
    let lt = &tables.load[t];
    let cols: Vec<(usize, FieldKind)> = lt
        .columns
        .iter()
        .map(|(fi, _)| (*fi, column_kind(meta.columns[*fi].sql)))
        .collect();
    let pk = plan.generator.tables[t]
        .pk
        .iter()
        .filter_map(|p| lt.columns.iter().position(|(fi, _)| fi == p))
        .collect();
    let read = lt
        .columns
        .iter()
        .enumerate()
        .map(|(i, (fi, name))| ReadColumn {
            name: name.clone(),
            kind: cols[i].1,
            declared: tables.declared[t][*fi].clone().unwrap_or_default(),
        })
        .collect();
    let names = lt
        .columns
        .iter()
        .map(|(fi, _)| meta.columns[*fi].name.clone())
        .collect();
    Shape {
        cols,
        pk,
        read,
        names,
        target_name: lt.name.clone(),
    }
}

/// JSON with keys sorted and no spaces (jsonb reorders keys and adds spaces).
fn canonical_json(s: &str) -> Option<String> {
    fn sort(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => {
                let mut items: Vec<(String, serde_json::Value)> =
                    m.into_iter().map(|(k, v)| (k, sort(v))).collect();
                items.sort_by(|a, b| a.0.cmp(&b.0));
                serde_json::Value::Object(items.into_iter().collect())
            }
            serde_json::Value::Array(a) => {
                serde_json::Value::Array(a.into_iter().map(sort).collect())
            }
            o => o,
        }
    }
    let v: serde_json::Value = serde_json::from_str(s).ok()?;
    serde_json::to_string(&sort(v)).ok()
}

fn canon_value(kind: FieldKind, s: &str, out: &mut RowBuf) {
    match kind {
        FieldKind::Json => match canonical_json(s) {
            Some(c) => out.push(kind, &c),
            None => out.push(kind, s),
        },
        FieldKind::Bool => out.push(
            kind,
            match s {
                "t" | "1" | "true" | "TRUE" => "true",
                "f" | "0" | "false" | "FALSE" => "false",
                o => o,
            },
        ),
        _ => out.push(kind, s),
    }
}

/// Canonical row + key from a generated row.
fn canon_generated(sh: &Shape, row: &RowBuf, out: &mut RowBuf, key: &mut String) {
    out.clear();
    key.clear();
    for &(fi, kind) in &sh.cols {
        let (k, s) = row.get(fi);
        if k == FieldKind::Null {
            out.null();
        } else {
            canon_value(kind, s, out);
        }
    }
    push_key(sh, out, key);
}

fn canon_found(sh: &Shape, vals: &[Option<&str>], out: &mut RowBuf, key: &mut String) {
    out.clear();
    key.clear();
    for (i, &(_, kind)) in sh.cols.iter().enumerate() {
        match vals[i] {
            None => out.null(),
            Some(s) => canon_value(kind, s, out),
        }
    }
    push_key(sh, out, key);
}

fn push_key(sh: &Shape, row: &RowBuf, key: &mut String) {
    for (i, &p) in sh.pk.iter().enumerate() {
        if i > 0 {
            key.push('\u{1f}');
        }
        key.push_str(row.get(p).1);
    }
}

fn key_hash(key: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(key.as_bytes(), 0x006b_6579)
}

fn bucket(key: &str) -> usize {
    (xxhash_rust::xxh3::xxh3_64(key.as_bytes()) % BUCKETS as u64) as usize
}

/// Streams every generated row of `g`'s tables (in parallel chunks), giving
/// the table, row id, row and its edge cases to `f`, which folds into a
/// per-chunk state.
fn fold_group<S: Send>(
    plan: &Plan,
    part: &Part,
    init: impl Fn() -> S + Sync + Send,
    f: impl Fn(&mut S, usize, RowId, &RowBuf, &[Injection]) + Sync + Send,
    merge: impl Fn(S, S) -> S + Sync + Send,
) -> S {
    use rayon::prelude::*;
    let g = part.g;
    let chunks = aligned_chunks(part.range.clone(), CHUNK);
    let offsets = child_offsets(&plan.generator, &g.children, part.range.start, &chunks);
    (0..chunks.len())
        .into_par_iter()
        .fold(&init, |mut s, k| {
            let base: Vec<u64> = offsets.iter().map(|o| o[k]).collect();
            let mut row = RowBuf::default();
            let mut scratch = Scratch::default();
            rows_in(
                &plan.generator,
                g.root,
                &g.children,
                chunks[k].clone(),
                &base,
                &mut row,
                &mut scratch,
                |t, id, row, scratch| f(&mut s, t, id, row, &scratch.injections),
            );
            s
        })
        .reduce(&init, &merge)
}

fn regenerate(plan: &Plan, t: usize, id: RowId) -> RowBuf {
    let mut row = RowBuf::default();
    let mut scratch = Scratch::default();
    if let Some(_p) = plan.generator.tables[t].parent {
        let count = plan.generator.tables[t]
            .count
            .as_ref()
            .expect("child")
            .count(id.parent);
        plan.generator
            .begin_children(t, id.parent, count, &mut scratch);
    }
    plan.generator.row(t, id, &mut row, &mut scratch);
    row
}

/// A shard's slice of the run (`--shard`): the driving table's users in
/// `users` with the rows below them, and the lookup tables on shard 1.
#[derive(Debug, Clone)]
pub struct Slice {
    pub shard: crate::dataset::Shard,
    pub users: std::ops::Range<u64>,
}

/// The slice `--shard` verifies (None: the whole run).
pub fn slice_of(plan: &Plan, shard: Option<crate::dataset::Shard>, batch: u64) -> Option<Slice> {
    shard.map(|s| Slice {
        shard: s,
        users: plan.shard_users(s, batch),
    })
}

/// Verifies the target against the regenerated ground truth: the whole run,
/// or a shard's slice. A slice's rows are found by key among the other
/// shards' rows, so a slice counts missing and mismatched rows, never extra
/// ones (those are only seen by verifying the whole run).
pub fn verify(
    conn: &mut dyn Conn,
    readers: Readers,
    plan: &Plan,
    tables: &TargetTables,
    rejects: &[Reject],
    redacted: &str,
    slice: Option<&Slice>,
) -> Result<Verify> {
    let started = Instant::now();
    let ntables = plan.metas.len();
    let shapes: Vec<Shape> = (0..ntables).map(|t| shape(plan, tables, t)).collect();
    let mut rejected: Vec<HashSet<String>> = vec![HashSet::new(); ntables];
    for r in rejects {
        rejected[r.table].insert(r.key.clone());
    }
    let target_err =
        |e: crate::target::DbError| Error::target(format!("cannot read back {redacted}: {e}"));
    let mut out = Verify {
        missing_columns: tables.missing_columns.clone(),
        renamed_columns: tables.renamed_columns.clone(),
        digest: "xxh3-128-row-sum over canonical rows (columns present in the target; JSON keys sorted), 64 key buckets".into(),
        ..Verify::default()
    };
    // Which tables to read first (the largest), when reading in parallel.
    let sizes = match slice {
        None => plan.expected_rows(),
        Some(_) => vec![0; ntables],
    };
    for g in &plan.groups {
        if !plan.in_shard(g, slice.map(|s| s.shard)) {
            continue;
        }
        let part = Part {
            g,
            range: match slice {
                Some(s) if g.root == plan.driving_table() => s.users.clone(),
                _ => 0..g.rows,
            },
            sliced: slice.is_some() && g.root == plan.driving_table(),
        };
        let members: Vec<usize> = std::iter::once(g.root)
            .chain(g.children.iter().copied())
            .collect();
        let (expected, found) = expected_and_found(
            conn, readers, &sizes, plan, &part, &members, &shapes, &rejected,
        )
        .map_err(target_err)?;
        for (mi, (&t, found)) in members.iter().zip(found).enumerate() {
            let tv = verify_table(
                conn,
                plan,
                &part,
                t,
                &shapes[t],
                &rejected[t],
                (&expected[mi], found),
                &mut out.examples,
            )
            .map_err(target_err)?;
            for (l, n) in &tv.mismatched_by_label {
                *out.mismatched_by_label.entry(l.clone()).or_default() += n;
            }
            out.expected += tv.expected;
            out.found += tv.found;
            out.missing += tv.missing;
            out.extra += tv.extra;
            out.mismatched += tv.mismatched;
            out.rejected += tv.rejected;
            out.tables.push(tv);
        }
    }
    let users = slice.map_or(0..plan.users, |s| s.users.clone());
    out.passwords = Some(check_passwords(
        conn, plan, tables, &shapes, &rejected, users,
    ));
    out.ok = out.missing == 0
        && out.extra == 0
        && out.mismatched == 0
        && out.passwords.as_ref().is_none_or(|p| p.failed == 0);
    out.duration_s = started.elapsed().as_secs_f64();
    Ok(out)
}

/// A group as verification reads it: its root rows `range`, and whether
/// that is a shard's slice (other shards' rows are in the same tables).
struct Part<'a> {
    g: &'a super::Group,
    range: std::ops::Range<u64>,
    sliced: bool,
}

/// Both sides of a group's tables at once: the expected sums regenerated
/// on every core while this thread reads the target's tables one after the
/// other (a slice reads nothing here: its drill-down finds its rows by key).
#[allow(clippy::too_many_arguments)]
fn expected_and_found(
    conn: &mut dyn Conn,
    readers: Readers,
    sizes: &[u64],
    plan: &Plan,
    part: &Part,
    members: &[usize],
    shapes: &[Shape],
    rejected: &[HashSet<String>],
) -> crate::target::DbResult<(Vec<Acc>, Vec<Acc>)> {
    std::thread::scope(|s| {
        let regenerating = s.spawn(|| expected_sums(plan, part, members, shapes, rejected));
        let found = match part.sliced {
            true => Ok(vec![Acc::default(); members.len()]),
            false => read_all(conn, readers, members, shapes, sizes),
        };
        let expected = regenerating
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        Ok((expected, found?))
    })
}

/// Connections reading at once: the target's server works on several
/// tables while this process hashes what they send.
const READERS: usize = 2;

/// The found sums of `members`, read on `conn` and up to `READERS - 1`
/// more connections, each taking the largest table not yet taken. A table
/// another connection failed to read is read again on `conn`, whose errors
/// are the ones `reach::phase` judges (and retries when the target was lost).
fn read_all(
    conn: &mut dyn Conn,
    readers: Readers,
    members: &[usize],
    shapes: &[Shape],
    sizes: &[u64],
) -> crate::target::DbResult<Vec<Acc>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(sizes[members[i]]));
    let next = AtomicUsize::new(0);
    let found = std::sync::Mutex::new(vec![None::<Acc>; members.len()]);
    let work = |c: &mut dyn Conn| -> crate::target::DbResult<()> {
        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            let acc = found_sums(c, &shapes[members[i]])?;
            found.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(acc);
        }
        Ok(())
    };
    let more: Vec<Box<dyn Conn>> = (1..READERS.min(members.len()))
        .filter_map(|_| readers())
        .collect();
    std::thread::scope(|s| {
        let others: Vec<_> = more
            .into_iter()
            // Whatever another connection could not read is read below.
            .map(|mut c| s.spawn(move || drop(work(c.as_mut()))))
            .collect();
        let mine = work(conn);
        if mine.is_err() {
            next.store(usize::MAX / 2, Ordering::Relaxed);
        }
        for h in others {
            h.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        }
        mine
    })?;
    let found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    members
        .iter()
        .zip(found)
        .map(|(&t, f)| f.map_or_else(|| found_sums(conn, &shapes[t]), Ok))
        .collect()
}

/// Opens another connection to the target, to read tables in parallel
/// (None: everything is read on the one given).
pub type Readers<'a> = &'a (dyn Fn() -> Option<Box<dyn Conn>> + Sync);

/// The found side of a whole table: its rows read back, bucketed by key.
fn found_sums(conn: &mut dyn Conn, sh: &Shape) -> crate::target::DbResult<Acc> {
    let mut found = Acc::default();
    let (mut canon, mut key) = (RowBuf::default(), String::new());
    conn.scan(&sh.target_name, &sh.read, &mut |vals| {
        canon_found(sh, vals, &mut canon, &mut key);
        found.add(bucket(&key), canon.digest());
    })?;
    Ok(found)
}

/// The expected side of a group's tables, all in one regeneration pass.
fn expected_sums(
    plan: &Plan,
    part: &Part,
    members: &[usize],
    shapes: &[Shape],
    rejected: &[HashSet<String>],
) -> Vec<Acc> {
    let pos = |t: usize| members.iter().position(|&m| m == t).expect("member");
    fold_group(
        plan,
        part,
        || {
            (
                vec![Acc::default(); members.len()],
                RowBuf::default(),
                String::new(),
            )
        },
        |(acc, canon, key), t, _id, row, _| {
            let sh = &shapes[t];
            canon_generated(sh, row, canon, key);
            let a = &mut acc[pos(t)];
            if !rejected[t].is_empty() && rejected[t].contains(key.as_str()) {
                a.rejected += 1;
                return;
            }
            a.add(bucket(key), canon.digest());
        },
        |(a, c, k), (b, _, _)| {
            (
                a.into_iter()
                    .zip(b.iter())
                    .map(|(x, y)| x.merge(y))
                    .collect(),
                c,
                k,
            )
        },
    )
    .0
}

/// One table: bucket digests of the whole table (expected, found) compared,
/// then a drill-down of the buckets that differ; a slice goes straight to
/// the drill-down, by key, over every bucket.
#[allow(clippy::too_many_arguments)]
fn verify_table(
    conn: &mut dyn Conn,
    plan: &Plan,
    part: &Part,
    t: usize,
    sh: &Shape,
    rejected: &HashSet<String>,
    (exp, mut found): (&Acc, Acc),
    examples: &mut Vec<Example>,
) -> crate::target::DbResult<TableVerify> {
    let exp_n: u64 = exp.count.iter().sum();
    let mut tv = TableVerify {
        name: plan.metas[t].name.clone(),
        expected: exp_n + exp.rejected,
        rejected: exp.rejected,
        digest_expected: crate::manifest::digest_hex(exp.total()),
        ..TableVerify::default()
    };
    let differing: Vec<usize> = (0..BUCKETS)
        .filter(|&b| part.sliced || exp.sum[b] != found.sum[b] || exp.count[b] != found.count[b])
        .collect();
    if !differing.is_empty() {
        let sliced = part.sliced.then_some(&mut found);
        drill_down(
            conn, plan, part, t, sh, rejected, exp, &differing, &mut tv, examples, sliced,
        )?;
    }
    tv.found = found.count.iter().sum();
    tv.digest_found = crate::manifest::digest_hex(found.total());
    tv.ok = tv.missing == 0 && tv.extra == 0 && tv.mismatched == 0;
    Ok(tv)
}

#[allow(clippy::too_many_arguments)]
fn drill_down(
    conn: &mut dyn Conn,
    plan: &Plan,
    part: &Part,
    t: usize,
    sh: &Shape,
    rejected: &HashSet<String>,
    exp: &Acc,
    differing: &[usize],
    tv: &mut TableVerify,
    examples: &mut Vec<Example>,
    mut sliced: Option<&mut Acc>,
) -> crate::target::DbResult<()> {
    let name = &plan.metas[t].name;
    for set in bucket_sets(exp, differing) {
        let mut in_set = [false; BUCKETS];
        for &b in &set {
            in_set[b] = true;
        }
        let mut map = expected_in(plan, part, t, sh, rejected, &in_set);
        let (mut canon, mut key) = (RowBuf::default(), String::new());
        let mut pending: Vec<Pending> = Vec::new();
        conn.scan(&sh.target_name, &sh.read, &mut |vals| {
            canon_found(sh, vals, &mut canon, &mut key);
            if !in_set[bucket(&key)] {
                return;
            }
            match map.get_mut(&key_hash(&key)) {
                // Another shard's row, in a slice.
                None if sliced.is_some() => {}
                None => extra(tv, examples, name, key.clone()),
                Some(e) if e.seen => extra(tv, examples, name, format!("{key} (duplicate)")),
                Some(e) => {
                    e.seen = true;
                    if let Some(found) = sliced.as_deref_mut() {
                        found.add(bucket(&key), canon.digest());
                    }
                    if e.digest != canon.digest() {
                        tv.mismatched += 1;
                        let labels = labels_of(plan, e.edges);
                        tally(&mut tv.mismatched_by_label, &labels, "mismatched");
                        if examples.len() + pending.len() < MAX_EXAMPLES {
                            pending.push((
                                key.clone(),
                                e.id,
                                labels,
                                vals.iter().map(|v| v.map(str::to_string)).collect(),
                            ));
                        }
                    }
                }
            }
        })?;
        for (k, id, labels, vals) in pending {
            examples.push(Example {
                labels,
                ..mismatched(plan, t, sh, k, id, &vals)
            });
        }
        for e in map.values().filter(|e| !e.seen) {
            tv.missing += 1;
            if examples.len() < MAX_EXAMPLES {
                let row = regenerate(plan, t, e.id);
                let (mut ec, mut ek) = (RowBuf::default(), String::new());
                canon_generated(sh, &row, &mut ec, &mut ek);
                examples.push(Example {
                    table: name.clone(),
                    kind: "missing".into(),
                    key: ek,
                    fields: BTreeMap::new(),
                    labels: labels_of(plan, e.edges),
                });
            }
        }
    }
    Ok(())
}

/// A mismatched row kept for an example: key, row id, labels, values found.
type Pending = (String, RowId, Vec<String>, Vec<Option<String>>);

/// One under each label, or under `no-edge-case:<what>` when there is none.
fn tally(by: &mut BTreeMap<String, u64>, labels: &[String], what: &str) {
    if labels.is_empty() {
        *by.entry(crate::report::metrics::fallback(what))
            .or_default() += 1;
    }
    for l in labels {
        *by.entry(l.clone()).or_default() += 1;
    }
}

/// The differing buckets in sets whose expected rows fit the budget.
fn bucket_sets(exp: &Acc, differing: &[usize]) -> Vec<Vec<usize>> {
    let mut sets: Vec<Vec<usize>> = vec![Vec::new()];
    let mut used = 0;
    for &b in differing {
        if used + exp.count[b] > BUDGET && !sets.last().expect("set").is_empty() {
            sets.push(Vec::new());
            used = 0;
        }
        used += exp.count[b];
        sets.last_mut().expect("set").push(b);
    }
    sets
}

/// The expected rows of table `t` in the set's buckets, less the rejected:
/// keyed by a 64-bit hash of the key (not the key), about 75 bytes per row.
fn expected_in(
    plan: &Plan,
    part: &Part,
    t: usize,
    sh: &Shape,
    rejected: &HashSet<String>,
    in_set: &[bool; BUCKETS],
) -> HashMap<u64, Expected> {
    fold_group(
        plan,
        part,
        || (HashMap::new(), RowBuf::default(), String::new()),
        |(m, canon, key), tt, id, row, injections| {
            if tt != t {
                return;
            }
            canon_generated(sh, row, canon, key);
            if !in_set[bucket(key)] || rejected.contains(key.as_str()) {
                return;
            }
            m.insert(
                key_hash(key),
                Expected {
                    digest: canon.digest(),
                    id,
                    edges: edges_of(injections),
                    seen: false,
                },
            );
        },
        |(mut a, c, k), (b, _, _)| {
            a.extend(b);
            (a, c, k)
        },
    )
    .0
}

/// A row in the target that was not expected (or expected once, found again).
fn extra(tv: &mut TableVerify, examples: &mut Vec<Example>, table: &str, key: String) {
    tv.extra += 1;
    if examples.len() < MAX_EXAMPLES {
        examples.push(Example {
            table: table.to_string(),
            kind: "extra".into(),
            key,
            fields: BTreeMap::new(),
            labels: Vec::new(),
        });
    }
}

/// A found row that differs from its regenerated self: the fields that do.
fn mismatched(
    plan: &Plan,
    t: usize,
    sh: &Shape,
    key: String,
    id: RowId,
    vals: &[Option<String>],
) -> Example {
    let row = regenerate(plan, t, id);
    let (mut ec, mut ek) = (RowBuf::default(), String::new());
    canon_generated(sh, &row, &mut ec, &mut ek);
    let refs: Vec<Option<&str>> = vals.iter().map(|v| v.as_deref()).collect();
    let (mut fc, mut fk) = (RowBuf::default(), String::new());
    canon_found(sh, &refs, &mut fc, &mut fk);
    let mut fields = BTreeMap::new();
    for (i, name) in sh.names.iter().enumerate() {
        let (ka, a) = ec.get(i);
        let (kb, b) = fc.get(i);
        if ka != kb || a != b {
            fields.insert(
                name.clone(),
                (
                    (ka != FieldKind::Null).then(|| a.to_string()),
                    (kb != FieldKind::Null).then(|| b.to_string()),
                ),
            );
        }
    }
    Example {
        table: plan.metas[t].name.clone(),
        kind: "mismatched".into(),
        key,
        fields,
        labels: Vec::new(),
    }
}

/// A sample of users: regenerate each one's known password and check the
/// hash stored in the target with the format's own verifier.
fn check_passwords(
    conn: &mut dyn Conn,
    plan: &Plan,
    tables: &TargetTables,
    shapes: &[Shape],
    rejected: &[HashSet<String>],
    users: std::ops::Range<u64>,
) -> PasswordCheck {
    let u = plan.generator.users_table;
    let skip = |why: &str| PasswordCheck {
        skipped_reason: Some(why.to_string()),
        ..PasswordCheck::default()
    };
    let meta = &plan.metas[u];
    let Some(hc) = plan.profile.tables[u]
        .columns
        .iter()
        .position(|c| matches!(c.kind, crate::profile::Kind::PasswordHash))
    else {
        return skip("the profile has no password_hash column");
    };
    let Some((_, hash_col)) = tables.load[u].columns.iter().find(|(fi, _)| *fi == hc) else {
        return skip("the target has no password-hash column");
    };
    if plan.hashes.iter().any(|h| h.mode == HashMode::Shape) {
        return skip("hashes are in shape mode (they do not verify)");
    }
    let pk_col = &tables.load[u]
        .columns
        .iter()
        .find(|(fi, _)| *fi == plan.generator.tables[u].pk[0])
        .map(|(_, n)| n.clone())
        .unwrap_or_else(|| meta.primary_key[0].clone());
    let mut pc = PasswordCheck::default();
    let n = users.end - users.start;
    if n == 0 {
        return skip("no user in this slice");
    }
    let mut row = RowBuf::default();
    let mut scratch = Scratch::default();
    scratch.want_password = true;
    let (mut canon, mut key) = (RowBuf::default(), String::new());
    for k in 0..PASSWORD_SAMPLES.min(n) {
        let index =
            k * n / PASSWORD_SAMPLES.min(n) + (k * 7919) % (n / PASSWORD_SAMPLES.min(n)).max(1);
        let id = RowId {
            index: users.start + index.min(n - 1),
            parent: 0,
            ordinal: 0,
        };
        plan.generator.row(u, id, &mut row, &mut scratch);
        canon_generated(&shapes[u], &row, &mut canon, &mut key);
        if rejected[u].contains(key.as_str()) {
            continue;
        }
        let sql = format!(
            "SELECT {} FROM {} WHERE {} = {}",
            crate::target::ident(hash_col),
            crate::target::ident(&meta.name),
            crate::target::ident(pk_col),
            crate::target::literal(&key)
        );
        let stored = match conn.query(&sql) {
            Ok(r) => r
                .into_iter()
                .next()
                .and_then(|r| r.into_iter().next().flatten()),
            Err(_) => None,
        };
        pc.checked += 1;
        let ok = stored.as_deref().and_then(|h| {
            let (f, _) = crate::hash::identify(h)?;
            f.verify(
                scratch.password.as_bytes(),
                &crate::hash::Encoded::new(h.to_string()),
            )
            .ok()
        });
        if ok == Some(true) {
            pc.verified += 1;
        } else {
            pc.failed += 1;
        }
    }
    pc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rows_edge_cases_fit_beside_its_digest() {
        let inj = |case| Injection { column: 0, case };
        assert_eq!(edges_of(&[]), [NO_CASE, NO_CASE]);
        assert_eq!(edges_of(&[inj(7)]), [7, NO_CASE]);
        assert_eq!(edges_of(&[inj(3), inj(NFC_TWIN)]), [3, TWIN]);
    }

    #[test]
    fn json_canonical_form_ignores_key_order_and_spaces() {
        let a = canonical_json(r#"{"b":1,"a":{"y":true,"x":[1,2]}}"#).unwrap();
        let b = canonical_json(r#"{"a": {"x": [1, 2], "y": true}, "b": 1}"#).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, r#"{"a":{"x":[1,2],"y":true},"b":1}"#);
    }
}
