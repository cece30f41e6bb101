//! `generate`: plans shards and chunks, runs workers in parallel, and writes
//! their output strictly in index order (ARCHITECTURE.md § Determinism: bytes do not depend on
//! the thread count) with bounded buffering (ARCHITECTURE.md § Streaming: memory stays flat).

use super::table::{Gen, RowId, Scratch};
use crate::error::{Error, Result};
use crate::hash::{self, HashMode, Pool};
use crate::manifest::{self, HashEntry, Manifest, ProfileRef, ShardInfo, TableEntry};
use crate::profile::Profile;
use crate::row::RowBuf;
use crate::sink::{self, Dialect, Encoding, Format, TableMeta};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::Instant;

/// Rows of the driving table per unit of parallel work.
pub const CHUNK: u64 = 4096;

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
        }
    }
}

/// Files written beside the tables, and what they counted.
#[derive(Default)]
struct Sidecars {
    /// The output directory (empty for stdout), for error messages.
    dir: PathBuf,
    passwords: Option<std::io::BufWriter<std::fs::File>>,
    labels: Option<std::io::BufWriter<std::fs::File>>,
    unrepresentable: Option<std::io::BufWriter<std::fs::File>>,
    edge_counts: Vec<u64>,
    skipped: u64,
    replaced: u64,
    /// Keys of rows set aside, per table: rows referring to them follow them.
    skipped_keys: HashMap<usize, HashSet<String>>,
}

struct TableSink {
    meta: TableMeta,
    file: String,
    /// Where it goes, for error messages.
    path: String,
    writer: Box<dyn Write + Send>,
    rows: u64,
    digest: u128,
}

/// What one worker produced for one chunk.
#[derive(Default)]
struct ChunkOut {
    bufs: Vec<Vec<u8>>,
    rows: Vec<u64>,
    digests: Vec<u128>,
    passwords: Vec<u8>,
    /// `labels.csv` lines.
    labels: Vec<u8>,
    /// `unrepresentable.jsonl` lines.
    unrepresentable: Vec<u8>,
    /// Injections per case index; the last slot counts NFC twins.
    edge_counts: Vec<u64>,
    skipped: u64,
    replaced: u64,
    /// (table, key) of rows set aside in this chunk.
    skipped_keys: Vec<(usize, String)>,
}

/// The row's primary key as text (`|` between the parts of a composite key).
fn row_key(row: &RowBuf, pk: &[usize]) -> String {
    pk.iter()
        .map(|&c| row.get(c).1)
        .collect::<Vec<_>>()
        .join("|")
}

fn push_label(out: &mut Vec<u8>, table: &str, key: &str, field: &str, label: &str) {
    for (i, v) in [table, key, field, label].iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        crate::sink::csv_field(out, v);
    }
    out.push(b'\n');
}

pub fn generate(opts: GenerateOptions) -> Result<Manifest> {
    let started = Instant::now();
    let profile = &opts.profile;
    let format = sink::format(&opts.format, opts.dialect).ok_or_else(|| {
        Error::usage(format!(
            "unknown format `{}`: use one of {}",
            opts.format,
            sink::FORMATS.join(", ")
        ))
    })?;
    // Each thread holds a few chunks in flight: thousands would only exhaust memory.
    const MAX_THREADS: usize = 1024;
    if opts.threads > MAX_THREADS {
        return Err(Error::usage(format!(
            "--threads {}: at most {MAX_THREADS} (the output is the same with any number)",
            opts.threads
        )));
    }
    let threads = opts.threads.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::usage(format!("cannot start {threads} threads: {e}")))?;

    let to_dir = match &opts.out {
        Output::Dir(d) => Some(d.clone()),
        _ => None,
    };
    if opts.emit_passwords && to_dir.is_none() {
        return Err(Error::usage(
            "--emit-passwords needs --out DIR (passwords never go to stdout)",
        ));
    }
    // Inputs first: a refused run leaves no output directory behind.
    crate::edge::read_custom(&opts.edge_files)?;
    let edges = opts.edge_rate.unwrap_or(profile.edge.rate) > 0.0;
    check_scale(profile, opts.users, edges)?;
    // A shard's child rows are numbered after every earlier user's: counting
    // them takes time in proportion to the shard's start.
    let first_user = opts.shard.range(opts.users).start;
    let has_children = profile
        .tables
        .iter()
        .any(|t| matches!(t.size, crate::profile::Size::PerParent { .. }));
    if to_dir.is_some() && has_children && first_user > MAX_PLANNED_USERS {
        return Err(Error::usage(format!(
            "--shard {}/{} starts at user {}: its child rows are numbered after every earlier user's, and counting past {} users would take hours before the first row\n  use more, smaller runs (fewer --users), or --out - for the users table alone",
            opts.shard.index,
            opts.shard.count,
            thousands(first_user),
            thousands(MAX_PLANNED_USERS)
        )));
    }
    if let Some(dir) = &to_dir {
        prepare_dir(dir, opts.force)?;
    }
    let mut staged = Staged::new(to_dir.clone().unwrap_or_default());

    // Hash pools: built once, on all threads, before any row.
    let pools_started = Instant::now();
    let (hash_entries, pools) = build_pools(
        profile,
        opts.seed,
        PoolChoice {
            mode: opts.hash_mode,
            light: opts.hash_cost_light,
            cache: !opts.no_cache,
        },
        &pool,
    )?;

    let pool_secs = pools_started.elapsed().as_secs_f64();
    if !opts.quiet && !pools.is_empty() {
        let n: usize = pools.iter().map(|p| p.len()).sum();
        eprintln!(
            "understudy: hash pools ready: {} in {}",
            crate::util::count(n as u64, "real hash", "real hashes"),
            crate::util::human_duration(pool_secs)
        );
    }
    let mut generator = Gen::new(profile, opts.seed, opts.users, &opts.domains, pools);
    let mut edge_cfg = profile.edge.clone();
    if let Some(r) = opts.edge_rate {
        edge_cfg.rate = r;
    }
    edge_cfg.files.extend(opts.edge_files.iter().cloned());
    if !opts.edge_include.is_empty() {
        edge_cfg.include = opts.edge_include.clone();
    }
    if !opts.edge_exclude.is_empty() {
        edge_cfg.exclude = opts.edge_exclude.clone();
    }
    install_edges(
        &mut generator,
        profile,
        &edge_cfg,
        opts.seed,
        opts.encoding.is_utf8(),
        &pool,
    )?;
    let generator = generator;
    let metas = TableMeta::all(profile);
    let users_t = profile.users_table;

    let users_range = opts.shard.range(opts.users);
    let progress = progress_bar(&opts, users_range.end - users_range.start);

    // Which tables are written, and where.
    let mut sinks: Vec<Option<TableSink>> = (0..metas.len()).map(|_| None).collect();
    let mut header = Vec::new();
    match opts.out {
        Output::Dir(ref dir) => {
            for (i, m) in metas.iter().enumerate() {
                let file = format!("{}.{}", m.name, format.extension());
                let f = staged.create(&file)?;
                sinks[i] = Some(TableSink {
                    meta: m.clone(),
                    path: dir.join(&file).display().to_string(),
                    file,
                    writer: Box::new(std::io::BufWriter::with_capacity(1 << 18, f)),
                    rows: 0,
                    digest: 0,
                });
            }
        }
        Output::Stdout | Output::Writer(_) => {
            let w: Box<dyn Write + Send> = match opts.out {
                Output::Writer(w) => w,
                _ => Box::new(std::io::BufWriter::with_capacity(
                    1 << 18,
                    std::io::stdout(),
                )),
            };
            sinks[users_t] = Some(TableSink {
                meta: metas[users_t].clone(),
                file: "-".into(),
                path: "stdout".into(),
                writer: w,
                rows: 0,
                digest: 0,
            });
        }
    }
    for s in sinks.iter_mut().flatten() {
        header.clear();
        format.header(&s.meta, &mut header);
        opts.encoding.transcode(&mut header);
        s.writer
            .write_all(opts.encoding.bom())
            .and_then(|()| s.writer.write_all(&header))
            .map_err(|e| write_err(&s.path, e))?;
    }
    let mut side = Sidecars {
        edge_counts: vec![0; generator.edge.as_ref().map_or(0, |e| e.cases.len()) + 1],
        ..Sidecars::default()
    };
    if to_dir.is_some() {
        if generator.edge.is_some() {
            let mut w = std::io::BufWriter::new(staged.create("labels.csv")?);
            w.write_all(b"table,row_key,field,label\n")
                .map_err(|e| staged.write_err("labels.csv", e))?;
            side.labels = Some(w);
        }
        side.unrepresentable = Some(std::io::BufWriter::new(
            staged.create("unrepresentable.jsonl")?,
        ));
        side.dir = staged.dir.clone();
    }
    let check_representable =
        !opts.encoding.is_utf8() || (opts.format == "sql" && opts.dialect != Dialect::Sqlite);
    let mut passwords = match &to_dir {
        Some(_) if opts.emit_passwords => Some(staged.create_private("passwords.csv")?),
        _ => None,
    };
    if let Some(w) = passwords.as_mut() {
        let pk = &metas[users_t].primary_key[0];
        writeln!(w, "{pk},password").map_err(|e| staged.write_err("passwords.csv", e))?;
    }

    // Drive each root table whose output is wanted; children follow their parent.
    for (t, tg) in generator.tables.iter().enumerate() {
        if tg.parent.is_some() || sinks[t].is_none() {
            continue;
        }
        let range = opts.shard.range(tg.rows);
        let children: Vec<usize> = tg
            .children
            .iter()
            .copied()
            .filter(|c| sinks[*c].is_some())
            .collect();
        let driver = Driver {
            generator: &generator,
            format: format.as_ref(),
            metas: &metas,
            table: t,
            children,
            range,
            emit_passwords: passwords.is_some() && t == users_t,
            encoding: opts.encoding,
            dialect: opts.dialect,
            check_representable,
            replace_unrepresentable: opts.replace_unrepresentable,
            skipped_refs: side.skipped_keys.clone(),
        };
        check_interrupted(to_dir.as_deref())?;
        let bar = (t == users_t).then_some(progress.as_ref()).flatten();
        side.passwords = passwords.take();
        driver.run(&pool, threads, &mut sinks, &mut side, bar)?;
        passwords = side.passwords.take();
    }
    if let Some(b) = &progress {
        b.finish_and_clear();
    }

    let mut tables = Vec::new();
    for s in sinks.iter_mut().flatten() {
        header.clear();
        format.footer(&s.meta, &mut header);
        opts.encoding.transcode(&mut header);
        s.writer
            .write_all(&header)
            .and_then(|()| s.writer.flush())
            .map_err(|e| write_err(&s.path, e))?;
        tables.push(TableEntry {
            name: s.meta.name.clone(),
            file: s.file.clone(),
            rows: s.rows,
            digest: manifest::digest_hex(s.digest),
            primary_key: s.meta.primary_key.clone(),
            foreign_keys: s.meta.foreign_keys.iter().map(Into::into).collect(),
        });
    }
    for (name, w) in [
        ("passwords.csv", passwords.as_mut()),
        ("labels.csv", side.labels.as_mut()),
        ("unrepresentable.jsonl", side.unrepresentable.as_mut()),
    ] {
        if let Some(w) = w {
            w.flush().map_err(|e| staged.write_err(name, e))?;
        }
    }
    let edge_cases = generator.edge.as_ref().map(|e| {
        let mut counts = BTreeMap::new();
        for (k, n) in side.edge_counts.iter().enumerate() {
            if *n > 0 {
                let label = if k == e.cases.len() {
                    "email.nfc-of-pair"
                } else {
                    e.case(k).label()
                };
                *counts.entry(label.to_string()).or_insert(0) += n;
            }
        }
        manifest::EdgeSummary {
            rate: e.rate,
            labels_file: to_dir.as_ref().map(|_| "labels.csv".into()),
            custom_files: edge_cfg
                .files
                .iter()
                .map(|f| f.display().to_string())
                .collect(),
            counts,
        }
    });
    let manifest = Manifest {
        schema_version: manifest::SCHEMA_VERSION,
        tool: "understudy".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        profile: ProfileRef {
            name: profile.name.clone(),
            source: profile.source.clone(),
            digest: profile.digest.clone(),
        },
        seed: opts.seed,
        users: opts.users,
        shard: ShardInfo {
            index: opts.shard.index,
            count: opts.shard.count,
            first_user: users_range.start,
            users: users_range.end - users_range.start,
        },
        format: opts.format.clone(),
        sql_dialect: (opts.format == "sql").then(|| format!("{:?}", opts.dialect).to_lowercase()),
        digest_algorithm: "xxh3-128-row-sum".into(),
        tables,
        hashes: hash_entries,
        passwords_file: passwords.is_some().then(|| "passwords.csv".into()),
        encoding: opts.encoding,
        edge_cases,
        unrepresentable: manifest::Unrepresentable {
            file: to_dir.as_ref().map(|_| "unrepresentable.jsonl".into()),
            rows_skipped: side.skipped,
            values_replaced: side.replaced,
        },
    };
    // Sinks close their files before they are renamed.
    drop(sinks);
    drop(passwords);
    drop(side);
    if to_dir.is_some() {
        let json = serde_json::to_string_pretty(&manifest).expect("manifest serialises");
        staged.commit(&(json + "\n"))?;
    }
    if !opts.quiet {
        summary(
            &manifest,
            to_dir.as_deref(),
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(manifest)
}

/// UUIDs and ULIDs embed 62 bits of the permuted row index: no table may
/// have more rows than that.
pub const MAX_TABLE_ROWS: u64 = 1 << 62;

/// Edge cases embed a user's token in 10 digits (their lengths are labelled):
/// a table with emails or usernames holds at most this many rows when they
/// are on.
pub const MAX_EDGE_ROWS: u64 = 9_999_999_999;

/// Rehearsals, estimates and JIT runs plan their batches before loading
/// (`Plan::batches`): the most users they take, and the most batches.
pub const MAX_PLANNED_USERS: u64 = 10_000_000_000;
pub const MAX_BATCHES: u64 = 1 << 22;

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Refuses, before anything is written, a user count whose rows the index
/// space cannot hold: a table over 2^62 rows (children: users times the
/// largest per-parent count), a sequence past BIGINT, or edge-case tokens
/// wider than their 10 digits.
pub fn check_scale(profile: &Profile, users: u64, edges: bool) -> Result<()> {
    use crate::profile::{Kind, Size};
    for (t, table) in profile.tables.iter().enumerate() {
        let how = match &table.size {
            Size::PerParent { parent, count } => format!(
                " ({} rows × up to {} per row)",
                profile.tables[*parent].name,
                count.max()
            ),
            _ => String::new(),
        };
        let rows = profile.max_rows(t, users).filter(|&r| r <= MAX_TABLE_ROWS);
        let Some(rows) = rows else {
            return Err(Error::usage(format!(
                "--users {}: table `{}` could reach more than 2^62 rows{how}, and its unique keys embed a 62-bit row index\n  lower --users",
                thousands(users),
                table.name
            )));
        };
        for c in &table.columns {
            if let Kind::Sequence { start } = c.kind
                && start.checked_add(rows as i64).is_none()
            {
                return Err(Error::usage(format!(
                    "--users {}: sequence `{}.{}` starting at {start} would pass the largest BIGINT with {} rows{how}\n  lower --users or the sequence's start",
                    thousands(users),
                    table.name,
                    c.name,
                    thousands(rows)
                )));
            }
        }
        let handles = table
            .columns
            .iter()
            .any(|c| matches!(c.kind, Kind::Email | Kind::Username));
        if edges && handles && rows > MAX_EDGE_ROWS {
            return Err(Error::usage(format!(
                "--users {}: table `{}` could reach {} rows{how}; edge cases embed a 10-digit token in emails and usernames, so at most {} rows there\n  lower --users, or generate without edge cases (--edge-rate 0)",
                thousands(users),
                table.name,
                thousands(rows),
                thousands(MAX_EDGE_ROWS)
            )));
        }
    }
    Ok(())
}

/// Refuses what a planned run (rehearse, estimate, jit, scan-leaks) cannot
/// hold in memory: over `MAX_PLANNED_USERS` users, or over `MAX_BATCHES`
/// batches of `batch` users.
pub fn check_planned(users: u64, batch: Option<u64>) -> Result<()> {
    if users > MAX_PLANNED_USERS {
        return Err(Error::usage(format!(
            "{} users: at most {} here (the run plans its batches up front)\n  `generate` streams any number of users to files",
            thousands(users),
            thousands(MAX_PLANNED_USERS)
        )));
    }
    if let Some(b) = batch
        && users.div_ceil(b.max(1)) > MAX_BATCHES
    {
        return Err(Error::usage(format!(
            "{} users in batches of {b}: {} batches, at most {} (the run plans its batches up front)\n  raise --batch",
            thousands(users),
            thousands(users.div_ceil(b.max(1))),
            thousands(MAX_BATCHES)
        )));
    }
    Ok(())
}

/// How pools are built: the mode override, `--hash-cost light`, the disk cache.
#[derive(Debug, Clone, Copy)]
pub struct PoolChoice {
    pub mode: Option<HashMode>,
    pub light: bool,
    pub cache: bool,
}

/// Installs the edge-case injector `cfg` describes (nothing when its rate is
/// 0), hashing password cases once per pool. Shared by `generate` and `rehearse`.
pub fn install_edges(
    generator: &mut Gen,
    profile: &Profile,
    cfg: &crate::edge::EdgeConfig,
    seed: u64,
    utf8: bool,
    pool: &rayon::ThreadPool,
) -> Result<()> {
    if cfg.rate <= 0.0 {
        return Ok(());
    }
    let kinds: Vec<Vec<Option<&'static str>>> = profile
        .tables
        .iter()
        .map(|t| t.columns.iter().map(|c| c.kind.edge_field()).collect())
        .collect();
    let inj = crate::edge::Injector::new(cfg, seed, &kinds, profile.users_table, utf8)?;
    // Password cases have fixed plaintexts: hash each once per mix entry.
    generator.edge_hashes = pool.install(|| {
        use rayon::prelude::*;
        generator
            .pools
            .par_iter()
            .map(|p| {
                inj.cases
                    .par_iter()
                    .enumerate()
                    .map(|(k, c)| match c {
                        crate::edge::Case::Catalogue(c)
                            if c.family == crate::edge::Family::Password =>
                        {
                            crate::edge::catalogue::make(c, 0).map(|pw| p.hash_known(&pw, k as u64))
                        }
                        _ => None,
                    })
                    .collect()
            })
            .collect()
    });
    generator.edge = Some(inj);
    Ok(())
}

/// Builds the profile's hash pools (on `pool`'s threads) and describes them
/// for the manifest and reports, as `generate` does. Empty when no table has
/// a hash column.
pub fn build_pools(
    profile: &Profile,
    seed: u64,
    choice: PoolChoice,
    pool: &rayon::ThreadPool,
) -> Result<(Vec<HashEntry>, Vec<Pool>)> {
    let mut hash_entries = Vec::new();
    let mut pools = Vec::new();
    let has_hashes = profile
        .users()
        .columns
        .iter()
        .any(|c| matches!(c.kind, crate::profile::Kind::PasswordHash));
    if has_hashes {
        for m in &profile.passwords.mix {
            let f = hash::lookup(&m.format).expect("checked when the profile loaded");
            let mode = choice.mode.or(m.mode).unwrap_or(HashMode::Pool);
            let mut params = hash::merged(f, &m.params);
            if choice.light {
                // Same format and encoding, the smallest work factors it allows.
                // Only the parameters light mode changes (work factors), so the
                // profile's other choices (salt position, variants) stay.
                let defaults = f.default_params();
                let light: hash::Params = hash::light_params(f)
                    .into_iter()
                    .filter(|kv| !defaults.contains(kv))
                    .collect();
                params = hash::merged_over(params, &light);
            }
            let p = pool
                .install(|| {
                    Pool::build(
                        f,
                        params.clone(),
                        mode,
                        profile.passwords.pool_size,
                        seed,
                        choice.cache,
                    )
                })
                .map_err(|e| Error::usage(format!("cannot hash with {}: {e}", m.format)))?;
            hash_entries.push(HashEntry {
                format: m.format.clone(),
                params: params.into_iter().collect(),
                mode,
                share: m.share,
                pool_size: p.len(),
                verifiable: mode != HashMode::Shape,
                cost: if choice.light { "light" } else { "profile" }.into(),
            });
            pools.push(p);
        }
    }
    Ok((hash_entries, pools))
}

/// Index ranges covering `range`, cut at multiples of `size` in the table's
/// index space: the cuts do not depend on the shard or the thread count.
pub fn aligned_chunks(range: std::ops::Range<u64>, size: u64) -> Vec<std::ops::Range<u64>> {
    let size = size.max(1);
    let mut out = Vec::new();
    let mut a = range.start;
    while a < range.end {
        let b = ((a / size + 1) * size).min(range.end);
        out.push(a..b);
        a = b;
    }
    out
}

/// First flat row index of each child table (of root table rows starting at
/// `start`) at each chunk's start; computed in parallel on the current rayon pool.
pub fn child_offsets(
    generator: &Gen,
    children: &[usize],
    start: u64,
    chunks: &[std::ops::Range<u64>],
) -> Vec<Vec<u64>> {
    use rayon::prelude::*;
    children
        .iter()
        .map(|&c| {
            let counter = generator.tables[c].count.as_ref().expect("child");
            let sum = |r: std::ops::Range<u64>| r.map(|i| counter.count(i) as u64).sum::<u64>();
            // Rows before `start`, then per chunk.
            let before: u64 = (0..start.div_ceil(CHUNK))
                .into_par_iter()
                .map(|k| sum(k * CHUNK..((k + 1) * CHUNK).min(start)))
                .sum();
            let per: Vec<u64> = chunks.par_iter().map(|r| sum(r.clone())).collect();
            let mut acc = before;
            per.iter()
                .map(|n| {
                    let at = acc;
                    acc += n;
                    at
                })
                .collect()
        })
        .collect()
}

/// Generates root table `table`'s rows `range` and, after each, its rows of
/// `children` (whose first flat indices are `child_base`), calling
/// `f(table, id, row, scratch)` for every row in output order. This is the one
/// row stream that `generate`, the rehearsal loader and verification share.
#[allow(clippy::too_many_arguments)]
pub fn rows_in(
    generator: &Gen,
    table: usize,
    children: &[usize],
    range: std::ops::Range<u64>,
    child_base: &[u64],
    row: &mut RowBuf,
    scratch: &mut Scratch,
    mut f: impl FnMut(usize, RowId, &mut RowBuf, &Scratch),
) {
    let mut child_next: Vec<u64> = child_base.to_vec();
    for i in range {
        let id = RowId {
            index: i,
            parent: 0,
            ordinal: 0,
        };
        generator.row(table, id, row, scratch);
        f(table, id, row, scratch);
        for (ci, &c) in children.iter().enumerate() {
            let count = generator.tables[c].count.as_ref().expect("child").count(i);
            if count == 0 {
                continue;
            }
            generator.begin_children(c, i, count, scratch);
            for k in 0..count {
                let j = child_next[ci];
                child_next[ci] += 1;
                let id = RowId {
                    index: j,
                    parent: i,
                    ordinal: k,
                };
                generator.row(c, id, row, scratch);
                f(c, id, row, scratch);
            }
        }
    }
}

fn write_err(path: &str, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Error::usage("output closed early (broken pipe)")
    } else {
        Error::usage(format!("cannot write {path}: {e}"))
    }
}

/// Set by SIGINT or SIGTERM while `generate` runs (see [`catch_interrupts`]).
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

extern "C" fn on_interrupt(sig: libc::c_int) {
    INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
    // A second signal stops at once.
    // SAFETY: signal(2) is async-signal-safe.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
    }
}

/// Makes SIGINT and SIGTERM stop `generate` between chunks, so it can remove
/// its partial files and say what is incomplete instead of dying mid-write.
pub fn catch_interrupts() {
    let handler = on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only stores to an atomic and resets the disposition.
    unsafe {
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

fn check_interrupted(dir: Option<&Path>) -> Result<()> {
    if !INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
        return Ok(());
    }
    Err(Error::interrupted(match dir {
        Some(d) => format!(
            "interrupted: the run did not complete; no table, sidecar or manifest.json was written to {} (partial files removed)",
            d.display()
        ),
        None => "interrupted: the output on stdout is incomplete".into(),
    }))
}

/// Output files written under temporary names (`.NAME.partial`) and renamed
/// once the run is complete, `manifest.json` last: an interrupted or failed
/// run never leaves a file that looks complete. Dropped uncommitted, it
/// removes what it wrote.
struct Staged {
    dir: PathBuf,
    /// Final names, in creation order.
    files: Vec<String>,
    committed: bool,
}

impl Staged {
    fn new(dir: PathBuf) -> Staged {
        Staged {
            dir,
            files: Vec::new(),
            committed: false,
        }
    }

    fn temp(&self, name: &str) -> PathBuf {
        self.dir.join(format!(".{name}.partial"))
    }

    fn create(&mut self, name: &str) -> Result<std::fs::File> {
        let path = self.temp(name);
        let f = std::fs::File::create(&path).map_err(|e| Error::io("create", &path, e))?;
        self.files.push(name.to_string());
        Ok(f)
    }

    fn create_private(&mut self, name: &str) -> Result<std::io::BufWriter<std::fs::File>> {
        let w = open_private(&self.temp(name))?;
        self.files.push(name.to_string());
        Ok(w)
    }

    fn write_err(&self, name: &str, e: std::io::Error) -> Error {
        write_err(&self.dir.join(name).display().to_string(), e)
    }

    /// Writes the manifest, removes the files an earlier run listed in its
    /// manifest that this run does not write (so `--force` leaves no stale
    /// table or sidecar), then renames everything into place.
    fn commit(mut self, manifest: &str) -> Result<()> {
        let temp = self.temp("manifest.json");
        self.files.push("manifest.json".into());
        std::fs::write(&temp, manifest).map_err(|e| self.write_err("manifest.json", e))?;
        let old_manifest = self.dir.join("manifest.json");
        let stale = earlier_run_files(&old_manifest);
        if old_manifest.exists() {
            std::fs::remove_file(&old_manifest)
                .map_err(|e| Error::io("remove", &old_manifest, e))?;
        }
        for name in stale.iter().filter(|n| !self.files.contains(n)) {
            let path = self.dir.join(name);
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(Error::io("remove the earlier run's", &path, e));
                }
                _ => {}
            }
        }
        for name in &self.files {
            let (from, to) = (self.temp(name), self.dir.join(name));
            std::fs::rename(&from, &to).map_err(|e| Error::io("rename into", &to, e))?;
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            for name in &self.files {
                let _ = std::fs::remove_file(self.temp(name));
            }
        }
    }
}

/// The files an earlier run's manifest says it wrote (plain names only).
fn earlier_run_files(manifest: &Path) -> Vec<String> {
    let Some(m) = std::fs::read(manifest)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .filter(|m| m["tool"] == "understudy")
    else {
        return Vec::new();
    };
    let mut names: Vec<&serde_json::Value> = m["tables"]
        .as_array()
        .map(|t| t.iter().map(|t| &t["file"]).collect())
        .unwrap_or_default();
    names.extend([
        &m["edge_cases"]["labels_file"],
        &m["unrepresentable"]["file"],
        &m["passwords_file"],
    ]);
    names
        .into_iter()
        .filter_map(|v| v.as_str())
        .filter(|n| !n.is_empty() && *n != "." && *n != ".." && !n.contains(['/', '\\']))
        .map(str::to_string)
        .collect()
}

fn prepare_dir(dir: &Path, force: bool) -> Result<()> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() && !force {
                return Err(Error::usage(format!(
                    "output directory {} is not empty\n  use --force to overwrite the files understudy writes there, or choose another --out",
                    dir.display()
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))
        }
        Err(e) => Err(Error::io("open directory", dir, e)),
    }
}

/// A file only its owner can read (0600), for plaintext passwords.
fn open_private(path: &Path) -> Result<std::io::BufWriter<std::fs::File>> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let f = o.open(path).map_err(|e| Error::io("create", path, e))?;
    #[cfg(unix)]
    {
        // An existing file keeps its old mode on open: set it explicitly.
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io("protect", path, e))?;
    }
    Ok(std::io::BufWriter::new(f))
}

fn progress_bar(opts: &GenerateOptions, total: u64) -> Option<indicatif::ProgressBar> {
    if opts.quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} users · {per_sec} · ETA {eta}")
            .expect("valid template"),
    );
    Some(bar)
}

fn summary(m: &Manifest, dir: Option<&Path>, secs: f64) {
    let rate = m.shard.users as f64 / secs.max(1e-9);
    eprintln!(
        "understudy: {} ({} in {}) in {}, {:.0} users/s{}",
        crate::util::count(m.shard.users, "user", "users"),
        crate::util::count(m.tables.iter().map(|t| t.rows).sum::<u64>(), "row", "rows"),
        crate::util::count(m.tables.len() as u64, "table", "tables"),
        crate::util::human_duration(secs),
        rate,
        dir.map(|d| format!(" → {}", d.display()))
            .unwrap_or_default()
    );
    for h in &m.hashes {
        if h.mode == HashMode::Shape {
            eprintln!(
                "understudy: note: {} hashes are in shape mode: right format, but they do not verify",
                h.format
            );
        }
    }
}

struct Driver<'a> {
    generator: &'a Gen,
    format: &'a dyn Format,
    metas: &'a [TableMeta],
    table: usize,
    children: Vec<usize>,
    range: std::ops::Range<u64>,
    emit_passwords: bool,
    encoding: Encoding,
    dialect: Dialect,
    /// Whether any value could be unwritable (non-UTF-8 output, NUL in COPY,
    /// longer than its SQL column).
    check_representable: bool,
    replace_unrepresentable: bool,
    /// Rows of earlier tables set aside: a row referring to one is set aside
    /// too, so no file holds a dangling foreign key.
    skipped_refs: HashMap<usize, HashSet<String>>,
}

struct Shared {
    next: u64,
    /// First child rows (per child table) of chunk `next`.
    next_base: Vec<u64>,
    written: u64,
    done: BTreeMap<u64, ChunkOut>,
    /// Written chunks handed back for reuse: buffers are allocated once per
    /// window slot, not per chunk (cross-thread frees bloat malloc arenas).
    spare: Vec<ChunkOut>,
    failed: bool,
}

impl Driver<'_> {
    /// How many chunks cover the range (cut as `aligned_chunks` cuts).
    fn chunk_count(&self) -> u64 {
        let r = &self.range;
        if r.start >= r.end {
            0
        } else {
            (r.end - 1) / CHUNK - r.start / CHUNK + 1
        }
    }

    /// Chunk `k`, computed when needed: no list of chunks is ever held, so
    /// memory does not grow with the number of users.
    fn chunk(&self, k: u64) -> std::ops::Range<u64> {
        let first = self.range.start / CHUNK + k;
        (first * CHUNK).max(self.range.start)..((first + 1) * CHUNK).min(self.range.end)
    }

    /// Child rows of `range`'s root rows, per child table.
    fn child_rows(&self, range: std::ops::Range<u64>, into: &mut [u64]) {
        for (n, &c) in into.iter_mut().zip(&self.children) {
            let counter = self.generator.tables[c].count.as_ref().expect("child");
            *n += range.clone().map(|i| counter.count(i) as u64).sum::<u64>();
        }
    }

    /// Fills `out` (a recycled chunk, cleared here) with one chunk of rows.
    fn work(&self, range: std::ops::Range<u64>, child_base: &[u64], out: &mut ChunkOut) {
        let n = self.metas.len();
        out.bufs.resize_with(n, Vec::new);
        out.bufs.iter_mut().for_each(Vec::clear);
        out.rows = vec![0; n];
        out.digests = vec![0; n];
        out.passwords.clear();
        out.labels.clear();
        out.unrepresentable.clear();
        out.edge_counts = vec![0; self.generator.edge.as_ref().map_or(0, |e| e.cases.len()) + 1];
        out.skipped = 0;
        out.skipped_keys.clear();
        out.replaced = 0;
        let mut row = RowBuf::default();
        let mut scratch = Scratch::default();
        scratch.want_password = self.emit_passwords;
        let mut key = String::new();
        let mut nth = vec![0usize; n];
        let root = self.table;
        let mut parent_kept = true;
        rows_in(
            self.generator,
            root,
            &self.children,
            range,
            child_base,
            &mut row,
            &mut scratch,
            |t, id, row, scratch| {
                if t == root {
                    parent_kept = self.emit(t, row, scratch, &mut nth, out, None);
                    if parent_kept && self.emit_passwords {
                        key.clear();
                        self.generator.push_key(t, id.index, &mut key);
                        sink_csv_pair(&mut out.passwords, &key, &scratch.password);
                    }
                } else {
                    // A skipped parent takes its children with it: no dangling keys.
                    let cascade = (!parent_kept).then_some("its parent row was unrepresentable");
                    self.emit(t, row, scratch, &mut nth, out, cascade);
                }
            },
        );
        for (t, &k) in nth.iter().enumerate() {
            out.rows[t] = k as u64;
            if k > 0 {
                self.format.end_chunk(&self.metas[t], k, &mut out.bufs[t]);
            }
            self.encoding.transcode(&mut out.bufs[t]);
        }
    }

    /// Checks, labels, renders and digests one generated row. Returns false
    /// when the row was set aside as unrepresentable.
    fn emit(
        &self,
        t: usize,
        row: &mut RowBuf,
        scratch: &Scratch,
        nth: &mut [usize],
        out: &mut ChunkOut,
        skip: Option<&str>,
    ) -> bool {
        let meta = &self.metas[t];
        let pk = &self.generator.tables[t].pk;
        let field_name = |c: usize| meta.columns.get(c).map_or("password", |m| m.name.as_str());
        let mut reason = skip.map(|r| (usize::MAX, r.to_string()));
        if reason.is_none() && !self.skipped_refs.is_empty() {
            for fk in &meta.foreign_keys {
                let target = self
                    .metas
                    .iter()
                    .position(|m| m.name == fk.references_table);
                let col = meta.columns.iter().position(|c| c.name == fk.column);
                if let (Some(target), Some(col)) = (target, col)
                    && self
                        .skipped_refs
                        .get(&target)
                        .is_some_and(|keys| keys.contains(row.get(col).1))
                {
                    reason = Some((
                        col,
                        format!(
                            "it refers to {} row {}, which was unrepresentable",
                            fk.references_table,
                            row.get(col).1
                        ),
                    ));
                    break;
                }
            }
        }
        if reason.is_none() && self.check_representable {
            for c in 0..row.len() {
                let (_, v) = row.get(c);
                if let Some(why) = crate::sink::unrepresentable(
                    self.format.name(),
                    self.dialect,
                    self.encoding,
                    meta.columns.get(c).map(|m| m.sql),
                    v,
                ) {
                    if self.replace_unrepresentable && self.encoding.unrepresentable(v).is_some() {
                        let (kind, v) = row.get(c);
                        let fixed = self.encoding.replace(v);
                        row.set(c, kind, &fixed);
                        out.replaced += 1;
                        push_label(
                            &mut out.labels,
                            &meta.name,
                            &row_key(row, pk),
                            field_name(c),
                            "encoding.replaced",
                        );
                        continue;
                    }
                    reason = Some((c, why));
                    break;
                }
            }
        }
        let labels = || {
            scratch
                .injections
                .iter()
                .map(|i| (i.column, self.generator.edge_label(i.case)))
        };
        if let Some((col, why)) = reason {
            let rec = serde_json::json!({
                "table": meta.name,
                "row_key": row_key(row, pk),
                "field": (col != usize::MAX).then(|| field_name(col)),
                "labels": labels().map(|(_, l)| l).collect::<Vec<_>>(),
                "reason": why,
            });
            out.unrepresentable
                .extend_from_slice(rec.to_string().as_bytes());
            out.unrepresentable.push(b'\n');
            out.skipped += 1;
            out.skipped_keys.push((t, row_key(row, pk)));
            return false;
        }
        for inj in &scratch.injections {
            let slot = if inj.case == crate::generator::table::NFC_TWIN {
                out.edge_counts.len() - 1
            } else {
                inj.case
            };
            out.edge_counts[slot] += 1;
            push_label(
                &mut out.labels,
                &meta.name,
                &row_key(row, pk),
                field_name(inj.column),
                self.generator.edge_label(inj.case),
            );
        }
        self.format.row(meta, row, nth[t], &mut out.bufs[t]);
        nth[t] += 1;
        out.digests[t] = out.digests[t].wrapping_add(row.digest());
        true
    }

    fn run(
        &self,
        pool: &rayon::ThreadPool,
        threads: usize,
        sinks: &mut [Option<TableSink>],
        side: &mut Sidecars,
        bar: Option<&indicatif::ProgressBar>,
    ) -> Result<()> {
        // Child rows before this range (a shard's start), then advanced chunk
        // by chunk as chunks are handed out, in order.
        let mut first_base = vec![0u64; self.children.len()];
        if self.range.start > 0 && !self.children.is_empty() {
            use rayon::prelude::*;
            let start = self.range.start;
            first_base = pool.install(|| {
                (0..start.div_ceil(CHUNK))
                    .into_par_iter()
                    .map(|k| {
                        let mut n = vec![0u64; self.children.len()];
                        self.child_rows(k * CHUNK..((k + 1) * CHUNK).min(start), &mut n);
                        n
                    })
                    .reduce(
                        || vec![0u64; self.children.len()],
                        |mut a, b| {
                            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                            a
                        },
                    )
            });
        }
        let window = (threads * 4) as u64;
        let shared = Mutex::new(Shared {
            next: 0,
            next_base: first_base,
            written: 0,
            done: BTreeMap::new(),
            spare: Vec::new(),
            failed: false,
        });
        let cv = Condvar::new();
        let total = self.chunk_count();
        let worker = || loop {
            let (idx, base, mut out) = {
                let mut s = shared.lock().expect("lock");
                while s.next < total && s.next >= s.written + window && !s.failed {
                    s = cv.wait(s).expect("lock");
                }
                if s.next >= total || s.failed {
                    return;
                }
                let idx = s.next;
                s.next += 1;
                // This chunk's first child rows; the next chunk's follow
                // (counting is cheap next to generating the chunk).
                let base = s.next_base.clone();
                self.child_rows(self.chunk(idx), &mut s.next_base);
                let spare = s.spare.pop().unwrap_or_default();
                (idx, base, spare)
            };
            let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.work(self.chunk(idx), &base, &mut out)
            }));
            if done.is_err() {
                // Never leave the writer waiting for a chunk that will not come.
                shared.lock().expect("lock").failed = true;
                cv.notify_all();
                return;
            }
            shared.lock().expect("lock").done.insert(idx, out);
            cv.notify_all();
        };
        let mut result = Ok(());
        // Plain threads, not rayon tasks: the writer below blocks, and must
        // never take a worker's place.
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(worker);
            }
            // This thread writes, in order.
            for idx in 0..total {
                let out = {
                    let mut s = shared.lock().expect("lock");
                    loop {
                        if let Some(o) = s.done.remove(&idx) {
                            break Some(o);
                        }
                        if s.failed {
                            break None;
                        }
                        s = cv.wait(s).expect("lock");
                    }
                };
                let Some(out) = out else {
                    result = Err(Error::failed(
                        "internal error: a generator thread panicked (see above); please report it",
                    ));
                    return;
                };
                let written =
                    check_interrupted(side.dir.to_str().filter(|d| !d.is_empty()).map(Path::new))
                        .and_then(|()| self.write(&out, sinks, side));
                if let Err(e) = written {
                    result = Err(e);
                    shared.lock().expect("lock").failed = true;
                    cv.notify_all();
                    return;
                }
                if let Some(b) = bar {
                    b.inc(out.rows[self.table]);
                }
                let mut s = shared.lock().expect("lock");
                s.written = idx + 1;
                s.spare.push(out);
                drop(s);
                cv.notify_all();
            }
        });
        result
    }

    fn write(
        &self,
        out: &ChunkOut,
        sinks: &mut [Option<TableSink>],
        side: &mut Sidecars,
    ) -> Result<()> {
        for (t, sink) in sinks.iter_mut().enumerate() {
            let Some(s) = sink else { continue };
            if out.rows[t] == 0 {
                continue;
            }
            s.writer
                .write_all(&out.bufs[t])
                .map_err(|e| write_err(&s.path, e))?;
            s.rows += out.rows[t];
            s.digest = s.digest.wrapping_add(out.digests[t]);
        }
        let dir = side.dir.clone();
        let err = |name: &str, e| write_err(&dir.join(name).display().to_string(), e);
        if let Some(p) = side.passwords.as_mut() {
            p.write_all(&out.passwords)
                .map_err(|e| err("passwords.csv", e))?;
        }
        if let Some(l) = side.labels.as_mut() {
            l.write_all(&out.labels).map_err(|e| err("labels.csv", e))?;
        }
        if let Some(u) = side.unrepresentable.as_mut() {
            u.write_all(&out.unrepresentable)
                .map_err(|e| err("unrepresentable.jsonl", e))?;
        }
        for (a, b) in side.edge_counts.iter_mut().zip(&out.edge_counts) {
            *a += b;
        }
        side.skipped += out.skipped;
        for (t, k) in &out.skipped_keys {
            side.skipped_keys.entry(*t).or_default().insert(k.clone());
        }
        side.replaced += out.replaced;
        Ok(())
    }
}

fn sink_csv_pair(out: &mut Vec<u8>, key: &str, password: &str) {
    crate::sink::csv_field(out, key);
    out.push(b',');
    crate::sink::csv_field(out, password);
    out.push(b'\n');
}
