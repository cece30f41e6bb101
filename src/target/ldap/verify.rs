//! Verification of a directory against the regenerated ground truth
//! (ARCHITECTURE.md § Ground truth is regenerated): every entry under the
//! base DN is read back (paged search) and compared with the entry its user
//! regenerates to, keyed by `employeeNumber` (the row's primary key):
//! missing, extra, duplicated and mismatched entries, an order-independent
//! digest of each side (the wrapping sum of per-entry xxh3-128 digests of
//! the canonical entry), and up to 20 examples attribute by attribute.
//! Then a sample of users of every password scheme binds with its own
//! password, and with a wrong one, which must fail.
//!
//! Canonical entry: the DN as parsed RDNs (types lowercased, values
//! unescaped: a server may write a DN's escapes its own way), then each
//! attribute (name lowercased) with its values sorted (LDAP values are sets).

use super::{LdapTarget, READ_ATTRS, Session};
use crate::dataset::Plan;
use crate::error::{Error, Result};
use crate::generator::plan::{CHUNK, rows_in};
use crate::generator::table::{RowId, Scratch};
use crate::hash::HashMode;
use crate::report::{Example, PasswordCheck, SchemeCheck, TableVerify, Verify};
use crate::row::RowBuf;
use crate::sink::ldif::{Directory, Entry};
use crate::target::Reject;
use ldap3::SearchEntry;
use std::collections::{BTreeMap, HashMap, HashSet};
use xxhash_rust::xxh3::{xxh3_64, xxh3_128};

const EXAMPLES: usize = 20;
/// Users per password scheme that bind.
pub const PER_SCHEME: usize = 5;

/// An entry as (lowercased attribute, sorted values), sorted by attribute.
type Attrs = BTreeMap<String, Vec<String>>;

fn attrs_of_entry(e: &Entry) -> Attrs {
    let mut m = Attrs::new();
    for (n, v) in &e.attrs {
        m.entry(n.to_ascii_lowercase()).or_default().push(v.clone());
    }
    for v in m.values_mut() {
        v.sort();
        v.dedup();
    }
    m
}

fn attrs_of_found(e: &SearchEntry) -> Attrs {
    let mut m = Attrs::new();
    for (n, vs) in &e.attrs {
        m.entry(n.to_ascii_lowercase())
            .or_default()
            .extend(vs.iter().cloned());
    }
    for (n, vs) in &e.bin_attrs {
        m.entry(n.to_ascii_lowercase())
            .or_default()
            .extend(vs.iter().map(|b| String::from_utf8_lossy(b).into_owned()));
    }
    for v in m.values_mut() {
        v.sort();
        v.dedup();
    }
    m
}

/// The DN as RDNs, each RDN's pairs sorted (the order of a multi-valued
/// RDN's pairs carries no meaning); the text itself when it does not parse.
fn dn_canon(dn: &str) -> String {
    match crate::dn::parse(dn) {
        Ok(rdns) => {
            let mut s = String::new();
            for mut rdn in rdns {
                rdn.sort();
                for (t, v) in rdn {
                    s.push_str(&t);
                    s.push('\u{1}');
                    s.push_str(&v);
                    s.push('\u{2}');
                }
                s.push('\u{3}');
            }
            s
        }
        Err(_) => dn.to_string(),
    }
}

fn canon(dn: &str, attrs: &Attrs) -> String {
    let mut s = dn_canon(dn);
    for (n, vs) in attrs {
        s.push('\u{1c}');
        s.push_str(n);
        for v in vs {
            s.push('\u{1d}');
            s.push_str(v);
        }
    }
    s
}

fn digest_of_entry(e: &Entry) -> u128 {
    xxh3_128(canon(&e.dn, &attrs_of_entry(e)).as_bytes())
}

fn digest_of_found(e: &SearchEntry) -> u128 {
    xxh3_128(canon(&e.dn, &attrs_of_found(e)).as_bytes())
}

/// Whether the entry a server holds is the one `e` would add.
pub fn same_entry(e: &Entry, found: &SearchEntry) -> bool {
    digest_of_entry(e) == digest_of_found(found)
}

fn key(k: &str) -> u64 {
    xxh3_64(k.as_bytes())
}

/// The regenerated side: (key, digest, index) of each user the directory
/// should hold, the labels of those with edge cases, and a spread sample of
/// users per password scheme.
struct Truth {
    expected: Vec<(u64, u128, u64)>,
    labels: HashMap<u64, Vec<String>>,
    sample: BTreeMap<String, Vec<u64>>,
    digest: u128,
}

fn truth(plan: &Plan, dir: &Directory, rejected: &HashSet<&str>) -> Truth {
    let g = &plan.generator;
    let u = g.users_table;
    let pk = g.tables[u].pk.clone();
    let mut t = Truth {
        expected: Vec::with_capacity(plan.users as usize),
        labels: HashMap::new(),
        sample: BTreeMap::new(),
        digest: 0,
    };
    let mut row = RowBuf::default();
    let mut scratch = Scratch::default();
    let mut start = 0;
    while start < plan.users {
        let end = (start + CHUNK).min(plan.users);
        rows_in(
            g,
            u,
            &[],
            start..end,
            &[],
            &mut row,
            &mut scratch,
            |_, id, row, sc| {
                let k: Vec<&str> = pk.iter().map(|&c| row.get(c).1).collect();
                if rejected.contains(k.join("\u{1f}").as_str()) {
                    return;
                }
                let e = dir.entry(row);
                let d = digest_of_entry(&e);
                t.digest = t.digest.wrapping_add(d);
                t.expected
                    .push((key(e.first("employeeNumber").unwrap_or("")), d, id.index));
                if !sc.injections.is_empty() {
                    t.labels.insert(
                        id.index,
                        sc.injections
                            .iter()
                            .map(|i| g.edge_label(i.case).to_string())
                            .collect(),
                    );
                } else if let (Some(m), Some(_)) = (sc.mix, e.first("userPassword")) {
                    let s = t
                        .sample
                        .entry(g.pools[m].format.name().to_string())
                        .or_default();
                    if s.len() < PER_SCHEME {
                        s.push(id.index);
                    }
                }
            },
        );
        start = end;
    }
    t
}

/// Reads the directory back and compares it with the ground truth.
pub fn verify(
    target: &LdapTarget,
    plan: &Plan,
    dir: &Directory,
    rejects: &[Reject],
) -> Result<Verify> {
    let started = std::time::Instant::now();
    let mut s = target.reach()?;
    let rejected: HashSet<&str> = rejects.iter().map(|r| r.key.as_str()).collect();
    let mut t = truth(plan, dir, &rejected);
    let progress = dn_canon(&super::progress::dn(dir));
    let base = dn_canon(&dir.base_dn);
    let mut found: Vec<(u64, u128)> = Vec::new();
    let mut digest_found = 0u128;
    let listed = s
        .search_each(&dir.base_dn, "(objectClass=*)", &READ_ATTRS, |e| {
            let d = dn_canon(&e.dn);
            if d == base || d.ends_with(&progress) {
                return;
            }
            let k = (e.attrs.get("employeeNumber").and_then(|v| v.first()))
                .map(|k| key(k))
                .unwrap_or_else(|| key(&format!("dn:{}", e.dn)));
            let h = digest_of_found(&e);
            digest_found = digest_found.wrapping_add(h);
            found.push((k, h));
        })
        .map_err(|f| Error::target(format!("reading {} back: {f}", dir.base_dn)))?;
    // Entries read, less the base entry and the bookkeeping.
    let _ = listed;
    let listed = found.len() as u64;
    t.expected.sort_unstable();
    found.sort_unstable();
    let cmp = compare(&t.expected, &found);
    let mut by_label: BTreeMap<String, u64> = BTreeMap::new();
    for (_, kind, index) in &cmp.wanted_all {
        if *kind != "mismatched" {
            continue;
        }
        match index.and_then(|i| t.labels.get(&i)) {
            Some(ls) => ls
                .iter()
                .for_each(|l| *by_label.entry(l.clone()).or_default() += 1),
            None => {
                *by_label
                    .entry("no-edge-case:mismatched".into())
                    .or_default() += 1
            }
        }
    }
    let examples = examples(&mut s, plan, dir, &cmp.wanted_all, &t.labels)?;
    let passwords = passwords(target, plan, dir, &t.sample);
    let ok = cmp.missing == 0
        && cmp.extra == 0
        && cmp.mismatched == 0
        && cmp.duplicated == 0
        && passwords.failed == 0
        && passwords.wrong_accepted == 0;
    let n_expected = t.expected.len() as u64;
    let name = plan.metas[plan.generator.users_table].name.clone();
    let hex = |d: u128| format!("{d:032x}");
    Ok(Verify {
        ok,
        expected: n_expected,
        found: listed,
        missing: cmp.missing,
        extra: cmp.extra,
        mismatched: cmp.mismatched,
        mismatched_by_label: by_label.clone(),
        duplicated: cmp.duplicated,
        rejected: rejects.len() as u64,
        tables: vec![TableVerify {
            name,
            expected: n_expected,
            found: listed,
            missing: cmp.missing,
            extra: cmp.extra,
            mismatched: cmp.mismatched,
            mismatched_by_label: by_label,
            rejected: rejects.len() as u64,
            digest_expected: hex(t.digest),
            digest_found: hex(digest_found),
            ok,
        }],
        examples,
        passwords: Some(passwords),
        missing_columns: Vec::new(),
        renamed_columns: Vec::new(),
        digest: hex(digest_found),
        duration_s: started.elapsed().as_secs_f64(),
    })
}

struct Compared {
    missing: u64,
    extra: u64,
    mismatched: u64,
    duplicated: u64,
    /// (key, kind, expected index) of every difference.
    wanted_all: Vec<(u64, &'static str, Option<u64>)>,
}

/// Both sides sorted by key: a merge.
fn compare(expected: &[(u64, u128, u64)], found: &[(u64, u128)]) -> Compared {
    let mut c = Compared {
        missing: 0,
        extra: 0,
        mismatched: 0,
        duplicated: 0,
        wanted_all: Vec::new(),
    };
    let (mut i, mut j) = (0, 0);
    while i < expected.len() || j < found.len() {
        match (expected.get(i), found.get(j)) {
            (Some(e), Some(f)) if e.0 == f.0 => {
                if e.1 != f.1 {
                    c.mismatched += 1;
                    c.wanted_all.push((e.0, "mismatched", Some(e.2)));
                }
                i += 1;
                j += 1;
                while j < found.len()
                    && found[j].0 == e.0
                    && expected.get(i).is_none_or(|n| n.0 != e.0)
                {
                    c.duplicated += 1;
                    c.wanted_all.push((e.0, "duplicated", Some(e.2)));
                    j += 1;
                }
            }
            (Some(e), f) if f.is_none_or(|f| e.0 < f.0) => {
                c.missing += 1;
                c.wanted_all.push((e.0, "missing", Some(e.2)));
                i += 1;
            }
            (_, Some(f)) => {
                c.extra += 1;
                c.wanted_all.push((f.0, "extra", None));
                j += 1;
            }
            _ => unreachable!("one side has an entry"),
        }
    }
    c
}

/// The user at `index`, regenerated: its entry, and its scratch (password,
/// hash scheme).
fn regenerate(plan: &Plan, dir: &Directory, index: u64, scratch: &mut Scratch) -> Entry {
    let g = &plan.generator;
    let mut row = RowBuf::default();
    scratch.want_password = true;
    g.row(
        g.users_table,
        RowId {
            index,
            parent: 0,
            ordinal: 0,
        },
        &mut row,
        scratch,
    );
    dir.entry(&row)
}

/// Up to 20 differences, attribute by attribute (the found side read by
/// `employeeNumber`; an extra entry is named by its key only).
fn examples(
    s: &mut Session,
    plan: &Plan,
    dir: &Directory,
    wanted: &[(u64, &'static str, Option<u64>)],
    labels: &HashMap<u64, Vec<String>>,
) -> Result<Vec<Example>> {
    let mut out = Vec::new();
    let mut scratch = Scratch::default();
    for &(k, kind, index) in wanted.iter().take(EXAMPLES) {
        let Some(index) = index else {
            out.push(Example {
                table: dir.users.clone(),
                kind: kind.into(),
                key: format!("{k:016x}"),
                fields: BTreeMap::new(),
                labels: Vec::new(),
            });
            continue;
        };
        let e = regenerate(plan, dir, index, &mut scratch);
        let id = e.first("employeeNumber").unwrap_or_default().to_string();
        let mut fields = BTreeMap::new();
        if kind == "mismatched" {
            let filter = format!("(employeeNumber={})", ldap3::ldap_escape(&id));
            let mut got: Option<SearchEntry> = None;
            s.search_each(&dir.base_dn, &filter, &READ_ATTRS, |f| {
                got.get_or_insert(f);
            })
            .map_err(|f| Error::target(format!("reading {id} back: {f}")))?;
            if let Some(f) = got {
                let (want, have) = (attrs_of_entry(&e), attrs_of_found(&f));
                if dn_canon(&e.dn) != dn_canon(&f.dn) {
                    fields.insert("dn".into(), (Some(e.dn.clone()), Some(f.dn.clone())));
                }
                let names: std::collections::BTreeSet<&String> =
                    want.keys().chain(have.keys()).collect();
                for n in names {
                    let (a, b) = (want.get(n), have.get(n));
                    if a != b {
                        fields.insert(
                            n.clone(),
                            (a.map(|v| v.join(" | ")), b.map(|v| v.join(" | "))),
                        );
                    }
                }
            }
        }
        out.push(Example {
            table: dir.users.clone(),
            kind: kind.into(),
            key: id,
            fields,
            labels: labels.get(&index).cloned().unwrap_or_default(),
        });
    }
    Ok(out)
}

/// Binds as a sample of users per scheme: with the user's own password
/// (must succeed) and with a wrong one (must fail).
fn passwords(
    target: &LdapTarget,
    plan: &Plan,
    dir: &Directory,
    sample: &BTreeMap<String, Vec<u64>>,
) -> PasswordCheck {
    let skip = |why: &str| PasswordCheck {
        skipped_reason: Some(why.into()),
        ..PasswordCheck::default()
    };
    if !plan
        .generator
        .has_password_column(plan.generator.users_table)
    {
        return skip("the profile has no password_hash column");
    }
    if plan.hashes.iter().any(|h| h.mode == HashMode::Shape) {
        return skip("hashes are in shape mode (they do not verify)");
    }
    let mut pc = PasswordCheck::default();
    let mut scratch = Scratch::default();
    for (scheme, indexes) in sample {
        let mut sc = SchemeCheck::default();
        for &i in indexes {
            let e = regenerate(plan, dir, i, &mut scratch);
            let pw = scratch.password.clone();
            // Wrong from its first byte: bcrypt reads only 72 bytes.
            let wrong = format!("wrong-{pw}");
            sc.checked += 1;
            match target.binds(&e.dn, &pw) {
                Ok(true) => sc.verified += 1,
                _ => sc.failed += 1,
            }
            match target.binds(&e.dn, &wrong) {
                Ok(false) => sc.wrong_refused += 1,
                _ => sc.wrong_accepted += 1,
            }
        }
        pc.checked += sc.checked;
        pc.verified += sc.verified;
        pc.failed += sc.failed;
        pc.wrong_refused += sc.wrong_refused;
        pc.wrong_accepted += sc.wrong_accepted;
        pc.by_scheme.insert(scheme.clone(), sc);
    }
    pc
}
