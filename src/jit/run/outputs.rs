//! The run's outputs: the JSON and HTML reports, written once, then again
//! after the leak scan over them, the JIT log, the checkpoint, the legacy
//! store and the `--scan` paths, which decides whether the run passed.

use super::legacy::LegacySpec;
use super::replay::Shared;
use super::{JitOptions, JitReport, LeakScan};
use crate::error::{Error, Result};
use std::path::PathBuf;
use std::time::Instant;

/// Writes the reports, scans for plaintexts, and writes them again with
/// the verdict; returns the report and the exit code.
pub(super) fn finish(
    mut report: JitReport,
    opts: &JitOptions,
    files: &[PathBuf],
    spec: &LegacySpec,
    shared: &Shared,
    wall: Instant,
) -> Result<(JitReport, i32)> {
    report.wall_s = wall.elapsed().as_secs_f64();
    write(opts, &report)?;
    let mut paths: Vec<PathBuf> = files.to_vec();
    paths.extend(opts.report.iter().cloned());
    paths.extend(opts.html.iter().cloned());
    // The legacy store itself holds hashes, not plaintexts: scanned too.
    match spec {
        LegacySpec::Ldif(f) => paths.push(f.clone()),
        LegacySpec::Db(t) => paths.extend(t.file().map(std::path::Path::to_path_buf)),
        LegacySpec::Ldap(_) => {}
    }
    paths.extend(opts.scan.iter().cloned());
    let (scan, clean) = leak_scan(opts, shared, &paths)?;
    report.leak_scan = Some(scan);
    report.passed = report.migrated_not_verified == 0
        && report.wrong_password_migrations == 0
        && report.wrong_password_accepted == 0
        && clean
        && report.migrated_users == report.migrated_verified
        // A system that stayed unreachable through every retry leaves users unchecked.
        && !report.errors.iter().any(|e| e.class == "unavailable");
    report.wall_s = wall.elapsed().as_secs_f64();
    write(opts, &report)?;
    let code = if report.passed { 0 } else { 1 };
    Ok((report, code))
}

fn write(opts: &JitOptions, r: &JitReport) -> Result<()> {
    if let Some(path) = &opts.report {
        let json = serde_json::to_string_pretty(r).expect("report serialises");
        std::fs::write(path, json + "\n").map_err(|e| Error::io("write", path, e))?;
    }
    if let Some(path) = &opts.html {
        std::fs::write(path, crate::jit::report::html(r))
            .map_err(|e| Error::io("write", path, e))?;
    }
    Ok(())
}

/// The run's plaintexts searched for in `paths`; whether none was found.
fn leak_scan(opts: &JitOptions, shared: &Shared, paths: &[PathBuf]) -> Result<(LeakScan, bool)> {
    // Passwords chosen at a reset are plaintexts of this run too.
    let extra: Vec<crate::leaks::Secret> = (0..opts.users)
        .filter(|&u| shared.reset.get(u))
        .map(|u| crate::leaks::Secret {
            password: shared.model.reset_password(u),
            user: u,
            email: String::new(),
            users: 1,
        })
        .collect();
    let summary =
        crate::leaks::scan_with_extra(shared.plan, crate::leaks::DEFAULT_MIN_LEN, paths, extra)?;
    let scan = LeakScan {
        files: summary.files,
        passwords_searched: summary.passwords_searched,
        passwords_skipped: summary.passwords_skipped,
        findings: summary.findings.len() as u64,
        examples: summary
            .findings
            .iter()
            .take(20)
            .map(|f| {
                format!(
                    "{}:{}: user {} ({})",
                    f.file,
                    f.line,
                    f.user,
                    f.form.as_str()
                )
            })
            .collect(),
    };
    Ok((scan, summary.findings.is_empty()))
}
