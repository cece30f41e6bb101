//! Firebase `auth:import` (docs/export.md § Firebase): `{"users": [...]}`
//! JSON, one file per algorithm and parameter set (the CLI takes one
//! `--hash-algo` per import), with the exact command line for each in
//! `import.sh`. Hashes and salts are standard base64 of the raw bytes; a
//! bcrypt hash is the base64 of its string.

use super::{Accepted, Exporter, GroupFiles, Layout, Provider, User};
use crate::hash::Parts;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

pub struct Firebase;

/// `passwordHash` and `salt` (base64), as the import takes them.
pub fn hash_fields(a: &Accepted) -> (String, Option<String>) {
    let b = |v: &[u8]| STANDARD.encode(v);
    let Some(parts) = &a.parts else {
        return (b(a.encoded.as_bytes()), None);
    };
    match parts {
        Parts::Bcrypt { encoded, .. } => (b(encoded.as_bytes()), None),
        Parts::FirebaseScrypt { salt, value, .. }
        | Parts::Scrypt { salt, value, .. }
        | Parts::Pbkdf2 { salt, value, .. }
        | Parts::Digest { salt, value, .. } => (b(value), (!salt.is_empty()).then(|| b(salt))),
        Parts::Argon2 { .. } => (String::new(), None),
    }
}

/// The `auth:import` flags for a group's users (all share them).
pub fn flags(a: &Accepted) -> String {
    let b = |v: &[u8]| STANDARD.encode(v);
    let Some(parts) = &a.parts else {
        return format!("--hash-algo={}", a.algorithm);
    };
    match parts {
        Parts::Bcrypt { .. } => "--hash-algo=BCRYPT".into(),
        Parts::FirebaseScrypt {
            signer_key,
            salt_separator,
            rounds,
            mem_cost,
            ..
        } => format!(
            "--hash-algo=SCRYPT --hash-key={} --salt-separator={} --rounds={rounds} --mem-cost={mem_cost}",
            b(signer_key),
            b(salt_separator)
        ),
        Parts::Scrypt {
            ln, r, p, value, ..
        } => format!(
            "--hash-algo=STANDARD_SCRYPT --mem-cost={} --block-size={r} --parallelization={p} --dk-len={}",
            1u64 << ln,
            value.len()
        ),
        Parts::Pbkdf2 { iterations, .. } => {
            format!("--hash-algo={} --rounds={iterations}", a.algorithm)
        }
        Parts::Digest {
            alg,
            salt,
            salt_first,
            ..
        } => {
            let mut s = format!(
                "--hash-algo={} --rounds=1",
                super::rules::firebase_digest(*alg)
            );
            if !salt.is_empty() {
                s.push_str(if *salt_first {
                    " --hash-input-order=SALT_FIRST"
                } else {
                    " --hash-input-order=PASSWORD_FIRST"
                });
            }
            s
        }
        Parts::Argon2 { .. } => String::new(),
    }
}

/// One entry of `users`.
pub fn user(u: &User, a: Option<&Accepted>) -> Value {
    let mut rec = json!({"localId": u.key.unwrap_or_default()});
    if let Some(e) = u.email {
        rec["email"] = json!(e);
    }
    rec["emailVerified"] = json!(u.email_verified.unwrap_or(false));
    if let Some(a) = a {
        let (hash, salt) = hash_fields(a);
        rec["passwordHash"] = json!(hash);
        if let Some(s) = salt {
            rec["salt"] = json!(s);
        }
    }
    if let Some(n) = u.display_name() {
        rec["displayName"] = json!(n);
    }
    if let Some(t) = u.created_at.and_then(crate::time::parse) {
        rec["createdAt"] = json!((t * 1000).to_string());
    }
    if let Some(p) = u.phone.filter(|p| super::mfa::e164(p)) {
        rec["phoneNumber"] = json!(p);
    }
    let social: Vec<Value> = u
        .identity
        .social
        .iter()
        .filter(|s| {
            ["google.com", "facebook.com", "twitter.com", "github.com"]
                .contains(&s.provider.as_str())
        })
        .map(|s| json!({"providerId": s.provider, "rawId": s.subject}))
        .collect();
    if !social.is_empty() {
        rec["providerUserInfo"] = json!(social);
    }
    rec
}

impl Exporter for Firebase {
    fn provider(&self) -> Provider {
        Provider::Firebase
    }
    fn layout(&self) -> Layout {
        Layout {
            stem: "users",
            extension: "json",
            head: "{\"users\":[\n",
            separator: ",\n",
            tail: "\n]}\n",
            max_bytes: None,
            max_records: None,
        }
    }
    fn record(&self, u: &User, a: Option<&Accepted>) -> Vec<u8> {
        user(u, a).to_string().into_bytes()
    }
    fn group_note(&self, a: Option<&Accepted>) -> String {
        a.map(flags).unwrap_or_default()
    }
    fn commands(&self, groups: &[GroupFiles]) -> String {
        super::script(
            "#!/bin/sh\n# Firebase: one auth:import per algorithm and parameter set (firebase-tools; `firebase use` your project first).\nset -eu\n",
            groups,
            |g, f| {
                format!(
                    "{}\n",
                    format!("firebase auth:import {f} {}", g.note).trim_end()
                )
            },
        )
    }
}
