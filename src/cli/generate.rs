//! `understudy generate`: arguments, the checks on them, and the call into
//! the generator.

use super::choices::{Encoding, Format, HashCost, SqlDialect, Unrepresentable};
use super::dataset::DatasetArgs;
use super::values;
use crate::error::{Error, Result};
use crate::generate::{self, GenerateOptions, Output, Shard};
use clap::Args;
use std::path::PathBuf;

pub const GENERATE_EXAMPLES: &str = "Examples:
  # 1M users of the shipped SaaS profile as CSV, one file per table, plus manifest.json
  understudy generate --profile saas --users 1000000 --out data/

  # the same users as JSON Lines; same seed, same values
  understudy generate --users 1000000 --format jsonl --out data-jsonl/

  # a SQL script for MySQL
  understudy generate --users 10000 --format sql --sql-dialect mysql --out sql/

  # an OpenLDAP directory (slapadd -l ldif/users.ldif), plaintexts beside it
  understudy generate --profile ldap --users 100000 --format ldif --emit-passwords --out ldif/

  # the second of three shards (concatenated in order, shards equal the whole)
  understudy generate --users 3000000 --shard 2/3 --out shard2/

  # the users table alone, streamed
  understudy generate --profile bench-8 --users 10000000 --out - | wc -l

  # the profile's copies (Redis RESP, Elasticsearch _bulk, mongoimport, DynamoDB
  # S3 import) with their drift; then: redis-cli --pipe < copies/cache.resp
  understudy generate --profile saas-copies --users 100000 --format copies --out copies/

  # plaintext passwords for login tests (written to passwords.csv, mode 0600)
  understudy generate --users 1000 --emit-passwords --out data/";

#[derive(Args, Debug)]
#[command(
    mut_arg("seed", |a| a.help("Seed: same seed, profile and options give identical bytes")),
    mut_arg("hash_mode", |a| a.help(
        "Override every hash's mode: real (a fresh hash per user), pool (users share \
         a pool of real hashes), shape (right format, does not verify)",
    )),
    mut_arg("edge_rate", |a| a.help(
        "Share of rows carrying a labelled edge case (0.0–1.0); overrides the \
         profile's `[edge_cases] rate`. Labels go to labels.csv",
    )),
)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub dataset: DatasetArgs,
    /// Number of users (rows of the users table across all shards).
    #[arg(short = 'n', long, value_parser = values::generated_users)]
    pub users: u64,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
    /// Output directory (one file per table plus manifest.json), or `-` for the
    /// users table alone on stdout.
    #[arg(short, long, default_value = "understudy-out")]
    pub out: String,
    /// Worker threads (default: all cores). Never changes the output.
    #[arg(short = 'j', long, value_parser = values::workers)]
    pub threads: Option<usize>,
    /// Write only shard K of N: a contiguous slice of users and their child
    /// rows; lookup tables (organizations, roles) go whole into shard 1 only,
    /// so load shard 1 first (manifest.json: shard.lookup_tables).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    /// --format copies: split Elasticsearch `_bulk` files under this many bytes.
    #[arg(long, value_name = "BYTES", value_parser = values::copies_split, default_value_t = crate::copies::write::DEFAULT_SPLIT)]
    pub copies_split: u64,
    /// SQL dialect for --format sql.
    #[arg(long, value_enum, default_value_t = SqlDialect::Postgres)]
    pub sql_dialect: SqlDialect,
    /// --format ldif: fold lines longer than this many bytes (RFC 2849
    /// continuation lines); 0 never folds.
    #[arg(long, value_name = "BYTES", value_parser = values::ldif_wrap, default_value_t = crate::sink::ldif::DEFAULT_WRAP)]
    pub ldif_wrap: usize,
    /// Email domains with weights, e.g. `example.com=3,corp.test=1` (reserved
    /// domains only unless --allow-real-domains). Overrides the profile's.
    #[arg(long, value_name = "LIST")]
    pub domains: Option<String>,
    /// Allow email domains outside the reserved ones (.test, .example,
    /// .invalid, .localhost, example.com/.net/.org).
    #[arg(long)]
    pub allow_real_domains: bool,
    /// `light` keeps every format and encoding but lowers work factors to the
    /// smallest the format allows (bcrypt 4, argon2 m=1024 t=1, PBKDF2 1,000…),
    /// for quick functional rehearsals.
    #[arg(long, value_enum, default_value_t = HashCost::Profile)]
    pub hash_cost: HashCost,
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
    #[arg(long, value_enum, ignore_case = true, default_value_t = Encoding::Utf8)]
    pub encoding: Encoding,
    /// What to do with a value the encoding cannot hold: skip the row (into
    /// unrepresentable.jsonl) or replace the characters with `?` (labelled).
    #[arg(long, value_enum, default_value_t = Unrepresentable::Skip)]
    pub unrepresentable: Unrepresentable,
}

pub fn run(a: GenerateArgs) -> Result<()> {
    let profile = a.dataset.load_profile()?;
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
    generate::catch_interrupts();
    if a.format == Format::Copies {
        return copies(a, profile, domains);
    }
    generate::generate(GenerateOptions {
        profile,
        users: a.users,
        seed: a.dataset.seed,
        threads: a.threads.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        }),
        shard: a.shard.unwrap_or(Shard::WHOLE),
        format: a.format.name().to_string(),
        dialect: a.sql_dialect.into(),
        out,
        force: a.force,
        emit_passwords: a.emit_passwords,
        quiet: a.quiet,
        domains,
        hash_mode: a.dataset.hash_mode(),
        hash_cost_light: a.hash_cost.light(),
        no_cache: a.no_cache,
        edge_rate: a.dataset.edge_rate,
        edge_files: a.edge_file,
        edge_include: a.edge_include,
        edge_exclude: a.edge_exclude,
        encoding: a.encoding.into(),
        replace_unrepresentable: a.unrepresentable == Unrepresentable::Replace,
        ldif_wrap: a.ldif_wrap,
    })?;
    Ok(())
}

/// `--format copies`: each copy's files (docs/copies.md).
fn copies(
    a: GenerateArgs,
    mut profile: crate::profile::Profile,
    domains: Vec<(String, u32)>,
) -> Result<()> {
    for (set, flag) in [
        (a.shard.is_some(), "--shard"),
        (a.out == "-", "--out -"),
        (a.emit_passwords, "--emit-passwords"),
        (a.encoding != Encoding::Utf8, "--encoding"),
    ] {
        if set {
            return Err(Error::usage(format!(
                "{flag} does not apply to --format copies (whole UTF-8 files in a directory)"
            )));
        }
    }
    let edge = &mut profile.edge;
    edge.files.extend(a.edge_file.iter().cloned());
    if !a.edge_include.is_empty() {
        edge.include = a.edge_include.clone();
    }
    if !a.edge_exclude.is_empty() {
        edge.exclude = a.edge_exclude.clone();
    }
    let choice = crate::generator::plan::PoolChoice {
        mode: a.dataset.hash_mode(),
        light: a.hash_cost.light(),
        cache: !a.no_cache,
    };
    let out = PathBuf::from(&a.out);
    crate::copies::write::prepare_dir(&out, a.force)?;
    let plan = crate::dataset::Plan::with_pools(
        profile,
        a.users,
        a.dataset.seed,
        &domains,
        choice,
        a.dataset.edge_rate,
    )?;
    let threads = a.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let started = std::time::Instant::now();
    let m = crate::copies::write::write(
        &plan,
        &crate::copies::write::WriteOptions {
            out: out.clone(),
            threads,
            split: a.copies_split,
        },
    )?;
    if !a.quiet {
        for c in &m.copies {
            let drift: u64 = c.drift_by_label.values().sum();
            eprintln!(
                "understudy: copy {} ({}): {} documents, {} drifted users, {} in {}",
                c.name,
                c.kind,
                c.documents,
                drift,
                crate::util::count(c.files.len() as u64, "file", "files"),
                out.display()
            );
        }
        eprintln!(
            "understudy: copies of {} users written in {}",
            a.users,
            crate::util::human_duration(started.elapsed().as_secs_f64())
        );
    }
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
