//! `understudy scan-leaks`: arguments, and the call into the scanner.

use super::choices::HashCost;
use super::dataset::DatasetArgs;
use super::values;
use crate::error::{Error, Result};
use crate::generator::plan::PoolChoice;
use clap::Args;
use std::path::PathBuf;

pub const SCAN_LEAKS_EXAMPLES: &str = "Examples:
  # the logs and dumps of a rehearsal of 100,000 users (same profile, users, seed and
  # --hash-cost as the run that produced them)
  understudy scan-leaks logs/ dump.sql run.har --profile saas --users 100000 --seed 42

  # machine-readable findings
  understudy scan-leaks /var/log/myapp --users 100000 --json > leaks.json

Each finding prints `file:line: user N <email> (form: plain|json|url)`; the password
itself is never printed. Forms searched: as is; JSON-escaped (also `\\/` and `\\uXXXX`,
either hex case); URL-encoded (`%XX` either case, space as `+` or `%20`). Passwords
shorter than --min-length bytes or made only of whitespace are not searched (counted
in the summary), and a match counts only at word boundaries (`monkey12` is not
reported inside `monkey123`). Exit 1 when any password is found, 0 when clean.";

#[derive(Args, Debug)]
#[command(
    mut_arg("profile", |a| a.help(
        "The profile the passwords were generated with (name or .toml path)",
    )),
    mut_arg("seed", |a| a.help("The seed they were generated with")),
    mut_arg("hash_mode", |a| a.help("The --hash-mode they were generated with, if any")),
    mut_arg("edge_rate", |a| a.help(
        "The --edge-rate they were generated with, if any (edge-case passwords)",
    )),
)]
pub struct ScanLeaksArgs {
    /// Files and directories to search (directories recursively; binary files are fine).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub dataset: DatasetArgs,
    /// Users generated (passwords of users 0..N are searched).
    #[arg(short = 'n', long, value_parser = values::users)]
    pub users: u64,
    /// The --hash-cost they were generated with (pool passwords depend on it).
    #[arg(long, value_enum, default_value_t = HashCost::Profile)]
    pub hash_cost: HashCost,
    /// Passwords shorter than this many bytes are not searched (false positives).
    #[arg(long, default_value_t = crate::leaks::DEFAULT_MIN_LEN, value_parser = values::count_usize)]
    pub min_length: usize,
    /// Print the findings as one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Exit 1 when any password is found.
pub fn run(a: ScanLeaksArgs) -> Result<()> {
    let profile = a.dataset.load_profile()?;
    let summary = crate::leaks::scan(
        crate::leaks::ScanOptions {
            profile,
            users: a.users,
            seed: a.dataset.seed,
            choice: PoolChoice {
                mode: a.dataset.hash_mode(),
                light: a.hash_cost.light(),
                cache: true,
            },
            edge_rate: a.dataset.edge_rate,
            min_len: a.min_length,
        },
        &a.paths,
    )?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&summary).expect("summary serialises")
        );
    } else {
        crate::leaks::print(&summary);
    }
    if summary.findings.is_empty() {
        Ok(())
    } else {
        Err(Error::failed(format!(
            "{} plaintext password occurrence(s) found",
            summary.findings.len()
        )))
    }
}
