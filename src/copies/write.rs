//! `generate --format copies`: each copy's file(s) in its store's bulk format,
//! users rendered in parallel chunks and written in index order (so `-j`
//! never changes a byte), through `.NAME.partial` files renamed into place at
//! the end, `copies.json` last.

use super::source::{chunk_offsets, docs, embedded_children, for_users};
use super::{Lookups, store};
use crate::dataset::Plan;
use crate::error::{Error, Result};
use crate::profile::copies::{Copy, CopyKind};
use crate::row::RowBuf;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Elasticsearch `_bulk` files are split under this many bytes by default.
pub const DEFAULT_SPLIT: u64 = 10 * 1024 * 1024;
const CHUNK: u64 = 4096;

pub struct WriteOptions {
    pub out: PathBuf,
    pub threads: usize,
    /// Largest `_bulk` file, bytes.
    pub split: u64,
}

/// One copy's outputs, as `copies.json` lists them.
#[derive(Debug, Clone, Serialize)]
pub struct Written {
    pub name: String,
    pub kind: String,
    pub files: Vec<String>,
    /// Documents (Redis: hashes) written, orphans included.
    pub documents: u64,
    pub bytes: u64,
    /// Users whose copy is deliberately wrong, by drift label.
    pub drift_by_label: BTreeMap<String, u64>,
}

/// `copies.json`.
#[derive(Debug, Serialize)]
pub struct CopiesManifest {
    pub schema_version: u32,
    pub tool: &'static str,
    pub version: &'static str,
    pub profile: String,
    pub profile_digest: String,
    pub seed: u64,
    pub users: u64,
    pub copies: Vec<Written>,
}

/// A chunk of users rendered for one copy: the bytes, where each user's
/// documents end, and the drift seen.
#[derive(Default)]
struct Rendered {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    documents: u64,
    drift: BTreeMap<&'static str, u64>,
}

fn render_chunk(
    plan: &Plan,
    lookups: &Lookups,
    children: &[usize],
    range: std::ops::Range<u64>,
    base: &[u64],
) -> std::result::Result<Vec<Rendered>, String> {
    let mut out: Vec<Rendered> = plan
        .profile
        .copies
        .iter()
        .map(|_| Rendered::default())
        .collect();
    let mut orphan = RowBuf::default();
    let mut err = None;
    for_users(plan, children, range, base, |u| {
        for (ci, copy) in plan.profile.copies.iter().enumerate() {
            let cx = super::source::cx(plan, copy, lookups);
            let r = &mut out[ci];
            let st = store(copy.kind);
            let mut counted = false;
            docs(plan, copy, u, &mut orphan, |d| {
                if let Err(e) = st.render(&cx, d, &mut r.bytes) {
                    err.get_or_insert(format!("copy `{}`: {e}", copy.name));
                }
                r.documents += 1;
                if let (Some(k), false) = (d.drift, counted) {
                    *r.drift.entry(k.label()).or_insert(0) += 1;
                    counted = true;
                }
            });
            if !counted && let (Some(k), _) = super::source::effective_drift(plan, copy, u) {
                // A missing user renders nothing but is drift all the same.
                *r.drift.entry(k.label()).or_insert(0) += 1;
            }
            r.ends.push(r.bytes.len());
        }
    });
    match err {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// One copy's open file(s).
struct Out {
    copy: Copy,
    dir: PathBuf,
    files: Vec<String>,
    file: Option<Sink>,
    in_file: u64,
    split: Option<u64>,
    written: Written,
}

impl Out {
    fn new(copy: &Copy, dir: &Path, split: u64) -> Out {
        Out {
            written: Written {
                name: copy.name.clone(),
                kind: copy.kind.name().into(),
                files: Vec::new(),
                documents: 0,
                bytes: 0,
                drift_by_label: BTreeMap::new(),
            },
            copy: copy.clone(),
            dir: dir.to_path_buf(),
            files: Vec::new(),
            file: None,
            in_file: 0,
            split: (copy.kind == CopyKind::Elasticsearch).then_some(split),
        }
    }

    fn name(&self, n: usize) -> String {
        let ext = store(self.copy.kind).extension();
        match self.split {
            Some(_) => format!("{}-{:05}.{ext}", self.copy.name, n),
            None => format!("{}.{ext}", self.copy.name),
        }
    }

    fn open(&mut self) -> Result<()> {
        self.close()?;
        let name = self.name(self.files.len() + 1);
        let path = partial(&self.dir, &name);
        let f = std::fs::File::create(&path).map_err(|e| Error::io("create", &path, e))?;
        let w = std::io::BufWriter::with_capacity(1 << 20, f);
        self.file = Some(if self.copy.kind == CopyKind::Dynamodb {
            // mtime 0 and no name in the header: the same bytes every run.
            Sink::Gzip(flate2::GzBuilder::new().write(w, flate2::Compression::default()))
        } else {
            Sink::Plain(w)
        });
        self.files.push(name);
        self.in_file = 0;
        Ok(())
    }

    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        if self.file.is_none() {
            self.open()?;
        }
        if let Some(limit) = self.split
            && self.in_file > 0
            && self.in_file + bytes.len() as u64 > limit
        {
            self.open()?;
        }
        if let Some(limit) = self.split
            && bytes.len() as u64 > limit
        {
            return Err(Error::usage(format!(
                "copy `{}`: one user's _bulk lines are {} bytes, over --copies-split {limit}",
                self.copy.name,
                bytes.len()
            )));
        }
        let name = self.files.last().cloned().unwrap_or_default();
        self.file
            .as_mut()
            .expect("opened above")
            .write_all(bytes)
            .map_err(|e| Error::usage(format!("cannot write {name}: {e}")))?;
        self.in_file += bytes.len() as u64;
        self.written.bytes += bytes.len() as u64;
        Ok(())
    }

    fn add(&mut self, r: &Rendered) -> Result<()> {
        if self.split.is_some() {
            let mut at = 0;
            for &end in &r.ends {
                if end > at {
                    self.put(&r.bytes[at..end])?;
                }
                at = end;
            }
        } else if !r.bytes.is_empty() {
            self.put(&r.bytes)?;
        }
        self.written.documents += r.documents;
        for (l, n) in &r.drift {
            *self
                .written
                .drift_by_label
                .entry(l.to_string())
                .or_insert(0) += n;
        }
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        if let Some(f) = self.file.take() {
            let done = match f {
                Sink::Plain(mut w) => w.flush(),
                Sink::Gzip(g) => g.finish().and_then(|mut w| w.flush()),
            };
            done.map_err(|e| Error::usage(format!("cannot write {}: {e}", self.copy.name)))?;
        }
        Ok(())
    }
}

type FileOut = std::io::BufWriter<std::fs::File>;

enum Sink {
    Plain(FileOut),
    Gzip(flate2::write::GzEncoder<FileOut>),
}

impl Sink {
    fn write_all(&mut self, b: &[u8]) -> std::io::Result<()> {
        match self {
            Sink::Plain(w) => w.write_all(b),
            Sink::Gzip(g) => g.write_all(b),
        }
    }
}

/// The output directory: created, or refused when not empty without `force`.
pub fn prepare_dir(dir: &Path, force: bool) -> Result<()> {
    match std::fs::read_dir(dir).map(|mut e| e.next().is_some()) {
        Ok(true) if !force => Err(Error::usage(format!(
            "output directory {} is not empty\n  use --force to overwrite the files understudy writes there, or choose another --out",
            dir.display()
        ))),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))
        }
        Err(e) => Err(Error::io("open directory", dir, e)),
    }
}

fn partial(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.partial"))
}

/// Removes the partial files unless the run completed.
struct Cleanup<'a> {
    dir: &'a Path,
    names: Vec<String>,
    done: bool,
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        if !self.done {
            for n in &self.names {
                let _ = std::fs::remove_file(partial(self.dir, n));
            }
        }
    }
}

/// Writes every copy of the plan's profile into `opts.out` (an existing directory).
pub fn write(plan: &Plan, opts: &WriteOptions) -> Result<CopiesManifest> {
    if plan.profile.copies.is_empty() {
        return Err(Error::usage(format!(
            "profile {} declares no copies: add a [copies.NAME] section (docs/copies.md), or use --profile saas-copies",
            plan.profile.name
        )));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .map_err(|e| Error::usage(format!("cannot start threads: {e}")))?;
    let lookups = Lookups::new(&plan.profile, &plan.generator);
    let children = embedded_children(plan);
    let chunks = crate::generator::plan::aligned_chunks(0..plan.users, CHUNK);
    let offsets = pool.install(|| chunk_offsets(plan, &children, &chunks));
    let mut outs: Vec<Out> = (plan.profile.copies.iter())
        .map(|c| Out::new(c, &opts.out, opts.split))
        .collect();
    let mut cleanup = Cleanup {
        dir: &opts.out,
        names: Vec::new(),
        done: false,
    };
    let window = opts.threads.max(1) * 4;
    for (k0, group) in chunks.chunks(window).enumerate() {
        use rayon::prelude::*;
        let rendered: Vec<_> = pool.install(|| {
            group
                .par_iter()
                .enumerate()
                .map(|(j, r)| {
                    let k = k0 * window + j;
                    render_chunk(plan, &lookups, &children, r.clone(), &offsets[k])
                })
                .collect()
        });
        for r in rendered {
            let r = r.map_err(Error::usage)?;
            for (o, rc) in outs.iter_mut().zip(&r) {
                o.add(rc)?;
            }
        }
        cleanup.names = outs.iter().flat_map(|o| o.files.clone()).collect();
    }
    let mut written = Vec::new();
    for o in &mut outs {
        if o.files.is_empty() {
            o.open()?; // no user: an empty file all the same
        }
        o.close()?;
        o.written.files = o.files.clone();
        written.push(o.written.clone());
    }
    cleanup.names = outs.iter().flat_map(|o| o.files.clone()).collect();
    for n in &cleanup.names {
        let (from, to) = (partial(&opts.out, n), opts.out.join(n));
        std::fs::rename(&from, &to).map_err(|e| Error::io("rename", &from, e))?;
    }
    cleanup.done = true;
    let manifest = CopiesManifest {
        schema_version: 1,
        tool: "understudy",
        version: env!("CARGO_PKG_VERSION"),
        profile: plan.profile.name.clone(),
        profile_digest: plan.profile.digest.clone(),
        seed: plan.seed,
        users: plan.users,
        copies: written,
    };
    let path = opts.out.join("copies.json");
    let text = serde_json::to_string_pretty(&manifest).expect("serializable") + "\n";
    std::fs::write(&path, text).map_err(|e| Error::io("write", &path, e))?;
    Ok(manifest)
}
