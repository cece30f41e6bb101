//! `understudy assess`: before anything runs, what share of the users each
//! provider imports with their password, per hash format, and what the rest
//! must do, from the same per-user verdicts `export` writes files from (so the
//! two agree user for user). Report kind `assess`, schema version 1
//! (docs/reports.md).

use super::{Provider, rules};
use crate::dataset::Plan;
use crate::error::{Error, Result};
use crate::report::Head;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub const SCHEMA_VERSION: u32 = 1;

/// One format's users at one provider.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    pub users: u64,
    pub importable: u64,
    pub reset_required: u64,
    pub jit_only: u64,
    /// `reason\tdetail` → users.
    pub reasons: BTreeMap<String, u64>,
    /// Users imported without one of their second factors (they enrol it
    /// again), counted apart from the password's consequence.
    pub mfa_reenroll: u64,
    /// `reason\tdetail` → users, for the factors left out.
    pub mfa_reasons: BTreeMap<String, u64>,
}

/// Per format, for one provider.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub formats: BTreeMap<String, Row>,
}

impl Tally {
    pub fn add(
        &mut self,
        format: &str,
        v: &Result<rules::Accepted, rules::Refusal>,
        mfa: Option<&rules::Refusal>,
    ) {
        let row = match self.formats.get_mut(format) {
            Some(r) => r,
            None => self.formats.entry(format.to_string()).or_default(),
        };
        row.users += 1;
        match v {
            Ok(_) => row.importable += 1,
            Err(r) => {
                match r.consequence {
                    rules::Consequence::JitOnly => row.jit_only += 1,
                    _ => row.reset_required += 1,
                }
                *row.reasons
                    .entry(format!("{}\t{}", r.reason.name(), r.detail))
                    .or_default() += 1;
            }
        }
        if let Some(r) = mfa {
            row.mfa_reenroll += 1;
            *row.mfa_reasons
                .entry(format!("{}\t{}", r.reason.name(), r.detail))
                .or_default() += 1;
        }
    }

    /// `n` users of one format with one verdict.
    pub fn add_n(&mut self, format: &str, v: &Result<rules::Accepted, rules::Refusal>, n: u64) {
        let mut one = Tally::default();
        one.add(format, v, None);
        for r in one.formats.values_mut() {
            r.users *= n;
            r.importable *= n;
            r.reset_required *= n;
            r.jit_only *= n;
            r.reasons.values_mut().for_each(|x| *x *= n);
        }
        self.merge(&one);
    }

    pub fn merge(&mut self, o: &Tally) {
        for (f, r) in &o.formats {
            let row = self.formats.entry(f.clone()).or_default();
            row.users += r.users;
            row.importable += r.importable;
            row.reset_required += r.reset_required;
            row.jit_only += r.jit_only;
            for (k, n) in &r.reasons {
                *row.reasons.entry(k.clone()).or_default() += n;
            }
            row.mfa_reenroll += r.mfa_reenroll;
            for (k, n) in &r.mfa_reasons {
                *row.mfa_reasons.entry(k.clone()).or_default() += n;
            }
        }
    }

    pub fn total(&self) -> Row {
        let mut t = Row::default();
        for r in self.formats.values() {
            t.users += r.users;
            t.importable += r.importable;
            t.reset_required += r.reset_required;
            t.jit_only += r.jit_only;
            t.mfa_reenroll += r.mfa_reenroll;
        }
        t
    }
}

fn pct(n: u64, d: u64) -> String {
    format!(
        "{:.1} %",
        if d == 0 {
            0.0
        } else {
            n as f64 * 100.0 / d as f64
        }
    )
}

/// The formats behind a number of users, the largest first: "argon2id, phpass".
fn which(t: &Tally, pick: impl Fn(&Row) -> u64) -> String {
    let mut v: Vec<(&String, u64)> = t
        .formats
        .iter()
        .map(|(f, r)| (f, pick(r)))
        .filter(|(_, n)| *n > 0)
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let names: Vec<&str> = v.iter().take(4).map(|(f, _)| f.as_str()).collect();
    let more = if v.len() > 4 {
        format!(" and {} more", v.len() - 4)
    } else {
        String::new()
    };
    format!("{}{more}", names.join(", "))
}

/// "Okta: 80.0 % import with their password, 20.0 % just in time (argon2id)".
pub fn verdict(p: Provider, t: &Tally) -> String {
    let s = t.total();
    let mut parts = vec![format!(
        "{}: {} import with their password",
        p.title(),
        pct(s.importable, s.users)
    )];
    if s.jit_only > 0 {
        parts.push(format!(
            "{} must migrate just in time or reset ({})",
            pct(s.jit_only, s.users),
            which(t, |r| r.jit_only)
        ));
    }
    if s.reset_required > 0 {
        parts.push(format!(
            "{} must reset ({})",
            pct(s.reset_required, s.users),
            which(t, |r| r.reset_required)
        ));
    }
    if s.mfa_reenroll > 0 {
        parts.push(format!(
            "{} must enrol a second factor again",
            pct(s.mfa_reenroll, s.users)
        ));
    }
    parts.join(", ")
}

fn reasons_json(m: &BTreeMap<String, u64>) -> Vec<Value> {
    m.iter()
        .map(|(k, n)| {
            let (reason, detail) = k.split_once('\t').unwrap_or((k, ""));
            json!({"reason": reason, "detail": detail, "users": n})
        })
        .collect()
}

/// One provider's entry of the report (also `export`'s `summary.json`).
pub fn provider_json(p: Provider, t: &Tally) -> Value {
    let s = t.total();
    let formats: Vec<Value> = t
        .formats
        .iter()
        .map(|(f, r)| {
            json!({"format": f, "users": r.users, "importable": r.importable,
                   "reset_required": r.reset_required, "jit_only": r.jit_only,
                   "reasons": reasons_json(&r.reasons),
                   "mfa_reenroll": r.mfa_reenroll, "mfa_reasons": reasons_json(&r.mfa_reasons)})
        })
        .collect();
    json!({"provider": p.name(), "users": s.users, "importable": s.importable,
           "reset_required": s.reset_required, "jit_only": s.jit_only,
           "mfa_reenroll": s.mfa_reenroll,
           "verdict": verdict(p, t), "formats": formats})
}

/// The `assess` report.
#[derive(Debug, Serialize)]
pub struct AssessReport {
    #[serde(flatten)]
    pub head: Head,
    /// The profile assessed (absent for `--source`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub profile: String,
    pub users: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// `assess --source`: the source (redacted), its users table and hash column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Value>,
    pub providers: Vec<Value>,
}

/// Users of a live source counted by hash format (`infer::census`): the
/// format, its users, the parameters the prefix says (bcrypt's cost).
pub struct Counted<'a> {
    pub mix: &'a [(String, u64, crate::hash::Params)],
    /// Users without a hash.
    pub nulls: u64,
    /// Hashes of no known format.
    pub unknown: u64,
}

/// Every provider's tally over a source's counts: each format's verdict is
/// the rules' verdict on a hash of that format with the prefix's parameters
/// over the format's defaults (a format-exact shape: `HashFormat::shape`),
/// for all its users. Field limits and second factors are not read from a
/// source, so they do not count here.
pub fn tallies_of(c: &Counted, providers: &[Provider]) -> Vec<Tally> {
    let mut out = vec![Tally::default(); providers.len()];
    let refused = |p: Provider, reason, detail: &str| {
        Err(rules::Refusal {
            reason,
            consequence: if reason == rules::Reason::NoHash {
                rules::Consequence::ResetRequired
            } else {
                rules::fallback(p)
            },
            detail: detail.to_string(),
        })
    };
    for (i, (name, n, over)) in c.mix.iter().enumerate() {
        let Some(f) = crate::hash::lookup(name) else {
            continue;
        };
        let params = crate::hash::merged_over(f.default_params(), over);
        let encoded = f.shape(&params, &mut crate::rng::Rng::at(0, i as u64));
        let h = super::UserHash {
            format: f,
            encoded: &encoded,
            params: &params,
        };
        for (t, p) in out.iter_mut().zip(providers) {
            t.add_n(name, &rules::hash_verdict(*p, &h), *n);
        }
    }
    for (t, p) in out.iter_mut().zip(providers) {
        if c.nulls > 0 {
            let v = refused(*p, rules::Reason::NoHash, "no password hash");
            t.add_n("(none)", &v, c.nulls);
        }
        if c.unknown > 0 {
            let v = refused(
                *p,
                rules::Reason::Format,
                "a hash of no format understudy knows",
            );
            t.add_n("(unknown)", &v, c.unknown);
        }
    }
    out
}

/// `assess --source`: the report over a source's counts.
pub fn run_counted(c: &Counted, source: Value, users: u64, providers: &[Provider]) -> AssessReport {
    let head = Head::new("assess", SCHEMA_VERSION, crate::report::head::now());
    let t = tallies_of(c, providers);
    AssessReport {
        head,
        profile: String::new(),
        users,
        seed: None,
        source: Some(source),
        providers: providers
            .iter()
            .zip(&t)
            .map(|(p, t)| provider_json(*p, t))
            .collect(),
    }
}

/// Every provider's tally over the plan's users (one regeneration per user).
pub fn tallies(plan: &Plan, providers: &[Provider], threads: usize) -> Result<Vec<Tally>> {
    let fields = super::Fields::of(plan)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| Error::usage(format!("cannot start threads: {e}")))?;
    const CHUNK: u64 = 4096;
    let chunks: Vec<std::ops::Range<u64>> = (0..plan.users.div_ceil(CHUNK))
        .map(|k| k * CHUNK..((k + 1) * CHUNK).min(plan.users))
        .collect();
    let parts: Vec<Vec<Tally>> = pool.install(|| {
        chunks
            .par_iter()
            .map(|r| {
                let mut users = super::Users::new(plan, &fields);
                let mut t = vec![Tally::default(); providers.len()];
                for i in r.clone() {
                    let mut m = users.make(i, Vec::new());
                    let identity = m.user.identity.clone();
                    for (k, p) in providers.iter().enumerate() {
                        m.user.identity.clone_from(&identity);
                        let (v, mfa) = rules::decide(*p, &mut m.user);
                        t[k].add(rules::format_of(&m.user), &v, mfa.as_ref());
                    }
                }
                t
            })
            .collect()
    });
    let mut out = vec![Tally::default(); providers.len()];
    for t in parts {
        for (o, x) in out.iter_mut().zip(&t) {
            o.merge(x);
        }
    }
    Ok(out)
}

pub fn run(
    plan: &Plan,
    profile: &str,
    providers: &[Provider],
    threads: usize,
) -> Result<AssessReport> {
    let head = Head::new("assess", SCHEMA_VERSION, crate::report::head::now());
    let t = tallies(plan, providers, threads)?;
    Ok(AssessReport {
        head,
        profile: profile.to_string(),
        users: plan.users,
        seed: Some(plan.seed),
        source: None,
        providers: providers
            .iter()
            .zip(&t)
            .map(|(p, t)| provider_json(*p, t))
            .collect(),
    })
}

/// The terminal table: per provider, per format.
pub fn terminal(r: &AssessReport) -> String {
    let mut s = match &r.source {
        Some(src) => format!(
            "assess: {} users of {} ({}.{}), by hash prefix\n",
            r.users,
            src["dsn"].as_str().unwrap_or(""),
            src["table"].as_str().unwrap_or(""),
            src["column"].as_str().unwrap_or("")
        ),
        None => format!(
            "assess: {} users of profile {} (seed {})\n",
            r.users,
            r.profile,
            r.seed.unwrap_or_default()
        ),
    };
    for p in &r.providers {
        s.push_str(&format!(
            "\n{:<10} {:<22} {:>9} {:>10} {:>9} {:>9}  reason\n",
            p["provider"].as_str().unwrap_or(""),
            "format",
            "users",
            "importable",
            "reset",
            "jit only"
        ));
        for f in p["formats"].as_array().into_iter().flatten() {
            let reason = f["reasons"]
                .as_array()
                .and_then(|r| r.iter().max_by_key(|x| x["users"].as_u64()))
                .map(|x| {
                    format!(
                        "{}: {}",
                        x["reason"].as_str().unwrap_or(""),
                        x["detail"].as_str().unwrap_or("")
                    )
                })
                .unwrap_or_default();
            s.push_str(&format!(
                "{:<10} {:<22} {:>9} {:>10} {:>9} {:>9}  {reason}\n",
                "",
                f["format"].as_str().unwrap_or(""),
                f["users"].as_u64().unwrap_or(0),
                f["importable"].as_u64().unwrap_or(0),
                f["reset_required"].as_u64().unwrap_or(0),
                f["jit_only"].as_u64().unwrap_or(0)
            ));
        }
    }
    s.push('\n');
    for p in &r.providers {
        s.push_str(p["verdict"].as_str().unwrap_or(""));
        s.push('\n');
    }
    s
}
