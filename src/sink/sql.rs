//! SQL scripts that create a table and load it: PostgreSQL `COPY … FROM stdin`
//! (text format), or multi-row `INSERT`s for MySQL and SQLite.

use super::{Format, TableMeta};
use crate::profile::SqlType;
use crate::row::{FieldKind, RowBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    Mysql,
    Sqlite,
}

impl std::str::FromStr for Dialect {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "postgres" | "postgresql" => Ok(Dialect::Postgres),
            "mysql" => Ok(Dialect::Mysql),
            "sqlite" => Ok(Dialect::Sqlite),
            o => Err(format!(
                "unknown SQL dialect `{o}`: use postgres, mysql or sqlite"
            )),
        }
    }
}

/// Rows per INSERT statement (MySQL and SQLite).
const ROWS_PER_INSERT: usize = 500;

/// A row this large starts its own INSERT statement, so a statement stays
/// well under MySQL's default `max_allowed_packet` (16 MiB) whatever the
/// values: at most one such row plus 499 smaller ones.
const BIG_ROW_BYTES: usize = 16 * 1024;

pub struct Sql(pub Dialect);

pub fn quote_ident(d: Dialect, name: &str) -> String {
    match d {
        Dialect::Mysql => format!("`{}`", name.replace('`', "``")),
        _ => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

pub fn column_type(d: Dialect, t: SqlType) -> String {
    use Dialect::*;
    match (d, t) {
        (Postgres, SqlType::Uuid) => "uuid".into(),
        (Mysql, SqlType::Uuid) => "CHAR(36)".into(),
        (
            Sqlite,
            SqlType::Uuid
            | SqlType::Varchar(_)
            | SqlType::Text
            | SqlType::Json
            | SqlType::Timestamp,
        ) => "TEXT".into(),
        (Sqlite, SqlType::BigInt) => "INTEGER".into(),
        (Sqlite, SqlType::Bool) => "BOOLEAN".into(),
        (_, SqlType::BigInt) => "BIGINT".into(),
        (Postgres, SqlType::Timestamp) => "timestamptz".into(),
        (Mysql, SqlType::Timestamp) => "DATETIME".into(),
        (_, SqlType::Bool) => "BOOLEAN".into(),
        (Postgres, SqlType::Json) => "jsonb".into(),
        (Mysql, SqlType::Json) => "JSON".into(),
        (_, SqlType::Varchar(n)) => format!("VARCHAR({n})"),
        (_, SqlType::Text) => "TEXT".into(),
        (_, SqlType::Key) => "TEXT".into(),
    }
}

/// Where a `late` foreign key (ARCHITECTURE.md § Foreign keys after the
/// load) goes in a `CREATE TABLE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Late {
    /// Left out: a rehearsal adds it after the load (`late_keys`).
    Skip,
    /// In a `generate` file, which holds the whole table after the tables it
    /// references: inline, except a self-reference, which must wait for the
    /// table's later rows: PostgreSQL's one `COPY` checks it at its end,
    /// SQLite's `DEFERRABLE INITIALLY DEFERRED` at the file's `COMMIT`, and
    /// MySQL's is added by the file's footer.
    File,
    /// Inline (SQLite's copy of a loaded table with its keys).
    Inline,
}

/// `CREATE TABLE` with primary key, unique columns and foreign keys, less
/// the late ones (added after the load: `late_keys`).
pub fn create_table(d: Dialect, t: &TableMeta) -> String {
    create_table_with(d, t, false, Late::Skip).table
}

/// A table created without its unique indexes, and the statements that add
/// them (and its foreign keys) back. Rows then load as plain appends, and
/// each index is built afterwards by one sort: `estimate` fills scratch
/// copies to a production size this way, far faster than a load.
pub struct Deferred {
    /// `CREATE TABLE`: SQLite keeps its rowid key and its foreign keys
    /// (unchecked until `PRAGMA foreign_keys=ON`); PostgreSQL and MySQL keep
    /// neither.
    pub table: String,
    /// The unique indexes (primary key, UNIQUE columns); MySQL: one `ALTER
    /// TABLE` per table, so InnoDB rebuilds it around its primary key once.
    pub keys: Vec<String>,
    /// PostgreSQL and MySQL: the foreign keys, after every table's keys.
    /// PostgreSQL's are `NOT VALID` (rows already in are not re-checked, new
    /// rows are); MySQL's are added with `foreign_key_checks` off, beside the
    /// index InnoDB would have made for the column.
    pub foreign_keys: Vec<String>,
    /// PostgreSQL and MySQL: removes `foreign_keys`, then `keys`, to append
    /// more rows.
    pub drop_foreign_keys: Vec<String>,
    pub drop_keys: Vec<String>,
}

pub fn create_table_deferred(d: Dialect, t: &TableMeta) -> Deferred {
    create_table_with(d, t, true, Late::Skip)
}

/// A server-wide setting that `Deferred::keys`' sorted index builds need
/// and no table or session option gives, as the statements that set it and
/// put it back, run on one connection around the builds: MySQL's
/// `innodb_fill_factor` (global only) at 70 %, about what random inserts
/// leave (PostgreSQL's is the indexes' own `fillfactor`). With InnoDB's
/// default (100, pages built full) nearly every page splits at the first
/// insert.
pub fn index_build_setting(d: Dialect) -> Option<(&'static str, &'static str)> {
    match d {
        Dialect::Mysql => Some((
            "SET @understudy_fill_factor = @@GLOBAL.innodb_fill_factor; SET GLOBAL innodb_fill_factor = 70",
            "SET GLOBAL innodb_fill_factor = @understudy_fill_factor",
        )),
        _ => None,
    }
}

fn create_table_with(d: Dialect, t: &TableMeta, defer: bool, late: Late) -> Deferred {
    let cols = |names: &[String]| {
        names
            .iter()
            .map(|n| quote_ident(d, n))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let table = quote_ident(d, &t.name);
    // (columns, primary) of each unique index, when deferred.
    let mut deferred: Vec<(Vec<String>, bool)> = Vec::new();
    let mut lines: Vec<String> = t
        .columns
        .iter()
        .map(|c| {
            let mut s = format!("  {} {}", quote_ident(d, &c.name), column_type(d, c.sql));
            if !c.nullable {
                s.push_str(" NOT NULL");
            }
            if c.unique && defer {
                deferred.push((vec![c.name.clone()], false));
            } else if c.unique {
                s.push_str(" UNIQUE");
            }
            s
        })
        .collect();
    // A single INTEGER key is SQLite's rowid: no index to defer.
    let rowid = d == Dialect::Sqlite
        && matches!(t.primary_key.as_slice(), [k] if t
            .columns
            .iter()
            .any(|c| &c.name == k && column_type(d, c.sql) == "INTEGER"));
    if defer && !rowid {
        deferred.push((t.primary_key.clone(), true));
    } else {
        lines.push(format!("  PRIMARY KEY ({})", cols(&t.primary_key)));
    }
    let (keys, drop_keys) = deferred_keys(d, t, &deferred);
    let mut foreign_keys = Vec::new();
    let mut drop_foreign_keys = Vec::new();
    for fk in &t.foreign_keys {
        let mut clause = fk_clause(d, fk);
        let own = fk.references_table == t.name;
        if fk.late {
            match (late, d) {
                (Late::Skip, _) => continue,
                (Late::File, Dialect::Mysql) if own => continue,
                (Late::File, Dialect::Sqlite) if own => {
                    clause.push_str(" DEFERRABLE INITIALLY DEFERRED")
                }
                _ => {}
            }
        }
        let name = fk_name(d, t, fk);
        match d {
            Dialect::Postgres if defer => {
                foreign_keys.push(format!(
                    "ALTER TABLE {table} ADD CONSTRAINT {name} {clause} NOT VALID;\n"
                ));
                drop_foreign_keys.push(format!("ALTER TABLE {table} DROP CONSTRAINT {name};\n"));
            }
            Dialect::Mysql if defer => {
                // InnoDB indexes a foreign key's column unless an index
                // already starts with it: the same index, made explicitly
                // so that it can be dropped again.
                let indexed = t.primary_key.first() == Some(&fk.column)
                    || t.columns.iter().any(|c| c.unique && c.name == fk.column);
                let index = if indexed {
                    String::new()
                } else {
                    format!("ADD INDEX {name} ({}), ", quote_ident(d, &fk.column))
                };
                foreign_keys.push(format!(
                    "SET foreign_key_checks = 0;\nALTER TABLE {table} {index}ADD CONSTRAINT {name} {clause};\nSET foreign_key_checks = 1;\n"
                ));
                let mut drop = format!("ALTER TABLE {table} DROP FOREIGN KEY {name};\n");
                if !indexed {
                    drop.push_str(&format!("ALTER TABLE {table} DROP INDEX {name};\n"));
                }
                drop_foreign_keys.push(drop);
            }
            _ => lines.push(format!("  {clause}")),
        }
    }
    let engine = if d == Dialect::Mysql {
        // Binary collation: UNIQUE compares bytes, as PostgreSQL and SQLite
        // do, so a labelled case- or NFD-variant is a second user, not a
        // duplicate key (MySQL's default collations fold case and accents).
        " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
    } else {
        ""
    };
    Deferred {
        table: format!(
            "CREATE TABLE IF NOT EXISTS {table} (\n{}\n){engine};\n",
            lines.join(",\n")
        ),
        keys,
        foreign_keys,
        drop_foreign_keys,
        drop_keys,
    }
}

fn fk_clause(d: Dialect, fk: &super::ForeignKey) -> String {
    format!(
        "FOREIGN KEY ({}) REFERENCES {} ({})",
        quote_ident(d, &fk.column),
        quote_ident(d, &fk.references_table),
        quote_ident(d, &fk.references_column)
    )
}

fn fk_name(d: Dialect, t: &TableMeta, fk: &super::ForeignKey) -> String {
    quote_ident(d, &format!("{}_{}_fkey", t.name, fk.column))
}

/// A SQL string literal.
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A late foreign key of a table (ARCHITECTURE.md § Foreign keys after the
/// load) and the queries a rehearsal runs for it after the load.
pub struct LateKey {
    pub column: String,
    pub references: String,
    /// One row, one count: 1 when the target already has the key (a run
    /// resumed after it was added).
    pub exists: String,
    /// One row, one count: the table's rows whose value names no row of
    /// the referenced table.
    pub orphans: String,
}

/// Table `t`'s late foreign keys with their queries.
pub fn late_keys(d: Dialect, t: &TableMeta) -> Vec<LateKey> {
    let table = quote_ident(d, &t.name);
    t.foreign_keys
        .iter()
        .filter(|f| f.late)
        .map(|fk| {
            let name = format!("{}_{}_fkey", t.name, fk.column);
            let exists = match d {
                Dialect::Sqlite => format!(
                    "SELECT COUNT(*) FROM pragma_foreign_key_list({}) WHERE \"from\" = {}",
                    literal(&t.name),
                    literal(&fk.column)
                ),
                // PostgreSQL keeps the first 63 bytes of a name.
                _ => format!(
                    "SELECT COUNT(*) FROM information_schema.table_constraints \
                     WHERE constraint_type = 'FOREIGN KEY' AND table_schema = {} \
                     AND table_name = {} AND constraint_name = {}",
                    if d == Dialect::Mysql {
                        "DATABASE()"
                    } else {
                        "current_schema()"
                    },
                    literal(&t.name),
                    if d == Dialect::Mysql {
                        literal(&name)
                    } else {
                        format!("left({}, 63)", literal(&name))
                    }
                ),
            };
            let (c, r) = (
                quote_ident(d, &fk.column),
                quote_ident(d, &fk.references_column),
            );
            let orphans = format!(
                "SELECT COUNT(*) FROM {table} c WHERE c.{c} IS NOT NULL AND NOT EXISTS \
                 (SELECT 1 FROM {} r WHERE r.{r} = c.{c})",
                quote_ident(d, &fk.references_table)
            );
            LateKey {
                column: fk.column.clone(),
                references: format!("{}.{}", fk.references_table, fk.references_column),
                exists,
                orphans,
            }
        })
        .collect()
}

/// The statements that add table `t`'s late foreign keys `missing` (by
/// column) once no row is an orphan. PostgreSQL: `ALTER TABLE … ADD
/// CONSTRAINT` (checked again by the server); MySQL: the same with
/// `foreign_key_checks` off (checked by the orphans' count: InnoDB would
/// copy the table to check); SQLite, which cannot add a key to a table:
/// the table copied into one declaring every key, in one transaction, as
/// its documentation's "other kinds of table schema changes" do.
pub fn add_late_keys(d: Dialect, t: &TableMeta, missing: &[&str]) -> String {
    let table = quote_ident(d, &t.name);
    let fks = t
        .foreign_keys
        .iter()
        .filter(|f| f.late && missing.contains(&f.column.as_str()));
    match d {
        Dialect::Postgres => fks
            .map(|fk| {
                format!(
                    "ALTER TABLE {table} ADD CONSTRAINT {} {};\n",
                    fk_name(d, t, fk),
                    fk_clause(d, fk)
                )
            })
            .collect(),
        Dialect::Mysql => {
            let adds: Vec<String> = fks
                .map(|fk| format!("ADD CONSTRAINT {} {}", fk_name(d, t, fk), fk_clause(d, fk)))
                .collect();
            format!(
                "SET foreign_key_checks = 0;\nALTER TABLE {table} {};\nSET foreign_key_checks = 1;\n",
                adds.join(", ")
            )
        }
        Dialect::Sqlite => {
            let copy = TableMeta {
                name: format!("{}__understudy_keys", t.name),
                ..t.clone()
            };
            let copied = quote_ident(d, &copy.name);
            format!(
                "PRAGMA foreign_keys=OFF;\nBEGIN;\n{}INSERT INTO {copied} SELECT * FROM {table};\n\
                 DROP TABLE {table};\nALTER TABLE {copied} RENAME TO {table};\nCOMMIT;\nPRAGMA foreign_keys=ON;\n",
                create_table_with(d, &copy, false, Late::Inline).table
            )
        }
    }
}

/// The statements that add a deferred table's unique indexes (`keys`:
/// columns, primary) and drop them again, in `d`'s syntax. PostgreSQL's are
/// built `WITH (fillfactor = 70)`, about the 69 % random inserts leave.
fn deferred_keys(
    d: Dialect,
    t: &TableMeta,
    keys: &[(Vec<String>, bool)],
) -> (Vec<String>, Vec<String>) {
    let table = quote_ident(d, &t.name);
    let cols = |names: &[String]| {
        names
            .iter()
            .map(|n| quote_ident(d, n))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let name = |names: &[String], primary: bool| {
        quote_ident(
            d,
            &format!(
                "{}_{}",
                t.name,
                if primary {
                    "pkey".to_string()
                } else {
                    format!("{}_key", names.join("_"))
                }
            ),
        )
    };
    let (mut add, mut drop) = (Vec::new(), Vec::new());
    for (names, primary) in keys {
        let (names, primary) = (names.as_slice(), *primary);
        let n = name(names, primary);
        match d {
            Dialect::Postgres => {
                let kind = if primary { "PRIMARY KEY" } else { "UNIQUE" };
                add.push(format!(
                    "ALTER TABLE {table} ADD CONSTRAINT {n} {kind} ({}) WITH (fillfactor = 70);\n",
                    cols(names)
                ));
                drop.push(format!("ALTER TABLE {table} DROP CONSTRAINT {n};\n"));
            }
            Dialect::Mysql if primary => {
                add.push(format!("ADD PRIMARY KEY ({})", cols(names)));
                drop.push("DROP PRIMARY KEY".to_string());
            }
            Dialect::Mysql => {
                add.push(format!("ADD UNIQUE KEY {n} ({})", cols(names)));
                drop.push(format!("DROP INDEX {n}"));
            }
            Dialect::Sqlite => {
                add.push(format!(
                    "CREATE UNIQUE INDEX {n} ON {table} ({});\n",
                    cols(names)
                ));
                drop.push(format!("DROP INDEX {n};\n"));
            }
        }
    }
    if d == Dialect::Mysql && !add.is_empty() {
        add = vec![format!("ALTER TABLE {table} {};\n", add.join(", "))];
        drop = vec![format!("ALTER TABLE {table} {};\n", drop.join(", "))];
    }
    (add, drop)
}

fn column_list(d: Dialect, t: &TableMeta) -> String {
    t.columns
        .iter()
        .map(|c| quote_ident(d, &c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn push_literal(d: Dialect, kind: FieldKind, s: &str, out: &mut Vec<u8>) {
    match kind {
        FieldKind::Null => out.extend_from_slice(b"NULL"),
        FieldKind::Int => out.extend_from_slice(s.as_bytes()),
        FieldKind::Bool => out.extend_from_slice(if s == "true" { b"TRUE" } else { b"FALSE" }),
        FieldKind::Timestamp if d == Dialect::Mysql => {
            // MySQL DATETIME takes neither `T` nor `Z`.
            out.push(b'\'');
            out.extend_from_slice(s.trim_end_matches('Z').replace('T', " ").as_bytes());
            out.push(b'\'');
        }
        _ if d == Dialect::Sqlite && s.contains('\0') => {
            // SQLite's SQL text is a C string: a NUL would end the statement.
            out.extend_from_slice(b"CAST(X'");
            out.extend_from_slice(crate::util::hex(&super::field_bytes(kind, s)).as_bytes());
            out.extend_from_slice(b"' AS TEXT)");
        }
        _ => {
            out.push(b'\'');
            for &b in super::field_bytes(kind, s).iter() {
                match b {
                    b'\'' => out.extend_from_slice(b"''"),
                    // MySQL reads backslash escapes in string literals by default.
                    b'\\' if d == Dialect::Mysql => out.extend_from_slice(b"\\\\"),
                    0 if d == Dialect::Mysql => out.extend_from_slice(b"\\0"),
                    _ => out.push(b),
                }
            }
            out.push(b'\'');
        }
    }
}

/// PostgreSQL COPY text format: tab-separated, `\N` for NULL, backslash escapes.
fn push_copy_field(s: &[u8], out: &mut Vec<u8>) {
    for &b in s {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

impl Format for Sql {
    fn name(&self) -> &'static str {
        "sql"
    }

    fn extension(&self) -> &'static str {
        "sql"
    }

    fn header(&self, t: &TableMeta, out: &mut Vec<u8>) {
        let d = self.0;
        out.extend_from_slice(
            format!(
                "-- {} generated by understudy {}\n",
                t.name,
                env!("CARGO_PKG_VERSION")
            )
            .as_bytes(),
        );
        match d {
            Dialect::Postgres => out.extend_from_slice(b"SET client_encoding = 'UTF8';\n"),
            Dialect::Mysql => out.extend_from_slice(b"SET NAMES utf8mb4;\n"),
            Dialect::Sqlite => {}
        }
        out.extend_from_slice(create_table_with(d, t, false, Late::File).table.as_bytes());
        match d {
            Dialect::Postgres => out.extend_from_slice(
                format!(
                    "COPY {} ({}) FROM stdin;\n",
                    quote_ident(d, &t.name),
                    column_list(d, t)
                )
                .as_bytes(),
            ),
            Dialect::Mysql => out.extend_from_slice(b"START TRANSACTION;\n"),
            Dialect::Sqlite => out.extend_from_slice(b"BEGIN;\n"),
        }
    }

    fn row(&self, t: &TableMeta, row: &RowBuf, nth: usize, out: &mut Vec<u8>) {
        let d = self.0;
        if d == Dialect::Postgres {
            for (i, (kind, s)) in row.fields().enumerate() {
                if i > 0 {
                    out.push(b'\t');
                }
                match kind {
                    FieldKind::Null => out.extend_from_slice(b"\\N"),
                    FieldKind::Plain | FieldKind::Int | FieldKind::Bool | FieldKind::Timestamp => {
                        out.extend_from_slice(s.as_bytes())
                    }
                    _ => push_copy_field(&super::field_bytes(kind, s), out),
                }
            }
            out.push(b'\n');
            return;
        }
        let big = row.fields().map(|(_, s)| s.len()).sum::<usize>() > BIG_ROW_BYTES;
        if nth.is_multiple_of(ROWS_PER_INSERT) || big {
            if nth > 0 {
                out.extend_from_slice(b";\n");
            }
            out.extend_from_slice(
                format!(
                    "INSERT INTO {} ({}) VALUES\n",
                    quote_ident(d, &t.name),
                    column_list(d, t)
                )
                .as_bytes(),
            );
        } else {
            out.extend_from_slice(b",\n");
        }
        out.push(b'(');
        for (i, (kind, s)) in row.fields().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            push_literal(d, kind, s, out);
        }
        out.push(b')');
    }

    fn end_chunk(&self, _t: &TableMeta, n: usize, out: &mut Vec<u8>) {
        if self.0 != Dialect::Postgres && n > 0 {
            out.extend_from_slice(b";\n");
        }
    }

    fn footer(&self, t: &TableMeta, out: &mut Vec<u8>) {
        match self.0 {
            Dialect::Postgres => out.extend_from_slice(b"\\.\n"),
            Dialect::Mysql | Dialect::Sqlite => out.extend_from_slice(b"COMMIT;\n"),
        }
        if self.0 == Dialect::Mysql {
            // InnoDB checks a key row by row: a self-reference is added
            // once every row is in (and checks them all then).
            for fk in t
                .foreign_keys
                .iter()
                .filter(|f| f.late && f.references_table == t.name)
            {
                out.extend_from_slice(
                    format!(
                        "ALTER TABLE {} ADD CONSTRAINT {} {};\n",
                        quote_ident(Dialect::Mysql, &t.name),
                        fk_name(Dialect::Mysql, t, fk),
                        fk_clause(Dialect::Mysql, fk)
                    )
                    .as_bytes(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (table, unique column lists) as SQLite reports them.
    fn uniques(c: &rusqlite::Connection) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = c
            .prepare(
                "SELECT m.name, il.name FROM sqlite_schema m, pragma_index_list(m.name) il \
                 WHERE m.type = 'table' AND il.\"unique\"",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .unwrap()
            .map(|r| {
                let (t, i) = r.unwrap();
                let cols = c
                    .prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")
                    .unwrap()
                    .query_map([&i], |r| r.get::<_, String>(0))
                    .unwrap()
                    .map(|x| x.unwrap())
                    .collect();
                (t, cols)
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn deferred_tables_get_the_same_unique_indexes_back() {
        let profile = crate::profile::Profile::load(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/profiles/saas.toml"
        ))
        .unwrap();
        // Profile order: SQLite checks foreign keys on insert, not on CREATE.
        let metas = TableMeta::all(&profile);
        let (direct, deferred) = (
            rusqlite::Connection::open_in_memory().unwrap(),
            rusqlite::Connection::open_in_memory().unwrap(),
        );
        let mut indexes = String::new();
        for m in &metas {
            direct
                .execute_batch(&create_table(Dialect::Sqlite, m))
                .unwrap();
            let dd = create_table_deferred(Dialect::Sqlite, m);
            // Before its indexes: a rowid key at most, nothing unique.
            assert!(!dd.table.contains("UNIQUE"), "{}", dd.table);
            deferred.execute_batch(&dd.table).unwrap();
            indexes.push_str(&dd.keys.concat());
        }
        assert!(uniques(&deferred).is_empty());
        deferred.execute_batch(&indexes).unwrap();
        let want = uniques(&direct);
        assert!(want.iter().any(|(t, _)| t == "users"), "{want:?}");
        assert_eq!(uniques(&deferred), want);
    }
}
