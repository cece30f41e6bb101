//! Clerk Backend API `POST /v1/users` (docs/export.md § Clerk): one body per
//! line (NDJSON), the hash as `password_digest` in the string form its
//! `password_hasher` documents; TOTP secrets and backup codes when the
//! profile has them.

use super::{Accepted, Exporter, GroupFiles, Layout, Provider, User};
use crate::hash::Parts;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

pub struct Clerk;

/// `(password_hasher, password_digest)`.
pub fn digest(a: &Accepted) -> (&'static str, String) {
    let b = |v: &[u8]| STANDARD.encode(v);
    let Some(parts) = &a.parts else {
        // A rule taking the string as stored (rules::Limit::AsStored):
        // bcrypt_sha256_django, phpass.
        return (a.algorithm, a.encoded.clone());
    };
    match (parts, a.algorithm) {
        (Parts::Bcrypt { encoded, .. }, "bcrypt") => ("bcrypt", encoded.clone()),
        (Parts::Argon2 { phc }, _) => (
            if phc.starts_with("$argon2i$") {
                "argon2i"
            } else {
                "argon2id"
            },
            phc.clone(),
        ),
        (
            Parts::Pbkdf2 {
                iterations,
                salt,
                value,
                ..
            },
            "pbkdf2_sha1",
        ) => (
            "pbkdf2_sha1",
            format!(
                "pbkdf2_sha1${iterations}${}${}",
                String::from_utf8_lossy(salt),
                crate::util::hex(value)
            ),
        ),
        (
            Parts::Pbkdf2 {
                iterations,
                salt,
                value,
                ..
            },
            "pbkdf2_sha256",
        ) => (
            "pbkdf2_sha256",
            format!("pbkdf2_sha256${iterations}${}${}", b(salt), b(value)),
        ),
        (
            Parts::FirebaseScrypt {
                salt,
                value,
                signer_key,
                salt_separator,
                rounds,
                mem_cost,
            },
            _,
        ) => (
            "scrypt_firebase",
            format!(
                "{}${}${}${}${rounds}${mem_cost}",
                b(value),
                b(salt),
                b(signer_key),
                b(salt_separator)
            ),
        ),
        // The rest go as the legacy string: bcrypt_sha256_django,
        // pbkdf2_sha256_django, phpass, md5, sha256, ldap_ssha.
        (_, alg) => (alg, a.encoded.clone()),
    }
}

/// The create-user body.
pub fn user(u: &User, a: Option<&Accepted>) -> Value {
    let mut rec = json!({});
    if let Some(k) = u.key {
        rec["external_id"] = json!(k);
    }
    if let Some(e) = u.email {
        rec["email_address"] = json!([e]);
    }
    if let Some(f) = u.first_name {
        rec["first_name"] = json!(f);
    }
    if let Some(l) = u.last_name {
        rec["last_name"] = json!(l);
    }
    if let Some(a) = a {
        let (hasher, digest) = digest(a);
        rec["password_hasher"] = json!(hasher);
        rec["password_digest"] = json!(digest);
        rec["skip_password_checks"] = json!(true);
    } else {
        rec["skip_password_requirement"] = json!(true);
    }
    if let Some(t) = &u.identity.totp_secret {
        rec["totp_secret"] = json!(t);
    }
    if !u.identity.backup_codes.is_empty() {
        rec["backup_codes"] = json!(u.identity.backup_codes);
    }
    if let Some(t) = u.created_at {
        rec["created_at"] = json!(t);
    }
    rec
}

impl Exporter for Clerk {
    fn provider(&self) -> Provider {
        Provider::Clerk
    }
    fn layout(&self) -> Layout {
        Layout::NDJSON
    }
    fn record(&self, u: &User, a: Option<&Accepted>) -> Vec<u8> {
        user(u, a).to_string().into_bytes()
    }
    fn commands(&self, groups: &[GroupFiles]) -> String {
        super::script(
            "#!/bin/sh\n# Clerk: one create-user request per line (1,000 requests per 10 s in production).\n# Needs CLERK_SECRET_KEY.\nset -eu\n",
            groups,
            |_, f| {
                format!(
                    "while IFS= read -r body; do\n  printf '%s' \"$body\" | curl -sS --fail -X POST https://api.clerk.com/v1/users -H \"Authorization: Bearer $CLERK_SECRET_KEY\" -H 'Content-Type: application/json' --data-binary @- >/dev/null\ndone < {f}\n"
                )
            },
        )
    }
}
