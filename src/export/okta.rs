//! Okta Users API, "create user with imported hashed password" (docs/export.md
//! § Okta): one `POST /api/v1/users?activate=false` body per line (NDJSON).
//! BCRYPT split into workFactor/salt/value; SHA-512/SHA-256/SHA-1/MD5 as
//! base64 of the raw digest with base64 salt and saltOrder; PBKDF2 with
//! SHA256_HMAC or SHA512_HMAC. The rehearsal's Okta loader sends these bodies.

use super::{Accepted, Exporter, GroupFiles, Layout, Provider, User};
use crate::hash::Parts;
use crate::hash::alg::Alg;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

pub struct Okta;

fn digest_name(a: Alg) -> &'static str {
    match a {
        Alg::Md5 => "MD5",
        Alg::Sha1 => "SHA-1",
        Alg::Sha256 => "SHA-256",
        Alg::Sha512 => "SHA-512",
    }
}

/// The `credentials.password.hash` object.
pub fn hash(a: &Accepted) -> Value {
    match &a.parts {
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
            let mut o = json!({"algorithm": digest_name(*alg), "value": STANDARD.encode(value)});
            if !salt.is_empty() {
                o["salt"] = json!(STANDARD.encode(salt));
                o["saltOrder"] = json!(if *salt_first { "PREFIX" } else { "POSTFIX" });
            }
            o
        }
        Parts::Pbkdf2 {
            alg,
            iterations,
            salt,
            value,
        } => {
            let digest = if *alg == Alg::Sha512 {
                "SHA512_HMAC"
            } else {
                "SHA256_HMAC"
            };
            json!({"algorithm": "PBKDF2", "digestAlgorithm": digest, "iterationCount": iterations,
                   "keySize": value.len(), "salt": STANDARD.encode(salt), "value": STANDARD.encode(value)})
        }
        // The rules send Okta none of these.
        Parts::Argon2 { .. } | Parts::Scrypt { .. } | Parts::FirebaseScrypt { .. } => Value::Null,
    }
}

/// The create-user body.
pub fn user(u: &User, a: Option<&Accepted>) -> Value {
    let login = u.email.unwrap_or_default();
    let mut body = json!({"profile": {
        "login": login,
        "email": login,
        "firstName": u.first_name,
        "lastName": u.last_name,
    }});
    if let Some(p) = u.phone {
        body["profile"]["mobilePhone"] = json!(p);
    }
    if let Some(a) = a {
        body["credentials"] = json!({"password": {"hash": hash(a)}});
    }
    body
}

impl Exporter for Okta {
    fn provider(&self) -> Provider {
        Provider::Okta
    }
    fn layout(&self) -> Layout {
        Layout::NDJSON
    }
    fn record(&self, u: &User, a: Option<&Accepted>) -> Vec<u8> {
        user(u, a).to_string().into_bytes()
    }
    fn commands(&self, groups: &[GroupFiles]) -> String {
        super::script(
            "#!/bin/sh\n# Okta: one create-user request per line (staged: activate=false).\n# Needs OKTA_ORG (https://…okta.com) and OKTA_TOKEN (SSWS API token). Mind the rate limit.\nset -eu\n",
            groups,
            |_, f| {
                format!(
                    "while IFS= read -r body; do\n  printf '%s' \"$body\" | curl -sS --fail -X POST \"$OKTA_ORG/api/v1/users?activate=false\" -H \"Authorization: SSWS $OKTA_TOKEN\" -H 'Content-Type: application/json' -H 'Accept: application/json' --data-binary @- >/dev/null\ndone < {f}\n"
                )
            },
        )
    }
}
