//! Exactly-once resume (ARCHITECTURE.md § Exactly-once resume): what an
//! earlier run committed, whether this run may continue it, and the rows it
//! skips.

use super::{Load, Plan, RehearseOptions, TargetTables, prepare_target};
use crate::error::{Error, Result};
use crate::retry::Waiting;
use crate::target::schema::SchemaFile;
use crate::target::{Conn, PROGRESS_TABLE, Previous, RunInfo, Target, reach};
use std::path::PathBuf;

pub(super) fn new_run_id() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{:016x}",
        crate::rng::mix64(t as u64 ^ std::process::id() as u64)
    )
}

/// Whether this run continues an earlier one (`--resume`), or may start:
/// the target must hold no rehearsal and no rows of its own otherwise.
pub(super) fn resumable(
    plan: &Plan,
    target: &Target,
    opts: &RehearseOptions,
    prev: &Previous,
    counts: &[u64],
    run: RunInfo,
) -> Result<(RunInfo, bool)> {
    let redacted = target.redacted();
    if let Some(shard) = opts.shard {
        return resumable_shard(plan, target, opts, prev, counts, run, shard);
    }
    let mut run = run;
    let mut resumed = false;
    if !prev.runs.is_empty() {
        let (p, n) = &prev.runs[0];
        let same = prev.runs.len() == 1
            && p.profile_digest == run.profile_digest
            && p.seed == run.seed
            && p.users == run.users
            && p.batch_rows == run.batch_rows;
        if !opts.resume {
            return Err(Error::usage(format!(
                "{redacted} already holds a previous rehearsal (run {}, {n} batches committed: profile digest {}, seed {}, {} users, batch {}).\n  \
                 use --resume to continue it, or start from an empty target (drop its tables{})",
                p.run_id,
                &p.profile_digest[..p.profile_digest.len().min(12)],
                p.seed,
                p.users,
                p.batch_rows,
                if target.file().is_some() {
                    ", or delete the file"
                } else {
                    ""
                }
            )));
        }
        if !same {
            return Err(Error::usage(format!(
                "--resume: {redacted} holds a rehearsal with different parameters (seed {}, {} users, batch {}, profile digest {}); \
                 resume with the same --profile, --users, --seed and --batch, or start from an empty target",
                p.seed,
                p.users,
                p.batch_rows,
                &p.profile_digest[..p.profile_digest.len().min(12)]
            )));
        }
        run.run_id = p.run_id.clone();
        resumed = true;
    } else if let Some((t, n)) = counts.iter().enumerate().find(|(_, n)| **n > 0) {
        return Err(Error::usage(format!(
            "table `{}` in {redacted} already holds {n} rows that no rehearsal recorded; start from an empty target",
            plan.metas[t].name
        )));
    }
    Ok((run, resumed))
}

/// A shard may start beside the other shards of its run (the same profile,
/// seed, users and batch), and resumes only its own batches: the driving
/// table's in its range, and on shard 1 the lookup tables'.
fn resumable_shard(
    plan: &Plan,
    target: &Target,
    opts: &RehearseOptions,
    prev: &Previous,
    counts: &[u64],
    run: RunInfo,
    shard: crate::dataset::Shard,
) -> Result<(RunInfo, bool)> {
    let redacted = target.redacted();
    if let Some((p, _)) = prev.runs.iter().find(|(p, _)| {
        p.profile_digest != run.profile_digest
            || p.seed != run.seed
            || p.users != run.users
            || p.batch_rows != run.batch_rows
    }) {
        return Err(Error::usage(format!(
            "--shard {shard}: {redacted} holds a rehearsal with other parameters (run {}: seed {}, {} users, batch {}, profile digest {});              every shard needs the same --profile, --users, --seed and --batch, into an empty target",
            p.run_id,
            p.seed,
            p.users,
            p.batch_rows,
            &p.profile_digest[..p.profile_digest.len().min(12)]
        )));
    }
    if prev.runs.is_empty()
        && let Some((t, n)) = counts.iter().enumerate().find(|(_, n)| **n > 0)
    {
        return Err(Error::usage(format!(
            "table `{}` in {redacted} already holds {n} rows that no rehearsal recorded; start from an empty target",
            plan.metas[t].name
        )));
    }
    let own = own_batches(plan, prev, opts.batch(), shard);
    if own > 0 && !opts.resume {
        return Err(Error::usage(format!(
            "--shard {shard}: {redacted} already holds {own} committed batches of this shard; use --resume to continue it"
        )));
    }
    Ok((run, own > 0))
}

/// The committed batches that are `shard`'s own.
fn own_batches(plan: &Plan, prev: &Previous, batch: u64, shard: crate::dataset::Shard) -> usize {
    let range = plan.shard_batches(shard, batch);
    plan.groups
        .iter()
        .filter(|g| plan.in_shard(g, Some(shard)))
        .filter_map(|g| {
            let done = prev.done.get(&plan.metas[g.root].name)?;
            Some(if g.root == plan.driving_table() {
                done.iter().filter(|k| range.contains(k)).count()
            } else {
                done.len()
            })
        })
        .sum()
}

/// A shard other than the first waits for shard 1 to create the tables
/// (the bookkeeping table comes last, in the same transaction), so that
/// shards never race on DDL.
fn wait_for_tables(
    conn: &mut Box<dyn Conn>,
    opts: &RehearseOptions,
    shard: crate::dataset::Shard,
) -> Result<()> {
    let started = std::time::Instant::now();
    let mut said = false;
    loop {
        if conn
            .query(&format!("SELECT count(*) FROM {PROGRESS_TABLE}"))
            .is_ok()
        {
            return Ok(());
        }
        if started.elapsed() >= opts.retry_for {
            return Err(Error::target(format!(
                "--shard {shard}: shard 1 did not create the tables within {} (--retry-for); start shard 1",
                crate::util::human_duration(opts.retry_for.as_secs_f64())
            )));
        }
        if !said {
            super::say(
                opts.quiet,
                format!("shard {shard}: waiting for shard 1 to create the tables"),
            );
            said = true;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
}

/// The files of a database that did not exist before this run (an SQLite
/// file with its WAL and shared-memory files): removed unless `keep` is
/// called, so a refused rehearsal leaves no empty database behind.
pub(super) struct NewFile(Vec<PathBuf>);

impl NewFile {
    pub(super) fn watch(target: &Target) -> NewFile {
        NewFile(target.driver().new_files())
    }

    pub(super) fn keep(&mut self) {
        self.0.clear();
    }
}

impl Drop for NewFile {
    fn drop(&mut self) {
        for f in self.0.drain(..) {
            let _ = std::fs::remove_file(f);
        }
    }
}

/// The target made ready for a load, and what an earlier run left in it.
pub(super) struct Prepared {
    pub tables: TargetTables,
    pub previous: Previous,
    pub run: RunInfo,
    pub resumed: bool,
}

/// Tables are created and every check is made in one transaction: a
/// refusal rolls it all back. A connection lost on the way is waited for and
/// the whole transaction run again on a new one.
pub(super) fn prepare(
    job: &Load,
    conn: &mut Box<dyn Conn>,
    schema: Option<&SchemaFile>,
    waiting: &Waiting,
) -> Result<Prepared> {
    let (plan, target, opts) = (job.plan, job.target, job.opts);
    let redacted = target.redacted();
    let run = RunInfo {
        run_id: new_run_id(),
        profile_digest: plan.profile.digest.clone(),
        seed: plan.seed.to_string(),
        users: plan.users.to_string(),
        batch_rows: opts.batch(),
    };
    if let Some(shard) = opts.shard.filter(|s| !s.first()) {
        wait_for_tables(conn, opts, shard)?;
    }
    reach::phase(target, conn, opts.retry_for, waiting, |conn| {
        conn.batch("BEGIN")
            .map_err(|e| Error::target(format!("cannot begin on {redacted}: {e}")))?;
        let prepared = (|| {
            let tables = prepare_target(
                &mut *conn,
                plan,
                schema,
                job.no_create,
                &opts.maps,
                &redacted,
            )?;
            let previous = conn.previous().map_err(|e| {
                Error::target(format!("cannot read {PROGRESS_TABLE} on {redacted}: {e}"))
            })?;
            let counts = conn
                .row_counts(plan)
                .map_err(|e| Error::target(format!("cannot count rows on {redacted}: {e}")))?;
            let (run, resumed) = resumable(plan, target, opts, &previous, &counts, run.clone())?;
            Ok(Prepared {
                tables,
                previous,
                run,
                resumed,
            })
        })();
        match prepared {
            Ok(p) => {
                conn.batch("COMMIT")
                    .map_err(|e| Error::target(format!("cannot commit on {redacted}: {e}")))?;
                Ok(p)
            }
            Err(e) => {
                let _ = conn.batch("ROLLBACK");
                Err(e)
            }
        }
    })
}

/// Rows an earlier run committed, per table, from its batches' ranges.
/// With a shard, its own batches only.
pub(super) fn skipped_rows(
    plan: &Plan,
    previous: &Previous,
    batch: u64,
    shard: Option<crate::dataset::Shard>,
) -> Vec<u64> {
    let mut skipped = vec![0u64; plan.metas.len()];
    let own = shard.map(|s| plan.shard_batches(s, batch));
    for g in &plan.groups {
        let Some(done) = previous.done.get(&plan.metas[g.root].name) else {
            continue;
        };
        if !plan.in_shard(g, shard) {
            continue;
        }
        let (chunks, offsets) = plan.batches(g, batch);
        for &k in done {
            let mine =
                g.root != plan.driving_table() || own.as_ref().is_none_or(|r| r.contains(&k));
            let k = k as usize;
            if k >= chunks.len() || !mine {
                continue;
            }
            skipped[g.root] += chunks[k].end - chunks[k].start;
            for (ci, &c) in g.children.iter().enumerate() {
                skipped[c] += offsets[ci][k + 1] - offsets[ci][k];
            }
        }
    }
    skipped
}
