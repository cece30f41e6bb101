//! The new identity system, over HTTP: look a user up by login, create it
//! (with the plaintext password for the target to hash, or the imported
//! legacy hash where the API takes that format), authenticate. 429 and 5xx
//! answers are retried with backoff (honouring Retry-After), as a JIT
//! login path must.

use super::http::{Client, Response, segment};
use crate::hash::Encoded;
use serde_json::{Value, json};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Okta,
    Generic,
}

impl From<Api> for crate::api::Api {
    fn from(a: Api) -> Self {
        match a {
            Api::Okta => crate::api::Api::Okta,
            Api::Generic => crate::api::Api::Generic,
        }
    }
}

impl std::str::FromStr for Api {
    type Err = String;
    fn from_str(s: &str) -> Result<Api, String> {
        match s {
            "okta" => Ok(Api::Okta),
            "generic" => Ok(Api::Generic),
            o => Err(format!("unknown --api `{o}`: use okta or generic")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rehash {
    /// Send the plaintext: the target hashes it with its modern format.
    Target,
    /// Send the legacy hash where the target imports that format.
    Import,
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub password: &'a str,
    pub legacy: &'a Encoded,
    pub legacy_format: Option<&'static str>,
}

pub enum Created {
    Created {
        imported: bool,
    },
    /// The login was taken before this create (a case variant of another email).
    Duplicate,
}

pub struct NewSystem {
    pub api: Api,
    client: Client,
    pub retries: u64,
    pub backoff: Duration,
    /// How long a new system that stops answering is waited for.
    retry_for: Duration,
    waiting: Option<std::sync::Arc<crate::retry::Waiting>>,
}

/// Why a call failed.
#[derive(Debug)]
pub struct CallError {
    pub class: &'static str,
    pub message: String,
}

const TRIES: u32 = 8;

impl NewSystem {
    pub fn new(api: Api, addr: &str) -> NewSystem {
        NewSystem {
            api,
            client: Client::new(addr),
            retries: 0,
            backoff: Duration::ZERO,
            retry_for: Duration::ZERO,
            waiting: None,
        }
    }

    /// Once reached, a new system that stops answering (no connection, no
    /// answer) is waited for up to `retry_for`, told through `waiting`.
    pub fn waiting_out(
        mut self,
        retry_for: Duration,
        waiting: std::sync::Arc<crate::retry::Waiting>,
    ) -> NewSystem {
        self.retry_for = retry_for;
        self.waiting = Some(waiting);
        self
    }

    /// Sends with retries on 429, 5xx and lost connections. Returns the
    /// final answer and whether any earlier attempt got a 5xx (a create may
    /// have been committed).
    fn call(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> Result<(Response, bool), CallError> {
        let mut saw_5xx = false;
        let mut last = String::new();
        let mut lost_since: Option<std::time::Instant> = None;
        let (mut attempt, mut sent, mut lost) = (0u32, 0u32, 0u32);
        while attempt < TRIES {
            if sent > 0 {
                self.retries += 1;
            }
            sent += 1;
            attempt += 1;
            match self.client.request(method, path, body) {
                Ok(r) if r.status == 429 || r.status >= 500 => {
                    saw_5xx |= r.status >= 500;
                    let wait = match r.retry_after {
                        Some(s) if r.status == 429 => Duration::from_secs(s.min(60)),
                        _ => Duration::from_millis(10u64 << attempt.min(7)),
                    };
                    last = format!("HTTP {}", r.status);
                    self.backoff += wait;
                    std::thread::sleep(wait);
                }
                Ok(r) => {
                    if let Some(w) = &self.waiting {
                        w.back();
                    }
                    return Ok((r, saw_5xx));
                }
                Err(e) => {
                    last = e.to_string();
                    // No answer at all: waited out within retry_for, the
                    // attempts being for answers (5xx, 429).
                    let since = *lost_since.get_or_insert_with(std::time::Instant::now);
                    let wait = if since.elapsed() < self.retry_for {
                        attempt -= 1;
                        lost += 1;
                        if let Some(w) = &self.waiting {
                            w.lost(&format!("{method} {path}: {last}"));
                        }
                        crate::retry::backoff(lost - 1)
                    } else {
                        Duration::from_millis(20u64 << attempt.min(7))
                    };
                    self.backoff += wait;
                    std::thread::sleep(wait);
                }
            }
        }
        Err(CallError {
            class: "unavailable",
            message: format!("{method} {path}: {last} after {sent} tries"),
        })
    }

    /// Whether the connection works at all (exit 3 otherwise).
    pub fn probe(&mut self) -> Result<(), String> {
        self.client
            .request("GET", "/_understudy/stats", None)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// The stored login of the account the API finds for `login` (providers
    /// match case-insensitively), or None.
    pub fn find(&mut self, login: &str) -> Result<Option<String>, CallError> {
        let path = match self.api {
            Api::Okta => format!("/api/v1/users/{}", segment(login)),
            Api::Generic => format!("/users/{}", segment(login)),
        };
        let (r, _) = self.call("GET", &path, None)?;
        match r.status {
            200 => {
                let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
                let stored = v
                    .pointer("/profile/login")
                    .or_else(|| v.get("email"))
                    .and_then(Value::as_str)
                    .unwrap_or(login);
                Ok(Some(stored.to_string()))
            }
            404 => Ok(None),
            s => Err(CallError {
                class: "lookup",
                message: format!("GET {path}: HTTP {s}"),
            }),
        }
    }

    pub fn authenticate(&mut self, login: &str, password: &str) -> Result<bool, CallError> {
        let (path, body) = match self.api {
            Api::Okta => (
                "/api/v1/authn",
                json!({"username": login, "password": password}),
            ),
            Api::Generic => ("/login", json!({"login": login, "password": password})),
        };
        let (r, _) = self.call("POST", path, Some(body.to_string().as_bytes()))?;
        match r.status {
            200 => Ok(true),
            401 | 403 => Ok(false),
            s => Err(CallError {
                class: "authenticate",
                message: format!("POST {path}: HTTP {s}"),
            }),
        }
    }

    pub fn create(&mut self, u: &NewUser, rehash: Rehash) -> Result<Created, CallError> {
        let imported = match rehash {
            Rehash::Import => self.import_body(u),
            Rehash::Target => None,
        };
        let was_import = imported.is_some();
        let (path, body) = match self.api {
            Api::Okta => {
                let password = imported.unwrap_or_else(|| json!({"value": u.password}));
                (
                    "/api/v1/users?activate=true",
                    json!({
                        "profile": {"login": u.email, "email": u.email,
                                    "firstName": u.first_name, "lastName": u.last_name},
                        "credentials": {"password": password},
                    }),
                )
            }
            Api::Generic => {
                let mut b =
                    json!({"email": u.email, "first_name": u.first_name, "last_name": u.last_name});
                match imported {
                    Some(Value::Object(h)) => {
                        for (k, v) in h {
                            b[k] = v;
                        }
                    }
                    _ => b["password"] = json!(u.password),
                }
                ("/users", b)
            }
        };
        let (r, saw_5xx) = self.call("POST", path, Some(body.to_string().as_bytes()))?;
        let duplicate = crate::target::http::already_exists(self.api.into(), r.status, &r.body);
        match r.status {
            200 | 201 => Ok(Created::Created {
                imported: was_import,
            }),
            // A 5xx that committed, then our retry met our own user.
            _ if duplicate && saw_5xx => Ok(Created::Created {
                imported: was_import,
            }),
            _ if duplicate => Ok(Created::Duplicate),
            s => Err(CallError {
                class: "create",
                message: format!(
                    "POST {path}: HTTP {s}: {}",
                    String::from_utf8_lossy(&r.body)
                        .chars()
                        .take(300)
                        .collect::<String>()
                ),
            }),
        }
    }

    /// The imported-hash part of the create body, when the API takes the format.
    fn import_body(&self, u: &NewUser) -> Option<Value> {
        match self.api {
            Api::Generic => {
                let mut h = json!({"password_hash": u.legacy.hash});
                if let Some(s) = &u.legacy.salt {
                    h["password_salt"] = json!(s);
                }
                if let Some(f) = u.legacy_format {
                    h["hash_format"] = json!(f);
                }
                Some(h)
            }
            // The bulk importer's re-encoding (hash::Parts → Okta's hash object).
            Api::Okta => {
                let format = crate::hash::lookup(u.legacy_format?)?;
                let params = crate::hash::Params::new();
                let h = crate::target::http::UserHash {
                    format,
                    encoded: u.legacy,
                    params: &params,
                };
                crate::target::http::okta::hash(&h)
                    .ok()
                    .map(|h| json!({"hash": h}))
            }
        }
    }
}
