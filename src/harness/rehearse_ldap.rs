//! `rehearse` into an LDAP directory (`--target ldap://…`): the users added
//! as entries (`target::ldap::load`), resumable through the bookkeeping
//! entries the load keeps in the directory, then read back and bound as
//! (`target::ldap::verify`).

use super::rehearse::{OneTable, check_outputs, finish, one_table_report, plan_of, rejects_path};
use super::{Plan, RehearseOptions, say};
use crate::error::{Error, Result};
use crate::report::{self, Report, metrics::Metrics};
use crate::sink::ldif::Directory;
use crate::target::ldap::{self, LdapLoad, LdapTarget};
use crate::target::{Method, Reject};

/// `rehearse --target ldap://…`.
pub(super) fn rehearse_ldap(opts: RehearseOptions, dsn: &str, started_at: String) -> Result<i32> {
    let target = LdapTarget::parse(dsn, opts.bind_dn.as_deref())?;
    check(&opts)?;
    let dir = Directory::new(&opts.profile)
        .map_err(|e| Error::usage(format!("profile {}: {e}", opts.profile.name)))?;
    // First contact before the hash pools are built: an unreachable server
    // or a refused bind is reported within seconds.
    drop(target.reach()?);
    let plan = plan_of(&opts)?;
    let loading = crate::target::Driver::loading(&target);
    let workers = opts.workers.unwrap_or(loading.workers).max(1);
    let batch = opts.batch.unwrap_or(loading.batch);
    say(
        opts.quiet,
        format!(
            "rehearsing {} (profile {}) into {} under {} ({} workers, batches of {batch} users)",
            crate::util::count(opts.users, "user", "users"),
            plan.profile.name,
            target.who(),
            dir.base_dn,
            workers
        ),
    );
    let metrics = Metrics::new();
    let lo = ldap::LoadOptions {
        workers,
        batch,
        resume: opts.resume,
        retry_for: opts.retry_for,
        quiet: opts.quiet,
    };
    let lr = ldap::load(&plan, &dir, &target, &lo, &metrics)?;
    let rejects_file = write_rejects(&plan, &opts, &lr.rejects)?;
    let verify = if opts.verify {
        say(
            opts.quiet,
            format!(
                "verifying {} against the regenerated ground truth; binding as a sample of users",
                dir.base_dn
            ),
        );
        Some(ldap::verify::verify(&target, &plan, &dir, &lr.rejects)?)
    } else {
        None
    };
    let report = Report {
        verify,
        rejects_file: rejects_file.map(|p| p.display().to_string()),
        ..ldap_report(
            &plan,
            &target,
            &dir,
            &opts,
            (workers, batch),
            &lr,
            &metrics,
            started_at,
        )
    };
    finish(report, &opts)
}

/// What a directory does not take.
fn check(opts: &RehearseOptions) -> Result<()> {
    for (set, flag) in [
        (
            opts.exec.is_some() || opts.source.is_some(),
            "--exec/--source",
        ),
        (
            opts.schema.is_some() || opts.no_create,
            "--schema/--no-create",
        ),
        (!opts.maps.is_empty(), "--map"),
        (opts.faults.is_some(), "--faults"),
        (opts.api.is_some() || opts.rate.is_some(), "--api/--rate"),
        (opts.method != Method::Copy, "--method"),
    ] {
        if set {
            return Err(Error::usage(format!(
                "{flag} does not apply to an LDAP directory (--target ldap://…): users are added as entries, one add operation each"
            )));
        }
    }
    if let Some(expr) = &opts.fail_on {
        report::thresholds::whole_run_only(&report::parse_conditions(expr)?, "LDAP targets")?;
    }
    crate::generator::plan::check_planned(opts.users, Some(opts.batch.unwrap_or(1000)))?;
    check_outputs(opts)
}

/// The refused users, one JSON line each, when there are any.
fn write_rejects(
    plan: &Plan,
    opts: &RehearseOptions,
    rejects: &[Reject],
) -> Result<Option<std::path::PathBuf>> {
    if rejects.is_empty() {
        return Ok(None);
    }
    let p = rejects_path(opts);
    let mut out = String::new();
    for r in rejects {
        out.push_str(
            &serde_json::json!({"table": plan.metas[r.table].name, "key": r.key.replace('\u{1f}', ","),
                "class": r.class.as_str(), "message": r.message, "labels": r.labels})
            .to_string(),
        );
        out.push('\n');
    }
    std::fs::write(&p, out).map_err(|e| Error::io("write", &p, e))?;
    Ok(Some(p))
}

/// The report of a directory rehearsal, less verification and the rejects file.
#[allow(clippy::too_many_arguments)]
fn ldap_report(
    plan: &Plan,
    target: &LdapTarget,
    dir: &Directory,
    opts: &RehearseOptions,
    (workers, batch): (usize, u64),
    lr: &LdapLoad,
    metrics: &Metrics,
    started_at: String,
) -> Report {
    // A resumed run's earlier rejects are in the directory's bookkeeping.
    let errors = if lr.resumed {
        super::rehearse::count_rejects(&lr.rejects)
    } else {
        metrics.errors()
    };
    let t = OneTable {
        target: target.redacted(),
        method: "ldap:add".into(),
        workers,
        batch,
        resumed: lr.resumed,
        table: dir.users.clone(),
        expected: opts.users,
        loaded: lr.loaded,
        skipped: lr.skipped,
        rejected: lr.rejects.len() as u64,
        duration_s: lr.duration_s,
    };
    Report {
        ldap: Some(report::Ldap {
            bind_dn: target.bind_dn.clone(),
            base_dn: dir.base_dn.clone(),
            progress_dn: ldap::progress_dn(dir),
            base_created: lr.base_created.clone(),
            already_present: lr.already_present,
        }),
        ..one_table_report(plan, opts, started_at, t, metrics, errors)
    }
}
