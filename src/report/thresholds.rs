//! Thresholds (`--fail-on`, a profile's `[thresholds]`; ARCHITECTURE.md §
//! Reports): `METRIC[{TAG:VALUE}] OP NUMBER [abort]`, comma-separated, in
//! the spirit of k6's `http_req_duration{name:login}: p(95)<200`. A tag
//! narrows a metric to one table, one error class, or the edge-case labels a
//! glob matches (`rejects{label:email.*}>0`). `abort` stops the load as soon
//! as a threshold that can only get worse is missed.

use super::{Report, Threshold};
use crate::error::{Error, Result};
use std::collections::BTreeMap;

/// What a tag narrows a metric to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    /// Edge-case labels matching a glob (`*` for any run of characters).
    Label,
    Table,
    /// An error or warning class (`charset`, `unique`…).
    Class,
}

impl Tag {
    fn name(self) -> &'static str {
        match self {
            Tag::Label => "label",
            Tag::Table => "table",
            Tag::Class => "class",
        }
    }
}

use Tag::{Class, Label, Table};

/// Each metric, the tags it takes, and what it measures (for `--help` and
/// the errors).
const METRICS: &[(&str, &[Tag])] = &[
    ("rejects", &[Label, Table, Class]),
    ("errors", &[Label, Class]),
    ("warnings", &[Label, Class]),
    ("throughput", &[Table]),
    ("duration", &[]),
    ("p50", &[Table]),
    ("p90", &[Table]),
    ("p99", &[Table]),
    ("max", &[Table]),
    ("missing", &[Table]),
    ("extra", &[Table]),
    ("mismatched", &[Label, Table]),
];

/// Metrics that never decrease while a run goes on: missing one of them with
/// `>`/`>=` cannot be undone, so `abort` may stop the run then.
const MONOTONIC: &[&str] = &["rejects", "errors", "warnings", "max", "duration"];

/// One parsed condition: the run fails when `metric op value` holds.
#[derive(Debug, Clone)]
pub struct Condition {
    pub expr: String,
    pub metric: String,
    pub tag: Option<(Tag, String)>,
    pub op: &'static str,
    pub value: f64,
    pub abort: bool,
}

/// Splits on commas outside `{…}`.
fn parts(expr: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, ch) in expr.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&expr[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&expr[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

fn metric_list() -> String {
    METRICS
        .iter()
        .map(|(m, tags)| match tags {
            [] => m.to_string(),
            _ => format!(
                "{m}{{{}}}",
                tags.iter().map(|t| t.name()).collect::<Vec<_>>().join("|")
            ),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses `rejects{label:email.*}>0, p99{table:sessions}>250, throughput<5000`:
/// metrics rejects, errors, warnings (counts), throughput (rows/s), duration
/// (s), p50, p90, p99 and max (ms, per batch), missing, extra, mismatched
/// (verification); operators > >= < <= == !=; an optional trailing `abort`.
pub fn parse_conditions(expr: &str) -> Result<Vec<Condition>> {
    parts(expr).into_iter().map(parse_one).collect()
}

fn parse_one(part: &str) -> Result<Condition> {
    let usage = |what: String| Error::usage(format!("--fail-on: {what}"));
    let (body, abort) = match part.rsplit_once(char::is_whitespace) {
        Some((b, "abort")) => (b.trim(), true),
        _ => (part, false),
    };
    // The operator comes after the tag's closing brace, if any.
    let from = body.find('}').map_or(0, |i| i + 1);
    let ops: [&'static str; 6] = [">=", "<=", "==", "!=", ">", "<"];
    let (at, op) = ops
        .iter()
        .filter_map(|op| body[from..].find(op).map(|i| (from + i, *op)))
        .min_by_key(|(i, op)| (*i, std::cmp::Reverse(op.len())))
        .ok_or_else(|| {
            usage(format!(
                "`{part}` is not METRIC OP VALUE (e.g. rejects>0, p99{{table:users}}>250, throughput<5000)"
            ))
        })?;
    let (name, value) = (body[..at].trim(), body[at + op.len()..].trim());
    let value: f64 = value
        .parse()
        .map_err(|_| usage(format!("`{value}` in `{part}` is not a number")))?;
    let (metric, tag) = match name.split_once('{') {
        Some((m, rest)) => {
            let inner = rest.strip_suffix('}').ok_or_else(|| {
                usage(format!(
                    "`{name}` in `{part}`: a tag is written {{table:users}}"
                ))
            })?;
            (m.trim(), Some(inner))
        }
        None => (name, None),
    };
    let metric = if metric == "rejected" {
        "rejects"
    } else {
        metric
    };
    let Some((_, tags)) = METRICS.iter().find(|(m, _)| *m == metric) else {
        let hint = crate::util::did_you_mean(metric, METRICS.iter().map(|(m, _)| *m))
            .map(|h| format!(" (did you mean `{h}`?)"))
            .unwrap_or_default();
        return Err(usage(format!(
            "unknown metric `{metric}`{hint}; use {}",
            metric_list()
        )));
    };
    let tag = tag.map(|t| parse_tag(t, metric, tags, part)).transpose()?;
    if abort && !(MONOTONIC.contains(&metric) && matches!(op, ">" | ">=")) {
        return Err(usage(format!(
            "`{part}`: abort stops a run once a threshold can no longer pass, so it needs one that only gets worse as the run goes on: {} with > or >=",
            MONOTONIC.join(", ")
        )));
    }
    Ok(Condition {
        expr: part.to_string(),
        metric: metric.to_string(),
        tag,
        op,
        value,
        abort,
    })
}

fn parse_tag(t: &str, metric: &str, allowed: &[Tag], part: &str) -> Result<(Tag, String)> {
    let usage = |what: String| Error::usage(format!("--fail-on: {what}"));
    let (k, v) = t
        .split_once(':')
        .map(|(k, v)| (k.trim(), v.trim()))
        .filter(|(_, v)| !v.is_empty())
        .ok_or_else(|| usage(format!("`{{{t}}}` in `{part}` is not {{TAG:VALUE}}")))?;
    let tag = [Label, Table, Class]
        .into_iter()
        .find(|x| x.name() == k)
        .ok_or_else(|| {
            usage(format!(
                "unknown tag `{k}` in `{part}`; tags: label, table, class"
            ))
        })?;
    if !allowed.contains(&tag) {
        let takes = match allowed {
            [] => "no tag".to_string(),
            _ => allowed
                .iter()
                .map(|x| x.name())
                .collect::<Vec<_>>()
                .join(", "),
        };
        return Err(usage(format!(
            "`{metric}` cannot be narrowed by {k} (in `{part}`); it takes {takes}"
        )));
    }
    Ok((tag, v.to_string()))
}

/// `*` matches any run of characters; everything else itself.
pub fn glob(pat: &str, s: &str) -> bool {
    let Some((head, rest)) = pat.split_once('*') else {
        return pat == s;
    };
    let Some(mut s) = s.strip_prefix(head) else {
        return false;
    };
    let pieces: Vec<&str> = rest.split('*').collect();
    let (last, middle) = pieces.split_last().expect("split yields one piece");
    for p in middle {
        match s.find(p) {
            Some(i) => s = &s[i + p.len()..],
            None => return false,
        }
    }
    s.len() >= last.len() && s.ends_with(last)
}

/// Refuses, before a run, tags that can never match: a table the profile
/// does not have, a label glob that names no edge case.
pub fn check_names(conds: &[Condition], tables: &[&str]) -> Result<()> {
    for c in conds {
        match &c.tag {
            Some((Table, t)) if !tables.contains(&t.as_str()) => {
                let hint = crate::util::did_you_mean(t, tables.iter().copied())
                    .map(|h| format!(" (did you mean `{h}`?)"))
                    .unwrap_or_default();
                return Err(Error::usage(format!(
                    "--fail-on `{}`: no table `{t}` in this run{hint}; tables: {}",
                    c.expr,
                    tables.join(", ")
                )));
            }
            Some((Label, l)) if !label_can_match(l) => {
                return Err(Error::usage(format!(
                    "--fail-on `{}`: `{l}` matches no edge-case label; labels look like email.plus-tag, name.*, parent:email.*, no-edge-case:unique (see `understudy edge-cases list`)",
                    c.expr
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

fn label_can_match(pat: &str) -> bool {
    let pat = pat.strip_prefix(super::metrics::PARENT).unwrap_or(pat);
    if pat == "*" || pat.starts_with(super::metrics::NO_EDGE_CASE) || pat.starts_with("custom") {
        return true;
    }
    crate::edge::list().iter().any(|c| glob(pat, c.label))
}

/// Refuses what a target measured per request rather than per batch and
/// table cannot honour: per-table latency, and `abort` (checked between
/// batches of a database load).
pub fn whole_run_only(conds: &[Condition], targets: &str) -> Result<()> {
    for c in conds {
        let latency = ["p50", "p90", "p99", "max"].contains(&c.metric.as_str());
        if c.abort {
            return Err(Error::usage(format!(
                "--fail-on `{}`: abort is checked between the batches of a database load; {targets} are not stopped early yet (drop `abort`)",
                c.expr
            )));
        }
        if latency && c.tag.is_some() {
            return Err(Error::usage(format!(
                "--fail-on `{}`: {targets} time each request, not each table; use `{}` without the tag",
                c.expr, c.metric
            )));
        }
    }
    Ok(())
}

/// The sum of the counts a glob matches.
pub fn sum_matching(m: &BTreeMap<String, u64>, pat: &str) -> f64 {
    m.iter()
        .filter(|(k, _)| glob(pat, k))
        .map(|(_, n)| *n)
        .sum::<u64>() as f64
}

/// A count by class and by label, narrowed by a tag (none: every class).
pub fn tagged_sum(
    by_class: &BTreeMap<String, u64>,
    by_label: &BTreeMap<String, u64>,
    tag: Option<(Tag, &str)>,
) -> f64 {
    match tag {
        Some((Label, p)) => sum_matching(by_label, p),
        Some((Class, p)) => sum_matching(by_class, p),
        _ => by_class.values().sum::<u64>() as f64,
    }
}

/// The figure a condition reads in a report.
pub fn actual(c: &Condition, r: &Report) -> f64 {
    let v = r.verify.as_ref();
    let table = |name: &str| r.tables.iter().find(|t| t.name == name);
    let vtable = |name: &str| v.and_then(|v| v.tables.iter().find(|t| t.name == name));
    let lat = |name: Option<&str>| match name {
        None => Some(&r.latency_ms),
        Some(n) => table(n).and_then(|t| t.latency_ms.as_ref()),
    };
    let tag = c.tag.as_ref().map(|(t, v)| (*t, v.as_str()));
    let table_tag = match tag {
        Some((Table, n)) => Some(n),
        _ => None,
    };
    match (c.metric.as_str(), tag) {
        ("rejects", None) => r.rows_rejected as f64,
        ("rejects", Some((Table, n))) => table(n).map_or(0, |t| t.rejected) as f64,
        ("rejects" | "errors", tag) => tagged_sum(&r.errors_by_class, &r.errors_by_label, tag),
        ("warnings", tag) => tagged_sum(&r.warnings_by_class, &r.warnings_by_label, tag),
        ("throughput", Some((Table, n))) => {
            table(n).map_or(0.0, |t| t.loaded as f64 / r.duration_s.max(1e-9))
        }
        ("throughput", _) => r.throughput_rows_per_s,
        ("duration", _) => r.duration_s,
        ("p50", _) => lat(table_tag).map_or(0.0, |l| l.p50),
        ("p90", _) => lat(table_tag).map_or(0.0, |l| l.p90),
        ("p99", _) => lat(table_tag).map_or(0.0, |l| l.p99),
        ("max", _) => lat(table_tag).map_or(0.0, |l| l.max),
        ("missing", Some((Table, n))) => vtable(n).map_or(0, |t| t.missing) as f64,
        ("missing", _) => v.map_or(0, |v| v.missing) as f64,
        ("extra", Some((Table, n))) => vtable(n).map_or(0, |t| t.extra) as f64,
        ("extra", _) => v.map_or(0, |v| v.extra) as f64,
        ("mismatched", Some((Table, n))) => vtable(n).map_or(0, |t| t.mismatched) as f64,
        ("mismatched", Some((Label, p))) => {
            v.map_or(0.0, |v| sum_matching(&v.mismatched_by_label, p))
        }
        _ => v.map_or(0, |v| v.mismatched) as f64,
    }
}

/// Whether `actual` misses the condition.
pub fn misses(c: &Condition, actual: f64) -> bool {
    match c.op {
        ">" => actual > c.value,
        ">=" => actual >= c.value,
        "<" => actual < c.value,
        "<=" => actual <= c.value,
        "==" => actual == c.value,
        _ => actual != c.value,
    }
}

/// Evaluates conditions against a finished report.
pub fn evaluate(conds: &[Condition], r: &Report) -> Vec<Threshold> {
    conds
        .iter()
        .map(|c| {
            let actual = actual(c, r);
            Threshold {
                expr: c.expr.clone(),
                actual,
                ok: !misses(c, actual),
                abort: c.abort,
            }
        })
        .collect()
}

/// Evaluates `--fail-on` against a finished report.
pub fn thresholds(expr: &str, r: &Report) -> Result<Vec<Threshold>> {
    Ok(evaluate(&parse_conditions(expr)?, r))
}

/// `--fail-on` and a profile's `[thresholds] fail_on`, as one expression.
pub fn combine(flag: Option<&str>, profile: &[String]) -> Option<String> {
    let all: Vec<&str> = profile
        .iter()
        .map(String::as_str)
        .chain(flag)
        .filter(|s| !s.trim().is_empty())
        .collect();
    (!all.is_empty()).then(|| all.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{TableLoad, TableVerify, Verify};

    #[test]
    fn conditions_parse_and_refuse_unknown_metrics() {
        let c = parse_conditions("rejects>0, throughput<5000,p99>=250.5").unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(
            (c[1].metric.as_str(), c[1].op, c[1].value),
            ("throughput", "<", 5000.0)
        );
        assert_eq!((c[2].metric.as_str(), c[2].op), ("p99", ">="));
        assert!(parse_conditions("speed>3").is_err());
        assert!(parse_conditions("rejects>x").is_err());
        assert!(parse_conditions("rejects").is_err());
    }

    #[test]
    fn tags_parse_and_are_checked_per_metric() {
        let c = parse_conditions(
            "rejects{label:email.*}>0, mismatched{table:users}>0, p99{table:sessions}>250, throughput<5000, errors{class:charset}>=1 abort",
        )
        .unwrap();
        assert_eq!(c.len(), 5);
        assert_eq!(c[0].tag, Some((Label, "email.*".into())));
        assert_eq!(c[2].tag, Some((Table, "sessions".into())));
        assert_eq!((c[2].op, c[2].value), (">", 250.0));
        assert!(c[4].abort && !c[0].abort);
        for bad in [
            "duration{table:users}>3",
            "missing{label:x}>0",
            "rejects{colour:red}>0",
            "rejects{label}>0",
            "rejects{label:x>0",
            "p99>250 abort",
            "rejects<5 abort",
        ] {
            assert!(parse_conditions(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn globs_match_labels() {
        assert!(glob("email.*", "email.plus-tag"));
        assert!(!glob("email.*", "name.nfd"));
        assert!(glob("*", "anything"));
        assert!(glob("*.nfd", "name.nfd"));
        assert!(glob("parent:*", "parent:email.ip-literal"));
        assert!(glob("email.local-*-octets", "email.local-64-octets"));
        assert!(!glob("email.local-*-octets", "email.local-64-octets-emoji"));
        assert!(glob("name.nfd", "name.nfd") && !glob("name.nfd", "name.nfdx"));
        assert!(label_can_match("email.*") && label_can_match("parent:name.*"));
        assert!(!label_can_match("emial.*"));
    }

    #[test]
    fn tagged_figures_come_from_the_right_place() {
        let mut r = Report::default();
        r.errors_by_label.insert("email.plus-tag".into(), 2);
        r.errors_by_label.insert("email.ip-literal".into(), 3);
        r.errors_by_label.insert("name.nfd".into(), 7);
        r.tables.push(TableLoad {
            name: "users".into(),
            expected: 10,
            loaded: 8,
            skipped: 0,
            rejected: 2,
            latency_ms: None,
        });
        r.verify = Some(Verify {
            tables: vec![TableVerify {
                name: "users".into(),
                mismatched: 4,
                ..TableVerify::default()
            }],
            ..Verify::default()
        });
        let t = thresholds(
            "rejects{label:email.*}>0, rejects{label:phone.*}>0, rejects{table:users}>=3, mismatched{table:users}>3",
            &r,
        )
        .unwrap();
        let got: Vec<(f64, bool)> = t.iter().map(|t| (t.actual, t.ok)).collect();
        assert_eq!(got, [(5.0, false), (0.0, true), (2.0, true), (4.0, false)]);
    }

    #[test]
    fn profile_and_flag_combine() {
        assert_eq!(combine(None, &[]), None);
        assert_eq!(
            combine(Some("p99>5"), &["rejects>0".into()]).as_deref(),
            Some("rejects>0, p99>5")
        );
    }
}
