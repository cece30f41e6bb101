//! `understudy scan-leaks`: arguments and dispatch.

use crate::error::{Error, Result};
use crate::generator::plan::PoolChoice;
use crate::hash::HashMode;
use crate::profile::Profile;
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
pub struct ScanLeaksArgs {
    /// Files and directories to search (directories recursively; binary files are fine).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The profile the passwords were generated with (name or .toml path).
    #[arg(short, long, default_value = "saas")]
    pub profile: String,
    /// Users generated (passwords of users 0..N are searched).
    #[arg(short = 'n', long, value_parser = crate::cli::values::users)]
    pub users: u64,
    /// The seed they were generated with.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The --hash-cost they were generated with (pool passwords depend on it).
    #[arg(long, default_value = "profile", value_parser = ["profile", "light"])]
    pub hash_cost: String,
    /// The --hash-mode they were generated with, if any.
    #[arg(long, value_name = "MODE")]
    pub hash_mode: Option<HashMode>,
    /// The --edge-rate they were generated with, if any (edge-case passwords).
    #[arg(long, value_name = "RATE", value_parser = crate::cli::values::rate)]
    pub edge_rate: Option<f64>,
    /// Passwords shorter than this many bytes are not searched (false positives).
    #[arg(long, default_value_t = super::DEFAULT_MIN_LEN, value_parser = crate::cli::values::count_usize)]
    pub min_length: usize,
    /// Print the findings as one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: ScanLeaksArgs) -> Result<()> {
    let profile = Profile::load(&a.profile)?;
    let summary = super::scan(
        super::ScanOptions {
            profile,
            users: a.users,
            seed: a.seed,
            choice: PoolChoice {
                mode: a.hash_mode,
                light: a.hash_cost == "light",
                cache: true,
            },
            edge_rate: a.edge_rate,
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
        super::print(&summary);
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
