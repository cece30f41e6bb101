//! Output formats: one file per format behind one trait (LDIF: a folder). A format renders
//! `RowBuf`s into bytes; the generator's writer owns files and ordering.

pub mod csv;
pub mod encoding;
pub mod jsonl;
pub mod ldif;
pub mod sql;

use crate::generator::table::Gen;
use crate::profile::{Kind, Profile, SqlType};
use crate::row::RowBuf;
use serde::Serialize;

pub use csv::push_field as csv_field;
pub use encoding::Encoding;
pub use sql::Dialect;

/// What a format needs to know about a table.
#[derive(Debug, Clone)]
pub struct TableMeta {
    pub name: String,
    pub columns: Vec<ColumnMeta>,
    pub primary_key: Vec<String>,
    pub foreign_keys: Vec<ForeignKey>,
}

#[derive(Debug, Clone)]
pub struct ColumnMeta {
    pub name: String,
    pub sql: SqlType,
    pub unique: bool,
    pub nullable: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ForeignKey {
    pub column: String,
    pub references_table: String,
    pub references_column: String,
    /// The referenced table is in the same root table's tree (the table
    /// itself included): a batch may name a row of a batch not loaded yet,
    /// so a rehearsal adds this key after the load (ARCHITECTURE.md §
    /// Foreign keys after the load).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub late: bool,
}

impl TableMeta {
    /// Metadata for every table of `profile`, in load order; key columns take
    /// the type of the key they reference.
    pub fn all(profile: &Profile) -> Vec<TableMeta> {
        let root = |mut t: usize| {
            while let crate::profile::Size::PerParent { parent, .. } = profile.tables[t].size {
                t = parent;
            }
            t
        };
        let key_type = |t: usize| {
            let tb = &profile.tables[t];
            tb.columns[tb.primary_key[0]].kind.sql_type()
        };
        profile
            .tables
            .iter()
            .enumerate()
            .map(|(ti, t)| {
                let mut foreign_keys = Vec::new();
                let columns = t
                    .columns
                    .iter()
                    .map(|c| {
                        let target = match (&c.kind, &t.size) {
                            (Kind::Parent, crate::profile::Size::PerParent { parent, .. }) => {
                                Some((*parent, false))
                            }
                            (Kind::Reference { table, .. }, _) => {
                                Some((*table, root(*table) == root(ti)))
                            }
                            _ => None,
                        };
                        let sql = match target {
                            Some((to, late)) => {
                                let tt = &profile.tables[to];
                                foreign_keys.push(ForeignKey {
                                    column: c.name.clone(),
                                    references_table: tt.name.clone(),
                                    references_column: tt.columns[tt.primary_key[0]].name.clone(),
                                    late,
                                });
                                key_type(to)
                            }
                            None => c.kind.sql_type(),
                        };
                        ColumnMeta {
                            name: c.name.clone(),
                            sql,
                            unique: matches!(c.kind, Kind::Email | Kind::Username),
                            nullable: c.null_rate > 0.0,
                        }
                    })
                    .collect();
                TableMeta {
                    name: t.name.clone(),
                    columns,
                    primary_key: t
                        .primary_key
                        .iter()
                        .map(|&i| t.columns[i].name.clone())
                        .collect(),
                    foreign_keys,
                }
            })
            .collect()
    }
}

/// The bytes a field is written as: its UTF-8, except `Cp1252` fields
/// (`file.mixed-encoding`), written as windows-1252 on purpose.
pub fn field_bytes(kind: crate::row::FieldKind, s: &str) -> std::borrow::Cow<'_, [u8]> {
    match kind {
        crate::row::FieldKind::Cp1252 => encoding_rs::WINDOWS_1252.encode(s).0,
        _ => std::borrow::Cow::Borrowed(s.as_bytes()),
    }
}

pub trait Format: Send + Sync {
    fn name(&self) -> &'static str;
    fn extension(&self) -> &'static str;
    /// Written once at the top of each table's file.
    fn header(&self, _t: &TableMeta, _out: &mut Vec<u8>) {}
    /// `nth` is the row's position within the current chunk of rows.
    fn row(&self, t: &TableMeta, row: &RowBuf, nth: usize, out: &mut Vec<u8>);
    /// After the last row of a chunk of `n` rows.
    fn end_chunk(&self, _t: &TableMeta, _n: usize, _out: &mut Vec<u8>) {}
    /// Written once at the end of each table's file.
    fn footer(&self, _t: &TableMeta, _out: &mut Vec<u8>) {}
    /// Whether the table gets a file (LDIF writes only the directory's tables).
    fn writes(&self, _t: &TableMeta) -> bool {
        true
    }
    /// Why this row cannot be written, as (column, reason), when it cannot;
    /// `labels` are the row's edge cases as (column, label). The row is then
    /// set aside like an unrepresentable one.
    fn refuse(
        &self,
        _t: &TableMeta,
        _row: &RowBuf,
        _labels: &[(usize, &str)],
    ) -> Option<(usize, String)> {
        None
    }
    /// Whether the table's rendered rows are a spill that `collate` turns
    /// into the file once every row is written (LDIF groups gather their
    /// members from the whole join table).
    fn collates(&self, _t: &TableMeta) -> bool {
        false
    }
    /// Writes the table's file from its spill (`scratch`: a directory for
    /// temporary files on the output's disk).
    fn collate(
        &self,
        _t: &TableMeta,
        _g: &Gen,
        _spill: &mut std::fs::File,
        _out: &mut dyn std::io::Write,
        _scratch: &std::path::Path,
    ) -> std::io::Result<()> {
        Ok(())
    }
}

/// What formats need besides the rows.
pub struct FormatSpec<'a> {
    pub dialect: Dialect,
    /// The profile (LDIF lays its users out as a directory).
    pub profile: &'a Profile,
    /// LDIF: fold lines longer than this (0: never).
    pub wrap: usize,
    /// Shard 1 of N (or unsharded): LDIF writes its base entries there only.
    pub first_shard: bool,
}

/// `--format` values; `Err` when the profile cannot be written in the format.
pub fn format(name: &str, spec: &FormatSpec) -> Result<Option<Box<dyn Format>>, String> {
    Ok(match name {
        "csv" => Some(Box::new(csv::Csv)),
        "jsonl" => Some(Box::new(jsonl::Jsonl)),
        "sql" => Some(Box::new(sql::Sql(spec.dialect))),
        "ldif" => Some(Box::new(ldif::Ldif::new(
            spec.profile,
            spec.wrap,
            spec.first_shard,
        )?)),
        _ => None,
    })
}

pub const FORMATS: &[&str] = &["csv", "jsonl", "sql", "ldif"];

/// MySQL's `TEXT` holds at most this many bytes.
pub const MYSQL_TEXT_BYTES: usize = 65_535;

/// Why a value cannot be written faithfully to this output, if it cannot.
/// `sql` is the column's type: a SQL script must load into the table it
/// creates, so a value longer than the column holds is set aside too.
pub fn unrepresentable(
    format: &str,
    dialect: Dialect,
    encoding: Encoding,
    sql: Option<SqlType>,
    s: &str,
) -> Option<String> {
    if let Some(c) = encoding.unrepresentable(s) {
        return Some(format!("U+{:04X} has no {encoding:?} encoding", c as u32));
    }
    if format != "sql" {
        return None;
    }
    if dialect == Dialect::Postgres && s.contains('\0') {
        return Some("PostgreSQL text cannot hold NUL (U+0000)".into());
    }
    // SQLite's TEXT has no length limit; PostgreSQL and MySQL count
    // characters against VARCHAR(n), MySQL bytes against TEXT.
    match (dialect, sql) {
        (Dialect::Postgres | Dialect::Mysql, Some(SqlType::Varchar(n)))
            if s.len() > n as usize && s.chars().count() > n as usize =>
        {
            Some(format!(
                "{} characters: longer than the column's VARCHAR({n})",
                s.chars().count()
            ))
        }
        (Dialect::Mysql, Some(SqlType::Text)) if s.len() > MYSQL_TEXT_BYTES => Some(format!(
            "{} bytes: longer than MySQL TEXT ({MYSQL_TEXT_BYTES} bytes)",
            s.len()
        )),
        _ => None,
    }
}
