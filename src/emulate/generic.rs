//! A generic user API: `POST /users` (201, 409 on a duplicate email),
//! `GET /users?limit=&after=`, `POST /login`. Hashes are any format
//! understudy knows, named by `hash_format` or identified.

use super::verify::Credential;
use super::{Shared, User};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};
use std::collections::HashMap;

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/users", post(create).get(list))
        .route(
            "/users/{email}",
            axum::routing::get(super::jit::generic_get),
        )
        .route("/login", post(login))
}

pub fn credential(v: &Value) -> Result<Option<Credential>, String> {
    let Some(hash) = v["password_hash"].as_str() else {
        return Ok(None);
    };
    let encoded = crate::hash::Encoded {
        hash: hash.to_string(),
        salt: v["password_salt"].as_str().map(str::to_string),
    };
    let params: crate::hash::Params = v["hash_params"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let format = match v["hash_format"].as_str() {
        Some(name) => {
            crate::hash::lookup(name).ok_or_else(|| format!("unknown hash_format `{name}`"))?
        }
        None => crate::hash::identify_encoded(&encoded)
            .map(|(f, _)| f)
            .ok_or("password_hash: unrecognised format; send hash_format")?,
    };
    Ok(Some(Credential::Legacy {
        format: format.name(),
        encoded,
        params,
    }))
}

async fn create(State(s): State<Shared>, body: Bytes) -> Response {
    let (headers, fail_after_commit, v) = match s
        .open_write(&body, || json!({"error": "invalid_json"}))
        .await
    {
        Ok(opened) => opened,
        Err(r) => return r,
    };
    let Some(email) = v["email"].as_str().filter(|e| e.contains('@')) else {
        return s.respond(
            StatusCode::BAD_REQUEST,
            headers,
            json!({"error": "invalid_email", "field": "email"}),
        );
    };
    let credential = match credential(&v) {
        // A plaintext password (JIT): hashed here, like a provider would.
        Ok(c) => c.or_else(|| {
            v["password"]
                .as_str()
                .map(|p| super::jit::plaintext_credential(&s, p))
        }),
        Err(e) => {
            return s.respond(
                StatusCode::BAD_REQUEST,
                headers,
                json!({"error": "invalid_password_hash", "message": e}),
            );
        }
    };
    let user = {
        let mut store = s.store.lock().expect("lock");
        let user = User {
            id: super::user_id("u_", store.users.len()),
            login: email.to_string(),
            email: email.to_string(),
            first_name: v["first_name"].as_str().map(str::to_string),
            last_name: v["last_name"].as_str().map(str::to_string),
            credential,
            raw: without_password(&v),
        };
        if store.put(user.clone(), false).is_err() {
            drop(store);
            return s.respond(
                StatusCode::CONFLICT,
                headers,
                json!({"error": "duplicate_email", "email": email}),
            );
        }
        user
    };
    if fail_after_commit {
        return s.server_error(headers);
    }
    s.respond(
        StatusCode::CREATED,
        headers,
        json!({"id": user.id, "email": user.email}),
    )
}

/// The body as stored for listing: never the plaintext password.
fn without_password(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("password");
    }
    v
}

async fn list(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let mut headers = HeaderMap::new();
    if let Err(r) = s.gate_read(&mut headers).await {
        return r;
    }
    let limit = super::page_size(&q, "limit", 500, 1000);
    let store = s.store.lock().expect("lock");
    let (page, more) = store.page(q.get("after"), limit);
    let next = page.last().filter(|_| more).map(|u| u.id.clone());
    let users: Vec<Value> = page.iter().map(|u| u.raw.clone()).collect();
    drop(store);
    s.respond(
        StatusCode::OK,
        headers,
        json!({"users": users, "next": next}),
    )
}

async fn login(State(s): State<Shared>, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let login = v["login"]
        .as_str()
        .or(v["email"].as_str())
        .or(v["username"].as_str())
        .unwrap_or("");
    if s.login(login, v["password"].as_str().unwrap_or("")) {
        s.respond(StatusCode::OK, HeaderMap::new(), json!({"status": "ok"}))
    } else {
        s.respond(
            StatusCode::UNAUTHORIZED,
            HeaderMap::new(),
            json!({"error": "invalid_credentials"}),
        )
    }
}
