//! `understudy verify`: arguments, and the call into the harness.

use super::ExitStatus;
use super::dataset::DatasetArgs;
use super::values;
use crate::error::Result;
use crate::harness::{self, RehearseOptions};
use clap::Args;
use std::path::PathBuf;

pub const VERIFY_EXAMPLES: &str = "Examples:
  # a target your own migration filled: same profile, users and seed as the source
  understudy verify --target postgres://app:secret@db/new --profile saas --users 1000000 --seed 42

  # after the shards of a Job: the whole run (extra rows included), with a report
  understudy verify --target postgres://… --users 1000000 --report verify.json

  # one shard's slice (the same --batch as the rehearsal's shards)
  understudy verify --target postgres://… --users 1000000 --shard 2/4 --report v2.json

Exit codes: 0 verified · 1 verification or a threshold failed · 2 bad usage or configuration · 3 target unreachable";

#[derive(Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub dataset: DatasetArgs,
    /// Number of users the target should hold (the whole run's, also with --shard).
    #[arg(short = 'n', long, value_parser = values::users)]
    pub users: u64,
    /// sqlite:PATH, postgres://… or mysql://… (passwords are shown as ***).
    #[arg(short, long)]
    pub target: String,
    /// With --shard: the rehearsal's batch size, which places the shards'
    /// boundaries (default: the target kind's, as rehearse's).
    #[arg(short, long, value_parser = values::count)]
    pub batch: Option<u64>,
    /// Verify only shard K of N (1-based) or `auto` (JOB_COMPLETION_INDEX + 1
    /// of --shards): its users and their rows, found by key; extra rows are
    /// only seen when verifying the whole run.
    #[arg(long, value_name = "K/N|auto")]
    pub shard: Option<String>,
    /// With --shard auto: how many shards (default: $UNDERSTUDY_SHARDS).
    #[arg(long, value_name = "N", value_parser = values::count, requires = "shard")]
    pub shards: Option<u64>,
    /// A renamed column in the target: `old=new` or `table.old=new` (repeatable).
    #[arg(long = "map", value_name = "OLD=NEW", value_parser = values::column_map)]
    pub maps: Vec<(String, String)>,
    /// Write the JSON report (a rehearse report with `command` "verify").
    #[arg(long, value_name = "FILE.json")]
    pub report: Option<PathBuf>,
    /// Write a self-contained HTML report.
    #[arg(long, value_name = "FILE.html")]
    pub html: Option<PathBuf>,
    /// Exit 1 when a threshold is missed, e.g. `mismatched>0` or
    /// `mismatched{label:email.*}>0, missing{table:sessions}>0` (the syntax
    /// of `rehearse --fail-on`).
    #[arg(long, value_name = "EXPR")]
    pub fail_on: Option<String>,
    /// Write the thresholds and verified tables as JUnit XML test cases.
    #[arg(long, value_name = "FILE.xml")]
    pub junit: Option<PathBuf>,
    /// No summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// How long to wait out a lost network before giving up (exit 3).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = values::duration)]
    pub retry_for: std::time::Duration,
}

pub fn run(a: VerifyArgs) -> Result<ExitStatus> {
    let profile = a.dataset.load_profile()?;
    let mut opts = RehearseOptions::new(profile, a.users, a.dataset.seed);
    opts.target = Some(a.target);
    opts.batch = a.batch;
    opts.shard = super::rehearse::shard_of(a.shard.as_deref(), a.shards)?;
    opts.maps = a.maps;
    opts.report = a.report;
    opts.html = a.html;
    opts.fail_on = a.fail_on;
    opts.junit = a.junit;
    opts.hash_mode = a.dataset.hash_mode();
    opts.edge_rate = a.dataset.edge_rate;
    opts.quiet = a.quiet;
    opts.retry_for = a.retry_for;
    Ok(match harness::verify_only(opts)? {
        0 => ExitStatus::Success,
        _ => ExitStatus::Failed,
    })
}
