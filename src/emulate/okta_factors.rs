//! Okta Factors API, the part an import uses: `POST /api/v1/users/{id}/factors`
//! enrolling a Custom TOTP (`token:hotp`, provider `CUSTOM`, a
//! `factorProfileId` and a base32 `profile.sharedSecret`, auto-activated with
//! `activate=true`, the only way Okta documents) or an SMS factor (`sms`,
//! provider `OKTA`, an E.164 `profile.phoneNumber`; `activate=true` enrols it
//! ACTIVE without sending a text, otherwise PENDING_ACTIVATION), and
//! `GET /api/v1/users/{id}/factors`. One factor of each type per user, as
//! Okta allows. Factors are kept in memory (not in `--store`). Sources:
//! docs/export.md § Okta.

use super::Shared;
use super::okta::{error, malformed};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};
use std::collections::HashMap;

fn invalid(cause: &str) -> (StatusCode, Value) {
    (
        StatusCode::BAD_REQUEST,
        error(
            "E0000001",
            "Api validation failed: factorEnrollRequest",
            &[cause],
        ),
    )
}

fn not_found(id: &str) -> (StatusCode, Value) {
    (
        StatusCode::NOT_FOUND,
        error(
            "E0000007",
            &format!("Not found: Resource not found: {id} (User)"),
            &[],
        ),
    )
}

/// RFC 4648 base32 (case-insensitive, optional padding), at least one byte.
fn base32(s: &str) -> bool {
    let t = s.trim_end_matches('=');
    t.len() >= 2
        && t.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
}

fn e164(s: &str) -> bool {
    s.len() > 1 && s.len() <= 16 && s.starts_with('+') && s[1..].bytes().all(|b| b.is_ascii_digit())
}

/// The factor an enrol request makes (without its id), or Okta's error.
fn factor(body: &Value, activate: bool) -> Result<Value, (StatusCode, Value)> {
    let str_at = |p: &str| body.pointer(p).and_then(Value::as_str).unwrap_or("");
    let (ty, provider) = (str_at("/factorType"), str_at("/provider"));
    match (ty, provider) {
        ("token:hotp", "CUSTOM") => {
            if str_at("/factorProfileId").is_empty() {
                return Err(invalid(
                    "factorProfileId: a Custom TOTP factor needs the org's factor profile id",
                ));
            }
            if !base32(str_at("/profile/sharedSecret")) {
                return Err(invalid(
                    "profile.sharedSecret: a base32 (RFC 4648) shared secret is required",
                ));
            }
            if !activate {
                return Err(invalid(
                    "activate: Custom TOTP factors are enrolled with activate=true",
                ));
            }
            Ok(json!({
                "factorType": ty, "provider": provider, "vendorName": "CUSTOM",
                "factorProfileId": str_at("/factorProfileId"), "status": "ACTIVE",
                "profile": {"sharedSecret": str_at("/profile/sharedSecret")},
            }))
        }
        ("sms", "OKTA") => {
            let phone = str_at("/profile/phoneNumber");
            if !e164(phone) {
                return Err(invalid(
                    "profile.phoneNumber: Invalid Phone Number (E.164: + and up to 15 digits)",
                ));
            }
            Ok(json!({
                "factorType": ty, "provider": provider, "vendorName": "OKTA",
                "status": if activate { "ACTIVE" } else { "PENDING_ACTIVATION" },
                "profile": {"phoneNumber": phone},
            }))
        }
        _ => Err(invalid(&format!(
            "factorType: '{ty}' with provider '{provider}' is not enrolled by this emulator (token:hotp/CUSTOM, sms/OKTA)"
        ))),
    }
}

/// The id of the user `id` names (an Okta id, or a login).
fn resolve(s: &Shared, id: &str) -> Option<String> {
    let store = s.store.lock().expect("lock");
    store
        .find(id)
        .or_else(|| store.users.iter().find(|u| u.id == id))
        .map(|u| u.id.clone())
}

/// `POST /api/v1/users/{id}/factors[?activate=true]`.
pub async fn enrol(
    State(s): State<Shared>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let (headers, fail_after_commit, v) = match s.open_write(&body, malformed).await {
        Ok(opened) => opened,
        Err(r) => return r,
    };
    let activate = q.get("activate").is_some_and(|a| a == "true");
    let made = resolve(&s, &id)
        .ok_or_else(|| not_found(&id))
        .and_then(|uid| {
            let mut f = factor(&v, activate)?;
            let mut store = s.store.lock().expect("lock");
            let n = store.factors.values().map(Vec::len).sum::<usize>();
            let have = store.factors.entry(uid).or_default();
            if have.iter().any(|h| h["factorType"] == f["factorType"]) {
                return Err(invalid(
                    "factorType: A factor of this type is already set up.",
                ));
            }
            f["id"] = json!(super::user_id(
                if f["factorType"] == "sms" {
                    "mbl"
                } else {
                    "uft"
                },
                n
            ));
            have.push(f.clone());
            Ok(f)
        });
    match made {
        Ok(_) if fail_after_commit => s.server_error(headers),
        Ok(f) => s.respond(StatusCode::OK, headers, f),
        Err((st, b)) => s.respond(st, headers, b),
    }
}

/// `GET /api/v1/users/{id}/factors`: the user's factors (shared secrets left out, as Okta does).
pub async fn list(State(s): State<Shared>, Path(id): Path<String>) -> Response {
    let mut headers = HeaderMap::new();
    if let Err(r) = s.gate_read(&mut headers).await {
        return r;
    }
    let Some(uid) = resolve(&s, &id) else {
        let (st, b) = not_found(&id);
        return s.respond(st, headers, b);
    };
    let factors: Vec<Value> = {
        let store = s.store.lock().expect("lock");
        store.factors.get(&uid).cloned().unwrap_or_default()
    };
    let shown = factors
        .into_iter()
        .map(|mut f| {
            if let Some(p) = f.get_mut("profile").and_then(Value::as_object_mut) {
                p.remove("sharedSecret");
            }
            f
        })
        .collect();
    s.respond(StatusCode::OK, headers, Value::Array(shown))
}
