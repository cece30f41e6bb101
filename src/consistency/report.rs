//! The consistency report (docs/reports.md): JSON is the source of truth,
//! the terminal summary renders it.

use super::Val;
use crate::dataset::Plan;
use crate::profile::copies::Copy;
use crate::report::Head;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

pub const SCHEMA_VERSION: u32 = 1;

/// One key that differs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    /// `missing` (in the primary, not in the copy), `orphan` (in the copy
    /// only) or `stale` (both, fields differ).
    pub kind: String,
    pub key: String,
    /// Stale fields (a string key: `value`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// For stale keys: field → [primary, copy].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, (Option<String>, Option<String>)>,
    /// The drift label that explains it, or `unexplained`.
    #[serde(default)]
    pub label: String,
}

impl Finding {
    pub fn missing(key: String, _e: &Val) -> Finding {
        Finding::of("missing", key)
    }

    pub fn orphan(key: String, _v: &Val) -> Finding {
        Finding::of("orphan", key)
    }

    pub fn stale(key: String, e: &Val, v: &Val) -> Finding {
        let mut f = Finding::of("stale", key);
        let get = |v: &Val, k: &str| match v {
            Val::Hash(h) => h.iter().find(|(f, _)| f == k).map(|(_, x)| x.clone()),
            Val::Str(s) => (k == "value").then(|| s.clone()),
            Val::Doc(d) => (k == "value").then(|| String::from_utf8_lossy(d).into_owned()),
        };
        let names: Vec<String> = match (e, v) {
            // A document's top-level fields; an embedded table is one field.
            (Val::Doc(a), Val::Doc(b)) => {
                let json =
                    |d: &[u8]| serde_json::from_slice::<serde_json::Value>(d).unwrap_or_default();
                let (je, jv) = (json(a), json(b));
                let keys = |j: &serde_json::Value| -> Vec<String> {
                    j.as_object()
                        .map(|o| o.keys().cloned().collect())
                        .unwrap_or_default()
                };
                let mut n = keys(&je);
                n.extend(keys(&jv));
                n.sort();
                n.dedup();
                // Fields equal as shown but not as JSON (a cut value) still differ.
                n.retain(|k| je.get(k) != jv.get(k));
                for k in &n {
                    f.fields.push(k.clone());
                    let show = |j: &serde_json::Value| j.get(k).map(super::docs::shown);
                    f.values.insert(k.clone(), (show(&je), show(&jv)));
                }
                return f;
            }
            (Val::Hash(a), Val::Hash(b)) => {
                let mut n: Vec<String> = a.iter().chain(b).map(|(k, _)| k.clone()).collect();
                n.sort();
                n.dedup();
                n
            }
            _ => vec!["value".into()],
        };
        for n in names {
            let (x, y) = (get(e, &n), get(v, &n));
            if x != y {
                f.fields.push(n.clone());
                f.values.insert(n, (x, y));
            }
        }
        f
    }

    fn of(kind: &str, key: String) -> Finding {
        Finding {
            kind: kind.into(),
            key,
            fields: Vec::new(),
            values: BTreeMap::new(),
            label: String::new(),
        }
    }
}

/// Counts of one label.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LabelCounts {
    /// Distinct users the label's findings belong to.
    pub users: u64,
    pub missing: u64,
    pub orphan: u64,
    pub stale: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConsistencyReport {
    #[serde(flatten)]
    pub head: Head,
    pub profile: String,
    pub seed: u64,
    pub users: u64,
    pub copy_name: String,
    /// The copy read (a redacted URL or a file).
    pub copy: String,
    /// The primary the expected copy was read from (`--primary`, a
    /// redacted DSN); absent: the regenerated ground truth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<String>,
    pub expected_keys: u64,
    pub copy_keys: u64,
    pub buckets: u64,
    pub buckets_differing: u64,
    pub missing: u64,
    pub orphan: u64,
    pub stale: u64,
    /// Findings no drift label explains.
    pub unexplained: u64,
    pub by_label: BTreeMap<String, LabelCounts>,
    /// Stale keys per field.
    pub by_field: BTreeMap<String, u64>,
    /// Up to 20 findings, sorted by key.
    pub examples: Vec<Finding>,
    pub duration_s: f64,
    /// No finding at all.
    pub ok: bool,
}

pub fn build(
    plan: &Plan,
    copy: &Copy,
    mut findings: Vec<Finding>,
    labels: &HashMap<String, (&'static str, u64)>,
    (expected_keys, copy_keys, differing): (u64, u64, u64),
    duration_s: f64,
) -> ConsistencyReport {
    findings.sort_by(|a, b| a.key.cmp(&b.key));
    let mut by_label: BTreeMap<String, LabelCounts> = BTreeMap::new();
    let mut users: HashMap<String, HashSet<u64>> = HashMap::new();
    let mut by_field = BTreeMap::new();
    let (mut missing, mut orphan, mut stale, mut unexplained) = (0, 0, 0, 0);
    for f in &mut findings {
        let owner = super::docs::owner(copy.kind, &f.key);
        let (label, user) = match labels.get(owner) {
            Some((l, u)) => (l.to_string(), Some(*u)),
            None => ("unexplained".to_string(), None),
        };
        f.label = label.clone();
        let c = by_label.entry(label.clone()).or_default();
        match f.kind.as_str() {
            "missing" => (missing += 1, c.missing += 1),
            "orphan" => (orphan += 1, c.orphan += 1),
            _ => (stale += 1, c.stale += 1),
        };
        for n in &f.fields {
            *by_field.entry(n.clone()).or_insert(0) += 1;
        }
        match user {
            Some(u) => {
                users.entry(label).or_default().insert(u);
            }
            None => unexplained += 1,
        }
    }
    for (l, c) in by_label.iter_mut() {
        c.users = users.get(l).map(|s| s.len() as u64).unwrap_or(0);
    }
    ConsistencyReport {
        head: Head::new("consistency", SCHEMA_VERSION, crate::report::head::now()),
        profile: plan.profile.name.clone(),
        seed: plan.seed,
        users: plan.users,
        copy_name: copy.name.clone(),
        copy: String::new(),
        primary: None,
        expected_keys,
        copy_keys,
        buckets: super::BUCKETS as u64,
        buckets_differing: differing,
        missing,
        orphan,
        stale,
        unexplained,
        by_label,
        by_field,
        ok: findings.is_empty(),
        examples: findings.into_iter().take(20).collect(),
        duration_s,
    }
}

/// The terminal summary.
pub fn terminal(r: &ConsistencyReport) -> String {
    let mut s = format!(
        "understudy consistency · profile {} · {} users · seed {} · copy {} ({})\n",
        r.profile, r.users, r.seed, r.copy_name, r.copy
    );
    s += &format!(
        "  keys      {} expected · {} in the copy · {} of {} buckets differ · {:.1} s\n",
        r.expected_keys, r.copy_keys, r.buckets_differing, r.buckets, r.duration_s
    );
    if let Some(p) = &r.primary {
        s += &format!(
            "  primary   {p} (the expected copy read from its users table)
"
        );
    }
    if r.ok {
        s += "  result    consistent: every key as the primary implies\n";
        return s;
    }
    s += &format!(
        "  drift     {} missing in the copy · {} orphans in the copy · {} stale · {} unexplained\n",
        r.missing, r.orphan, r.stale, r.unexplained
    );
    s += &format!(
        "  {:<22} {:>7} {:>8} {:>7} {:>7}\n",
        "label", "users", "missing", "orphan", "stale"
    );
    for (l, c) in &r.by_label {
        s += &format!(
            "  {:<22} {:>7} {:>8} {:>7} {:>7}\n",
            l, c.users, c.missing, c.orphan, c.stale
        );
    }
    if !r.by_field.is_empty() {
        let f: Vec<String> = r.by_field.iter().map(|(k, v)| format!("{k} {v}")).collect();
        s += &format!("  stale fields  {}\n", f.join(" · "));
    }
    for e in r.examples.iter().take(5) {
        let what = match e.values.iter().next() {
            Some((f, (a, b))) => format!(
                " {f}: {} → {}",
                a.as_deref().unwrap_or("(none)"),
                b.as_deref().unwrap_or("(none)")
            ),
            None => String::new(),
        };
        s += &format!("  e.g. {} {} [{}]{what}\n", e.kind, e.key, e.label);
    }
    s
}

/// The check as JUnit test cases (`--junit`, ARCHITECTURE.md § Reports):
/// missing, orphan and stale keys, one case per drift label, and the
/// findings no label explains.
pub fn junit(r: &ConsistencyReport) -> crate::report::junit::Suite {
    use crate::report::junit::{Case, Suite};
    let class = "understudy.consistency";
    let case = |name: String, n: u64, what: String| {
        Case::check(class, name, (n > 0).then(|| (what.clone(), what)))
    };
    let fields: Vec<String> = r
        .by_field
        .iter()
        .map(|(f, n)| format!("{f}: {n}"))
        .collect();
    let mut cases = vec![
        case(
            "no key missing in the copy".into(),
            r.missing,
            format!(
                "{} keys of the primary are missing in {}",
                r.missing, r.copy
            ),
        ),
        case(
            "no orphan key in the copy".into(),
            r.orphan,
            format!(
                "{} keys in {} belong to no user of the primary",
                r.orphan, r.copy
            ),
        ),
        case(
            "no stale field".into(),
            r.stale,
            format!("{} stale keys (by field: {})", r.stale, fields.join(", ")),
        ),
        case(
            "every finding explained by a drift label".into(),
            r.unexplained,
            format!("{} findings no drift label explains", r.unexplained),
        ),
    ];
    for (label, c) in &r.by_label {
        cases.push(case(
            format!("label {label}"),
            c.missing + c.orphan + c.stale,
            format!(
                "{} users: {} missing, {} orphan, {} stale",
                c.users, c.missing, c.orphan, c.stale
            ),
        ));
    }
    Suite {
        name: "understudy consistency".into(),
        time_s: r.duration_s,
        timestamp: r.head.started_at.clone(),
        properties: vec![
            ("profile".into(), r.profile.clone()),
            ("seed".into(), r.seed.to_string()),
            ("users".into(), r.users.to_string()),
            ("copy".into(), r.copy.clone()),
        ],
        cases,
    }
}

/// The HTML page (`report html`, `report show --html`).
pub fn html(r: &ConsistencyReport) -> String {
    crate::report::html::frame(
        "understudy consistency report",
        crate::report::html::Marks::Verdict,
        &body(r),
    )
}

/// The page's body (also a dossier's section): the summary, counts per
/// label, stale fields and the examples.
pub fn body(r: &ConsistencyReport) -> String {
    use crate::report::html::{esc, table, table_with_text};
    use std::fmt::Write;
    let mut s = format!(
        "<h1>Consistency: copy {} ({})</h1>\n<p>profile <b>{}</b> · {} users · seed {} · {} · {:.1} s</p>\n",
        esc(&r.copy_name),
        esc(&r.copy),
        esc(&r.profile),
        r.users,
        r.seed,
        esc(&r.head.started_at),
        r.duration_s
    );
    if let Some(p) = &r.primary {
        let _ = writeln!(
            s,
            "<p>Expected copy read from the primary {} (its users table).</p>",
            esc(p)
        );
    }
    let _ = writeln!(
        s,
        "<p>{} keys expected · {} in the copy · {} of {} buckets differ.</p>",
        r.expected_keys, r.copy_keys, r.buckets_differing, r.buckets
    );
    if r.ok {
        s.push_str("<p class=\"ok\"><b>Consistent</b>: every key as the primary implies.</p>\n");
        return s;
    }
    let _ = writeln!(
        s,
        "<p class=\"bad\"><b>Drift</b>: {} missing in the copy · {} orphans in the copy · {} stale · {} unexplained.</p>",
        r.missing, r.orphan, r.stale, r.unexplained
    );
    let rows: Vec<Vec<String>> = r
        .by_label
        .iter()
        .map(|(l, c)| {
            vec![
                format!("<code>{}</code>", esc(l)),
                c.users.to_string(),
                c.missing.to_string(),
                c.orphan.to_string(),
                c.stale.to_string(),
            ]
        })
        .collect();
    s.push_str(&table(
        "Findings per label",
        &["label", "users", "missing", "orphan", "stale"],
        &rows,
    ));
    if !r.by_field.is_empty() {
        let rows: Vec<Vec<String>> = r
            .by_field
            .iter()
            .map(|(f, n)| vec![format!("<code>{}</code>", esc(f)), n.to_string()])
            .collect();
        s.push_str(&table("Stale keys per field", &["field", "keys"], &rows));
    }
    let rows: Vec<Vec<String>> = r
        .examples
        .iter()
        .map(|e| {
            let what: Vec<String> = e
                .values
                .iter()
                .map(|(f, (a, b))| {
                    format!(
                        "<code>{}</code>: {} → {}",
                        esc(f),
                        esc(a.as_deref().unwrap_or("(none)")),
                        esc(b.as_deref().unwrap_or("(none)"))
                    )
                })
                .collect();
            vec![
                esc(&e.kind),
                format!("<code>{}</code>", esc(&e.key)),
                format!("<code>{}</code>", esc(&e.label)),
                what.join("<br>"),
            ]
        })
        .collect();
    s.push_str(&table_with_text(
        &format!("Examples (first {} by key)", r.examples.len()),
        &["finding", "key", "label", "values (primary → copy)"],
        &rows,
        &[0, 1, 2, 3],
    ));
    s
}
