//! `understudy consistency`: a Redis copy (a server, or the RESP file it was
//! loaded from) compared key by key with the copy the primary implies,
//! regenerated (ARCHITECTURE.md § Ground truth is regenerated): keys missing
//! from the copy, keys the copy holds for no user (orphans), and stale
//! fields, each labelled with the drift that explains it (`copies::drift`)
//! or `unexplained`.
//!
//! Streaming, memory flat in the number of keys: both sides are first
//! reduced to an order-independent digest per bucket (a bucket is the hash
//! of a key modulo `BUCKETS`); a second pass holds only the keys of the
//! buckets that differ, and compares them one by one (`report.rs` renders).
//! A Redis server's copy lists its keys to a temporary file in the first
//! pass (disk, not memory: about 50 bytes a key), so the second reads back
//! only those keys (`source.rs`).

pub mod docs;
pub mod primary;
pub mod report;
mod source;

use crate::copies::source::{chunk_offsets, docs, effective_drift, embedded_children, for_users};
use crate::copies::{Lookups, redis as store, render_key};
use crate::dataset::Plan;
use crate::error::Result;
use crate::profile::copies::Copy;
use crate::profile::copies::{CopyKind, Embed};
use crate::row::RowBuf;
pub use report::{ConsistencyReport, Finding};
pub use source::CopySource;

/// A Redis server's copy of `copy`.
pub fn source_redis(url: &str, copy: &Copy) -> Result<source::RedisCopy> {
    source::RedisCopy::open(url, copy)
}

/// A RESP file's copy.
pub fn source_file(path: &std::path::Path) -> Result<source::RespFile> {
    if !path.is_file() {
        return Err(crate::error::Error::usage(format!(
            "--copy-file {}: no such file",
            path.display()
        )));
    }
    Ok(source::RespFile {
        path: path.to_path_buf(),
    })
}
use std::collections::{HashMap, HashSet};

/// Buckets of the first pass: 2^19 (12 MB of digests per side).
pub const BUCKETS: usize = 1 << 19;
const CHUNK: u64 = 8192;

/// A key's value as the copy holds it: a hash's (field, value) pairs sorted,
/// a string, or a document as canonical JSON (`docs.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Hash(Vec<(String, String)>),
    Str(String),
    Doc(Vec<u8>),
}

impl Val {
    fn canonical(&self, key: &str, out: &mut Vec<u8>) {
        match self {
            Val::Str(s) => canonical_str(key, s, out),
            Val::Doc(d) => {
                out.clear();
                out.extend_from_slice(key.as_bytes());
                out.push(0x1e);
                out.extend_from_slice(d);
            }
            Val::Hash(f) => canonical_hash(key, f.iter().map(|(k, v)| (&**k, &**v)), out),
        }
    }
}

/// A string's entry as digested: the key, 0, the value.
pub fn canonical_str(key: &str, s: &str, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(key.as_bytes());
    out.push(0);
    out.extend_from_slice(s.as_bytes());
}

/// A hash's entry as digested: the key, then each (field, value) pair in
/// the order given (sorted, as in `Val::Hash`).
pub fn canonical_hash<'a>(
    key: &str,
    fields: impl Iterator<Item = (&'a str, &'a str)>,
    out: &mut Vec<u8>,
) {
    out.clear();
    out.extend_from_slice(key.as_bytes());
    for (k, v) in fields {
        out.push(0x1d);
        out.extend_from_slice(k.as_bytes());
        out.push(0x1f);
        out.extend_from_slice(v.as_bytes());
    }
}

pub fn bucket_of(key: &str) -> usize {
    (xxhash_rust::xxh3::xxh3_64(key.as_bytes()) % BUCKETS as u64) as usize
}

fn digest(key: &str, v: &Val) -> u128 {
    let mut b = Vec::new();
    v.canonical(key, &mut b);
    xxhash_rust::xxh3::xxh3_128(&b)
}

/// Per bucket: the wrapping sum of entries' digests and their count.
pub struct Buckets {
    pub sum: Vec<u128>,
    pub count: Vec<u32>,
}

impl Buckets {
    pub fn new() -> Buckets {
        Buckets {
            sum: vec![0; BUCKETS],
            count: vec![0; BUCKETS],
        }
    }

    pub fn add(&mut self, key: &str, v: &Val) {
        self.add_digest(key, digest(key, v))
    }

    /// An entry by its digest (`canonical_*` hashed by xxh3-128).
    pub fn add_digest(&mut self, key: &str, d: u128) {
        let b = bucket_of(key);
        self.sum[b] = self.sum[b].wrapping_add(d);
        self.count[b] += 1;
    }
}

impl Default for Buckets {
    fn default() -> Self {
        Buckets::new()
    }
}

/// The regenerated side of one check: what the expected copy needs besides
/// the plan (lookup rows, the child tables a document copy embeds and where
/// each chunk's child rows start).
struct Expect<'a> {
    plan: &'a Plan,
    copy: &'a Copy,
    lookups: Lookups,
    children: Vec<usize>,
    chunks: Vec<std::ops::Range<u64>>,
    offsets: Vec<Vec<u64>>,
}

impl<'a> Expect<'a> {
    fn new(plan: &'a Plan, copy: &'a Copy, pool: &rayon::ThreadPool) -> Expect<'a> {
        let chunks = crate::generator::plan::aligned_chunks(0..plan.users, CHUNK);
        let (lookups, children) = if copy.kind == CopyKind::Redis {
            (Lookups::default(), Vec::new())
        } else {
            let mine = |t: &usize| {
                copy.embed
                    .iter()
                    .any(|e| matches!(e, Embed::Children { table, .. } if table == t))
            };
            let children: Vec<usize> = embedded_children(plan).into_iter().filter(mine).collect();
            (Lookups::new(&plan.profile, &plan.generator), children)
        };
        let offsets = pool.install(|| chunk_offsets(plan, &children, &chunks));
        Expect {
            plan,
            copy,
            lookups,
            children,
            chunks,
            offsets,
        }
    }

    /// The entries the primary implies for the users of chunk `k`: each
    /// user's hash and secondary keys, or its documents, no drift (what a
    /// copy in step with the primary holds).
    fn chunk(&self, k: usize, f: impl FnMut(String, Val)) {
        self.chunk_where(k, &|_| true, f)
    }

    /// `chunk`, less the entries whose key `want` refuses (the second pass
    /// wants a few buckets' keys); a Redis hash's value is then never built.
    fn chunk_where(&self, k: usize, want: &dyn Fn(&str) -> bool, mut f: impl FnMut(String, Val)) {
        let cx = crate::copies::source::cx(self.plan, self.copy, &self.lookups);
        let mut buf = Vec::new();
        let mut reader = docs::Reader::new(self.copy);
        let (range, base) = (self.chunks[k].clone(), &self.offsets[k]);
        for_users(self.plan, &self.children, range, base, |u| {
            if self.copy.kind == CopyKind::Redis {
                row_entries_where(&cx, &u.row, u.index, want, &mut f)
            } else {
                doc_entries(&cx, u, &mut buf, &mut reader, &mut |key, v| {
                    if want(&key) {
                        f(key, v)
                    }
                })
            }
        });
    }
}

/// A user's documents as the file writer renders them, read back as
/// entries by the reader the files are read with.
fn doc_entries(
    cx: &crate::copies::Cx,
    u: &crate::copies::source::UserRows,
    buf: &mut Vec<u8>,
    reader: &mut docs::Reader,
    f: &mut dyn FnMut(String, Val),
) {
    let Some(key) = render_key(&cx.copy.key, |c| {
        let (k, v) = u.row.get(c);
        (k, v.to_string())
    }) else {
        return;
    };
    let d = crate::copies::Doc {
        index: u.index,
        key,
        user: &u.row,
        changed: Vec::new(),
        children: &u.children,
        orphan: false,
        drift: None,
    };
    buf.clear();
    // A document over the store's limit: `generate` refuses the whole
    // file, so there is no copy of it to compare.
    if crate::copies::store(cx.copy.kind)
        .render(cx, &d, buf)
        .is_err()
    {
        return;
    }
    for line in buf.split(|b| *b == b'\n') {
        reader
            .line(line, f)
            .expect("the store's own rendering reads back");
    }
}

/// The entries of one users row: its hash and secondary keys (none when a
/// key column is NULL).
fn row_entries(cx: &crate::copies::Cx, row: &RowBuf, index: u64, f: &mut dyn FnMut(String, Val)) {
    row_entries_where(cx, row, index, &|_| true, f)
}

fn row_entries_where(
    cx: &crate::copies::Cx,
    row: &RowBuf,
    index: u64,
    want: &dyn Fn(&str) -> bool,
    f: &mut dyn FnMut(String, Val),
) {
    let Some(key) = render_key(&cx.copy.key, |c| {
        let (k, v) = row.get(c);
        (k, v.to_string())
    }) else {
        return;
    };
    let d = crate::copies::Doc {
        index,
        key,
        user: row,
        changed: Vec::new(),
        children: &[],
        orphan: false,
        drift: None,
    };
    for s in store::secondary_keys(cx, &d) {
        if want(&s) {
            f(s, Val::Str(d.key.clone()));
        }
    }
    if !want(&d.key) {
        return;
    }
    let mut fields: Vec<(String, String)> = (store::hash_fields(cx, &d).into_iter())
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    fields.sort();
    f(d.key, Val::Hash(fields));
}

/// Every key a drifted user touches (its own, its drifted copy's, an
/// orphan's), with the drift's label and the user: what explains a
/// difference. Memory in proportion to the drift, not to the users. A
/// document copy's keys are its documents' ids (DynamoDB: the partition,
/// `docs::owner`), so no embedded row is needed here.
fn explained(
    plan: &Plan,
    copy: &Copy,
    pool: &rayon::ThreadPool,
) -> HashMap<String, (&'static str, u64)> {
    use rayon::prelude::*;
    if copy.drift.share <= 0.0 {
        return HashMap::new();
    }
    let chunks = crate::generator::plan::aligned_chunks(0..plan.users, CHUNK);
    let parts: Vec<Vec<(String, (&'static str, u64))>> = pool.install(|| {
        chunks
            .par_iter()
            .map(|r| {
                let mut out = Vec::new();
                let mut orphan = RowBuf::default();
                let lookups = Lookups::default();
                let cx = crate::copies::source::cx(plan, copy, &lookups);
                let redis = copy.kind == CopyKind::Redis;
                // Only drifted users are generated: the draw alone decides.
                let drifted = r
                    .clone()
                    .filter(|&i| crate::copies::drift::of(plan.seed, copy, i).is_some());
                for i in drifted {
                    for_users(plan, &[], i..i + 1, &[], |u| {
                        let Some(kind) = effective_drift(plan, copy, u).0 else {
                            return;
                        };
                        let l = (kind.label(), u.index);
                        if redis {
                            row_entries(&cx, &u.row, u.index, &mut |k, _| out.push((k, l)));
                        } else if let Some(k) = render_key(&copy.key, |c| {
                            let (k, v) = u.row.get(c);
                            (k, v.to_string())
                        }) {
                            out.push((k, l));
                        }
                        docs(plan, copy, u, &mut orphan, |d| {
                            out.push((d.key.clone(), l));
                            if redis {
                                for s in store::secondary_keys(&cx, d) {
                                    out.push((s, l));
                                }
                            }
                        });
                    });
                }
                out
            })
            .collect()
    });
    parts.into_iter().flatten().collect()
}

/// The first pass over the expected side, in parallel chunks.
fn expected_buckets(x: &Expect, pool: &rayon::ThreadPool) -> (Buckets, u64) {
    use rayon::prelude::*;
    let all: Vec<usize> = (0..x.chunks.len()).collect();
    let mut b = Buckets::new();
    let mut n = 0;
    for group in all.chunks(64) {
        let parts: Vec<Vec<(usize, u128)>> = pool.install(|| {
            group
                .par_iter()
                .map(|&k| {
                    let mut out = Vec::new();
                    x.chunk(k, |key, v| out.push((bucket_of(&key), digest(&key, &v))));
                    out
                })
                .collect()
        });
        for (bk, d) in parts.into_iter().flatten() {
            b.sum[bk] = b.sum[bk].wrapping_add(d);
            b.count[bk] += 1;
            n += 1;
        }
    }
    (b, n)
}

/// The expected entries of the buckets in `want`.
fn expected_in(
    x: &Expect,
    want: &HashSet<usize>,
    pool: &rayon::ThreadPool,
) -> HashMap<String, Val> {
    use rayon::prelude::*;
    let parts: Vec<Vec<(String, Val)>> = pool.install(|| {
        (0..x.chunks.len())
            .into_par_iter()
            .map(|k| {
                let mut out = Vec::new();
                x.chunk_where(k, &|key| want.contains(&bucket_of(key)), |key, v| {
                    out.push((key, v))
                });
                out
            })
            .collect()
    });
    parts.into_iter().flatten().collect()
}

/// The first pass's expected side: the primary's or the regenerated one.
fn expected_side(
    x: &Expect,
    primary: Option<&mut primary::Primary>,
    pool: &rayon::ThreadPool,
) -> Result<(Buckets, u64)> {
    let (plan, copy) = (x.plan, x.copy);
    let Some(p) = primary else {
        return Ok(expected_buckets(x, pool));
    };
    let (mut b, mut n) = (Buckets::new(), 0);
    p.entries(plan, copy, &mut |k, v| {
        b.add(&k, &v);
        n += 1;
    })?;
    Ok((b, n))
}

/// The second pass's expected side: the entries of the buckets that differ.
fn expected_of(
    x: &Expect,
    primary: Option<&mut primary::Primary>,
    differing: &HashSet<usize>,
    pool: &rayon::ThreadPool,
) -> Result<HashMap<String, Val>> {
    if differing.is_empty() {
        return Ok(HashMap::new());
    }
    let (plan, copy) = (x.plan, x.copy);
    let Some(p) = primary else {
        return Ok(expected_in(x, differing, pool));
    };
    let mut m = HashMap::new();
    p.entries(plan, copy, &mut |k, v| {
        if differing.contains(&bucket_of(&k)) {
            m.insert(k, v);
        }
    })?;
    Ok(m)
}

/// `--primary` builds a Redis copy's expected side only: a document copy
/// embeds rows of other tables, which the primary's users table alone does
/// not give (docs/copies.md).
pub fn primary_supported(copy: &Copy) -> Result<()> {
    if copy.kind == CopyKind::Redis {
        return Ok(());
    }
    Err(crate::error::Error::usage(format!(
        "--primary: copy `{}` is a {} copy, and --primary builds the expected side of a Redis copy only; \
         check document copies against the regenerated ground truth (leave --primary out)",
        copy.name,
        copy.kind.name()
    )))
}

/// Compares `copy` as `src` holds it with the copy the plan implies.
pub fn check(
    plan: &Plan,
    copy: &Copy,
    src: &mut dyn CopySource,
    mut primary: Option<&mut primary::Primary>,
    threads: usize,
) -> Result<ConsistencyReport> {
    let started = std::time::Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| crate::error::Error::usage(format!("cannot start threads: {e}")))?;
    if primary.is_some() {
        primary_supported(copy)?;
    }
    let x = Expect::new(plan, copy, &pool);
    // Both sides at once: the expected one on the pool, the copy here.
    let (want, got) = std::thread::scope(|s| {
        let p = primary.as_deref_mut();
        let h = s.spawn(|| expected_side(&x, p, &pool));
        let mut got = (Buckets::new(), 0u64);
        let r = src.scan_digests(&mut |k, d| {
            got.0.add_digest(k, d);
            got.1 += 1;
        });
        (h.join().expect("the expected side"), r.map(|()| got))
    });
    let ((want, expected_keys), (got, copy_keys)) = (want?, got?);
    let differing: HashSet<usize> = (0..BUCKETS)
        .filter(|&b| want.sum[b] != got.sum[b] || want.count[b] != got.count[b])
        .collect();
    drop((want, got));
    let mut found: HashMap<String, Val> = HashMap::new();
    let (exp, labels) = std::thread::scope(|s| {
        let (p, differing) = (primary, &differing);
        let h = s.spawn(|| -> Result<_> {
            let exp = expected_of(&x, p, differing, &pool)?;
            Ok((exp, explained(plan, copy, &pool)))
        });
        let r = if differing.is_empty() {
            Ok(())
        } else {
            src.scan_only(&|k| differing.contains(&bucket_of(k)), &mut |k, v| {
                found.insert(k.to_string(), v.clone());
            })
        };
        r.and(h.join().expect("the expected side"))
    })?;
    let mut exp = exp;
    let mut findings = Vec::new();
    for (k, v) in found {
        match exp.remove(&k) {
            Some(e) if e == v => {}
            Some(e) => findings.push(Finding::stale(k, &e, &v)),
            None => findings.push(Finding::orphan(k, &v)),
        }
    }
    findings.extend(exp.into_iter().map(|(k, e)| Finding::missing(k, &e)));
    Ok(report::build(
        plan,
        copy,
        findings,
        &labels,
        (expected_keys, copy_keys, differing.len() as u64),
        started.elapsed().as_secs_f64(),
    ))
}
