//! `generate`, phase by phase: check the inputs (before anything is written),
//! build the generator, open the outputs, drive each root table through the
//! pipeline, close the outputs, then describe the run in `manifest.json` and
//! rename everything into place.

use super::interrupt::check_interrupted;
use super::options::{GenerateOptions, Output};
use super::outputs::{Staged, prepare_dir, spill_file, write_err};
use super::pipeline::{Collate, Driver, Sidecars, TableSink};
use crate::edge::EdgeConfig;
use crate::error::{Error, Result};
use crate::generator::plan::{
    MAX_PLANNED_USERS, PoolChoice, build_pools, check_scale, install_edges, thousands,
};
use crate::generator::table::Gen;
use crate::hash::HashMode;
use crate::manifest::{self, HashEntry, Manifest, ProfileRef, ShardInfo, TableEntry};
use crate::sink::{self, Dialect, Format, TableMeta};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Instant;

/// Where the rows go: one writer per table written, and the sidecars.
struct Outputs {
    sinks: Vec<Option<TableSink>>,
    side: Sidecars,
}

pub fn generate(mut opts: GenerateOptions) -> Result<Manifest> {
    let started = Instant::now();
    let format = output_format(&opts)?;
    let (pool, threads) = worker_pool(opts.threads)?;
    let to_dir = match &opts.out {
        Output::Dir(d) => Some(d.clone()),
        _ => None,
    };
    check_inputs(&opts, to_dir.is_some())?;
    if let Some(dir) = &to_dir {
        prepare_dir(dir, opts.force)?;
    }
    let mut staged = Staged::new(to_dir.clone().unwrap_or_default());
    let (hash_entries, generator, edge_cfg) = build_generator(&opts, &pool)?;
    let metas = TableMeta::all(&opts.profile);
    let users_range = opts.shard.range(opts.users);
    let progress = progress_bar(&opts, users_range.end - users_range.start);
    // The writer of `Output::Writer` moves into the users table's sink.
    let out = std::mem::replace(&mut opts.out, Output::Stdout);
    let mut outputs = open_outputs(out, &opts, &metas, &*format, &generator, &mut staged)?;

    // Drive each root table whose output is wanted; the tables below it
    // follow their parents.
    let check_representable =
        !opts.encoding.is_utf8() || (opts.format == "sql" && opts.dialect != Dialect::Sqlite);
    for (t, tg) in generator.tables.iter().enumerate() {
        if tg.parent.is_some() || outputs.sinks[t].is_none() {
            continue;
        }
        let children = written_below(&generator, t, &outputs.sinks);
        let driver = Driver {
            generator: &generator,
            format: format.as_ref(),
            metas: &metas,
            table: t,
            slots: crate::generator::plan::parent_slots(&generator, &children),
            children,
            range: shard_range(&opts, t, tg.rows),
            emit_passwords: outputs.side.passwords.is_some() && t == opts.profile.users_table,
            encoding: opts.encoding,
            dialect: opts.dialect,
            check_representable,
            replace_unrepresentable: opts.replace_unrepresentable,
            skipped_refs: outputs.side.skipped_keys.clone(),
        };
        check_interrupted(to_dir.as_deref())?;
        let bar = (t == opts.profile.users_table)
            .then_some(progress.as_ref())
            .flatten();
        driver.run(&pool, threads, &mut outputs.sinks, &mut outputs.side, bar)?;
    }
    if let Some(b) = &progress {
        b.finish_and_clear();
    }

    let tables = close_outputs(&mut outputs, &*format, &opts, &staged, &generator)?;
    let edge_cases = edge_summary(&generator, &outputs.side, &edge_cfg, to_dir.is_some());
    let manifest = describe(
        &opts,
        hash_entries,
        tables,
        edge_cases,
        &outputs,
        to_dir.is_some(),
    );
    // Sinks close their files before they are renamed.
    drop(outputs);
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

/// A root table's rows in this shard: the users table is sliced; a lookup
/// table (any other root: organizations, roles) goes whole into shard 1 and
/// not at all into the others, so the shards' files load one after another,
/// shard 1 first, and their counts and digests add up to the unsharded run's.
fn shard_range(opts: &GenerateOptions, t: usize, rows: u64) -> std::ops::Range<u64> {
    if t == opts.profile.users_table {
        opts.shard.range(rows)
    } else if opts.shard.first() {
        0..rows
    } else {
        0..0
    }
}

/// The tables below root `t` to generate: those written, and those above a
/// written one (a grandchild's rows are numbered through its parent's).
fn written_below(generator: &Gen, t: usize, sinks: &[Option<TableSink>]) -> Vec<usize> {
    let written = |c: usize| sinks[c].is_some();
    (generator.descendants(t).into_iter())
        .filter(|&c| written(c) || generator.descendants(c).into_iter().any(written))
        .collect()
}

fn output_format(opts: &GenerateOptions) -> Result<Box<dyn Format>> {
    let spec = sink::FormatSpec {
        dialect: opts.dialect,
        profile: &opts.profile,
        wrap: opts.ldif_wrap,
        first_shard: opts.shard.index == 1,
    };
    sink::format(&opts.format, &spec)
        .map_err(|e| Error::usage(format!("--format {}: {e}", opts.format)))?
        .ok_or_else(|| {
            Error::usage(format!(
                "unknown format `{}`: use one of {}",
                opts.format,
                sink::FORMATS.join(", ")
            ))
        })
}

/// LDIF is UTF-8 with nothing before `version: 1`, and its groups need
/// every user's memberships.
fn check_ldif(opts: &GenerateOptions) -> Result<()> {
    if opts.encoding != sink::Encoding::Utf8 {
        return Err(Error::usage(format!(
            "--format ldif is UTF-8 (RFC 2849 base64-encodes the rest): drop --encoding {}",
            serde_json::to_value(opts.encoding)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default()
        )));
    }
    if opts.shard.count > 1
        && let Some(g) = opts.profile.ldap.groups
    {
        return Err(Error::usage(format!(
            "--format ldif --shard: a shard sees only its own users, so each would write the groups from `{}` with part of their members
  generate unsharded, or set `[ldap] groups = \"\"` in the profile to leave groups out",
            opts.profile.tables[g].name
        )));
    }
    Ok(())
}

/// The workers' threads (hash pools and edge cases are built on them too).
fn worker_pool(threads: usize) -> Result<(rayon::ThreadPool, usize)> {
    // Each thread holds a few chunks in flight: thousands would only exhaust memory.
    const MAX_THREADS: usize = 1024;
    if threads > MAX_THREADS {
        return Err(Error::usage(format!(
            "--threads {threads}: at most {MAX_THREADS} (the output is the same with any number)"
        )));
    }
    let threads = threads.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::usage(format!("cannot start {threads} threads: {e}")))?;
    Ok((pool, threads))
}

/// Refusals that need no output: a refused run leaves no output directory behind.
fn check_inputs(opts: &GenerateOptions, to_dir: bool) -> Result<()> {
    let profile = &opts.profile;
    if opts.emit_passwords && !to_dir {
        return Err(Error::usage(
            "--emit-passwords needs --out DIR (passwords never go to stdout)",
        ));
    }
    if opts.format == "ldif" {
        check_ldif(opts)?;
    }
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
    if to_dir && has_children && first_user > MAX_PLANNED_USERS {
        return Err(Error::usage(format!(
            "--shard {}/{} starts at user {}: its child rows are numbered after every earlier user's, and counting past {} users would take hours before the first row\n  use more, smaller runs (fewer --users), or --out - for the users table alone",
            opts.shard.index,
            opts.shard.count,
            thousands(first_user),
            thousands(MAX_PLANNED_USERS)
        )));
    }
    Ok(())
}

/// The generator with its hash pools (built once, on all threads, before any
/// row) and edge cases; what the pools are, and the edge-case settings in force.
fn build_generator(
    opts: &GenerateOptions,
    pool: &rayon::ThreadPool,
) -> Result<(Vec<HashEntry>, Gen, EdgeConfig)> {
    let profile = &opts.profile;
    let pools_started = Instant::now();
    let choice = PoolChoice {
        mode: opts.hash_mode,
        light: opts.hash_cost_light,
        cache: !opts.no_cache,
    };
    let pools = build_pools(profile, opts.seed, choice, pool)?;
    let hash_entries = HashEntry::of_pools(profile, &pools, choice.light);
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
    let utf8 = opts.encoding.is_utf8();
    install_edges(&mut generator, profile, &edge_cfg, opts.seed, utf8, pool)?;
    Ok((hash_entries, generator, edge_cfg))
}

/// Opens every table's file (or the users table's stream) with its header,
/// and the sidecars: `labels.csv`, `unrepresentable.jsonl`, `passwords.csv`.
fn open_outputs(
    out: Output,
    opts: &GenerateOptions,
    metas: &[TableMeta],
    format: &dyn Format,
    generator: &Gen,
    staged: &mut Staged,
) -> Result<Outputs> {
    let users_t = opts.profile.users_table;
    let mut sinks: Vec<Option<TableSink>> = (0..metas.len()).map(|_| None).collect();
    let to_dir = matches!(out, Output::Dir(_));
    match out {
        Output::Dir(ref dir) => {
            for (i, m) in metas.iter().enumerate().filter(|(_, m)| format.writes(m)) {
                let file = format!("{}.{}", m.name, format.extension());
                let mut f = staged.create(&file)?;
                let path = dir.join(&file).display().to_string();
                let mut collate = None;
                if format.collates(m) {
                    // Rows go to a spill; `collate` writes the file from it.
                    let spill = spill_file(dir, &file)?;
                    let final_file = std::mem::replace(
                        &mut f,
                        spill.try_clone().map_err(|e| write_err(&path, e))?,
                    );
                    collate = Some(Collate {
                        spill,
                        out: std::io::BufWriter::with_capacity(1 << 18, final_file),
                    });
                }
                sinks[i] = Some(TableSink {
                    meta: m.clone(),
                    path,
                    file,
                    writer: Box::new(std::io::BufWriter::with_capacity(1 << 18, f)),
                    rows: 0,
                    digest: 0,
                    collate,
                });
            }
        }
        Output::Stdout | Output::Writer(_) => {
            let w: Box<dyn Write + Send> = match out {
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
                collate: None,
            });
        }
    }
    let mut header = Vec::new();
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
    if to_dir {
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
    if to_dir && opts.emit_passwords {
        side.passwords = Some(staged.create_private("passwords.csv")?);
    }
    if let Some(w) = side.passwords.as_mut() {
        let pk = &metas[users_t].primary_key[0];
        writeln!(w, "{pk},password").map_err(|e| staged.write_err("passwords.csv", e))?;
    }
    Ok(Outputs { sinks, side })
}

/// Writes each table's footer, collates the tables written through a
/// spill, and flushes every file; the tables as the manifest lists them.
fn close_outputs(
    outputs: &mut Outputs,
    format: &dyn Format,
    opts: &GenerateOptions,
    staged: &Staged,
    generator: &Gen,
) -> Result<Vec<TableEntry>> {
    let mut tables = Vec::new();
    let mut footer = Vec::new();
    for s in outputs.sinks.iter_mut().flatten() {
        footer.clear();
        format.footer(&s.meta, &mut footer);
        opts.encoding.transcode(&mut footer);
        s.writer
            .write_all(&footer)
            .and_then(|()| s.writer.flush())
            .map_err(|e| write_err(&s.path, e))?;
        if let Some(c) = s.collate.as_mut() {
            format
                .collate(&s.meta, generator, &mut c.spill, &mut c.out, &staged.dir)
                .and_then(|()| c.out.flush())
                .map_err(|e| write_err(&s.path, e))?;
        }
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
        ("passwords.csv", outputs.side.passwords.as_mut()),
        ("labels.csv", outputs.side.labels.as_mut()),
        (
            "unrepresentable.jsonl",
            outputs.side.unrepresentable.as_mut(),
        ),
    ] {
        if let Some(w) = w {
            w.flush().map_err(|e| staged.write_err(name, e))?;
        }
    }
    Ok(tables)
}

/// Injections per label, for the manifest (none when edge cases are off).
fn edge_summary(
    generator: &Gen,
    side: &Sidecars,
    edge_cfg: &EdgeConfig,
    to_dir: bool,
) -> Option<manifest::EdgeSummary> {
    let e = generator.edge.as_ref()?;
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
    Some(manifest::EdgeSummary {
        rate: e.rate,
        labels_file: to_dir.then(|| "labels.csv".into()),
        custom_files: (edge_cfg.files.iter())
            .map(|f| f.display().to_string())
            .collect(),
        counts,
    })
}

/// The run as `manifest.json` describes it: its inputs, and what was written.
fn describe(
    opts: &GenerateOptions,
    hashes: Vec<HashEntry>,
    tables: Vec<TableEntry>,
    edge_cases: Option<manifest::EdgeSummary>,
    outputs: &Outputs,
    to_dir: bool,
) -> Manifest {
    let profile = &opts.profile;
    let users_range = opts.shard.range(opts.users);
    Manifest {
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
            lookup_tables: Some(
                if opts.shard.first() {
                    "whole"
                } else {
                    "none: in shard 1"
                }
                .into(),
            ),
        },
        format: opts.format.clone(),
        sql_dialect: (opts.format == "sql").then(|| format!("{:?}", opts.dialect).to_lowercase()),
        digest_algorithm: "xxh3-128-row-sum".into(),
        tables,
        hashes,
        passwords_file: outputs
            .side
            .passwords
            .is_some()
            .then(|| "passwords.csv".into()),
        encoding: opts.encoding,
        edge_cases,
        unrepresentable: manifest::Unrepresentable {
            file: to_dir.then(|| "unrepresentable.jsonl".into()),
            rows_skipped: outputs.side.skipped,
            values_replaced: outputs.side.replaced,
        },
    }
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
