//! `report merge`: the reports of a run's shards joined into one report of
//! the whole run (ARCHITECTURE.md § Reports). Counters are summed; latency
//! histograms are added, so the merged percentiles are those of every batch
//! of every shard (never averages of percentiles); time series are aligned
//! by wall clock; verification is combined (digests are sums, so they add);
//! thresholds are evaluated on the result.

use super::metrics::{decode_histogram, latency_of};
use super::{Latency, Merged, PasswordCheck, Report, TableLoad, TableVerify, TimeSeries, Verify};
use crate::error::{Error, Result};
use std::collections::BTreeMap;

/// Up to this many verification examples, as one rehearsal keeps.
const MAX_EXAMPLES: usize = 20;

/// The merged report, and what to say about the shards (missing, duplicate).
pub struct Outcome {
    pub report: Report,
    pub notes: Vec<String>,
}

/// Merges `reports` (file name, report) of one run's shards. Refuses
/// reports of different runs (profile digest, seed, users, shard count,
/// batch) and reports that are not a shard's; a shard given twice counts
/// once (the first), and missing shards leave verification not OK.
pub fn merge(reports: Vec<(String, Report)>) -> Result<Outcome> {
    let Some((first_file, first)) = reports.first() else {
        return Err(Error::usage("report merge needs at least one report"));
    };
    let run = RunKey::of(first_file, first)?;
    let mut by_index: BTreeMap<u64, (String, Report)> = BTreeMap::new();
    let mut duplicate = Vec::new();
    for (file, r) in &reports {
        let key = RunKey::of(file, r)?;
        run.same(first_file, &key, file)?;
        match by_index.entry(key.index) {
            std::collections::btree_map::Entry::Occupied(_) => duplicate.push(key.index),
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert((file.clone(), r.clone()));
            }
        }
    }
    duplicate.dedup();
    let missing: Vec<u64> = (1..=run.count)
        .filter(|k| !by_index.contains_key(k))
        .collect();
    let parts: Vec<&Report> = by_index.values().map(|(_, r)| r).collect();
    let mut notes = Vec::new();
    if !missing.is_empty() {
        notes.push(format!(
            "missing shards {} of {}: the merged report covers part of the run, and its verification is not OK",
            list(&missing),
            run.count
        ));
    }
    if !duplicate.is_empty() {
        notes.push(format!(
            "shards {} given more than once: counted once (the first file given)",
            list(&duplicate)
        ));
    }
    let mut report = sum(&parts);
    if let Some(v) = report.verify.as_mut() {
        v.ok &= missing.is_empty();
    }
    report.merged = Some(Merged {
        count: run.count,
        shards: by_index.keys().copied().collect(),
        missing,
        duplicate,
        files: by_index.values().map(|(f, _)| f.clone()).collect(),
    });
    Ok(Outcome { report, notes })
}

fn list(v: &[u64]) -> String {
    v.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
}

/// What makes reports shards of one run.
#[derive(PartialEq)]
struct RunKey {
    digest: String,
    seed: u64,
    users: u64,
    count: u64,
    batch: u64,
    index: u64,
}

impl RunKey {
    fn of(file: &str, r: &Report) -> Result<RunKey> {
        if r.exec.is_some() {
            return Err(Error::usage(format!(
                "{file}: an --exec rehearsal is not a shard; report merge joins `rehearse --shard` and `verify --shard` reports"
            )));
        }
        let s = r.shard.as_ref().ok_or_else(|| {
            Error::usage(format!(
                "{file}: not a shard's report (no `shard`); report merge joins the reports of `rehearse --shard K/N`"
            ))
        })?;
        Ok(RunKey {
            digest: r.profile.digest.clone(),
            seed: r.seed,
            users: r.users,
            count: s.count,
            batch: r.batch,
            index: s.index,
        })
    }

    fn same(&self, file: &str, o: &RunKey, ofile: &str) -> Result<()> {
        let differ = |what: &str, a: String, b: String| {
            Err(Error::usage(format!(
                "{ofile} is a shard of another run: {what} {b}, where {file} has {a}; merge the shards of one run"
            )))
        };
        if self.digest != o.digest {
            return differ("profile digest", self.digest.clone(), o.digest.clone());
        }
        if self.seed != o.seed {
            return differ("seed", self.seed.to_string(), o.seed.to_string());
        }
        if self.users != o.users {
            return differ("users", self.users.to_string(), o.users.to_string());
        }
        if self.count != o.count {
            return differ("shard count", self.count.to_string(), o.count.to_string());
        }
        if self.batch != o.batch {
            return differ("batch", self.batch.to_string(), o.batch.to_string());
        }
        Ok(())
    }
}

/// The sum of the shards' reports (at least one).
fn sum(parts: &[&Report]) -> Report {
    let first = parts[0];
    let mut r = Report {
        head: super::Head::new("rehearse", super::SCHEMA_VERSION, earliest(parts)),
        profile: first.profile.clone(),
        seed: first.seed,
        users: first.users,
        target: first.target.clone(),
        method: first.method.clone(),
        batch: first.batch,
        hashes: first.hashes.clone(),
        ..Report::default()
    };
    r.head.command = "report merge".into();
    let mut hist = None::<hdrhistogram::Histogram<u64>>;
    for p in parts {
        r.workers += p.workers;
        r.resumed |= p.resumed;
        r.rows_expected += p.rows_expected;
        r.rows_loaded += p.rows_loaded;
        r.rows_skipped += p.rows_skipped;
        r.rows_rejected += p.rows_rejected;
        r.retries += p.retries;
        add_counts(&mut r.errors_by_class, &p.errors_by_class);
        add_counts(&mut r.errors_by_label, &p.errors_by_label);
        add_counts(&mut r.warnings_by_class, &p.warnings_by_class);
        add_counts(&mut r.warnings_by_label, &p.warnings_by_label);
        add_tables(&mut r.tables, &p.tables);
        // Keys added after the load: the shard that added them says so.
        for k in &p.late_foreign_keys {
            match r
                .late_foreign_keys
                .iter_mut()
                .find(|x| x.table == k.table && x.column == k.column)
            {
                Some(x) if x.status == "pending" || k.failed() => *x = k.clone(),
                Some(_) => {}
                None => r.late_foreign_keys.push(k.clone()),
            }
        }
        if let Some(h) = decode_histogram(&p.latency_ms.histogram) {
            match hist.as_mut() {
                None => hist = Some(h),
                Some(all) => {
                    let _ = all.add(&h);
                }
            }
        }
    }
    if let Some(h) = &hist {
        r.latency_ms = latency_of(h);
    }
    let (series, span) = align(parts);
    r.timeseries = series;
    r.duration_s = span;
    r.throughput_rows_per_s = r.rows_loaded as f64 / r.duration_s.max(1e-9);
    r.verify = parts
        .iter()
        .map(|p| p.verify.as_ref())
        .collect::<Option<Vec<_>>>()
        .map(|vs| combine(&vs));
    r.http = parts
        .iter()
        .map(|p| p.http.as_ref())
        .collect::<Option<Vec<_>>>()
        .map(|hs| add_http(&hs));
    r
}

/// Identity-API shards: counters summed, and the rates (each shard's share
/// of `--rate`) added back into the whole run's.
fn add_http(parts: &[&super::Http]) -> super::Http {
    let mut h = super::Http {
        rate: None,
        counts: super::HttpCounts {
            advertised_rate_per_s: parts[0].counts.advertised_rate_per_s,
            ..Default::default()
        },
        retries: 0,
        backoff_s: 0.0,
        already_existed_on_retry: 0,
        jit_only: 0,
        jit_only_by_format: BTreeMap::new(),
        jobs: None,
        ..parts[0].clone()
    };
    for p in parts {
        if let Some(r) = p.rate {
            h.rate = Some(h.rate.unwrap_or(0.0) + r);
        }
        let (c, pc) = (&mut h.counts, &p.counts);
        c.attempts += pc.attempts;
        add_counts(&mut c.responses_by_status, &pc.responses_by_status);
        c.rate_limited += pc.rate_limited;
        c.rate_limit_waits += pc.rate_limit_waits;
        c.rate_limit_wait_s += pc.rate_limit_wait_s;
        c.timeouts += pc.timeouts;
        c.connection_errors += pc.connection_errors;
        h.retries += p.retries;
        h.backoff_s += p.backoff_s;
        h.already_existed_on_retry += p.already_existed_on_retry;
        h.jit_only += p.jit_only;
        add_counts(&mut h.jit_only_by_format, &p.jit_only_by_format);
        if let Some(j) = p.jobs {
            h.jobs = Some(h.jobs.unwrap_or(0) + j);
        }
    }
    h
}

fn earliest(parts: &[&Report]) -> String {
    parts
        .iter()
        .map(|p| p.head.started_at.clone())
        .min()
        .unwrap_or_default()
}

fn add_counts(to: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
    for (k, v) in from {
        *to.entry(k.clone()).or_default() += v;
    }
}

fn add_tables(to: &mut Vec<TableLoad>, from: &[TableLoad]) {
    for t in from {
        match to.iter_mut().find(|x| x.name == t.name) {
            Some(x) => {
                x.expected += t.expected;
                x.loaded += t.loaded;
                x.skipped += t.skipped;
                x.rejected += t.rejected;
                x.latency_ms = add_latency(x.latency_ms.take(), t.latency_ms.as_ref());
            }
            None => to.push(t.clone()),
        }
    }
}

/// Per-table write times of two shards as one histogram (exact percentiles,
/// as for the whole run's).
fn add_latency(a: Option<Latency>, b: Option<&Latency>) -> Option<Latency> {
    let Some(b) = b else { return a };
    let Some(a) = a else { return Some(b.clone()) };
    match (
        decode_histogram(&a.histogram),
        decode_histogram(&b.histogram),
    ) {
        (Some(mut ha), Some(hb)) => {
            ha.add(&hb).ok()?;
            Some(latency_of(&ha))
        }
        _ => None,
    }
}

/// The shards' time series on one wall clock (1-second buckets from the
/// earliest shard's start), and the span from that start to the last
/// shard's end of load (seconds). Without wall clocks (older reports), the
/// series are added bucket by bucket and the span is the longest load.
fn align(parts: &[&Report]) -> (TimeSeries, f64) {
    let starts: Option<Vec<u64>> = parts.iter().map(|p| p.timeseries.start_unix_ms).collect();
    let zero = starts.as_ref().and_then(|s| s.iter().min().copied());
    let mut rows: Vec<u64> = Vec::new();
    let mut span = 0f64;
    for (i, p) in parts.iter().enumerate() {
        let offset_ms = match (&starts, zero) {
            (Some(s), Some(z)) => s[i] - z,
            _ => 0,
        };
        let offset = (offset_ms as f64 / 1000.0).round() as usize;
        let b = p.timeseries.bucket_s.max(1e-9);
        for (j, n) in p.timeseries.rows.iter().enumerate() {
            let at = offset + (j as f64 * b).round() as usize;
            if rows.len() <= at {
                rows.resize(at + 1, 0);
            }
            rows[at] += n;
        }
        let end = match zero {
            Some(_) => {
                offset_ms as f64 / 1000.0 + (p.timeseries.rows.len() as f64 * b).max(p.duration_s)
            }
            None => p.duration_s,
        };
        span = span.max(end);
    }
    (
        TimeSeries {
            bucket_s: 1.0,
            rows,
            start_unix_ms: zero,
        },
        span,
    )
}

/// The shards' verifications as one: counts summed, per-table digests added
/// (order-independent sums of row digests, so the shards' add up to the
/// whole's), OK only when every shard's is.
fn combine(vs: &[&Verify]) -> Verify {
    let mut out = Verify {
        ok: true,
        digest: vs[0].digest.clone(),
        ..Verify::default()
    };
    let mut pw = PasswordCheck::default();
    for v in vs {
        out.ok &= v.ok;
        out.expected += v.expected;
        out.found += v.found;
        out.missing += v.missing;
        out.extra += v.extra;
        out.mismatched += v.mismatched;
        out.duplicated += v.duplicated;
        out.rejected += v.rejected;
        out.duration_s = out.duration_s.max(v.duration_s);
        add_counts(&mut out.mismatched_by_label, &v.mismatched_by_label);
        for e in &v.examples {
            if out.examples.len() < MAX_EXAMPLES {
                out.examples.push(e.clone());
            }
        }
        for c in &v.missing_columns {
            if !out.missing_columns.contains(c) {
                out.missing_columns.push(c.clone());
            }
        }
        for c in &v.renamed_columns {
            if !out.renamed_columns.contains(c) {
                out.renamed_columns.push(c.clone());
            }
        }
        if let Some(p) = &v.passwords {
            pw.checked += p.checked;
            pw.verified += p.verified;
            pw.failed += p.failed;
            pw.skipped_reason = pw.skipped_reason.or(p.skipped_reason.clone());
        }
        for t in &v.tables {
            match out.tables.iter_mut().find(|x| x.name == t.name) {
                Some(x) => add_table(x, t),
                None => out.tables.push(t.clone()),
            }
        }
    }
    if pw.checked > 0 {
        pw.skipped_reason = None;
    }
    out.passwords = Some(pw);
    out
}

fn add_table(x: &mut TableVerify, t: &TableVerify) {
    let add = |a: &str, b: &str| {
        let p = |s: &str| u128::from_str_radix(s, 16).unwrap_or(0);
        crate::manifest::digest_hex(p(a).wrapping_add(p(b)))
    };
    x.expected += t.expected;
    x.found += t.found;
    x.missing += t.missing;
    x.extra += t.extra;
    x.mismatched += t.mismatched;
    x.rejected += t.rejected;
    add_counts(&mut x.mismatched_by_label, &t.mismatched_by_label);
    x.digest_expected = add(&x.digest_expected, &t.digest_expected);
    x.digest_found = add(&x.digest_found, &t.digest_found);
    x.ok &= t.ok;
}

#[cfg(test)]
mod tests {
    use super::*;
    use hdrhistogram::Histogram;

    fn hist(values: &[u64]) -> Histogram<u64> {
        let mut h = Histogram::new_with_bounds(1, 3_600_000_000, 3).unwrap();
        for &v in values {
            h.record(v).unwrap();
        }
        h
    }

    fn shard(index: u64, latencies: &[u64]) -> (String, Report) {
        let r = Report {
            profile: super::super::ProfileInfo {
                name: "p".into(),
                digest: "d".into(),
            },
            seed: 1,
            users: 100,
            batch: 10,
            latency_ms: latency_of(&hist(latencies)),
            shard: Some(super::super::ShardReport {
                index,
                count: 3,
                ..Default::default()
            }),
            ..Report::default()
        };
        (format!("s{index}.json"), r)
    }

    #[test]
    fn merged_percentiles_are_those_of_every_recorded_latency() {
        // Skewed shards: averaging their p99s would be far from the truth.
        let a: Vec<u64> = (1..=1000).map(|i| i * 10).collect();
        let b: Vec<u64> = (1..=50).map(|i| 500_000 + i * 1000).collect();
        let c: Vec<u64> = (1..=300).map(|i| 2_000 + i * 7).collect();
        let merged = merge(vec![shard(1, &a), shard(2, &b), shard(3, &c)])
            .unwrap()
            .report;
        let all: Vec<u64> = a.iter().chain(&b).chain(&c).copied().collect();
        let whole = latency_of(&hist(&all));
        assert_eq!(merged.latency_ms.count, all.len() as u64);
        for (m, w) in [
            (merged.latency_ms.p50, whole.p50),
            (merged.latency_ms.p90, whole.p90),
            (merged.latency_ms.p99, whole.p99),
            (merged.latency_ms.p999, whole.p999),
            (merged.latency_ms.max, whole.max),
        ] {
            assert_eq!(m, w);
        }
        let averaged =
            (latency_of(&hist(&a)).p99 + latency_of(&hist(&b)).p99 + latency_of(&hist(&c)).p99)
                / 3.0;
        assert!(
            (averaged - whole.p99).abs() > 1.0,
            "the test data must tell them apart"
        );
    }

    #[test]
    fn shards_of_other_runs_are_refused_and_gaps_reported() {
        let (f, mut r) = shard(2, &[5]);
        r.seed = 2;
        let e = merge(vec![shard(1, &[5]), (f, r)]).err().unwrap();
        assert!(e.to_string().contains("seed"), "{e}");
        let o = merge(vec![shard(1, &[5]), shard(1, &[6])]).unwrap();
        let m = o.report.merged.unwrap();
        assert_eq!((m.missing, m.duplicate), (vec![2, 3], vec![1]));
        assert_eq!(o.notes.len(), 2);
    }
}
