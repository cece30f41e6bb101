//! `report show|html`: the dispatch over report kinds. `report` reads any
//! report's head; the kinds themselves live with the commands that write them
//! (ARCHITECTURE.md § Reports).

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
];

/// Any report `report show|html` reads, told apart by its head's `kind`
/// (`command` in a version-1 rehearse or estimate report).
#[derive(Debug, Clone)]
pub enum AnyReport {
    Rehearse(Box<Report>),
    Estimate(Box<EstimateReport>),
    Jit(Box<JitReport>),
}

impl AnyReport {
    pub fn load(path: &Path) -> Result<AnyReport> {
        let loaded = Loaded::read(path, KINDS)?;
        Ok(match loaded.kind {
            "rehearse" => AnyReport::Rehearse(loaded.parse()?),
            "estimate" => AnyReport::Estimate(loaded.parse()?),
            _ => AnyReport::Jit(loaded.parse()?),
        })
    }

    /// The terminal summary, as the command that wrote the report prints it.
    pub fn terminal(&self) -> String {
        match self {
            AnyReport::Rehearse(r) => report::terminal::render(r),
            AnyReport::Estimate(r) => estimate::terminal(r),
            AnyReport::Jit(r) => jit::terminal(r),
        }
    }

    pub fn html(&self) -> String {
        match self {
            AnyReport::Rehearse(r) => report::html::render(r),
            AnyReport::Estimate(r) => estimate::html(r),
            AnyReport::Jit(r) => jit::html(r),
        }
    }
}
