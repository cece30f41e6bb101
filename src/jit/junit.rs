//! A JIT rehearsal as JUnit XML (`jit --junit`): one test case per check
//! that decides whether the run passed (ARCHITECTURE.md § Reports).

use crate::jit::run::JitReport;
use crate::report::junit::{Case, Suite};

/// The run's checks, each failing with its figures.
pub fn suite(r: &JitReport) -> Suite {
    let class = "understudy.jit";
    let check = |name: &str, bad: bool, message: String| {
        Case::check(
            class,
            name.to_string(),
            bad.then(|| (message.clone(), message)),
        )
    };
    let unavailable = r.errors.iter().filter(|e| e.class == "unavailable").count();
    let mut cases = vec![
        check(
            "every migrated user signs in on the new system",
            r.migrated_not_verified > 0 || r.migrated_users != r.migrated_verified,
            format!(
                "{} of {} migrated users could not sign in on {}",
                r.migrated_users.saturating_sub(r.migrated_verified),
                r.migrated_users,
                r.new_system
            ),
        ),
        check(
            "no wrong password migrates a user",
            r.wrong_password_migrations > 0,
            format!(
                "{} users were migrated by a wrong password",
                r.wrong_password_migrations
            ),
        ),
        check(
            "the new system refuses wrong passwords of migrated users",
            r.wrong_password_accepted > 0,
            format!(
                "{} migrated users were let in with a wrong password",
                r.wrong_password_accepted
            ),
        ),
        check(
            "both systems stayed reachable",
            unavailable > 0,
            format!("{unavailable} errors of class unavailable: users left unchecked"),
        ),
    ];
    if let Some(s) = &r.leak_scan {
        cases.push(check(
            "no plaintext password in any output",
            s.findings > 0,
            format!(
                "{} plaintext passwords found in {} files scanned: {}",
                s.findings,
                s.files,
                s.examples.join("; ")
            ),
        ));
    }
    let last = r.coverage.last();
    Suite {
        name: "understudy jit".into(),
        time_s: r.wall_s,
        timestamp: r.head.started_at.clone(),
        properties: vec![
            ("profile".into(), r.profile.clone()),
            ("seed".into(), r.seed.to_string()),
            ("users".into(), r.users.to_string()),
            ("days".into(), r.days.to_string()),
            ("new_system".into(), r.new_system.clone()),
            ("legacy".into(), r.legacy.clone()),
            (
                "coverage_at_end".into(),
                last.map(|d| format!("{:.4}", d.migrated_share))
                    .unwrap_or_default(),
            ),
        ],
        cases,
    }
}
