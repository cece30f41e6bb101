//! `estimate --fail-on` and `estimate --junit` (ARCHITECTURE.md § Reports):
//! thresholds on the projection (`duration<8h`, `high{workers:4}<6h`), each
//! checked against the finished report, and the estimate as a JUnit suite:
//! one test case per threshold, one per sample, one for the disk the
//! scratch copies took and one for `--budget`, each failing with its
//! figures.

use super::report::EstimateReport;
use crate::error::{Error, Result};
use crate::report::Threshold;
use crate::report::human_duration;
use crate::report::junit::{Case, Suite, threshold_cases};

/// What a threshold reads from the projection: its centre, or the high or
/// low end of its range (seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Metric {
    Duration,
    High,
    Low,
}

/// One `--fail-on` condition on the projection: `metric{workers:W} op
/// seconds`; without a tag, the recommended worker count's projection.
#[derive(Debug, Clone)]
pub struct Condition {
    expr: String,
    metric: Metric,
    workers: Option<usize>,
    op: &'static str,
    value: f64,
}

/// Most of the disk beside the target the scratch copies may take, as a
/// share of the target's projected size (docs/estimate.md § Method).
pub const DISK_SHARE_LIMIT: f64 = 0.25;

/// Parses `duration>8h, high{workers:4}>=6h, low<600`: metrics `duration`
/// (the projection), `high` and `low` (its range's ends), in seconds or as
/// a duration (`90s`, `30m`, `8h`); an optional `{workers:W}` (else the
/// recommended count); operators > >= < <= == !=.
pub fn parse(expr: &str) -> Result<Vec<Condition>> {
    let conds: Vec<Condition> = expr
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(parse_one)
        .collect::<Result<_>>()?;
    if conds.is_empty() {
        return Err(Error::usage(
            "--fail-on: no threshold given (e.g. duration>8h)",
        ));
    }
    Ok(conds)
}

fn parse_one(part: &str) -> Result<Condition> {
    let usage = |what: String| Error::usage(format!("--fail-on: {what}"));
    let ops: [&'static str; 6] = [">=", "<=", "==", "!=", ">", "<"];
    let (at, op) = ops
        .iter()
        .filter_map(|op| part.find(op).map(|i| (i, *op)))
        .min_by_key(|(i, op)| (*i, std::cmp::Reverse(op.len())))
        .ok_or_else(|| {
            usage(format!(
                "`{part}` is not METRIC OP VALUE (e.g. duration>8h, high{{workers:4}}>6h)"
            ))
        })?;
    let (name, value) = (part[..at].trim(), part[at + op.len()..].trim());
    let value = match value.parse::<f64>() {
        Ok(v) if v.is_finite() => v,
        _ => crate::faults::plan::parse_duration(value)
            .map(|d| d.as_secs_f64())
            .ok_or_else(|| {
                usage(format!(
                    "`{value}` in `{part}` is not a number of seconds or a duration (90s, 30m, 8h)"
                ))
            })?,
    };
    let (metric, workers) = match name.split_once('{') {
        Some((m, rest)) => {
            let w = rest
                .strip_suffix('}')
                .and_then(|t| t.split_once(':'))
                .filter(|(k, _)| k.trim() == "workers")
                .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                .filter(|&w| w > 0)
                .ok_or_else(|| {
                    usage(format!(
                        "`{name}` in `{part}`: the one tag is {{workers:W}}, W a worker count"
                    ))
                })?;
            (m.trim(), Some(w))
        }
        None => (name, None),
    };
    let metric = match metric {
        "duration" => Metric::Duration,
        "high" => Metric::High,
        "low" => Metric::Low,
        m => {
            let hint = crate::util::did_you_mean(m, ["duration", "high", "low"])
                .map(|h| format!(" (did you mean `{h}`?)"))
                .unwrap_or_default();
            return Err(usage(format!(
                "unknown metric `{m}`{hint} for estimate; use duration, high or low (seconds), each optionally {{workers:W}}"
            )));
        }
    };
    Ok(Condition {
        expr: part.to_string(),
        metric,
        workers,
        op,
        value,
    })
}

/// A `{workers:W}` must name a projected count (`--workers`): exit 2
/// before any sample.
pub fn check_workers(conds: &[Condition], workers: &[usize]) -> Result<()> {
    match conds
        .iter()
        .find(|c| c.workers.is_some_and(|w| !workers.contains(&w)))
    {
        Some(c) => Err(Error::usage(format!(
            "--fail-on: `{}` names a worker count that is not projected; --workers is {}",
            c.expr,
            workers
                .iter()
                .map(|w| w.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ))),
        None => Ok(()),
    }
}

/// Each condition against the report's projections (a worker count
/// without one, which `check_workers` refuses, misses with 0).
pub fn evaluate(conds: &[Condition], r: &EstimateReport) -> Vec<Threshold> {
    conds
        .iter()
        .map(|c| {
            let w = c.workers.unwrap_or(r.recommended_workers);
            let actual = r
                .projections
                .iter()
                .find(|p| p.workers == w)
                .map_or(0.0, |p| match c.metric {
                    Metric::Duration => p.seconds,
                    Metric::High => p.high_seconds,
                    Metric::Low => p.low_seconds,
                });
            Threshold {
                expr: c.expr.clone(),
                actual,
                ok: r.projections.iter().any(|p| p.workers == w) && !fails(c.op, actual, c.value),
                abort: false,
            }
        })
        .collect()
}

/// Whether `actual op value` holds: the threshold is missed.
fn fails(op: &str, actual: f64, value: f64) -> bool {
    match op {
        ">" => actual > value,
        ">=" => actual >= value,
        "<" => actual < value,
        "<=" => actual <= value,
        "==" => actual == value,
        _ => actual != value,
    }
}

/// The error `estimate` ends with when thresholds were missed (exit 1).
pub fn missed(ts: &[Threshold]) -> Option<Error> {
    let bad: Vec<String> = ts
        .iter()
        .filter(|t| !t.ok)
        .map(|t| format!("{} (projected {})", t.expr, human_duration(t.actual)))
        .collect();
    (!bad.is_empty()).then(|| {
        Error::failed(format!(
            "--fail-on: {} of {} threshold{} missed: {}",
            bad.len(),
            ts.len(),
            if ts.len() == 1 { "" } else { "s" },
            bad.join("; ")
        ))
    })
}

/// The estimate as a JUnit suite.
pub fn suite(r: &EstimateReport) -> Suite {
    let class = "understudy.estimate";
    let mut cases = threshold_cases(&format!("{class}.thresholds"), &r.thresholds);
    for (k, s) in r.samples.iter().enumerate() {
        let what = match s.kind {
            super::model::SampleKind::Sweep => format!(
                "sweep, {} worker{}",
                s.workers,
                if s.workers == 1 { "" } else { "s" }
            ),
            super::model::SampleKind::AtSize => {
                format!("at size, {} rows in the target", s.at_rows)
            }
        };
        // A sample measures a rate only from batches it committed.
        let failure = (s.rows == 0 || s.steady_rows_per_s <= 0.0).then(|| {
            (
                "no rows committed".to_string(),
                format!(
                    "sample {} ({what}) of {} users committed {} rows in {:.1} s: no rate measured",
                    k + 1,
                    s.users,
                    s.rows,
                    s.duration_s
                ),
            )
        });
        cases.push(Case {
            time_s: s.duration_s,
            ..Case::check(
                &format!("{class}.samples"),
                format!(
                    "sample {}: {what}, {} rows at {:.0} rows/s",
                    k + 1,
                    s.rows,
                    s.steady_rows_per_s
                ),
                failure,
            )
        });
    }
    if let Some(share) = r.cost.disk_share {
        let bytes = r.cost.peak_disk_bytes.unwrap_or(0);
        let target = r.cost.projected_target_bytes.unwrap_or(0.0);
        cases.push(Case::check(
            &format!("{class}.cost"),
            format!(
                "scratch copies within {:.0} % of the target's projected size",
                DISK_SHARE_LIMIT * 100.0
            ),
            (share > DISK_SHARE_LIMIT).then(|| {
                (
                    format!("{:.0} % of the projected target", share * 100.0),
                    format!(
                        "the scratch copies took {:.0} MB beside the target, {:.0} % of its projected {:.0} MB (limit {:.0} %)",
                        bytes as f64 / 1e6,
                        share * 100.0,
                        target / 1e6,
                        DISK_SHARE_LIMIT * 100.0
                    ),
                )
            }),
        ));
    }
    if r.budget.seconds > 0.0 {
        cases.push(Case::check(
            &format!("{class}.cost"),
            format!(
                "estimate within --budget {}",
                human_duration(r.budget.seconds)
            ),
            (r.cost.seconds > r.budget.seconds).then(|| {
                (
                    format!("took {}", human_duration(r.cost.seconds)),
                    format!(
                        "the estimate took {} ({} filling scratch copies), over --budget {}",
                        human_duration(r.cost.seconds),
                        human_duration(r.cost.fill_s),
                        human_duration(r.budget.seconds)
                    ),
                )
            }),
        ));
    }
    let rec = r
        .projections
        .iter()
        .find(|p| p.workers == r.recommended_workers);
    let mut properties = vec![
        ("profile".into(), r.profile.name.clone()),
        ("seed".into(), r.seed.to_string()),
        ("production_users".into(), r.production_users.to_string()),
        ("target".into(), r.target.clone()),
        (
            "size_method".into(),
            format!("{:?}", r.size_method).to_lowercase(),
        ),
        (
            "recommended_workers".into(),
            r.recommended_workers.to_string(),
        ),
    ];
    if let Some(p) = rec {
        properties.push(("projected_s".into(), format!("{:.1}", p.seconds)));
        properties.push((
            "range_s".into(),
            format!("{:.1}-{:.1}", p.low_seconds, p.high_seconds),
        ));
    }
    Suite {
        name: "understudy estimate".into(),
        time_s: r.cost.seconds.max(r.sampling_s),
        timestamp: r.head.started_at.clone(),
        properties,
        cases,
    }
}
