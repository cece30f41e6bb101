//! `understudy verify`: rehearse's verification alone, for a target filled by
//! any tool (a rehearsal elsewhere, the shards of a Job, the user's own
//! migration). The same `verify::verify` (ARCHITECTURE.md § Ground truth is
//! regenerated), read-only: no lock, nothing written to the target.

use super::rehearse::{
    check_outputs, check_shard_batches, finish, own_rejects, plan_of, report_head,
};
use super::{RehearseOptions, read_target_tables, say, verify};
use crate::error::{Error, Result};
use crate::report;
use crate::retry::Waiting;
use crate::target::{Target, http, reach};

/// Verifies `opts.target` (the whole run, or `opts.shard`'s slice) and
/// returns the exit code: 0 verified, 1 verification or a threshold failed.
pub fn verify_only(mut opts: RehearseOptions) -> Result<i32> {
    let started_at = report::head::now();
    if opts.users == 0 {
        return Err(Error::usage("--users must be at least 1"));
    }
    let dsn = opts
        .target
        .clone()
        .ok_or_else(|| Error::usage(format!("verify needs --target {}", crate::target::forms())))?;
    if http::HttpTarget::is_http(&dsn) {
        return Err(Error::usage(
            "verify reads a database target; an identity API is verified by the rehearsal that loads it",
        ));
    }
    let target = Target::parse(&dsn)?;
    super::rehearse::settle_thresholds(&mut opts)?;
    check_outputs(&opts)?;
    if let Some(s) = opts.shard {
        s.check_users(opts.users, "users")?;
    }
    let redacted = target.redacted();
    let mut conn = reach::reach(&target)?;
    let plan = plan_of(&opts)?;
    opts.batch = Some(opts.batch.unwrap_or(target.loading().batch));
    if let Some(s) = opts.shard {
        check_shard_batches(&plan, &opts, s)?;
    }
    let tables = read_target_tables(conn.as_mut(), &plan, &opts.maps, &redacted)?;
    // A target a rehearsal loaded lists the rows it refused; any other has
    // no bookkeeping table, and every row is expected.
    let mut rejects = conn.recorded_rejects(&plan).unwrap_or_default();
    own_rejects(&plan, &opts, &mut rejects);
    say(
        opts.quiet,
        format!(
            "verifying {redacted}{} against the regenerated ground truth",
            opts.shard
                .map(|s| format!(" (shard {s})"))
                .unwrap_or_default()
        ),
    );
    let slice = verify::slice_of(&plan, opts.shard, opts.batch());
    let waiting = Waiting::new(redacted.clone(), opts.retry_for, opts.quiet);
    let v = reach::phase(&target, &mut conn, opts.retry_for, &waiting, |conn| {
        let readers = || target.connect().ok();
        verify::verify(
            conn,
            &readers,
            &plan,
            &tables,
            &rejects,
            &redacted,
            slice.as_ref(),
        )
    })?;
    let expected = plan.expected_rows_in(opts.shard, opts.batch());
    let mut head = report_head(&plan, &opts, started_at);
    head.head.command = "verify".into();
    let report = report::Report {
        target: redacted,
        method: "none (verify)".into(),
        batch: opts.batch(),
        rows_expected: expected.iter().sum(),
        rows_rejected: rejects.len() as u64,
        duration_s: v.duration_s,
        tables: plan
            .tables_in_order()
            .into_iter()
            .map(|t| report::TableLoad {
                name: plan.metas[t].name.clone(),
                expected: expected[t],
                loaded: 0,
                skipped: 0,
                rejected: rejects.iter().filter(|r| r.table == t).count() as u64,
                latency_ms: None,
            })
            .collect(),
        hashes: plan.hashes.clone(),
        verify: Some(v),
        ..head
    };
    finish(report, &opts)
}
