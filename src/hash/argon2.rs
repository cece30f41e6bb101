//! Argon2 PHC strings: `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>`
//! (standard base64 without padding). Defaults m=19456, t=2, p=1: the OWASP
//! recommendation, RustCrypto's and many current frameworks' default.

use super::{Encoded, HashFormat, Params, only_keys, param_u32};
use crate::generator::rng::Rng;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;

pub struct Argon2Fmt {
    name: &'static str,
    algorithm: argon2::Algorithm,
}

impl Argon2Fmt {
    pub const ID: Argon2Fmt = Argon2Fmt {
        name: "argon2id",
        algorithm: argon2::Algorithm::Argon2id,
    };

    fn ident(&self) -> &'static str {
        match self.algorithm {
            argon2::Algorithm::Argon2d => "argon2d",
            argon2::Algorithm::Argon2i => "argon2i",
            _ => "argon2id",
        }
    }
}

struct Cost {
    m: u32,
    t: u32,
    p: u32,
}

fn cost(params: &Params) -> Result<Cost, String> {
    Ok(Cost {
        m: param_u32(params, "m", 8..=4_194_304)?.unwrap_or(19_456),
        t: param_u32(params, "t", 1..=1000)?.unwrap_or(2),
        p: param_u32(params, "p", 1..=255)?.unwrap_or(1),
    })
}

impl HashFormat for Argon2Fmt {
    fn name(&self) -> &'static str {
        self.name
    }

    fn default_params(&self) -> Params {
        vec![
            ("m".into(), "19456".into()),
            ("t".into(), "2".into()),
            ("p".into(), "1".into()),
        ]
    }

    fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        only_keys(params, &["m", "t", "p"], self.name)?;
        let c = cost(&params.to_vec())?;
        if c.m < 8 * c.p {
            return Err(format!(
                "m = {} is impossible with p = {}: argon2 needs m ≥ 8·p",
                c.m, c.p
            ));
        }
        Ok(())
    }

    fn hash(&self, password: &[u8], params: &Params, rng: &mut Rng) -> Result<Encoded, String> {
        let c = cost(params)?;
        let p = argon2::Params::new(c.m, c.t, c.p, Some(32)).map_err(|e| e.to_string())?;
        let hasher = argon2::Argon2::new(self.algorithm, argon2::Version::V0x13, p);
        let mut salt = [0u8; 16];
        rng.fill(&mut salt);
        let h = hasher
            .hash_password_with_salt(password, &salt)
            .map_err(|e| e.to_string())?;
        Ok(Encoded::new(h.to_string()))
    }

    fn verify(&self, password: &[u8], encoded: &Encoded) -> Result<bool, String> {
        let parsed = argon2::PasswordHash::new(&encoded.hash).map_err(|e| e.to_string())?;
        Ok(argon2::Argon2::default()
            .verify_password(password, &parsed)
            .is_ok())
    }

    fn identify(&self, encoded: &str) -> Option<Params> {
        let rest = encoded
            .strip_prefix('$')?
            .strip_prefix(self.ident())?
            .strip_prefix("$v=19$")?;
        let mut parts = rest.split('$');
        let (ps, salt, hash) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || salt.is_empty() || hash.is_empty() {
            return None;
        }
        let mut out = Params::new();
        for (kv, want) in ps.split(',').zip(["m", "t", "p"]) {
            let (k, v) = kv.split_once('=')?;
            if k != want || v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            out.push((k.into(), v.into()));
        }
        (out.len() == 3).then_some(out)
    }

    fn shape(&self, params: &Params, rng: &mut Rng) -> Encoded {
        let c = cost(params).unwrap_or(Cost {
            m: 19_456,
            t: 2,
            p: 1,
        });
        let mut salt = [0u8; 16];
        let mut hash = [0u8; 32];
        rng.fill(&mut salt);
        rng.fill(&mut hash);
        Encoded::new(format!(
            "${}$v=19$m={},t={},p={}${}${}",
            self.ident(),
            c.m,
            c.t,
            c.p,
            STANDARD_NO_PAD.encode(salt),
            STANDARD_NO_PAD.encode(hash)
        ))
    }
}
