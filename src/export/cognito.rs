//! AWS Cognito user import (docs/export.md § Cognito): CSV files with every
//! column of `GetCSVHeader`'s default header, split under 500,000 users and
//! 100 MB per file, one set of files per `PasswordHashingAlgorithm` (one per
//! import job) plus `password_hash` (the column name is unconfirmed: see the
//! docs), and one set without hashes whose users land in RESET_REQUIRED.

use super::{Accepted, Exporter, GroupFiles, Layout, Provider, User};
use crate::hash::Parts;
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;

pub struct Cognito;

/// `aws cognito-idp get-csv-header` for a pool with the standard attributes.
pub const HEADER: [&str; 21] = [
    "cognito:username",
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "email",
    "email_verified",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "phone_number",
    "phone_number_verified",
    "address",
    "updated_at",
    "cognito:mfa_enabled",
];
/// Characters per row, users and bytes per file.
pub const MAX_ROW: usize = 16_000;
pub const MAX_USERS: u64 = 500_000;
pub const MAX_BYTES: u64 = 100 * 1000 * 1000;
/// Room kept in a row for the hash column.
const HASH_ROOM: usize = 256;

/// A value as Cognito's CSV takes it: unquoted, commas escaped with `\`.
fn field(out: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            ',' => out.push_str("\\,"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
}

/// The legacy hash in the form the job's algorithm reads.
pub fn hash_value(a: &Accepted) -> String {
    let Some(parts) = &a.parts else {
        return a.encoded.clone();
    };
    match parts {
        Parts::Bcrypt { encoded, .. } => encoded.clone(),
        Parts::Argon2 { phc } => phc.clone(),
        Parts::Scrypt {
            ln,
            r,
            p,
            salt,
            value,
        } => format!(
            "$scrypt$ln={ln},r={r},p={p}${}${}",
            STANDARD_NO_PAD.encode(salt),
            STANDARD_NO_PAD.encode(value)
        ),
        Parts::Pbkdf2 {
            iterations,
            salt,
            value,
            ..
        } => format!(
            "$pbkdf2-sha256$i={iterations},l={}${}${}",
            value.len(),
            STANDARD_NO_PAD.encode(salt),
            STANDARD_NO_PAD.encode(value)
        ),
        _ => String::new(),
    }
}

/// The row without its hash column.
fn base_row(u: &User) -> String {
    let mut s = String::new();
    let name = u.display_name().unwrap_or_default();
    let phone = u.phone.filter(|p| super::mfa::e164(p)).unwrap_or("");
    let updated = u
        .created_at
        .and_then(crate::time::parse)
        .map(|t| t.to_string())
        .unwrap_or_default();
    let verified = if u.email_verified.unwrap_or(true) {
        "true"
    } else {
        "false"
    };
    let values: [&str; 21] = [
        u.key.unwrap_or_default(),
        &name,
        u.first_name.unwrap_or(""),
        u.last_name.unwrap_or(""),
        "",
        "",
        u.username.unwrap_or(""),
        "",
        "",
        "",
        u.email.unwrap_or(""),
        verified,
        "",
        "",
        "",
        "",
        phone,
        "false",
        "",
        &updated,
        "false",
    ];
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        field(&mut s, v);
    }
    s
}

/// The row's length in characters with room for a hash.
pub fn row_len(u: &User) -> usize {
    base_row(u).chars().count() + HASH_ROOM
}

impl Exporter for Cognito {
    fn provider(&self) -> Provider {
        Provider::Cognito
    }
    fn layout(&self) -> Layout {
        Layout {
            stem: "users",
            extension: "csv",
            head: "",
            separator: "\n",
            tail: "\n",
            max_bytes: Some(MAX_BYTES),
            max_records: Some(MAX_USERS),
        }
    }
    fn head(&self, group: &str) -> String {
        let mut h = HEADER.join(",");
        if !group.is_empty() {
            h.push_str(",password_hash");
        }
        h.push('\n');
        h
    }
    fn record(&self, u: &User, a: Option<&Accepted>) -> Vec<u8> {
        let mut s = base_row(u);
        if let Some(a) = a {
            s.push(',');
            field(&mut s, &hash_value(a));
        }
        s.into_bytes()
    }
    fn group_note(&self, a: Option<&Accepted>) -> String {
        a.map_or("", |a| a.algorithm).to_string()
    }
    fn commands(&self, groups: &[GroupFiles]) -> String {
        let mut s = super::script(
            "#!/bin/sh\n# Cognito: one user import job per file; the job's --password-hashing-algorithm is its folder's.\n# Needs POOL_ID and ROLE_ARN (CloudWatch Logs role).\nset -eu\n",
            groups,
            |g, f| {
                let alg = if g.note.is_empty() {
                    String::new()
                } else {
                    format!(" --password-hashing-algorithm {}", g.note)
                };
                format!(
                    "url=$(aws cognito-idp create-user-import-job --user-pool-id \"$POOL_ID\" --cloud-watch-logs-role-arn \"$ROLE_ARN\" --job-name \"{}\"{alg} --query UserImportJob.PreSignedUrl --output text)\ncurl -sS --fail -X PUT -T {f} -H 'x-amz-server-side-encryption: aws:kms' \"$url\"\n",
                    f.replace('/', "-")
                )
            },
        );
        s.push_str("# then: aws cognito-idp start-user-import-job --user-pool-id \"$POOL_ID\" --job-id <each job id>\n");
        s
    }
}
