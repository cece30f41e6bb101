//! The new identity system, over HTTP: look a user up by login, create it
//! (with the plaintext password for the target to hash, or the imported
//! legacy hash where the API takes that format), authenticate. Requests go
//! through the crate's one HTTP client and retry policy (`crate::http`,
//! `ARCHITECTURE.md` § Module map): 429s wait as told (`Retry-After` in
//! seconds or as a date, Okta's `X-Rate-Limit-Reset`), 5xx answers and lost
//! connections back off with jitter, as a JIT login path must.

use crate::hash::Encoded;
use crate::http::{Answer, Blocking, Client, segment};
use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
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

/// One worker's handle on the new system; every handle shares one client
/// (its connection pool and rate-limit gate).
pub struct NewSystem {
    pub api: Api,
    http: Blocking,
    /// Seeds each call's backoff jitter, apart from other workers'.
    key: u64,
}

/// Why a call failed.
#[derive(Debug)]
pub struct CallError {
    pub class: &'static str,
    pub message: String,
}

/// A final answer, and whether an earlier attempt may have reached the
/// server (a create may have been committed).
struct Reply {
    status: u16,
    body: Vec<u8>,
    ambiguous: bool,
}

/// 5xx answers allowed per request before it is given up.
const MAX_ATTEMPTS: u32 = 8;

/// `http://host:port[/]` → `host:port`.
pub fn parse_base(url: &str) -> Result<String, String> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        let url = crate::redact::dsn(url);
        format!("`{url}`: only http:// URLs are supported (the emulators and local hook services)")
    })?;
    if rest.contains('@') {
        return Err(
            "credentials in the URL are not supported: they would end up in reports".to_string(),
        );
    }
    let host = rest.trim_end_matches('/');
    if host.is_empty() || host.contains('/') {
        return Err(format!(
            "`{url}`: give the base URL, e.g. http://127.0.0.1:8080"
        ));
    }
    Ok(if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:80")
    })
}

impl NewSystem {
    /// The new system at `addr` (`host:port`). Once reached, a system that
    /// stops answering is waited for up to `retry_for`, told through
    /// `waiting`.
    pub fn new(
        api: Api,
        addr: &str,
        retry_for: Duration,
        waiting: crate::retry::Waiting,
    ) -> Result<NewSystem, String> {
        let metrics = std::sync::Arc::new(crate::report::metrics::Metrics::new());
        // Each handle keeps its own connection (`Blocking`): the shared
        // client's pool stays idle.
        let client = Client::new(
            format!("http://{addr}"),
            MAX_ATTEMPTS,
            retry_for,
            1,
            metrics,
        )
        .map_err(|e| format!("cannot set up an HTTP client: {e}"))?
        .telling(waiting);
        let http =
            Blocking::new(client).map_err(|e| format!("cannot start an HTTP client: {e}"))?;
        Ok(NewSystem { api, http, key: 0 })
    }

    /// Worker `i`'s handle on the same client (its own connection).
    pub fn for_worker(&self, i: usize) -> Result<NewSystem, String> {
        Ok(NewSystem {
            api: self.api,
            http: self
                .http
                .another()
                .map_err(|e| format!("cannot start an HTTP client: {e}"))?,
            key: (i as u64 + 1) << 40,
        })
    }

    /// Requests resent so far by every handle (after a 429, a 5xx or a lost
    /// connection), and the seconds spent waiting before them.
    pub fn resent(&self) -> (u64, f64) {
        let c = self.http.client();
        let h = c.snapshot();
        (
            c.metrics.retries() + h.rate_limited,
            c.metrics.backoff_s() + h.rate_limit_wait_s,
        )
    }

    /// Sends until a final answer, by the client's retry policy.
    fn call(
        &mut self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Reply, CallError> {
        self.key += 1;
        let c = self.http.client();
        let url = c.url(path);
        let make = || {
            let r = self
                .http
                .http()
                .request(method.clone(), &url)
                .header(ACCEPT, "application/json");
            match &body {
                Some(b) => r.header(CONTENT_TYPE, "application/json").body(b.clone()),
                None => r,
            }
        };
        match self.http.send(self.key, make) {
            Answer::Http {
                status,
                body,
                ambiguous,
            } => Ok(Reply {
                status,
                body,
                ambiguous,
            }),
            Answer::GaveUp { message, .. } => Err(CallError {
                class: "unavailable",
                message: format!("{method} {path}: {message}"),
            }),
        }
    }

    /// Whether the new system answers at all (exit 3 otherwise): one
    /// request, no retry.
    pub fn probe(&self) -> Result<(), String> {
        let c = self.http.client();
        self.http
            .once(|| self.http.http().get(c.url("/_understudy/stats")))
            .map(|_| ())
    }

    /// The stored login of the account the API finds for `login` (providers
    /// match case-insensitively), or None.
    pub fn find(&mut self, login: &str) -> Result<Option<String>, CallError> {
        let path = match self.api {
            Api::Okta => format!("/api/v1/users/{}", segment(login)),
            Api::Generic => format!("/users/{}", segment(login)),
        };
        let r = self.call(Method::GET, &path, None)?;
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
        let r = self.call(Method::POST, path, Some(body.to_string().into_bytes()))?;
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
        let r = self.call(Method::POST, path, Some(body.to_string().into_bytes()))?;
        let duplicate = crate::target::http::already_exists(self.api.into(), r.status, &r.body);
        match r.status {
            200 | 201 => Ok(Created::Created {
                imported: was_import,
            }),
            // An attempt that committed (a 5xx, a lost answer), then our
            // retry met our own user.
            _ if duplicate && r.ambiguous => Ok(Created::Created {
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
