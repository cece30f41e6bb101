//! `understudy rehearse`: arguments, and the call into the harness.

use super::ExitStatus;
use super::choices::{Api, Method};
use super::dataset::DatasetArgs;
use super::values;
use crate::error::{Error, Result};
use crate::harness::{self, RehearseOptions};
use clap::Args;
use std::path::PathBuf;

pub const REHEARSE_EXAMPLES: &str = "Examples:
  # quick start: 100k users into ./understudy.db (SQLite), verified
  understudy rehearse --users 100000

  # 1M users into PostgreSQL with COPY, 2 workers, JSON and HTML reports
  understudy rehearse --users 1000000 --target postgres://app:secret@localhost:5432/rehearsal \\
      --method copy --workers 2 --report run.json --html run.html

  # your own target schema (e.g. a too-narrow email column): bad rows go to rejects.jsonl
  understudy rehearse --users 10000 --target sqlite:t.db --schema my-schema.sql

  # the profile's Redis copy (a cache of the users) into a real Redis, pipelined,
  # resumable, read back and compared; then `understudy consistency`
  understudy rehearse --profile saas-copies --users 1000000 --copies redis://127.0.0.1:6379/0

  # killed half-way? continue exactly where it stopped
  understudy rehearse --users 1000000 --target postgres://… --resume

  # your own migration script, verified against the ground truth
  understudy rehearse --users 10000 --source sqlite:src.db --target sqlite:dst.db \\
      --exec ./migrate.sh

  # MySQL to PostgreSQL with pgloader, which creates the target's tables
  # (docs/examples/mysql-to-postgres.md has the command file)
  understudy rehearse --users 10000 --source mysql://app:secret@localhost/shop \\
      --target postgres://app:secret@localhost/shop --no-create \\
      --exec 'MYSQL_PWD=\"$UNDERSTUDY_SOURCE_PASSWORD\" \\
              PGPASSWORD=\"$UNDERSTUDY_TARGET_PASSWORD\" pgloader mysql-to-postgres.load'

  # MySQL/MariaDB in your production session's sql_mode (the server's global one), your
  # own schema: values the server changes instead of refusing show as warnings and mismatches
  understudy rehearse --users 100000 --target 'mysql://app:secret@db:3306/rehearsal?sql_mode=server' \\
      --schema prod-schema.sql --edge-rate 0.2 --fail-on 'warnings>0'

  # fail the CI job on any reject or below 5000 rows/s
  understudy rehearse --users 100000 --fail-on 'rejects>0,throughput<5000'
  understudy rehearse --users 100000 --edge-rate 0.05 --junit rehearse.xml \
      --fail-on 'rejects{label:email.*}>0, p99{table:sessions}>250, rejects>1000 abort'

  # an identity API (here the local Okta emulator) at 600 requests/s, open model
  understudy emulate okta --listen 127.0.0.1:8080 --rate 600/s --error-rate 0.05 &
  understudy rehearse --users 20000 --target http://127.0.0.1:8080 --api okta --rate 600

  # the same limit shared by 3 shards (200 requests/s each)
  for k in 1 2 3; do understudy rehearse --users 20000 --target http://127.0.0.1:8080 \
      --api okta --rate 600 --shard $k/3 --report shard$k.json & done; wait

  # an OpenLDAP directory: entries added under the profile's base DN, read back, bound as
  LDAP_PASSWORD=secret understudy rehearse --profile ldap --users 100000 \\
      --target ldap://127.0.0.1:389 --bind-dn cn=admin,dc=example,dc=org

  # 4 shards into one PostgreSQL, as 4 processes (or pods of an Indexed Job):
  # shard 1 creates the tables and loads the lookup tables; then merge the reports
  for k in 1 2 3 4; do understudy rehearse --users 1000000 --target postgres://… \
      --shard $k/4 --report shard$k.json & done; wait
  understudy report merge shard*.json -o all.json --fail-on 'p99>500'

  # in a Kubernetes Indexed Job: K from JOB_COMPLETION_INDEX (0-based), N given
  understudy rehearse --users 1000000 --target postgres://… --shard auto --shards 4 --resume

  # a 60-second network outage in the middle of the load
  understudy rehearse --users 1000000 --target postgres://… --faults \"outage@20s+60s\"

Exit codes: 0 ok · 1 verification or a threshold failed · 2 bad usage or configuration · 3 target unreachable";

#[derive(Args, Debug)]
#[command(
    mut_arg("seed", |a| a.help(
        "Seed (same seed, same users: the ground truth verification regenerates)",
    )),
    mut_arg("edge_rate", |a| a.help(
        "Share of users (0.0–1.0) carrying a labelled edge case (default: the \
         profile's, usually 0); rejects and errors are attributed to the labels",
    )),
)]
pub struct RehearseArgs {
    #[command(flatten)]
    pub dataset: DatasetArgs,
    /// Number of users.
    #[arg(short = 'n', long, value_parser = values::users)]
    pub users: u64,
    /// sqlite:PATH, postgres://user:pass@host:port/db,
    /// mysql://user:pass@host:port/db (MySQL or MariaDB), ldap://HOST:PORT
    /// (an LDAP directory, with --bind-dn), or http://HOST:PORT
    /// with --api (default: sqlite:understudy.db). Without a password in the
    /// DSN, PGPASSWORD (MYSQL_PWD; for LDAP, UNDERSTUDY_LDAP_PASSWORD or
    /// LDAP_PASSWORD) is used. Passwords are shown as ***.
    /// A mysql:// DSN may end in ?sql_mode=server (the server's global mode)
    /// or ?sql_mode=MODE,MODE (default: strict).
    #[arg(short, long)]
    pub target: Option<String>,
    /// ldap:// targets: the DN to bind as (as `ldapadd -D`), e.g.
    /// cn=admin,dc=example,dc=org; its password from the URL
    /// (ldap://DN:PASSWORD@host:port) or UNDERSTUDY_LDAP_PASSWORD / LDAP_PASSWORD.
    #[arg(long, value_name = "DN")]
    pub bind_dn: Option<String>,
    /// Load the profile's Redis copy ([copies.NAME] with kind = "redis",
    /// docs/copies.md) into redis://[user:password@]host:port[/db] instead of
    /// a --target: pipelined MULTI/EXEC batches, progress kept in Redis
    /// (understudy:progress:NAME) for --resume, then read back and compared.
    #[arg(long, value_name = "URL")]
    pub copies: Option<String>,
    /// --copies: which Redis copy, when the profile has several.
    #[arg(long, value_name = "NAME", requires = "copies")]
    pub copy: Option<String>,
    /// Loader connections (default: 2 for PostgreSQL; SQLite always uses 1);
    /// for an http:// target, concurrent requests (default 8; with --rate, the
    /// cap on requests in flight).
    #[arg(short, long, value_parser = values::workers)]
    pub workers: Option<usize>,
    /// The identity API an http:// target speaks: okta (one create per user,
    /// hashes re-encoded into Okta's hash object), auth0 (bulk import jobs of
    /// ≤ 500 KB, 2 at a time) or generic (POST /users). Users whose hash format
    /// the API cannot import are reported as jit_only, not sent.
    #[arg(long, value_name = "API", value_enum)]
    pub api: Option<Api>,
    /// Open model for http:// targets: start a request every 1/R seconds and
    /// time it from that scheduled start, whatever the target does (default:
    /// closed model, --workers requests back to back). With --shard K/N, R is
    /// the whole run's rate: each shard sends R/N per second.
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
    #[arg(short, long, value_enum, default_value_t = Method::Copy)]
    pub method: Method,
    /// Apply your own target schema (SQL file) instead of the profile's tables.
    #[arg(long, value_name = "FILE.sql", conflicts_with = "no_create")]
    pub schema: Option<PathBuf>,
    /// Use the tables already in the target (with --exec: the tables your
    /// command creates; understudy creates none there).
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
    /// Exit 1 when a threshold is missed: `METRIC[{TAG:VALUE}] OP NUMBER
    /// [abort]`, comma-separated, e.g. `rejects{label:email.*}>0,
    /// p99{table:sessions}>250, throughput<5000`. Metrics: rejects, errors,
    /// warnings (tags label, class; rejects also table), throughput, p50,
    /// p90, p99, max (tag table), duration, missing, extra (tag table),
    /// mismatched (tags label, table). Labels take `*` globs. `abort` stops
    /// the load as soon as a count or max is over its limit. A profile's
    /// `[thresholds] fail_on` list applies too.
    #[arg(long, value_name = "EXPR")]
    pub fail_on: Option<String>,
    /// Write the thresholds and verified tables as JUnit XML test cases
    /// (one failure per missed threshold or failing table), for CI.
    #[arg(long, value_name = "FILE.xml")]
    pub junit: Option<PathBuf>,
    /// Project the duration of a full migration of this many users at the measured rate.
    #[arg(long, value_name = "M", value_parser = values::users)]
    pub production_users: Option<u64>,
    /// A renamed column in the target: `old=new` or `table.old=new` (repeatable).
    #[arg(long = "map", value_name = "OLD=NEW", value_parser = values::column_map)]
    pub maps: Vec<(String, String)>,
    /// Run your own migration (sh -c CMD) from --source to --target, then
    /// verify the target. CMD gets $UNDERSTUDY_SOURCE and $UNDERSTUDY_TARGET
    /// (the DSNs) and their pieces $UNDERSTUDY_SOURCE_USER, _PASSWORD, _HOST,
    /// _PORT, _DATABASE (_PATH for SQLite); its output is shown with the
    /// passwords masked.
    #[arg(long, value_name = "CMD", requires = "source")]
    pub exec: Option<String>,
    /// With --exec: the database understudy seeds with the generated users:
    /// sqlite:PATH, postgres://… or mysql://… (MySQL or MariaDB), any kind
    /// --target takes.
    #[arg(long, value_name = "DSN")]
    pub source: Option<String>,
    /// No progress bar and no summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// Load a PostgreSQL or HTTP target through a proxy that applies this fault plan,
    /// e.g. "outage@20s+60s; latency@90s+30s=200ms" (see `understudy proxy --help`).
    #[arg(long, value_name = "PLAN")]
    pub faults: Option<crate::faults::FaultPlan>,
    /// Load and verify only shard K of N (1-based): a contiguous range of the
    /// users table's batches with their child rows; shard 1 also creates the
    /// tables and loads the lookup tables, which the other shards wait for.
    /// `auto`: K is JOB_COMPLETION_INDEX + 1 (a Kubernetes Indexed Job's
    /// 0-based index), N is --shards or UNDERSTUDY_SHARDS. Shards run against
    /// one PostgreSQL or MySQL target at once, or one identity API (each shard
    /// sends its slice of the users, at --rate/N); `report merge` joins their reports.
    #[arg(long, value_name = "K/N|auto")]
    pub shard: Option<String>,
    /// With --shard auto: how many shards (default: $UNDERSTUDY_SHARDS).
    #[arg(long, value_name = "N", value_parser = values::count, requires = "shard")]
    pub shards: Option<u64>,
    /// How long to wait out a lost network in any phase (connecting, creating
    /// the schema, loading, verifying) before giving up (exit 3).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = values::duration)]
    pub retry_for: std::time::Duration,
}

/// Exit 1 without an error line when the rehearsal fails verification or a
/// threshold: its summary (and report) already say what failed.
pub fn run(a: RehearseArgs) -> Result<ExitStatus> {
    let profile = a.dataset.load_profile()?;
    let domains = profile.domains.clone();
    let shard = shard_of(a.shard.as_deref(), a.shards)?;
    let code = harness::rehearse(RehearseOptions {
        profile,
        users: a.users,
        seed: a.dataset.seed,
        target: a.target,
        bind_dn: a.bind_dn,
        workers: a.workers,
        batch: a.batch,
        method: a.method.into(),
        schema: a.schema,
        no_create: a.no_create,
        resume: a.resume,
        verify: !a.no_verify,
        report: a.report,
        html: a.html,
        rejects: a.rejects,
        fail_on: a.fail_on,
        junit: a.junit,
        production_users: a.production_users,
        hash_mode: a.dataset.hash_mode(),
        edge_rate: a.dataset.edge_rate,
        maps: a.maps,
        exec: a.exec,
        source: a.source,
        domains,
        quiet: a.quiet,
        faults: a.faults,
        retry_for: a.retry_for,
        api: a.api.map(Into::into),
        rate: a.rate,
        max_attempts: a.max_attempts,
        shown_as: None,
        window: None,
        shard,
        copies: a.copies,
        copy: a.copy,
    })?;
    Ok(if code == 0 {
        ExitStatus::Success
    } else {
        ExitStatus::Failed
    })
}

/// `--shard K/N`, or `auto` from the Indexed Job's environment.
pub fn shard_of(shard: Option<&str>, shards: Option<u64>) -> Result<Option<crate::dataset::Shard>> {
    use crate::dataset::Shard;
    match shard {
        None => Ok(None),
        Some("auto") => Shard::auto(
            std::env::var("JOB_COMPLETION_INDEX").ok().as_deref(),
            shards,
            std::env::var("UNDERSTUDY_SHARDS").ok().as_deref(),
        )
        .map(Some),
        Some(s) => {
            let k: Shard = s.parse().map_err(Error::usage)?;
            if shards.is_some_and(|n| n != k.count) {
                return Err(Error::usage(format!(
                    "--shard {s} and --shards {} disagree on the shard count",
                    shards.unwrap_or(0)
                )));
            }
            Ok(Some(k))
        }
    }
}
