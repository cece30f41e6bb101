//! The checkpoint `--resume` continues from: written after every simulated
//! day, refused when written by a run with other parameters or damaged.

use super::replay::Tally;
use super::{DayRow, ErrorEntry, JitOptions};
use crate::error::{Error, Result};
use crate::report::metrics::latency_of;
use base64::Engine;
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// What survives a kill: written after each simulated day.
#[derive(Serialize, Deserialize)]
pub(super) struct Progress {
    pub(super) key: String,
    pub(super) days_done: u32,
    pub(super) coverage: Vec<DayRow>,
    pub(super) sign_ins: u64,
    pub(super) wrong_attempts: u64,
    pub(super) legacy_lookups: u64,
    pub(super) imported: u64,
    pub(super) rehashed: u64,
    pub(super) wrong_password_migrations: u64,
    pub(super) errors: BTreeMap<String, ErrorEntry>,
    pub(super) first_hist: String,
    pub(super) later_hist: String,
    pub(super) migrated: String,
    pub(super) right_attempted: String,
    #[serde(default)]
    pub(super) reset: String,
    #[serde(default)]
    pub(super) resets: u64,
    pub(super) retries: u64,
    pub(super) backoff_s: f64,
    pub(super) replay_s: f64,
}

impl Progress {
    /// A run from day 0.
    pub(super) fn fresh(key: String) -> Progress {
        Progress {
            key,
            days_done: 0,
            coverage: Vec::new(),
            sign_ins: 0,
            wrong_attempts: 0,
            legacy_lookups: 0,
            imported: 0,
            rehashed: 0,
            wrong_password_migrations: 0,
            errors: BTreeMap::new(),
            first_hist: hist_b64(&histogram()),
            later_hist: hist_b64(&histogram()),
            migrated: String::new(),
            right_attempted: String::new(),
            reset: String::new(),
            resets: 0,
            retries: 0,
            backoff_s: 0.0,
            replay_s: 0.0,
        }
    }

    /// The checkpoint to resume from (`--resume`), if one was written; a
    /// checkpoint left without `--resume` is refused, not overwritten.
    pub(super) fn load(
        opts: &JitOptions,
        state_path: &Path,
        key: &str,
    ) -> Result<Option<Progress>> {
        if !opts.resume {
            if state_path.exists() {
                return Err(Error::usage(format!(
                    "{} holds an earlier JIT run: use --resume to continue it, or delete it",
                    state_path.display()
                )));
            }
            return Ok(None);
        }
        let Ok(b) = std::fs::read(state_path) else {
            return Ok(None);
        };
        let p: Progress = serde_json::from_slice(&b).map_err(|e| {
            Error::usage(format!(
                "--resume: {} is not a JIT checkpoint: {e}",
                state_path.display()
            ))
        })?;
        if p.key != key {
            return Err(Error::usage(format!(
                "--resume: {} was written by a run with other parameters (profile, seed, users, legacy, new system, api, rehash or hash cost)",
                state_path.display()
            )));
        }
        Ok(Some(p))
    }

    /// Adds a tally's errors; returns how many there were.
    pub(super) fn add_errors(&mut self, t: &Tally) -> u64 {
        let mut count = 0;
        for ((class, label), (n, ex)) in &t.errors {
            count += n;
            let e = self
                .errors
                .entry(format!("{class}\u{1f}{label}"))
                .or_insert_with(|| ErrorEntry {
                    class: class.clone(),
                    label: label.clone(),
                    count: 0,
                    example: ex.clone(),
                });
            e.count += n;
        }
        count
    }

    /// Writes the checkpoint (a kill leaves the previous one whole).
    pub(super) fn save(&self, path: &Path) -> Result<()> {
        let bytes = serde_json::to_vec(self).expect("progress serialises");
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, bytes).map_err(|e| Error::io("write", &tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| Error::io("write", path, e))
    }
}

/// Per user: migrated, tried with the right password, reset at the first
/// sign-in. Shared by the workers; saved in the checkpoint.
pub(super) struct Marks {
    pub(super) migrated: Bits,
    pub(super) right_attempted: Bits,
    pub(super) reset: Bits,
}

impl Marks {
    /// Clear marks, or the checkpoint's; a damaged checkpoint is refused
    /// before the legacy store is touched.
    pub(super) fn restore(
        users: u64,
        previous: Option<&Progress>,
        state_path: &Path,
    ) -> Result<Marks> {
        let m = Marks {
            migrated: Bits::new(users),
            right_attempted: Bits::new(users),
            reset: Bits::new(users),
        };
        if let Some(p) = previous
            && (!m.migrated.decode(&p.migrated)
                || !m.right_attempted.decode(&p.right_attempted)
                || (!p.reset.is_empty() && !m.reset.decode(&p.reset)))
        {
            return Err(Error::usage(format!(
                "--resume: {} is damaged",
                state_path.display()
            )));
        }
        Ok(m)
    }
}

pub(super) struct Bits(Vec<AtomicU64>);

impl Bits {
    pub(super) fn new(n: u64) -> Bits {
        Bits((0..n.div_ceil(64)).map(|_| AtomicU64::new(0)).collect())
    }
    /// Sets bit `i`; true when it was clear.
    pub(super) fn set(&self, i: u64) -> bool {
        let m = 1u64 << (i % 64);
        self.0[(i / 64) as usize].fetch_or(m, Ordering::Relaxed) & m == 0
    }
    pub(super) fn get(&self, i: u64) -> bool {
        self.0[(i / 64) as usize].load(Ordering::Relaxed) & (1u64 << (i % 64)) != 0
    }
    pub(super) fn count(&self) -> u64 {
        self.0
            .iter()
            .map(|w| w.load(Ordering::Relaxed).count_ones() as u64)
            .sum()
    }
    pub(super) fn encode(&self) -> String {
        let mut b = Vec::with_capacity(self.0.len() * 8);
        for w in &self.0 {
            b.extend_from_slice(&w.load(Ordering::Relaxed).to_le_bytes());
        }
        base64::engine::general_purpose::STANDARD.encode(b)
    }
    pub(super) fn decode(&self, s: &str) -> bool {
        let Ok(b) = base64::engine::general_purpose::STANDARD.decode(s) else {
            return false;
        };
        if b.len() != self.0.len() * 8 {
            return false;
        }
        for (i, c) in b.chunks(8).enumerate() {
            self.0[i].store(
                u64::from_le_bytes(c.try_into().expect("8 bytes")),
                Ordering::Relaxed,
            );
        }
        true
    }
}

pub(super) fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid bounds")
}

pub(super) fn hist_b64(h: &Histogram<u64>) -> String {
    latency_of(h).histogram
}

pub(super) fn merge_hist(into: &mut Histogram<u64>, from: &Option<Histogram<u64>>) {
    if let Some(h) = from {
        let _ = into.add(h);
    }
}
