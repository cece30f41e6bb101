//! Preparing a target: the profile's tables created (or `--schema` applied),
//! the bookkeeping tables beside them, and the target's columns read back.

use super::Plan;
use crate::error::{Error, Result};
use crate::profile::SqlType;
use crate::row::FieldKind;
use crate::target::{Conn, DbError, DbResult, LoadTable, schema};

/// The target's side of each profile table: which columns exist and under
/// which names.
#[derive(Debug, Clone)]
pub struct TargetTables {
    pub load: Vec<LoadTable>,
    /// Per profile table, per profile column: the target's declared type, if present.
    pub declared: Vec<Vec<Option<String>>>,
    pub missing_columns: Vec<String>,
    pub renamed_columns: Vec<String>,
    /// What preparing the target left out, for the terminal.
    pub notes: Vec<String>,
}

/// The kind a column's values have in the canonical row (for digests).
pub fn column_kind(t: SqlType) -> FieldKind {
    match t {
        SqlType::BigInt => FieldKind::Int,
        SqlType::Bool => FieldKind::Bool,
        SqlType::Timestamp => FieldKind::Timestamp,
        SqlType::Json => FieldKind::Json,
        _ => FieldKind::Text,
    }
}

/// A column's name in the target: `--map` `old=new` or `table.old=new`.
pub fn mapped<'a>(maps: &'a [(String, String)], table: &str, col: &'a str) -> &'a str {
    for (old, new) in maps {
        if old == col || old.split_once('.') == Some((table, col)) {
            return new;
        }
    }
    col
}

/// Creates the profile's tables (or applies `--schema`), creates the
/// bookkeeping tables, and reads back which columns the target has. Inside
/// the caller's transaction: a refusal leaves the target as it was.
pub fn prepare_target(
    conn: &mut dyn Conn,
    plan: &Plan,
    schema: Option<&schema::SchemaFile>,
    no_create: bool,
    maps: &[(String, String)],
    redacted: &str,
) -> Result<TargetTables> {
    let dialect = conn.dialect();
    let fail = |what: &str, e: DbError| Error::target(format!("{what} on {redacted}: {e}"));
    let order = plan.tables_in_order();
    let mut notes = Vec::new();
    // The profile's tables the target had before this run (without --schema
    // or --no-create): a refusal below says they are someone else's.
    let mut existing = Vec::new();
    if let Some(file) = schema {
        let any_exists = order
            .iter()
            .map(|&t| conn.columns(&plan.metas[t].name))
            .collect::<DbResult<Vec<_>>>()
            .map_err(|e| fail("cannot read the catalog", e))?
            .iter()
            .any(Option::is_some);
        if !any_exists {
            for s in file.apply(conn)? {
                notes.push(format!(
                    "--schema {}, line {}: left out `{}`: this server does not know the parameter",
                    file.path.display(),
                    s.line,
                    s.sql
                ));
            }
            // Tables created in another schema than the connection's are not
            // found by name: say where they went and how to get there.
            for &t in &order {
                let name = &plan.metas[t].name;
                if let Some(q) = file.qualifier_of(name)
                    && conn
                        .columns(name)
                        .map_err(|e| fail("cannot read the catalog", e))?
                        .is_none()
                {
                    return Err(Error::usage(format!(
                        "--schema {} creates {q}.{name}, outside the schema understudy loads into \
                         (the connection's current schema): put {q} first in the search path, \
                         e.g. --target 'postgres://…/db?options=-csearch_path%3D{q}'",
                        file.path.display()
                    )));
                }
            }
        }
    } else if !no_create {
        for &t in &order {
            let name = &plan.metas[t].name;
            if conn
                .columns(name)
                .map_err(|e| fail("cannot read the catalog", e))?
                .is_some()
            {
                existing.push(name.as_str());
            }
        }
        let mut ddl = String::new();
        for &t in &order {
            ddl.push_str(&crate::sink::sql::create_table(dialect, &plan.metas[t]));
        }
        conn.batch(&ddl).map_err(|e| {
            if e.is_transient() || existing.is_empty() {
                fail("cannot create the profile's tables", e)
            } else {
                // Reachable, but tables already there conflict with the profile's.
                Error::usage(format!(
                    "cannot create the profile's tables on {redacted}: {}\n  \
                     it already has tables by those names ({}): start from an empty database, \
                     or describe yours with --schema/--no-create (and --map)",
                    e.message,
                    existing.join(", ")
                ))
            }
        })?;
    }
    conn.create_bookkeeping()
        .map_err(|e| fail("cannot create the progress table", e))?;
    let mut tables = read_target_tables(conn, plan, maps, redacted).map_err(|mut e| {
        if e.kind == crate::error::ErrorKind::Usage && !existing.is_empty() {
            e.message.push_str(&format!(
                "\n  {redacted} already had tables by the profile's names ({}): start from an empty \
                 database, or describe yours with --schema/--no-create (and --map)",
                existing.join(", ")
            ));
        }
        e
    })?;
    tables.notes = notes;
    Ok(tables)
}

pub fn read_target_tables(
    conn: &mut dyn Conn,
    plan: &Plan,
    maps: &[(String, String)],
    redacted: &str,
) -> Result<TargetTables> {
    let mut load = Vec::new();
    let mut declared = Vec::new();
    let mut missing_columns = Vec::new();
    let mut renamed_columns = Vec::new();
    for m in &plan.metas {
        let cols = conn
            .columns(&m.name)
            .map_err(|e| Error::target(format!("cannot read the catalog of {redacted}: {e}")))?
            .ok_or_else(|| {
                Error::usage(format!(
                    "table `{}` does not exist in {redacted} (with --no-create or --schema, the target must have the profile's tables)",
                    m.name
                ))
            })?;
        let mut lt = LoadTable {
            name: m.name.clone(),
            columns: Vec::new(),
        };
        let mut decl = Vec::new();
        for (i, c) in m.columns.iter().enumerate() {
            let want = mapped(maps, &m.name, &c.name);
            let found = cols
                .iter()
                .find(|(n, _)| n == want)
                .or_else(|| cols.iter().find(|(n, _)| n.eq_ignore_ascii_case(want)));
            match found {
                Some((n, ty)) => {
                    if n != &c.name {
                        renamed_columns.push(format!("{}.{} → {}", m.name, c.name, n));
                    }
                    lt.columns.push((i, n.clone()));
                    decl.push(Some(ty.to_ascii_lowercase()));
                }
                None => {
                    if m.primary_key.contains(&c.name) {
                        return Err(Error::usage(format!(
                            "primary-key column {}.{} is not in the target: map it with --map {}=NEW_NAME",
                            m.name, c.name, c.name
                        )));
                    }
                    missing_columns.push(format!("{}.{}", m.name, c.name));
                    decl.push(None);
                }
            }
        }
        load.push(lt);
        declared.push(decl);
    }
    Ok(TargetTables {
        load,
        declared,
        missing_columns,
        renamed_columns,
        notes: Vec::new(),
    })
}
