//! The password-hash census of a live source, for `assess --source`: the
//! users table (`discover::users`), its password-hash column (by name, as
//! `profiles infer` finds it), its rows and NULLs, and the same hash-prefix
//! counts `profiles infer` turns into a profile's mix (`hashes::mix`). Only
//! aggregates leave the database (ARCHITECTURE.md § Secrets).

use super::hashes;
use crate::error::{Error, Result};
use crate::target::catalog::{Catalog, Family};
use crate::target::{PROGRESS_TABLE, REJECTS_TABLE, Target};

pub struct Census {
    /// The source, its password redacted.
    pub source: String,
    pub table: String,
    pub column: String,
    pub rows: u64,
    /// Users without a hash (NULL).
    pub nulls: u64,
    /// (format, users, parameters read from the prefix: bcrypt's cost).
    pub mix: hashes::Mix,
    /// Hashes of no format the catalogue knows.
    pub unknown: u64,
}

/// Counts the users of `source` by hash format.
pub fn census(source: &Target, users_table: Option<&str>, column: Option<&str>) -> Result<Census> {
    let mut cat = Catalog::reach(source)?;
    let fail = |what: &str, e: crate::target::DbError| {
        Error::target(format!("cannot read {what} of {}: {e}", source.redacted()))
    };
    let mut schema = cat.schema().map_err(|e| fail("the catalog", e))?;
    schema
        .tables
        .retain(|t| t.name != PROGRESS_TABLE && t.name != REJECTS_TABLE);
    let users = crate::discover::users::choose(&schema, users_table)?;
    let t = schema.table(&users.table).expect("chosen from the schema");
    let text = |f: Family| matches!(f, Family::Text | Family::Other);
    let col = match column {
        Some(c) => t.columns.iter().find(|x| x.name == c).ok_or_else(|| {
            Error::usage(format!(
                "--hash-column {c}: no such column in {}; its columns: {}",
                t.name,
                t.columns.iter().map(|x| x.name.as_str()).collect::<Vec<_>>().join(", ")
            ))
        })?,
        None => t
            .columns
            .iter()
            .find(|x| text(x.family) && super::columns::is_password_hash(&x.name))
            .ok_or_else(|| {
                Error::usage(format!(
                    "{} has no column named like a password hash (password, passwd, hash…): name it with --hash-column",
                    t.name
                ))
            })?,
    };
    let counts = cat
        .counts(&t.name, &col.name, false)
        .map_err(|e| fail("the row count", e))?;
    let prefixes = cat
        .hash_prefixes(&t.name, &col.name)
        .map_err(|e| fail("the hash prefixes", e))?;
    let (mix, mut unknown) = hashes::mix(prefixes);
    // Prefixes past the query's 200 largest groups count as unknown.
    let seen: u64 = mix.iter().map(|m| m.1).sum::<u64>() + unknown;
    unknown += counts.non_null.saturating_sub(seen);
    Ok(Census {
        source: source.redacted(),
        table: t.name.clone(),
        column: col.name.clone(),
        rows: counts.rows,
        nulls: counts.rows - counts.non_null,
        mix,
        unknown,
    })
}
