//! Reports are data (ARCHITECTURE.md § Reports): one serde struct, versioned; JSON is the
//! source of truth, the terminal summary and the HTML page render it.
//!
//! Schema (version 2), top level: the head (`schema_version`, `kind`
//! "rehearse", `tool`, `version`, `started_at`, `command`), `profile`
//! {name, digest}, `seed`, `users`, `target` (password redacted), `source`,
//! `method`, `workers`, `batch`, `resumed`, `rows_expected`, `rows_loaded`,
//! `rows_skipped` (committed by an earlier run, with --resume), `rows_rejected`,
//! `retries`,
//! `duration_s` (load phase), `throughput_rows_per_s`, `latency_ms` {p50, p90,
//! p99, p999, max, mean, count, histogram (HdrHistogram V2, base64, µs)},
//! `timeseries` {bucket_s, rows[]}, `errors_by_class`, `errors_by_label`,
//! `warnings_by_class`, `warnings_by_label` (rows the target kept as it
//! changed them; absent when none), `target_settings` / `source_settings`
//! (the loading sessions' settings, e.g. {sql_mode}; absent when the kind
//! has none), `tables` [{name, expected, loaded, skipped, rejected, latency_ms}],
//! `verify` {ok, expected, found, missing, extra, mismatched,
//! mismatched_by_label, rejected, tables[], examples[] (with labels),
//! passwords, missing_columns, renamed_columns, digest, duration_s} or null,
//! `projection` {production_users, rows_per_user, estimated_s, human} or null,
//! `exec` {command, exit_code, duration_s} or null, `thresholds` [{expr, actual,
//! ok, abort}], `aborted` {threshold, actual, after_s} (absent unless an
//! `abort` threshold stopped the load), `hashes`, `rejects_file`, `exit_code`. Version 1 was the same
//! without `kind`.

pub mod chart;
pub mod head;
pub mod html;
pub mod junit;
pub mod merge;
pub mod metrics;
pub mod terminal;
pub mod thresholds;

pub use head::Head;
pub use thresholds::{Condition, parse_conditions, thresholds};

use crate::error::{Error, Result};
use crate::manifest::HashEntry;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Report {
    #[serde(flatten)]
    pub head: Head,
    pub profile: ProfileInfo,
    pub seed: u64,
    pub users: u64,
    pub target: String,
    pub source: Option<String>,
    pub method: String,
    pub workers: usize,
    pub batch: u64,
    pub resumed: bool,
    pub rows_expected: u64,
    pub rows_loaded: u64,
    pub rows_skipped: u64,
    pub rows_rejected: u64,
    /// Batches (or verifications) retried after a lost connection or a timeout.
    #[serde(default)]
    pub retries: u64,
    pub duration_s: f64,
    pub throughput_rows_per_s: f64,
    pub latency_ms: Latency,
    pub timeseries: TimeSeries,
    pub errors_by_class: BTreeMap<String, u64>,
    pub errors_by_label: BTreeMap<String, u64>,
    /// Warnings the target raised about rows it kept (a value it changed:
    /// MySQL outside strict mode), by class and by the row's labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub warnings_by_class: BTreeMap<String, u64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub warnings_by_label: BTreeMap<String, u64>,
    /// Settings of understudy's sessions on the target it loaded (MySQL:
    /// `sql_mode` as the server reports it).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub target_settings: BTreeMap<String, String>,
    /// The same for the `--source` it seeded (`--exec`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub source_settings: BTreeMap<String, String>,
    pub tables: Vec<TableLoad>,
    pub verify: Option<Verify>,
    pub projection: Option<Projection>,
    pub exec: Option<Exec>,
    pub thresholds: Vec<Threshold>,
    /// Set when an `abort` threshold stopped the load early.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aborted: Option<Aborted>,
    pub hashes: Vec<HashEntry>,
    pub rejects_file: Option<String>,
    /// Set when the target was reached through the fault proxy (`--faults`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faults: Option<Faults>,
    /// Set for a shard of a run (`--shard K/N`): which slice it loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardReport>,
    /// Set for a report made by `report merge`: the shards it joined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged: Option<Merged>,
    /// Set for identity-API targets (`--api`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<Http>,
    /// Set for LDAP targets (`--target ldap://…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ldap: Option<Ldap>,
    /// Foreign keys added after the load (a reference within one root
    /// table's tree, ARCHITECTURE.md § Foreign keys after the load), each
    /// with what became of it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub late_foreign_keys: Vec<LateForeignKey>,
    /// Set for a copy's rehearsal (`--copies redis://…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy: Option<CopyRehearsal>,
    pub exit_code: i32,
}

/// A denormalized copy's rehearsal (docs/copies.md): which copy, where its
/// progress is kept, what was written.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CopyRehearsal {
    pub name: String,
    pub kind: String,
    /// The hash in the store holding each committed batch.
    pub progress_key: String,
    pub batches: u64,
    /// Keys written by this run (hashes and secondary keys).
    pub keys: u64,
}

/// An LDAP rehearsal: where the entries went and what resuming found.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Ldap {
    /// The DN the load bound as (none: anonymous).
    pub bind_dn: Option<String>,
    /// Where the people went (the profile's `[ldap] base_dn`).
    pub base_dn: String,
    /// The entry under which each finished batch is recorded (`--resume`).
    pub progress_dn: String,
    /// Base entries this run created (the suffix, organizational units).
    pub base_created: Vec<String>,
    /// Entries found already there on resume and equal to the ones the
    /// run would add (an interrupted run's): counted once, not as rejects.
    pub already_present: u64,
}

/// The slice of a run a shard loaded (or verified): users
/// `first_user .. first_user + users`, which are the driving table's batches
/// `batches[0] .. batches[1]`, and the lookup tables when it is shard 1.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShardReport {
    /// 1-based.
    pub index: u64,
    pub count: u64,
    pub first_user: u64,
    pub users: u64,
    pub batches: [u64; 2],
    pub lookup_tables: bool,
}

impl ShardReport {
    /// `2/3: users 100..200 (batches 4..8), the lookup tables`, as the
    /// terminal and the HTML page both say it.
    pub fn slice(&self) -> String {
        format!(
            "{}/{}: users {}..{} (batches {}..{}){}",
            self.index,
            self.count,
            self.first_user,
            self.first_user + self.users,
            self.batches[0],
            self.batches[1],
            if self.lookup_tables {
                ", the lookup tables"
            } else {
                ""
            }
        )
    }
}

/// A foreign key added after the load: `table.column → references`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LateForeignKey {
    pub table: String,
    pub column: String,
    /// `table.column` it references.
    pub references: String,
    /// `added`; `present` (a resumed run, or another shard, added it);
    /// `orphans` (not added: `orphans` rows name a row the target does not
    /// hold, e.g. one it refused); `pending` (a shard whose run other
    /// shards are still loading: the last one to finish adds it).
    pub status: String,
    #[serde(default)]
    pub orphans: u64,
}

impl LateForeignKey {
    /// Whether the run must fail: rows name rows the target does not hold.
    pub fn failed(&self) -> bool {
        self.status == "orphans"
    }
}

/// What `report merge` joined: the shards found, and those missing or
/// given twice.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Merged {
    pub count: u64,
    pub shards: Vec<u64>,
    pub missing: Vec<u64>,
    pub duplicate: Vec<u64>,
    pub files: Vec<String>,
}

impl Merged {
    /// `shards 1, 2 of 3`, then the shards missing and given twice, each
    /// passed through `mark` (the terminal shouts, the page colours).
    pub fn summary(&self, mark_missing: impl Fn(&str) -> String) -> String {
        let ids = |v: &[u64]| v.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
        let mut s = format!("shards {} of {}", ids(&self.shards), self.count);
        if !self.missing.is_empty() {
            s += &format!(
                " · {}",
                mark_missing(&format!("missing {}", ids(&self.missing)))
            );
        }
        if !self.duplicate.is_empty() {
            s += &format!(" · given twice {}", ids(&self.duplicate));
        }
        s
    }
}

/// An identity-API rehearsal: what was sent, how it was answered, and who
/// could not be sent at all.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Http {
    pub api: String,
    /// `closed` (workers send back to back) or `open` (`--rate`).
    pub model: String,
    pub rate: Option<f64>,
    pub max_attempts: u32,
    #[serde(flatten)]
    pub counts: HttpCounts,
    /// Requests sent again after a 5xx, a timeout or a lost connection.
    pub retries: u64,
    /// Time spent backing off before those retries.
    pub backoff_s: f64,
    /// Creates retried after an ambiguous failure that found the user already
    /// there (our own first attempt): counted as done, not as duplicates.
    pub already_existed_on_retry: u64,
    /// Users not sent: the target cannot import their hash format; they can
    /// only migrate on their first login.
    pub jit_only: u64,
    pub jit_only_by_format: BTreeMap<String, u64>,
    /// Auth0: import jobs run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jobs: Option<u64>,
}

/// Counters of the HTTP client.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HttpCounts {
    /// Requests sent, retries and 429s included.
    pub attempts: u64,
    pub responses_by_status: BTreeMap<String, u64>,
    /// 429 answers.
    pub rate_limited: u64,
    /// Times a request waited for a rate-limit window to reopen, and how long in all.
    pub rate_limit_waits: u64,
    pub rate_limit_wait_s: f64,
    pub timeouts: u64,
    pub connection_errors: u64,
    /// The rate limit the API announced (`X-Rate-Limit-Limit` per window,
    /// the window read from `X-Rate-Limit-Reset`), requests/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advertised_rate_per_s: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Faults {
    /// The plan, as given.
    pub plan: String,
    /// Outage and blackhole windows, seconds from the start of the load.
    pub downtime_windows_s: Vec<(f64, f64)>,
    /// Downtime the plan put inside the load, in seconds.
    pub downtime_s: f64,
    /// Time the loader spent waiting before retries.
    pub backoff_s: f64,
    pub proxy: ProxyStats,
}

/// What the fault proxy saw, as the report keeps it (the proxy's own
/// `faults::proxy::StatsSnapshot`: the report defines the shape it stores).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProxyStats {
    pub connections_accepted: u64,
    pub connections_refused: u64,
    pub connections_killed: u64,
    pub bytes_to_upstream: u64,
    pub bytes_to_client: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProfileInfo {
    pub name: String,
    pub digest: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Latency {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub mean: f64,
    pub count: u64,
    /// HdrHistogram V2 serialization (base64) of batch latencies in µs.
    pub histogram: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TimeSeries {
    pub bucket_s: f64,
    /// Rows committed (or, for --exec, rows appearing in the target) per bucket.
    pub rows: Vec<u64>,
    /// Wall clock (ms since the Unix epoch) where the first bucket begins:
    /// `report merge` aligns shards' series by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_unix_ms: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableLoad {
    pub name: String,
    pub expected: u64,
    pub loaded: u64,
    pub skipped: u64,
    pub rejected: u64,
    /// Time spent writing this table's rows, per batch (database targets;
    /// `p99{table:NAME}` thresholds read it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<Latency>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Verify {
    pub ok: bool,
    pub expected: u64,
    pub found: u64,
    pub missing: u64,
    pub extra: u64,
    pub mismatched: u64,
    /// Mismatched rows by the edge-case labels of their regenerated selves
    /// (`no-edge-case:mismatched` for a row without one).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub mismatched_by_label: BTreeMap<String, u64>,
    /// Users listed more than once (identity APIs).
    #[serde(default)]
    pub duplicated: u64,
    pub rejected: u64,
    pub tables: Vec<TableVerify>,
    /// Up to 20 examples, keyed by primary key.
    pub examples: Vec<Example>,
    pub passwords: Option<PasswordCheck>,
    /// `table.column` of profile columns absent from the target.
    pub missing_columns: Vec<String>,
    /// `table.old → new` from --map.
    pub renamed_columns: Vec<String>,
    pub digest: String,
    pub duration_s: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TableVerify {
    pub name: String,
    pub expected: u64,
    pub found: u64,
    pub missing: u64,
    pub extra: u64,
    pub mismatched: u64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub mismatched_by_label: BTreeMap<String, u64>,
    pub rejected: u64,
    pub digest_expected: String,
    pub digest_found: String,
    pub ok: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Example {
    pub table: String,
    /// `missing`, `extra` or `mismatched`.
    pub kind: String,
    pub key: String,
    /// For mismatched rows: column → [expected, found].
    pub fields: BTreeMap<String, (Option<String>, Option<String>)>,
    /// The expected row's edge-case labels (missing and mismatched rows).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PasswordCheck {
    pub checked: u64,
    pub verified: u64,
    pub failed: u64,
    pub skipped_reason: Option<String>,
    /// LDAP targets: the sampled users that also tried a wrong password,
    /// refused (as they must be) or accepted.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub wrong_refused: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub wrong_accepted: u64,
    /// LDAP targets: the same counts per password scheme (hash format).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_scheme: BTreeMap<String, SchemeCheck>,
}

/// One password scheme's binds (`PasswordCheck::by_scheme`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SchemeCheck {
    pub checked: u64,
    pub verified: u64,
    pub failed: u64,
    pub wrong_refused: u64,
    pub wrong_accepted: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Projection {
    pub production_users: u64,
    pub rows_per_user: f64,
    pub estimated_s: f64,
    pub human: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Exec {
    pub command: String,
    pub exit_code: Option<i32>,
    pub duration_s: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Threshold {
    pub expr: String,
    pub actual: f64,
    pub ok: bool,
    /// Marked `abort`: the run stops as soon as it is missed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub abort: bool,
}

/// A run stopped early by an `abort` threshold (`--fail-on`): which one,
/// and when, in seconds from the start of the load. Verification is skipped.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Aborted {
    pub threshold: String,
    pub actual: f64,
    pub after_s: f64,
}

impl Report {
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_string_pretty(self).expect("report serialises");
        std::fs::write(path, json + "\n").map_err(|e| Error::io("write", path, e))
    }

    /// `loaded`, or `created` for an identity API (it takes users, one
    /// request each).
    pub fn done_verb(&self) -> &'static str {
        if self.http.is_some() {
            "created"
        } else {
            "loaded"
        }
    }

    /// `, N jit_only (not sent)` (an identity API) or `, N already
    /// committed` (a resumed run), or nothing.
    pub fn skipped_note(&self) -> String {
        match (self.rows_skipped, self.http.is_some()) {
            (0, _) => String::new(),
            (n, true) => format!(", {n} jit_only (not sent)"),
            (n, false) => format!(", {n} already committed"),
        }
    }
}

pub use crate::util::human_duration;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(human_duration(4.24), "4.2 s");
        assert_eq!(human_duration(59.96), "1 min 00 s");
        assert_eq!(human_duration(190.0), "3 min 10 s");
        assert_eq!(human_duration(3720.0), "1 h 02 min");
        assert_eq!(human_duration(2_347_200.0), "27 d 4 h");
    }
}
