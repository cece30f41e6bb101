//! A loaded Redis copy read back and compared with the regenerated copy
//! (ARCHITECTURE.md § Ground truth is regenerated): per batch, one pipeline
//! of `HGETALL` per hash and `GET` per secondary key on the plain
//! connection (`raw.rs`, replies decoded in place), compared field by
//! field while the server answers the next batch; keys beyond those
//! expected (`DBSIZE`) are extra.

use super::raw::{self, Replies};
use super::{CopyReject, RedisTarget, progress_key};
use crate::copies::source::{cx, docs, for_users};
use crate::copies::{Lookups, redis as store};
use crate::dataset::Plan;
use crate::error::{Error, Result};
use crate::profile::copies::Copy;
use crate::report::{Example, TableVerify, Verify};
use crate::row::RowBuf;
use redis_protocol::resp2::types::RangeFrame;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

/// One expected key: a hash with its fields, or a string.
enum Want {
    Hash(Vec<(String, String)>),
    Str(String),
}

/// A reply as (field, value) pairs, sorted (`HGETALL`), or one value
/// under an empty field (`GET`); none for a missing key.
fn pairs<'a>(bytes: &'a [u8], frame: &RangeFrame) -> Vec<(Cow<'a, str>, Cow<'a, str>)> {
    match frame {
        RangeFrame::Array(items) => raw::hash_pairs(bytes, items),
        RangeFrame::Null => Vec::new(),
        other => vec![(Cow::Borrowed(""), raw::frame_text(bytes, other))],
    }
}

pub fn verify(
    target: &RedisTarget,
    plan: &Plan,
    copy: &Copy,
    batch: u64,
    rejects: &[CopyReject],
) -> Result<Verify> {
    let started = std::time::Instant::now();
    let mut con = target.connect()?;
    let refused: HashSet<&str> = rejects.iter().map(|r| r.key.as_str()).collect();
    let lookups = Lookups::default();
    let cx = cx(plan, copy, &lookups);
    let mut v = Verify::default();
    let mut by_label: BTreeMap<String, u64> = BTreeMap::new();
    let mut orphan = RowBuf::default();
    let mut raw = target.raw()?;
    let err = |e: redis::RedisError| Error::target(format!("verifying {}: {e}", target.redacted()));
    let (mut replies, mut prev) = (Replies::default(), Replies::default());
    let mut prev_want = Vec::new();
    let mut cmds = Vec::new();
    for range in crate::generator::plan::aligned_chunks(0..plan.users, batch) {
        let mut want: Vec<(String, Want, Vec<String>)> = Vec::new();
        for_users(plan, &[], range, &[], |u| {
            docs(plan, copy, u, &mut orphan, |d| {
                if refused.contains(d.key.as_str()) {
                    return;
                }
                let mut labels = u.labels.clone();
                labels.extend(d.drift.map(|k| k.label().to_string()));
                let fields = store::hash_fields(&cx, d)
                    .into_iter()
                    .map(|(f, v)| (f, v.to_string()))
                    .collect();
                want.push((d.key.clone(), Want::Hash(fields), labels.clone()));
                for s in store::secondary_keys(&cx, d) {
                    want.push((s, Want::Str(d.key.clone()), labels.clone()));
                }
            });
        });
        cmds.clear();
        for (k, w, _) in &want {
            redis::cmd(if matches!(w, Want::Hash(_)) {
                "HGETALL"
            } else {
                "GET"
            })
            .arg(k)
            .write_packed_command(&mut cmds);
        }
        raw.send(&cmds).map_err(err)?;
        // The previous batch compared while the server reads this one.
        compare_batch(&mut v, &mut by_label, &prev_want, &prev).map_err(err)?;
        raw.read_replies(want.len(), &mut replies).map_err(err)?;
        prev_want = want;
        std::mem::swap(&mut replies, &mut prev);
    }
    compare_batch(&mut v, &mut by_label, &prev_want, &prev).map_err(err)?;
    let size: u64 = redis::cmd("DBSIZE")
        .query(&mut con)
        .map_err(|e| Error::target(e.to_string()))?;
    let lock: bool = redis::cmd("EXISTS")
        .arg(format!("understudy:lock:{}", copy.name))
        .query(&mut con)
        .unwrap_or(false);
    let bookkeeping = 1 + lock as u64;
    v.extra = size.saturating_sub(v.found + bookkeeping);
    let _ = progress_key(copy);
    v.rejected = rejects.len() as u64;
    v.mismatched_by_label = by_label;
    v.ok = v.missing == 0 && v.mismatched == 0 && v.extra == 0;
    v.tables = vec![TableVerify {
        name: copy.name.clone(),
        expected: v.expected,
        found: v.found,
        missing: v.missing,
        extra: v.extra,
        mismatched: v.mismatched,
        mismatched_by_label: v.mismatched_by_label.clone(),
        rejected: v.rejected,
        digest_expected: String::new(),
        digest_found: String::new(),
        ok: v.ok,
    }];
    v.duration_s = started.elapsed().as_secs_f64();
    Ok(v)
}

fn compare_batch(
    v: &mut Verify,
    by_label: &mut BTreeMap<String, u64>,
    want: &[(String, Want, Vec<String>)],
    got: &Replies,
) -> redis::RedisResult<()> {
    for (i, (key, w, labels)) in want.iter().enumerate() {
        let (bytes, frame) = got.get(i)?;
        compare(v, by_label, key, w, labels, pairs(bytes, frame));
    }
    Ok(())
}

fn compare(
    v: &mut Verify,
    by_label: &mut BTreeMap<String, u64>,
    key: &str,
    w: &Want,
    labels: &[String],
    got: Vec<(Cow<str>, Cow<str>)>,
) {
    v.expected += 1;
    if got.is_empty() {
        v.missing += 1;
        example(v, "missing", key, BTreeMap::new(), labels);
        return;
    }
    v.found += 1;
    let mut diff = BTreeMap::new();
    match w {
        Want::Str(s) => {
            if got.len() != 1 || got[0].1 != **s {
                diff.insert(
                    "value".to_string(),
                    (Some(s.clone()), got.first().map(|g| g.1.to_string())),
                );
            }
        }
        Want::Hash(fields) => {
            let mut a = fields.clone();
            a.sort();
            let b = got; // sorted by `raw::hash_pairs`
            let same =
                a.len() == b.len() && a.iter().zip(&b).all(|((f, x), (g, y))| f == g && x == y);
            if !same {
                for (f, x) in &a {
                    let y = b.iter().find(|(g, _)| g == f).map(|(_, y)| y.to_string());
                    if y.as_ref() != Some(x) {
                        diff.insert(f.clone(), (Some(x.clone()), y));
                    }
                }
                for (f, y) in b.iter().filter(|(f, _)| !a.iter().any(|(g, _)| g == f)) {
                    diff.insert(f.to_string(), (None, Some(y.to_string())));
                }
            }
        }
    }
    if !diff.is_empty() {
        v.mismatched += 1;
        if labels.is_empty() {
            *by_label
                .entry("no-edge-case:mismatched".into())
                .or_insert(0) += 1;
        }
        for l in labels {
            *by_label.entry(l.clone()).or_insert(0) += 1;
        }
        example(v, "mismatched", key, diff, labels);
    }
}

fn example(
    v: &mut Verify,
    kind: &str,
    key: &str,
    fields: BTreeMap<String, (Option<String>, Option<String>)>,
    labels: &[String],
) {
    if v.examples.len() < 20 {
        v.examples.push(Example {
            table: "copy".into(),
            kind: kind.into(),
            key: key.into(),
            fields,
            labels: labels.to_vec(),
        });
    }
}
