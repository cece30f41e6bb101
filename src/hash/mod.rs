//! Password-hash formats (contract 4): one file per family, one registry.
//!
//! Every format can `hash` (a real hash, verifiable by mainstream
//! implementations), `verify`, `identify` an encoded string, and produce a
//! `shape`: format-exact random bytes that do not verify, for size and parsing
//! tests only. How hashes reach users is the `HashMode`.

mod argon2;
mod bcrypt;
pub mod pool;

use crate::generator::rng::Rng;
use std::fmt;
use std::str::FromStr;

pub use pool::Pool;

/// Parameters as `(name, value)` pairs, e.g. `[("cost", "10")]`.
pub type Params = Vec<(String, String)>;

/// An encoded hash; `salt` is set for formats that keep the salt in its own column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub hash: String,
    pub salt: Option<String>,
}

impl Encoded {
    pub fn new(hash: String) -> Encoded {
        Encoded { hash, salt: None }
    }
}

pub trait HashFormat: Send + Sync {
    fn name(&self) -> &'static str;
    /// Default parameters, as real producers write them.
    fn default_params(&self) -> Params;
    /// Refuses unknown or out-of-range parameters with a message saying what is valid.
    fn check_params(&self, params: &[(String, String)]) -> Result<(), String>;
    /// A real hash of `password` (salt drawn from `rng`).
    fn hash(&self, password: &[u8], params: &Params, rng: &mut Rng) -> Result<Encoded, String>;
    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String>;
    /// The parameters if `encoded` is this format, else `None`.
    fn identify(&self, encoded: &str) -> Option<Params>;
    /// Format-exact random bytes: right prefix, parameters, lengths, alphabet.
    fn shape(&self, params: &Params, rng: &mut Rng) -> Encoded;
}

/// The registry: adding a format is one file and one line here.
static FORMATS: &[&dyn HashFormat] = &[&bcrypt::Bcrypt, &argon2::Argon2Fmt::ID];

pub fn all() -> &'static [&'static dyn HashFormat] {
    FORMATS
}

pub fn names() -> Vec<&'static str> {
    FORMATS.iter().map(|f| f.name()).collect()
}

pub fn lookup(name: &str) -> Option<&'static dyn HashFormat> {
    FORMATS.iter().copied().find(|f| f.name() == name)
}

/// The first format that recognises `encoded`.
pub fn identify(encoded: &str) -> Option<(&'static dyn HashFormat, Params)> {
    FORMATS
        .iter()
        .find_map(|f| f.identify(encoded).map(|p| (*f, p)))
}

/// How users get their hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HashMode {
    /// A fresh hash per user at the profile's cost.
    Real,
    /// Users draw from a pool of real hashes of known passwords: all verify,
    /// the cost is the pool's, not N hashes.
    Pool,
    /// Format-exact random bytes that do not verify.
    Shape,
}

impl FromStr for HashMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "real" => Ok(HashMode::Real),
            "pool" => Ok(HashMode::Pool),
            "shape" => Ok(HashMode::Shape),
            o => Err(format!("unknown hash mode `{o}`: use real, pool or shape")),
        }
    }
}

impl fmt::Display for HashMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HashMode::Real => "real",
            HashMode::Pool => "pool",
            HashMode::Shape => "shape",
        })
    }
}

/// Defaults overlaid with `given`.
pub fn merged(format: &dyn HashFormat, given: &[(String, String)]) -> Params {
    let mut p = format.default_params();
    for (k, v) in given {
        match p.iter_mut().find(|(pk, _)| pk == k) {
            Some(slot) => slot.1 = v.clone(),
            None => p.push((k.clone(), v.clone())),
        }
    }
    p
}

/// Helpers for formats' parameter handling.
pub(crate) fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

pub(crate) fn param_u32(
    params: &[(String, String)],
    key: &str,
    range: std::ops::RangeInclusive<u32>,
) -> Result<Option<u32>, String> {
    match param(params, key) {
        None => Ok(None),
        Some(v) => match v.parse::<u32>() {
            Ok(n) if range.contains(&n) => Ok(Some(n)),
            _ => Err(format!(
                "`{key}` = {v} is invalid: expected an integer in {}..={}",
                range.start(),
                range.end()
            )),
        },
    }
}

pub(crate) fn only_keys(
    params: &[(String, String)],
    allowed: &[&str],
    format: &str,
) -> Result<(), String> {
    for (k, _) in params {
        if !allowed.contains(&k.as_str()) {
            let hint = crate::util::did_you_mean(k, allowed.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            return Err(format!(
                "unknown parameter `{k}` for {format}{hint}; valid: {}",
                allowed.join(", ")
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_round_trips_identifies_and_shapes() {
        for f in all() {
            // The smallest work factors keep this quick; formats and encodings are unchanged.
            let light: Params = merged(*f, &[])
                .into_iter()
                .map(|(k, v)| match k.as_str() {
                    "cost" => (k, "4".into()),
                    "m" => (k, "1024".into()),
                    "t" => (k, "1".into()),
                    _ => (k, v),
                })
                .collect();
            let mut rng = Rng::at(1, 2);
            let e = f.hash(b"correct horse", &light, &mut rng).unwrap();
            assert!(f.verify(b"correct horse", &e).unwrap(), "{}", f.name());
            assert!(!f.verify(b"wrong horse", &e).unwrap(), "{}", f.name());
            assert_eq!(identify(&e.hash).map(|(g, _)| g.name()), Some(f.name()));
            let s = f.shape(&light, &mut rng);
            assert_eq!(s.hash.len(), e.hash.len(), "{} vs {}", s.hash, e.hash);
            assert_eq!(
                identify(&s.hash).map(|(g, _)| g.name()),
                Some(f.name()),
                "{}",
                s.hash
            );
            assert!(!f.verify(b"correct horse", &s).unwrap_or(false));
        }
    }
}
