//! Resume bookkeeping kept in the directory itself (ARCHITECTURE.md §
//! Exactly-once resume), beside the people so it survives the process and
//! travels with the server: `ou=understudy-progress,<suffix>` (an
//! `organizationalUnit`) holds the run in its `description` (JSON: run id,
//! profile digest, seed, users, batch rows), and each finished batch is one
//! `applicationProcess` entry below it, `cn=<table>-<k>`, whose
//! `description` values are `{"loaded":n,"rejected":m}` and one JSON object
//! per refused user (key, class, message, labels).
//!
//! A directory has no transaction around a batch: the batch's entry is
//! added once every user of the batch was answered, so a batch without one
//! is loaded again on resume, and an entry it finds already there is
//! compared with the one it would add (`load.rs`): counted once, never
//! duplicated.

use super::{Failure, Session};
use crate::dataset::Plan;
use crate::sink::ldif::{Directory, Entry};
use crate::target::{ErrorClass, Reject};
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub const PROGRESS_RDN: &str = "ou=understudy-progress";

/// A rehearsal's parameters: a resumed run must have the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub run_id: String,
    pub profile_digest: String,
    pub seed: u64,
    pub users: u64,
    pub batch_rows: u64,
}

impl Run {
    pub fn same_load(&self, o: &Run) -> bool {
        (&self.profile_digest, self.seed, self.users, self.batch_rows)
            == (&o.profile_digest, o.seed, o.users, o.batch_rows)
    }
}

/// What earlier runs recorded: the run, each finished batch's (loaded,
/// rejected), and the refused users.
pub struct Recorded {
    pub run: Run,
    pub batches: BTreeMap<u64, (u64, u64)>,
    pub rejects: Vec<Reject>,
}

/// Where the bookkeeping lives.
pub fn dn(dir: &Directory) -> String {
    format!("{PROGRESS_RDN},{}", dir.suffix_dn())
}

fn batch_dn(dir: &Directory, table: &str, batch: u64) -> String {
    format!("cn={}-{batch},{}", crate::dn::escaped(table), dn(dir))
}

/// The recorded run, or None when the directory has no bookkeeping.
pub fn read(s: &mut Session, dir: &Directory, plan: &Plan) -> Result<Option<Recorded>, Failure> {
    let Some(top) = s.get(&dn(dir), &["description"])? else {
        return Ok(None);
    };
    let run = top
        .attrs
        .get("description")
        .and_then(|v| v.first())
        .and_then(|d| serde_json::from_str::<Value>(d).ok())
        .map(|v| Run {
            run_id: v["run_id"].as_str().unwrap_or_default().to_string(),
            profile_digest: v["profile_digest"].as_str().unwrap_or_default().to_string(),
            seed: v["seed"].as_u64().unwrap_or_default(),
            users: v["users"].as_u64().unwrap_or_default(),
            batch_rows: v["batch_rows"].as_u64().unwrap_or_default(),
        })
        .ok_or_else(|| Failure {
            rc: None,
            text: format!("{} has no readable run description", dn(dir)),
        })?;
    let users = &plan.metas[plan.generator.users_table].name;
    let prefix = format!("{users}-");
    let mut batches = BTreeMap::new();
    let mut rejects = Vec::new();
    let mut bad = None;
    s.search_each(
        &dn(dir),
        "(objectClass=applicationProcess)",
        &["cn", "description"],
        |e| {
            let Some(k) = e
                .attrs
                .get("cn")
                .and_then(|v| v.first())
                .and_then(|cn| cn.strip_prefix(&prefix))
                .and_then(|k| k.parse::<u64>().ok())
            else {
                return;
            };
            let mut counts = None;
            for d in e.attrs.get("description").into_iter().flatten() {
                let Ok(v) = serde_json::from_str::<Value>(d) else {
                    bad = Some(e.dn.clone());
                    continue;
                };
                if v.get("loaded").is_some() {
                    counts = Some((
                        v["loaded"].as_u64().unwrap_or(0),
                        v["rejected"].as_u64().unwrap_or(0),
                    ));
                } else {
                    rejects.push(Reject {
                        table: plan.generator.users_table,
                        batch: k,
                        key: v["key"].as_str().unwrap_or_default().to_string(),
                        class: ErrorClass::named(v["class"].as_str().unwrap_or("other")),
                        message: v["message"].as_str().unwrap_or_default().to_string(),
                        labels: (v["labels"].as_array().into_iter().flatten())
                            .filter_map(|l| l.as_str().map(str::to_string))
                            .collect(),
                    });
                }
            }
            if let Some(c) = counts {
                batches.insert(k, c);
            }
        },
    )?;
    if let Some(d) = bad {
        return Err(Failure {
            rc: None,
            text: format!("{d}: a description value is not understudy's JSON"),
        });
    }
    Ok(Some(Recorded {
        run,
        batches,
        rejects,
    }))
}

/// Creates the bookkeeping entry for a new run.
pub fn start(s: &mut Session, dir: &Directory, run: &Run) -> Result<(), Failure> {
    let d = json!({
        "run_id": run.run_id,
        "profile_digest": run.profile_digest,
        "seed": run.seed,
        "users": run.users,
        "batch_rows": run.batch_rows,
    });
    s.add(&Entry {
        dn: dn(dir),
        attrs: vec![
            ("objectClass", "top".into()),
            ("objectClass", "organizationalUnit".into()),
            ("ou", "understudy-progress".into()),
            ("description", d.to_string()),
        ],
    })
}

/// Records a finished batch with its refused users. Recording it twice (a
/// retry after a lost answer) finds it there: done.
pub fn record(
    s: &mut Session,
    dir: &Directory,
    plan: &Plan,
    batch: u64,
    loaded: u64,
    rejects: &[Reject],
) -> Result<(), Failure> {
    let table = &plan.metas[plan.generator.users_table].name;
    let mut attrs: Vec<(&'static str, String)> = vec![
        ("objectClass", "top".into()),
        ("objectClass", "applicationProcess".into()),
        ("cn", format!("{table}-{batch}")),
        (
            "description",
            json!({"loaded": loaded, "rejected": rejects.len()}).to_string(),
        ),
    ];
    for r in rejects {
        attrs.push((
            "description",
            json!({"key": r.key, "class": r.class.as_str(), "message": r.message, "labels": r.labels})
                .to_string(),
        ));
    }
    match s.add(&Entry {
        dn: batch_dn(dir, table, batch),
        attrs,
    }) {
        Err(f) if f.rc == Some(68) => Ok(()),
        r => r,
    }
}
