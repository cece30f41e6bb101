//! Okta Users API, "create user with imported hashed password" (§2.2):
//! BCRYPT split into workFactor/salt/value; SHA-512/SHA-256/SHA-1/MD5 as
//! base64 of the raw digest with base64 salt and saltOrder; PBKDF2 with
//! SHA256_HMAC or SHA512_HMAC. Everything else migrates just in time (Okta's
//! password import inline hook).

use super::{ApiUser, JitOnly};
use crate::hash::Parts;
use crate::hash::alg::Alg;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

fn digest_name(a: Alg) -> &'static str {
    match a {
        Alg::Md5 => "MD5",
        Alg::Sha1 => "SHA-1",
        Alg::Sha256 => "SHA-256",
        Alg::Sha512 => "SHA-512",
    }
}

/// The `credentials.password.hash` object.
pub fn hash(h: &super::UserHash) -> Result<Value, JitOnly> {
    let jit = JitOnly {
        format: h.format.name(),
    };
    Ok(match super::parts(h)? {
        // No field for the minor letter: 2a, 2b and 2y are one algorithm.
        Parts::Bcrypt {
            cost,
            salt,
            checksum,
            ..
        } => json!({"algorithm": "BCRYPT", "workFactor": cost, "salt": salt, "value": checksum}),
        Parts::Digest {
            alg,
            salt,
            salt_first,
            value,
        } => {
            let mut o = json!({"algorithm": digest_name(alg), "value": STANDARD.encode(value)});
            if !salt.is_empty() {
                o["salt"] = json!(STANDARD.encode(salt));
                o["saltOrder"] = json!(if salt_first { "PREFIX" } else { "POSTFIX" });
            }
            o
        }
        Parts::Pbkdf2 {
            alg,
            iterations,
            salt,
            value,
        } => {
            let digest = match alg {
                Alg::Sha256 => "SHA256_HMAC",
                Alg::Sha512 => "SHA512_HMAC",
                _ => return Err(jit),
            };
            json!({"algorithm": "PBKDF2", "digestAlgorithm": digest, "iterationCount": iterations,
                   "keySize": value.len(), "salt": STANDARD.encode(salt), "value": STANDARD.encode(value)})
        }
        Parts::Argon2 { .. } | Parts::Scrypt { .. } => return Err(jit),
    })
}

/// `POST /api/v1/users?activate=false` body.
pub fn user(u: &ApiUser) -> Result<Value, JitOnly> {
    let login = u.email.unwrap_or_default();
    let mut body = json!({"profile": {
        "login": login,
        "email": login,
        "firstName": u.first_name,
        "lastName": u.last_name,
    }});
    if let Some(h) = &u.hash {
        body["credentials"] = json!({"password": {"hash": hash(h)?}});
    }
    Ok(body)
}
