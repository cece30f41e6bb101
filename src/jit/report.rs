//! The JIT report's terminal summary and HTML page (inline SVG: the
//! coverage curve with the forecast, legacy lookups per day).

use super::run::JitReport;
use crate::report::chart::{self, Chart, Mark, Series, Style};
use crate::report::html::{Marks, esc, frame, table, table_with_text};
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

/// The share of all users migrated after `day` days: observed when the
/// run replayed that day, else the forecast's (`None`: past the forecast).
pub fn coverage_at(r: &JitReport, day: u32) -> Option<(f64, &'static str)> {
    if let Some(d) = r.coverage.iter().find(|d| d.day == day) {
        return Some((d.migrated_share, "observed"));
    }
    r.forecast
        .predicted_coverage
        .iter()
        .find(|p| p.day == day)
        .map(|p| (p.share, "forecast"))
}

/// Observed coverage (all users, active users) and the forecast, as lines,
/// the coverage after 30, 90 and 365 days labelled.
fn coverage_chart(r: &JitReport) -> String {
    let pts = |f: &dyn Fn(&super::run::DayRow) -> f64| -> Vec<(f64, f64)> {
        r.coverage.iter().map(|d| (d.day as f64, f(d))).collect()
    };
    let marks: Vec<Mark> = [30, 90, 365]
        .iter()
        .filter_map(|&day| {
            coverage_at(r, day).map(|(v, how)| Mark {
                at: (day as f64, v),
                label: format!("day {day}: {} ({how})", pct(v)),
            })
        })
        .collect();
    chart::lines(
        &Chart {
            title: "Coverage: share of users migrated, observed and forecast to day 365",
            x: "day",
            y: "users migrated",
            desc: marks
                .iter()
                .map(|m| m.label.clone())
                .collect::<Vec<_>>()
                .join("; "),
        },
        &[
            Series {
                name: "all users (observed)".into(),
                points: pts(&|d| d.migrated_share),
                style: Style::Line,
                color: chart::BLUE,
            },
            Series {
                name: "active users (observed)".into(),
                points: pts(&|d| d.active_migrated_share),
                style: Style::Line,
                color: chart::GREEN,
            },
            Series {
                name: format!("forecast (fitted on {} days)", r.forecast.fitted_on_days),
                points: r
                    .forecast
                    .predicted_coverage
                    .iter()
                    .map(|p| (p.day as f64, p.share))
                    .collect(),
                style: Style::Dashed,
                color: chart::GREY,
            },
        ],
        &marks,
        &chart::tick,
        &|v| format!("{:.0} %", v * 100.0),
    )
}

/// When the forecast reaches `share`: `50 % by day 12`, `99 % not within 10 years`.
fn reached(share: &str, d: Option<u32>) -> String {
    match d {
        Some(d) => format!("{share} by day {d}"),
        None => format!("{share} not within 10 years"),
    }
}

pub fn html(r: &JitReport) -> String {
    frame("understudy JIT migration report", Marks::Verdict, &body(r))
}

/// The JIT page's body (also a dossier's section).
pub fn body(r: &JitReport) -> String {
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
        "<p class=\"{}\"><b>{}</b>: {} users migrated, {} sign in on the new side with their password, {} do not; {} migrated by a wrong password; {} found in the run's outputs.</p>",
        if r.passed { "ok" } else { "bad" },
        if r.passed { "PASSED" } else { "FAILED" },
        r.migrated_users,
        r.migrated_verified,
        r.migrated_not_verified,
        r.wrong_password_migrations,
        crate::util::count(
            r.leak_scan.as_ref().map(|l| l.findings).unwrap_or(0),
            "plaintext",
            "plaintexts"
        )
    );
    s.push_str(&coverage_chart(r));
    let f = &r.forecast;
    let _ = writeln!(
        s,
        "<p>Forecast (fitted on {} days): {}, {}, {}; <b>{}</b> of users will not have signed in within a year (bulk-import or force-reset them).</p>",
        f.fitted_on_days,
        reached("50 %", f.days_to_50),
        reached("90 %", f.days_to_90),
        reached("99 %", f.days_to_99),
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
    let lookups: Vec<(f64, f64, f64)> = r
        .coverage
        .iter()
        .map(|d| (d.day as f64 - 1.0, 1.0, d.legacy_lookups as f64))
        .collect();
    if r.legacy_lookups == 0 {
        s.push_str("<p>No legacy lookups in this run.</p>\n");
    }
    s.push_str(&chart::timeline(
        &Chart {
            title: "Legacy lookups per day (how long the legacy store must stay up)",
            x: "day",
            y: "lookups",
            desc: format!("{} legacy lookups over {} days", r.legacy_lookups, r.days),
        },
        &lookups,
        &[],
        &[],
    ));
    s.push_str(&run_html(r));
    s
}

/// Activity, sign-ins, latencies, the new side, errors, the leak scan,
/// retries and time (the terminal summary's lines).
fn run_html(r: &JitReport) -> String {
    let mut s = String::from("<h2>The run</h2>\n");
    let classes: Vec<String> = r
        .activity_classes
        .iter()
        .map(|(k, v)| format!("{} {v}", esc(k)))
        .collect();
    let _ = writeln!(
        s,
        "<p>Activity: {} ({}). Sign-ins: {} ({} began with a wrong password) · {} legacy lookups.</p>",
        classes.join(", "),
        esc(&r.activity_source),
        r.sign_ins,
        r.wrong_attempts,
        r.legacy_lookups
    );
    let _ = writeln!(
        s,
        "<p>New side: {} migrated ({} imported hashes, {} rehashed by the target, {} through a password reset) · {} sign in with their password · {} do not · {} wrong-password migrations · {} accept a wrong password.</p>",
        r.migrated_users,
        r.imported_hashes,
        r.rehashed_by_target,
        r.migrated_by_reset,
        r.migrated_verified,
        r.migrated_not_verified,
        r.wrong_password_migrations,
        r.wrong_password_accepted
    );
    let l = &r.latency;
    let lat = |name: &str, x: &crate::report::Latency| {
        vec![
            name.to_string(),
            x.count.to_string(),
            format!("{:.2}", x.p50),
            format!("{:.2}", x.p99),
            format!("{:.2}", x.max),
        ]
    };
    s.push_str(&table(
        "Sign-in latency",
        &["sign-in", "count", "p50 ms", "p99 ms", "max ms"],
        &[
            lat("first login (legacy verify + create)", &l.first_login),
            lat("later logins (new side)", &l.later_login),
        ],
    ));
    if !r.errors.is_empty() {
        let rows: Vec<Vec<String>> = r
            .errors
            .iter()
            .map(|e| {
                vec![
                    esc(&e.class),
                    esc(&e.label),
                    e.count.to_string(),
                    esc(&e.example),
                ]
            })
            .collect();
        s.push_str(&table_with_text(
            "Errors by class and label",
            &["class", "label", "count", "example"],
            &rows,
            &[1, 3],
        ));
    }
    if let Some(l) = &r.leak_scan {
        let _ = writeln!(
            s,
            "<p class=\"{}\">Leak scan: {}, {} searched: {} found.</p>",
            if l.findings == 0 { "ok" } else { "bad" },
            crate::util::count(l.files, "file", "files"),
            crate::util::count(l.passwords_searched, "password", "passwords"),
            crate::util::count(l.findings, "plaintext", "plaintexts")
        );
    }
    if r.retries > 0 {
        let _ = writeln!(
            s,
            "<p>Retries: {} (429/5xx/connection), {} of backoff.</p>",
            r.retries,
            human_duration(r.backoff_s)
        );
    }
    let _ = writeln!(
        s,
        "<p>Time: {} total: legacy seeding {}, replay {}, verification {}{}.</p>",
        human_duration(r.wall_s),
        human_duration(r.seed_legacy_s),
        human_duration(r.replay_s),
        human_duration(r.verify_s),
        r.resumed_from_day
            .map(|d| format!(" (resumed after day {d})"))
            .unwrap_or_default()
    );
    s
}
