//! What `discover` found, as data (`--json`, ARCHITECTURE.md § Reports) and
//! as the terminal table. Every field is a name, a count or a share: no value
//! read from the source appears here.
//!
//! Schema (version 1), top level: the shared head (`kind` `discover`), then
//! `source` (redacted), `source_kind`, `users_table`, `tables`, `findings`,
//! `below_threshold`, `notes`, `settings`, `duration_s`.

use crate::generator::plan::thousands;
use serde::Serialize;

/// The shape of `Discovery` (`--json`).
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct Discovery {
    #[serde(flatten)]
    pub head: crate::report::Head,
    /// The DSN, password as `***`.
    pub source: String,
    pub source_kind: String,
    pub users_table: UsersTable,
    /// Tables read from the catalog.
    pub tables: usize,
    pub findings: Vec<Finding>,
    /// Columns measured whose share stayed under the threshold (not reported).
    pub below_threshold: Vec<Measured>,
    /// What could not be measured, and why.
    pub notes: Vec<String>,
    pub settings: Settings,
    pub duration_s: f64,
}

#[derive(Debug, Serialize)]
pub struct UsersTable {
    pub name: String,
    pub key: Option<String>,
    pub rows: Option<u64>,
    pub rows_exact: bool,
    /// `given` (--users-table) or `guessed`.
    pub chosen: &'static str,
    /// How, in words.
    pub how: String,
    /// The fields other tables were compared with: `email`, `first_name+last_name`…
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A declared foreign key to the users table, or to a table that leads to it.
    Declared,
    /// No foreign key, but the values are the users' key (or email, login).
    Reference,
    /// The values repeat a user's field (email, name, phone).
    Copy,
    /// A JSON column whose objects have keys naming a user's fields.
    Json,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Declared => "declared",
            Kind::Reference => "reference",
            Kind::Copy => "copy",
            Kind::Json => "json",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub table: String,
    /// The column (columns of a composite foreign key joined by `,`).
    pub column: String,
    pub kind: Kind,
    /// Why, in words: the foreign key and path, or the measured share.
    pub evidence: String,
    pub rows: Option<u64>,
    pub rows_exact: bool,
    /// What the column points to or repeats: `users.id`, `orders.id`, `users.email`.
    pub references: Option<String>,
    /// The tables from this one to the users table.
    pub path: Vec<String>,
    /// The two tables a join (many-to-many) table links, when it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_of: Option<[String; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlap: Option<Measured>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub json_keys: Vec<JsonKey>,
    /// JSON objects among the sampled values (`json`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objects_sampled: Option<u64>,
}

/// One column measured against one field of the users, inside the database.
#[derive(Debug, Clone, Serialize)]
pub struct Measured {
    pub table: String,
    pub column: String,
    /// `users.email`.
    pub against: String,
    /// Non-null rows read (the first ones, at most `settings.sample_rows`).
    pub rows_sampled: u64,
    pub distinct: u64,
    pub matched: u64,
    pub share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct JsonKey {
    pub key: String,
    /// Sampled objects holding the key.
    pub objects: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlap: Option<Measured>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Settings {
    /// The least share of a column's distinct values found among the users'
    /// for the column to be reported.
    pub threshold: f64,
    pub sample_rows: u64,
    pub json_sample_rows: u64,
    /// Tables with more estimated rows are not counted exactly.
    pub exact_count_below: u64,
}

/// `97 %`, `100 %`, `99.9 %` (never 100 for less than all).
pub fn percent(share: f64) -> String {
    let p = share * 100.0;
    if share < 1.0 && p > 99.5 {
        format!("{:.1} %", (p * 10.0).floor() / 10.0)
    } else {
        format!("{:.0} %", p)
    }
}

/// `1,234` or `~12,000,000` (an estimate), or `?`.
fn rows(n: Option<u64>, exact: bool) -> String {
    match n {
        Some(n) if exact => thousands(n),
        Some(n) => format!("~{}", thousands(n)),
        None => "?".into(),
    }
}

/// The terminal summary: the users table, one line per finding, the counts.
pub fn terminal(d: &Discovery) -> String {
    let u = &d.users_table;
    let mut out = format!("understudy discover · {}\n", d.source);
    out.push_str(&format!(
        "users table: {} (key {}, {} rows): {}\n\n",
        u.name,
        u.key.as_deref().unwrap_or("none"),
        rows(u.rows, u.rows_exact),
        u.how
    ));
    let head = ["table", "column", "kind", "rows", "evidence"];
    let mut lines: Vec<[String; 5]> = vec![head.map(String::from)];
    for f in &d.findings {
        lines.push([
            f.table.clone(),
            f.column.clone(),
            f.kind.as_str().into(),
            rows(f.rows, f.rows_exact),
            f.evidence.clone(),
        ]);
    }
    let width = |i: usize| {
        lines
            .iter()
            .map(|l| l[i].chars().count())
            .max()
            .unwrap_or(0)
    };
    let w = [width(0), width(1), width(2), width(3)];
    for l in &lines {
        out.push_str(&format!(
            "{:<a$}  {:<b$}  {:<c$}  {:>d$}  {}\n",
            l[0],
            l[1],
            l[2],
            l[3],
            l[4],
            a = w[0],
            b = w[1],
            c = w[2],
            d = w[3]
        ));
    }
    if d.findings.is_empty() {
        out.push_str("(nothing refers to the users table or repeats its fields)\n");
    }
    out.push('\n');
    out.push_str(&summary(d));
    for n in &d.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out
}

/// `6 places in 5 tables: 3 declared, 1 reference, 1 copy, 1 json. …`
fn summary(d: &Discovery) -> String {
    let mut tables: Vec<&str> = d.findings.iter().map(|f| f.table.as_str()).collect();
    tables.sort_unstable();
    tables.dedup();
    let by: Vec<String> = [Kind::Declared, Kind::Reference, Kind::Copy, Kind::Json]
        .iter()
        .map(|k| (k, d.findings.iter().filter(|f| f.kind == *k).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{n} {}", k.as_str()))
        .collect();
    let measured =
        d.findings.iter().filter(|f| f.overlap.is_some()).count() + d.below_threshold.len();
    format!(
        "{} in {}{}. {} measured inside the database, {} under the {} share (--json lists them). {} tables read in {}.\n",
        crate::util::count(d.findings.len() as u64, "place", "places"),
        crate::util::count(tables.len() as u64, "table", "tables"),
        if by.is_empty() {
            String::new()
        } else {
            format!(": {}", by.join(", "))
        },
        crate::util::count(measured as u64, "column", "columns"),
        d.below_threshold.len(),
        percent(d.settings.threshold),
        d.tables,
        crate::util::human_duration(d.duration_s)
    )
}

#[cfg(test)]
mod tests {
    use super::percent;

    #[test]
    fn shares_read_as_percentages() {
        assert_eq!(percent(1.0), "100 %");
        assert_eq!(percent(0.9999), "99.9 %");
        assert_eq!(percent(0.9), "90 %");
        assert_eq!(percent(0.0), "0 %");
    }
}
