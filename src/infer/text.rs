//! The inferred profile's text: a commented head (source, `--users`, what
//! was read per column, warnings), then the profile.

use super::write::{comment, key, quoted};
use super::{Mix, TableOut};
use crate::profile::CountDist;

pub struct Parts<'a> {
    pub source: String,
    pub users_table: &'a str,
    pub users_how: &'a str,
    pub tables: &'a [TableOut],
    pub mix: &'a Mix,
    pub domains: &'a [(String, u64)],
    pub warnings: &'a [String],
}

pub fn dist_name(d: &CountDist) -> &'static str {
    match d {
        CountDist::Fixed(_) => "fixed",
        CountDist::Uniform { .. } => "uniform",
        CountDist::Zipf { .. } => "zipf",
        CountDist::Bernoulli { .. } => "bernoulli",
        CountDist::Histogram(_) => "histogram",
    }
}

/// `per_parent`'s inline table.
pub fn dist(d: &CountDist) -> String {
    match *d {
        CountDist::Fixed(n) => format!("{{ dist = \"fixed\", n = {n} }}"),
        CountDist::Uniform { min, max } => {
            format!("{{ dist = \"uniform\", min = {min}, max = {max} }}")
        }
        CountDist::Zipf { min, max, s } => {
            format!("{{ dist = \"zipf\", min = {min}, max = {max}, s = {s} }}")
        }
        CountDist::Bernoulli { p } => format!("{{ dist = \"bernoulli\", p = {p} }}"),
        CountDist::Histogram(ref h) => {
            let w: Vec<String> = h.iter().map(|(k, n)| format!("{k} = {n}")).collect();
            format!(
                "{{ dist = \"histogram\", weights = {{ {} }} }}",
                w.join(", ")
            )
        }
    }
}

fn head(p: &Parts) -> String {
    let users = p.tables.first().map_or(0, |t| t.rows);
    let mut h = format!(
        "Inferred by `understudy profiles infer` from {} (read only).\n\
         The users table is `{}` ({}): {users} rows in the source.\n\
         Regenerate at the source's size:\n\
         \x20 understudy rehearse --profile THIS.toml --users {users} --target …\n\
         \n\
         What was read: aggregates computed inside the database. No value of a text\n\
         column left it: groups were counted and given tokens (col_1, col_2… by size,\n\
         groups under 10 rows merged into col_other), email domains counted and renamed\n\
         domainN.example by rank, hash formats grouped by prefix and length only;\n\
         numbers are rounded to 2 significant digits and times to months.\n",
        p.source, p.users_table, p.users_how
    );
    for t in p.tables {
        h.push_str(&format!("\n{}: row count", t.name));
        if let Some((_, _)) = &t.per_parent {
            h.push_str("; rows per parent row, as a histogram of counts");
        }
        h.push('\n');
        for c in &t.columns {
            if c.read.is_empty() {
                continue;
            }
            h.push_str(&format!("  {}: {}\n", c.name, c.read.join("; ")));
        }
    }
    if !p.warnings.is_empty() {
        h.push_str("\nWarnings:\n");
        for w in p.warnings {
            h.push_str(&format!("  {w}\n"));
        }
    }
    comment(&h)
}

fn globals(p: &Parts, out: &mut String) {
    out.push_str(&format!(
        "name = \"inferred\"\nusers_table = {}\n",
        quoted(p.users_table)
    ));
    if !p.domains.is_empty() {
        let d: Vec<String> = p
            .domains
            .iter()
            .map(|(d, n)| format!("{} = {n}", quoted(d)))
            .collect();
        out.push_str("\n# Reserved domains standing for the source's, by rank and share.\n");
        out.push_str(&format!("[email]\ndomains = {{ {} }}\n", d.join(", ")));
    }
    if !p.mix.is_empty() {
        let total: u64 = p.mix.iter().map(|m| m.1).sum();
        out.push_str("\n# Hash formats by share of the users' hashes (counts of each prefix).\n");
        out.push_str("[passwords]\nmix = [\n");
        for (f, n, params) in p.mix {
            let params = if params.is_empty() {
                String::new()
            } else {
                let kv: Vec<String> = params.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                format!(", params = {{ {} }}", kv.join(", "))
            };
            out.push_str(&format!(
                "  {{ format = \"{f}\", share = {n}{params} }},  # {:.1} %\n",
                100.0 * *n as f64 / total as f64
            ));
        }
        out.push_str("]\n");
    }
}

pub fn render(p: &Parts) -> String {
    let mut out = head(p);
    out.push('\n');
    globals(p, &mut out);
    for t in p.tables {
        let name = key(&t.name);
        out.push('\n');
        match (&t.place, &t.per_parent) {
            (super::Place::Users, _) => {
                out.push_str(&format!("# {} rows: --users {}\n", t.name, t.rows));
                out.push_str(&format!("[tables.{name}]\n"));
            }
            (super::Place::Child { parent, .. }, Some((d, note))) => {
                out.push_str(&comment(&format!("{} rows; {note}", t.rows)));
                out.push_str(&format!(
                    "[tables.{name}]\nparent = {}\nper_parent = {d}\n",
                    quoted(parent)
                ));
            }
            _ => out.push_str(&format!("[tables.{name}]\nrows = {}\n", t.rows)),
        }
        if !t.primary_key.is_empty() {
            let k: Vec<String> = t.primary_key.iter().map(|c| quoted(c)).collect();
            out.push_str(&format!("primary_key = [{}]\n", k.join(", ")));
        }
        out.push_str(&format!("[tables.{name}.columns]\n"));
        let width = t
            .columns
            .iter()
            .map(|c| key(&c.name).len())
            .max()
            .unwrap_or(0);
        for c in &t.columns {
            if let Some(w) = &c.warning {
                out.push_str(&comment(&format!("warning: {w}")));
            }
            out.push_str(&format!("{:width$} = {{ {} }}\n", key(&c.name), c.body));
        }
    }
    out
}
