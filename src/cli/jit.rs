//! `understudy jit`: arguments, and the call into the JIT rehearsal.

use super::choices::{HashCost, JitApi, Rehash};
use super::dataset::DatasetArgs;
use super::values;
use crate::error::{Error, Result};
use crate::jit::run::JitOptions;
use clap::Args;
use std::path::PathBuf;

pub const JIT_EXAMPLES: &str = "Examples:
  # an Okta-shaped target, then 90 simulated days of sign-ins with SQLite as the legacy store
  understudy emulate okta --listen 127.0.0.1:8080 --hash-cost light 2> okta.log &
  understudy jit --users 100000 --legacy sqlite:legacy.db --new http://127.0.0.1:8080 --api okta \\
      --days 90 --hash-cost light --report jit.json --html jit.html --scan okta.log

  # the LDAP -> Okta case: an LDIF directory with {SSHA}, {CRYPT}, {PBKDF2-SHA256}… hashes, imported where Okta can
  understudy jit --profile ldap --users 10000 --legacy ldif:people.ldif --new http://127.0.0.1:8080 \\
      --api okta --rehash import --days 30

  # paced: one simulated day per 10 wall seconds (8,640x), 4 workers
  understudy jit --users 10000 --legacy sqlite:l.db --new http://127.0.0.1:8081 --api generic --speed 8640 --workers 4

  # an OpenLDAP server as the legacy store: every sign-in checked by binding as the user
  LDAP_PASSWORD=secret understudy jit --profile ldap --users 10000 --legacy ldap://127.0.0.1:389 \\
      --bind-dn cn=admin,dc=example,dc=org --new http://127.0.0.1:8080 --api okta --days 30

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
#[command(
    mut_arg("profile", |a| a.help(
        "Profile: a shipped profile's name (saas, ldap, bench-8) or a .toml path; its \
         [activity] section (or last_login_at) decides who signs in when",
    )),
    mut_arg("seed", |a| a.help(
        "Seed: the same seed gives the same users, passwords and sign-ins",
    )),
    mut_arg("hash_mode", |a| a.help(
        "Override every legacy hash's mode (real, pool; shape hashes do not verify)",
    )),
    mut_arg("edge_rate", |a| a.help(
        "Share of users carrying a labelled edge case (NFD passwords, bcrypt > 72 \
         bytes, case-variant emails…)",
    )),
)]
pub struct JitArgs {
    #[command(flatten)]
    pub dataset: DatasetArgs,
    /// Users in the legacy store.
    #[arg(short = 'n', long, value_parser = values::users)]
    pub users: u64,
    /// The legacy store, seeded with the generated users: sqlite:FILE,
    /// postgres://user:pass@host/db, mysql://user:pass@host/db, ldif:FILE,
    /// or ldap://HOST:PORT (an LDAP server: each sign-in checked by binding
    /// as the user; --bind-dn is the service account that seeds and searches).
    #[arg(long, value_name = "DSN")]
    pub legacy: String,
    /// ldap:// legacy stores: the service DN to bind as (as `ldapsearch -D`);
    /// its password from the URL or UNDERSTUDY_LDAP_PASSWORD / LDAP_PASSWORD.
    #[arg(long, value_name = "DN")]
    pub bind_dn: Option<String>,
    /// The new system's base URL, e.g. http://127.0.0.1:8080 (understudy emulate).
    #[arg(long, value_name = "URL")]
    pub new: String,
    /// The new system's API shape: okta or generic.
    #[arg(long, value_enum)]
    pub api: JitApi,
    /// Simulated days of sign-ins.
    #[arg(long, default_value_t = 30, value_parser = values::days)]
    pub days: u32,
    /// Simulated seconds per wall second (86400: a day per second). Default: as fast as possible.
    #[arg(long, conflicts_with = "as_fast_as_possible", value_parser = values::positive)]
    pub speed: Option<f64>,
    /// Replay every day's sign-ins as fast as the systems answer (the default).
    #[arg(long)]
    pub as_fast_as_possible: bool,
    /// argon2id: send the plaintext, the target hashes it; import: send the
    /// legacy hash where the API imports that format (else the plaintext).
    #[arg(long, value_enum, default_value_t = Rehash::Argon2id)]
    pub rehash: Rehash,
    /// Concurrent sign-ins.
    #[arg(short, long, default_value_t = 2, value_parser = values::workers)]
    pub workers: usize,
    /// Continue an interrupted run from its checkpoint (the last completed day).
    #[arg(long)]
    pub resume: bool,
    /// `light`: legacy hashes at the smallest work factors (quick rehearsals);
    /// `profile`: the profile's real costs (latency figures are then the real ones).
    #[arg(long, value_enum, default_value_t = HashCost::Profile)]
    pub hash_cost: HashCost,
    /// Write the JSON report here.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Write the HTML report here.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Write the run's checks (users sign in, wrong passwords refused, no
    /// plaintext leaked…) as JUnit XML test cases, for CI.
    #[arg(long, value_name = "FILE.xml")]
    pub junit: Option<PathBuf>,
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
    #[arg(long, value_parser = values::days)]
    pub forecast_days: Option<u32>,
    /// No progress and no summary on the terminal (the reports are still written).
    #[arg(short, long)]
    pub quiet: bool,
    /// How long a legacy store or new system that stops answering, once
    /// reached, is waited for before its users are given up (e.g. 90s, 10m).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = values::duration)]
    pub retry_for: std::time::Duration,
}

/// A failed JIT rehearsal is an error (exit 1) after its summary.
pub fn run(a: JitArgs) -> Result<()> {
    let profile = a.dataset.load_profile()?;
    crate::util::check_outputs(&[("--junit", &a.junit)])?;
    let (report, code) = crate::jit::run::run(JitOptions {
        profile,
        users: a.users,
        seed: a.dataset.seed,
        legacy: a.legacy,
        bind_dn: a.bind_dn,
        new: a.new,
        api: a.api.into(),
        days: a.days,
        speed: a.speed,
        rehash: a.rehash.into(),
        workers: a.workers,
        resume: a.resume,
        hash_cost_light: a.hash_cost.light(),
        hash_mode: a.dataset.hash_mode(),
        edge_rate: a.dataset.edge_rate,
        report: a.report,
        html: a.html,
        log: a.log,
        state: a.state,
        scan: a.scan,
        forecast_days: a.forecast_days,
        quiet: a.quiet,
        retry_for: a.retry_for,
    })?;
    if let Some(p) = &a.junit {
        crate::report::junit::save(&crate::jit::junit::suite(&report), p)?;
    }
    if !a.quiet {
        print!("{}", crate::jit::report::terminal(&report));
    }
    match code {
        0 => Ok(()),
        _ => Err(Error::failed(
            "the JIT rehearsal failed: see the result above (a migrated user cannot sign in, a wrong password migrated someone, or a plaintext leaked)",
        )),
    }
}
