//! What a rehearsal is asked to do: `rehearse`'s options, with the CLI's defaults.

use crate::hash::HashMode;
use crate::profile::Profile;
use crate::target::Method;
use std::path::PathBuf;
use std::time::Duration;

pub struct RehearseOptions {
    pub profile: Profile,
    pub users: u64,
    pub seed: u64,
    pub target: Option<String>,
    /// The DN an ldap:// target is bound as (`--bind-dn`).
    pub bind_dn: Option<String>,
    pub workers: Option<usize>,
    /// Root rows per batch; None: 25000 for SQLite (fewer, larger commits: WAL
    /// write amplification of random-key indexes), 5000 for PostgreSQL.
    pub batch: Option<u64>,
    pub method: Method,
    pub schema: Option<PathBuf>,
    pub no_create: bool,
    pub resume: bool,
    pub verify: bool,
    pub report: Option<PathBuf>,
    pub html: Option<PathBuf>,
    pub rejects: Option<PathBuf>,
    pub fail_on: Option<String>,
    /// `--junit FILE.xml`: thresholds and verified tables as JUnit test cases.
    pub junit: Option<PathBuf>,
    pub production_users: Option<u64>,
    pub hash_mode: Option<HashMode>,
    /// Share of rows carrying a labelled edge case (default: the profile's).
    pub edge_rate: Option<f64>,
    pub maps: Vec<(String, String)>,
    pub exec: Option<String>,
    pub source: Option<String>,
    pub domains: Vec<(String, u32)>,
    pub quiet: bool,
    /// Load through the fault proxy with this plan (PostgreSQL targets).
    pub faults: Option<crate::faults::FaultPlan>,
    /// How long transient failures (a lost network) are retried before giving up.
    pub retry_for: Duration,
    /// The identity API of an http:// target.
    pub api: Option<crate::api::Api>,
    /// Open model (http:// targets): requests per second.
    pub rate: Option<f64>,
    /// http:// targets: 5xx answers allowed per user.
    pub max_attempts: u32,
    /// The target as messages name it, when the load reaches it some other
    /// way (through the fault proxy).
    pub shown_as: Option<String>,
    /// Load only these batches of the driving table's group (the others
    /// count as done): `estimate` fills a scratch copy, then measures a
    /// window of batches at a given share of the full load.
    pub window: Option<std::ops::Range<u64>>,
    /// `--shard K/N`: load and verify only this slice of the users (and the
    /// lookup tables on shard 1); None: the whole run.
    pub shard: Option<crate::dataset::Shard>,
    /// `--copies redis://…`: load the profile's Redis copy there instead.
    pub copies: Option<String>,
    /// `--copy NAME`: which of the profile's Redis copies.
    pub copy: Option<String>,
}

impl RehearseOptions {
    /// The CLI's defaults: SQLite default target, COPY, verify, no faults.
    pub fn new(profile: Profile, users: u64, seed: u64) -> RehearseOptions {
        RehearseOptions {
            domains: profile.domains.clone(),
            profile,
            users,
            seed,
            target: None,
            bind_dn: None,
            workers: None,
            batch: None,
            method: Method::Copy,
            schema: None,
            no_create: false,
            resume: false,
            verify: true,
            report: None,
            html: None,
            rejects: None,
            fail_on: None,
            junit: None,
            production_users: None,
            hash_mode: None,
            edge_rate: None,
            maps: Vec::new(),
            exec: None,
            source: None,
            quiet: false,
            faults: None,
            retry_for: Duration::from_secs(600),
            api: None,
            rate: None,
            max_attempts: 8,
            shown_as: None,
            window: None,
            shard: None,
            copies: None,
            copy: None,
        }
    }

    pub fn batch(&self) -> u64 {
        self.batch.unwrap_or(5_000)
    }
}
