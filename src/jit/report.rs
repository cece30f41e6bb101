//! The JIT report's terminal summary and HTML page (inline SVG: the
//! coverage curve with the forecast, legacy lookups per day).

use super::run::JitReport;
use crate::report::html::{Marks, bars, esc, frame};
use crate::report::human_duration;
use std::fmt::Write;

/// The shape of `JitReport`: version 2 opens with the shared head
/// (ARCHITECTURE.md § Reports); version 1 had `schema_version`, `kind` and
/// `tool_version` only.
pub const SCHEMA_VERSION: u32 = 2;

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

fn days(d: Option<u32>) -> String {
    d.map(|d| format!("day {d}"))
        .unwrap_or_else(|| "not within 10 years".into())
}

/// The summary `jit` prints: the run, sign-ins and coverage by day, then
/// the forecast and the outcome.
pub fn terminal(r: &JitReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "understudy jit · profile {} · {} · seed {} · {} · {} → {} ({}, rehash {}, hash cost {})",
        r.profile,
        crate::util::count(r.users, "user", "users"),
        r.seed,
        crate::util::count(r.days, "day", "days"),
        r.legacy,
        r.new_system,
        r.api,
        r.rehash,
        r.hash_cost
    );
    let classes: Vec<String> = r
        .activity_classes
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let _ = writeln!(
        s,
        "  activity     {} ({})",
        classes.join(", "),
        r.activity_source
    );
    let _ = writeln!(
        s,
        "  sign-ins     {} ({} began with a wrong password) · {} legacy lookups",
        r.sign_ins, r.wrong_attempts, r.legacy_lookups
    );
    let _ = writeln!(
        s,
        "  coverage     day  all users  active users  new  legacy lookups"
    );
    let step = (r.coverage.len() / 10).max(1);
    for (i, d) in r.coverage.iter().enumerate() {
        if i % step == 0 || i + 1 == r.coverage.len() {
            let _ = writeln!(
                s,
                "               {:>3}  {:>9}  {:>12}  {:>5}  {:>14}",
                d.day,
                pct(d.migrated_share),
                pct(d.active_migrated_share),
                d.new_migrations,
                d.legacy_lookups
            );
        }
    }
    s.push_str(&forecast_and_outcome(r));
    s
}

/// The forecast and its check, latencies, the new side's outcome, errors,
/// the leak scan, retries, time and the verdict.
fn forecast_and_outcome(r: &JitReport) -> String {
    let mut s = String::new();
    let f = &r.forecast;
    let _ = writeln!(
        s,
        "  forecast     50 %: {} · 90 %: {} · 99 %: {} · not signed in within a year: {}",
        days(f.days_to_50),
        days(f.days_to_90),
        days(f.days_to_99),
        pct(f.never_within_year_share)
    );
    if let Some(c) = &r.forecast_check {
        let _ = writeln!(
            s,
            "  check        fitted on days 1–{}: predicts {} at day {}, simulated {} ({:.2} points)",
            c.fitted_on_days,
            pct(c.predicted_share),
            c.day,
            pct(c.simulated_share),
            c.error_points
        );
    }
    let l = &r.latency;
    let _ = writeln!(
        s,
        "  latency      first login p50 {:.2} ms p99 {:.2} ms ({}) · later logins p50 {:.2} ms p99 {:.2} ms ({})",
        l.first_login.p50,
        l.first_login.p99,
        l.first_login.count,
        l.later_login.p50,
        l.later_login.p99,
        l.later_login.count
    );
    let _ = writeln!(
        s,
        "  new side     {} migrated ({} imported hashes, {} rehashed by the target, {} through a password reset) · {} sign in with their password · {} do not · {} wrong-password migrations · {} accept a wrong password",
        r.migrated_users,
        r.imported_hashes,
        r.rehashed_by_target,
        r.migrated_by_reset,
        r.migrated_verified,
        r.migrated_not_verified,
        r.wrong_password_migrations,
        r.wrong_password_accepted
    );
    if !r.errors.is_empty() {
        let _ = writeln!(s, "  errors       class · label · count · example");
        for e in r.errors.iter().take(15) {
            let _ = writeln!(
                s,
                "               {} · {} · {} · {}",
                e.class, e.label, e.count, e.example
            );
        }
    }
    if let Some(l) = &r.leak_scan {
        let _ = writeln!(
            s,
            "  leak scan    {}, {} searched: {} found",
            crate::util::count(l.files, "file", "files"),
            crate::util::count(l.passwords_searched, "password", "passwords"),
            crate::util::count(l.findings, "plaintext", "plaintexts")
        );
        for e in &l.examples {
            let _ = writeln!(s, "               {e}");
        }
    }
    if r.retries > 0 {
        let _ = writeln!(
            s,
            "  retries      {} (429/5xx/connection), {} of backoff",
            r.retries,
            human_duration(r.backoff_s)
        );
    }
    let _ = writeln!(
        s,
        "  time         {} total: legacy seeding {}, replay {}, verification {}{}",
        human_duration(r.wall_s),
        human_duration(r.seed_legacy_s),
        human_duration(r.replay_s),
        human_duration(r.verify_s),
        r.resumed_from_day
            .map(|d| format!(" (resumed after day {d})"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        s,
        "  result       {}",
        if r.passed { "PASSED" } else { "FAILED" }
    );
    s
}

/// Observed coverage (all users, active users) and the forecast, as lines.
fn coverage_chart(r: &JitReport) -> String {
    let (w, h, pad) = (720.0, 260.0, 40.0);
    let max_day = 365.0_f64;
    let x = |d: f64| pad + d / max_day * (w - 2.0 * pad);
    let y = |v: f64| h - pad - v * (h - 2.0 * pad);
    let mut s = format!(
        "<figure><figcaption>Coverage: observed (blue: all users, green: active users) and forecast (grey) to day 365</figcaption>\
         <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\">"
    );
    for v in [0.0, 0.5, 0.9, 1.0] {
        let _ = write!(
            s,
            "<line x1=\"{pad}\" y1=\"{0:.1}\" x2=\"{1}\" y2=\"{0:.1}\" stroke=\"#ddd\"/><text x=\"2\" y=\"{2:.1}\" font-size=\"10\">{3:.0} %</text>",
            y(v),
            w - pad,
            y(v) + 3.0,
            v * 100.0
        );
    }
    for d in [0.0, 30.0, 90.0, 180.0, 365.0] {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">day {d}</text>",
            x(d),
            h - pad + 14.0
        );
    }
    let line = |pts: Vec<(f64, f64)>, color: &str, dash: bool| -> String {
        let p: Vec<String> = pts
            .iter()
            .map(|(d, v)| format!("{:.1},{:.1}", x(*d), y(*v)))
            .collect();
        format!(
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{} points=\"{}\"/>",
            if dash {
                " stroke-dasharray=\"4 3\""
            } else {
                ""
            },
            p.join(" ")
        )
    };
    s.push_str(&line(
        r.forecast
            .predicted_coverage
            .iter()
            .map(|p| (p.day as f64, p.share))
            .collect(),
        "#999",
        true,
    ));
    s.push_str(&line(
        r.coverage
            .iter()
            .map(|d| (d.day as f64, d.active_migrated_share))
            .collect(),
        "#2a9d4a",
        false,
    ));
    s.push_str(&line(
        r.coverage
            .iter()
            .map(|d| (d.day as f64, d.migrated_share))
            .collect(),
        "#4a7bd0",
        false,
    ));
    s.push_str("</svg></figure>\n");
    s
}

pub fn html(r: &JitReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<h1>Just-in-time migration: {} users, {} days</h1><p>{} → {} ({}) · profile <b>{}</b> · seed {} · rehash {} · hash cost {} · {} workers</p>",
        r.users,
        r.days,
        esc(&r.legacy),
        esc(&r.new_system),
        esc(&r.api),
        esc(&r.profile),
        r.seed,
        esc(&r.rehash),
        esc(&r.hash_cost),
        r.workers
    );
    let _ = writeln!(
        s,
        "<p class=\"{}\"><b>{}</b>: {} users migrated, {} sign in on the new side with their password, {} do not; {} migrated by a wrong password; {} plaintext(s) found in the run's outputs.</p>",
        if r.passed { "ok" } else { "bad" },
        if r.passed { "PASSED" } else { "FAILED" },
        r.migrated_users,
        r.migrated_verified,
        r.migrated_not_verified,
        r.wrong_password_migrations,
        r.leak_scan.as_ref().map(|l| l.findings).unwrap_or(0)
    );
    s.push_str(&coverage_chart(r));
    let f = &r.forecast;
    let _ = writeln!(
        s,
        "<p>Forecast (fitted on {} days): 50 % by {}, 90 % by {}, 99 % by {}; <b>{}</b> of users will not have signed in within a year (bulk-import or force-reset them).</p>",
        f.fitted_on_days,
        days(f.days_to_50),
        days(f.days_to_90),
        days(f.days_to_99),
        pct(f.never_within_year_share)
    );
    if let Some(c) = &r.forecast_check {
        let _ = writeln!(
            s,
            "<p>Check: a forecast fitted on days 1–{} predicts {} at day {}; the simulation reached {} ({:.2} points).</p>",
            c.fitted_on_days,
            pct(c.predicted_share),
            c.day,
            pct(c.simulated_share),
            c.error_points
        );
    }
    let lookups: Vec<(String, f64)> = r
        .coverage
        .iter()
        .map(|d| (d.day.to_string(), d.legacy_lookups as f64))
        .collect();
    s.push_str(&bars(
        "Legacy lookups per day (how long the legacy store must stay up)",
        "lookups",
        &lookups,
    ));
    let l = &r.latency;
    let _ = writeln!(
        s,
        "<table><tr><th>latency</th><th>count</th><th>p50 ms</th><th>p99 ms</th><th>max ms</th></tr>\
         <tr><td>first login (legacy verify + create)</td><td>{}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td></tr>\
         <tr><td>later logins (new side)</td><td>{}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td></tr></table>",
        l.first_login.count,
        l.first_login.p50,
        l.first_login.p99,
        l.first_login.max,
        l.later_login.count,
        l.later_login.p50,
        l.later_login.p99,
        l.later_login.max
    );
    if !r.errors.is_empty() {
        s.push_str("<h2>Errors by class and label</h2><table><tr><th>class</th><th>label</th><th>count</th><th>example</th></tr>\n");
        for e in &r.errors {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&e.class),
                esc(&e.label),
                e.count,
                esc(&e.example)
            );
        }
        s.push_str("</table>\n");
    }
    frame("understudy JIT migration report", Marks::Verdict, &s)
}
