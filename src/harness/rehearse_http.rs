//! `rehearse` into an identity API: the users sent by request, then listed
//! back for verification.

use super::rehearse::{
    OneTable, check_outputs, faults_section, finish, one_table_report, plan_of, rejects_path,
};
use super::{Plan, RehearseOptions, say};
use crate::error::{Error, Result};
use crate::report::{self, Report, metrics::Metrics};
use crate::retry::Waiting;
use crate::target::http::{self, HttpLoad, HttpTarget};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// `rehearse` into an identity API (`--target http://… --api …`).
pub(super) fn rehearse_http(
    mut opts: RehearseOptions,
    url: &str,
    started_at: String,
) -> Result<i32> {
    let target = HttpTarget::parse(url, opts.api)?;
    check(&opts)?;
    // One request per user: a shard's users are its batches of one.
    opts.batch = Some(1);
    let users = opts.shard.map_or(0..opts.users, |s| s.range(opts.users));
    // --rate is the provider's limit: N shards share it.
    let rate = opts
        .rate
        .map(|r| r / opts.shard.map_or(1, |s| s.count) as f64);
    // First contact, straight to the API (not through the fault proxy).
    http::reach(&target)?;
    let proxy_started = Instant::now();
    let proxy = match &opts.faults {
        Some(plan) => Some(start_proxy(&opts, &target, plan)?),
        None => None,
    };
    let plan = plan_of(&opts)?;
    let workers = opts.workers.unwrap_or(8).max(1);
    let metrics = Arc::new(Metrics::new());
    let model = match (rate, opts.shard) {
        (Some(r), Some(s)) => format!(
            "shard {s}, open model, {r} requests/s (--rate {} over {} shards), at most {workers} in flight",
            opts.rate.unwrap_or(r),
            s.count
        ),
        (Some(r), None) => format!("open model, {r} requests/s, at most {workers} in flight"),
        (None, Some(s)) => format!("shard {s}, closed model, {workers} workers"),
        (None, None) => format!("closed model, {workers} workers"),
    };
    say(
        opts.quiet,
        format!(
            "rehearsing {} (profile {}) into the {} API at {} ({model})",
            crate::util::count(users.end - users.start, "user", "users"),
            plan.profile.name,
            target.api_name(),
            target.base
        ),
    );
    let hopts = http::HttpOptions {
        rate,
        workers,
        max_attempts: opts.max_attempts,
        retry_for: opts.retry_for,
        quiet: opts.quiet,
        users: opts.shard.map(|_| users.clone()),
        shown_as: proxy
            .as_ref()
            .map(|(p, _)| format!("{} (through the fault proxy on {})", target.base, p.addr)),
    };
    let send_to = proxy.as_ref().map(|(_, t)| t).unwrap_or(&target);
    let (lr, _) = http::load(&plan, send_to, &hopts, metrics.clone())?;
    let rejects_file = write_rejects(&plan, &opts, &lr)?;
    let verify = if opts.verify {
        Some(verify(&plan, &target, &opts, &lr, users.clone())?)
    } else {
        None
    };
    let report = Report {
        verify,
        rejects_file: rejects_file.map(|p| p.display().to_string()),
        faults: proxy
            .as_ref()
            .zip(opts.faults.as_ref())
            .map(|((p, _), fp)| faults_section(p, fp, proxy_started, &metrics)),
        ..http_report(
            &plan,
            &target,
            &opts,
            (workers, rate),
            lr,
            &metrics,
            started_at,
        )
    };
    finish(report, &opts)
}

/// What an identity API does not take, and what can be refused before it
/// is reached.
fn check(opts: &RehearseOptions) -> Result<()> {
    for (set, flag) in [
        (
            opts.exec.is_some() || opts.source.is_some(),
            "--exec/--source",
        ),
        (opts.resume, "--resume"),
        (
            opts.schema.is_some() || opts.no_create,
            "--schema/--no-create",
        ),
        (!opts.maps.is_empty(), "--map"),
    ] {
        if set {
            return Err(Error::usage(format!(
                "{flag} applies to database targets, not to an identity API (start from an empty tenant, or emulator)"
            )));
        }
    }
    if opts.rate.is_some_and(|r| !(r > 0.0 && r.is_finite())) {
        return Err(Error::usage(
            "--rate must be a positive number of requests per second",
        ));
    }
    if let Some(expr) = &opts.fail_on {
        report::thresholds::whole_run_only(
            &report::parse_conditions(expr)?,
            "identity-API targets",
        )?;
    }
    check_outputs(opts)
}

/// The fault proxy in front of the API, and the API as reached through it.
fn start_proxy(
    opts: &RehearseOptions,
    target: &HttpTarget,
    plan: &crate::faults::FaultPlan,
) -> Result<(crate::faults::Proxy, HttpTarget)> {
    let p = crate::faults::Proxy::start("127.0.0.1:0", &target.addr(), plan.clone())
        .map_err(|e| Error::target(format!("cannot start the fault proxy: {e}")))?;
    say(
        opts.quiet,
        format!(
            "faults: sending to {} through a fault proxy on {}, plan {plan}",
            target.base, p.addr
        ),
    );
    let via = target.via(&p.addr.to_string());
    Ok((p, via))
}

/// The refused users, one JSON line each, when there are any.
fn write_rejects(plan: &Plan, opts: &RehearseOptions, lr: &HttpLoad) -> Result<Option<PathBuf>> {
    if lr.rejects.is_empty() {
        return Ok(None);
    }
    let p = rejects_path(opts);
    let mut out = String::new();
    for r in &lr.rejects {
        out.push_str(
            &serde_json::json!({"table": plan.metas[plan.generator.users_table].name, "index": r.index,
                "key": r.email, "class": r.class, "message": r.message, "labels": r.labels})
            .to_string(),
        );
        out.push('\n');
    }
    std::fs::write(&p, out).map_err(|e| Error::io("write", &p, e))?;
    Ok(Some(p))
}

/// Lists the users through the API, straight to it: the fault plan is for
/// the load.
fn verify(
    plan: &Plan,
    target: &HttpTarget,
    opts: &RehearseOptions,
    lr: &HttpLoad,
    users: std::ops::Range<u64>,
) -> Result<report::Verify> {
    say(
        opts.quiet,
        format!(
            "verifying: listing the users through the {} API",
            target.api_name()
        ),
    );
    let direct = crate::http::Client::new(
        target.base.clone(),
        opts.max_attempts,
        opts.retry_for,
        2,
        Arc::new(Metrics::new()),
    )
    .map_err(|e| Error::target(format!("cannot build the HTTP client: {e}")))?
    .telling(Waiting::new(
        target.base.clone(),
        opts.retry_for,
        opts.quiet,
    ));
    let slice = opts.shard.map(|_| users);
    http::verify(&direct, target, plan, lr, slice)
}

/// The report of an identity-API rehearsal, less verification, the rejects
/// file and the faults.
fn http_report(
    plan: &Plan,
    target: &HttpTarget,
    opts: &RehearseOptions,
    (workers, rate): (usize, Option<f64>),
    lr: HttpLoad,
    metrics: &Metrics,
    started_at: String,
) -> Report {
    let jit_total: u64 = lr.jit_only.values().sum();
    let t = OneTable {
        target: target.base.clone(),
        method: format!("http:{}", target.api_name()),
        workers,
        batch: 1,
        resumed: false,
        table: plan.metas[plan.generator.users_table].name.clone(),
        expected: opts.shard.map_or(opts.users, |s| {
            s.range(opts.users).end - s.range(opts.users).start
        }),
        loaded: lr.created,
        skipped: jit_total,
        rejected: lr.rejects.len() as u64,
        duration_s: lr.duration_s,
    };
    Report {
        http: Some(report::Http {
            api: target.api_name().into(),
            model: if rate.is_some() { "open" } else { "closed" }.into(),
            rate,
            max_attempts: opts.max_attempts,
            counts: lr.counts,
            retries: metrics.retries(),
            backoff_s: metrics.backoff_s(),
            already_existed_on_retry: lr.already_existed_on_retry,
            jit_only: jit_total,
            jit_only_by_format: lr.jit_only,
            jobs: lr.jobs,
        }),
        ..one_table_report(plan, opts, started_at, t, metrics, metrics.errors())
    }
}
