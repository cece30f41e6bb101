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
    let Some(parts) = &a.parts else {
        // No Okta rule takes a string as stored (rules::Limit::AsStored).
        return Value::Null;
    };
    match parts {
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

/// A user's second factors as Factors API requests, one per factor:
/// `{"login": …, "factor": …}`, the factor the body of `POST
/// /api/v1/users/{id}/factors?activate=true` (import.sh looks the id up by
/// login and adds the org's Custom TOTP `factorProfileId`). TOTP: a Custom
/// TOTP factor (`token:hotp`, provider `CUSTOM`, `profile.sharedSecret`; Okta
/// auto-activates it only), the org's factor profile set to base32, HMAC-SHA1,
/// 6 digits, 30 s; SMS: `sms`, provider `OKTA`, `profile.phoneNumber` (E.164),
/// auto-activated without a text. Source: developer.okta.com/docs/reference/api/factors
/// ("Enroll Custom HOTP Factor", "Enroll and auto-activate Okta SMS Factor").
pub fn factors(u: &User) -> Vec<Value> {
    let login = u.email.unwrap_or_default();
    let mut out = Vec::new();
    if let Some(s) = &u.identity.totp_secret {
        out.push(
            json!({"login": login, "factor": {"factorType": "token:hotp", "provider": "CUSTOM",
            "profile": {"sharedSecret": s}}}),
        );
    }
    if let Some(p) = &u.identity.mfa_phone {
        out.push(
            json!({"login": login, "factor": {"factorType": "sms", "provider": "OKTA",
            "profile": {"phoneNumber": p}}}),
        );
    }
    out
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
    fn factors(&self, u: &User) -> Vec<Vec<u8>> {
        factors(u)
            .into_iter()
            .map(|f| f.to_string().into_bytes())
            .collect()
    }
    fn commands(&self, groups: &[GroupFiles]) -> String {
        super::script(
            "#!/bin/sh\n# Okta: one create-user request per line (staged: activate=false), then each\n# second factor (factors-*.ndjson) enrolled through the Factors API, auto-activated.\n# Needs OKTA_ORG (https://…okta.com), OKTA_TOKEN (SSWS API token), jq, and for TOTP\n# OKTA_TOTP_FACTOR_PROFILE_ID: a Custom TOTP factor (base32, HMAC-SHA1, 6 digits, 30 s).\n# Mind the rate limit.\nset -eu\n",
            groups,
            |g, f| {
                if g.name == "factors" {
                    return format!(
                        "while IFS= read -r line; do\n  login=$(printf '%s' \"$line\" | jq -r .login)\n  id=$(curl -sS --fail \"$OKTA_ORG/api/v1/users/$(printf '%s' \"$login\" | jq -sRr @uri)\" -H \"Authorization: SSWS $OKTA_TOKEN\" -H 'Accept: application/json' | jq -r .id)\n  printf '%s' \"$line\" | jq -c --arg p \"${{OKTA_TOTP_FACTOR_PROFILE_ID:-}}\" '.factor | if .factorType == \"token:hotp\" then .factorProfileId = $p else . end' | curl -sS --fail -X POST \"$OKTA_ORG/api/v1/users/$id/factors?activate=true\" -H \"Authorization: SSWS $OKTA_TOKEN\" -H 'Content-Type: application/json' -H 'Accept: application/json' --data-binary @- >/dev/null\ndone < {f}\n"
                    );
                }
                format!(
                    "while IFS= read -r body; do\n  printf '%s' \"$body\" | curl -sS --fail -X POST \"$OKTA_ORG/api/v1/users?activate=false\" -H \"Authorization: SSWS $OKTA_TOKEN\" -H 'Content-Type: application/json' -H 'Accept: application/json' --data-binary @- >/dev/null\ndone < {f}\n"
                )
            },
        )
    }
}
