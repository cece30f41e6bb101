//! bcrypt `$2b$` (libxcrypt/OpenBSD). 60 characters:
//! `$2b$` + 2-digit cost + `$` + 22-char salt + 31-char checksum, bcrypt base64.
//! Passwords longer than 72 bytes are truncated, as every real producer does.

use super::{Encoded, HashFormat, Params, only_keys, param_u32};
use crate::generator::rng::Rng;
use base64::Engine;
use base64::engine::{GeneralPurpose, GeneralPurposeConfig};

pub const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::BCRYPT,
    GeneralPurposeConfig::new().with_encode_padding(false),
);

pub struct Bcrypt;

fn cost(params: &Params) -> u32 {
    param_u32(params, "cost", 4..=31)
        .ok()
        .flatten()
        .unwrap_or(10)
}

impl HashFormat for Bcrypt {
    fn name(&self) -> &'static str {
        "bcrypt"
    }

    fn default_params(&self) -> Params {
        vec![("cost".into(), "10".into())]
    }

    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        only_keys(params, &["cost"], "bcrypt")?;
        param_u32(params, "cost", 4..=31).map(|_| ())
    }

    fn hash(&self, password: &[u8], params: &Params, rng: &mut Rng) -> Result<Encoded, String> {
        let mut salt = [0u8; 16];
        rng.fill(&mut salt);
        let parts =
            bcrypt::hash_with_salt(password, cost(params), salt).map_err(|e| e.to_string())?;
        Ok(Encoded::new(
            parts.format_for_version(bcrypt::Version::TwoB),
        ))
    }

    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        bcrypt::verify(password, &encoded.hash).map_err(|e| e.to_string())
    }

    fn identify(&self, encoded: &str) -> Option<Params> {
        let rest = encoded.strip_prefix("$2b$")?;
        let (c, body) = rest.split_once('$')?;
        let ok = c.len() == 2
            && c.bytes().all(|b| b.is_ascii_digit())
            && body.len() == 53
            && body
                .bytes()
                .all(|b| b == b'.' || b == b'/' || b.is_ascii_alphanumeric());
        ok.then(|| vec![("cost".into(), c.trim_start_matches('0').to_string())])
    }

    fn shape(&self, params: &Params, rng: &mut Rng) -> Encoded {
        let mut salt = [0u8; 16];
        let mut sum = [0u8; 23];
        rng.fill(&mut salt);
        rng.fill(&mut sum);
        Encoded::new(format!(
            "$2b${:02}${}{}",
            cost(params),
            B64.encode(salt),
            B64.encode(sum)
        ))
    }
}
