//! Command-line interface: the top-level parser, dispatch to one module per
//! command (each parses its flags, checks them and calls the command's own
//! module), and the exit status (ARCHITECTURE.md § Exit codes).

pub mod choices;
pub mod consistency;
pub mod dataset;
pub mod discover;
pub mod dossier;
pub mod edge_cases;
pub mod emulate;
pub mod estimate;
pub mod exit;
pub mod export;
pub mod generate;
pub mod hash;
pub mod jit;
pub mod k8s;
pub mod profiles;
pub mod proxy;
pub mod rehearse;
pub mod reports;
pub mod scan_leaks;
pub mod values;
pub mod verify;

pub use exit::ExitStatus;

use crate::error::{Error, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "understudy",
    version,
    about = "Rehearse a user-account migration with fake users shaped like production",
    long_about = "Rehearse a user-account migration with fake users shaped like production.\n\n\
        understudy generates millions of deterministic fake users (real password-hash formats,\n\
        reserved email domains only) from a profile of your schema.",
    after_help = "Exit codes: 0 success · 1 verification or threshold failed · 2 bad usage, profile or configuration · 3 target unreachable\n\n\
        Examples:\n  understudy discover --source postgres://reader@127.0.0.1/app\n  understudy rehearse --users 100000\n  understudy estimate --production-users 10000000 --target sqlite:app.db\n  understudy generate --users 100000 --out data/\n  understudy generate --profile bench-8 --users 10000000 --out - > /dev/null\n  understudy profiles show saas > my-app.toml"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Generate fake users (and related tables) from a profile into files.
    #[command(after_help = generate::GENERATE_EXAMPLES)]
    Generate(Box<generate::GenerateArgs>),
    /// Load generated users into a real database (or run your own migration
    /// with --exec), measure it, survive kills (--resume) and verify the result.
    #[command(after_help = rehearse::REHEARSE_EXAMPLES)]
    Rehearse(Box<rehearse::RehearseArgs>),
    /// Print a sharded rehearsal as a Kubernetes Indexed Job, and the Job
    /// that merges its reports.
    #[command(subcommand, after_help = k8s::K8S_EXAMPLES)]
    K8s(k8s::K8sCommand),
    /// Verify a target against the regenerated ground truth, whoever filled
    /// it (rehearse's verification alone; the whole run or one shard's slice).
    #[command(after_help = verify::VERIFY_EXAMPLES)]
    Verify(Box<verify::VerifyArgs>),
    /// Compare a denormalized copy (a Redis cache, or its RESP file) with the
    /// primary's users key by key: missing, orphan and stale keys, by drift label.
    #[command(after_help = consistency::CONSISTENCY_EXAMPLES)]
    Consistency(Box<consistency::ConsistencyArgs>),
    /// Project a full migration's duration from small sample rehearsals: per
    /// worker count, with a range, the recommended count and the bottleneck.
    #[command(after_help = estimate::ESTIMATE_EXAMPLES)]
    Estimate(Box<estimate::EstimateArgs>),
    /// Find every table and column of a live database that holds or refers to
    /// users (foreign keys, undeclared references, copies, JSON), reading only counts.
    #[command(after_help = discover::DISCOVER_EXAMPLES)]
    Discover(discover::DiscoverArgs),
    /// Show a report (rehearse, estimate, jit or consistency), or render it as HTML.
    #[command(subcommand, after_help = REPORT_EXAMPLES)]
    Report(ReportCommand),
    /// One self-contained page from a migration's reports: the verdict first
    /// (bulk import, duration, rejects, faults survived, JIT coverage), then each report.
    #[command(after_help = dossier::DOSSIER_EXAMPLES)]
    Dossier(Box<dossier::DossierArgs>),
    /// List, print, check or infer profiles (`profile` is an alias).
    #[command(subcommand, alias = "profile", after_help = profiles::PROFILES_EXAMPLES)]
    Profiles(profiles::ProfilesCommand),
    /// Hash stdin passwords in a legacy format, or: verify, identify, list.
    #[command(after_help = hash::HASH_EXAMPLES)]
    Hash(hash::HashArgs),
    /// The labelled edge-case catalogue.
    #[command(name = "edge-cases", subcommand, after_help = edge_cases::EDGE_CASES_EXAMPLES)]
    EdgeCases(edge_cases::EdgeCasesCommand),
    /// Run a TCP proxy that applies a fault plan (for your own tool under test).
    #[command(after_help = proxy::PROXY_EXAMPLES)]
    Proxy(proxy::ProxyArgs),
    /// Run a local Okta-, Auth0- or generic-shaped user API (rate limits, 5xx, latency).
    #[command(after_help = emulate::EMULATE_EXAMPLES)]
    Emulate(emulate::EmulateArgs),
    /// Search logs, dumps and HAR files for generated plaintext passwords
    /// (plain, JSON-escaped, URL-encoded); exit 1 when any is found.
    #[command(name = "scan-leaks", after_help = scan_leaks::SCAN_LEAKS_EXAMPLES)]
    ScanLeaks(scan_leaks::ScanLeaksArgs),
    /// Rehearse a just-in-time migration: simulated days of sign-ins against a
    /// new identity system with legacy fallback, coverage forecast, leak scan.
    #[command(after_help = jit::JIT_EXAMPLES)]
    Jit(Box<jit::JitArgs>),
    /// Write an identity provider's own import files (Auth0, Okta, Firebase,
    /// Keycloak, Cognito, Clerk, Supabase), hashes re-encoded per provider.
    #[command(after_help = export::EXPORT_EXAMPLES)]
    Export(Box<export::ExportArgs>),
    /// Per provider and hash format: users importable with their password,
    /// reset required, just in time only; a one-line verdict per provider.
    #[command(after_help = export::ASSESS_EXAMPLES)]
    Assess(Box<export::AssessArgs>),
}

const REPORT_EXAMPLES: &str = "Examples:
  understudy rehearse --users 10000 --report report.json   # write one
  understudy report show report.json                       # its summary, again
  understudy report html report.json --out report.html     # a self-contained page
  understudy report merge shard*.json -o all.json --fail-on 'p99>500'   # a sharded run's";

#[derive(Subcommand, Debug)]
pub enum ReportCommand {
    /// Print a report's summary.
    #[command(after_help = REPORT_EXAMPLES)]
    Show { file: PathBuf },
    /// Render a report as a self-contained HTML page.
    #[command(after_help = REPORT_EXAMPLES)]
    Html {
        file: PathBuf,
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Merge the reports of a sharded run (`rehearse --shard`, `verify
    /// --shard`) into the whole run's: counters summed, latency histograms
    /// added (exact percentiles), time series on one clock, verification
    /// combined; exit 1 when verification fails, a shard is missing or a
    /// --fail-on threshold is missed.
    #[command(after_help = REPORT_EXAMPLES)]
    Merge {
        #[arg(required = true, value_name = "SHARD.json")]
        files: Vec<PathBuf>,
        /// Where the merged JSON report goes.
        #[arg(short, long, value_name = "ALL.json")]
        out: PathBuf,
        /// A self-contained HTML page of the merged report.
        #[arg(long, value_name = "ALL.html")]
        html: Option<PathBuf>,
        /// Thresholds on the merged result, e.g. `p99>500, rejects{label:email.*}>0`
        /// (the syntax of `rehearse --fail-on`).
        #[arg(long, value_name = "EXPR")]
        fail_on: Option<String>,
        /// The merged thresholds and verified tables as JUnit XML test cases.
        #[arg(long, value_name = "FILE.xml")]
        junit: Option<PathBuf>,
        /// No summary.
        #[arg(short, long)]
        quiet: bool,
    },
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> i32 {
    exit::quiet_on_closed_stdout();
    let status = match Cli::try_parse() {
        Ok(cli) => exit::status(run(cli.command)),
        Err(e) => exit::parse_failed(&e),
    };
    status.code()
}

/// Runs one command. `Ok` carries a failure the command has already
/// reported on its own (rehearse's summary); errors are printed by `main`.
pub fn run(command: Command) -> Result<ExitStatus> {
    match command {
        Command::Generate(a) => generate::run(*a),
        Command::Rehearse(a) => return rehearse::run(*a),
        Command::Verify(a) => return verify::run(*a),
        Command::Consistency(a) => return consistency::run(*a),
        Command::Estimate(a) => estimate::run(*a),
        Command::Discover(a) => discover::run(a),
        Command::Report(ReportCommand::Merge {
            files,
            out,
            html,
            fail_on,
            junit,
            quiet,
        }) => {
            let outputs = reports::MergeOutputs {
                out: &out,
                html: html.as_deref(),
                junit: junit.as_deref(),
            };
            return reports::merge(&files, outputs, fail_on.as_deref(), quiet);
        }
        Command::Report(r) => report(r),
        Command::Dossier(a) => dossier::run(*a),
        Command::Profiles(p) => profiles::run(p),
        Command::Hash(h) => hash::run(h),
        Command::EdgeCases(c) => edge_cases::run(c),
        Command::Proxy(p) => proxy::run(p),
        Command::Emulate(e) => emulate::run(e),
        Command::ScanLeaks(a) => scan_leaks::run(a),
        Command::Jit(a) => jit::run(*a),
        Command::Export(a) => export::run_export(*a),
        Command::Assess(a) => export::run_assess(*a),
        Command::K8s(c) => k8s::run(c),
    }
    .map(|()| ExitStatus::Success)
}

fn report(r: ReportCommand) -> Result<()> {
    match r {
        ReportCommand::Show { file } => {
            print!("{}", reports::AnyReport::load(&file)?.terminal());
        }
        ReportCommand::Html { file, out } => {
            let rep = reports::AnyReport::load(&file)?;
            std::fs::write(&out, rep.html()).map_err(|e| Error::io("write", &out, e))?;
        }
        ReportCommand::Merge { .. } => unreachable!("dispatched in run"),
    }
    Ok(())
}
