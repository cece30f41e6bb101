//! What `generate` is asked to do: the profile, how many users, which shard,
//! and where and how the rows are written.

pub use crate::dataset::Shard;
use crate::hash::HashMode;
use crate::profile::Profile;
use crate::sink::{Dialect, Encoding};
use std::io::Write;
use std::path::PathBuf;

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
