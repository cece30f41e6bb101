//! Keycloak partial import (docs/export.md § Keycloak): `{"ifResourceExists":
//! "FAIL", "users": [...]}`, each user's password a credential whose
//! `secretData` and `credentialData` are JSON *strings*: the raw hash and salt
//! in standard base64, the algorithm and its parameters (`pbkdf2`,
//! `pbkdf2-sha256`, `pbkdf2-sha512`, `argon2` with one-element lists).

use super::{Accepted, Exporter, GroupFiles, Layout, Provider, User};
use crate::hash::Parts;
use crate::hash::alg::Alg;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use serde_json::{Value, json};

pub struct Keycloak;

/// Users per file: Keycloak documents no limit; this keeps each partial
/// import a size an admin console upload takes.
pub const USERS_PER_FILE: u64 = 50_000;

/// An argon2 PHC string's type, m, t, p, salt and hash.
type Argon2Parts = (String, u32, u32, u32, Vec<u8>, Vec<u8>);

fn argon2(phc: &str) -> Option<Argon2Parts> {
    let f: Vec<&str> = phc.split('$').collect();
    if f.len() != 6 {
        return None;
    }
    let ty = f[1].strip_prefix("argon2")?.to_string();
    let (mut m, mut t, mut p) = (0, 0, 0);
    for kv in f[3].split(',') {
        let (k, v) = kv.split_once('=')?;
        let v: u32 = v.parse().ok()?;
        match k {
            "m" => m = v,
            "t" => t = v,
            "p" => p = v,
            _ => {}
        }
    }
    let d = |s: &str| STANDARD_NO_PAD.decode(s.trim_end_matches('=')).ok();
    Some((ty, m, t, p, d(f[4])?, d(f[5])?))
}

/// The password credential (`secretData`, `credentialData` as JSON strings).
pub fn credential(a: &Accepted) -> Value {
    let (secret, data) = match &a.parts {
        Some(Parts::Pbkdf2 {
            alg,
            iterations,
            salt,
            value,
        }) => {
            let id = match alg {
                Alg::Sha256 => "pbkdf2-sha256",
                Alg::Sha512 => "pbkdf2-sha512",
                _ => "pbkdf2",
            };
            (
                json!({"value": STANDARD.encode(value), "salt": STANDARD.encode(salt), "additionalParameters": {}}),
                json!({"hashIterations": iterations, "algorithm": id, "additionalParameters": {}}),
            )
        }
        Some(Parts::Argon2 { phc }) => match argon2(phc) {
            Some((ty, m, t, p, salt, hash)) => (
                json!({"value": STANDARD.encode(&hash), "salt": STANDARD.encode(&salt), "additionalParameters": {}}),
                json!({"hashIterations": t, "algorithm": "argon2", "additionalParameters": {
                    "hashLength": [hash.len().to_string()], "memory": [m.to_string()],
                    "type": [ty], "version": ["1.3"], "parallelism": [p.to_string()]}}),
            ),
            None => (Value::Null, Value::Null),
        },
        _ => (Value::Null, Value::Null),
    };
    json!({"type": "password", "secretData": secret.to_string(), "credentialData": data.to_string()})
}

/// A TOTP secret as an `otp` credential (`OTPSecretData`, `OTPCredentialData`
/// as JSON strings): base32 with `secretEncoding` BASE32, RFC 6238's SHA-1, 6
/// digits, 30 s, as the profile's secrets are made.
pub fn otp(secret: &str) -> Value {
    let data = json!({"subType": "totp", "digits": 6, "counter": 0, "period": 30,
        "algorithm": "HmacSHA1", "secretEncoding": "BASE32"});
    json!({"type": "otp", "userLabel": "imported", "secretData": json!({"value": secret}).to_string(),
        "credentialData": data.to_string()})
}

/// One entry of `users`.
pub fn user(u: &User, a: Option<&Accepted>) -> Value {
    let username = u.username.or(u.email).unwrap_or_default();
    let mut rec = json!({"username": username, "enabled": true});
    if let Some(e) = u.email {
        rec["email"] = json!(e);
    }
    rec["emailVerified"] = json!(u.email_verified.unwrap_or(false));
    if let Some(f) = u.first_name {
        rec["firstName"] = json!(f);
    }
    if let Some(l) = u.last_name {
        rec["lastName"] = json!(l);
    }
    if let Some(t) = u.created_at.and_then(crate::time::parse) {
        rec["createdTimestamp"] = json!(t * 1000);
    }
    let mut credentials: Vec<Value> = a.map(credential).into_iter().collect();
    if let Some(t) = &u.identity.totp_secret {
        credentials.push(otp(t));
    }
    if !credentials.is_empty() {
        rec["credentials"] = Value::Array(credentials);
    }
    if !u.identity.social.is_empty() {
        rec["federatedIdentities"] = u
            .identity
            .social
            .iter()
            .map(|s| json!({"identityProvider": s.provider.trim_end_matches(".com"), "userId": s.subject, "userName": username}))
            .collect();
    }
    rec
}

impl Exporter for Keycloak {
    fn provider(&self) -> Provider {
        Provider::Keycloak
    }
    fn layout(&self) -> Layout {
        Layout {
            stem: "users",
            extension: "json",
            head: "{\"ifResourceExists\":\"FAIL\",\"users\":[\n",
            separator: ",\n",
            tail: "\n]}\n",
            max_bytes: None,
            max_records: Some(USERS_PER_FILE),
        }
    }
    fn record(&self, u: &User, a: Option<&Accepted>) -> Vec<u8> {
        user(u, a).to_string().into_bytes()
    }
    fn commands(&self, groups: &[GroupFiles]) -> String {
        super::script(
            "#!/bin/sh\n# Keycloak partial import, one request per file.\n# Needs KEYCLOAK_URL, KEYCLOAK_REALM and KEYCLOAK_TOKEN (an admin access token).\nset -eu\n",
            groups,
            |_, f| {
                format!(
                    "curl -sS --fail -X POST \"$KEYCLOAK_URL/admin/realms/$KEYCLOAK_REALM/partialImport\" -H \"Authorization: Bearer $KEYCLOAK_TOKEN\" -H 'Content-Type: application/json' --data-binary @{f} >/dev/null\n"
                )
            },
        )
    }
}
