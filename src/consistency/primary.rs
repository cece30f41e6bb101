//! `consistency --primary DSN`: the copy the primary implies, built from the
//! live primary's users table (any database target: `sqlite:`,
//! `postgres://`, `mysql://`) instead of the regenerated ground truth. The
//! profile still says which users columns the copy holds and its key
//! patterns; only those columns are read, under the profile's table and
//! column names (as `rehearse` created them) or the names `--map` gives.
//!
//! Each pass streams the table once through `Conn::scan` (Postgres `COPY …
//! TO STDOUT`, MySQL an unbuffered result, SQLite a cursor): memory flat in
//! the number of users. No order is needed, the bucket digests being
//! order-independent (`mod.rs`).

use super::Val;
use crate::copies::Lookups;
use crate::dataset::Plan;
use crate::error::{Error, Result};
use crate::profile::copies::{Copy, Part};
use crate::row::{FieldKind, RowBuf};
use crate::target::{Conn, ReadColumn, Target};

pub struct Primary {
    target: Target,
    conn: Box<dyn Conn>,
    table: String,
    read: Vec<ReadColumn>,
    /// The users column each read column is.
    cols: Vec<usize>,
}

/// The users columns `copy` takes: its fields and its keys' columns.
fn columns_of(copy: &Copy) -> Vec<usize> {
    let mut out: Vec<usize> = copy.fields.clone();
    for p in std::iter::once(&copy.key).chain(&copy.secondary) {
        for part in &p.parts {
            if let Part::Col(c) = part {
                out.push(*c);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

impl Primary {
    /// Connects and finds the users table and the columns `copy` takes.
    pub fn open(dsn: &str, plan: &Plan, copy: &Copy, maps: &[(String, String)]) -> Result<Primary> {
        let target = Target::parse(dsn)?;
        let mut conn = target.connect()?;
        let users = plan.profile.users();
        let table = users.name.clone();
        let found = conn
            .columns(&table)
            .map_err(|e| {
                Error::target(format!(
                    "--primary {}: cannot read its catalog: {e}",
                    target.redacted()
                ))
            })?
            .ok_or_else(|| {
                Error::usage(format!(
                    "--primary {}: no table `{table}` (the profile's users table, as rehearse created it)",
                    target.redacted()
                ))
            })?;
        let meta = &plan.metas[plan.generator.users_table];
        let (mut read, mut cols) = (Vec::new(), Vec::new());
        for c in columns_of(copy) {
            let want = crate::harness::mapped(maps, &table, &users.columns[c].name);
            let Some((name, ty)) = (found.iter().find(|(n, _)| n == want))
                .or_else(|| found.iter().find(|(n, _)| n.eq_ignore_ascii_case(want)))
            else {
                return Err(Error::usage(format!(
                    "--primary {}: table `{table}` has no column `{want}`, which copy `{}` holds\n  a renamed column: --map {}=NEW",
                    target.redacted(),
                    copy.name,
                    users.columns[c].name
                )));
            };
            read.push(ReadColumn {
                name: name.clone(),
                kind: crate::harness::column_kind(meta.columns[c].sql),
                declared: ty.to_ascii_lowercase(),
            });
            cols.push(c);
        }
        Ok(Primary {
            target,
            conn,
            table,
            read,
            cols,
        })
    }

    pub fn redacted(&self) -> String {
        self.target.redacted()
    }

    /// Every entry the primary implies: each user's hash and secondary keys.
    pub fn entries(
        &mut self,
        plan: &Plan,
        copy: &Copy,
        f: &mut dyn FnMut(String, Val),
    ) -> Result<()> {
        let lookups = Lookups::default();
        let cx = crate::copies::source::cx(plan, copy, &lookups);
        let width = plan.profile.users().columns.len();
        let mut at: Vec<Option<usize>> = vec![None; width];
        for (i, c) in self.cols.iter().enumerate() {
            at[*c] = Some(i);
        }
        let kinds: Vec<FieldKind> = self.read.iter().map(|r| r.kind).collect();
        let mut row = RowBuf::default();
        let redacted = self.target.redacted();
        self.conn
            .scan(&self.table, &self.read, &mut |vals| {
                row.clear();
                for slot in &at {
                    match slot.and_then(|i| vals[i].map(|v| (kinds[i], v))) {
                        Some((FieldKind::Bool, v)) => row.push(FieldKind::Bool, canonical_bool(v)),
                        Some((k, v)) => row.push(k, v),
                        None => row.null(),
                    }
                }
                super::row_entries(&cx, &row, 0, f);
            })
            .map_err(|e| {
                Error::target(format!(
                    "--primary {redacted}: reading `{}`: {e}",
                    self.table
                ))
            })
    }
}

/// A boolean as the generator writes it (SQLite and MySQL keep 1/0).
fn canonical_bool(v: &str) -> &str {
    match v {
        "t" | "1" | "true" | "TRUE" => "true",
        "f" | "0" | "false" | "FALSE" => "false",
        o => o,
    }
}
