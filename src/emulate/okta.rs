//! Okta Users API: `POST /api/v1/users?activate=false` with an imported
//! password hash (BCRYPT split into workFactor/salt/value; SHA-512, SHA-256,
//! SHA-1, MD5 as base64 digests with salt and saltOrder; PBKDF2), listing with
//! `after` cursors, `POST /api/v1/authn`, and Okta-shaped error bodies.

use super::verify::{Credential, Digest};
use super::{Shared, User};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use std::collections::HashMap;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/users", post(create).get(list))
        .route(
            "/api/v1/users/{id}",
            axum::routing::get(super::jit::okta_get),
        )
        .route(
            "/api/v1/users/{id}/factors",
            post(super::okta_factors::enrol).get(super::okta_factors::list),
        )
        .route("/api/v1/authn", post(authn))
        .route("/login", post(authn))
}

/// An Okta error body.
pub fn error(code: &str, summary: &str, causes: &[&str]) -> Value {
    json!({
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": format!("oae{:019x}", crate::rng::mix64(summary.len() as u64 ^ causes.len() as u64)),
        "errorCauses": causes.iter().map(|c| json!({"errorSummary": c})).collect::<Vec<_>>(),
    })
}

/// Okta's answer to a body that is not JSON (the user and factor creates').
pub fn malformed() -> Value {
    error("E0000003", "The request body was not well-formed.", &[])
}

fn invalid(cause: &str) -> (StatusCode, Value) {
    (
        StatusCode::BAD_REQUEST,
        error("E0000001", "Api validation failed: credentials", &[cause]),
    )
}

/// Okta's login must look like an email address.
fn email_like(s: &str) -> bool {
    match s.split_once('@') {
        Some((l, d)) => {
            !l.is_empty()
                && d.contains('.')
                && !d.starts_with('.')
                && !d.ends_with('.')
                && !s.contains(char::is_whitespace)
                && !d.contains('@')
        }
        None => false,
    }
}

fn b64(v: &Value, field: &str) -> Result<Vec<u8>, (StatusCode, Value)> {
    let s = v.get(field).and_then(Value::as_str).ok_or_else(|| {
        invalid(&format!(
            "credentials.password.hash.{field}: The field cannot be left blank"
        ))
    })?;
    STANDARD.decode(s).map_err(|_| {
        invalid(&format!(
            "credentials.password.hash.{field}: must be base64"
        ))
    })
}

pub fn credential(hash: &Value) -> Result<Credential, (StatusCode, Value)> {
    let algorithm = hash.get("algorithm").and_then(Value::as_str).unwrap_or("");
    match algorithm {
        "BCRYPT" => {
            let wf = hash
                .get("workFactor")
                .and_then(Value::as_u64)
                .filter(|w| (1..=20).contains(w));
            let salt = hash
                .get("salt")
                .and_then(Value::as_str)
                .filter(|s| s.len() == 22);
            let value = hash
                .get("value")
                .and_then(Value::as_str)
                .filter(|s| s.len() == 31);
            match (wf, salt, value) {
                (Some(wf), Some(salt), Some(value)) => {
                    Ok(Credential::Bcrypt(format!("$2b${wf:02}${salt}{value}")))
                }
                _ => Err(invalid(
                    "credentials.password.hash: BCRYPT needs workFactor (1-20), a 22-character salt and a 31-character value",
                )),
            }
        }
        "SHA-512" | "SHA-256" | "SHA-1" | "MD5" => {
            let digest = Digest::parse(algorithm).expect("listed");
            let value = b64(hash, "value")?;
            if value.len() != digest.output_len() {
                return Err(invalid(
                    "credentials.password.hash.value: not a digest of this algorithm (base64 of the raw bytes, not hex)",
                ));
            }
            let salt = match hash.get("salt") {
                Some(_) => b64(hash, "salt")?,
                None => Vec::new(),
            };
            let prefix = match hash.get("saltOrder").and_then(Value::as_str) {
                Some("PREFIX") => true,
                Some("POSTFIX") | None => false,
                Some(o) => {
                    return Err(invalid(&format!(
                        "credentials.password.hash.saltOrder: '{o}' is not PREFIX or POSTFIX"
                    )));
                }
            };
            Ok(Credential::Digest {
                digest,
                salt,
                prefix,
                value,
            })
        }
        "PBKDF2" => {
            let digest = match hash.get("digestAlgorithm").and_then(Value::as_str) {
                Some("SHA256_HMAC") => Digest::Sha256,
                Some("SHA512_HMAC") => Digest::Sha512,
                _ => {
                    return Err(invalid(
                        "credentials.password.hash.digestAlgorithm: use SHA256_HMAC or SHA512_HMAC",
                    ));
                }
            };
            let iterations = hash
                .get("iterationCount")
                .and_then(Value::as_u64)
                .filter(|i| *i >= 4096);
            let Some(iterations) = iterations else {
                return Err(invalid(
                    "credentials.password.hash.iterationCount: at least 4096",
                ));
            };
            let value = b64(hash, "value")?;
            let key_size = hash
                .get("keySize")
                .and_then(Value::as_u64)
                .unwrap_or(value.len() as u64);
            if key_size as usize != value.len() {
                return Err(invalid(
                    "credentials.password.hash.keySize: does not match the value's length",
                ));
            }
            Ok(Credential::Pbkdf2 {
                digest,
                iterations: iterations as u32,
                salt: b64(hash, "salt")?,
                value,
            })
        }
        other => Err(invalid(&format!(
            "credentials.password.hash.algorithm: '{other}' is not supported (BCRYPT, SHA-512, SHA-256, SHA-1, MD5, PBKDF2); migrate such users with a password import inline hook"
        ))),
    }
}

async fn create(
    State(s): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let (headers, fail_after_commit, v) = match s.open_write(&body, malformed).await {
        Ok(opened) => opened,
        Err(r) => return r,
    };
    let profile = &v["profile"];
    let login = profile["login"].as_str().unwrap_or("").to_string();
    if !email_like(&login) {
        return s.respond(
            StatusCode::BAD_REQUEST,
            headers,
            error(
                "E0000001",
                "Api validation failed: login",
                &["login: Username must be in the form of an email address"],
            ),
        );
    }
    let credential = match v.pointer("/credentials/password/hash") {
        Some(h) => match credential(h) {
            Ok(c) => Some(c),
            Err((st, body)) => return s.respond(st, headers, body),
        },
        // JIT: a plaintext password (hashed here) or the password import hook.
        None => match (
            v.pointer("/credentials/password/value")
                .and_then(Value::as_str),
            v.pointer("/credentials/password/hook/type")
                .and_then(Value::as_str),
        ) {
            (Some(p), _) => Some(super::jit::plaintext_credential(&s, p)),
            (None, Some("default")) => Some(Credential::Hook),
            _ => None,
        },
    };
    let activate = q.get("activate").map(|a| a != "false").unwrap_or(true);
    let user = {
        let mut store = s.store.lock().expect("lock");
        let n = store.users.len();
        let user = User {
            id: super::user_id("00u", n),
            login: login.clone(),
            email: profile["email"].as_str().unwrap_or(&login).to_string(),
            first_name: profile["firstName"].as_str().map(str::to_string),
            last_name: profile["lastName"].as_str().map(str::to_string),
            credential,
            raw: {
                let mut raw = v.clone();
                if let Some(p) = raw.pointer_mut("/credentials/password")
                    && let Some(o) = p.as_object_mut()
                {
                    o.remove("value");
                }
                raw
            },
        };
        if store.put(user.clone(), false).is_err() {
            drop(store);
            return s.respond(
                StatusCode::BAD_REQUEST,
                headers,
                error("E0000001", "Api validation failed: login", &["login: An object with this field already exists in the current organization"]),
            );
        }
        user
    };
    if fail_after_commit {
        return s.server_error(headers);
    }
    s.respond(
        StatusCode::OK,
        headers,
        user_json(&user, if activate { "ACTIVE" } else { "STAGED" }),
    )
}

fn user_json(u: &User, status: &str) -> Value {
    json!({
        "id": u.id,
        "status": status,
        "profile": {"login": u.login, "email": u.email, "firstName": u.first_name, "lastName": u.last_name},
        "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
    })
}

async fn list(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let mut headers = HeaderMap::new();
    if let Err(r) = s.gate_read(&mut headers).await {
        return r;
    }
    let limit = super::page_size(&q, "limit", 200, 200);
    let store = s.store.lock().expect("lock");
    let (page, more) = store.page(q.get("after"), limit);
    if more && let Some(last) = page.last() {
        let link = format!(
            "</api/v1/users?after={}&limit={limit}>; rel=\"next\"",
            last.id
        );
        headers.insert("link", HeaderValue::from_str(&link).expect("ascii"));
    }
    let users: Vec<Value> = page.iter().map(|u| user_json(u, "STAGED")).collect();
    drop(store);
    s.respond(StatusCode::OK, headers, Value::Array(users))
}

async fn authn(State(s): State<Shared>, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let login = v["username"].as_str().or(v["login"].as_str()).unwrap_or("");
    let password = v["password"].as_str().unwrap_or("");
    let ok = match super::jit::okta_hook_login(&s, login, password).await {
        Some(ok) => ok,
        None => s.login(login, password),
    };
    if ok {
        s.respond(
            StatusCode::OK,
            HeaderMap::new(),
            json!({"status": "SUCCESS"}),
        )
    } else {
        s.respond(
            StatusCode::UNAUTHORIZED,
            HeaderMap::new(),
            error("E0000004", "Authentication failed", &[]),
        )
    }
}
