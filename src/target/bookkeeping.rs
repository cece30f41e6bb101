//! The bookkeeping a target keeps for exactly-once resume (ARCHITECTURE.md §
//! Exactly-once resume): a row per committed batch in `_understudy_progress`
//! and a row per refused row in `_understudy_rejects`, each written in its
//! batch's own transaction. The SQL here is what SQLite and PostgreSQL both
//! speak; the `Conn` methods of the same names call it, so a kind whose SQL
//! differs overrides them.

use super::{Conn, DbResult, ErrorClass, PROGRESS_TABLE, REJECTS_TABLE, ident, literal};
use crate::dataset::Plan;
use std::collections::{HashMap, HashSet};

/// Run parameters recorded with every batch; a resume must match them.
#[derive(Debug, Clone, PartialEq)]
pub struct RunInfo {
    pub run_id: String,
    pub profile_digest: String,
    pub seed: String,
    pub users: String,
    pub batch_rows: u64,
}

/// What earlier runs left in the target.
pub struct Previous {
    /// Each run's parameters, with the batches it committed.
    pub runs: Vec<(RunInfo, u64)>,
    /// Committed batches by root table.
    pub done: HashMap<String, HashSet<u64>>,
}

/// A row the target refused.
#[derive(Debug, Clone)]
pub struct Reject {
    /// The table, by its index in the profile.
    pub table: usize,
    pub key: String,
    pub class: ErrorClass,
    pub message: String,
    /// The row's edge-case labels.
    pub labels: Vec<String>,
    /// The batch (of its root table) the row was in: a shard keeps its own.
    pub batch: u64,
}

pub fn create<C: Conn + ?Sized>(conn: &mut C) -> DbResult<()> {
    conn.batch(&format!(
        "CREATE TABLE IF NOT EXISTS {PROGRESS_TABLE} (run_id TEXT NOT NULL, profile_digest TEXT NOT NULL, \
         seed TEXT NOT NULL, users TEXT NOT NULL, batch_rows BIGINT NOT NULL, tbl TEXT NOT NULL, \
         batch BIGINT NOT NULL, rows_loaded BIGINT NOT NULL, rows_rejected BIGINT NOT NULL, \
         committed_at TEXT NOT NULL, PRIMARY KEY (tbl, batch));
         CREATE TABLE IF NOT EXISTS {REJECTS_TABLE} (tbl TEXT NOT NULL, batch BIGINT NOT NULL, \
         row_key TEXT NOT NULL, class TEXT NOT NULL, message TEXT NOT NULL, \
         labels TEXT NOT NULL DEFAULT '');"
    ))
}

pub fn record_batch<C: Conn + ?Sized>(
    conn: &mut C,
    run: &RunInfo,
    table: &str,
    batch: u64,
    loaded: u64,
    rejected: u64,
) -> DbResult<()> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let mut at = String::new();
    crate::time::push_rfc3339(&mut at, now);
    conn.batch(&format!(
        "INSERT INTO {PROGRESS_TABLE} VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
        literal(&run.run_id),
        literal(&run.profile_digest),
        literal(&run.seed),
        literal(&run.users),
        run.batch_rows,
        literal(table),
        batch,
        loaded,
        rejected,
        literal(&at)
    ))
}

pub fn record_rejects<C: Conn + ?Sized>(
    conn: &mut C,
    plan: &Plan,
    batch: u64,
    rejects: &[Reject],
) -> DbResult<()> {
    let values: Vec<String> = rejects
        .iter()
        .map(|r| {
            format!(
                "({}, {}, {}, {}, {}, {})",
                literal(&plan.metas[r.table].name),
                batch,
                literal(&r.key),
                literal(r.class.as_str()),
                literal(&r.message.replace('\0', "")),
                literal(&r.labels.join(","))
            )
        })
        .collect();
    conn.batch(&format!(
        "INSERT INTO {REJECTS_TABLE} VALUES {}",
        values.join(", ")
    ))
}

pub fn committed<C: Conn + ?Sized>(conn: &mut C, table: &str, batch: u64) -> DbResult<bool> {
    let rows = conn.query(&format!(
        "SELECT 1 FROM {PROGRESS_TABLE} WHERE tbl = {} AND batch = {batch}",
        literal(table)
    ))?;
    Ok(!rows.is_empty())
}

pub fn previous<C: Conn + ?Sized>(conn: &mut C) -> DbResult<Previous> {
    let rows = conn.query(&format!(
        "SELECT run_id, profile_digest, seed, users, batch_rows, count(*) FROM {PROGRESS_TABLE} \
         GROUP BY run_id, profile_digest, seed, users, batch_rows"
    ))?;
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let runs = rows
        .iter()
        .map(|r| {
            (
                RunInfo {
                    run_id: s(&r[0]),
                    profile_digest: s(&r[1]),
                    seed: s(&r[2]),
                    users: s(&r[3]),
                    batch_rows: s(&r[4]).parse().unwrap_or(0),
                },
                s(&r[5]).parse().unwrap_or(0),
            )
        })
        .collect();
    let mut done: HashMap<String, HashSet<u64>> = HashMap::new();
    for r in conn.query(&format!("SELECT tbl, batch FROM {PROGRESS_TABLE}"))? {
        done.entry(s(&r[0]))
            .or_default()
            .insert(s(&r[1]).parse().unwrap_or(0));
    }
    Ok(Previous { runs, done })
}

pub fn recorded_rejects<C: Conn + ?Sized>(conn: &mut C, plan: &Plan) -> DbResult<Vec<Reject>> {
    let rows = conn.query(&format!(
        "SELECT tbl, row_key, class, message, labels, batch FROM {REJECTS_TABLE} ORDER BY tbl, batch, row_key"
    ))?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let t = plan.profile.table_index(r[0].as_deref()?)?;
            let class = ErrorClass::named(r[2].as_deref()?);
            Some(Reject {
                table: t,
                key: r[1].clone()?,
                class,
                message: r[3].clone().unwrap_or_default(),
                labels: r[4]
                    .as_deref()
                    .unwrap_or("")
                    .split(',')
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect(),
                batch: r[5].as_deref().and_then(|b| b.parse().ok()).unwrap_or(0),
            })
        })
        .collect())
}

pub fn row_counts<C: Conn + ?Sized>(conn: &mut C, plan: &Plan) -> DbResult<Vec<u64>> {
    plan.metas
        .iter()
        .map(|m| {
            let r = conn.query(&format!("SELECT count(*) FROM {}", ident(&m.name)))?;
            Ok(r.first()
                .and_then(|r| r[0].as_deref())
                .and_then(|s| s.parse().ok())
                .unwrap_or(0))
        })
        .collect()
}
