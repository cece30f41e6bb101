//! SQLite's catalog SQL (`target::catalog`): `sqlite_schema` and the
//! table-valued pragmas, a file opened read-only (`SQLITE_OPEN_READ_ONLY`,
//! `query_only`: no journal-mode change, no file created) in one read
//! transaction, JSON keys by `json_each`. Untyped and text columns are tried
//! as JSON on a sample.

use super::Sqlite;
use crate::error::Error;
use crate::target::ConnectError;
use crate::target::catalog::{Catalog, CatalogSql, Column, Family, not_read_only};
use std::path::Path;

struct SqliteCatalog;

static SQL: SqliteCatalog = SqliteCatalog;

/// A read-only session on the database file at `path`, which must exist.
pub(super) fn open(path: &Path) -> Result<Catalog, ConnectError> {
    let name = format!("sqlite:{}", path.display());
    let fail = |why: String| ConnectError {
        error: Error::target(format!("cannot read {name}: {why}")),
        transient: false,
    };
    if !path.is_file() {
        return Err(fail("no such file".into()));
    }
    use rusqlite::OpenFlags;
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| fail(e.to_string()))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(|e| fail(e.to_string()))?;
    Catalog::open(Box::new(Sqlite { conn }), &SQL).map_err(|e| not_read_only(&name, e))
}

/// Every table but SQLite's own.
const TABLES: &str =
    "sqlite_schema m WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";

impl CatalogSql for SqliteCatalog {
    fn tables(&self) -> String {
        format!("SELECT m.name, NULL FROM {TABLES} ORDER BY 1")
    }

    fn columns(&self) -> String {
        format!(
            "SELECT m.name, p.name, p.type, CASE WHEN p.\"notnull\" = 1 THEN 'NO' ELSE 'YES' END \
             FROM {} ORDER BY m.name, p.cid",
            TABLES.replacen(" m WHERE", " m JOIN pragma_table_info(m.name) p WHERE", 1)
        )
    }

    fn primary_keys(&self) -> String {
        format!(
            "SELECT m.name, p.name, p.pk FROM {} AND p.pk > 0 ORDER BY 1, 3",
            TABLES.replacen(" m WHERE", " m JOIN pragma_table_info(m.name) p WHERE", 1)
        )
    }

    fn unique_columns(&self) -> String {
        format!(
            "SELECT m.name, min(ii.name) FROM {} AND il.\"unique\" = 1 AND il.origin <> 'pk' \
             AND il.partial = 0 GROUP BY m.name, il.name HAVING count(*) = 1 ORDER BY 1, 2",
            TABLES.replacen(
                " m WHERE",
                " m JOIN pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii WHERE",
                1
            )
        )
    }

    fn foreign_keys(&self) -> String {
        format!(
            "SELECT m.name || '#' || f.id, m.name, f.\"from\", f.\"table\", f.\"to\", f.seq \
             FROM {} ORDER BY 2, f.id, 6",
            TABLES.replacen(
                " m WHERE",
                " m JOIN pragma_foreign_key_list(m.name) f WHERE",
                1
            )
        )
    }

    fn begin(&self) -> String {
        "PRAGMA query_only = 1; BEGIN".into()
    }

    fn folded(&self, expr: &str) -> String {
        format!("lower(CAST({expr} AS TEXT))")
    }

    fn words(&self, a: &str, b: &str) -> String {
        format!("({a} || ' ' || {b})")
    }

    fn json_field(&self, expr: &str, key: &str) -> String {
        format!("(CASE WHEN json_valid({expr}) THEN json_extract({expr}, '$.{key}') END)")
    }

    fn is_object(&self, expr: &str) -> String {
        format!("(CASE WHEN json_valid({expr}) THEN json_type({expr}) = 'object' END)")
    }

    fn may_hold_json(&self, c: &Column) -> bool {
        matches!(c.family, Family::Json | Family::Text | Family::Other)
    }

    fn json_keys(&self, sample: &str) -> String {
        format!(
            "SELECT j.key, count(*) FROM ({sample}) s, json_each(CASE WHEN json_valid(s.v) THEN \
             CASE WHEN json_type(s.v) = 'object' THEN s.v END END) j \
             WHERE length(j.key) BETWEEN 1 AND 64 AND j.key GLOB '[A-Za-z_]*' \
             AND j.key NOT GLOB '*[^A-Za-z0-9_]*' GROUP BY j.key"
        )
    }
}
