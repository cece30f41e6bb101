//! The terminal summary: a few aligned tables rendered from the report.

use super::{Http, Report, Verify, human_duration};
use crate::util::count;
use std::fmt::Write;

/// The summary `rehearse` prints, section by section.
pub fn render(r: &Report) -> String {
    let mut s = tables(r);
    s.push_str(&rows(r));
    match &r.http {
        Some(h) => s.push_str(&identity_api(h)),
        None if r.retries > 0 => {
            let _ = writeln!(
                s,
                "  retries        {} (lost connections or timeouts, retried on a new connection)",
                r.retries
            );
        }
        None => {}
    }
    s.push_str(&faults_and_latency(r));
    s.push_str(&rejects(r));
    s.push_str(&warnings(r));
    match &r.verify {
        None => {
            let why = if r.aborted.is_some() {
                "the load was stopped"
            } else {
                "--no-verify"
            };
            let _ = writeln!(s, "  verify         skipped ({why})");
        }
        Some(v) => s.push_str(&verification(r, v)),
    }
    s.push_str(&projection_and_thresholds(r));
    s
}

/// The title line, source, --exec, and rows per table.
fn tables(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "understudy rehearse · profile {} · {} · seed {} · {} → {}",
        r.profile.name,
        count(r.users, "user", "users"),
        r.seed,
        r.method,
        r.target
    );
    if let Some(src) = &r.source {
        let _ = writeln!(s, "  source       {src}");
    }
    if let Some(sh) = &r.shard {
        let _ = writeln!(s, "  shard        {}", sh.slice());
    }
    if let Some(m) = &r.merged {
        let _ = writeln!(s, "  merged       {}", m.summary(str::to_uppercase));
    }
    for (what, settings) in [
        ("target", &r.target_settings),
        ("source", &r.source_settings),
    ] {
        if !settings.is_empty() {
            let list: Vec<String> = settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let _ = writeln!(s, "  {what} session {}", list.join(" · "));
        }
    }
    for k in &r.late_foreign_keys {
        let _ = writeln!(
            s,
            "  foreign key  {}.{} → {} after the load: {}",
            k.table,
            k.column,
            k.references,
            match k.status.as_str() {
                "orphans" => format!(
                    "NOT ADDED, {} {} a row the target does not hold",
                    count(k.orphans, "row", "rows"),
                    if k.orphans == 1 { "names" } else { "name" }
                ),
                "pending" => "left to the last shard to finish".into(),
                other => other.into(),
            }
        );
    }
    if let Some(e) = &r.exec {
        let _ = writeln!(
            s,
            "  exec         `{}` exit {} in {}",
            e.command,
            e.exit_code
                .map(|c| c.to_string())
                .unwrap_or_else(|| "signal".into()),
            human_duration(e.duration_s)
        );
    }
    let _ = writeln!(
        s,
        "  {:<18} {:>12} {:>12} {:>12} {:>10}",
        "table",
        "expected",
        "loaded",
        if r.http.is_some() {
            "jit_only"
        } else {
            "skipped"
        },
        "rejected"
    );
    for t in &r.tables {
        let _ = writeln!(
            s,
            "  {:<18} {:>12} {:>12} {:>12} {:>10}",
            t.name, t.expected, t.loaded, t.skipped, t.rejected
        );
    }
    s
}

/// Rows (or users) loaded, rejected and skipped, and the rate.
fn rows(r: &Report) -> String {
    let mut s = String::new();
    // An identity API takes users, one request each (or in import jobs).
    let (noun, per) = if r.http.is_some() {
        ("users          ", "users/s")
    } else {
        ("rows           ", "rows/s")
    };
    let _ = writeln!(
        s,
        "  {noun}{} {}, {} rejected{} of {} in {} · {:.0} {per}",
        r.rows_loaded,
        r.done_verb(),
        r.rows_rejected,
        r.skipped_note(),
        r.rows_expected,
        human_duration(r.duration_s),
        r.throughput_rows_per_s
    );
    s
}

/// Requests and responses, rate limits, retries, users not sent, import jobs.
fn identity_api(h: &Http) -> String {
    let mut s = String::new();
    let statuses: Vec<String> = h
        .counts
        .responses_by_status
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let _ = writeln!(
        s,
        "  requests       {} sent ({} model{}) · responses {}",
        h.counts.attempts,
        h.model,
        h.rate.map(|r| format!(", {r}/s")).unwrap_or_default(),
        statuses.join(" · ")
    );
    let _ = writeln!(
        s,
        "  rate limits    {} × 429 · waited {}, {} in all, before sending again",
        h.counts.rate_limited,
        count(h.counts.rate_limit_waits, "time", "times"),
        human_duration(h.counts.rate_limit_wait_s)
    );
    let _ = writeln!(
        s,
        "  retries        {} after 5xx, timeouts or lost connections ({} backing off; {}, {}) · {} found done on retry",
        h.retries,
        human_duration(h.backoff_s),
        count(h.counts.timeouts, "timeout", "timeouts"),
        count(
            h.counts.connection_errors,
            "connection error",
            "connection errors"
        ),
        count(h.already_existed_on_retry, "create", "creates")
    );
    if h.jit_only > 0 {
        let formats: Vec<String> = h
            .jit_only_by_format
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let _ = writeln!(
            s,
            "  jit_only       {} users not sent: the {} API cannot import {} (they can only migrate on first login)",
            h.jit_only,
            h.api,
            formats.join(" · ")
        );
    }
    if let Some(j) = h.jobs {
        let _ = writeln!(s, "  import jobs    {j}");
    }
    s
}

/// The fault plan's effect, and the latency percentiles.
fn faults_and_latency(r: &Report) -> String {
    let mut s = String::new();
    if let Some(f) = &r.faults {
        let _ = writeln!(
            s,
            "  faults         {} · downtime {} inside the run · {} backing off · proxy: {} killed, {} refused",
            f.plan,
            human_duration(f.downtime_s),
            human_duration(f.backoff_s),
            count(f.proxy.connections_killed, "connection", "connections"),
            f.proxy.connections_refused
        );
    }
    if r.latency_ms.count > 0 {
        let l = &r.latency_ms;
        let _ = writeln!(
            s,
            "  {}  p50 {:.1} ms · p90 {:.1} · p99 {:.1} · p99.9 {:.1} · max {:.1} ({})",
            match &r.http {
                Some(h) if h.jobs.is_none() => "user latency ",
                Some(_) => "job latency  ",
                None => "batch latency",
            },
            l.p50,
            l.p90,
            l.p99,
            l.p999,
            l.max,
            match &r.http {
                Some(h) if h.jobs.is_none() => count(l.count, "user", "users"),
                Some(_) => count(l.count, "job", "jobs"),
                None => count(l.count, "batch", "batches"),
            }
        );
    }
    s
}

/// Rejected rows by class and label, and where their details went.
fn rejects(r: &Report) -> String {
    let mut s = String::new();
    if !r.errors_by_class.is_empty() {
        let _ = writeln!(s, "  rejects        {}", counts(&r.errors_by_class));
        let _ = writeln!(s, "  by label       {}", counts(&r.errors_by_label));
        if let Some(f) = &r.rejects_file {
            let _ = writeln!(s, "  reject details {f}");
        }
    }
    s
}

/// `k n · k n`.
fn counts(m: &std::collections::BTreeMap<String, u64>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Warnings about rows the target kept as it changed them, by class and label.
fn warnings(r: &Report) -> String {
    let mut s = String::new();
    if !r.warnings_by_class.is_empty() {
        let _ = writeln!(
            s,
            "  warnings       {} (rows kept as the target changed them)",
            counts(&r.warnings_by_class)
        );
        let _ = writeln!(s, "  by label       {}", counts(&r.warnings_by_label));
    }
    s
}

/// The verification's counts, failing tables, examples, columns and passwords.
fn verification(r: &Report, v: &Verify) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "  verify         {} · expected {} · found {} · missing {} · extra {} · mismatched {}{} · rejected {} ({})",
        if v.ok { "OK" } else { "FAILED" },
        v.expected,
        v.found,
        v.missing,
        v.extra,
        v.mismatched,
        if r.http.is_some() {
            format!(" · duplicated {}", v.duplicated)
        } else {
            String::new()
        },
        v.rejected,
        human_duration(v.duration_s)
    );
    for t in v.tables.iter().filter(|t| !t.ok) {
        let _ = writeln!(
            s,
            "    {:<16} missing {} · extra {} · mismatched {}",
            t.name, t.missing, t.extra, t.mismatched
        );
    }
    if !v.mismatched_by_label.is_empty() {
        let _ = writeln!(
            s,
            "  mismatched by label {}",
            counts(&v.mismatched_by_label)
        );
    }
    for e in v.examples.iter().take(10) {
        let fields: Vec<String> = e
            .fields
            .iter()
            .map(|(c, (a, b))| {
                format!(
                    "{c}: {:?} → {:?}",
                    a.as_deref().unwrap_or("NULL"),
                    b.as_deref().unwrap_or("NULL")
                )
            })
            .collect();
        let _ = writeln!(
            s,
            "    {} {}[{}]{} {}",
            e.kind,
            e.table,
            e.key.replace('\u{1f}', ","),
            if e.labels.is_empty() {
                String::new()
            } else {
                format!(" ({})", e.labels.join(", "))
            },
            fields.join("; ")
        );
    }
    if !v.missing_columns.is_empty() {
        let _ = writeln!(
            s,
            "  not in target  {} (tolerated, not compared)",
            v.missing_columns.join(", ")
        );
    }
    if !v.renamed_columns.is_empty() {
        let _ = writeln!(s, "  renamed        {}", v.renamed_columns.join(", "));
    }
    if let Some(p) = &v.passwords {
        match &p.skipped_reason {
            Some(why) => {
                let _ = writeln!(s, "  password check skipped: {why}");
            }
            None => {
                let _ = writeln!(
                    s,
                    "  password check {}/{} sampled users' hashes verify with their known passwords",
                    p.verified, p.checked
                );
            }
        }
    }
    s
}

/// The --production-users projection and the --fail-on thresholds.
fn projection_and_thresholds(r: &Report) -> String {
    let mut s = String::new();
    if let Some(p) = &r.projection {
        let _ = writeln!(
            s,
            "  projection     {} production users ≈ {:.0} rows ≈ {} at the measured rate",
            p.production_users,
            p.production_users as f64 * p.rows_per_user,
            p.human
        );
    }
    for t in &r.thresholds {
        let _ = writeln!(
            s,
            "  threshold      {} (actual {:.2}): {}",
            t.expr,
            t.actual,
            if t.ok { "passed" } else { "FAILED" }
        );
    }
    if let Some(a) = &r.aborted {
        let _ = writeln!(
            s,
            "  stopped        after {:.1} s: `{}` missed (actual {:.2}); the rest was not loaded and verification was skipped",
            a.after_s, a.threshold, a.actual
        );
    }
    s
}
