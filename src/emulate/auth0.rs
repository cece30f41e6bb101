//! Auth0 Management API bulk import: `POST /api/v2/jobs/users-imports`
//! (multipart `users` JSON file ≤ 500 KB, `upsert`), at most 2 jobs at once
//! (a third gets 429), `GET /api/v2/jobs/{id}` and `/errors`, validation of
//! `password_hash` / `custom_password_hash` (`{CRYPT}` refused), listing users.

use super::verify::{Credential, Digest};
use super::{Shared, User};
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

use crate::api::{AUTH0_MAX_ACTIVE_JOBS as MAX_ACTIVE_JOBS, AUTH0_MAX_FILE as MAX_FILE};

#[derive(Default)]
pub struct Jobs {
    pub jobs: Vec<Job>,
}

#[derive(Clone)]
pub struct Job {
    pub id: String,
    pub status: &'static str,
    pub summary: Value,
    pub errors: Vec<Value>,
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v2/jobs/users-imports", post(import))
        .route("/api/v2/jobs/{id}", get(job))
        .route("/api/v2/jobs/{id}/errors", get(job_errors))
        .route("/api/v2/users", get(list))
        .route("/login", post(login))
        // Multipart bodies up to the file limit plus room for the other fields.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_FILE * 2))
}

fn bad(message: &str) -> Value {
    json!({"statusCode": 400, "error": "Bad Request", "message": message, "errorCode": "invalid_body"})
}

fn decode(value: &str, encoding: &str) -> Result<Vec<u8>, String> {
    match encoding {
        "hex" => (0..value.len())
            .step_by(2)
            .map(|i| {
                value
                    .get(i..i + 2)
                    .and_then(|b| u8::from_str_radix(b, 16).ok())
            })
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| "hash.value is not hex".into()),
        "base64" => STANDARD
            .decode(value)
            .or_else(|_| STANDARD_NO_PAD.decode(value))
            .or_else(|_| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(value.trim_end_matches('='))
            })
            .map_err(|_| "not base64".into()),
        "utf8" => Ok(value.as_bytes().to_vec()),
        o => Err(format!("unknown encoding `{o}`")),
    }
}

/// Validates one user record of an import file.
pub fn user_credential(u: &Value) -> Result<Option<Credential>, String> {
    match (u.get("password_hash"), u.get("custom_password_hash")) {
        (Some(_), Some(_)) => {
            Err("password_hash and custom_password_hash are mutually exclusive".into())
        }
        (Some(h), None) => {
            let h = h.as_str().unwrap_or("");
            if h.len() == 60 && ["$2a$", "$2b$", "$2y$"].iter().any(|p| h.starts_with(p)) {
                Ok(Some(Credential::Bcrypt(h.to_string())))
            } else {
                Err("password_hash: Object didn't pass validation for format bcrypt".into())
            }
        }
        (None, Some(c)) => custom(c).map(Some),
        (None, None) => Ok(None),
    }
}

fn custom(c: &Value) -> Result<Credential, String> {
    let algorithm = c["algorithm"].as_str().unwrap_or("");
    let value = c
        .pointer("/hash/value")
        .and_then(Value::as_str)
        .ok_or("custom_password_hash.hash.value is required")?;
    let encoding = c.pointer("/hash/encoding").and_then(Value::as_str);
    let salt = match c.get("salt") {
        Some(s) => decode(
            s["value"].as_str().unwrap_or(""),
            s["encoding"].as_str().unwrap_or("utf8"),
        )?,
        None => Vec::new(),
    };
    let prefix = c.pointer("/salt/position").and_then(Value::as_str) != Some("suffix");
    Ok(match algorithm {
        "argon2" if value.starts_with("$argon2") => Credential::Argon2(value.to_string()),
        "bcrypt"
            if ["$2a$", "$2b$", "$2y$"]
                .iter()
                .any(|p| value.starts_with(p)) =>
        {
            Credential::Bcrypt(value.to_string())
        }
        "md5" | "sha1" | "sha256" | "sha512" => {
            let digest = Digest::parse(algorithm).expect("listed");
            let value = decode(value, encoding.unwrap_or("hex"))?;
            if value.len() != digest.output_len() {
                return Err(format!(
                    "custom_password_hash.hash.value is not a {algorithm} digest"
                ));
            }
            Credential::Digest {
                digest,
                salt,
                prefix,
                value,
            }
        }
        "pbkdf2" => {
            // $pbkdf2-<digest>$i=<iterations>,l=<keylen>$<B64 salt>$<B64 hash>
            let parts: Vec<&str> = value.split('$').collect();
            let err = || {
                "custom_password_hash.hash.value: expected $pbkdf2-<digest>$i=…,l=…$<salt>$<hash>"
                    .to_string()
            };
            if parts.len() != 5 || !parts[0].is_empty() {
                return Err(err());
            }
            let digest = parts[1]
                .strip_prefix("pbkdf2-")
                .and_then(Digest::parse)
                .ok_or_else(err)?;
            let iterations = parts[2]
                .split(',')
                .find_map(|kv| kv.strip_prefix("i="))
                .and_then(|i| i.parse().ok())
                .ok_or_else(err)?;
            Credential::Pbkdf2 {
                digest,
                iterations,
                salt: decode(parts[3], "base64")?,
                value: decode(parts[4], "base64")?,
            }
        }
        "ldap" => {
            if value.to_ascii_uppercase().starts_with("{CRYPT}") {
                return Err(
                    "custom_password_hash: the {CRYPT} LDAP scheme is not supported".into(),
                );
            }
            let encoded = crate::hash::Encoded::new(value.to_string());
            let (f, params) = crate::hash::identify_encoded(&encoded)
                .filter(|(f, _)| f.name().starts_with("ldap-"))
                .ok_or("custom_password_hash.hash.value is not an RFC 2307 hash")?;
            Credential::Legacy {
                format: f.name(),
                encoded,
                params,
            }
        }
        "scrypt" => {
            let keylen = c["keylen"]
                .as_u64()
                .ok_or("custom_password_hash.keylen is required for scrypt")?;
            let cost = c["cost"].as_u64().unwrap_or(16384);
            if !cost.is_power_of_two() {
                return Err("custom_password_hash.cost must be a power of two".into());
            }
            let value = decode(value, encoding.unwrap_or("hex"))?;
            if value.len() as u64 != keylen {
                return Err("custom_password_hash.keylen does not match the value".into());
            }
            Credential::Scrypt {
                salt,
                log_n: cost.trailing_zeros() as u8,
                r: c["blockSize"].as_u64().unwrap_or(8) as u32,
                p: c["parallelization"].as_u64().unwrap_or(1) as u32,
                value,
            }
        }
        "hmac" | "md4" => {
            return Err(format!(
                "custom_password_hash: `{algorithm}` is accepted by Auth0 but not emulated here"
            ));
        }
        o => {
            return Err(format!(
                "custom_password_hash.algorithm: `{o}` is not one of argon2, bcrypt, hmac, ldap, md4, md5, sha1, sha256, sha512, pbkdf2, scrypt"
            ));
        }
    })
}

async fn import(State(s): State<Shared>, mut form: Multipart) -> Response {
    let mut headers = HeaderMap::new();
    if let Err(r) = s.gate_read(&mut headers).await {
        return r;
    }
    let (mut users, mut upsert) = (None, false);
    while let Ok(Some(field)) = form.next_field().await {
        match field.name().unwrap_or("") {
            "users" => match field.bytes().await {
                Ok(b) if b.len() > MAX_FILE => {
                    return s.respond(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        headers,
                        json!({"statusCode": 413, "error": "Request Entity Too Large", "message": format!("Payload content length greater than maximum allowed: {MAX_FILE}")}),
                    );
                }
                Ok(b) => users = Some(b),
                Err(_) => {
                    return s.respond(
                        StatusCode::BAD_REQUEST,
                        headers,
                        bad("could not read the users file"),
                    );
                }
            },
            "upsert" => upsert = field.text().await.map(|t| t == "true").unwrap_or(false),
            _ => {}
        }
    }
    let Some(users) = users else {
        return s.respond(
            StatusCode::BAD_REQUEST,
            headers,
            bad("Payload validation error: 'Missing required property: users'"),
        );
    };
    let Ok(Value::Array(list)) = serde_json::from_slice::<Value>(&users) else {
        return s.respond(
            StatusCode::BAD_REQUEST,
            headers,
            bad("Users file must be a JSON array"),
        );
    };
    let id = {
        let mut jobs = s.jobs.lock().expect("lock");
        if jobs.jobs.iter().filter(|j| j.status == "pending").count() >= MAX_ACTIVE_JOBS {
            drop(jobs);
            return s.respond(
                StatusCode::TOO_MANY_REQUESTS,
                headers,
                json!({"statusCode": 429, "error": "Too Many Requests", "message": format!("There are already {MAX_ACTIVE_JOBS} pending import jobs; wait for one to finish"), "errorCode": "too_many_requests"}),
            );
        }
        let id = format!("job_{:016x}", crate::rng::mix64(jobs.jobs.len() as u64 + 1));
        jobs.jobs.push(Job {
            id: id.clone(),
            status: "pending",
            summary: json!({"failed": 0, "updated": 0, "inserted": 0, "total": list.len()}),
            errors: Vec::new(),
        });
        id
    };
    let (state, job_id, n) = (s.clone(), id.clone(), list.len());
    tokio::spawn(async move {
        // Imports take a while on the real service: long enough to see the job limit.
        tokio::time::sleep(Duration::from_millis(50) + Duration::from_micros(50 * n as u64)).await;
        let (mut inserted, mut updated, mut errors) = (0, 0, Vec::new());
        for u in list {
            let email = u["email"].as_str().unwrap_or("").to_string();
            let result = if !email.contains('@') {
                Err((
                    "INVALID_FORMAT",
                    "email: Object didn't pass validation for format email".to_string(),
                ))
            } else if u.get("password").is_some() {
                // The import schema has no plaintext field: the record is
                // refused (and its password neither stored nor echoed).
                Err((
                    "OBJECT_ADDITIONAL_PROPERTIES",
                    "Additional properties not allowed: password".to_string(),
                ))
            } else {
                user_credential(&u).map_err(|m| ("INVALID_FORMAT", m))
            };
            match result {
                Err((code, message)) => errors.push(
                    json!({"user": without_password(&u), "errors": [{"code": code, "message": message}]}),
                ),
                Ok(credential) => {
                    let mut store = state.store.lock().expect("lock");
                    let user = User {
                        id: super::user_id("auth0|", store.users.len()),
                        login: email.clone(),
                        email,
                        first_name: u["given_name"].as_str().map(str::to_string),
                        last_name: u["family_name"].as_str().map(str::to_string),
                        credential,
                        raw: u.clone(),
                    };
                    match store.put(user, upsert) {
                        Ok(true) => inserted += 1,
                        Ok(false) => updated += 1,
                        Err(super::Duplicate) => errors.push(json!({"user": u, "errors": [{"code": "DUPLICATED_USER", "message": "The user already exists."}]})),
                    }
                }
            }
        }
        let mut jobs = state.jobs.lock().expect("lock");
        if let Some(j) = jobs.jobs.iter_mut().find(|j| j.id == job_id) {
            j.status = "completed";
            j.summary = json!({"failed": errors.len(), "updated": updated, "inserted": inserted, "total": n});
            j.errors = errors;
        }
    });
    s.respond(StatusCode::CREATED, headers, json!({"status": "pending", "type": "users_import", "id": id, "connection_id": "con_understudy", "upsert": upsert}))
}

/// A record as echoed in a job's errors: never with a plaintext password.
fn without_password(u: &Value) -> Value {
    let mut u = u.clone();
    if let Some(o) = u.as_object_mut() {
        o.remove("password");
    }
    u
}

async fn job(State(s): State<Shared>, Path(id): Path<String>) -> Response {
    let jobs = s.jobs.lock().expect("lock");
    match jobs.jobs.iter().find(|j| j.id == id) {
        Some(j) => {
            let body = json!({"id": j.id, "type": "users_import", "status": j.status, "summary": j.summary});
            drop(jobs);
            s.respond(StatusCode::OK, HeaderMap::new(), body)
        }
        None => {
            drop(jobs);
            s.respond(StatusCode::NOT_FOUND, HeaderMap::new(), json!({"statusCode": 404, "error": "Not Found", "message": "The job does not exist."}))
        }
    }
}

async fn job_errors(State(s): State<Shared>, Path(id): Path<String>) -> Response {
    let errors = s
        .jobs
        .lock()
        .expect("lock")
        .jobs
        .iter()
        .find(|j| j.id == id)
        .map(|j| j.errors.clone());
    match errors {
        Some(e) if e.is_empty() => s.respond(StatusCode::NO_CONTENT, HeaderMap::new(), Value::Null),
        Some(e) => s.respond(StatusCode::OK, HeaderMap::new(), Value::Array(e)),
        None => s.respond(
            StatusCode::NOT_FOUND,
            HeaderMap::new(),
            json!({"statusCode": 404, "error": "Not Found"}),
        ),
    }
}

async fn list(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let mut headers = HeaderMap::new();
    if let Err(r) = s.gate_read(&mut headers).await {
        return r;
    }
    let page = q
        .get("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(0);
    let per_page = super::page_size(&q, "per_page", 50, 100);
    let store = s.store.lock().expect("lock");
    let users: Vec<Value> = store
        .users
        .iter()
        .skip(page * per_page)
        .take(per_page)
        .map(|u| json!({"user_id": u.id, "email": u.email, "given_name": u.first_name, "family_name": u.last_name}))
        .collect();
    let body = json!({"start": page * per_page, "limit": per_page, "length": users.len(), "total": store.users.len(), "users": users});
    drop(store);
    s.respond(StatusCode::OK, headers, body)
}

async fn login(State(s): State<Shared>, body: axum::body::Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let login = v["username"].as_str().or(v["email"].as_str()).unwrap_or("");
    if s.login(login, v["password"].as_str().unwrap_or("")) {
        s.respond(StatusCode::OK, HeaderMap::new(), json!({"status": "ok"}))
    } else {
        s.respond(
            StatusCode::FORBIDDEN,
            HeaderMap::new(),
            json!({"error": "invalid_grant", "error_description": "Wrong email or password."}),
        )
    }
}
