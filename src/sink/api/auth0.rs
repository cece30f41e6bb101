//! Auth0 bulk user import records (§2.1): bcrypt as `password_hash`; the other
//! importable formats as `custom_password_hash` (md5/sha* hex with a base64
//! salt and its position, PBKDF2 as a PHC string, argon2 PHC, scrypt with its
//! cost parameters). crypt(3), phpass and the rest migrate just in time.

use super::{ApiUser, JitOnly};
use crate::hash::Parts;
use crate::hash::alg::Alg;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use serde_json::{Value, json};

fn digest_name(a: Alg) -> &'static str {
    match a {
        Alg::Md5 => "md5",
        Alg::Sha1 => "sha1",
        Alg::Sha256 => "sha256",
        Alg::Sha512 => "sha512",
    }
}

fn salt(salt: &[u8], position: &str) -> Value {
    json!({"value": STANDARD.encode(salt), "encoding": "base64", "position": position})
}

/// The record's hash fields: `("password_hash", "$2b$…")` or
/// `("custom_password_hash", {…})`.
pub fn hash(h: &super::UserHash) -> Result<(&'static str, Value), JitOnly> {
    Ok(match super::parts(h)? {
        Parts::Bcrypt { encoded, .. } => ("password_hash", json!(encoded)),
        Parts::Digest {
            alg,
            salt: s,
            salt_first,
            value,
        } => {
            let mut o = json!({"algorithm": digest_name(alg), "hash": {"value": crate::util::hex(&value), "encoding": "hex"}});
            if !s.is_empty() {
                o["salt"] = salt(&s, if salt_first { "prefix" } else { "suffix" });
            }
            ("custom_password_hash", o)
        }
        Parts::Pbkdf2 {
            alg,
            iterations,
            salt,
            value,
        } => {
            let phc = format!(
                "$pbkdf2-{}$i={iterations},l={}${}${}",
                digest_name(alg),
                value.len(),
                STANDARD_NO_PAD.encode(salt),
                STANDARD_NO_PAD.encode(&value)
            );
            (
                "custom_password_hash",
                json!({"algorithm": "pbkdf2", "hash": {"value": phc, "encoding": "utf8"}}),
            )
        }
        Parts::Argon2 { phc } => (
            "custom_password_hash",
            json!({"algorithm": "argon2", "hash": {"value": phc, "encoding": "utf8"}}),
        ),
        Parts::Scrypt {
            ln,
            r,
            p,
            salt: s,
            value,
        } => (
            "custom_password_hash",
            json!({"algorithm": "scrypt", "hash": {"value": crate::util::hex(&value), "encoding": "hex"},
                   "salt": salt(&s, "prefix"), "keylen": value.len(), "cost": 1u64 << ln,
                   "blockSize": r, "parallelization": p}),
        ),
    })
}

/// One record of a `users` import file.
pub fn user(u: &ApiUser) -> Result<Value, JitOnly> {
    let mut rec = json!({"email": u.email.unwrap_or_default(), "email_verified": false});
    if let Some(g) = u.first_name {
        rec["given_name"] = json!(g);
    }
    if let Some(f) = u.last_name {
        rec["family_name"] = json!(f);
    }
    if let Some(h) = &u.hash {
        let (field, value) = hash(h)?;
        rec[field] = value;
    }
    Ok(rec)
}
