//! A self-contained HTML page with inline SVG charts: throughput over time,
//! batch-latency percentiles, errors by label.

use super::{Http, Report, Verify, human_duration};
use std::fmt::Write;

pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A bar chart of `values` (label, value) as inline SVG.
pub(crate) fn bars(title: &str, unit: &str, values: &[(String, f64)]) -> String {
    let (w, h, pad) = (720.0, 220.0, 40.0);
    let mut s = format!(
        "<figure><figcaption>{}</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\">",
        esc(title)
    );
    let max = values.iter().map(|v| v.1).fold(0.0_f64, f64::max).max(1e-9);
    let n = values.len().max(1) as f64;
    let bw = (w - 2.0 * pad) / n;
    let _ = write!(
        s,
        "<line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#888\"/>",
        h - pad,
        w - pad,
        h - pad
    );
    let _ = write!(
        s,
        "<text x=\"4\" y=\"{}\" font-size=\"11\">{:.0} {}</text>",
        pad - 8.0,
        max,
        esc(unit)
    );
    for (i, (label, v)) in values.iter().enumerate() {
        let bh = (v / max) * (h - 2.0 * pad);
        let x = pad + i as f64 * bw;
        let _ = write!(
            s,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"#4a7bd0\"><title>{}: {v:.2} {}</title></rect>",
            h - pad - bh,
            (bw - 1.0).max(0.5),
            esc(label),
            esc(unit)
        );
        if values.len() <= 24 || i % (values.len() / 12).max(1) == 0 {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
                x + bw / 2.0,
                h - pad + 14.0,
                esc(label)
            );
        }
    }
    s.push_str("</svg></figure>\n");
    s
}

/// One series of an `xy_chart`: dots, or a line through the points.
pub(crate) struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub line: bool,
    pub color: &'static str,
}

/// An x–y chart (linear axes from 0) as inline SVG, with a legend.
pub(crate) fn xy_chart(title: &str, x_unit: &str, y_unit: &str, series: &[Series]) -> String {
    let (w, h, pad) = (720.0, 260.0, 50.0);
    let all = || series.iter().flat_map(|s| s.points.iter());
    let x_max = all().map(|p| p.0).fold(0.0_f64, f64::max).max(1e-9);
    let y_max = all().map(|p| p.1).fold(0.0_f64, f64::max).max(1e-9) * 1.1;
    let x = |v: f64| pad + v / x_max * (w - 2.0 * pad);
    let y = |v: f64| h - pad - v / y_max * (h - 2.0 * pad);
    let mut s = format!(
        "<figure><figcaption>{}</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\">",
        esc(title)
    );
    let _ = write!(
        s,
        "<line x1=\"{pad}\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\" stroke=\"#888\"/><line x1=\"{pad}\" y1=\"{pad}\" x2=\"{pad}\" y2=\"{0}\" stroke=\"#888\"/>",
        h - pad,
        w - pad
    );
    let _ = write!(
        s,
        "<text x=\"4\" y=\"{}\" font-size=\"11\">{:.0} {}</text><text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{} {}</text>",
        pad - 8.0,
        y_max,
        esc(y_unit),
        w - pad,
        h - pad + 16.0,
        x_max,
        esc(x_unit)
    );
    for (i, se) in series.iter().enumerate() {
        if se.line {
            let pts: Vec<String> = se
                .points
                .iter()
                .map(|&(a, b)| format!("{:.1},{:.1}", x(a), y(b)))
                .collect();
            let _ = write!(
                s,
                "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>",
                se.color,
                pts.join(" ")
            );
        } else {
            for &(a, b) in &se.points {
                let _ = write!(
                    s,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"{}\"><title>{}: {a} → {b:.0} {}</title></circle>",
                    x(a),
                    y(b),
                    se.color,
                    esc(&se.name),
                    esc(y_unit)
                );
            }
        }
        let ly = pad + 14.0 * i as f64;
        let _ = write!(
            s,
            "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" font-size=\"11\">{}</text>",
            w - 290.0,
            ly - 9.0,
            se.color,
            w - 275.0,
            ly,
            esc(&se.name)
        );
    }
    s.push_str("</svg></figure>\n");
    s
}

/// How a page marks what matters: a verdict (`ok`, `bad`) or the
/// recommended row (`rec`).
pub(crate) enum Marks {
    Verdict,
    Recommended,
}

/// The page every HTML report is: one self-contained document with the
/// shared stylesheet, `title`, and `body` (already HTML).
pub(crate) fn frame(title: &str, marks: Marks, body: &str) -> String {
    const TABLES: &str = "body{font-family:system-ui,sans-serif;max-width:780px;margin:2em auto;color:#222}\
         table{border-collapse:collapse}td,th{padding:2px 10px;border-bottom:1px solid #ddd;text-align:right}\
         td:first-child,th:first-child{text-align:left}";
    const FIGURES: &str = "figure{margin:1.5em 0}figcaption{font-weight:600}";
    let (before, after) = match marks {
        Marks::Verdict => (".ok{color:#080}.bad{color:#b00}", ""),
        Marks::Recommended => ("", ".rec{font-weight:700}"),
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>{TABLES}{before}{FIGURES}{after}</style></head><body>\n{body}</body></html>\n",
        esc(title)
    )
}

/// The rehearsal page: summary, load charts, the identity API's answers,
/// errors, verification.
pub fn render(r: &Report) -> String {
    let mut body = summary(r);
    body.push_str(&load_charts(r));
    if let Some(h) = &r.http {
        body.push_str(&identity_api(h));
    }
    body.push_str(&errors(r));
    body.push_str(&warnings(r));
    if let Some(v) = &r.verify {
        body.push_str(&verification(v));
    }
    frame("understudy rehearsal report", Marks::Verdict, &body)
}

/// The title line, the verdict, the projection and rows per table.
fn summary(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<h1>Rehearsal: {} → {}</h1><p>profile <b>{}</b> · seed {} · method {} · {} · batch {} · {}</p>",
        crate::util::count(r.users, "user", "users"),
        esc(&r.target),
        esc(&r.profile.name),
        r.seed,
        esc(&r.method),
        crate::util::count(r.workers as u64, "worker", "workers"),
        r.batch,
        esc(&r.head.started_at)
    );
    let verdict = match &r.verify {
        Some(v) if v.ok => "<span class=\"ok\">verify OK</span>".to_string(),
        Some(v) => format!(
            "<span class=\"bad\">verify FAILED: {} missing, {} extra, {} mismatched</span>",
            v.missing, v.extra, v.mismatched
        ),
        None => "verify skipped".into(),
    };
    let _ = writeln!(
        s,
        "<p><b>{}</b> rows loaded, <b>{}</b> rejected, of {} expected, in {} ({:.0} rows/s) · {}</p>",
        r.rows_loaded,
        r.rows_rejected,
        r.rows_expected,
        human_duration(r.duration_s),
        r.throughput_rows_per_s,
        verdict
    );
    for (what, settings) in [
        ("Target", &r.target_settings),
        ("Source", &r.source_settings),
    ] {
        if !settings.is_empty() {
            let list: Vec<String> = settings
                .iter()
                .map(|(k, v)| format!("{} <code>{}</code>", esc(k), esc(v)))
                .collect();
            let _ = writeln!(s, "<p>{what} session: {}</p>", list.join(" · "));
        }
    }
    if let Some(p) = &r.projection {
        let _ = writeln!(
            s,
            "<p>Projection: {} production users ≈ <b>{}</b> at the measured rate.</p>",
            p.production_users,
            esc(&p.human)
        );
    }
    s.push_str("<table><tr><th>table</th><th>expected</th><th>loaded</th><th>skipped</th><th>rejected</th></tr>\n");
    for t in &r.tables {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&t.name),
            t.expected,
            t.loaded,
            t.skipped,
            t.rejected
        );
    }
    s.push_str("</table>\n");
    s
}

/// Throughput over time, the latency distribution and its percentiles.
fn load_charts(r: &Report) -> String {
    let series: Vec<(String, f64)> = r
        .timeseries
        .rows
        .iter()
        .enumerate()
        .map(|(i, v)| {
            (
                format!("{}s", i as f64 * r.timeseries.bucket_s),
                *v as f64 / r.timeseries.bucket_s.max(1e-9),
            )
        })
        .collect();
    // What one latency sample is: a batch (databases), a user (one
    // request each), an import job (Auth0); the throughput counts rows or users.
    let (unit, units) = match &r.http {
        Some(h) if h.jobs.is_none() => ("User", "users"),
        Some(_) => ("Job", "jobs"),
        None => ("Batch", "batches"),
    };
    let per_s = if r.http.is_some() {
        "users/s"
    } else {
        "rows/s"
    };
    let mut s = bars(
        &format!("Throughput over time ({per_s}, 1 s buckets)"),
        per_s,
        &series,
    );
    let l = &r.latency_ms;
    if let Some(h) = super::metrics::decode_histogram(&l.histogram).filter(|h| !h.is_empty()) {
        // Batches per latency band, doubling from 1 ms.
        let hist: Vec<(String, f64)> = h
            .iter_log(1000, 2.0)
            .map(|v| {
                (
                    format!("≤{} ms", (v.value_iterated_to() + 1) / 1000),
                    v.count_since_last_iteration() as f64,
                )
            })
            .collect();
        s.push_str(&bars(
            &format!("{unit} latency distribution ({units} per band)"),
            units,
            &hist,
        ));
    }
    s.push_str(&bars(
        &format!(
            "{unit} latency percentiles ({})",
            crate::util::count(l.count, &unit.to_lowercase(), units)
        ),
        "ms",
        &[
            ("p50".into(), l.p50),
            ("p90".into(), l.p90),
            ("p99".into(), l.p99),
            ("p99.9".into(), l.p999),
            ("max".into(), l.max),
        ],
    ));
    s
}

/// Responses by status, rate limits and retries, and the users not sent.
fn identity_api(h: &Http) -> String {
    let statuses: Vec<(String, f64)> = h
        .counts
        .responses_by_status
        .iter()
        .map(|(k, v)| (format!("HTTP {k}"), *v as f64))
        .collect();
    let mut s = bars(
        &format!(
            "Responses by status ({} requests, {} model)",
            h.counts.attempts, h.model
        ),
        "responses",
        &statuses,
    );
    s.push_str(&format!(
        "<h2>Identity API ({})</h2><table><tr><th>429s</th><th>rate-limit waits</th><th>waited</th><th>retries</th><th>backing off</th><th>timeouts</th><th>connection errors</th><th>done on retry</th><th>jit_only</th></tr>\n<tr><td>{}</td><td>{}</td><td>{:.1} s</td><td>{}</td><td>{:.1} s</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></table>\n",
        esc(&h.api),
        h.counts.rate_limited,
        h.counts.rate_limit_waits,
        h.counts.rate_limit_wait_s,
        h.retries,
        h.backoff_s,
        h.counts.timeouts,
        h.counts.connection_errors,
        h.already_existed_on_retry,
        h.jit_only
    ));
    if !h.jit_only_by_format.is_empty() {
        let jit: Vec<(String, f64)> = h
            .jit_only_by_format
            .iter()
            .map(|(k, v)| (k.clone(), *v as f64))
            .collect();
        s.push_str(&bars(
            "jit_only users by hash format (not importable: they migrate on first login)",
            "users",
            &jit,
        ));
    }
    s
}

/// Rejected rows by label (a chart even when there are none).
fn errors(r: &Report) -> String {
    let labels: Vec<(String, f64)> = r
        .errors_by_label
        .iter()
        .map(|(k, v)| (k.clone(), *v as f64))
        .collect();
    if labels.is_empty() {
        bars(
            "Errors by label (no rejected rows)",
            "rows",
            &[("none".into(), 0.0)],
        )
    } else {
        bars("Errors by label", "rows", &labels)
    }
}

/// Warnings about rows the target kept as it changed them, by label (none
/// when there were none).
fn warnings(r: &Report) -> String {
    if r.warnings_by_label.is_empty() {
        return String::new();
    }
    let labels: Vec<(String, f64)> = r
        .warnings_by_label
        .iter()
        .map(|(k, v)| (k.clone(), *v as f64))
        .collect();
    let classes: Vec<String> = r
        .warnings_by_class
        .iter()
        .map(|(k, v)| format!("{} {v}", esc(k)))
        .collect();
    format!(
        "{}<p>Warnings by class: {} (rows kept as the target changed them).</p>\n",
        bars("Warnings by label", "warnings", &labels),
        classes.join(" · ")
    )
}

/// Per-table verification, and examples of what differed.
fn verification(v: &Verify) -> String {
    let mut s = String::from(
        "<h2>Verification</h2><table><tr><th>table</th><th>expected</th><th>found</th><th>missing</th><th>extra</th><th>mismatched</th><th>rejected</th></tr>\n",
    );
    for t in &v.tables {
        let _ = writeln!(
            s,
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if t.ok { "ok" } else { "bad" },
            esc(&t.name),
            t.expected,
            t.found,
            t.missing,
            t.extra,
            t.mismatched,
            t.rejected
        );
    }
    s.push_str("</table>\n");
    if !v.mismatched_by_label.is_empty() {
        let labels: Vec<(String, f64)> = v
            .mismatched_by_label
            .iter()
            .map(|(k, n)| (k.clone(), *n as f64))
            .collect();
        s.push_str(&bars("Mismatched rows by label", "rows", &labels));
    }
    if !v.examples.is_empty() {
        s.push_str("<h3>Examples</h3><ul>\n");
        for e in &v.examples {
            let fields: Vec<String> = e
                .fields
                .iter()
                .map(|(c, (a, b))| {
                    format!(
                        "{}: {} → {}",
                        esc(c),
                        esc(a.as_deref().unwrap_or("NULL")),
                        esc(b.as_deref().unwrap_or("NULL"))
                    )
                })
                .collect();
            let _ = writeln!(
                s,
                "<li>{} {}[{}]{} {}</li>",
                esc(&e.kind),
                esc(&e.table),
                esc(&e.key.replace('\u{1f}', ",")),
                if e.labels.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", esc(&e.labels.join(", ")))
                },
                fields.join("; ")
            );
        }
        s.push_str("</ul>\n");
    }
    s
}
