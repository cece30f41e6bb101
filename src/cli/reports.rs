//! `report show|html`: the dispatch over report kinds. `report` reads any
//! report's head; the kinds themselves live with the commands that write them
//! (ARCHITECTURE.md § Reports).

use crate::consistency::report::{self as consistency, ConsistencyReport};
use crate::error::Result;
use crate::estimate::report::{self as estimate, EstimateReport};
use crate::jit::{report as jit, run::JitReport};
use crate::report::{self, Report, head::Loaded};
use std::path::Path;

/// The kinds `report show|html` read, with the schema version each is written at.
const KINDS: &[(&str, u32)] = &[
    ("rehearse", report::SCHEMA_VERSION),
    ("estimate", estimate::SCHEMA_VERSION),
    ("jit", jit::SCHEMA_VERSION),
    ("consistency", consistency::SCHEMA_VERSION),
];

/// Any report `report show|html` reads, told apart by its head's `kind`
/// (`command` in a version-1 rehearse or estimate report).
#[derive(Debug, Clone)]
pub enum AnyReport {
    Rehearse(Box<Report>),
    Estimate(Box<EstimateReport>),
    Jit(Box<JitReport>),
    Consistency(Box<ConsistencyReport>),
}

impl AnyReport {
    pub fn load(path: &Path) -> Result<AnyReport> {
        let loaded = Loaded::read(path, KINDS)?;
        Ok(match loaded.kind {
            "rehearse" => AnyReport::Rehearse(loaded.parse()?),
            "estimate" => AnyReport::Estimate(loaded.parse()?),
            "consistency" => AnyReport::Consistency(loaded.parse()?),
            _ => AnyReport::Jit(loaded.parse()?),
        })
    }

    /// The terminal summary, as the command that wrote the report prints it.
    pub fn terminal(&self) -> String {
        match self {
            AnyReport::Rehearse(r) => report::terminal::render(r),
            AnyReport::Estimate(r) => estimate::terminal(r),
            AnyReport::Jit(r) => jit::terminal(r),
            AnyReport::Consistency(r) => consistency::terminal(r),
        }
    }

    pub fn html(&self) -> String {
        match self {
            AnyReport::Rehearse(r) => report::html::render(r),
            AnyReport::Estimate(r) => estimate::html(r),
            AnyReport::Jit(r) => jit::html(r),
            AnyReport::Consistency(r) => consistency::html(r),
        }
    }
}

/// Where `report merge` writes.
pub struct MergeOutputs<'a> {
    pub out: &'a Path,
    pub html: Option<&'a Path>,
    pub junit: Option<&'a Path>,
}

/// `report merge`: the shards' rehearse reports into the whole run's.
pub fn merge(
    files: &[std::path::PathBuf],
    outputs: MergeOutputs,
    fail_on: Option<&str>,
    quiet: bool,
) -> Result<super::ExitStatus> {
    use crate::error::Error;
    let MergeOutputs { out, html, junit } = outputs;
    if let Some(expr) = fail_on {
        report::parse_conditions(expr)?;
    }
    crate::util::check_outputs(&[
        ("--out", &Some(out.to_path_buf())),
        ("--html", &html.map(Path::to_path_buf)),
        ("--junit", &junit.map(Path::to_path_buf)),
    ])?;
    let mut reports = Vec::new();
    for f in files {
        match AnyReport::load(f)? {
            AnyReport::Rehearse(r) => reports.push((f.display().to_string(), *r)),
            _ => {
                return Err(Error::usage(format!(
                    "{}: not a rehearse report; report merge joins `rehearse --shard` and `verify --shard` reports",
                    f.display()
                )));
            }
        }
    }
    let merged = report::merge::merge(reports)?;
    for n in &merged.notes {
        eprintln!("understudy: report merge: {n}");
    }
    let mut r = merged.report;
    if let Some(expr) = fail_on {
        r.thresholds = report::thresholds(expr, &r)?;
    }
    let failed = r.verify.as_ref().is_some_and(|v| !v.ok)
        || r.thresholds.iter().any(|t| !t.ok)
        || r.merged.as_ref().is_some_and(|m| !m.missing.is_empty());
    r.exit_code = i32::from(failed);
    r.save(out)?;
    if let Some(p) = html {
        std::fs::write(p, report::html::render(&r)).map_err(|e| Error::io("write", p, e))?;
    }
    if let Some(p) = junit {
        report::junit::save(&report::junit::of_report(&r, "report-merge"), p)?;
    }
    if !quiet {
        print!("{}", report::terminal::render(&r));
    }
    Ok(if failed {
        super::ExitStatus::Failed
    } else {
        super::ExitStatus::Success
    })
}
