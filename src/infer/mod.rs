//! `understudy profiles infer`: a profile shaped like a live database, made
//! from statistics computed inside it. Phases: reach the source read-only
//! (`target::catalog`) → read its catalog → choose the users table
//! (`discover::users`) → place each table (`plan`: users, children at any
//! depth, roots) → measure each column (`columns`) → fit each child table's
//! per-parent counts (`fit`) → the hash mix (`hashes`) and email domains →
//! the TOML text (`text`), checked by the profile parser before it is
//! written.
//!
//! Privacy by construction: only counts, lengths, rounded numbers,
//! month-rounded times and hash format prefixes leave the database; group
//! values are replaced by tokens unless allowed (`--allow-values`); email
//! domains become `domainN.example` (ARCHITECTURE.md § Secrets).

pub mod census;
pub mod columns;
pub mod fit;
pub mod hashes;
pub mod plan;
mod text;
pub mod write;

use crate::error::{Error, Result};
use crate::target::catalog::{Catalog, Schema};
use crate::target::{PROGRESS_TABLE, REJECTS_TABLE, Target};
use columns::{Col, Role, Source};
use plan::Place;

/// Email domains kept in `[email] domains` (the rest are merged).
pub const DOMAINS_KEPT: u64 = 20;

pub struct Options {
    pub source: Target,
    pub users_table: Option<String>,
    /// `column` or `table.column` whose values may be written as they are.
    pub allow_values: Vec<String>,
}

/// One table of the profile.
pub struct TableOut {
    pub name: String,
    pub rows: u64,
    pub place: Place,
    /// `per_parent = { … }` and the fit's comment, for a child table.
    pub per_parent: Option<(String, String)>,
    pub primary_key: Vec<String>,
    pub columns: Vec<Col>,
}

pub struct Inferred {
    /// The profile's text.
    pub text: String,
    pub warnings: Vec<String>,
    pub users: u64,
    pub tables: usize,
}

pub fn run(opts: &Options) -> Result<Inferred> {
    let mut cat = Catalog::reach(&opts.source)?;
    let fail = |what: &str, e: crate::target::DbError| {
        Error::target(format!(
            "cannot read {what} of {}: {e}",
            opts.source.redacted()
        ))
    };
    let mut schema = cat.schema().map_err(|e| fail("the catalog", e))?;
    schema
        .tables
        .retain(|t| t.name != PROGRESS_TABLE && t.name != REJECTS_TABLE);
    let users = crate::discover::users::choose(&schema, opts.users_table.as_deref())?;
    let placed = plan::place(&schema, &users.table);
    let refs = plan::references(&schema, &placed);
    let mut warnings = Vec::new();
    let mut tables = Vec::new();
    for p in &placed {
        let t = table(&mut cat, &schema, (&placed, &refs), p, opts, &mut warnings)
            .map_err(|e| fail(&format!("table {}", p.table), e))?;
        tables.push(t);
    }
    let users_rows = tables[0].rows;
    let mix = hash_mix(&mut cat, &tables[0], &mut warnings).map_err(|e| fail("the hashes", e))?;
    let domains = email_domains(&mut cat, &tables).map_err(|e| fail("the email domains", e))?;
    let text = text::render(&text::Parts {
        source: opts.source.redacted(),
        users_table: &users.table,
        users_how: &users.how,
        tables: &tables,
        mix: &mix,
        domains: &domains,
        warnings: &warnings,
    });
    crate::profile::Profile::from_str(&text, "the inferred profile").map_err(|e| {
        Error::failed(format!(
            "the inferred profile does not parse (please report it): {}",
            e.message
        ))
    })?;
    Ok(Inferred {
        text,
        warnings,
        users: users_rows,
        tables: tables.len(),
    })
}

/// Whether `--allow-values` names this column.
fn allowed(opts: &Options, table: &str, column: &str) -> bool {
    let full = format!("{table}.{column}");
    opts.allow_values.iter().any(|a| *a == column || *a == full)
}

fn table(
    cat: &mut Catalog,
    schema: &Schema,
    (placed, refs): (&[plan::Placed], &[plan::Reference]),
    p: &plan::Placed,
    opts: &Options,
    warnings: &mut Vec<String>,
) -> crate::target::DbResult<TableOut> {
    let t = schema.table(&p.table).expect("placed from the schema");
    let via = match &p.place {
        Place::Child { via, .. } => Some(via.as_str()),
        _ => None,
    };
    let composite = t.primary_key.len() > 1;
    // A distinct reference needs its target's size: a root table's.
    let root = |to: &str| {
        placed
            .iter()
            .any(|x| x.table == to && matches!(x.place, Place::Root | Place::Users))
    };
    let mut sources = Vec::new();
    for c in &t.columns {
        let role = if Some(c.name.as_str()) == via {
            Role::Parent
        } else if let Some(r) = refs
            .iter()
            .find(|r| r.table == t.name && r.column == c.name)
        {
            Role::Reference {
                table: r.to.clone(),
                distinct: composite
                    && via.is_some()
                    && t.primary_key.contains(&c.name)
                    && root(&r.to),
            }
        } else if !composite && t.primary_key.first() == Some(&c.name) {
            Role::Key
        } else {
            if t.foreign_keys.iter().any(|f| f.columns.contains(&c.name)) {
                warnings.push(format!(
                    "{}.{}: a foreign key that would close a cycle between tables (or a composite one): generated as plain values, without the foreign key",
                    t.name, c.name
                ));
            }
            Role::Other
        };
        sources.push(Source {
            table: &t.name,
            name: &c.name,
            declared: &c.declared,
            family: c.family,
            role,
            users_table: p.place == Place::Users,
            lookup: p.place == Place::Root,
            unique: t.unique.contains(&c.name),
            allow_values: allowed(opts, &t.name, &c.name),
        });
    }
    // Every column's counts in one scan of the table.
    let asked: Vec<(&str, bool)> = sources.iter().map(|s| (s.name, false)).collect();
    let counts = cat.counts_of(&t.name, &asked)?;
    let rows = match counts.first() {
        Some(c) => c.rows,
        None => cat.count(&t.name)?,
    };
    let orphans = match via.and_then(|v| sources.iter().position(|s| s.name == v)) {
        Some(i) => counts[i].rows - counts[i].non_null,
        None => 0,
    };
    let mut cols = Vec::new();
    for (src, counts) in sources.iter().zip(counts) {
        let mut col = columns::infer(cat, src, counts)?;
        if let Role::Reference {
            table: to,
            distinct: false,
        } = &src.role
        {
            reference_skew(cat, &t.name, src.name, to, &mut col)?;
        }
        if let Some(w) = &col.warning {
            warnings.push(w.clone());
        }
        cols.push(col);
    }
    let per_parent = match &p.place {
        Place::Child { parent, via } => {
            Some(per_parent(cat, (&t.name, via, orphans), parent, warnings)?)
        }
        _ => None,
    };
    Ok(TableOut {
        name: t.name.clone(),
        rows,
        place: p.place.clone(),
        per_parent,
        primary_key: if composite {
            t.primary_key.clone()
        } else {
            Vec::new()
        },
        columns: cols,
    })
}

/// A reference's pick: Zipf when the referenced rows' counts are skewed
/// (`fit::reference_skew`), measured as a histogram inside the database.
fn reference_skew(
    cat: &mut Catalog,
    table: &str,
    column: &str,
    to: &str,
    col: &mut Col,
) -> crate::target::DbResult<()> {
    let rows = cat.count(to)?;
    let mut h = cat.children_histogram(table, column)?;
    let with: u64 = h.iter().map(|(_, n)| n).sum();
    if rows > with {
        h.insert(0, (0, rows - with));
    }
    col.read
        .push("references per referenced row, as a histogram of counts".into());
    if let Some(s) = fit::reference_skew(&h) {
        col.body.push_str(&format!(", dist = \"zipf\", s = {s}"));
    }
    Ok(())
}

/// The fitted `per_parent` of a child table and its comment.
/// `child`: (the table, its column `via` to the parent, rows whose `via`
/// is NULL).
fn per_parent(
    cat: &mut Catalog,
    (child, via, orphans): (&str, &str, u64),
    parent: &str,
    warnings: &mut Vec<String>,
) -> crate::target::DbResult<(String, String)> {
    let parents = cat.count(parent)?;
    let mut h = cat.children_histogram(child, via)?;
    let with: u64 = h.iter().map(|(_, n)| n).sum();
    if parents > with {
        h.insert(0, (0, parents - with));
    }
    if orphans > 0 {
        warnings.push(format!(
            "{child}: {orphans} rows with no {parent} ({via} is NULL) are not generated"
        ));
    }
    let s = fit::summary(&h);
    if s.parents == 0 || s.max == 0 {
        return Ok((
            "{ dist = \"fixed\", n = 0 }".into(),
            "no rows measured".into(),
        ));
    }
    if s.max > u32::MAX as u64 {
        h.retain(|(k, _)| *k <= u32::MAX as u64);
    }
    let fits = fit::fit(&h);
    let best = &fits[0];
    let others: Vec<String> = fits[1..]
        .iter()
        .map(|f| format!("{} {:.3}", text::dist_name(&f.dist), f.error))
        .collect();
    let note = format!(
        "per {parent} row: mean {:.3}, p99 {}, max {} measured over {} rows; fit error {:.3} (total variation){}",
        s.mean,
        s.p99,
        s.max,
        s.parents,
        best.error,
        if others.is_empty() {
            String::new()
        } else {
            format!("; others: {}", others.join(", "))
        }
    );
    Ok((text::dist(&best.dist), note))
}

/// (format, share, params) of the users table's password-hash column.
type Mix = hashes::Mix;

fn hash_mix(
    cat: &mut Catalog,
    users: &TableOut,
    warnings: &mut Vec<String>,
) -> crate::target::DbResult<Mix> {
    let Some(c) = users
        .columns
        .iter()
        .find(|c| c.body.contains("\"password_hash\""))
    else {
        return Ok(Vec::new());
    };
    let (mix, unknown) = hashes::mix(cat.hash_prefixes(&users.name, &c.name)?);
    if unknown > 0 {
        warnings.push(format!(
            "{}.{}: {unknown} hashes of no known format are left out of the mix",
            users.name, c.name
        ));
    }
    Ok(mix)
}

/// Reserved domains with the rank and share of the first email column's
/// domains (the users table's first).
fn email_domains(
    cat: &mut Catalog,
    tables: &[TableOut],
) -> crate::target::DbResult<Vec<(String, u64)>> {
    let Some((t, c)) = tables.iter().find_map(|t| {
        t.columns
            .iter()
            .find(|c| c.body.starts_with("kind = \"email\""))
            .map(|c| (t, c))
    }) else {
        return Ok(Vec::new());
    };
    let sizes = cat.domain_sizes(&t.name, &c.name, 1000)?;
    let all = cat.counts(&t.name, &c.name, false)?.non_null;
    let mut out: Vec<(String, u64)> = Vec::new();
    let mut rest = all.saturating_sub(sizes.iter().sum());
    for (i, n) in sizes.iter().enumerate() {
        if (i as u64) < DOMAINS_KEPT && *n >= columns::MERGE_BELOW {
            out.push((format!("domain{}.example", i + 1), *n));
        } else {
            rest += n;
        }
    }
    if rest > 0 {
        out.push(("domain-other.example".into(), rest));
    }
    Ok(out)
}
