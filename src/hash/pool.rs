//! A pool of real hashes of known passwords (mode `pool`), or the recipe for
//! per-user hashes (`real`) and look-alikes (`shape`). Pool entry k is a pure
//! function of (seed, format, parameters, k), so pools can be rebuilt or cached.

use super::{Encoded, HashFormat, HashMode, Params};
use crate::rng::{Rng, stream_key};
use rayon::prelude::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// Where pools are cached: `$XDG_CACHE_HOME/understudy`, else `~/.cache/understudy`.
pub fn cache_dir() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        Some(x) => PathBuf::from(x),
        None => PathBuf::from(std::env::var_os("HOME").filter(|v| !v.is_empty())?).join(".cache"),
    };
    Some(base.join("understudy"))
}

/// Cache file name (the file holds hashes and salts, never passwords, which are
/// recomputed from the seed): format name plus a digest of everything the entries depend on.
fn cache_file(label: &str, size: usize, seed: u64) -> String {
    // `passwords-by-format`: entries made when plaintexts still depended on
    // the parameters are not reused.
    let id = format!(
        "{}|passwords-by-format|{label}|{size}|{seed}",
        env!("CARGO_PKG_VERSION")
    );
    let format = label.split(':').nth(1).unwrap_or("pool");
    format!(
        "pool-{format}-{:016x}.json",
        xxhash_rust::xxh3::xxh3_64(id.as_bytes())
    )
}

fn load(
    path: &Path,
    pool: &Pool,
    label: &str,
    size: usize,
    seed: u64,
) -> Option<Vec<(String, Encoded)>> {
    let v: Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    let same = v["version"] == env!("CARGO_PKG_VERSION")
        && v["label"] == label
        && v["size"] == size
        && v["seed"] == seed;
    if !same {
        return None;
    }
    let entries: Vec<(String, Encoded)> = v["entries"]
        .as_array()?
        .iter()
        .enumerate()
        .map(|(k, e)| {
            // Passwords are not stored: they are recomputed from the pool's key.
            Some((
                pool.password_for(k as u64),
                Encoded {
                    hash: e[0].as_str()?.to_string(),
                    salt: e[1].as_str().map(str::to_string),
                },
            ))
        })
        .collect::<Option<_>>()?;
    if entries.len() != size {
        return None;
    }
    // A spot check that the file is what it claims: entry 0 is recomputed exactly.
    if let Some((p, h)) = entries.first() {
        let again = pool
            .format
            .hash(
                p.as_bytes(),
                &pool.params,
                &mut Rng::at(pool.key ^ 0x5a17, 0),
            )
            .ok()?;
        if again != *h {
            return None;
        }
    }
    Some(entries)
}

fn save(path: &Path, pool: &Pool, label: &str, size: usize, seed: u64) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let entries: Vec<Value> = pool
        .entries
        .iter()
        .map(|(_, h)| json!([h.hash, h.salt]))
        .collect();
    let v = json!({
        "version": env!("CARGO_PKG_VERSION"),
        "format": pool.format.name(),
        "label": label,
        "size": size,
        "seed": seed,
        "entries": entries,
    });
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("pool"),
        std::process::id()
    ));
    std::fs::write(&tmp, serde_json::to_vec(&v).map_err(std::io::Error::other)?)?;
    std::fs::rename(&tmp, path)
}

pub struct Pool {
    pub format: &'static dyn HashFormat,
    pub params: Params,
    pub mode: HashMode,
    key: u64,
    password_key: u64,
    entries: Vec<(String, Encoded)>,
}

impl Pool {
    /// Builds the pool (in parallel, on the current rayon pool) when `mode` is `Pool`.
    /// With `cache`, a pool saved earlier under the same format, parameters, size
    /// and seed is loaded instead (and a new one saved): see [`cache_dir`].
    pub fn build(
        format: &'static dyn HashFormat,
        params: Params,
        mode: HashMode,
        size: usize,
        seed: u64,
        cache: bool,
    ) -> Result<Pool, String> {
        let label = format!(
            "pool:{}:{}",
            format.name(),
            params
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        // Plaintexts depend on the format only, never on its parameters: a
        // light-cost run (or a profile that raises a cost) keeps every user's
        // password; the salts, keyed by the full label, still differ.
        let password_key = stream_key(seed, &format!("pool-passwords:{}", format.name()));
        let mut pool = Pool {
            format,
            params,
            mode,
            key: stream_key(seed, &label),
            password_key,
            entries: Vec::new(),
        };
        if mode != HashMode::Pool {
            return Ok(pool);
        }
        let path = cache
            .then(|| cache_dir().map(|d| d.join(cache_file(&label, size, seed))))
            .flatten();
        if let Some(entries) = path
            .as_deref()
            .and_then(|p| load(p, &pool, &label, size, seed))
        {
            pool.entries = entries;
            return Ok(pool);
        }
        pool.entries = (0..size as u64)
            .into_par_iter()
            .map(|k| {
                let password = pool.password_for(k);
                let mut rng = Rng::at(pool.key ^ 0x5a17, k);
                format
                    .hash(password.as_bytes(), &pool.params, &mut rng)
                    .map(|h| (password, h))
            })
            .collect::<Result<_, _>>()?;
        if let Some(p) = &path {
            // Best effort: a cache that cannot be written only costs time next run.
            let _ = save(p, &pool, &label, size, seed);
        }
        Ok(pool)
    }

    fn password_for(&self, k: u64) -> String {
        let mut s = String::new();
        crate::hash::plaintext::make(&mut Rng::at(self.password_key, k), &mut s);
        s
    }

    /// The password and hash of user `index` (`user_key` is the user's own
    /// stream key, so shape/real users differ per user).
    pub fn for_user(&self, rng: &mut Rng, password: &mut String) -> Encoded {
        match self.mode {
            HashMode::Pool => self.pooled(rng, password).clone(),
            HashMode::Shape => {
                crate::hash::plaintext::make(rng, password);
                self.format.shape(&self.params, rng)
            }
            HashMode::Real => {
                crate::hash::plaintext::make(rng, password);
                // Parameters were checked when the profile loaded.
                self.format
                    .hash(password.as_bytes(), &self.params, rng)
                    .unwrap_or_else(|e| Encoded::new(format!("!error: {e}")))
            }
        }
    }

    /// Pool mode's draw, borrowed: no copy on the per-user hot path.
    pub fn pooled(&self, rng: &mut Rng, password: &mut String) -> &Encoded {
        let (p, h) = &self.entries[rng.below(self.entries.len() as u64) as usize];
        password.push_str(p);
        h
    }

    /// The hash of a fixed password (edge cases): real unless in shape mode.
    pub fn hash_known(&self, password: &str, salt_index: u64) -> Encoded {
        let mut rng = Rng::at(self.key ^ 0xed6e, salt_index);
        match self.mode {
            HashMode::Shape => self.format.shape(&self.params, &mut rng),
            _ => self
                .format
                .hash(password.as_bytes(), &self.params, &mut rng)
                .unwrap_or_else(|_| self.format.shape(&self.params, &mut rng)),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_pool_equals_fresh_pool() {
        let dir = tempfile::tempdir().unwrap();
        // SAFETY of the test: only this test reads XDG_CACHE_HOME in this process's tests.
        unsafe { std::env::set_var("XDG_CACHE_HOME", dir.path()) };
        let f = super::super::lookup("sha256-crypt").unwrap();
        let params = f.light_params();
        let fresh = Pool::build(f, params.clone(), HashMode::Pool, 8, 5, false).unwrap();
        let saved = Pool::build(f, params.clone(), HashMode::Pool, 8, 5, true).unwrap();
        let files: Vec<_> = std::fs::read_dir(dir.path().join("understudy"))
            .unwrap()
            .collect();
        assert_eq!(files.len(), 1);
        let loaded = Pool::build(f, params, HashMode::Pool, 8, 5, true).unwrap();
        assert_eq!(fresh.entries, saved.entries);
        assert_eq!(fresh.entries, loaded.entries);
    }
}
