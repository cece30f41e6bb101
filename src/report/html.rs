//! A self-contained HTML page: the shared frame and stylesheet, and the
//! rehearsal page, section by section as the terminal summary has them.
//! Charts are `chart.rs`'s.

use super::chart::{self, Chart, Window, num};
use super::{Http, Report, Verify, human_duration};
use crate::util::count;
use std::collections::BTreeMap;
use std::fmt::Write;

pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Text written for the terminal, as HTML: escaped, `code` in backticks
/// as `<code>`.
pub(crate) fn prose(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in esc(s).split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    if s.matches('`').count() % 2 == 1 {
        // An unpaired backtick: the text as it is.
        return esc(s);
    }
    out
}

/// A table: caption, header cells, rows whose first cell heads the row
/// (cells are HTML already).
pub(crate) fn table(caption: &str, head: &[&str], rows: &[Vec<String>]) -> String {
    table_with_text(caption, head, rows, &[])
}

/// A table whose columns `text` hold words (left-aligned), not figures.
pub(crate) fn table_with_text(
    caption: &str,
    head: &[&str],
    rows: &[Vec<String>],
    text: &[usize],
) -> String {
    let mut s = format!("<table><caption>{}</caption><tr>", esc(caption));
    for (i, h) in head.iter().enumerate() {
        let class = if text.contains(&i) {
            " class=\"t\""
        } else {
            ""
        };
        let _ = write!(s, "<th scope=\"col\"{class}>{}</th>", esc(h));
    }
    s.push_str("</tr>\n");
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            let class = if text.contains(&i) {
                " class=\"t\""
            } else {
                ""
            };
            if i == 0 {
                let _ = write!(s, "<tr><th scope=\"row\"{class}>{c}</th>");
            } else {
                let _ = write!(s, "<td{class}>{c}</td>");
            }
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</table>\n");
    s
}

/// How a page marks what matters: a verdict (`ok`, `bad`) or the
/// recommended row (`rec`); the dossier has both.
pub(crate) enum Marks {
    Verdict,
    Recommended,
    Both,
}

/// The page every HTML report is: one self-contained document with the
/// shared stylesheet (screen and print), `title`, and `body` (already HTML).
pub(crate) fn frame(title: &str, marks: Marks, body: &str) -> String {
    const TABLES: &str = "body{font-family:system-ui,sans-serif;max-width:800px;margin:2em auto;padding:0 1em;color:#222}\
         table{border-collapse:collapse;margin:.5em 0}caption{text-align:left;font-weight:600;padding:.3em 0}\
         td,th{padding:2px 10px;border-bottom:1px solid #ddd;text-align:right;font-weight:normal}\
         th[scope=col]{font-weight:600}td:first-child,th:first-child,.t{text-align:left}";
    const FIGURES: &str = "figure{margin:1.5em 0}figcaption{font-weight:600}figure svg{max-width:100%;height:auto}\
         details summary{color:#555;font-size:.9em}a{color:#1a4f9c}\
         @media print{body{max-width:none;margin:0;font-size:10pt}a{color:inherit;text-decoration:none}\
         figure,table,section.verdict{break-inside:avoid}details>summary{display:none}h2{break-after:avoid}}";
    let marks = match marks {
        Marks::Verdict => ".ok{color:#080}.bad{color:#b00}",
        Marks::Recommended => ".rec{font-weight:700}",
        Marks::Both => ".ok{color:#080}.bad{color:#b00}.rec{font-weight:700}",
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title>\
         <style>{TABLES}{marks}{FIGURES}</style></head><body>\n{body}</body></html>\n",
        esc(title)
    )
}

/// The rehearsal page.
pub fn render(r: &Report) -> String {
    frame("understudy rehearsal report", Marks::Verdict, &body(r))
}

/// The rehearsal page's body: summary, load charts, faults, the identity
/// API's answers, rejects, warnings, verification, projection and
/// thresholds (the terminal summary's sections, in its order).
pub fn body(r: &Report) -> String {
    let mut body = summary(r);
    body.push_str(&load_charts(r));
    body.push_str(&faults(r));
    match &r.http {
        Some(h) => body.push_str(&identity_api(h)),
        None if r.retries > 0 => {
            let _ = writeln!(
                body,
                "<h2>Retries</h2><p>{} retried on a new connection after a lost connection or a timeout.</p>",
                count(r.retries, "batch", "batches")
            );
        }
        None => {}
    }
    body.push_str(&errors(r));
    body.push_str(&warnings(r));
    match &r.verify {
        Some(v) => body.push_str(&verification(v)),
        None => body.push_str("<h2>Verification</h2><p>Skipped (<code>--no-verify</code>).</p>\n"),
    }
    body.push_str(&thresholds(r));
    body
}

/// The title line, the verdict, the projection and rows per table.
fn summary(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<h1>Rehearsal: {} → {}</h1><p>profile <b>{}</b> · seed {} · method {} · {} · batch {} · {}</p>",
        count(r.users, "user", "users"),
        esc(&r.target),
        esc(&r.profile.name),
        r.seed,
        esc(&r.method),
        count(r.workers as u64, "worker", "workers"),
        r.batch,
        esc(&r.head.started_at)
    );
    if let Some(src) = &r.source {
        let _ = writeln!(s, "<p>Source: {}</p>", esc(src));
    }
    s.push_str(&shard_and_exec(r));
    let verdict = match &r.verify {
        Some(v) if v.ok => "<span class=\"ok\">verify OK</span>".to_string(),
        Some(v) => format!(
            "<span class=\"bad\">verify FAILED: {} missing, {} extra, {} mismatched</span>",
            v.missing, v.extra, v.mismatched
        ),
        None => "verify skipped".into(),
    };
    let noun = if r.http.is_some() { "users" } else { "rows" };
    let _ = writeln!(
        s,
        "<p><b>{}</b> {noun} {}, <b>{}</b> rejected{}, of {} expected, in {} ({:.0} {noun}/s) · {}</p>",
        r.rows_loaded,
        r.done_verb(),
        r.rows_rejected,
        r.skipped_note(),
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
            "<p>Projection: {} production users ≈ {:.0} rows ≈ <b>{}</b> at the measured rate.</p>",
            p.production_users,
            p.production_users as f64 * p.rows_per_user,
            esc(&p.human)
        );
    }
    let rows: Vec<Vec<String>> = r
        .tables
        .iter()
        .map(|t| {
            vec![
                esc(&t.name),
                t.expected.to_string(),
                t.loaded.to_string(),
                t.skipped.to_string(),
                t.rejected.to_string(),
            ]
        })
        .collect();
    let skipped = if r.http.is_some() {
        "jit_only"
    } else {
        "skipped"
    };
    s.push_str(&table(
        "Rows per table",
        &["table", "expected", "loaded", skipped, "rejected"],
        &rows,
    ));
    s
}

/// A shard's slice, the shards a merged report joined, the `--exec` command.
fn shard_and_exec(r: &Report) -> String {
    let mut s = String::new();
    if let Some(sh) = &r.shard {
        let _ = writeln!(s, "<p>Shard {}.</p>", sh.slice());
    }
    if let Some(m) = &r.merged {
        let merged = m.summary(|t| format!("<span class=\"bad\">{t}</span>"));
        let _ = writeln!(s, "<p>Merged: {merged}.</p>");
    }
    if let Some(e) = &r.exec {
        let _ = writeln!(
            s,
            "<p>Exec: <code>{}</code> exit {} in {}.</p>",
            esc(&e.command),
            e.exit_code
                .map(|c| c.to_string())
                .unwrap_or_else(|| "signal".into()),
            human_duration(e.duration_s)
        );
    }
    s
}

/// What one latency sample is: a batch (databases), a user (one request
/// each), an import job (Auth0).
fn sample_unit(r: &Report) -> (&'static str, &'static str) {
    match &r.http {
        Some(h) if h.jobs.is_none() => ("User", "users"),
        Some(_) => ("Job", "jobs"),
        None => ("Batch", "batches"),
    }
}

/// Throughput over time (fault windows and rate-limit waits marked), the
/// latency distribution and its percentiles.
fn load_charts(r: &Report) -> String {
    let ts = &r.timeseries;
    let b = ts.bucket_s.max(1e-9);
    let per_s = if r.http.is_some() {
        "users/s"
    } else {
        "rows/s"
    };
    let columns: Vec<(f64, f64, f64)> = ts
        .rows
        .iter()
        .enumerate()
        .map(|(i, v)| (i as f64 * b, b, *v as f64 / b))
        .collect();
    let windows: Vec<Window> = r
        .faults
        .iter()
        .flat_map(|f| f.downtime_windows_s.iter())
        .enumerate()
        .map(|(i, &(from, to))| Window {
            from,
            to,
            label: format!("outage {}: {}–{} s", i + 1, num(from), num(to)),
        })
        .collect();
    let mut notes = Vec::new();
    if let Some(f) = &r.faults {
        notes.push(format!(
            "fault plan {} · shaded: target unreachable ({} in the load)",
            f.plan,
            human_duration(f.downtime_s)
        ));
    }
    if let Some(h) = r.http.as_ref().filter(|h| h.counts.rate_limit_waits > 0) {
        notes.push(format!(
            "rate limits: {} × 429, waited {} ({} in all) before sending again",
            h.counts.rate_limited,
            count(h.counts.rate_limit_waits, "time", "times"),
            human_duration(h.counts.rate_limit_wait_s)
        ));
    }
    let mut s = String::from("<h2>Load</h2>\n");
    s.push_str(&chart::timeline(
        &Chart {
            title: &format!("Throughput over time ({per_s}, {} s buckets)", num(b)),
            x: "seconds since the load began",
            y: per_s,
            desc: format!(
                "{} over {} buckets; mean {:.0} {per_s}, peak {:.0}; {} outage window(s) shaded",
                per_s,
                ts.rows.len(),
                r.throughput_rows_per_s,
                columns.iter().map(|c| c.2).fold(0.0, f64::max),
                windows.len()
            ),
        },
        &columns,
        &windows,
        &notes,
    ));
    s.push_str(&latency_charts(r));
    s
}

/// The latency bands (doubling from 1 ms) and the percentiles, on log axes
/// when they span decades.
fn latency_charts(r: &Report) -> String {
    let (unit, units) = sample_unit(r);
    let l = &r.latency_ms;
    let mut s = String::new();
    if let Some(h) = super::metrics::decode_histogram(&l.histogram).filter(|h| !h.is_empty()) {
        let bands: Vec<(String, f64)> = h
            .iter_log(1000, 2.0)
            .map(|v| {
                (
                    format!("≤ {} ms", (v.value_iterated_to() + 1) / 1000),
                    v.count_since_last_iteration() as f64,
                )
            })
            .collect();
        s.push_str(&chart::hbars(
            &Chart {
                title: &format!("{unit} latency distribution ({units} per band)"),
                x: units,
                y: "latency band",
                desc: format!(
                    "{} in {} bands doubling from 1 ms",
                    count(l.count, &unit.to_lowercase(), units),
                    bands.len()
                ),
            },
            "",
            &bands,
        ));
    }
    if l.count > 0 {
        let p = [
            ("p50", l.p50),
            ("p90", l.p90),
            ("p99", l.p99),
            ("p99.9", l.p999),
            ("max", l.max),
        ];
        s.push_str(&chart::hbars(
            &Chart {
                title: &format!(
                    "{unit} latency percentiles ({})",
                    count(l.count, &unit.to_lowercase(), units)
                ),
                x: "milliseconds",
                y: "percentile",
                desc: p
                    .iter()
                    .map(|(k, v)| format!("{k} {} ms", num(*v)))
                    .collect::<Vec<_>>()
                    .join(", "),
            },
            "ms",
            &p.map(|(k, v)| (k.to_string(), v)),
        ));
    }
    s
}

/// The fault plan and what the proxy did (the terminal's `faults` line).
fn faults(r: &Report) -> String {
    let Some(f) = &r.faults else {
        return String::new();
    };
    let p = &f.proxy;
    let windows: Vec<String> = f
        .downtime_windows_s
        .iter()
        .map(|(a, b)| format!("{}–{} s", num(*a), num(*b)))
        .collect();
    format!(
        "<h2>Faults</h2><p>Plan <code>{}</code>: downtime {} inside the run ({}); {} backing off before retries.</p>\n{}",
        esc(&f.plan),
        human_duration(f.downtime_s),
        if windows.is_empty() {
            "no outage windows".to_string()
        } else {
            windows.join(", ")
        },
        human_duration(f.backoff_s),
        table(
            "The fault proxy",
            &["connections", "count"],
            &[
                vec!["accepted".into(), p.connections_accepted.to_string()],
                vec!["refused".into(), p.connections_refused.to_string()],
                vec!["killed".into(), p.connections_killed.to_string()],
            ]
        )
    )
}

/// Responses by status, rate limits and retries, and the users not sent.
fn identity_api(h: &Http) -> String {
    let statuses: Vec<(String, f64)> = h
        .counts
        .responses_by_status
        .iter()
        .map(|(k, v)| (format!("HTTP {k}"), *v as f64))
        .collect();
    let mut s = format!("<h2>Identity API ({})</h2>\n", esc(&h.api));
    s.push_str(&chart::hbars(
        &Chart {
            title: &format!(
                "Responses by status ({} requests, {} model{})",
                h.counts.attempts,
                h.model,
                h.rate.map(|r| format!(", {r}/s")).unwrap_or_default()
            ),
            x: "responses",
            y: "status",
            desc: statuses
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(", "),
        },
        "",
        &statuses,
    ));
    let row = |k: &str, v: String| vec![k.to_string(), v];
    let mut rows = vec![
        row("429 answers", h.counts.rate_limited.to_string()),
        row("rate-limit waits", h.counts.rate_limit_waits.to_string()),
        row("waited", human_duration(h.counts.rate_limit_wait_s)),
        row(
            "retries (5xx, timeouts, lost connections)",
            h.retries.to_string(),
        ),
        row("backing off", human_duration(h.backoff_s)),
        row("timeouts", h.counts.timeouts.to_string()),
        row("connection errors", h.counts.connection_errors.to_string()),
        row(
            "creates found done on retry",
            h.already_existed_on_retry.to_string(),
        ),
        row("jit_only (not sent)", h.jit_only.to_string()),
    ];
    if let Some(a) = h.counts.advertised_rate_per_s {
        rows.push(row(
            "advertised rate limit",
            format!("{} requests/s", num(a)),
        ));
    }
    if let Some(j) = h.jobs {
        rows.push(row("import jobs", j.to_string()));
    }
    s.push_str(&table("Rate limits and retries", &["what", "count"], &rows));
    s.push_str(&chart::hbars(
        &Chart {
            title: "jit_only users by hash format (not importable: they migrate on first login)",
            x: "users",
            y: "hash format",
            desc: format!("{} users the API cannot import", h.jit_only),
        },
        "",
        &by(&h.jit_only_by_format),
    ));
    s
}

fn by(m: &BTreeMap<String, u64>) -> Vec<(String, f64)> {
    m.iter().map(|(k, v)| (k.clone(), *v as f64)).collect()
}

/// Rejected rows by class and label (a sentence when there are none).
fn errors(r: &Report) -> String {
    if r.errors_by_label.is_empty() && r.errors_by_class.is_empty() {
        return "<h2>Rejects</h2><p class=\"ok\">No rows were rejected.</p>\n".into();
    }
    let mut s = String::from("<h2>Rejects</h2>\n");
    for (title, y, m) in [
        ("Rejected rows by class", "error class", &r.errors_by_class),
        (
            "Rejected rows by label",
            "edge-case label",
            &r.errors_by_label,
        ),
    ] {
        s.push_str(&chart::hbars(
            &Chart {
                title,
                x: "rows",
                y,
                desc: format!("{} rows rejected", r.rows_rejected),
            },
            "",
            &by(m),
        ));
    }
    if let Some(f) = &r.rejects_file {
        let _ = writeln!(s, "<p>Reject details: <code>{}</code></p>", esc(f));
    }
    s
}

/// Warnings about rows the target kept as it changed them, by label.
fn warnings(r: &Report) -> String {
    if r.warnings_by_label.is_empty() && r.warnings_by_class.is_empty() {
        return String::new();
    }
    let classes: Vec<String> = r
        .warnings_by_class
        .iter()
        .map(|(k, v)| format!("{} {v}", esc(k)))
        .collect();
    format!(
        "<h2>Warnings</h2><p>Warnings by class: {} (rows kept as the target changed them).</p>\n{}",
        classes.join(" · "),
        chart::hbars(
            &Chart {
                title: "Warnings by label",
                x: "warnings",
                y: "edge-case label",
                desc: format!("{} classes of warnings", classes.len()),
            },
            "",
            &by(&r.warnings_by_label),
        )
    )
}

/// Per-table verification, what differed, the columns and the password check.
fn verification(v: &Verify) -> String {
    let mut s = format!(
        "<h2>Verification</h2><p class=\"{}\">{}: expected {} · found {} · missing {} · extra {} · mismatched {} · duplicated {} · rejected {} ({}).</p>\n",
        if v.ok { "ok" } else { "bad" },
        if v.ok { "OK" } else { "FAILED" },
        v.expected,
        v.found,
        v.missing,
        v.extra,
        v.mismatched,
        v.duplicated,
        v.rejected,
        human_duration(v.duration_s)
    );
    let rows: Vec<Vec<String>> = v
        .tables
        .iter()
        .map(|t| {
            vec![
                format!(
                    "<span class=\"{}\">{}</span>",
                    if t.ok { "ok" } else { "bad" },
                    esc(&t.name)
                ),
                t.expected.to_string(),
                t.found.to_string(),
                t.missing.to_string(),
                t.extra.to_string(),
                t.mismatched.to_string(),
                t.rejected.to_string(),
            ]
        })
        .collect();
    s.push_str(&table(
        "Verification per table",
        &[
            "table",
            "expected",
            "found",
            "missing",
            "extra",
            "mismatched",
            "rejected",
        ],
        &rows,
    ));
    s.push_str(&chart::hbars(
        &Chart {
            title: "Mismatched rows by label",
            x: "rows",
            y: "edge-case label",
            desc: format!("{} rows differ from the regenerated ones", v.mismatched),
        },
        "",
        &by(&v.mismatched_by_label),
    ));
    s.push_str(&examples(v));
    if !v.missing_columns.is_empty() {
        let _ = writeln!(
            s,
            "<p>Not in the target (tolerated, not compared): {}</p>",
            esc(&v.missing_columns.join(", "))
        );
    }
    if !v.renamed_columns.is_empty() {
        let _ = writeln!(s, "<p>Renamed: {}</p>", esc(&v.renamed_columns.join(", ")));
    }
    s.push_str(&passwords(v));
    s
}

/// Examples of what differed, with their labels.
fn examples(v: &Verify) -> String {
    if v.examples.is_empty() {
        return String::new();
    }
    let mut s = String::from("<h3>Examples</h3><ul>\n");
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
    s
}

/// The password check: sampled users' hashes verified with their known
/// passwords (binds per scheme on LDAP).
fn passwords(v: &Verify) -> String {
    let Some(p) = &v.passwords else {
        return String::new();
    };
    if let Some(why) = &p.skipped_reason {
        return format!("<h3>Password check</h3><p>Skipped: {}</p>\n", prose(why));
    }
    let mut s = format!(
        "<h3>Password check</h3><p class=\"{}\">{}/{} sampled users' hashes verify with their known passwords{}.</p>\n",
        if p.failed == 0 && p.wrong_accepted == 0 {
            "ok"
        } else {
            "bad"
        },
        p.verified,
        p.checked,
        if p.wrong_refused + p.wrong_accepted > 0 {
            format!(
                "; a wrong password was refused {} times, accepted {} times",
                p.wrong_refused, p.wrong_accepted
            )
        } else {
            String::new()
        }
    );
    if !p.by_scheme.is_empty() {
        let rows: Vec<Vec<String>> = p
            .by_scheme
            .iter()
            .map(|(k, c)| {
                vec![
                    esc(k),
                    c.checked.to_string(),
                    c.verified.to_string(),
                    c.failed.to_string(),
                    c.wrong_refused.to_string(),
                    c.wrong_accepted.to_string(),
                ]
            })
            .collect();
        s.push_str(&table(
            "Password check per scheme",
            &[
                "scheme",
                "checked",
                "verified",
                "failed",
                "wrong refused",
                "wrong accepted",
            ],
            &rows,
        ));
    }
    s
}

/// The `--fail-on` thresholds and their verdicts.
fn thresholds(r: &Report) -> String {
    if r.thresholds.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<String>> = r
        .thresholds
        .iter()
        .map(|t| {
            vec![
                format!("<code>{}</code>", esc(&t.expr)),
                num(t.actual),
                if t.ok {
                    "<span class=\"ok\">passed</span>".into()
                } else {
                    "<span class=\"bad\">FAILED</span>".into()
                },
            ]
        })
        .collect();
    format!(
        "<h2>Thresholds</h2>\n{}",
        table(
            "Thresholds (--fail-on)",
            &["threshold", "actual", "verdict"],
            &rows
        )
    )
}
