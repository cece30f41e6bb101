//! `understudy discover`: every table and column of a live database that
//! holds or refers to user data, read without copying a value. Phases:
//! reach the source read-only (`target::catalog`) → read its catalog →
//! choose the users table (`users`) → follow the declared foreign keys from
//! it (`graph`) → measure the columns whose names suggest a user, and the
//! JSON columns' keys, inside the database (`probe`) → follow the foreign
//! keys of tables found that way → count rows → the `Discovery` (`report`).
//!
//! Only counts, shares and names leave the database (ARCHITECTURE.md §
//! Secrets); nothing is written to it.

pub mod graph;
pub mod names;
pub mod probe;
pub mod report;
pub mod users;

pub use report::{Discovery, SCHEMA_VERSION};

use crate::error::{Error, Result};
use crate::target::catalog::{Catalog, Schema};
use crate::target::{PROGRESS_TABLE, REJECTS_TABLE, Target};
use report::{Kind, Settings, UsersTable};

/// The least share of a column's distinct values found among the users'
/// for the column to count as a reference or a copy.
pub const THRESHOLD: f64 = 0.9;
/// Non-null rows of a column read (inside the database) to measure it.
pub const SAMPLE_ROWS: u64 = 100_000;
/// Values of a JSON column sampled for their keys.
pub const JSON_SAMPLE_ROWS: u64 = 1_000;
/// Tables estimated larger are not counted exactly (their estimate is shown).
pub const EXACT_COUNT_BELOW: u64 = 10_000_000;

pub struct Options {
    pub source: Target,
    pub users_table: Option<String>,
}

pub fn run(opts: &Options) -> Result<Discovery> {
    let started = std::time::Instant::now();
    let started_at = crate::report::head::now();
    let settings = Settings {
        threshold: THRESHOLD,
        sample_rows: SAMPLE_ROWS,
        json_sample_rows: JSON_SAMPLE_ROWS,
        exact_count_below: EXACT_COUNT_BELOW,
    };
    let mut cat = Catalog::reach(&opts.source)?;
    let schema = read_schema(&mut cat, &opts.source)?;
    let users = users::choose(&schema, opts.users_table.as_deref())?;

    let mut reached = graph::Reached::new(&users.table);
    let mut findings = graph::follow(&schema, &mut reached, vec![users.table.clone()]);
    let mut probes = probe::Probes {
        cat: &mut cat,
        users: &users,
        settings,
        below: Vec::new(),
        notes: Vec::new(),
    };
    let measured = probes.columns(&schema);
    let json = probes.json(&schema);
    let (below, mut notes) = (probes.below, probes.notes);
    // Tables that refer to the users without a foreign key lead on to
    // their own children.
    let seeds: Vec<String> = measured
        .iter()
        .filter(|f| f.kind == Kind::Reference && reached.insert(&f.table, f.path.clone()))
        .map(|f| f.table.clone())
        .collect();
    findings.extend(measured);
    findings.extend(graph::follow(&schema, &mut reached, seeds));
    findings.extend(json);
    findings.sort_by(|a, b| {
        (a.kind, a.path.len(), &a.table, &a.column).cmp(&(
            b.kind,
            b.path.len(),
            &b.table,
            &b.column,
        ))
    });

    let mut rows = RowCounts::default();
    for f in &mut findings {
        (f.rows, f.rows_exact) = rows.of(&mut cat, &schema, &f.table, &mut notes);
    }
    let (users_rows, users_exact) = rows.of(&mut cat, &schema, &users.table, &mut notes);
    Ok(Discovery {
        head: crate::report::Head::new("discover", SCHEMA_VERSION, started_at),
        source: opts.source.redacted(),
        source_kind: opts.source.kind().to_string(),
        users_table: UsersTable {
            name: users.table.clone(),
            key: users.key.clone(),
            rows: users_rows,
            rows_exact: users_exact,
            chosen: if users.given { "given" } else { "guessed" },
            how: users.how.clone(),
            fields: users.fields.iter().map(|f| f.expr.label()).collect(),
        },
        tables: schema.tables.len(),
        findings,
        below_threshold: below,
        notes,
        settings,
        duration_s: started.elapsed().as_secs_f64(),
    })
}

/// The source's catalog, without understudy's own bookkeeping tables.
fn read_schema(cat: &mut Catalog, source: &Target) -> Result<Schema> {
    let mut schema = cat.schema().map_err(|e| {
        Error::target(format!(
            "cannot read the catalog of {}: {e}",
            source.redacted()
        ))
    })?;
    schema
        .tables
        .retain(|t| t.name != PROGRESS_TABLE && t.name != REJECTS_TABLE);
    Ok(schema)
}

/// Row counts, each table counted once: exactly, unless the database
/// estimates it at `EXACT_COUNT_BELOW` rows or more.
#[derive(Default)]
struct RowCounts {
    known: std::collections::BTreeMap<String, (Option<u64>, bool)>,
}

impl RowCounts {
    fn of(
        &mut self,
        cat: &mut Catalog,
        schema: &Schema,
        table: &str,
        notes: &mut Vec<String>,
    ) -> (Option<u64>, bool) {
        if let Some(&k) = self.known.get(table) {
            return k;
        }
        let estimate = schema.table(table).and_then(|t| t.rows_estimate);
        let got = match estimate {
            Some(n) if n >= EXACT_COUNT_BELOW => (Some(n), false),
            _ => match cat.count(table) {
                Ok(n) => (Some(n), true),
                Err(e) => {
                    notes.push(format!("{table}: rows not counted: {e}"));
                    (estimate, false)
                }
            },
        };
        self.known.insert(table.to_string(), got);
        got
    }
}
