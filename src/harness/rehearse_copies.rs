//! `rehearse --copies redis://…`: a profile's Redis copy loaded through
//! pipelined `MULTI … EXEC` batches (`target::redis`), resumable through the
//! progress hash kept in Redis itself, then read back and compared with the
//! regenerated copy (docs/copies.md).

use super::rehearse::{OneTable, finish, one_table_report, plan_of, rejects_path};
use super::{Plan, RehearseOptions, say};
use crate::error::{Error, Result};
use crate::profile::copies::{Copy, CopyKind};
use crate::report::{self, Report, metrics::Metrics};
use crate::target::redis::{self as redis_target, CopyLoad, CopyReject, RedisTarget};

/// `rehearse --copies URL`.
pub(super) fn rehearse_copies(opts: RehearseOptions, url: &str, started_at: String) -> Result<i32> {
    let target = RedisTarget::parse(url)?;
    check(&opts)?;
    let copy = choose(&opts)?;
    // First contact before the hash pools are built.
    drop(target.connect()?);
    let _lock = redis_target::Lock::take(&target, &copy)?;
    let plan = plan_of(&opts)?;
    let workers = opts.workers.unwrap_or(2).max(1);
    let batch = opts.batch.unwrap_or(5_000);
    say(
        opts.quiet,
        format!(
            "rehearsing copy {} ({} users of profile {}) into {} ({} workers, batches of {batch} users)",
            copy.name,
            opts.users,
            plan.profile.name,
            target.redacted(),
            workers
        ),
    );
    let metrics = Metrics::new();
    let lo = redis_target::LoadOptions {
        workers,
        batch,
        resume: opts.resume,
        retry_for: opts.retry_for,
    };
    let lr = redis_target::load(&plan, &copy, &target, &lo, &metrics)?;
    let rejects_file = write_rejects(&opts, &lr.rejects)?;
    let verify = if opts.verify {
        say(
            opts.quiet,
            format!("verifying copy {} against the regenerated copy", copy.name),
        );
        Some(redis_target::verify::verify(
            &target,
            &plan,
            &copy,
            batch,
            &lr.rejects,
        )?)
    } else {
        None
    };
    let report = Report {
        verify,
        rejects_file: rejects_file.map(|p| p.display().to_string()),
        ..copy_report(
            &plan,
            &target,
            &copy,
            &opts,
            (workers, batch),
            &lr,
            &metrics,
            started_at,
        )
    };
    finish(report, &opts)
}

/// The copy to load: `--copy NAME`, else the profile's only Redis copy.
fn choose(opts: &RehearseOptions) -> Result<Copy> {
    let redis: Vec<&Copy> = (opts.profile.copies.iter())
        .filter(|c| c.kind == CopyKind::Redis)
        .collect();
    let names: Vec<&str> = redis.iter().map(|c| c.name.as_str()).collect();
    match &opts.copy {
        Some(n) => redis
            .iter()
            .find(|c| c.name == *n)
            .map(|c| (*c).clone())
            .ok_or_else(|| {
                Error::usage(format!(
                    "--copy {n}: profile {} has no Redis copy of that name (its Redis copies: {})",
                    opts.profile.name,
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                ))
            }),
        None if redis.len() == 1 => Ok(redis[0].clone()),
        None if redis.is_empty() => Err(Error::usage(format!(
            "profile {} declares no Redis copy: add a [copies.NAME] section with kind = \"redis\" (docs/copies.md), or use --profile saas-copies",
            opts.profile.name
        ))),
        None => Err(Error::usage(format!(
            "profile {} has several Redis copies ({}): choose one with --copy NAME",
            opts.profile.name,
            names.join(", ")
        ))),
    }
}

/// What a Redis copy does not take.
fn check(opts: &RehearseOptions) -> Result<()> {
    for (set, flag) in [
        (opts.target.is_some(), "--target"),
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
        (opts.shard.is_some(), "--shard"),
    ] {
        if set {
            return Err(Error::usage(format!(
                "{flag} does not apply with --copies: a copy is loaded on its own (rehearse the primary with --target in another run)"
            )));
        }
    }
    if let Some(expr) = &opts.fail_on {
        report::thresholds::whole_run_only(&report::parse_conditions(expr)?, "Redis copies")?;
    }
    crate::generator::plan::check_planned(opts.users, Some(opts.batch.unwrap_or(5_000)))?;
    super::rehearse::check_outputs(opts)
}

fn write_rejects(
    opts: &RehearseOptions,
    rejects: &[CopyReject],
) -> Result<Option<std::path::PathBuf>> {
    if rejects.is_empty() {
        return Ok(None);
    }
    let p = rejects_path(opts);
    let mut out = String::new();
    for r in rejects {
        out.push_str(&serde_json::to_string(r).expect("serializable"));
        out.push('\n');
    }
    std::fs::write(&p, out).map_err(|e| Error::io("write", &p, e))?;
    Ok(Some(p))
}

#[allow(clippy::too_many_arguments)]
fn copy_report(
    plan: &Plan,
    target: &RedisTarget,
    copy: &Copy,
    opts: &RehearseOptions,
    (workers, batch): (usize, u64),
    lr: &CopyLoad,
    metrics: &Metrics,
    started_at: String,
) -> Report {
    let t = OneTable {
        target: target.redacted(),
        method: "redis:pipeline".into(),
        workers,
        batch,
        resumed: lr.resumed,
        table: copy.name.clone(),
        expected: opts.users,
        loaded: lr.loaded,
        skipped: lr.skipped,
        rejected: lr.rejects.len() as u64,
        duration_s: lr.duration_s,
    };
    Report {
        copy: Some(report::CopyRehearsal {
            name: copy.name.clone(),
            kind: copy.kind.name().into(),
            progress_key: redis_target::progress_key(copy),
            batches: lr.batches,
            keys: lr.keys,
        }),
        ..one_table_report(plan, opts, started_at, t, metrics, metrics.errors())
    }
}
