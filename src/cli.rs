//! Command-line interface: clap definitions (with examples in `--help`),
//! dispatch, and the mapping from errors to exit codes (ARCHITECTURE.md § Exit codes).

use crate::error::{Error, Result};
use crate::generator::{self, GenerateOptions, Output, Shard};
use crate::harness::{self, RehearseOptions};
use crate::hash::HashMode;
use crate::profile::{self, Profile};
use crate::sink::{Dialect, Encoding};
use crate::target::Method;
use clap::{Args, Parser, Subcommand};
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
        Examples:\n  understudy rehearse --users 100000\n  understudy estimate --production-users 10000000 --target sqlite:app.db\n  understudy generate --users 100000 --out data/\n  understudy generate --profile bench-8 --users 10000000 --out - > /dev/null\n  understudy profiles show saas > my-app.toml"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Generate fake users (and related tables) from a profile into files.
    #[command(after_help = GENERATE_EXAMPLES)]
    Generate(Box<GenerateArgs>),
    /// Load generated users into a real database (or run your own migration
    /// with --exec), measure it, survive kills (--resume) and verify the result.
    #[command(after_help = REHEARSE_EXAMPLES)]
    Rehearse(Box<RehearseArgs>),
    /// Project a full migration's duration from small sample rehearsals: per
    /// worker count, with a range, the recommended count and the bottleneck.
    #[command(after_help = ESTIMATE_EXAMPLES)]
    Estimate(Box<EstimateArgs>),
    /// Show a report (rehearse, estimate or jit), or render it as HTML.
    #[command(subcommand, after_help = REPORT_EXAMPLES)]
    Report(ReportCommand),
    /// List, print or check profiles.
    #[command(subcommand, after_help = PROFILES_EXAMPLES)]
    Profiles(ProfilesCommand),
    /// Hash stdin passwords in a legacy format, or: verify, identify, list.
    #[command(after_help = crate::hash::cli::HASH_EXAMPLES)]
    Hash(crate::hash::cli::HashArgs),
    /// The labelled edge-case catalogue.
    #[command(name = "edge-cases", subcommand, after_help = EDGE_CASES_EXAMPLES)]
    EdgeCases(EdgeCasesCommand),
    /// Run a TCP proxy that applies a fault plan (for your own tool under test).
    #[command(after_help = PROXY_EXAMPLES)]
    Proxy(ProxyArgs),
    /// Run a local Okta-, Auth0- or generic-shaped user API (rate limits, 5xx, latency).
    #[command(after_help = EMULATE_EXAMPLES)]
    Emulate(EmulateArgs),
    /// Search logs, dumps and HAR files for generated plaintext passwords
    /// (plain, JSON-escaped, URL-encoded); exit 1 when any is found.
    #[command(name = "scan-leaks", after_help = crate::leaks::cli::SCAN_LEAKS_EXAMPLES)]
    ScanLeaks(crate::leaks::cli::ScanLeaksArgs),
    /// Rehearse a just-in-time migration: simulated days of sign-ins against a
    /// new identity system with legacy fallback, coverage forecast, leak scan.
    #[command(after_help = crate::jit::cli::JIT_EXAMPLES)]
    Jit(Box<crate::jit::cli::JitArgs>),
}

const EMULATE_EXAMPLES: &str = "Examples:
  # Okta's Users API at 600 requests/s, 5 % server errors, 20 ms ± 10 ms latency
  understudy emulate okta --listen 127.0.0.1:8080 --rate 600/s --error-rate 0.05 --latency 20ms±10ms

  # Auth0 bulk imports (500 KB files, 2 concurrent jobs)
  understudy emulate auth0 --listen 127.0.0.1:8081

  # a generic API whose users outlive the process (and can be inspected with sqlite3)
  understudy emulate generic --listen 127.0.0.1:8082 --store sqlite:tenant.db

  # then rehearse into it
  understudy rehearse --users 20000 --target http://127.0.0.1:8080 --api okta

  # counters (requests by status, 429s, early requests, users, logins)
  curl -s 127.0.0.1:8080/_understudy/stats

Endpoints: okta: POST/GET /api/v1/users, POST /api/v1/authn · auth0: POST
/api/v2/jobs/users-imports, GET /api/v2/jobs/{id}[/errors], GET /api/v2/users ·
generic: POST/GET /users, GET /users/{email} · okta also GET /api/v1/users/{login}
and creates with credentials.password.value (hashed with argon2id) or .hook · all:
POST /login {login, password}.

  # JIT target with an Okta password import inline hook (see examples/jit_hook.rs)
  understudy emulate okta --listen 127.0.0.1:8080 --hash-cost light --password-import-hook http://127.0.0.1:9090/hook";

#[derive(Args, Debug)]
pub struct EmulateArgs {
    /// Which API: okta, auth0 or generic.
    pub api: crate::api::Api,
    /// Address to listen on (loopback unless you name another; port 0 picks one, printed on stdout).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Rate limit, e.g. 600/s or 600/min (429 beyond it, with Retry-After / X-Rate-Limit-*).
    #[arg(long)]
    pub rate: Option<crate::emulate::Rate>,
    /// Requests allowed in a burst (default: one second's worth).
    #[arg(long, value_parser = values::count_u32)]
    pub burst: Option<u32>,
    /// Share of requests answered with a 5xx (0.0–1.0).
    #[arg(long, default_value_t = 0.0, value_parser = values::rate)]
    pub error_rate: f64,
    /// Added latency, e.g. 20ms±10ms.
    #[arg(long, value_parser = values::latency)]
    pub latency: Option<(std::time::Duration, std::time::Duration)>,
    /// Stop after this long (default: until interrupted).
    #[arg(long = "for", value_name = "DURATION", value_parser = values::positive_duration)]
    pub run_for: Option<std::time::Duration>,
    /// Seed for injected errors and latency.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Keep the users in a SQLite file (sqlite:FILE): they survive a restart,
    /// and you can inspect what was imported (default: in memory).
    #[arg(long, value_name = "sqlite:FILE", value_parser = parse_store_arg)]
    pub store: Option<PathBuf>,
    /// How passwords received in plaintext (JIT creates) are hashed: argon2id at
    /// its defaults (`profile`) or at m=1024 t=1 (`light`).
    #[arg(long, default_value = "profile", value_parser = ["profile", "light"])]
    pub hash_cost: String,
    /// Okta: the URL of your password import inline hook, called at sign-in for
    /// users created with `credentials.password.hook` (VERIFIED: the password is
    /// stored; UNVERIFIED: the sign-in fails).
    #[arg(long, value_name = "URL")]
    pub password_import_hook: Option<String>,
}

fn parse_store_arg(s: &str) -> std::result::Result<PathBuf, String> {
    s.strip_prefix("sqlite:")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| format!("`{s}`: use sqlite:FILE"))
}

const PROXY_EXAMPLES: &str = "Examples:
  # PostgreSQL behind a proxy that drops the network for a minute after 20 s
  understudy proxy --listen 127.0.0.1:6543 --upstream 127.0.0.1:5432 --faults \"outage@20s+60s\"
  psql \"postgres://app@127.0.0.1:6543/app\"   # your migration connects here

  # latency, a reset and a slow link
  understudy proxy --upstream 127.0.0.1:5432 --faults \"latency@10s+30s=200ms; reset@60s; bandwidth@90s+30s=1mbps\"

Plan syntax: KIND@START[+DURATION][=VALUE]; kinds: outage (open connections reset,
new ones refused), blackhole (nothing gets through), latency=DELAY, reset (instant),
bandwidth=RATE. Times count from the proxy's start.";

#[derive(Args, Debug)]
pub struct ProxyArgs {
    /// Address to listen on (port 0 picks a free port; printed on stdout).
    #[arg(long, default_value = "127.0.0.1:6543")]
    pub listen: String,
    /// Where to forward connections, e.g. 127.0.0.1:5432.
    #[arg(long)]
    pub upstream: String,
    /// The fault plan (empty: a transparent proxy).
    #[arg(long, default_value = "")]
    pub faults: crate::faults::FaultPlan,
    /// Stop after this long (e.g. 10m); default: until interrupted.
    #[arg(long = "for", value_name = "DURATION", value_parser = values::positive_duration)]
    pub run_for: Option<std::time::Duration>,
}

const EDGE_CASES_EXAMPLES: &str = "Examples:
  understudy edge-cases list --family email
  understudy edge-cases list --json | jq '.[] | select(.valid == false) | .label'
  understudy generate --users 1000 --edge-rate 1.0 --out data/   # every user carries a case";

#[derive(Subcommand, Debug)]
pub enum EdgeCasesCommand {
    /// List every case: label, validity, fields, lengths (code points, UTF-8
    /// octets, UTF-16 units, graphemes), description and source.
    #[command(after_help = EDGE_CASES_EXAMPLES)]
    List {
        /// JSON array instead of a table.
        #[arg(long)]
        json: bool,
        /// Only this family: email, name, username, text, password, file.
        #[arg(long)]
        family: Option<String>,
    },
}

const REHEARSE_EXAMPLES: &str = "Examples:
  # quick start: 100k users into ./understudy.db (SQLite), verified
  understudy rehearse --users 100000

  # 1M users into PostgreSQL with COPY, 2 workers, JSON and HTML reports
  understudy rehearse --users 1000000 --target postgres://app:secret@localhost:5432/rehearsal \\
      --method copy --workers 2 --report run.json --html run.html

  # your own target schema (e.g. a too-narrow email column): bad rows go to rejects.jsonl
  understudy rehearse --users 10000 --target sqlite:t.db --schema my-schema.sql

  # killed half-way? continue exactly where it stopped
  understudy rehearse --users 1000000 --target postgres://… --resume

  # your own migration script, verified against the ground truth
  understudy rehearse --users 10000 --source sqlite:src.db --target sqlite:dst.db \\
      --exec ./migrate.sh

  # fail the CI job on any reject or below 5000 rows/s
  understudy rehearse --users 100000 --fail-on 'rejects>0,throughput<5000'

  # an identity API (here the local Okta emulator) at 600 requests/s, open model
  understudy emulate okta --listen 127.0.0.1:8080 --rate 600/s --error-rate 0.05 &
  understudy rehearse --users 20000 --target http://127.0.0.1:8080 --api okta --rate 600

  # a 60-second network outage in the middle of the load
  understudy rehearse --users 1000000 --target postgres://… --faults \"outage@20s+60s\"

Exit codes: 0 ok · 1 verification or a threshold failed · 2 bad usage or configuration · 3 target unreachable";

#[derive(Args, Debug)]
pub struct RehearseArgs {
    /// Profile: a shipped profile's name (saas, bench-8, ldap) or a path to a .toml file.
    #[arg(short, long, default_value = "saas")]
    pub profile: String,
    /// Number of users.
    #[arg(short = 'n', long, value_parser = values::users)]
    pub users: u64,
    /// Seed (same seed, same users: the ground truth verification regenerates).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// sqlite:PATH, postgres://user:pass@host:port/db, or http://HOST:PORT with
    /// --api (default: sqlite:understudy.db). Without a password in the DSN,
    /// PGPASSWORD is used. Passwords are shown as ***.
    #[arg(short, long)]
    pub target: Option<String>,
    /// Loader connections (default: 2 for PostgreSQL; SQLite always uses 1);
    /// for an http:// target, concurrent requests (default 8; with --rate, the
    /// cap on requests in flight).
    #[arg(short, long, value_parser = values::workers)]
    pub workers: Option<usize>,
    /// The identity API an http:// target speaks: okta (one create per user,
    /// hashes re-encoded into Okta's hash object), auth0 (bulk import jobs of
    /// ≤ 500 KB, 2 at a time) or generic (POST /users). Users whose hash format
    /// the API cannot import are reported as jit_only, not sent.
    #[arg(long, value_name = "API")]
    pub api: Option<crate::api::Api>,
    /// Open model for http:// targets: start a request every 1/R seconds and
    /// time it from that scheduled start, whatever the target does (default:
    /// closed model, --workers requests back to back).
    #[arg(long, value_name = "R", value_parser = values::positive)]
    pub rate: Option<f64>,
    /// http:// targets: 5xx answers allowed per user before it is given up
    /// (429s wait for Retry-After and do not count; a lost network is retried
    /// for --retry-for).
    #[arg(long, value_name = "K", default_value_t = 8, value_parser = values::count_u32)]
    pub max_attempts: u32,
    /// Rows of the driving table per batch: one transaction, with their child
    /// rows (default: 5000 for PostgreSQL, 25000 for SQLite).
    #[arg(short, long, value_parser = values::count)]
    pub batch: Option<u64>,
    /// copy (PostgreSQL COPY), insert (multi-row INSERT), upsert (ON CONFLICT DO NOTHING).
    #[arg(short, long, default_value = "copy")]
    pub method: String,
    /// Apply your own target schema (SQL file) instead of the profile's tables.
    #[arg(long, value_name = "FILE.sql", conflicts_with = "no_create")]
    pub schema: Option<PathBuf>,
    /// Use the tables already in the target.
    #[arg(long)]
    pub no_create: bool,
    /// Continue a killed or failed rehearsal; batches already committed are skipped.
    #[arg(long)]
    pub resume: bool,
    /// Skip verification against the ground truth.
    #[arg(long)]
    pub no_verify: bool,
    /// Write the JSON report (the source of truth for `report show|html`).
    #[arg(long, value_name = "FILE.json")]
    pub report: Option<PathBuf>,
    /// Write a self-contained HTML report.
    #[arg(long, value_name = "FILE.html")]
    pub html: Option<PathBuf>,
    /// Where rejected rows go (default: rejects.jsonl beside --report, or in the current directory).
    #[arg(long, value_name = "FILE.jsonl")]
    pub rejects: Option<PathBuf>,
    /// Exit 1 when a threshold is missed, e.g. `rejects>0,throughput<5000,p99>500`.
    #[arg(long, value_name = "EXPR")]
    pub fail_on: Option<String>,
    /// Project the duration of a full migration of this many users at the measured rate.
    #[arg(long, value_name = "M", value_parser = values::users)]
    pub production_users: Option<u64>,
    /// Override every hash's mode: real, pool or shape.
    #[arg(long, value_name = "MODE")]
    pub hash_mode: Option<HashMode>,
    /// Share of users (0.0–1.0) carrying a labelled edge case (default: the
    /// profile's, usually 0); rejects and errors are attributed to the labels.
    #[arg(long, value_name = "RATE", value_parser = values::rate)]
    pub edge_rate: Option<f64>,
    /// A renamed column in the target: `old=new` or `table.old=new` (repeatable).
    #[arg(long = "map", value_name = "OLD=NEW")]
    pub maps: Vec<String>,
    /// Run your own migration (sh -c CMD) from --source to --target, then verify the target.
    #[arg(long, value_name = "CMD", requires = "source")]
    pub exec: Option<String>,
    /// With --exec: the database understudy seeds with the generated users.
    #[arg(long, value_name = "DSN")]
    pub source: Option<String>,
    /// No progress bar and no summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// Load a PostgreSQL or HTTP target through a proxy that applies this fault plan,
    /// e.g. "outage@20s+60s; latency@90s+30s=200ms" (see `understudy proxy --help`).
    #[arg(long, value_name = "PLAN")]
    pub faults: Option<crate::faults::FaultPlan>,
    /// How long to wait out a lost network in any phase (connecting, creating
    /// the schema, loading, verifying) before giving up (exit 3).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = values::duration)]
    pub retry_for: std::time::Duration,
}

const ESTIMATE_EXAMPLES: &str = "Examples:
  # 10M users into PostgreSQL: samples of 100k users at 1, 2, 4 and 8 workers
  understudy estimate --production-users 10000000 --target postgres://app:secret@localhost/rehearsal \\
      --workers 1,2,4,8 --report estimate.json --html estimate.html

  # 1M users into SQLite from a 2 % sample, at most 5 minutes of sampling
  understudy estimate --production-users 1000000 --target sqlite:app.db --sample 2% --budget 5m

  # then check it: the full rehearsal, timed
  understudy rehearse --users 1000000 --target sqlite:full.db --no-verify --report full.json

Samples go to a scratch copy (SQLite: a file in a temporary directory beside the target;
PostgreSQL: a schema understudy_estimate_<pid>_<k>, dropped afterwards); the target itself is
not touched. The projection is of rehearse's load phase (its `duration_s`), not of hash-pool
building or verification. See docs/estimate.md for the method and its limits.

Exit codes: 0 ok · 2 bad usage or configuration · 3 target unreachable";

#[derive(Args, Debug)]
pub struct EstimateArgs {
    /// Profile: a shipped profile's name (saas, bench-8, ldap) or a path to a .toml file.
    #[arg(short, long, default_value = "saas")]
    pub profile: String,
    /// How many users the real migration moves (N).
    #[arg(short = 'n', long, value_name = "N", value_parser = values::users)]
    pub production_users: u64,
    /// sqlite:PATH or postgres://user:pass@host:port/db (samples go to a scratch copy).
    #[arg(short, long)]
    pub target: String,
    /// Users per sample rehearsal (default: 5 % of N, at most 100,000).
    #[arg(long, value_name = "S", conflicts_with = "sample", value_parser = values::users)]
    pub sample_users: Option<u64>,
    /// Users per sample as a share of N, e.g. 2% (or 0.02).
    #[arg(long, value_name = "P%", value_parser = parse_share_arg)]
    pub sample: Option<f64>,
    /// Worker counts to measure and project, e.g. 1,2,4,8 (default: 1,2,4; SQLite 1,2).
    #[arg(short, long, value_name = "LIST", value_delimiter = ',', value_parser = parse_worker_arg)]
    pub workers: Option<Vec<usize>>,
    /// Identity API of an http:// target: okta, auth0 or generic (not yet wired into estimate).
    #[arg(long)]
    pub api: Option<String>,
    /// Most time to spend sampling, e.g. 10m; repeats are dropped to fit.
    #[arg(long, default_value = "10m", value_parser = values::positive_duration)]
    pub budget: std::time::Duration,
    /// Samples per worker count (their spread widens or narrows the range).
    #[arg(long, default_value_t = 3, value_parser = values::count_usize)]
    pub repeat: usize,
    /// Rows of the driving table per batch in the real load (default: rehearse's, 5000 for
    /// PostgreSQL, 25000 for SQLite).
    #[arg(short, long, value_parser = values::count)]
    pub batch: Option<u64>,
    /// copy (PostgreSQL COPY), insert (multi-row INSERT), upsert (ON CONFLICT DO NOTHING).
    #[arg(short, long, default_value = "copy")]
    pub method: String,
    /// Seed of the sample users.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Override every hash's mode: real, pool or shape.
    #[arg(long, value_name = "MODE")]
    pub hash_mode: Option<HashMode>,
    /// Share of users (0.0–1.0) carrying a labelled edge case (default: the profile's).
    #[arg(long, value_name = "RATE", value_parser = values::rate)]
    pub edge_rate: Option<f64>,
    /// Write the JSON report (versioned; `projections`, `recommended_workers`, `bottleneck`, `model`).
    #[arg(long, value_name = "FILE.json")]
    pub report: Option<PathBuf>,
    /// Write a self-contained HTML report with the throughput-vs-workers curve and its fit.
    #[arg(long, value_name = "FILE.html")]
    pub html: Option<PathBuf>,
    /// No progress and no summary.
    #[arg(short, long)]
    pub quiet: bool,
}

fn parse_share_arg(s: &str) -> std::result::Result<f64, String> {
    crate::estimate::parse_share(s).ok_or_else(|| {
        format!("`{s}` is not a share of the users (e.g. 2% or 0.02; above 0, at most 100%)")
    })
}

fn parse_worker_arg(s: &str) -> std::result::Result<usize, String> {
    crate::estimate::parse_workers(s)
        .and_then(|v| (v.len() == 1).then_some(v[0]))
        .ok_or_else(|| {
            format!("`{s}` is not a worker count: a list like 1,2,4,8, each from 1 to 1024")
        })
}

const REPORT_EXAMPLES: &str = "Examples:
  understudy rehearse --users 10000 --report report.json   # write one
  understudy report show report.json                       # its summary, again
  understudy report html report.json --out report.html     # a self-contained page";

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
}

const GENERATE_EXAMPLES: &str = "Examples:
  # 1M users of the shipped SaaS profile as CSV, one file per table, plus manifest.json
  understudy generate --profile saas --users 1000000 --out data/

  # the same users as JSON Lines; same seed, same values
  understudy generate --users 1000000 --format jsonl --out data-jsonl/

  # a SQL script for MySQL
  understudy generate --users 10000 --format sql --sql-dialect mysql --out sql/

  # the second of three shards (concatenated in order, shards equal the whole)
  understudy generate --users 3000000 --shard 2/3 --out shard2/

  # the users table alone, streamed
  understudy generate --profile bench-8 --users 10000000 --out - | wc -l

  # plaintext passwords for login tests (written to passwords.csv, mode 0600)
  understudy generate --users 1000 --emit-passwords --out data/";

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Profile: a shipped profile's name (saas, bench-8, ldap) or a path to a .toml file.
    #[arg(short, long, default_value = "saas")]
    pub profile: String,
    /// Number of users (rows of the users table across all shards).
    #[arg(short = 'n', long, value_parser = values::generated_users)]
    pub users: u64,
    /// Seed: same seed, profile and options give identical bytes.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Output format.
    #[arg(short, long, default_value = "csv", value_parser = ["csv", "jsonl", "sql"])]
    pub format: String,
    /// Output directory (one file per table plus manifest.json), or `-` for the
    /// users table alone on stdout.
    #[arg(short, long, default_value = "understudy-out")]
    pub out: String,
    /// Worker threads (default: all cores). Never changes the output.
    #[arg(short = 'j', long, value_parser = values::workers)]
    pub threads: Option<usize>,
    /// Write only shard K of N: a contiguous slice of users and their child rows.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    /// SQL dialect for --format sql.
    #[arg(long, default_value = "postgres", value_parser = ["postgres", "mysql", "sqlite"])]
    pub sql_dialect: String,
    /// Email domains with weights, e.g. `example.com=3,corp.test=1` (reserved
    /// domains only unless --allow-real-domains). Overrides the profile's.
    #[arg(long, value_name = "LIST")]
    pub domains: Option<String>,
    /// Allow email domains outside the reserved ones (.test, .example,
    /// .invalid, .localhost, example.com/.net/.org).
    #[arg(long)]
    pub allow_real_domains: bool,
    /// Override every hash's mode: real (a fresh hash per user), pool (users share
    /// a pool of real hashes), shape (right format, does not verify).
    #[arg(long, value_name = "MODE")]
    pub hash_mode: Option<HashMode>,
    /// `light` keeps every format and encoding but lowers work factors to the
    /// smallest the format allows (bcrypt 4, argon2 m=1024 t=1, PBKDF2 1,000…),
    /// for quick functional rehearsals.
    #[arg(long, default_value = "profile", value_parser = ["profile", "light"])]
    pub hash_cost: String,
    /// Build hash pools afresh instead of loading them from the cache
    /// ($XDG_CACHE_HOME/understudy), and do not save them.
    #[arg(long)]
    pub no_cache: bool,
    /// Overwrite files in a non-empty output directory.
    #[arg(long)]
    pub force: bool,
    /// Also write passwords.csv (user key, plaintext password), mode 0600.
    #[arg(long)]
    pub emit_passwords: bool,
    /// No progress bar and no summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// Share of rows carrying a labelled edge case (0.0–1.0); overrides the
    /// profile's `[edge_cases] rate`. Labels go to labels.csv.
    #[arg(long, value_name = "RATE", value_parser = values::rate)]
    pub edge_rate: Option<f64>,
    /// A file of your own edge cases, one per line (repeatable): each line is
    /// a case labelled `custom.<file stem>:<line>` for name and text columns.
    #[arg(long, value_name = "FILE")]
    pub edge_file: Vec<PathBuf>,
    /// Only these edge cases (labels or families, comma-separated); overrides
    /// the profile's `include`. E.g. `email.case-duplicate,name`.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub edge_include: Vec<String>,
    /// Never these edge cases (labels or families, comma-separated).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub edge_exclude: Vec<String>,
    /// Output encoding: utf-8, utf-8-bom, utf-16le, utf-16be, windows-1252, latin1.
    #[arg(long, default_value = "utf-8")]
    pub encoding: Encoding,
    /// What to do with a value the encoding cannot hold: skip the row (into
    /// unrepresentable.jsonl) or replace the characters with `?` (labelled).
    #[arg(long, default_value = "skip", value_parser = ["skip", "replace"])]
    pub unrepresentable: String,
}

const PROFILES_EXAMPLES: &str = "Examples:
  understudy profiles list                      # the shipped profiles: saas, bench-8, ldap
  understudy profiles show saas > my-app.toml   # start your own from one
  understudy profiles check my-app.toml         # validate it, see table sizes
  understudy generate --profile my-app.toml --users 1000 --out data/";

#[derive(Subcommand, Debug)]
pub enum ProfilesCommand {
    /// List the shipped profiles.
    #[command(after_help = PROFILES_EXAMPLES)]
    List,
    /// Print a shipped profile (a starting point for your own).
    #[command(after_help = PROFILES_EXAMPLES)]
    Show { name: String },
    /// Check a profile and summarise it.
    #[command(after_help = PROFILES_EXAMPLES)]
    Check { profile: String },
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> i32 {
    quiet_on_closed_stdout();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => 2,
            };
        }
    };
    let result = match cli.command {
        Command::Rehearse(a) => rehearse(*a),
        command => run(Cli { command }).map(|()| 0),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            exit_if_stdout_closed();
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

/// When whoever reads our output goes away (`understudy … | head`), stop
/// the way `cat` or `ls` do: killed by SIGPIPE (status 141 in a shell), no
/// message. Rust ignores SIGPIPE, so a write to the closed pipe fails with
/// EPIPE instead: `println!` panics on it and `write!` returns an error.
/// Both end here, once for every command: the panic hook and the error path
/// of `main` check whether stdout's reader is gone.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // Only `print!`'s own panic: a panic elsewhere (a server task whose
        // socket broke) must not end a process whose stdout happens to be closed.
        let msg = info.payload_as_str().unwrap_or("");
        if msg.starts_with("failed printing to stdout") {
            exit_if_stdout_closed();
        }
        default(info);
    }));
}

/// Dies of SIGPIPE when stdout is a pipe without a reader; returns otherwise.
fn exit_if_stdout_closed() {
    let mut p = libc::pollfd {
        fd: libc::STDOUT_FILENO,
        events: 0,
        revents: 0,
    };
    // A pipe whose read end is closed polls as POLLERR (Linux, the BSDs).
    let gone = unsafe { libc::poll(&mut p, 1, 0) } == 1 && p.revents & libc::POLLERR != 0;
    if gone {
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            libc::raise(libc::SIGPIPE);
        }
        std::process::exit(128 + libc::SIGPIPE);
    }
}

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Generate(a) => generate(*a),
        Command::Profiles(p) => profiles(p),
        Command::EdgeCases(EdgeCasesCommand::List { json, family }) => edge_cases(json, family),
        Command::Proxy(p) => proxy(p),
        Command::Emulate(e) => emulate(e),
        Command::Hash(h) => crate::hash::cli::run(h),
        Command::Report(r) => report(r),
        Command::ScanLeaks(a) => crate::leaks::cli::run(a),
        Command::Jit(a) => crate::jit::cli::run_cli(*a).and_then(|code| match code {
            0 => Ok(()),
            _ => Err(Error::failed(
                "the JIT rehearsal failed: see the result above (a migrated user cannot sign in, a wrong password migrated someone, or a plaintext leaked)",
            )),
        }),
        Command::Estimate(a) => estimate(*a),
        Command::Rehearse(a) => rehearse(*a).and_then(|code| match code {
            0 => Ok(()),
            _ => Err(Error::failed(
                "the rehearsal failed verification or a threshold",
            )),
        }),
    }
}

fn rehearse(a: RehearseArgs) -> Result<i32> {
    let profile = Profile::load(&a.profile)?;
    let method: Method = a.method.parse().map_err(Error::usage)?;
    let mut maps = Vec::new();
    for m in &a.maps {
        let (old, new) = m
            .split_once('=')
            .ok_or_else(|| Error::usage(format!("--map `{m}`: use OLD=NEW or TABLE.OLD=NEW")))?;
        maps.push((old.trim().to_string(), new.trim().to_string()));
    }
    let domains = profile.domains.clone();
    harness::rehearse(RehearseOptions {
        profile,
        users: a.users,
        seed: a.seed,
        target: a.target,
        workers: a.workers,
        batch: a.batch,
        method,
        schema: a.schema,
        no_create: a.no_create,
        resume: a.resume,
        verify: !a.no_verify,
        report: a.report,
        html: a.html,
        rejects: a.rejects,
        fail_on: a.fail_on,
        production_users: a.production_users,
        hash_mode: a.hash_mode,
        edge_rate: a.edge_rate,
        maps,
        exec: a.exec,
        source: a.source,
        domains,
        quiet: a.quiet,
        faults: a.faults,
        retry_for: a.retry_for,
        api: a.api,
        rate: a.rate,
        max_attempts: a.max_attempts,
        shown_as: None,
        window: None,
    })
}

fn estimate(a: EstimateArgs) -> Result<()> {
    let profile = Profile::load(&a.profile)?;
    let method: Method = a.method.parse().map_err(Error::usage)?;
    let domains = profile.domains.clone();
    crate::estimate::estimate(crate::estimate::EstimateOptions {
        profile,
        production_users: a.production_users,
        target: a.target,
        sample_users: a.sample_users,
        sample_share: a.sample,
        workers: a.workers,
        api: a.api,
        budget: a.budget,
        repeat: a.repeat,
        seed: a.seed,
        batch: a.batch,
        method,
        hash_mode: a.hash_mode,
        edge_rate: a.edge_rate,
        domains,
        report: a.report,
        html: a.html,
        quiet: a.quiet,
    })
    .map(|_| ())
}

fn report(r: ReportCommand) -> Result<()> {
    match r {
        ReportCommand::Show { file } => {
            print!("{}", crate::report::AnyReport::load(&file)?.terminal());
        }
        ReportCommand::Html { file, out } => {
            let rep = crate::report::AnyReport::load(&file)?;
            std::fs::write(&out, rep.html()).map_err(|e| Error::io("write", &out, e))?;
        }
    }
    Ok(())
}

fn generate(a: GenerateArgs) -> Result<()> {
    let profile = Profile::load(&a.profile)?;
    for sel in a.edge_include.iter().chain(&a.edge_exclude) {
        crate::edge::check_selector(sel).map_err(Error::usage)?;
    }
    if let Some(s) = &a.shard
        && s.count > a.users
    {
        return Err(Error::usage(format!(
            "--shard {}/{}: {} users cannot fill {} shards; N is at most --users",
            s.index, s.count, a.users, s.count
        )));
    }
    let domains = match &a.domains {
        Some(list) => parse_domains(list)?,
        None => profile.domains.clone(),
    };
    if !a.allow_real_domains {
        let real: Vec<&str> = domains
            .iter()
            .map(|(d, _)| d.as_str())
            .filter(|d| !is_reserved_domain(d))
            .collect();
        if !real.is_empty() {
            return Err(Error::usage(format!(
                "refusing non-reserved email domain(s): {}\n  fake users must not get real mailboxes; use .test, .example, .invalid or example.com/.net/.org,\n  or pass --allow-real-domains if you own these domains",
                real.join(", ")
            )));
        }
    }
    let out = match a.out.as_str() {
        "-" => Output::Stdout,
        d => Output::Dir(PathBuf::from(d)),
    };
    let dialect: Dialect = a.sql_dialect.parse().map_err(Error::usage)?;
    generator::plan::catch_interrupts();
    generator::generate(GenerateOptions {
        profile,
        users: a.users,
        seed: a.seed,
        threads: a.threads.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        }),
        shard: a.shard.unwrap_or(Shard::WHOLE),
        format: a.format,
        dialect,
        out,
        force: a.force,
        emit_passwords: a.emit_passwords,
        quiet: a.quiet,
        domains,
        hash_mode: a.hash_mode,
        hash_cost_light: a.hash_cost == "light",
        no_cache: a.no_cache,
        edge_rate: a.edge_rate,
        edge_files: a.edge_file,
        edge_include: a.edge_include,
        edge_exclude: a.edge_exclude,
        encoding: a.encoding,
        replace_unrepresentable: a.unrepresentable == "replace",
    })?;
    Ok(())
}

/// RFC 2606 / RFC 6761 names that can never be someone's mailbox.
pub fn is_reserved_domain(d: &str) -> bool {
    let d = d.trim_end_matches('.').to_ascii_lowercase();
    let tld = d.rsplit('.').next().unwrap_or("");
    matches!(tld, "test" | "example" | "invalid" | "localhost")
        || ["example.com", "example.net", "example.org"]
            .iter()
            .any(|r| d == *r || d.ends_with(&format!(".{r}")))
}

fn parse_domains(list: &str) -> Result<Vec<(String, u32)>> {
    let mut out = Vec::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (d, w) = match item.split_once('=') {
            Some((d, w)) => (
                d.trim(),
                w.trim().parse::<u32>().map_err(|_| {
                    Error::usage(format!(
                        "--domains: weight `{w}` for {d} is not a whole number (e.g. example.com=3)"
                    ))
                })?,
            ),
            None => (item, 1),
        };
        if d.is_empty() || !d.contains('.') || d.contains('@') || d.contains(' ') {
            return Err(Error::usage(format!(
                "--domains: `{d}` is not a domain name (e.g. mail.test)"
            )));
        }
        out.push((d.to_string(), w));
    }
    if out.iter().all(|(_, w)| *w == 0) {
        return Err(Error::usage(
            "--domains needs at least one domain with a positive weight",
        ));
    }
    Ok(out)
}

fn profiles(p: ProfilesCommand) -> Result<()> {
    match p {
        ProfilesCommand::List => {
            for name in profile::shipped::names() {
                let p = Profile::load(name)?;
                println!(
                    "{name:10} {}: {}",
                    crate::util::count(p.tables.len() as u64, "table", "tables"),
                    p.tables
                        .iter()
                        .map(|t| t.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        }
        ProfilesCommand::Show { name } => match profile::shipped::get(&name) {
            Some(text) => print!("{text}"),
            None => {
                return Err(Error::usage(format!(
                    "no shipped profile `{name}`; shipped: {}",
                    profile::shipped::names().join(", ")
                )));
            }
        },
        ProfilesCommand::Check { profile } => {
            let p = Profile::load(&profile)?;
            println!("{}: ok ({})", p.name, p.source);
            for t in &p.tables {
                let size = match &t.size {
                    profile::Size::Users => "--users".to_string(),
                    profile::Size::Rows(n) => format!("{n} rows"),
                    profile::Size::PerParent { parent, count } => {
                        format!(
                            "{:.2} per {} row (max {})",
                            count.mean(),
                            p.tables[*parent].name,
                            count.max()
                        )
                    }
                };
                println!("  {:16} {:3} columns  {}", t.name, t.columns.len(), size);
            }
        }
    }
    Ok(())
}

fn edge_cases(json: bool, family: Option<String>) -> Result<()> {
    use crate::edge::Family;
    if let Some(f) = &family
        && !Family::ALL.iter().any(|x| x.name() == f)
    {
        let names: Vec<&str> = Family::ALL.iter().map(|x| x.name()).collect();
        return Err(Error::usage(format!(
            "unknown family `{f}`: use one of {}",
            names.join(", ")
        )));
    }
    let list: Vec<_> = crate::edge::list()
        .into_iter()
        .filter(|c| family.as_deref().is_none_or(|f| c.family.name() == f))
        .collect();
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&list).expect("serialisable")
        );
        return Ok(());
    }
    println!(
        "{:<40} {:<7} {:>5} {:>6} {:>6} {:>5}  description",
        "label", "valid", "cp", "utf8", "utf16", "graph"
    );
    for c in &list {
        let (cp, u8_, u16_, g) = c
            .lengths
            .map(|l| {
                (
                    l.code_points.to_string(),
                    l.utf8_octets.to_string(),
                    l.utf16_units.to_string(),
                    l.graphemes.to_string(),
                )
            })
            .unwrap_or_else(|| ("~".into(), "~".into(), "~".into(), "~".into()));
        let valid = if c.valid { "valid" } else { "invalid" };
        println!(
            "{:<40} {:<7} {:>5} {:>6} {:>6} {:>5}  {}",
            c.label, valid, cp, u8_, u16_, g, c.description
        );
    }
    println!(
        "\n{} cases (~: derived from another user's value, so lengths vary)",
        list.len()
    );
    Ok(())
}

fn proxy(a: ProxyArgs) -> Result<()> {
    let p = crate::faults::Proxy::start(&a.listen, &a.upstream, a.faults.clone())
        .map_err(|e| Error::usage(format!("cannot listen on {}: {e}", a.listen)))?;
    println!("{}", p.addr);
    use std::io::Write;
    let _ = std::io::stdout().flush();
    eprintln!(
        "understudy proxy: {} → {}; plan: {}",
        p.addr,
        a.upstream,
        if a.faults.faults.is_empty() {
            "none".to_string()
        } else {
            a.faults.to_string()
        }
    );
    let start = std::time::Instant::now();
    let mut announced = vec![(false, false); a.faults.faults.len()];
    loop {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let t = start.elapsed();
        for (f, seen) in a.faults.faults.iter().zip(announced.iter_mut()) {
            if !seen.0 && t >= f.at {
                seen.0 = true;
                eprintln!("[{:>7.1}s] {:?} starts", t.as_secs_f64(), f.kind);
            }
            if !seen.1 && !f.duration.is_zero() && t >= f.end() {
                seen.1 = true;
                eprintln!("[{:>7.1}s] {:?} ends", t.as_secs_f64(), f.kind);
            }
        }
        if a.run_for.is_some_and(|d| t >= d) {
            break;
        }
    }
    let s = p.stats.snapshot();
    eprintln!(
        "understudy proxy: {} connections, {} refused, {} killed; {} bytes up, {} down",
        s.connections_accepted,
        s.connections_refused,
        s.connections_killed,
        s.bytes_to_upstream,
        s.bytes_to_client
    );
    Ok(())
}

fn emulate(a: EmulateArgs) -> Result<()> {
    let cfg = crate::emulate::Config {
        api: a.api,
        rate: a.rate,
        burst: a.burst,
        error_rate: a.error_rate,
        latency: a.latency,
        seed: a.seed,
        store: a.store,
        hash_cost_light: a.hash_cost == "light",
        password_import_hook: a.password_import_hook,
    };
    let e = crate::emulate::Emulator::start(&a.listen, cfg)
        .map_err(|err| Error::usage(format!("cannot start on {}: {err}", a.listen)))?;
    println!("{}", e.addr);
    use std::io::Write;
    let _ = std::io::stdout().flush();
    eprintln!(
        "understudy emulate {:?}: listening on http://{}",
        a.api, e.addr
    );
    let start = std::time::Instant::now();
    while a.run_for.is_none_or(|d| start.elapsed() < d) {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    eprintln!(
        "{}",
        serde_json::to_string(&e.stats()).expect("serialisable")
    );
    Ok(())
}

/// One parser per kind of numeric value, shared by every command's flags:
/// clap names the flag and the value; the message gives the valid range.
pub mod values {
    use std::time::Duration;

    /// Most worker threads or connections any command will open.
    pub const MAX_WORKERS: usize = 1024;

    fn number<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, String> {
        s.trim()
            .parse()
            .map_err(|_| format!("not a number: {what}"))
    }

    /// A share of rows or requests: 0.0 to 1.0.
    pub fn rate(s: &str) -> Result<f64, String> {
        let what = "a rate is a number from 0.0 to 1.0 (e.g. 0.05)";
        let r: f64 = number(s, what)?;
        if r.is_finite() && (0.0..=1.0).contains(&r) {
            Ok(r)
        } else {
            Err(what.to_string())
        }
    }

    /// A positive, finite quantity (requests per second, a speed-up factor).
    pub fn positive(s: &str) -> Result<f64, String> {
        let what = "use a finite number above 0 (e.g. 600)";
        let r: f64 = number(s, what)?;
        if r.is_finite() && r > 0.0 {
            Ok(r)
        } else {
            Err(what.to_string())
        }
    }

    /// A count of users, rows, attempts or days: a whole number, at least 1.
    pub fn count(s: &str) -> Result<u64, String> {
        let what = format!("use a whole number from 1 to {}", u64::MAX);
        match number::<u64>(s, &what)? {
            0 => Err(what),
            n => Ok(n),
        }
    }

    /// `count` for flags held in a u32 (days, attempts).
    pub fn count_u32(s: &str) -> Result<u32, String> {
        let what = format!("use a whole number from 1 to {}", u32::MAX);
        match number::<u32>(s, &what)? {
            0 => Err(what),
            n => Ok(n),
        }
    }

    /// `count` for lengths and repeats held in a usize.
    pub fn count_usize(s: &str) -> Result<usize, String> {
        let what = format!("use a whole number from 1 to {}", usize::MAX);
        match number::<usize>(s, &what)? {
            0 => Err(what),
            n => Ok(n),
        }
    }

    /// Most users a command that plans its work up front (rehearse,
    /// estimate, jit, scan-leaks) takes: the edge cases' 10-digit row tokens
    /// (and their labelled lengths) hold up to here. `generate` streams, and
    /// checks its own limits against the profile.
    pub const MAX_USERS: u64 = 10_000_000_000;

    /// A number of users: 1 to MAX_USERS.
    pub fn users(s: &str) -> Result<u64, String> {
        let what = "use a whole number from 1 to 10,000,000,000 (at most 10,000,000,000 users)";
        match number::<u64>(s, what)? {
            n @ 1..=MAX_USERS => Ok(n),
            _ => Err(what.to_string()),
        }
    }

    /// The users `generate` streams: any positive 64-bit count (the profile's
    /// own limits are checked once it is loaded).
    pub fn generated_users(s: &str) -> Result<u64, String> {
        let what = format!("use a whole number from 1 to {}", u64::MAX);
        match number::<u64>(s, &what)? {
            0 => Err(what),
            n => Ok(n),
        }
    }

    /// Most simulated days (ten years).
    pub const MAX_DAYS: u32 = 3650;

    /// A number of days: 1 to MAX_DAYS.
    pub fn days(s: &str) -> Result<u32, String> {
        let what = format!("use a whole number from 1 to {MAX_DAYS}");
        match number::<u32>(s, &what)? {
            n @ 1..=MAX_DAYS => Ok(n),
            _ => Err(what),
        }
    }

    /// Worker threads or connections: 1 to MAX_WORKERS.
    pub fn workers(s: &str) -> Result<usize, String> {
        let what = format!("use a whole number from 1 to {MAX_WORKERS}");
        match number::<usize>(s, &what)? {
            n @ 1..=MAX_WORKERS => Ok(n),
            _ => Err(what),
        }
    }

    /// The longest duration any flag takes: beyond it, deadlines computed
    /// from the clock would overflow long before they meant anything.
    pub const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);

    /// A duration from 0 to a year: 500ms, 30s, 10m, 2h.
    pub fn duration(s: &str) -> Result<Duration, String> {
        crate::faults::plan::parse_duration(s)
            .filter(|d| *d <= MAX_DURATION)
            .ok_or_else(|| "use a duration from 0s to 8760h (e.g. 500ms, 30s, 10m)".to_string())
    }

    /// A duration above 0, at most a year.
    pub fn positive_duration(s: &str) -> Result<Duration, String> {
        duration(s).ok().filter(|d| !d.is_zero()).ok_or_else(|| {
            "use a duration above 0s, up to 8760h (e.g. 500ms, 30s, 10m)".to_string()
        })
    }

    /// Added latency: a mean and a jitter, e.g. 20ms or 20ms±10ms.
    pub fn latency(s: &str) -> Result<(Duration, Duration), String> {
        crate::emulate::parse_latency(s)
            .filter(|(m, j)| *m <= MAX_DURATION && *j <= MAX_DURATION)
            .ok_or_else(|| "use a latency from 0s to 8760h, e.g. 20ms or 20ms±10ms".to_string())
    }
}
