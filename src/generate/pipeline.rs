//! The parallel ordered pipeline: workers render chunks of rows, one thread
//! writes them strictly in index order (ARCHITECTURE.md § Determinism: bytes do not depend on
//! the thread count) with a bounded window of chunks in flight (ARCHITECTURE.md § Streaming:
//! memory stays flat).

use super::interrupt::check_interrupted;
use super::outputs::write_err;
use crate::error::{Error, Result};
use crate::generator::plan::{CHUNK, advance, child_offsets};
use crate::generator::table::Gen;
use crate::sink::{Dialect, Encoding, Format, TableMeta};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};

/// Files written beside the tables, and what they counted.
#[derive(Default)]
pub(super) struct Sidecars {
    /// The output directory (empty for stdout), for error messages.
    pub(super) dir: PathBuf,
    pub(super) passwords: Option<std::io::BufWriter<std::fs::File>>,
    pub(super) labels: Option<std::io::BufWriter<std::fs::File>>,
    pub(super) unrepresentable: Option<std::io::BufWriter<std::fs::File>>,
    pub(super) edge_counts: Vec<u64>,
    pub(super) skipped: u64,
    pub(super) replaced: u64,
    /// Keys of rows set aside, per table: rows referring to them follow them.
    pub(super) skipped_keys: HashMap<usize, HashSet<String>>,
}

pub(super) struct TableSink {
    pub(super) meta: TableMeta,
    pub(super) file: String,
    /// Where it goes, for error messages.
    pub(super) path: String,
    pub(super) writer: Box<dyn Write + Send>,
    pub(super) rows: u64,
    pub(super) digest: u128,
    /// For a format that collates the table: `writer` fills the spill, and
    /// `Format::collate` writes the file from it at the end.
    pub(super) collate: Option<Collate>,
}

pub(super) struct Collate {
    pub(super) spill: std::fs::File,
    pub(super) out: std::io::BufWriter<std::fs::File>,
}

/// What one worker produced for one chunk.
#[derive(Default)]
pub(super) struct ChunkOut {
    pub(super) bufs: Vec<Vec<u8>>,
    pub(super) rows: Vec<u64>,
    pub(super) digests: Vec<u128>,
    pub(super) passwords: Vec<u8>,
    /// `labels.csv` lines.
    pub(super) labels: Vec<u8>,
    /// `unrepresentable.jsonl` lines.
    pub(super) unrepresentable: Vec<u8>,
    /// Injections per case index; the last slot counts NFC twins.
    pub(super) edge_counts: Vec<u64>,
    pub(super) skipped: u64,
    pub(super) replaced: u64,
    /// (table, key) of rows set aside in this chunk.
    pub(super) skipped_keys: Vec<(usize, String)>,
}

/// One root table's rows (and its children's), from generator to sinks.
pub(super) struct Driver<'a> {
    pub(super) generator: &'a Gen,
    pub(super) format: &'a dyn Format,
    pub(super) metas: &'a [TableMeta],
    pub(super) table: usize,
    /// The tables below the root, each after its parent (`Gen::descendants`).
    pub(super) children: Vec<usize>,
    /// Where each child's parent is among `children` (`plan::parent_slots`).
    pub(super) slots: Vec<Option<usize>>,
    pub(super) range: std::ops::Range<u64>,
    pub(super) emit_passwords: bool,
    pub(super) encoding: Encoding,
    pub(super) dialect: Dialect,
    /// Whether any value could be unwritable (non-UTF-8 output, NUL in COPY,
    /// longer than its SQL column).
    pub(super) check_representable: bool,
    pub(super) replace_unrepresentable: bool,
    /// Rows of earlier tables set aside: a row referring to one is set aside
    /// too, so no file holds a dangling foreign key.
    pub(super) skipped_refs: HashMap<usize, HashSet<String>>,
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

    /// Advances `next` (the first rows of each table below the root at the
    /// start of `range`) past `range`'s rows, at any depth.
    fn child_rows(&self, range: std::ops::Range<u64>, next: &mut [u64]) {
        advance(self.generator, &self.children, &self.slots, range, next);
    }

    /// Rows before this range (a shard's start), per table below the root,
    /// counted on `pool`'s threads.
    fn children_before(&self, pool: &rayon::ThreadPool) -> Vec<u64> {
        let start = self.range.start;
        if start == 0 || self.children.is_empty() {
            return vec![0u64; self.children.len()];
        }
        // One empty chunk at `start`: its first rows are the rows before it.
        let at_start = start..start;
        let at = pool.install(|| {
            child_offsets(
                self.generator,
                &self.children,
                start,
                std::slice::from_ref(&at_start),
            )
        });
        at.iter().map(|v| v[0]).collect()
    }

    pub(super) fn run(
        &self,
        pool: &rayon::ThreadPool,
        threads: usize,
        sinks: &mut [Option<TableSink>],
        side: &mut Sidecars,
        bar: Option<&indicatif::ProgressBar>,
    ) -> Result<()> {
        // Child rows before this range (a shard's start), then advanced chunk
        // by chunk as chunks are handed out, in order.
        let first_base = self.children_before(pool);
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
