//! What `generate` is asked to do: the profile, how many users, which shard,
//! and where and how the rows are written.

use crate::hash::HashMode;
use crate::profile::Profile;
use crate::sink::{Dialect, Encoding};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: u64,
    pub count: u64,
}

impl Shard {
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    /// This shard's contiguous slice of `0..n`.
    pub fn range(&self, n: u64) -> std::ops::Range<u64> {
        let cut = |k: u64| ((k as u128 * n as u128) / self.count as u128) as u64;
        cut(self.index - 1)..cut(self.index)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Shard, String> {
        let bad = || format!("`{s}` is not a shard: use K/N with 1 ≤ K ≤ N, e.g. 2/3");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (k, n): (u64, u64) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if k == 0 || n == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { index: k, count: n })
    }
}

pub enum Output {
    /// One file per table plus `manifest.json`.
    Dir(PathBuf),
    /// The users table alone, to stdout.
    Stdout,
    /// The users table alone, to a writer (benchmarks, tests).
    Writer(Box<dyn Write + Send>),
}

pub struct GenerateOptions {
    pub profile: Profile,
    pub users: u64,
    pub seed: u64,
    pub threads: usize,
    pub shard: Shard,
    pub format: String,
    pub dialect: Dialect,
    pub out: Output,
    pub force: bool,
    pub emit_passwords: bool,
    pub quiet: bool,
    pub domains: Vec<(String, u32)>,
    pub hash_mode: Option<HashMode>,
    /// `--hash-cost light`: every format at its smallest work parameters.
    pub hash_cost_light: bool,
    /// `--no-cache`: build pools afresh, and do not save them.
    pub no_cache: bool,
    /// Overrides the profile's `[edge_cases] rate`.
    pub edge_rate: Option<f64>,
    /// Added to the profile's `[edge_cases] files`.
    pub edge_files: Vec<PathBuf>,
    /// Replace the profile's include / exclude lists when not empty.
    pub edge_include: Vec<String>,
    pub edge_exclude: Vec<String>,
    pub encoding: Encoding,
    /// Substitute `?` (labelled `encoding.replaced`) instead of skipping rows.
    pub replace_unrepresentable: bool,
    /// LDIF: fold lines longer than this many bytes (0: never).
    pub ldif_wrap: usize,
}

impl GenerateOptions {
    /// Options with the defaults of the CLI: the users table to `out`.
    pub fn new(profile: Profile, users: u64, out: Output) -> GenerateOptions {
        GenerateOptions {
            domains: profile.domains.clone(),
            profile,
            users,
            seed: 42,
            threads: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            shard: Shard::WHOLE,
            format: "csv".into(),
            dialect: Dialect::Postgres,
            out,
            force: false,
            emit_passwords: false,
            quiet: true,
            hash_mode: None,
            hash_cost_light: false,
            no_cache: false,
            edge_rate: None,
            edge_files: Vec::new(),
            edge_include: Vec::new(),
            edge_exclude: Vec::new(),
            encoding: Encoding::Utf8,
            replace_unrepresentable: false,
            ldif_wrap: crate::sink::ldif::DEFAULT_WRAP,
        }
    }
}
