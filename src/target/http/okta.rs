//! Okta Users API bodies for the rehearsal: the export module's encoder
//! (`export::okta`), so a rehearsal and `export --to okta` send the same
//! bodies; formats Okta cannot take are `JitOnly` by `export::rules`.

use super::{ApiUser, JitOnly};
use crate::export::{Provider, rules};
use serde_json::Value;

/// The `credentials.password.hash` object.
pub fn hash(h: &super::UserHash) -> Result<Value, JitOnly> {
    rules::hash_verdict(Provider::Okta, h)
        .map(|a| crate::export::okta::hash(&a))
        .map_err(|_| JitOnly {
            format: h.format.name(),
        })
}

/// `POST /api/v1/users?activate=false` body.
pub fn user(u: &ApiUser) -> Result<Value, JitOnly> {
    let accepted = match &u.hash {
        Some(h) => Some(rules::hash_verdict(Provider::Okta, h).map_err(|_| JitOnly {
            format: h.format.name(),
        })?),
        None => None,
    };
    Ok(crate::export::okta::user(u, accepted.as_ref()))
}
