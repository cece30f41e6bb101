//! MySQL's and MariaDB's catalog SQL (`target::catalog`): `information_schema`
//! for the DSN's database, a `READ ONLY` transaction on one consistent
//! snapshot, JSON keys by `JSON_KEYS` through `JSON_TABLE` (MySQL 8,
//! MariaDB 10.6). MariaDB's JSON columns are `longtext` with a `json_valid`
//! check: long text columns are tried as JSON on a sample.

use super::My;
use crate::target::ConnectError;
use crate::target::catalog::{Catalog, CatalogSql, Column, Family, not_read_only};
use std::time::Duration;

struct MyCatalog;

static SQL: MyCatalog = MyCatalog;

/// A read-only session on `dsn`.
pub(super) fn open(dsn: &str, timeout: Option<Duration>) -> Result<Catalog, ConnectError> {
    let conn = My::open(dsn, timeout)?;
    Catalog::open(Box::new(conn), &SQL).map_err(|e| not_read_only(dsn, e))
}

impl CatalogSql for MyCatalog {
    fn tables(&self) -> String {
        "SELECT table_name, table_rows FROM information_schema.tables \
         WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY 1"
            .into()
    }

    fn columns(&self) -> String {
        "SELECT table_name, column_name, column_type, is_nullable FROM information_schema.columns \
         WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position"
            .into()
    }

    fn primary_keys(&self) -> String {
        "SELECT table_name, column_name, ordinal_position FROM information_schema.key_column_usage \
         WHERE table_schema = DATABASE() AND constraint_name = 'PRIMARY' ORDER BY 1, 3"
            .into()
    }

    fn unique_columns(&self) -> String {
        "SELECT table_name, MAX(column_name) FROM information_schema.statistics \
         WHERE table_schema = DATABASE() AND non_unique = 0 AND index_name <> 'PRIMARY' \
         GROUP BY table_name, index_name HAVING COUNT(*) = 1 ORDER BY 1, 2"
            .into()
    }

    fn foreign_keys(&self) -> String {
        "SELECT constraint_name, table_name, column_name, referenced_table_name, \
         referenced_column_name, ordinal_position FROM information_schema.key_column_usage \
         WHERE table_schema = DATABASE() AND referenced_table_schema = DATABASE() \
         AND referenced_table_name IS NOT NULL ORDER BY 2, 1, 6"
            .into()
    }

    /// Read only for the session and its transaction; a table locked by DDL
    /// is waited for 30 s at most.
    fn begin(&self) -> String {
        "SET SESSION TRANSACTION READ ONLY; SET SESSION lock_wait_timeout = 30; \
         START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"
            .into()
    }

    /// utf8mb4 and one binary collation on both sides: columns of different
    /// collations compare without "Illegal mix of collations".
    fn folded(&self, expr: &str) -> String {
        format!("(LOWER(CONVERT({expr} USING utf8mb4)) COLLATE utf8mb4_bin)")
    }

    fn words(&self, a: &str, b: &str) -> String {
        format!("CONCAT({a}, ' ', {b})")
    }

    fn json_field(&self, expr: &str, key: &str) -> String {
        format!(
            "(CASE WHEN JSON_VALID({expr}) THEN JSON_UNQUOTE(JSON_EXTRACT({expr}, '$.{key}')) END)"
        )
    }

    fn is_object(&self, expr: &str) -> String {
        format!("(CASE WHEN JSON_VALID({expr}) THEN JSON_TYPE({expr}) = 'OBJECT' END)")
    }

    fn may_hold_json(&self, c: &Column) -> bool {
        let t = c.declared.to_ascii_lowercase();
        c.family == Family::Json
            || t.starts_with("longtext")
            || t.starts_with("mediumtext")
            || t == "text"
    }

    fn json_keys(&self, sample: &str) -> String {
        format!(
            "SELECT j.k, COUNT(*) FROM ({sample}) s, \
             JSON_TABLE(JSON_KEYS(CASE WHEN JSON_VALID(s.v) THEN s.v END), '$[*]' \
             COLUMNS (k VARCHAR(255) PATH '$')) AS j \
             WHERE j.k REGEXP '^[A-Za-z_][A-Za-z0-9_]{{0,63}}$' GROUP BY j.k"
        )
    }

    fn text_length(&self, expr: &str) -> String {
        format!("CHAR_LENGTH(CONVERT({expr} USING utf8mb4))")
    }

    fn position(&self, hay: &str, needle: &str) -> String {
        format!("LOCATE({needle}, {hay})")
    }

    fn is_true(&self, expr: &str) -> String {
        format!("{expr} <> 0")
    }

    fn time_literal(&self, day: &str) -> String {
        format!("'{day} 00:00:00'")
    }
}
