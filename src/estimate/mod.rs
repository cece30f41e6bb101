//! `estimate`: project a full migration's duration from small sample
//! rehearsals.
//!
//! 1. Sweep: the sample (S users) is loaded into a scratch copy of the target
//!    at each worker count (`--workers`), `--repeat` times while `--budget`
//!    allows; each sample's steady-state rate drops the first round of
//!    batches (warm-up) and the tail.
//! 2. Size effect, from samples at size: half the sample's users each (at
//!    least one whole batch), loaded as the full load's batches at 21 % and at 79 % of the
//!    production size, into scratch copies filled fast to those sizes
//!    (appends, then one sort per unique index); the mean of their times per
//!    row is the full load's (two-point Gauss–Legendre). SQLite: template
//!    files, copied for each repeat; PostgreSQL: one schema, one pass.
//!    Without them (identity APIs), the sweep samples' own slowdown as their
//!    tables grow, extrapolated in log(size).
//! 3. Model (`model.rs`): the Universal Scalability Law (`usl.rs`) fitted to
//!    rate vs workers, the size effect, any rate limit (as the API announces
//!    it, checked against the throttled samples), retry waits; projected
//!    per worker count with an interval; a recommended count; the bottleneck.

pub mod model;
pub mod sample;
pub mod usl;

use crate::error::{Error, Result};
use crate::harness::{Plan, RehearseOptions};
use crate::hash::HashMode;
use crate::profile::Profile;
use crate::report::estimate::{EstimateReport, SampleSummary};
use crate::target::{Method, Target};
use model::{SampleKind, TargetKind};
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub struct EstimateOptions {
    pub profile: Profile,
    pub production_users: u64,
    pub target: String,
    pub sample_users: Option<u64>,
    /// Share of the production users (0–1), from `--sample 2%`.
    pub sample_share: Option<f64>,
    pub workers: Option<Vec<usize>>,
    pub api: Option<String>,
    pub budget: Duration,
    pub repeat: usize,
    pub seed: u64,
    /// Driving-table rows per batch of the full load (default: rehearse's).
    pub batch: Option<u64>,
    pub method: Method,
    pub hash_mode: Option<HashMode>,
    pub edge_rate: Option<f64>,
    pub domains: Vec<(String, u32)>,
    pub report: Option<PathBuf>,
    pub html: Option<PathBuf>,
    pub quiet: bool,
}

/// Largest default sample.
pub const MAX_DEFAULT_SAMPLE: u64 = 100_000;

fn say(quiet: bool, msg: impl AsRef<str>) {
    if !quiet {
        eprintln!("understudy: {}", msg.as_ref());
    }
}

/// `2%`, `2 %` or `0.02` → 0.02.
pub fn parse_share(s: &str) -> Option<f64> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().ok()? / 100.0,
        None => t.parse::<f64>().ok()?,
    };
    (v > 0.0 && v <= 1.0).then_some(v)
}

/// `1,2,4,8` → [1, 2, 4, 8].
pub fn parse_workers(s: &str) -> Option<Vec<usize>> {
    let v: Option<Vec<usize>> = s
        .split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|x| x.parse::<usize>().ok().filter(|n| (1..=1024).contains(n)))
        .collect();
    v.filter(|v| !v.is_empty())
}

/// The sample size: `--sample-users`, else `--sample` × N, else 5 % of N
/// capped at 100,000 (and at least 1,000 or N).
pub fn sample_users(n: u64, users: Option<u64>, share: Option<f64>) -> Result<u64> {
    let s = match (users, share) {
        (Some(_), Some(_)) => {
            return Err(Error::usage(
                "give either --sample-users S or --sample P%, not both",
            ));
        }
        (Some(s), None) => s,
        (None, Some(p)) => ((n as f64 * p).round() as u64).max(1),
        (None, None) => (n / 20).min(MAX_DEFAULT_SAMPLE).max(1000.min(n)),
    };
    if s == 0 {
        return Err(Error::usage("the sample must hold at least 1 user"));
    }
    if s > n {
        return Err(Error::usage(format!(
            "the sample ({s} users) is larger than --production-users ({n}); use a smaller --sample-users or --sample"
        )));
    }
    Ok(s)
}

/// One line of progress for a sample.
fn describe(s: &model::Sample) -> String {
    format!(
        "{}{} · {} worker{} · batch {} → {:.0} rows/s steady ({} rows in {}, warm-up {})",
        match s.kind {
            SampleKind::Sweep => "sweep",
            SampleKind::AtSize => "at size",
        },
        match s.kind {
            SampleKind::AtSize => format!(" ({} rows in the target)", s.at_rows),
            SampleKind::Sweep => String::new(),
        },
        s.workers,
        if s.workers == 1 { "" } else { "s" },
        s.batch,
        s.steady_rows_per_s,
        s.rows,
        crate::report::human_duration(s.duration_s),
        crate::report::human_duration(s.warmup_s)
    )
}

/// Runs `estimate`; returns the exit code (0).
pub fn estimate(opts: EstimateOptions) -> Result<i32> {
    let started_at = {
        let mut s = String::new();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        crate::time::push_rfc3339(&mut s, now);
        s
    };
    let n = opts.production_users;
    if n == 0 {
        return Err(Error::usage("--production-users must be at least 1"));
    }
    let http = if crate::target::http::HttpTarget::is_http(&opts.target) {
        let api = match &opts.api {
            Some(a) => Some(a.parse().map_err(Error::usage)?),
            None => None,
        };
        Some(crate::target::http::HttpTarget::parse(&opts.target, api)?)
    } else {
        if let Some(api) = &opts.api {
            return Err(Error::usage(format!(
                "--api {api} applies to identity-API targets (--target http://HOST:PORT)"
            )));
        }
        None
    };
    if opts.batch == Some(0) {
        return Err(Error::usage("--batch must be at least 1"));
    }
    if opts.repeat == 0 {
        return Err(Error::usage("--repeat must be at least 1"));
    }
    crate::util::check_outputs(&[("--report", &opts.report), ("--html", &opts.html)])?;
    // An identity API has no database behind the DSN: `target` is a stand-in
    // that is never connected to.
    let target = match &http {
        Some(_) => crate::target::sqlite::target(PathBuf::from("unused")),
        None => Target::parse(&opts.target)?,
    };
    let kind = if http.is_some() {
        TargetKind::Api
    } else if target.is_sqlite() {
        TargetKind::SingleWriter
    } else {
        TargetKind::Server
    };
    let shown = match &http {
        Some(h) => format!("the {} API at {}", h.api_name(), h.base),
        None => target.redacted(),
    };
    let s_users = sample_users(n, opts.sample_users, opts.sample_share)?;
    let mut workers = opts.workers.clone().unwrap_or_else(|| match kind {
        TargetKind::SingleWriter => vec![1, 2],
        TargetKind::Api => vec![1, 2, 4, 8],
        TargetKind::Server => vec![1, 2, 4],
    });
    workers.sort();
    workers.dedup();
    let full_batch = match &http {
        Some(_) => 1,
        None => opts
            .batch
            .unwrap_or(if target.is_sqlite() { 25_000 } else { 5_000 }),
    };
    let w_max = *workers.last().unwrap_or(&1) as u64;
    // At least four batches per worker, so the steady window spans rounds.
    let sweep_batch = full_batch.min((s_users / (4 * w_max)).max(1));
    let ratio = s_users as f64 / n as f64;

    say(
        opts.quiet,
        format!(
            "estimate: {n} production users into {shown}; samples of {s_users} users ({:.2} % of N) at {} worker{}, budget {}",
            ratio * 100.0,
            workers
                .iter()
                .map(|w| w.to_string())
                .collect::<Vec<_>>()
                .join(","),
            if workers == [1] { "" } else { "s" },
            crate::report::human_duration(opts.budget.as_secs_f64())
        ),
    );
    // Reachable? (exit 3 before any work; an SQLite target is not created:
    // a scratch directory beside it is the check.)
    match &http {
        Some(h) => crate::target::http::reach(h)?,
        None if target.is_sqlite() => crate::target::reach::usable_dir(&target)?,
        None => drop(crate::target::reach::reach(&target)?),
    }
    let full_plan = Plan::new(
        opts.profile.clone(),
        n,
        opts.seed,
        &opts.domains,
        opts.hash_mode,
        opts.edge_rate,
    )?;
    let mut full_rows: u64 = match &http {
        // Identity APIs take the users table only.
        Some(_) => n,
        None => full_plan.expected_rows().iter().sum(),
    };
    // An API keeps every user it is sent: each sample gets its own users.
    let plan_users = match &http {
        Some(_) => s_users * (opts.repeat * workers.len()) as u64,
        None => s_users,
    };
    let plan = Plan::new(
        opts.profile.clone(),
        plan_users,
        opts.seed,
        &opts.domains,
        opts.hash_mode,
        opts.edge_rate,
    )?;
    let base = RehearseOptions {
        method: opts.method,
        verify: false,
        hash_mode: opts.hash_mode,
        edge_rate: opts.edge_rate,
        domains: opts.domains.clone(),
        quiet: true,
        retry_for: Duration::from_secs(60),
        ..RehearseOptions::new(opts.profile.clone(), s_users, opts.seed)
    };

    // The plan of samples: one pass over the sweep (and, on SQLite, the
    // samples at size), then repeats while the budget allows.
    let mut specs: Vec<sample::Spec> = workers
        .iter()
        .map(|&w| sample::Spec {
            kind: SampleKind::Sweep,
            workers: w,
            batch: sweep_batch,
            node: 0,
        })
        .collect();
    // Samples at size (databases): half the sample's users at each
    // Gauss–Legendre node, N·(1/2 ∓ 1/(2√3)), as full-size batches, centred
    // on it; at least one whole batch, even when that is more than half the
    // sample: a smaller transaction writes more pages per row (on SQLite,
    // batches of 5,000 instead of 25,000 wrote 3.3× the WAL pages per row and
    // projected a 200k-user load 34–37 % long).
    let half = (s_users / 2).max(1);
    let at_batch = full_batch;
    let at_window = (half / at_batch).max(1);
    let at_points: Vec<u64> = {
        let d = 0.5 / 3f64.sqrt();
        let mut p: Vec<u64> = [0.5 - d, 0.5 + d]
            .iter()
            .map(|x| {
                let start = n as f64 * x - (at_window * at_batch) as f64 / 2.0;
                (start / at_batch as f64).round().max(0.0) as u64
            })
            .collect();
        p.dedup();
        p
    };
    if kind == TargetKind::SingleWriter {
        for node in 0..at_points.len() {
            specs.push(sample::Spec {
                kind: SampleKind::AtSize,
                workers: 1,
                batch: at_batch,
                node,
            });
        }
    }
    let started = Instant::now();
    let mut templates: Vec<sample::Template> = Vec::new();
    let mut fill_s = 0.0;
    let mut samples = Vec::new();
    if kind == TargetKind::Server {
        // One pass (filling a schema to 79 % is much of a load): the sweep's
        // repeats run after it, round-robin.
        let w = workers
            .iter()
            .copied()
            .filter(|&w| w <= 2)
            .max()
            .unwrap_or(workers[0]);
        let (at, secs) = sample::run_at_sizes_pg(
            &full_plan, &target, &base, at_batch, &at_points, at_window, w,
        )?;
        fill_s = secs;
        for s in &at {
            say(opts.quiet, format!("sample {}", describe(s)));
        }
        samples.extend(at);
    }
    let pass = specs.len();
    let mut spent: Vec<f64> = Vec::new();
    let mut skipped = 0usize;
    'outer: for round in 0..opts.repeat {
        for (i, spec) in specs.iter().enumerate() {
            let k = round * pass + i;
            let elapsed = started.elapsed().as_secs_f64();
            let typical = spent.iter().copied().fold(0.0_f64, f64::max);
            if k > 0 && elapsed + typical > opts.budget.as_secs_f64() {
                skipped = opts.repeat * pass - k;
                break 'outer;
            }
            let t0 = Instant::now();
            if spec.kind == SampleKind::AtSize && templates.is_empty() {
                (templates, fill_s) =
                    sample::fill_templates(&full_plan, &target, &base, at_batch, &at_points)?;
                say(
                    opts.quiet,
                    format!(
                        "samples at size: scratch copies filled to {} users in {}",
                        templates
                            .iter()
                            .map(|t| (t.batches * at_batch).to_string())
                            .collect::<Vec<_>>()
                            .join(" and "),
                        crate::report::human_duration(fill_s)
                    ),
                );
            }
            let s = match &http {
                _ if spec.kind == SampleKind::AtSize => sample::run_at(
                    &full_plan,
                    &templates[spec.node],
                    &base,
                    at_batch,
                    at_window,
                    k,
                )?,
                Some(h) => sample::run_http(
                    &plan,
                    h,
                    spec,
                    k as u64 * s_users..(k as u64 + 1) * s_users,
                    8,
                )?,
                None => sample::run(&plan, &target, &base, spec, k)?,
            };
            spent.push(t0.elapsed().as_secs_f64());
            say(
                opts.quiet,
                format!("sample {}/{}: {}", k + 1, opts.repeat * pass, describe(&s)),
            );
            samples.push(s);
        }
    }
    let sampling_s = started.elapsed().as_secs_f64();
    let mut notes = Vec::new();
    if skipped > 0 {
        notes.push(format!(
            "--budget {} reached: {skipped} planned sample{} skipped (fewer repeats, a wider range)",
            crate::report::human_duration(opts.budget.as_secs_f64()),
            if skipped == 1 { "" } else { "s" }
        ));
    }
    if http.is_some() {
        // Users the API cannot import (jit_only) are not sent: only the share
        // the samples sent counts.
        let (sent, users): (u64, u64) = samples
            .iter()
            .fold((0, 0), |(a, b), s| (a + s.rows, b + s.users));
        full_rows = (n as f64 * sent as f64 / users.max(1) as f64).round() as u64;
        if sent < users {
            notes.push(format!(
                "{:.1} % of the sampled users were not sent (jit_only: the API cannot import their hash format) or were refused; the projection counts the {full_rows} that would be",
                (1.0 - sent as f64 / users.max(1) as f64) * 100.0
            ));
        }
    }
    let out = model::project(&model::Inputs {
        kind,
        samples: &samples,
        rows: full_rows,
        batch: full_batch,
        workers: &workers,
    })
    .ok_or_else(|| Error::target("the samples committed too few batches to measure a rate"))?;
    notes.extend(out.notes);
    let mut at_rows: Vec<u64> = samples
        .iter()
        .filter(|s| s.kind == SampleKind::AtSize)
        .map(|s| s.at_rows)
        .collect();
    at_rows.sort();
    at_rows.dedup();
    if !at_rows.is_empty() {
        notes.push(format!(
            "samples at size: {} users each as {} batch{} of {}, loaded where the target already held {} rows ({} to fill)",
            at_window * at_batch,
            at_window,
            if at_window == 1 { "" } else { "es" },
            at_batch,
            at_rows
                .iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>()
                .join(" and "),
            crate::report::human_duration(fill_s)
        ));
        if at_batch > half {
            notes.push(format!(
                "half the sample ({half} users) is less than one batch of the full load: each sample at size loads one whole batch ({at_batch} users), as the full load's transactions are"
            ));
        }
    }
    if kind == TargetKind::SingleWriter && workers.iter().any(|&w| w > 1) {
        notes.push(
            "SQLite takes one writer at a time; `rehearse` always loads it with 1 worker".into(),
        );
    }
    let report = EstimateReport {
        schema_version: crate::report::estimate::SCHEMA_VERSION,
        tool: "understudy".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        command: "estimate".into(),
        started_at,
        profile: crate::report::ProfileInfo {
            name: plan.profile.name.clone(),
            digest: plan.profile.digest.clone(),
        },
        seed: opts.seed,
        target: match &http {
            Some(h) => h.base.clone(),
            None => target.redacted(),
        },
        method: match &http {
            Some(h) => format!("http:{}", h.api_name()),
            None => opts.method.to_string(),
        },
        production_users: n,
        production_rows: full_rows,
        rows_per_user: full_rows as f64 / n as f64,
        batch: full_batch,
        sample_users: s_users,
        sample_share: ratio,
        sampling_s,
        projections: out.projections,
        recommended_workers: out.recommended,
        bottleneck: out.bottleneck,
        model: out.model,
        samples: samples.iter().map(SampleSummary::from).collect(),
        notes,
        exit_code: 0,
    };
    if let Some(p) = &opts.report {
        report.save(p)?;
    }
    if let Some(p) = &opts.html {
        std::fs::write(p, crate::report::estimate::html(&report))
            .map_err(|e| Error::io("write", p, e))?;
    }
    if !opts.quiet {
        print!("{}", crate::report::estimate::terminal(&report));
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_workers_and_sample_sizes_parse() {
        assert_eq!(parse_share("2%"), Some(0.02));
        assert_eq!(parse_share("0.05"), Some(0.05));
        assert_eq!(parse_share("0%"), None);
        assert_eq!(parse_share("150%"), None);
        assert_eq!(parse_workers("1,2, 4,8"), Some(vec![1, 2, 4, 8]));
        assert_eq!(parse_workers("1,0"), None);
        assert_eq!(parse_workers(""), None);
        assert_eq!(sample_users(1_000_000, None, None).unwrap(), 50_000);
        assert_eq!(sample_users(10_000_000, None, None).unwrap(), 100_000);
        assert_eq!(sample_users(500, None, None).unwrap(), 500);
        assert_eq!(sample_users(1_000_000, None, Some(0.02)).unwrap(), 20_000);
        assert!(sample_users(100, Some(200), None).is_err());
        assert!(sample_users(100, Some(10), Some(0.1)).is_err());
    }
}
