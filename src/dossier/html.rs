//! The dossier page: the verdict (every figure a link to the section of its
//! source), then each report's own section with its charts.

use super::{Dossier, Kind, Source, Verdict};
use crate::report::chart::{self, Chart, num};
use crate::report::html::{Marks, esc, frame, table, table_with_text};
use crate::util::human_duration;
use serde_json::Value;
use std::fmt::Write;

/// `text` as a link to its source's section, marked with the figure's name
/// (`data-figure`) so a reader (or a test) can find it.
fn fig(source: &str, name: &str, text: &str) -> String {
    format!(
        "<a href=\"#{}\" data-figure=\"{}\">{}</a>",
        esc(source),
        esc(name),
        esc(text)
    )
}

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

/// The whole page.
pub fn render(d: &Dossier, sources: &[Source]) -> String {
    let mut s = String::from("<h1>Migration dossier</h1>\n");
    let _ = write!(
        s,
        "<p>Made by understudy {} on {} from {}:</p><ol>",
        esc(&d.head.version),
        esc(&d.head.started_at),
        crate::util::count(d.sources.len() as u64, "report", "reports")
    );
    for r in &d.sources {
        let _ = write!(
            s,
            "<li><a href=\"#{}\">{}</a> ({}{})</li>",
            esc(&r.anchor),
            esc(&r.file),
            esc(&r.kind),
            if r.command != r.kind && !r.command.is_empty() {
                format!(", {}", esc(&r.command))
            } else {
                String::new()
            }
        );
    }
    s.push_str("</ol>\n");
    s.push_str(&verdict(&d.verdict));
    s.push_str("<h2>Sources</h2>\n");
    for src in sources {
        s.push_str(&section(src));
    }
    frame("understudy migration dossier", Marks::Both, &s)
}

/// The verdict: bulk import, duration, loads, fault runs, JIT coverage.
fn verdict(v: &Verdict) -> String {
    let mut s = String::from(
        "<section class=\"verdict\" aria-labelledby=\"verdict\"><h2 id=\"verdict\">Verdict</h2>\n",
    );
    s.push_str(&headline(v));
    s.push_str(&bulk(v));
    s.push_str(&durations(v));
    s.push_str(&loads(v));
    s.push_str(&jit(v));
    s.push_str(&copies(v));
    s.push_str("</section>\n");
    s
}

/// The verdict in a few sentences, each figure linked to its source.
fn headline(v: &Verdict) -> String {
    let mut items = Vec::new();
    if !v.bulk.is_empty() {
        let possible = v.bulk.iter().filter(|b| b.possible).count();
        let shares: Vec<String> = v
            .bulk
            .iter()
            .map(|b| {
                format!(
                    "{} {}",
                    esc(&b.provider),
                    fig(&b.source, "reset_share", &pct(b.reset_share))
                )
            })
            .collect();
        items.push(format!(
            "<span class=\"{}\">Bulk import is possible for {possible} of {}.</span> Share that must reset or migrate just in time: {}.",
            if possible == v.bulk.len() { "ok" } else { "bad" },
            crate::util::count(v.bulk.len() as u64, "provider", "providers"),
            shares.join(", ")
        ));
    }
    for d in &v.durations {
        items.push(format!(
            "{} production users take {} ({} – {}) with {} (recommended).",
            fig(
                &d.source,
                "production_users",
                &d.production_users.to_string()
            ),
            fig(&d.source, "projected", &human_duration(d.seconds)),
            fig(&d.source, "low", &human_duration(d.low_seconds)),
            fig(&d.source, "high", &human_duration(d.high_seconds)),
            crate::util::count(d.recommended_workers as u64, "worker", "workers")
        ));
    }
    for l in &v.loads {
        items.push(format!(
            "{}: {} of {} rows loaded, {} rejected, {} mismatched{}.",
            esc(&l.command),
            fig(&l.source, "rows_loaded", &l.rows_loaded.to_string()),
            fig(&l.source, "rows_expected", &l.rows_expected.to_string()),
            fig(&l.source, "rows_rejected", &l.rows_rejected.to_string()),
            fig(&l.source, "mismatched", &l.mismatched.to_string()),
            match l.verify_ok {
                Some(true) => ", verified",
                Some(false) => ", <span class=\"bad\">verification FAILED</span>",
                None => ", not verified",
            }
        ));
    }
    if v.fault_runs.runs > 0 {
        items.push(format!(
            "Fault runs survived: {} of {}.",
            v.fault_runs.survived, v.fault_runs.runs
        ));
    }
    for j in &v.jit {
        let at: Vec<String> = j
            .coverage
            .iter()
            .map(|c| {
                format!(
                    "{} after {} days",
                    fig(&j.source, &format!("coverage_{}", c.day), &pct(c.share)),
                    c.day
                )
            })
            .collect();
        items.push(format!(
            "Just in time: {} of users migrated.",
            at.join(", ")
        ));
    }
    for c in &v.copies {
        items.push(if c.consistent {
            format!(
                "Copy {}: <span class=\"ok\">consistent</span> ({} keys).",
                esc(&c.copy_name),
                fig(&c.source, "expected_keys", &c.expected_keys.to_string())
            )
        } else {
            format!(
                "Copy {}: <span class=\"bad\">drifted</span>, {} missing, {} orphan, {} stale, {} unexplained.",
                esc(&c.copy_name),
                fig(&c.source, "missing", &c.missing.to_string()),
                fig(&c.source, "orphan", &c.orphan.to_string()),
                fig(&c.source, "stale", &c.stale.to_string()),
                fig(&c.source, "unexplained", &c.unexplained.to_string())
            )
        });
    }
    let mut s = String::from("<ul>");
    for i in items {
        let _ = write!(s, "<li>{i}</li>");
    }
    s.push_str("</ul>\n");
    s
}

fn bulk(v: &Verdict) -> String {
    let mut s = String::from("<h3>Bulk import</h3>\n");
    if v.bulk.is_empty() {
        s.push_str("<p>No <code>assess</code> report or identity-API rehearsal given: whether the hashes import is not known.</p>\n");
        return s;
    }
    let rows: Vec<Vec<String>> = v
        .bulk
        .iter()
        .map(|b| {
            vec![
                esc(&b.provider),
                if b.possible {
                    "<span class=\"ok\">yes</span>".into()
                } else {
                    "<span class=\"bad\">no</span>".into()
                },
                fig(&b.source, "users", &b.users.to_string()),
                fig(&b.source, "importable", &b.importable.to_string()),
                fig(&b.source, "reset_required", &b.reset_required.to_string()),
                fig(&b.source, "reset_share", &pct(b.reset_share)),
                fig(&b.source, "jit_only", &b.jit_only.to_string()),
                b.says.as_deref().map(esc).unwrap_or_default(),
            ]
        })
        .collect();
    s.push_str(&table_with_text(
        "Bulk import per target provider",
        &[
            "provider",
            "bulk possible",
            "users",
            "importable",
            "must reset",
            "share that must reset or migrate just in time",
            "JIT only",
            "verdict",
        ],
        &rows,
        &[7],
    ));
    s
}

fn durations(v: &Verdict) -> String {
    let mut s = String::from("<h3>Duration</h3>\n");
    if v.durations.is_empty() {
        s.push_str("<p>No <code>estimate</code> report given.</p>\n");
        return s;
    }
    let rows: Vec<Vec<String>> = v
        .durations
        .iter()
        .map(|d| {
            vec![
                fig(
                    &d.source,
                    "production_users",
                    &d.production_users.to_string(),
                ),
                fig(
                    &d.source,
                    "recommended_workers",
                    &d.recommended_workers.to_string(),
                ),
                fig(&d.source, "projected", &human_duration(d.seconds)),
                format!(
                    "{} – {}",
                    fig(&d.source, "low", &human_duration(d.low_seconds)),
                    fig(&d.source, "high", &human_duration(d.high_seconds))
                ),
            ]
        })
        .collect();
    s.push_str(&table(
        "Projected duration at the recommended worker count",
        &[
            "production users",
            "recommended workers",
            "projected",
            "range (≈ 95 %)",
        ],
        &rows,
    ));
    s
}

fn loads(v: &Verdict) -> String {
    let mut s = String::from("<h3>Loads, rejects and mismatches</h3>\n");
    if v.loads.is_empty() {
        s.push_str("<p>No <code>rehearse</code>, <code>verify</code> or <code>report merge</code> report given.</p>\n");
        return s;
    }
    let rows: Vec<Vec<String>> = v
        .loads
        .iter()
        .map(|l| {
            vec![
                format!(
                    "<a href=\"#{}\">{}</a> → {}",
                    esc(&l.source),
                    esc(&l.command),
                    esc(&l.target)
                ),
                fig(&l.source, "rows_expected", &l.rows_expected.to_string()),
                fig(&l.source, "rows_loaded", &l.rows_loaded.to_string()),
                fig(&l.source, "rows_rejected", &l.rows_rejected.to_string()),
                fig(&l.source, "mismatched", &l.mismatched.to_string()),
                match l.verify_ok {
                    Some(true) => "<span class=\"ok\">OK</span>".into(),
                    Some(false) => "<span class=\"bad\">FAILED</span>".into(),
                    None => "skipped".into(),
                },
                l.faults
                    .as_deref()
                    .map(|f| format!("<code>{}</code>", esc(f)))
                    .unwrap_or_else(|| "none".into()),
            ]
        })
        .collect();
    s.push_str(&table_with_text(
        "Rows per load",
        &[
            "load",
            "expected",
            "loaded",
            "rejected",
            "mismatched",
            "verify",
            "fault plan",
        ],
        &rows,
        &[6],
    ));
    let mut by: Vec<Vec<String>> = Vec::new();
    for l in &v.loads {
        for (what, m) in [
            ("rejected", &l.rejected_by_label),
            ("mismatched", &l.mismatched_by_label),
        ] {
            for (label, n) in m {
                by.push(vec![
                    esc(label),
                    what.into(),
                    fig(&l.source, &format!("{what}:{label}"), &n.to_string()),
                ]);
            }
        }
    }
    if by.is_empty() {
        s.push_str("<p class=\"ok\">No row was rejected or mismatched.</p>\n");
    } else {
        s.push_str(&table_with_text(
            "Rows rejected and mismatched by label",
            &["label", "what", "rows"],
            &by,
            &[1],
        ));
    }
    let f = &v.fault_runs;
    if f.runs > 0 {
        let _ = writeln!(
            s,
            "<p class=\"{}\">Fault runs survived: <span data-figure=\"fault_runs_survived\">{}</span> of <span data-figure=\"fault_runs\">{}</span> loads through a fault plan verified.</p>",
            if f.survived == f.runs { "ok" } else { "bad" },
            f.survived,
            f.runs
        );
    } else {
        s.push_str("<p>No load ran through a fault plan (<code>--faults</code>).</p>\n");
    }
    s
}

fn jit(v: &Verdict) -> String {
    let mut s = String::from("<h3>JIT coverage</h3>\n");
    if v.jit.is_empty() {
        s.push_str("<p>No <code>jit</code> report given.</p>\n");
        return s;
    }
    let rows: Vec<Vec<String>> = v
        .jit
        .iter()
        .map(|j| {
            let mut row = vec![fig(&j.source, "jit_users", &j.users.to_string())];
            for day in [30, 90, 365] {
                row.push(match j.coverage.iter().find(|c| c.day == day) {
                    Some(c) => format!(
                        "{} ({})",
                        fig(&j.source, &format!("coverage_{day}"), &pct(c.share)),
                        esc(&c.basis)
                    ),
                    None => "–".into(),
                });
            }
            row.push(fig(
                &j.source,
                "never_within_year",
                &pct(j.never_within_year_share),
            ));
            row.push(if j.passed {
                "<span class=\"ok\">PASSED</span>".into()
            } else {
                "<span class=\"bad\">FAILED</span>".into()
            });
            row
        })
        .collect();
    s.push_str(&table(
        "Share of users migrated just in time",
        &[
            "users",
            "after 30 days",
            "after 90 days",
            "after 365 days",
            "not signed in within a year",
            "run",
        ],
        &rows,
    ));
    s
}

/// Denormalized copies checked against the primary (consistency).
fn copies(v: &Verdict) -> String {
    if v.copies.is_empty() {
        return String::new();
    }
    let mut s = String::from("<h3>Copies</h3>\n");
    let rows: Vec<Vec<String>> = v
        .copies
        .iter()
        .map(|c| {
            let labels: Vec<String> = c
                .users_by_label
                .iter()
                .map(|(l, n)| format!("<code>{}</code> {n}", esc(l)))
                .collect();
            vec![
                fig(&c.source, "copy", &c.copy_name),
                c.missing.to_string(),
                c.orphan.to_string(),
                c.stale.to_string(),
                c.unexplained.to_string(),
                labels.join(" · "),
                if c.consistent {
                    "<span class=\"ok\">consistent</span>".into()
                } else {
                    "<span class=\"bad\">drifted</span>".into()
                },
            ]
        })
        .collect();
    s.push_str(&table_with_text(
        "Copies against the primary",
        &[
            "copy",
            "missing",
            "orphan",
            "stale",
            "unexplained",
            "users per label",
            "verdict",
        ],
        &rows,
        &[0, 5, 6],
    ));
    s
}

/// One source's section: its own page's body, headings one level down.
fn section(src: &Source) -> String {
    let r = &src.info;
    let body = match &src.report {
        Kind::Rehearse(x) => crate::report::html::body(x),
        Kind::Estimate(x) => crate::estimate::report::body(x),
        Kind::Jit(x) => crate::jit::report::body(x),
        Kind::Consistency(x) => crate::consistency::report::body(x),
        Kind::Json(j) if r.kind == "assess" => assess(j),
        Kind::Json(j) => fields(j),
    };
    let body = body
        .replace("<h3", "<h5")
        .replace("</h3>", "</h5>")
        .replace("<h2", "<h4")
        .replace("</h2>", "</h4>")
        .replace("<h1", "<h3")
        .replace("</h1>", "</h3>");
    format!(
        "<section id=\"{a}\" aria-labelledby=\"{a}-h\"><h2 id=\"{a}-h\">{} report: {}</h2><p>{} · started {}</p>\n{body}</section>\n",
        esc(&r.kind),
        esc(&r.file),
        esc(&r.command),
        esc(&r.started_at),
        a = esc(&r.anchor)
    )
}

/// `assess --json`: users per provider and verdict, and the share that must reset.
fn assess(j: &Value) -> String {
    let bulk = super::assess(j, "");
    let rows: Vec<Vec<String>> = bulk
        .iter()
        .map(|b| {
            vec![
                esc(&b.provider),
                b.users.to_string(),
                b.importable.to_string(),
                b.reset_required.to_string(),
                b.jit_only.to_string(),
                b.says.as_deref().map(esc).unwrap_or_default(),
            ]
        })
        .collect();
    let mut s = String::from("<h1>Assessment: hashes per target provider</h1>\n");
    s.push_str(&chart::hbars(
        &Chart {
            title: "Share of users who must reset or migrate just in time, per provider",
            x: "% of users",
            y: "provider",
            desc: bulk
                .iter()
                .map(|b| format!("{} {}", b.provider, pct(b.reset_share)))
                .collect::<Vec<_>>()
                .join(", "),
        },
        "%",
        &bulk
            .iter()
            .map(|b| (b.provider.clone(), b.reset_share * 100.0))
            .collect::<Vec<_>>(),
    ));
    s.push_str(&table(
        "Users per provider",
        &[
            "provider",
            "users",
            "importable",
            "must reset",
            "JIT only",
            "verdict",
        ],
        &rows,
    ));
    s
}

/// A report the dossier shows as it is: its top-level figures.
fn fields(j: &Value) -> String {
    let rows: Vec<Vec<String>> = j
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.as_f64().map(num).unwrap_or_else(|| n.to_string()),
                Value::Bool(b) => b.to_string(),
                _ => return None,
            };
            Some(vec![esc(k), esc(&text)])
        })
        .collect();
    table("Figures", &["field", "value"], &rows)
}
