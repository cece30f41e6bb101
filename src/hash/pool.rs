//! A pool of real hashes of known passwords (mode `pool`), or the recipe for
//! per-user hashes (`real`) and look-alikes (`shape`). Pool entry k is a pure
//! function of (seed, format, parameters, k), so pools can be rebuilt or cached.

use super::{Encoded, HashFormat, HashMode, Params};
use crate::generator::rng::{Rng, stream_key};
use rayon::prelude::*;

pub struct Pool {
    pub format: &'static dyn HashFormat,
    pub params: Params,
    pub mode: HashMode,
    key: u64,
    entries: Vec<(String, Encoded)>,
}

impl Pool {
    /// Builds the pool (in parallel, on the current rayon pool) when `mode` is `Pool`.
    pub fn build(
        format: &'static dyn HashFormat,
        params: Params,
        mode: HashMode,
        size: usize,
        seed: u64,
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
        let key = stream_key(seed, &label);
        let mut pool = Pool {
            format,
            params,
            mode,
            key,
            entries: Vec::new(),
        };
        if mode == HashMode::Pool {
            pool.entries = (0..size as u64)
                .into_par_iter()
                .map(|k| {
                    let password = pool.password_for(k);
                    let mut rng = Rng::at(key ^ 0x5a17, k);
                    format
                        .hash(password.as_bytes(), &pool.params, &mut rng)
                        .map(|h| (password, h))
                })
                .collect::<Result<_, _>>()?;
        }
        Ok(pool)
    }

    fn password_for(&self, k: u64) -> String {
        let mut s = String::new();
        crate::generator::password::make(&mut Rng::at(self.key, k), &mut s);
        s
    }

    /// The password and hash of user `index` (`user_key` is the user's own
    /// stream key, so shape/real users differ per user).
    pub fn for_user(&self, rng: &mut Rng, password: &mut String) -> Encoded {
        match self.mode {
            HashMode::Pool => {
                let (p, h) = &self.entries[rng.below(self.entries.len() as u64) as usize];
                password.push_str(p);
                h.clone()
            }
            HashMode::Shape => {
                crate::generator::password::make(rng, password);
                self.format.shape(&self.params, rng)
            }
            HashMode::Real => {
                crate::generator::password::make(rng, password);
                // Parameters were checked when the profile loaded.
                self.format
                    .hash(password.as_bytes(), &self.params, rng)
                    .unwrap_or_else(|e| Encoded::new(format!("!error: {e}")))
            }
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
