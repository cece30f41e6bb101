//! Supabase Auth (docs/export.md § Supabase): SQL inserting `auth.users`
//! (`encrypted_password`: bcrypt, argon2 PHC v=19, or Firebase scrypt as
//! `$fbscrypt$…`) and each user's `auth.identities` row, in one transaction.

use super::{Accepted, Exporter, GroupFiles, Layout, Provider, User};
use crate::hash::Parts;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

pub struct Supabase;

/// `encrypted_password` as supabase/auth's `CompareHashAndPassword` reads it.
pub fn encrypted_password(a: &Accepted) -> String {
    let b = |v: &[u8]| STANDARD.encode(v);
    let Some(parts) = &a.parts else {
        return a.encoded.clone();
    };
    match parts {
        Parts::Bcrypt { encoded, .. } => encoded.clone(),
        Parts::Argon2 { phc } => phc.clone(),
        Parts::FirebaseScrypt {
            salt,
            value,
            signer_key,
            salt_separator,
            rounds,
            mem_cost,
        } => format!(
            "$fbscrypt$v=1,n={mem_cost},r={rounds},p=1,ss={},sk={}${}${}",
            b(salt_separator),
            b(signer_key),
            b(salt),
            b(value)
        ),
        _ => String::new(),
    }
}

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The user's id: its key when that is a UUID, else a UUID derived from it.
pub fn uuid(key: &str) -> String {
    let is_uuid = key.len() == 36
        && key.bytes().enumerate().all(|(i, b)| {
            matches!(i, 8 | 13 | 18 | 23) == (b == b'-') && (b == b'-' || b.is_ascii_hexdigit())
        });
    if is_uuid {
        return key.to_ascii_lowercase();
    }
    let h = xxhash_rust::xxh3::xxh3_128(key.as_bytes());
    let h = (h & !(0xf << 76) | (0x8 << 76)) & !(0x3 << 62) | (0x2 << 62);
    let x = format!("{h:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..]
    )
}

fn record(u: &User, a: Option<&Accepted>) -> String {
    let id = uuid(u.key.unwrap_or_default());
    let email = u.email.unwrap_or_default();
    let created = u.created_at.map_or("now()".to_string(), lit);
    let confirmed = if u.email_verified.unwrap_or(false) {
        created.as_str()
    } else {
        "NULL"
    };
    let meta =
        serde_json::json!({"first_name": u.first_name, "last_name": u.last_name}).to_string();
    let identity = serde_json::json!({"sub": id, "email": email, "email_verified": u.email_verified.unwrap_or(false)}).to_string();
    let mut s = format!(
        "INSERT INTO auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, created_at, updated_at, raw_app_meta_data, raw_user_meta_data) VALUES ('00000000-0000-0000-0000-000000000000', '{id}', 'authenticated', 'authenticated', {}, {}, {confirmed}, {created}, {created}, '{{\"provider\":\"email\",\"providers\":[\"email\"]}}', {});\n",
        lit(email),
        lit(&a.map(encrypted_password).unwrap_or_default()),
        lit(&meta)
    );
    s.push_str(&format!(
        "INSERT INTO auth.identities (id, user_id, provider_id, provider, identity_data, created_at, updated_at) VALUES ('{id}', '{id}', '{id}', 'email', {}, {created}, {created});",
        lit(&identity)
    ));
    if let Some(t) = &u.identity.totp_secret {
        // A verified TOTP factor (auth.mfa_factors.secret: base32, unencrypted).
        s.push_str(&format!(
            "\nINSERT INTO auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at, secret) VALUES ('{}', '{id}', 'imported', 'totp', 'verified', {created}, {created}, {});",
            uuid(&format!("{id}/totp")),
            lit(t)
        ));
    }
    for soc in &u.identity.social {
        let data = serde_json::json!({"sub": soc.subject, "email": email}).to_string();
        s.push_str(&format!(
            "\nINSERT INTO auth.identities (id, user_id, provider_id, provider, identity_data, created_at, updated_at) VALUES (gen_random_uuid(), '{id}', {}, {}, {}, {created}, {created});",
            lit(&soc.subject),
            lit(soc.provider.trim_end_matches(".com")),
            lit(&data)
        ));
    }
    s
}

impl Exporter for Supabase {
    fn provider(&self) -> Provider {
        Provider::Supabase
    }
    fn layout(&self) -> Layout {
        Layout {
            stem: "users",
            extension: "sql",
            head: "-- understudy export --to supabase: auth.users and auth.identities\nBEGIN;\n",
            separator: "\n",
            tail: "\nCOMMIT;\n",
            max_bytes: None,
            max_records: None,
        }
    }
    fn record(&self, u: &User, a: Option<&Accepted>) -> Vec<u8> {
        record(u, a).into_bytes()
    }
    fn commands(&self, groups: &[GroupFiles]) -> String {
        super::script(
            "#!/bin/sh\n# Supabase: run against the project's database (DATABASE_URL, the postgres role).\nset -eu\n",
            groups,
            |_, f| format!("psql \"$DATABASE_URL\" -v ON_ERROR_STOP=1 -f {f}\n"),
        )
    }
}
