//! `understudy dossier`: the reports of one migration's rehearsals
//! (rehearse, verify, report merge, estimate, jit, assess, consistency) in
//! one self-contained page, the verdict first, each figure linked to the
//! section of the report it came from; `--json` gives the verdict's figures
//! (ARCHITECTURE.md § Reports). Schema (version 1): the head (`kind`
//! "dossier"), `sources` [{anchor, file, kind, command, started_at}],
//! `verdict` {bulk [...], durations [...], loads [...], fault_runs {runs,
//! survived}, jit [...], copies [...]}; each figure names its source by
//! `source` (an anchor). `copies` (one per consistency report) came later
//! and is absent from older dossiers' JSON: it reads as empty.

mod html;

use crate::error::{Error, Result};
use crate::estimate::report::EstimateReport;
use crate::jit::run::JitReport;
use crate::report::head::Loaded;
use crate::report::{Head, Report};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use html::render;

pub const SCHEMA_VERSION: u32 = 1;

/// The kinds a dossier reads, with the newest schema version of each.
const KINDS: &[(&str, u32)] = &[
    ("rehearse", crate::report::SCHEMA_VERSION),
    ("estimate", crate::estimate::report::SCHEMA_VERSION),
    ("jit", crate::jit::report::SCHEMA_VERSION),
    ("assess", 1),
    ("consistency", crate::consistency::report::SCHEMA_VERSION),
];

/// One report given to the dossier, parsed.
pub enum Kind {
    Rehearse(Box<Report>),
    Estimate(Box<EstimateReport>),
    Jit(Box<JitReport>),
    Consistency(Box<crate::consistency::ConsistencyReport>),
    /// `assess --json`.
    Json(Value),
}

/// A report and where it came from.
pub struct Source {
    pub info: SourceRef,
    pub report: Kind,
}

/// What the page and the JSON say about a source.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceRef {
    /// The id of its section on the page (`src-1`, …).
    pub anchor: String,
    /// The file as given.
    pub file: String,
    pub kind: String,
    pub command: String,
    pub started_at: String,
}

/// The dossier's figures (`--json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Dossier {
    #[serde(flatten)]
    pub head: Head,
    pub sources: Vec<SourceRef>,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Verdict {
    /// Per target provider: can its users be bulk-imported with their passwords.
    pub bulk: Vec<Bulk>,
    /// Projected durations (estimate).
    pub durations: Vec<Duration>,
    /// What each load did (rehearse, verify, report merge).
    pub loads: Vec<Load>,
    /// Loads run through a fault plan, and those that verified despite it.
    pub fault_runs: FaultRuns,
    /// JIT coverage (jit).
    pub jit: Vec<Jit>,
    /// Denormalized copies checked (consistency).
    #[serde(default)]
    pub copies: Vec<CopyCheck>,
}

/// One copy checked against the primary.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CopyCheck {
    pub source: String,
    pub copy_name: String,
    /// The copy read (a redacted URL, a file).
    pub copy: String,
    pub expected_keys: u64,
    pub missing: u64,
    pub orphan: u64,
    pub stale: u64,
    /// Findings no drift label explains.
    pub unexplained: u64,
    /// Users per drift label.
    pub users_by_label: BTreeMap<String, u64>,
    /// No finding at all.
    pub consistent: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bulk {
    pub source: String,
    pub provider: String,
    pub users: u64,
    pub importable: u64,
    pub reset_required: u64,
    pub jit_only: u64,
    /// Users who cannot import their password hash, who must reset it or
    /// migrate just in time: `(reset_required + jit_only) / users`.
    pub reset_share: f64,
    /// Some users import with their password.
    pub possible: bool,
    /// The provider's verdict sentence (assess), if any.
    pub says: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Duration {
    pub source: String,
    pub production_users: u64,
    pub recommended_workers: usize,
    pub seconds: f64,
    pub low_seconds: f64,
    pub high_seconds: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Load {
    pub source: String,
    pub command: String,
    pub target: String,
    pub rows_expected: u64,
    pub rows_loaded: u64,
    pub rows_rejected: u64,
    pub rejected_by_label: BTreeMap<String, u64>,
    /// None: not verified.
    pub verify_ok: Option<bool>,
    pub mismatched: u64,
    pub mismatched_by_label: BTreeMap<String, u64>,
    /// The fault plan the load ran through.
    pub faults: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FaultRuns {
    pub runs: u64,
    /// Loads through a fault plan whose verification passed.
    pub survived: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Jit {
    pub source: String,
    pub users: u64,
    pub days: u32,
    /// The share of all users migrated after 30, 90 and 365 days.
    pub coverage: Vec<Coverage>,
    pub never_within_year_share: f64,
    pub passed: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Coverage {
    pub day: u32,
    pub share: f64,
    /// `observed` (the run replayed that day) or `forecast`.
    pub basis: String,
}

/// Reads every file (any kind and version the dossier knows), in order.
pub fn load(files: &[PathBuf]) -> Result<Vec<Source>> {
    let mut out = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let loaded = Loaded::read(f, KINDS)?;
        let kind = loaded.kind;
        let report = match kind {
            "rehearse" => Kind::Rehearse(loaded.parse()?),
            "estimate" => Kind::Estimate(loaded.parse()?),
            "jit" => Kind::Jit(loaded.parse()?),
            "consistency" => Kind::Consistency(loaded.parse()?),
            _ => Kind::Json(loaded.parse()?),
        };
        let head = match &report {
            Kind::Rehearse(r) => r.head.clone(),
            Kind::Estimate(r) => r.head.clone(),
            Kind::Jit(r) => r.head.clone(),
            Kind::Consistency(r) => r.head.clone(),
            Kind::Json(v) => serde_json::from_value(v.clone()).unwrap_or_default(),
        };
        out.push(Source {
            info: SourceRef {
                anchor: format!("src-{}", i + 1),
                file: f.display().to_string(),
                kind: kind.to_string(),
                command: head.command,
                started_at: head.started_at,
            },
            report,
        });
    }
    Ok(out)
}

/// The verdict's figures, read from the sources.
pub fn verdict(sources: &[Source]) -> Verdict {
    let mut v = Verdict::default();
    for s in sources {
        let at = || s.info.anchor.clone();
        match &s.report {
            Kind::Rehearse(r) => {
                let load = load_of(r, at());
                if load.faults.is_some() {
                    v.fault_runs.runs += 1;
                    v.fault_runs.survived += u64::from(load.verify_ok == Some(true));
                }
                v.loads.push(load);
                if let Some(h) = &r.http {
                    v.bulk.push(Bulk {
                        source: at(),
                        provider: h.api.clone(),
                        users: r.users,
                        importable: r.users.saturating_sub(h.jit_only),
                        reset_required: 0,
                        jit_only: h.jit_only,
                        reset_share: h.jit_only as f64 / r.users.max(1) as f64,
                        possible: r.users > h.jit_only,
                        says: None,
                    });
                }
            }
            Kind::Estimate(r) => {
                if let Some(p) = r
                    .projections
                    .iter()
                    .find(|p| p.workers == r.recommended_workers)
                {
                    v.durations.push(Duration {
                        source: at(),
                        production_users: r.production_users,
                        recommended_workers: r.recommended_workers,
                        seconds: p.seconds,
                        low_seconds: p.low_seconds,
                        high_seconds: p.high_seconds,
                    });
                }
            }
            Kind::Jit(r) => v.jit.push(Jit {
                source: at(),
                users: r.users,
                days: r.days,
                coverage: [30, 90, 365]
                    .iter()
                    .filter_map(|&day| {
                        crate::jit::report::coverage_at(r, day).map(|(share, basis)| Coverage {
                            day,
                            share,
                            basis: basis.into(),
                        })
                    })
                    .collect(),
                never_within_year_share: r.forecast.never_within_year_share,
                passed: r.passed,
            }),
            Kind::Consistency(r) => v.copies.push(CopyCheck {
                source: at(),
                copy_name: r.copy_name.clone(),
                copy: r.copy.clone(),
                expected_keys: r.expected_keys,
                missing: r.missing,
                orphan: r.orphan,
                stale: r.stale,
                unexplained: r.unexplained,
                users_by_label: r
                    .by_label
                    .iter()
                    .map(|(l, c)| (l.clone(), c.users))
                    .collect(),
                consistent: r.ok,
            }),
            Kind::Json(j) if s.info.kind == "assess" => v.bulk.extend(assess(j, &at())),
            Kind::Json(_) => {}
        }
    }
    v
}

fn load_of(r: &Report, source: String) -> Load {
    Load {
        source,
        command: r.head.command.clone(),
        target: r.target.clone(),
        rows_expected: r.rows_expected,
        rows_loaded: r.rows_loaded,
        rows_rejected: r.rows_rejected,
        rejected_by_label: r.errors_by_label.clone(),
        verify_ok: r.verify.as_ref().map(|v| v.ok),
        mismatched: r.verify.as_ref().map(|v| v.mismatched).unwrap_or(0),
        mismatched_by_label: r
            .verify
            .as_ref()
            .map(|v| v.mismatched_by_label.clone())
            .unwrap_or_default(),
        faults: r.faults.as_ref().map(|f| f.plan.clone()),
    }
}

/// An `assess --json` report's providers.
fn assess(j: &Value, source: &str) -> Vec<Bulk> {
    let n = |p: &Value, k: &str| p.get(k).and_then(Value::as_u64).unwrap_or(0);
    j.get("providers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| {
            let users = n(p, "users");
            Bulk {
                source: source.to_string(),
                provider: p
                    .get("provider")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_string(),
                users,
                importable: n(p, "importable"),
                reset_required: n(p, "reset_required"),
                jit_only: n(p, "jit_only"),
                reset_share: (n(p, "reset_required") + n(p, "jit_only")) as f64
                    / users.max(1) as f64,
                possible: n(p, "importable") > 0,
                says: p.get("verdict").and_then(Value::as_str).map(String::from),
            }
        })
        .collect()
}

/// What `understudy dossier` does.
pub struct Options {
    pub files: Vec<PathBuf>,
    pub out: PathBuf,
    pub json: Option<PathBuf>,
}

/// Reads the reports, writes the page (and the figures).
pub fn run(o: &Options) -> Result<Dossier> {
    crate::util::check_outputs(&[("--out", &Some(o.out.clone())), ("--json", &o.json)])?;
    if o.files.is_empty() {
        return Err(Error::usage("dossier: give at least one report file"));
    }
    let sources = load(&o.files)?;
    let d = Dossier {
        head: Head::new("dossier", SCHEMA_VERSION, crate::report::head::now()),
        sources: sources.iter().map(|s| s.info.clone()).collect(),
        verdict: verdict(&sources),
    };
    write(&o.out, &render(&d, &sources))?;
    if let Some(p) = &o.json {
        let json = serde_json::to_string_pretty(&d).expect("dossier serialises");
        write(p, &(json + "\n"))?;
    }
    Ok(d)
}

fn write(p: &Path, text: &str) -> Result<()> {
    std::fs::write(p, text).map_err(|e| Error::io("write", p, e))
}
