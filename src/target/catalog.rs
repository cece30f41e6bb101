//! Reading a live database without copying its values: the catalog (tables,
//! columns with their declared types, primary keys, single-column unique
//! keys, declared foreign keys, row estimates) and aggregate queries that run
//! inside the database (exact row counts, the overlap of one column's values
//! with another's, the keys of sampled JSON objects). Only counts and key
//! names leave the database; a failed aggregate's message is stripped of
//! anything quoted, where a server echoes a value.
//!
//! A `Catalog` is one read-only session (`Driver::catalog`): a read-only
//! transaction on one snapshot where the kind has one, a read-only handle for
//! SQLite. The SQL that differs by kind is a `CatalogSql`, one per target
//! folder (`<kind>/catalog.rs`, ARCHITECTURE.md § A target); the queries are
//! put together here.

mod stats;

pub use stats::Counts;

use super::{Conn, ConnectError, DbError, DbResult, Target, ident, reach};
use crate::error::{Error, ErrorKind, Result};
use serde::Serialize;

/// What a column holds, by its declared type (the same words across kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    Integer,
    Number,
    Text,
    Uuid,
    Json,
    Bool,
    Time,
    Binary,
    /// An undeclared (SQLite) or unknown type: compared as text.
    Other,
}

impl Family {
    /// The family of a declared type (`integer`, `character varying(255)`,
    /// `bigint(20) unsigned`, `INTEGER`, `jsonb`, `tinyint(1)`…).
    pub fn of(declared: &str) -> Family {
        let t = declared.trim().to_ascii_lowercase();
        let base = t.split(['(', ' ']).next().unwrap_or("");
        match base {
            "json" | "jsonb" => Family::Json,
            "uuid" | "uniqueidentifier" => Family::Uuid,
            "bool" | "boolean" | "bit" => Family::Bool,
            "tinyint" if t.starts_with("tinyint(1)") => Family::Bool,
            "int" | "integer" | "bigint" | "smallint" | "tinyint" | "mediumint" | "int2"
            | "int4" | "int8" | "serial" | "bigserial" | "smallserial" | "oid" => Family::Integer,
            "numeric" | "decimal" | "real" | "double" | "float" | "float4" | "float8" | "money" => {
                Family::Number
            }
            "date" | "time" | "timestamp" | "timestamptz" | "datetime" | "year" | "interval" => {
                Family::Time
            }
            "bytea" | "blob" | "binary" | "varbinary" | "tinyblob" | "mediumblob" | "longblob" => {
                Family::Binary
            }
            "text" | "varchar" | "char" | "character" | "nchar" | "nvarchar" | "citext"
            | "clob" | "string" | "tinytext" | "mediumtext" | "longtext" | "enum" | "set"
            | "name" | "bpchar" => Family::Text,
            _ if t.contains("char") || t.contains("text") || t.contains("clob") => Family::Text,
            _ if t.contains("int") && !t.contains("interval") && !t.contains("point") => {
                Family::Integer
            }
            _ => Family::Other,
        }
    }

    /// Compared as text with anything (SQLite's untyped columns included).
    pub fn is_textual(self) -> bool {
        matches!(self, Family::Text | Family::Other)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Column {
    pub name: String,
    /// The type as the database declares it.
    pub declared: String,
    pub family: Family,
    pub nullable: bool,
}

/// A declared foreign key: `columns` of its table refer to `parent_columns`
/// of `parent`, position by position.
#[derive(Debug, Clone, Serialize)]
pub struct ForeignKey {
    pub columns: Vec<String>,
    pub parent: String,
    pub parent_columns: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
    /// Columns that are unique on their own (a single-column unique key
    /// besides the primary key).
    pub unique: Vec<String>,
    pub foreign_keys: Vec<ForeignKey>,
    /// The database's own estimate of the row count, when it keeps one.
    pub rows_estimate: Option<u64>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[cfg(test)]
impl Table {
    /// A table for the unit tests of what reads a catalogue: `columns` as
    /// (name, declared type), nullable; `fks` as (column, parent), each to
    /// the parent's `id`.
    pub fn sketch(
        name: &str,
        columns: &[(&str, &str)],
        primary_key: &[&str],
        fks: &[(&str, &str)],
    ) -> Table {
        Table {
            name: name.into(),
            columns: columns
                .iter()
                .map(|(n, t)| Column {
                    name: n.to_string(),
                    declared: t.to_string(),
                    family: Family::of(t),
                    nullable: true,
                })
                .collect(),
            primary_key: primary_key.iter().map(|s| s.to_string()).collect(),
            unique: vec![],
            foreign_keys: fks
                .iter()
                .map(|(c, p)| ForeignKey {
                    columns: vec![c.to_string()],
                    parent: p.to_string(),
                    parent_columns: vec!["id".into()],
                })
                .collect(),
            rows_estimate: None,
        }
    }
}

/// The tables of the DSN's database (PostgreSQL: its current schema).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Schema {
    pub tables: Vec<Table>,
}

impl Schema {
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }
}

/// The SQL a kind of database speaks for the catalog and the aggregate
/// queries. Each catalog query returns rows of the shape its method names.
pub trait CatalogSql: Sync {
    /// (table, estimated rows or NULL) for every base table.
    fn tables(&self) -> String;
    /// (table, column, declared type, `YES`|`NO` nullable), in column order.
    fn columns(&self) -> String;
    /// (table, column, position in the key).
    fn primary_keys(&self) -> String;
    /// (table, column) of every unique key made of one column, besides the
    /// primary key.
    fn unique_columns(&self) -> String;
    /// (constraint, table, column, parent table, parent column — NULL for the
    /// parent's primary key —, position).
    fn foreign_keys(&self) -> String;
    /// Run when the session opens: read only, one snapshot.
    fn begin(&self) -> String;
    /// A failed statement aborts the transaction: each aggregate query runs
    /// inside a savepoint.
    fn savepoints(&self) -> bool {
        false
    }
    /// `expr` as lowercase text, comparable with any other such expression
    /// whatever the two columns' types and collations.
    fn folded(&self, expr: &str) -> String;
    /// `a`, a space and `b` (a first and a last name).
    fn words(&self, a: &str, b: &str) -> String;
    /// The value at `key` of the JSON object in `expr` (NULL when absent or
    /// not JSON; never an error). `key` is an identifier (`json_key`).
    fn json_field(&self, expr: &str, key: &str) -> String;
    /// A condition true when `expr` holds a JSON object (NULL or false
    /// otherwise; never an error).
    fn is_object(&self, expr: &str) -> String;
    /// Whether the values of a column of this type are worth trying as JSON:
    /// JSON by declaration, or text that may hold JSON (sampled first).
    fn may_hold_json(&self, c: &Column) -> bool;
    /// (key, objects holding it) over the JSON objects of column `v` of the
    /// derived table `sample`, for keys shaped like identifiers only
    /// (`json_key`), grouped.
    fn json_keys(&self, sample: &str) -> String;
    /// The length in characters of `expr` read as text.
    fn text_length(&self, expr: &str) -> String {
        format!("length(CAST({expr} AS TEXT))")
    }
    /// The 1-based position of `needle` (a literal) in `hay`, 0 when absent.
    fn position(&self, hay: &str, needle: &str) -> String {
        format!("instr({hay}, {needle})")
    }
    /// A condition true when the boolean (or 0/1) `expr` is true.
    fn is_true(&self, expr: &str) -> String {
        format!("{expr} IN (1, '1', 't', 'true', 'TRUE')")
    }
    /// The time `YYYY-MM-DD` (midnight, UTC), comparable with a time column.
    fn time_literal(&self, day: &str) -> String {
        format!("'{day}'")
    }
}

/// A JSON key understudy reads, names and puts into SQL: an identifier of at
/// most 64 characters (the same rule each kind's `json_keys` applies inside
/// the database).
pub fn json_key(k: &str) -> bool {
    let mut chars = k.chars();
    k.len() <= 64
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Values of one table to measure: a column, two columns as words, or one
/// key of a JSON column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Column(String),
    /// `first`, a space, `second`.
    Words(String, String),
    /// The value at a key (`json_key`) of a JSON column.
    JsonField(String, String),
}

impl Expr {
    /// How the expression reads in a report: `email`, `first_name+last_name`, `payload->email`.
    pub fn label(&self) -> String {
        match self {
            Expr::Column(c) => c.clone(),
            Expr::Words(a, b) => format!("{a}+{b}"),
            Expr::JsonField(c, k) => format!("{c}->{k}"),
        }
    }
}

/// How two sets of values are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// As they are (both integers, both UUIDs, both binary).
    Native,
    /// As lowercase text (`CatalogSql::folded`).
    Text,
}

/// How many of a column's values are found in another's, counted inside the
/// database on the first `rows` non-null rows of the column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Overlap {
    /// Non-null rows read (at most the sample).
    pub rows: u64,
    /// Distinct values among them.
    pub distinct: u64,
    /// Of those, how many the other column holds.
    pub matched: u64,
}

impl Overlap {
    /// `matched / distinct`, 0 when there is nothing to compare.
    pub fn share(&self) -> f64 {
        if self.distinct == 0 {
            0.0
        } else {
            self.matched as f64 / self.distinct as f64
        }
    }
}

/// One read-only session on a database.
pub struct Catalog {
    conn: Box<dyn Conn>,
    sql: &'static dyn CatalogSql,
}

impl Catalog {
    /// A session on `conn`, made read-only (`CatalogSql::begin`). For the
    /// kinds' `Driver::catalog`.
    pub fn open(mut conn: Box<dyn Conn>, sql: &'static dyn CatalogSql) -> DbResult<Catalog> {
        conn.batch(&sql.begin())?;
        Ok(Catalog { conn, sql })
    }

    /// The first contact with `target` for reading: a failure is final (exit
    /// 3, with the kind's hint), or exit 2 for a kind with no catalog.
    pub fn reach(target: &Target) -> Result<Catalog> {
        target
            .driver()
            .catalog(Some(reach::FIRST_CONTACT))
            .map_err(|e| match e.error.kind {
                ErrorKind::Target => {
                    Error::target(format!("{}\n  hint: {}", e.error, target.hint()))
                }
                _ => e.error,
            })
    }

    pub fn sql(&self) -> &'static dyn CatalogSql {
        self.sql
    }

    /// The tables, their columns and keys (the DSN's database; PostgreSQL:
    /// its current schema).
    pub fn schema(&mut self) -> DbResult<Schema> {
        let sql = self.sql;
        let tables = self.conn.query(&sql.tables())?;
        let columns = self.conn.query(&sql.columns())?;
        let keys = self.conn.query(&sql.primary_keys())?;
        let unique = self.conn.query(&sql.unique_columns())?;
        let fks = self.conn.query(&sql.foreign_keys())?;
        Ok(assemble(tables, columns, keys, unique, fks))
    }

    /// `SELECT count(*)` of `table`.
    pub fn count(&mut self, table: &str) -> DbResult<u64> {
        let rows = self.aggregate(&format!("SELECT count(*) FROM {}", ident(table)))?;
        Ok(number(&rows, 0))
    }

    /// How many of the distinct values of `of` (its first `rows` non-null
    /// rows) are found in `within`, compared `how`.
    pub fn overlap(
        &mut self,
        of: (&str, &Expr),
        within: (&str, &Expr),
        how: Compare,
        rows: u64,
    ) -> DbResult<Overlap> {
        let side = |(table, e): (&str, &Expr)| {
            let x = self.expr(e);
            let v = match how {
                Compare::Native => x.clone(),
                Compare::Text => self.sql.folded(&x),
            };
            (ident(table), x, v)
        };
        let (t, x, v) = side(of);
        let (ut, ux, uv) = side(within);
        let q = format!(
            "WITH s AS (SELECT {v} AS v FROM {t} WHERE {x} IS NOT NULL LIMIT {rows}), \
             d AS (SELECT DISTINCT v FROM s) \
             SELECT (SELECT count(*) FROM s), (SELECT count(*) FROM d), \
             (SELECT count(*) FROM d WHERE v IN (SELECT {uv} FROM {ut} WHERE {ux} IS NOT NULL))"
        );
        let r = self.aggregate(&q)?;
        Ok(Overlap {
            rows: number(&r, 0),
            distinct: number(&r, 1),
            matched: number(&r, 2),
        })
    }

    /// Of the first `rows` non-null values of `column`, (how many were read,
    /// how many are JSON objects).
    pub fn json_objects(&mut self, table: &str, column: &str, rows: u64) -> DbResult<(u64, u64)> {
        let q = format!(
            "SELECT count(*), sum(CASE WHEN {} THEN 1 ELSE 0 END) FROM ({}) s",
            self.sql.is_object("s.v"),
            sample(table, column, rows)
        );
        let r = self.aggregate(&q)?;
        Ok((number(&r, 0), number(&r, 1)))
    }

    /// The keys (identifiers only, `json_key`) of the JSON objects among the
    /// first `rows` non-null values of `column`, with how many objects hold
    /// each, most frequent first, at most `limit`.
    pub fn json_keys(
        &mut self,
        table: &str,
        column: &str,
        rows: u64,
        limit: u64,
    ) -> DbResult<Vec<(String, u64)>> {
        let q = format!(
            "{} ORDER BY 2 DESC, 1 LIMIT {limit}",
            self.sql.json_keys(&sample(table, column, rows))
        );
        let r = self.aggregate(&q)?;
        Ok(r.into_iter()
            .filter_map(|row| {
                let key = row.first().cloned().flatten()?;
                let n = row.get(1).cloned().flatten()?.parse().ok()?;
                json_key(&key).then_some((key, n))
            })
            .collect())
    }

    fn expr(&self, e: &Expr) -> String {
        match e {
            Expr::Column(c) => ident(c),
            Expr::Words(a, b) => self.sql.words(&ident(a), &ident(b)),
            Expr::JsonField(c, k) => self.sql.json_field(&ident(c), k),
        }
    }

    /// An aggregate query, inside a savepoint where a failure would abort
    /// the transaction; a failure's message keeps nothing quoted.
    fn aggregate(&mut self, sql: &str) -> DbResult<Vec<Vec<Option<String>>>> {
        let guarded = self.sql.savepoints();
        if guarded {
            self.conn.batch("SAVEPOINT understudy_read")?;
        }
        match self.conn.query(sql) {
            Ok(rows) => {
                if guarded {
                    self.conn.batch("RELEASE SAVEPOINT understudy_read")?;
                }
                Ok(rows)
            }
            Err(e) => {
                if guarded && !e.is_transient() {
                    self.conn.batch("ROLLBACK TO SAVEPOINT understudy_read")?;
                }
                Err(DbError {
                    class: e.class,
                    message: unquoted(&e.message),
                })
            }
        }
    }
}

/// The first `rows` non-null values of `column`, as the derived table's `v`.
fn sample(table: &str, column: &str, rows: u64) -> String {
    let c = ident(column);
    format!(
        "SELECT {c} AS v FROM {} WHERE {c} IS NOT NULL LIMIT {rows}",
        ident(table)
    )
}

/// The number in column `i` of the first row (0 for NULL).
fn number(rows: &[Vec<Option<String>>], i: usize) -> u64 {
    rows.first()
        .and_then(|r| r.get(i).cloned().flatten())
        .and_then(|s| s.split('.').next().and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// A server's message with every quoted span (`'…'`, `"…"`, `` `…` ``) and
/// every `=(…)` (PostgreSQL's `Key (col)=(value)`) replaced by `…`: servers
/// quote the value they could not read.
pub fn unquoted(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut chars = msg.chars().peekable();
    while let Some(c) = chars.next() {
        let close = match c {
            '\'' | '"' | '`' => Some(c),
            '=' if chars.peek() == Some(&'(') => {
                chars.next();
                out.push('=');
                Some(')')
            }
            _ => None,
        };
        match close {
            Some(end) => {
                out.push('…');
                for d in chars.by_ref() {
                    if d == end {
                        break;
                    }
                }
            }
            None => out.push(c),
        }
    }
    out
}

type Rows = Vec<Vec<Option<String>>>;

fn text(r: &[Option<String>], i: usize) -> String {
    r.get(i).cloned().flatten().unwrap_or_default()
}

/// The catalog queries' rows, as tables.
fn assemble(tables: Rows, columns: Rows, keys: Rows, unique: Rows, fks: Rows) -> Schema {
    let mut out: Vec<Table> = tables
        .iter()
        .map(|r| Table {
            name: text(r, 0),
            columns: Vec::new(),
            primary_key: Vec::new(),
            unique: Vec::new(),
            foreign_keys: Vec::new(),
            rows_estimate: r
                .get(1)
                .cloned()
                .flatten()
                .and_then(|s| s.split('.').next().and_then(|n| n.parse().ok())),
        })
        .collect();
    let index = |name: &str, out: &[Table]| out.iter().position(|t| t.name == name);
    for r in &columns {
        if let Some(t) = index(&text(r, 0), &out) {
            let declared = text(r, 2);
            out[t].columns.push(Column {
                name: text(r, 1),
                family: Family::of(&declared),
                declared,
                nullable: text(r, 3) != "NO",
            });
        }
    }
    let mut keyed: Vec<(usize, u64, String)> = keys
        .iter()
        .filter_map(|r| {
            let t = index(&text(r, 0), &out)?;
            Some((t, text(r, 2).parse().unwrap_or(0), text(r, 1)))
        })
        .collect();
    keyed.sort();
    for (t, _, c) in keyed {
        out[t].primary_key.push(c);
    }
    for r in &unique {
        let c = text(r, 1);
        if let Some(t) = index(&text(r, 0), &out)
            && !c.is_empty()
            && !out[t].unique.contains(&c)
        {
            out[t].unique.push(c);
        }
    }
    foreign_keys(&mut out, &fks);
    Schema { tables: out }
}

/// Foreign-key rows grouped by (table, constraint) in position order; a
/// parent column left NULL (SQLite) is the parent's primary key.
fn foreign_keys(out: &mut [Table], fks: &Rows) {
    let mut rows: Vec<(String, String, u64, String, String, Option<String>)> = fks
        .iter()
        .map(|r| {
            (
                text(r, 1),
                text(r, 0),
                text(r, 5).parse().unwrap_or(0),
                text(r, 2),
                text(r, 3),
                r.get(4).cloned().flatten(),
            )
        })
        .collect();
    rows.sort();
    let mut groups: Vec<(String, String, ForeignKey, Vec<Option<String>>)> = Vec::new();
    for (table, name, _, column, parent, parent_column) in rows {
        match groups.last_mut() {
            Some((t, n, fk, pcs)) if *t == table && *n == name => {
                fk.columns.push(column);
                pcs.push(parent_column);
            }
            _ => groups.push((
                table,
                name,
                ForeignKey {
                    columns: vec![column],
                    parent,
                    parent_columns: Vec::new(),
                },
                vec![parent_column],
            )),
        }
    }
    for (table, _, mut fk, pcs) in groups {
        let parent_key = out
            .iter()
            .find(|t| t.name == fk.parent)
            .map(|t| t.primary_key.clone())
            .unwrap_or_default();
        fk.parent_columns = pcs
            .into_iter()
            .enumerate()
            .map(|(i, c)| c.unwrap_or_else(|| parent_key.get(i).cloned().unwrap_or_default()))
            .collect();
        if let Some(t) = out.iter_mut().find(|t| t.name == table) {
            t.foreign_keys.push(fk);
        }
    }
}

/// The error of a kind whose driver has no catalog.
pub fn unsupported(kind: &str) -> ConnectError {
    ConnectError {
        error: Error::usage(format!(
            "a {kind} database cannot be read here: use a postgres://, mysql:// or sqlite: source"
        )),
        transient: false,
    }
}

/// A session on `dsn` that could not be made read-only, as a connection
/// error (the DSN's password out of it, ARCHITECTURE.md § Secrets).
pub fn not_read_only(dsn: &str, e: DbError) -> ConnectError {
    ConnectError {
        transient: e.is_transient(),
        error: Error::target(format!(
            "cannot open a read-only session on {}: {}",
            crate::redact::dsn(dsn),
            crate::redact::scrub(&e.to_string(), dsn)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_of_declared_types() {
        for (t, f) in [
            ("integer", Family::Integer),
            ("bigint(20) unsigned", Family::Integer),
            ("INTEGER", Family::Integer),
            ("int(11)", Family::Integer),
            ("tinyint(1)", Family::Bool),
            ("character varying(255)", Family::Text),
            ("varchar(64)", Family::Text),
            ("TEXT", Family::Text),
            ("longtext", Family::Text),
            ("citext", Family::Text),
            ("jsonb", Family::Json),
            ("JSON", Family::Json),
            ("uuid", Family::Uuid),
            ("timestamp with time zone", Family::Time),
            ("interval", Family::Time),
            ("numeric(10,2)", Family::Number),
            ("bytea", Family::Binary),
            ("", Family::Other),
            ("point", Family::Other),
        ] {
            assert_eq!(Family::of(t), f, "{t}");
        }
    }

    #[test]
    fn quoted_values_leave_no_trace_in_messages() {
        assert_eq!(
            unquoted(r#"invalid input syntax for type integer: "zeb@acme-internal.test""#),
            "invalid input syntax for type integer: …"
        );
        assert_eq!(
            unquoted("Truncated incorrect DOUBLE value: 'Zebediah' (MySQL error 1292)"),
            "Truncated incorrect DOUBLE value: … (MySQL error 1292)"
        );
        assert_eq!(
            unquoted("Key (email)=(zeb@acme-internal.test) already exists"),
            "Key (email)=… already exists"
        );
        assert_eq!(unquoted("unterminated 'secret"), "unterminated …");
    }

    #[test]
    fn json_keys_are_identifiers() {
        assert!(json_key("email") && json_key("_id") && json_key("userId2"));
        assert!(!json_key("zeb@acme-internal.test"));
        assert!(!json_key("first name") && !json_key("") && !json_key("1st"));
        assert!(!json_key(&"k".repeat(65)));
    }

    #[test]
    fn foreign_keys_group_by_constraint_and_default_to_the_primary_key() {
        let s = |v: &str| Some(v.to_string());
        let schema = assemble(
            vec![vec![s("users"), None], vec![s("orders"), s("12")]],
            vec![
                vec![s("users"), s("id"), s("INTEGER"), s("NO")],
                vec![s("orders"), s("a"), s("INTEGER"), s("YES")],
                vec![s("orders"), s("b"), s("INTEGER"), s("YES")],
                vec![s("views_only"), s("x"), s("INTEGER"), s("YES")],
            ],
            vec![vec![s("users"), s("id"), s("1")]],
            vec![],
            vec![
                vec![s("fk2"), s("orders"), s("b"), s("users"), None, s("1")],
                vec![s("fk1"), s("orders"), s("a"), s("users"), s("id"), s("1")],
            ],
        );
        let orders = schema.table("orders").unwrap();
        assert_eq!(orders.rows_estimate, Some(12));
        assert_eq!(orders.foreign_keys.len(), 2);
        assert_eq!(orders.foreign_keys[1].columns, ["b"]);
        assert_eq!(orders.foreign_keys[1].parent_columns, ["id"]);
        assert_eq!(schema.tables.len(), 2);
        assert_eq!(schema.table("users").unwrap().primary_key, ["id"]);
    }
}
