//! `understudy jit`: arguments and dispatch.

use super::newsys::{Api, Rehash};
use super::run::{JitOptions, run};
use crate::error::Result;
use crate::hash::HashMode;
use crate::profile::Profile;
use clap::Args;
use std::path::PathBuf;

pub const JIT_EXAMPLES: &str = "Examples:
  # an Okta-shaped target, then 90 simulated days of sign-ins with SQLite as the legacy store
  understudy emulate okta --listen 127.0.0.1:8080 --hash-cost light 2> okta.log &
  understudy jit --users 100000 --legacy sqlite:legacy.db --new http://127.0.0.1:8080 --api okta \\
      --days 90 --hash-cost light --report jit.json --html jit.html --scan okta.log

  # the LDAP -> Okta case: an LDIF directory with {SSHA} and {CRYPT} hashes, imported where Okta can
  understudy jit --profile ldap --users 10000 --legacy ldif:people.ldif --new http://127.0.0.1:8080 \\
      --api okta --rehash import --days 30

  # paced: one simulated day per 10 wall seconds (8,640x), 4 workers
  understudy jit --users 10000 --legacy sqlite:l.db --new http://127.0.0.1:8081 --api generic --speed 8640 --workers 4

  # after a crash or kill: continue from the last completed simulated day
  understudy jit --users 100000 --legacy sqlite:legacy.db --new http://127.0.0.1:8080 --api okta --days 90 --resume

Each sign-in: look the user up in the new system; if absent, verify the password against
the legacy hash (real verification), create the user in the new system (plaintext for the
target to hash with argon2id, or --rehash import: the legacy hash where the API takes it)
and mark it migrated; if present, authenticate there. Wrong passwords (the profile's
[activity] failed_login_share) must never migrate anyone. After the last day every user is
checked on the new side, the forecast is fitted, and the run's log, checkpoint, reports,
legacy store and --scan paths are searched for plaintext passwords. Exit 0 when every
migrated user signs in, none migrated by a wrong password and nothing leaked; 1 otherwise;
3 when the new system cannot be reached.";

#[derive(Args, Debug)]
pub struct JitArgs {
    /// Profile: a shipped profile's name (saas, ldap, bench-8) or a .toml path; its
    /// [activity] section (or last_login_at) decides who signs in when.
    #[arg(short, long, default_value = "saas")]
    pub profile: String,
    /// Users in the legacy store.
    #[arg(short = 'n', long, value_parser = crate::cli::values::users)]
    pub users: u64,
    /// Seed: the same seed gives the same users, passwords and sign-ins.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The legacy store, seeded with the generated users: sqlite:FILE,
    /// postgres://user:pass@host/db or ldif:FILE.
    #[arg(long, value_name = "DSN")]
    pub legacy: String,
    /// The new system's base URL, e.g. http://127.0.0.1:8080 (understudy emulate).
    #[arg(long, value_name = "URL")]
    pub new: String,
    /// The new system's API shape: okta or generic.
    #[arg(long)]
    pub api: Api,
    /// Simulated days of sign-ins.
    #[arg(long, default_value_t = 30, value_parser = crate::cli::values::days)]
    pub days: u32,
    /// Simulated seconds per wall second (86400: a day per second). Default: as fast as possible.
    #[arg(long, conflicts_with = "as_fast_as_possible", value_parser = crate::cli::values::positive)]
    pub speed: Option<f64>,
    /// Replay every day's sign-ins as fast as the systems answer (the default).
    #[arg(long)]
    pub as_fast_as_possible: bool,
    /// argon2id: send the plaintext, the target hashes it; import: send the
    /// legacy hash where the API imports that format (else the plaintext).
    #[arg(long, default_value = "argon2id", value_parser = ["argon2id", "import"])]
    pub rehash: String,
    /// Concurrent sign-ins.
    #[arg(short, long, default_value_t = 2, value_parser = crate::cli::values::workers)]
    pub workers: usize,
    /// Continue an interrupted run from its checkpoint (the last completed day).
    #[arg(long)]
    pub resume: bool,
    /// `light`: legacy hashes at the smallest work factors (quick rehearsals);
    /// `profile`: the profile's real costs (latency figures are then the real ones).
    #[arg(long, default_value = "profile", value_parser = ["profile", "light"])]
    pub hash_cost: String,
    /// Override every legacy hash's mode (real, pool; shape hashes do not verify).
    #[arg(long, value_name = "MODE")]
    pub hash_mode: Option<HashMode>,
    /// Share of users carrying a labelled edge case (NFD passwords, bcrypt > 72 bytes, case-variant emails…).
    #[arg(long, value_name = "RATE", value_parser = crate::cli::values::rate)]
    pub edge_rate: Option<f64>,
    /// Write the JSON report here.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Write the HTML report here.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// The JIT application's log (default: beside --report, else understudy-jit.log).
    #[arg(long)]
    pub log: Option<PathBuf>,
    /// Checkpoint file for --resume (default: beside --report, else understudy-jit.state.json).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// More files or directories to scan for plaintext passwords (the emulator's log, a HAR…).
    #[arg(long, value_name = "PATH")]
    pub scan: Vec<PathBuf>,
    /// Days the forecast check is fitted on (default 30, or a third of shorter runs).
    #[arg(long, value_parser = crate::cli::values::days)]
    pub forecast_days: Option<u32>,
    /// No progress and no summary on the terminal (the reports are still written).
    #[arg(short, long)]
    pub quiet: bool,
    /// How long a legacy store or new system that stops answering, once
    /// reached, is waited for before its users are given up (e.g. 90s, 10m).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_retry_for)]
    pub retry_for: std::time::Duration,
}

fn parse_retry_for(s: &str) -> std::result::Result<std::time::Duration, String> {
    crate::faults::plan::parse_duration(s)
        .ok_or_else(|| format!("`{s}` is not a duration: use e.g. 90s, 10m or 1h"))
}

pub fn run_cli(a: JitArgs) -> Result<i32> {
    let profile = Profile::load(&a.profile)?;
    let (report, code) = run(JitOptions {
        profile,
        users: a.users,
        seed: a.seed,
        legacy: a.legacy,
        new: a.new,
        api: a.api,
        days: a.days,
        speed: a.speed,
        rehash: if a.rehash == "import" {
            Rehash::Import
        } else {
            Rehash::Target
        },
        workers: a.workers,
        resume: a.resume,
        hash_cost_light: a.hash_cost == "light",
        hash_mode: a.hash_mode,
        edge_rate: a.edge_rate,
        report: a.report,
        html: a.html,
        log: a.log,
        state: a.state,
        scan: a.scan,
        forecast_days: a.forecast_days,
        quiet: a.quiet,
        retry_for: a.retry_for,
    })?;
    if !a.quiet {
        print!("{}", super::report::terminal(&report));
    }
    Ok(code)
}
