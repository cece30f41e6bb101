//! PostgreSQL's catalog SQL (`target::catalog`): `pg_catalog` for the
//! tables of the current schema (partitions counted in their parent), a
//! `REPEATABLE READ READ ONLY` transaction, a savepoint around each
//! aggregate query (a failed statement aborts the transaction), JSON keys by
//! `jsonb_object_keys`.

use super::Pg;
use crate::target::ConnectError;
use crate::target::catalog::{Catalog, CatalogSql, Column, Family, not_read_only};
use crate::target::literal;
use std::time::Duration;

struct PgCatalog;

static SQL: PgCatalog = PgCatalog;

/// A read-only session on `dsn`.
pub(super) fn open(dsn: &str, timeout: Option<Duration>) -> Result<Catalog, ConnectError> {
    let conn = Pg::open(dsn, timeout)?;
    Catalog::open(Box::new(conn), &SQL).map_err(|e| not_read_only(dsn, e))
}

impl CatalogSql for PgCatalog {
    fn tables(&self) -> String {
        "SELECT c.relname, CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint END \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition \
         ORDER BY 1"
            .into()
    }

    fn columns(&self) -> String {
        "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), \
         CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition \
         ORDER BY c.relname, a.attnum"
            .into()
    }

    fn primary_keys(&self) -> String {
        "SELECT c.relname, a.attname, k.ord FROM pg_constraint con \
         JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(att, ord) \
         JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.att \
         WHERE con.contype = 'p' AND n.nspname = current_schema() AND NOT c.relispartition \
         ORDER BY 1, 3"
            .into()
    }

    fn unique_columns(&self) -> String {
        "SELECT c.relname, a.attname FROM pg_index i \
         JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] \
         WHERE i.indisunique AND NOT i.indisprimary AND i.indnkeyatts = 1 \
         AND i.indpred IS NULL AND i.indexprs IS NULL \
         AND n.nspname = current_schema() AND NOT c.relispartition ORDER BY 1, 2"
            .into()
    }

    fn foreign_keys(&self) -> String {
        "SELECT con.conname, c.relname, a.attname, p.relname, pa.attname, k.ord \
         FROM pg_constraint con \
         JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_class p ON p.oid = con.confrelid \
         CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(att, patt, ord) \
         JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.att \
         JOIN pg_attribute pa ON pa.attrelid = con.confrelid AND pa.attnum = k.patt \
         WHERE con.contype = 'f' AND con.conparentid = 0 AND n.nspname = current_schema() \
         AND p.relnamespace = c.relnamespace AND NOT c.relispartition \
         ORDER BY 2, 1, 6"
            .into()
    }

    /// Read only for the session and its one transaction; a table locked by
    /// DDL is waited for 30 s at most. Scans start at a table's first block
    /// in one process (no synchronized or parallel scans), so "the first
    /// rows" sampled are the same rows at every run.
    fn begin(&self) -> String {
        "SET default_transaction_read_only = on; SET lock_timeout = '30s'; \
         SET synchronize_seqscans = off; SET max_parallel_workers_per_gather = 0; \
         BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
            .into()
    }

    fn savepoints(&self) -> bool {
        true
    }

    fn folded(&self, expr: &str) -> String {
        format!("lower(CAST({expr} AS text))")
    }

    fn words(&self, a: &str, b: &str) -> String {
        format!("(CAST({a} AS text) || ' ' || CAST({b} AS text))")
    }

    fn json_field(&self, expr: &str, key: &str) -> String {
        format!("(CAST({expr} AS jsonb) ->> {})", literal(key))
    }

    fn is_object(&self, expr: &str) -> String {
        format!("jsonb_typeof(CAST({expr} AS jsonb)) = 'object'")
    }

    /// `json` and `jsonb` columns (text is not tried: a cast of text that
    /// is not JSON fails the query).
    fn may_hold_json(&self, c: &Column) -> bool {
        c.family == Family::Json
    }

    fn json_keys(&self, sample: &str) -> String {
        format!(
            "SELECT k, count(*) FROM ({sample}) s CROSS JOIN LATERAL jsonb_object_keys(\
             CASE WHEN jsonb_typeof(CAST(s.v AS jsonb)) = 'object' THEN CAST(s.v AS jsonb) END) AS k \
             WHERE k ~ '^[A-Za-z_][A-Za-z0-9_]{{0,63}}$' GROUP BY k"
        )
    }

    fn text_length(&self, expr: &str) -> String {
        format!("char_length(CAST({expr} AS text))")
    }

    fn position(&self, hay: &str, needle: &str) -> String {
        format!("strpos({hay}, {needle})")
    }

    fn is_true(&self, expr: &str) -> String {
        format!("CAST(CAST({expr} AS text) AS boolean)")
    }

    fn time_literal(&self, day: &str) -> String {
        format!("'{day}T00:00:00Z'")
    }
}
