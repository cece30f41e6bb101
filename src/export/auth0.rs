//! Auth0 bulk user import (docs/export.md § Auth0): JSON arrays of user
//! records, each file under 500 KB, for `POST /api/v2/jobs/users-imports`.
//! bcrypt `$2a$`/`$2b$` as `password_hash`; the other importable formats as
//! `custom_password_hash` (md5/sha* hex with a base64 salt and its position,
//! PBKDF2 as a PHC string, argon2 PHC, scrypt with its cost parameters).
//! The rehearsal's Auth0 loader sends these same records.

use super::{Accepted, Exporter, GroupFiles, Layout, Provider, User};
use crate::hash::Parts;
use crate::hash::alg::Alg;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use serde_json::{Value, json};

pub struct Auth0;

/// 500 KB read as 500,000 bytes: under the limit whichever KB Auth0 means.
pub const MAX_FILE: u64 = 500_000;

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

/// The record's hash field: `("password_hash", "$2b$…")` or
/// `("custom_password_hash", {…})`.
pub fn hash(a: &Accepted) -> (&'static str, Value) {
    let custom = "custom_password_hash";
    let Some(parts) = &a.parts else {
        // No Auth0 rule takes a string as stored (rules::Limit::AsStored).
        let value = json!({"value": a.encoded, "encoding": "utf8"});
        return (custom, json!({"algorithm": a.algorithm, "hash": value}));
    };
    match parts {
        Parts::Bcrypt { encoded, .. } if a.algorithm == "password_hash" => {
            ("password_hash", json!(encoded))
        }
        Parts::Bcrypt { encoded, .. } => (
            custom,
            json!({"algorithm": "bcrypt", "hash": {"value": encoded, "encoding": "utf8"}}),
        ),
        Parts::Digest {
            alg,
            salt: s,
            salt_first,
            value,
        } => {
            let mut o = json!({"algorithm": digest_name(*alg), "hash": {"value": crate::util::hex(value), "encoding": "hex"}});
            if !s.is_empty() {
                o["salt"] = salt(s, if *salt_first { "prefix" } else { "suffix" });
            }
            (custom, o)
        }
        Parts::Pbkdf2 {
            alg,
            iterations,
            salt,
            value,
        } => {
            let phc = format!(
                "$pbkdf2-{}$i={iterations},l={}${}${}",
                digest_name(*alg),
                value.len(),
                STANDARD_NO_PAD.encode(salt),
                STANDARD_NO_PAD.encode(value)
            );
            (
                custom,
                json!({"algorithm": "pbkdf2", "hash": {"value": phc, "encoding": "utf8"}}),
            )
        }
        Parts::Argon2 { phc } => (
            custom,
            json!({"algorithm": "argon2", "hash": {"value": phc, "encoding": "utf8"}}),
        ),
        Parts::Scrypt {
            ln,
            r,
            p,
            salt: s,
            value,
        } => (
            custom,
            json!({"algorithm": "scrypt", "hash": {"value": crate::util::hex(value), "encoding": "hex"},
                   "salt": salt(s, "prefix"), "keylen": value.len(), "cost": 1u64 << ln,
                   "blockSize": r, "parallelization": p}),
        ),
        // The rules send Auth0 no Firebase scrypt.
        Parts::FirebaseScrypt { .. } => (custom, Value::Null),
    }
}

/// One record of a `users` import file.
pub fn user(u: &User, a: Option<&Accepted>) -> Value {
    let mut rec = json!({"email": u.email.unwrap_or_default()});
    rec["email_verified"] = json!(u.email_verified.unwrap_or(false));
    if let Some(k) = u.key {
        rec["user_id"] = json!(k);
    }
    if let Some(n) = u.username {
        rec["username"] = json!(n);
    }
    if let Some(g) = u.first_name {
        rec["given_name"] = json!(g);
    }
    if let Some(f) = u.last_name {
        rec["family_name"] = json!(f);
    }
    if let Some(n) = u.display_name() {
        rec["name"] = json!(n);
    }
    if let Some(a) = a {
        let (field, value) = hash(a);
        rec[field] = value;
    }
    let mut mfa = Vec::new();
    if let Some(s) = &u.identity.totp_secret {
        mfa.push(json!({"totp": {"secret": s}}));
    }
    if let Some(p) = &u.identity.mfa_phone {
        mfa.push(json!({"phone": {"value": p}}));
    }
    if !mfa.is_empty() {
        mfa.truncate(10);
        rec["mfa_factors"] = json!(mfa);
    }
    rec
}

/// The record the rehearsal's loader sends (no `user_id`, `username` or
/// verification flag: the emulator keys users by email).
pub fn rehearsal_user(u: &User, a: Option<&Accepted>) -> Value {
    let mut rec = json!({"email": u.email.unwrap_or_default(), "email_verified": false});
    if let Some(g) = u.first_name {
        rec["given_name"] = json!(g);
    }
    if let Some(f) = u.last_name {
        rec["family_name"] = json!(f);
    }
    if let Some(a) = a {
        let (field, value) = hash(a);
        rec[field] = value;
    }
    rec
}

impl Exporter for Auth0 {
    fn provider(&self) -> Provider {
        Provider::Auth0
    }
    fn layout(&self) -> Layout {
        Layout {
            stem: "users",
            extension: "json",
            head: "[",
            separator: ",\n",
            tail: "]\n",
            max_bytes: Some(MAX_FILE),
            max_records: None,
        }
    }
    fn record(&self, u: &User, a: Option<&Accepted>) -> Vec<u8> {
        user(u, a).to_string().into_bytes()
    }
    fn commands(&self, groups: &[GroupFiles]) -> String {
        super::script(
            "#!/bin/sh\n# Auth0 bulk user import: one job per file (at most 2 at once).\n# Needs AUTH0_DOMAIN, AUTH0_TOKEN (Management API, create:users) and AUTH0_CONNECTION_ID.\nset -eu\n",
            groups,
            |_, f| {
                format!(
                    "curl -sS --fail -X POST \"https://$AUTH0_DOMAIN/api/v2/jobs/users-imports\" -H \"Authorization: Bearer $AUTH0_TOKEN\" -F users=@{f} -F connection_id=\"$AUTH0_CONNECTION_ID\" -F upsert=false -F send_completion_email=false\n"
                )
            },
        )
    }
}
