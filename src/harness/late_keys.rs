//! Foreign keys added after the load (ARCHITECTURE.md § Foreign keys after
//! the load): a reference within one root table's tree may name a row of a
//! batch not loaded yet (another worker's, a later one, one a resumed run
//! has still to load), so its key is created once every batch is in, as
//! pgloader does (tables, rows, then constraints). Idempotent: a key the
//! target already has is left as it is. A row naming a row the target does
//! not hold (one it refused) is counted and reported; the key is then not
//! added and the run fails.

use super::Plan;
use crate::error::{Error, Result};
use crate::report::LateForeignKey;
use crate::target::Conn;

/// What the load decides before the keys are added.
pub(super) struct When {
    /// `--shard`: the keys wait for every shard's batches.
    pub shard: Option<crate::dataset::Shard>,
    pub batch: u64,
    pub quiet: bool,
}

/// Adds every late foreign key of the plan's tables on `conn`, once every
/// batch of the run is committed; one entry per key.
pub(super) fn add(
    plan: &Plan,
    conn: &mut dyn Conn,
    when: &When,
    redacted: &str,
) -> Result<Vec<LateForeignKey>> {
    let fail =
        |what: &str, e: crate::target::DbError| Error::target(format!("{what} on {redacted}: {e}"));
    let d = conn.dialect();
    let mut out = Vec::new();
    let complete = when.shard.is_none() || every_batch_in(plan, conn, when.batch)?;
    for &t in &plan.tables_in_order() {
        let meta = &plan.metas[t];
        let keys = crate::sink::sql::late_keys(d, meta);
        let mut missing: Vec<&str> = Vec::new();
        let mut entries = Vec::new();
        for k in &keys {
            let mut e = LateForeignKey {
                table: meta.name.clone(),
                column: k.column.clone(),
                references: k.references.clone(),
                status: "pending".into(),
                orphans: 0,
            };
            if complete {
                if count(conn, &k.exists).map_err(|e| fail("cannot read the catalog", e))? > 0 {
                    e.status = "present".into();
                } else {
                    e.orphans = count(conn, &k.orphans)
                        .map_err(|e| fail("cannot count rows naming no row", e))?;
                    if e.orphans > 0 {
                        e.status = "orphans".into();
                    } else {
                        missing.push(&k.column);
                        e.status = "added".into();
                    }
                }
            }
            entries.push(e);
        }
        if !missing.is_empty() {
            say_adding(when.quiet, &meta.name, &missing);
            let sql = crate::sink::sql::add_late_keys(d, meta, &missing);
            if let Err(e) = conn.batch(&sql) {
                // Another shard finishing at the same time may have added them.
                let _ = conn.batch(match d {
                    crate::sink::Dialect::Sqlite => "ROLLBACK; PRAGMA foreign_keys=ON;",
                    _ => "SELECT 1",
                });
                let now = keys
                    .iter()
                    .filter(|k| missing.contains(&k.column.as_str()))
                    .all(|k| count(conn, &k.exists).is_ok_and(|n| n > 0));
                if !now {
                    return Err(fail(
                        &format!(
                            "cannot add the foreign keys of `{}` after the load",
                            meta.name
                        ),
                        e,
                    ));
                }
                for en in entries.iter_mut().filter(|en| en.status == "added") {
                    en.status = "present".into();
                }
            }
        }
        out.extend(entries);
    }
    Ok(out)
}

fn say_adding(quiet: bool, table: &str, columns: &[&str]) {
    super::say(
        quiet,
        format!(
            "adding the foreign keys of {table} ({}) after the load",
            columns.join(", ")
        ),
    );
}

/// A query's one count.
fn count(conn: &mut dyn Conn, sql: &str) -> crate::target::DbResult<u64> {
    let rows = conn.query(sql)?;
    Ok(rows
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0))
}

/// Whether every batch of every group is committed (by any shard).
fn every_batch_in(plan: &Plan, conn: &mut dyn Conn, batch: u64) -> Result<bool> {
    let previous = conn
        .previous()
        .map_err(|e| Error::target(format!("cannot read the progress table: {e}")))?;
    Ok(plan.groups.iter().all(|g| {
        let n = plan.batches(g, batch).0.len();
        previous
            .done
            .get(&plan.metas[g.root].name)
            .map_or(n == 0, |d| d.len() >= n)
    }))
}
