//! What just-in-time migration needs from the emulators: look a user up by
//! login, create one with a plaintext password (hashed here with argon2id,
//! as a provider hashes with its own modern format), and Okta's password
//! import inline hook.

use super::verify::Credential;
use super::{Shared, State};
use axum::extract::{Path, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};

/// Salts of emulator-side hashes (not the request counter: that one drives
/// the injected errors, which must not move when JIT creates are added).
static SALTS: AtomicU64 = AtomicU64::new(0);

/// A plaintext password hashed the provider's way: argon2id (default or light
/// parameters), salt from the emulator's seed and a counter.
pub fn plaintext_credential(s: &State, password: &str) -> Credential {
    let f = crate::hash::lookup("argon2id").expect("registered");
    let params = if s.cfg.hash_cost_light {
        crate::hash::light_params(f)
    } else {
        f.default_params()
    };
    let n = SALTS.fetch_add(1, Ordering::Relaxed);
    let mut rng = crate::rng::Rng::at(s.cfg.seed ^ 0xa2_9a55, n);
    match f.hash(password.as_bytes(), &params, &mut rng) {
        Ok(e) => Credential::Argon2(e.hash),
        Err(_) => Credential::Hook,
    }
}

/// `GET /users/{email}` (generic).
pub async fn generic_get(AxState(s): AxState<Shared>, Path(email): Path<String>) -> Response {
    let mut headers = HeaderMap::new();
    if let Err(r) = s.gate_read(&mut headers).await {
        return r;
    }
    let found = s.store.lock().expect("lock").find(&email).cloned();
    match found {
        Some(u) => s.respond(
            StatusCode::OK,
            headers,
            json!({"id": u.id, "email": u.email, "has_password": u.credential.is_some()}),
        ),
        None => s.respond(
            StatusCode::NOT_FOUND,
            headers,
            json!({"error": "not_found", "email": email}),
        ),
    }
}

/// `GET /api/v1/users/{id or login}` (Okta).
pub async fn okta_get(AxState(s): AxState<Shared>, Path(id): Path<String>) -> Response {
    let mut headers = HeaderMap::new();
    if let Err(r) = s.gate_read(&mut headers).await {
        return r;
    }
    let found = {
        let store = s.store.lock().expect("lock");
        // By login; by id only for id-shaped values (a scan: not on the JIT path).
        store
            .find(&id)
            .or_else(|| {
                (id.starts_with("00u") && !id.contains('@'))
                    .then(|| store.users.iter().find(|u| u.id == id))
                    .flatten()
            })
            .cloned()
    };
    match found {
        Some(u) => s.respond(
            StatusCode::OK,
            headers,
            json!({
                "id": u.id,
                "status": "ACTIVE",
                "profile": {"login": u.login, "email": u.email, "firstName": u.first_name, "lastName": u.last_name},
                "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
            }),
        ),
        None => s.respond(
            StatusCode::NOT_FOUND,
            headers,
            super::okta::error(
                "E0000007",
                &format!("Not found: Resource not found: {id} (User)"),
                &[],
            ),
        ),
    }
}

/// Okta's password import inline hook request for one sign-in.
pub fn hook_request(username: &str, password: &str, n: u64) -> Value {
    json!({
        "eventType": "com.okta.user.credential.password.import",
        "eventTypeVersion": "1.0",
        "contentType": "application/json",
        "cloudEventVersion": "0.1",
        "source": "https://understudy.okta.example/api/v1/inlineHooks/cbl0understudy",
        "eventId": format!("{:022x}", crate::rng::mix64(n)),
        "data": {
            "context": {
                "request": {"method": "POST", "url": {"value": "/api/v1/authn"}},
                "credential": {"username": username, "password": password}
            },
            "action": {"credential": "UNVERIFIED"}
        }
    })
}

/// Whether a hook answer says VERIFIED.
pub fn hook_verified(answer: &Value) -> bool {
    answer["commands"].as_array().is_some_and(|cmds| {
        cmds.iter().any(|c| {
            c["type"] == "com.okta.action.update" && c["value"]["credential"] == "VERIFIED"
        })
    })
}

/// For a user whose credential is `Hook`: calls the hook (3 s timeout, as
/// Okta's) and on VERIFIED stores the password. `None`: not a hook user.
pub async fn okta_hook_login(s: &Shared, login: &str, password: &str) -> Option<bool> {
    let is_hook = {
        let store = s.store.lock().expect("lock");
        matches!(
            store.find(login).and_then(|u| u.credential.as_ref()),
            Some(Credential::Hook)
        )
    };
    if !is_hook {
        return None;
    }
    let Some(url) = s.cfg.password_import_hook.clone() else {
        s.stats.logins_failed.fetch_add(1, Ordering::Relaxed);
        return Some(false);
    };
    let n = SALTS.fetch_add(1, Ordering::Relaxed);
    let body = hook_request(login, password, n).to_string();
    let verified = call_hook(&url, body.into_bytes()).await;
    if verified {
        let c = plaintext_credential(s, password);
        let mut store = s.store.lock().expect("lock");
        if let Some(u) = store.find(login).cloned() {
            let mut u = u;
            u.credential = Some(c);
            let _ = store.put(u, true);
        }
        s.stats.logins_ok.fetch_add(1, Ordering::Relaxed);
    } else {
        s.stats.logins_failed.fetch_add(1, Ordering::Relaxed);
    }
    Some(verified)
}

/// Okta gives an inline hook 3 s to answer, retries included.
const HOOK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// Calls the hook through the crate's one HTTP client and retry policy: a
/// 429 is waited out as told, within the hook's 3 s; anything but a 200
/// carrying a VERIFIED command is a failed sign-in.
async fn call_hook(url: &str, body: Vec<u8>) -> bool {
    if !url.starts_with("http://") {
        return false;
    }
    let metrics = std::sync::Arc::new(crate::report::metrics::Metrics::new());
    let Ok(mut client) =
        crate::http::Client::new(String::new(), 1, std::time::Duration::ZERO, 1, metrics)
    else {
        return false;
    };
    client.timeout = HOOK_TIMEOUT;
    let send = client.send(0, || {
        client
            .http
            .post(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.clone())
    });
    match tokio::time::timeout(HOOK_TIMEOUT, send).await {
        Ok(crate::http::Answer::Http {
            status: 200, body, ..
        }) => serde_json::from_slice::<Value>(&body)
            .map(|v| hook_verified(&v))
            .unwrap_or(false),
        _ => false,
    }
}
