//! Local emulators of identity APIs (Okta, Auth0, a generic REST API) with
//! their documented request shapes, validation, rate limits and error bodies,
//! plus injected 5xx and latency: a rehearsal target that behaves like the
//! hosted one, on loopback. Every emulator also answers `POST /login`, which
//! verifies a stored credential against a password the way the provider
//! would, so a rehearsal can prove that imported users can sign in.

mod auth0;
mod generic;
mod jit;
mod limit;
mod okta;
mod okta_factors;
pub mod verify;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use crate::api::Api;
pub use auth0::user_credential as auth0_credential;
pub use limit::Rate;
pub use okta::credential as okta_credential;
pub use verify::Credential;

#[derive(Debug, Clone)]
pub struct Config {
    pub api: Api,
    pub rate: Option<Rate>,
    pub burst: Option<u32>,
    /// Share of requests answered with a 5xx (half of failed creates are
    /// committed first, as real services sometimes do).
    pub error_rate: f64,
    /// Added to every response: mean and ± uniform jitter.
    pub latency: Option<(Duration, Duration)>,
    pub seed: u64,
    /// Keep users in this SQLite file (they survive a restart) instead of memory.
    pub store: Option<std::path::PathBuf>,
    /// Passwords received in plaintext (JIT creates) are hashed with argon2id
    /// at its lightest parameters instead of its defaults (`--hash-cost light`).
    pub hash_cost_light: bool,
    /// Okta: the password import inline hook called for users created with
    /// `credentials.password.hook` (`--password-import-hook URL`).
    pub password_import_hook: Option<String>,
}

impl Config {
    pub fn new(api: Api) -> Config {
        Config {
            api,
            rate: None,
            burst: None,
            error_rate: 0.0,
            latency: None,
            seed: 42,
            store: None,
            hash_cost_light: false,
            password_import_hook: None,
        }
    }
}

/// A user as stored by an emulator.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: String,
    pub login: String,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    #[serde(skip)]
    pub credential: Option<Credential>,
    /// The request body as received, for listing and verification.
    #[serde(skip)]
    pub raw: serde_json::Value,
}

/// The login is taken (case-insensitively).
#[derive(Debug)]
pub struct Duplicate;

#[derive(Default)]
pub struct Store {
    by_login: HashMap<String, usize>,
    by_id: HashMap<String, usize>,
    pub users: Vec<User>,
    /// Okta: each user's enrolled factors, by user id (in memory only).
    pub factors: HashMap<String, Vec<serde_json::Value>>,
    /// `--store sqlite:FILE`: every write also goes here.
    db: Option<rusqlite::Connection>,
}

impl Store {
    /// An empty store in memory, or the users of a SQLite file (created when
    /// missing), their credentials rebuilt from the requests that made them.
    pub fn open(path: Option<&std::path::Path>, api: Api) -> Result<Store, String> {
        let Some(path) = path else {
            return Ok(Store::default());
        };
        let err = |e: rusqlite::Error| format!("--store {}: {e}", path.display());
        let db = rusqlite::Connection::open(path).map_err(err)?;
        // Someone else's database is refused before anything is written to it.
        let have: Vec<String> = db
            .prepare("SELECT name FROM pragma_table_info('users')")
            .and_then(|mut q| q.query_map([], |r| r.get(0))?.collect())
            .map_err(err)?;
        let want = [
            "seq",
            "id",
            "login",
            "email",
            "first_name",
            "last_name",
            "body",
        ];
        if !have.is_empty()
            && let Some(c) = want.iter().find(|c| !have.iter().any(|h| h == *c))
        {
            return Err(format!(
                "--store {}: its `users` table is not an emulator's (no column `{c}`): give a new file, or one an emulator wrote",
                path.display()
            ));
        }
        db.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
             CREATE TABLE IF NOT EXISTS users (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
               login TEXT NOT NULL, email TEXT NOT NULL, first_name TEXT, last_name TEXT, body TEXT NOT NULL,
               credential TEXT);",
        )
        .map_err(err)?;
        // Stores written before the credential column: add it (their
        // plaintext-created users had lost their password anyway).
        let has_credential: bool = db
            .query_row(
                "SELECT count(*) FROM pragma_table_info('users') WHERE name = 'credential'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_err(err)?
            > 0;
        if !has_credential {
            db.execute_batch("ALTER TABLE users ADD COLUMN credential TEXT")
                .map_err(err)?;
        }
        let mut store = Store::default();
        {
            let mut q = db
                .prepare(
                    "SELECT id, login, email, first_name, last_name, body, credential FROM users ORDER BY seq",
                )
                .map_err(err)?;
            let rows = q
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, Option<String>>(6)?,
                    ))
                })
                .map_err(err)?;
            for row in rows {
                let (id, login, email, first_name, last_name, body, own) = row.map_err(err)?;
                let raw: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                let user = User {
                    credential: own
                        .map(Credential::Argon2)
                        .or_else(|| stored_credential(api, &raw)),
                    id,
                    login,
                    email,
                    first_name,
                    last_name,
                    raw,
                };
                let _ = store.put(user, true);
            }
        }
        store.db = Some(db);
        Ok(store)
    }

    pub fn find(&self, login: &str) -> Option<&User> {
        self.by_login
            .get(&login.to_lowercase())
            .map(|&i| &self.users[i])
    }

    /// Cursor paging: up to `limit` users after the one with id `after`,
    /// and whether more follow.
    pub fn page(&self, after: Option<&String>, limit: usize) -> (&[User], bool) {
        let start = match after {
            Some(id) => self.by_id.get(id).map_or(self.users.len(), |i| i + 1),
            None => 0,
        };
        let end = (start + limit).min(self.users.len());
        (&self.users[start..end], end < self.users.len())
    }

    /// Inserts, or replaces when `upsert`; `Err(Duplicate)` on a taken login.
    pub fn put(&mut self, mut u: User, upsert: bool) -> Result<bool, Duplicate> {
        let key = u.login.to_lowercase();
        if let Some(&i) = self.by_login.get(&key) {
            if !upsert {
                return Err(Duplicate);
            }
            u.id = self.users[i].id.clone();
            self.persist(&u);
            self.users[i] = u;
            return Ok(false);
        }
        self.persist(&u);
        self.by_login.insert(key, self.users.len());
        self.by_id.insert(u.id.clone(), self.users.len());
        self.users.push(u);
        Ok(true)
    }

    fn persist(&self, u: &User) {
        if let Some(db) = &self.db {
            // The request body cannot rebuild a credential the emulator made
            // itself (from a plaintext password, or at a hook's VERIFIED): its
            // argon2 string is kept beside the body, never the plaintext.
            let own = match &u.credential {
                Some(Credential::Argon2(h)) => Some(h.as_str()),
                _ => None,
            };
            // A failed write is loud: the store would lose the user on restart.
            if let Err(e) = db.execute(
                "INSERT INTO users (id, login, email, first_name, last_name, body, credential) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET login = ?2, email = ?3, first_name = ?4, last_name = ?5, body = ?6, credential = ?7",
                rusqlite::params![u.id, u.login, u.email, u.first_name, u.last_name, u.raw.to_string(), own],
            ) {
                eprintln!("understudy emulate: cannot write user {} to the store: {e}", u.id);
            }
        }
    }
}

/// Counters the emulator keeps, served at `GET /_understudy/stats`.
#[derive(Debug, Default)]
pub struct Stats {
    pub requests: AtomicU64,
    pub by_status: Mutex<BTreeMap<u16, u64>>,
    pub rate_limited: AtomicU64,
    /// Requests that arrived before the time a 429 told the client to wait for.
    pub early_requests: AtomicU64,
    pub injected_errors: AtomicU64,
    pub logins_ok: AtomicU64,
    pub logins_failed: AtomicU64,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct StatsSnapshot {
    pub requests: u64,
    pub by_status: BTreeMap<String, u64>,
    pub rate_limited: u64,
    pub early_requests: u64,
    pub injected_errors: u64,
    pub users: u64,
    pub logins_ok: u64,
    pub logins_failed: u64,
}

pub struct State {
    pub cfg: Config,
    pub store: Mutex<Store>,
    pub stats: Stats,
    limiter: Mutex<limit::Limiter>,
    seq: AtomicU64,
    pub jobs: Mutex<auth0::Jobs>,
}

/// What the middleware decided for a request before the handler runs.
pub enum Gate {
    Pass,
    /// Answer with an injected 5xx; `commit_first` lets a create succeed first.
    Fail {
        commit_first: bool,
    },
}

impl State {
    fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            requests: self.stats.requests.load(Ordering::Relaxed),
            by_status: self
                .stats
                .by_status
                .lock()
                .expect("lock")
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
            rate_limited: self.stats.rate_limited.load(Ordering::Relaxed),
            early_requests: self.stats.early_requests.load(Ordering::Relaxed),
            injected_errors: self.stats.injected_errors.load(Ordering::Relaxed),
            users: self.store.lock().expect("lock").users.len() as u64,
            logins_ok: self.stats.logins_ok.load(Ordering::Relaxed),
            logins_failed: self.stats.logins_failed.load(Ordering::Relaxed),
        }
    }

    /// Rate limit, latency and error injection, in that order. `Err` is the
    /// 429 to send; rate-limit headers for successful answers go in `headers`.
    pub async fn gate(&self, headers: &mut HeaderMap) -> Result<Gate, Response> {
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        let (decision, retry_header) = {
            let mut l = self.limiter.lock().expect("lock");
            (l.take(), l.sends_retry_after())
        };
        if decision.early {
            self.stats.early_requests.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(h) = &decision.headers {
            for (k, v) in h {
                headers.insert(*k, HeaderValue::from_str(v).expect("ascii header"));
            }
        }
        if let Some(wait) = decision.retry_after {
            self.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
            let mut h = headers.clone();
            if retry_header {
                h.insert(
                    "retry-after",
                    HeaderValue::from_str(&wait.as_secs().max(1).to_string()).expect("digits"),
                );
            }
            let body = match self.cfg.api {
                Api::Okta => okta::error(
                    "E0000047",
                    "API call exceeded rate limit due to too many requests.",
                    &[],
                ),
                Api::Auth0 => {
                    serde_json::json!({"statusCode": 429, "error": "Too Many Requests", "message": "Global limit has been reached", "errorCode": "too_many_requests"})
                }
                Api::Generic => {
                    serde_json::json!({"error": "rate_limited", "retry_after_seconds": wait.as_secs().max(1)})
                }
            };
            return Err(self.respond(StatusCode::TOO_MANY_REQUESTS, h, body));
        }
        if let Some((mean, jitter)) = self.cfg.latency {
            let u = (crate::rng::Rng::at(self.cfg.seed ^ 0x1a7, n).unit() * 2.0 - 1.0)
                * jitter.as_secs_f64();
            tokio::time::sleep(Duration::from_secs_f64((mean.as_secs_f64() + u).max(0.0))).await;
        }
        let mut r = crate::rng::Rng::at(self.cfg.seed ^ 0xe7707, n);
        if r.chance(self.cfg.error_rate) {
            self.stats.injected_errors.fetch_add(1, Ordering::Relaxed);
            return Ok(Gate::Fail {
                commit_first: r.chance(0.5),
            });
        }
        Ok(Gate::Pass)
    }

    /// `gate` where an injected error fails the request outright (reads, and
    /// Auth0 job submissions, which commit nothing synchronously).
    pub async fn gate_read(&self, headers: &mut HeaderMap) -> Result<(), Response> {
        match self.gate(headers).await? {
            Gate::Pass => Ok(()),
            Gate::Fail { .. } => Err(self.server_error(headers.clone())),
        }
    }

    /// A create's opening: the write gate, then its JSON body (a body that
    /// is not JSON answered 400 with the API's own `malformed` error, built
    /// only then).
    /// Gives the response headers so far, whether to fail after committing,
    /// and the body.
    pub async fn open_write(
        &self,
        body: &[u8],
        malformed: impl FnOnce() -> serde_json::Value,
    ) -> Result<(HeaderMap, bool, serde_json::Value), Response> {
        let mut headers = HeaderMap::new();
        let fail_after_commit = self.gate_write(&mut headers).await?;
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(v) => Ok((headers, fail_after_commit, v)),
            Err(_) => Err(self.respond(StatusCode::BAD_REQUEST, headers, malformed())),
        }
    }

    /// `gate` for creates: `Ok(true)` means commit, then answer the injected
    /// 5xx (the create happened, the client cannot tell).
    pub async fn gate_write(&self, headers: &mut HeaderMap) -> Result<bool, Response> {
        match self.gate(headers).await? {
            Gate::Pass => Ok(false),
            Gate::Fail { commit_first: true } => Ok(true),
            Gate::Fail {
                commit_first: false,
            } => Err(self.server_error(headers.clone())),
        }
    }

    /// The injected 5xx, shaped like the provider's.
    pub fn server_error(&self, headers: HeaderMap) -> Response {
        let body = match self.cfg.api {
            Api::Okta => okta::error("E0000009", "Internal Server Error", &[]),
            Api::Auth0 => {
                serde_json::json!({"statusCode": 503, "error": "Service Unavailable", "message": "Service temporarily unavailable"})
            }
            Api::Generic => serde_json::json!({"error": "internal"}),
        };
        let status = if self.cfg.api == Api::Okta {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        self.respond(status, headers, body)
    }

    pub fn respond(
        &self,
        status: StatusCode,
        headers: HeaderMap,
        body: serde_json::Value,
    ) -> Response {
        *self
            .stats
            .by_status
            .lock()
            .expect("lock")
            .entry(status.as_u16())
            .or_insert(0) += 1;
        (status, headers, axum::Json(body)).into_response()
    }

    /// `POST /login` (and Okta's `/api/v1/authn`): checks a password.
    pub fn login(&self, login: &str, password: &str) -> bool {
        // Verified outside the lock: a real-cost hash takes milliseconds.
        let credential = {
            let store = self.store.lock().expect("lock");
            store.find(login).and_then(|u| u.credential.clone())
        };
        let ok = credential.is_some_and(|c| c.verify(password.as_bytes()));
        let counter = if ok {
            &self.stats.logins_ok
        } else {
            &self.stats.logins_failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
        ok
    }
}

/// A stored user's credential, rebuilt from the request that created it.
fn stored_credential(api: Api, raw: &serde_json::Value) -> Option<Credential> {
    match api {
        Api::Okta => raw
            .pointer("/credentials/password/hash")
            .and_then(|h| okta::credential(h).ok()),
        Api::Auth0 => auth0::user_credential(raw).ok().flatten(),
        Api::Generic => generic::credential(raw).ok().flatten(),
    }
}

pub type Shared = Arc<State>;

fn router(state: Shared) -> Router {
    let api = match state.cfg.api {
        Api::Okta => okta::routes(),
        Api::Auth0 => auth0::routes(),
        Api::Generic => generic::routes(),
    };
    api.route(
        "/_understudy/stats",
        axum::routing::get(
            |axum::extract::State(s): axum::extract::State<Shared>| async move {
                axum::Json(s.snapshot())
            },
        ),
    )
    .with_state(state)
}

/// A running emulator on its own thread; dropped, it stops.
pub struct Emulator {
    pub addr: SocketAddr,
    pub state: Shared,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Emulator {
    pub fn start(listen: &str, cfg: Config) -> std::io::Result<Emulator> {
        crate::util::fixed_mmap_threshold();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let listener = rt.block_on(tokio::net::TcpListener::bind(listen))?;
        let addr = listener.local_addr()?;
        let store = Store::open(cfg.store.as_deref(), cfg.api).map_err(std::io::Error::other)?;
        let state = Arc::new(State {
            limiter: Mutex::new(limit::Limiter::new(
                cfg.rate,
                cfg.burst,
                cfg.api == Api::Okta,
            )),
            cfg,
            store: Mutex::new(store),
            stats: Stats::default(),
            seq: AtomicU64::new(0),
            jobs: Mutex::new(auth0::Jobs::default()),
        });
        let app = router(state.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("understudy-emulator".into())
            .spawn(move || {
                rt.block_on(async move {
                    let _ = axum::serve(listener, app)
                        .with_graceful_shutdown(async {
                            let _ = stopped.await;
                        })
                        .await;
                });
            })?;
        Ok(Emulator {
            addr,
            state,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn stats(&self) -> StatsSnapshot {
        self.state.snapshot()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `20ms±10ms`, `50ms`.
pub fn parse_latency(s: &str) -> Option<(Duration, Duration)> {
    let (mean, jitter) = match s.split_once('±').or_else(|| s.split_once("+-")) {
        Some((m, j)) => (m, Some(j)),
        None => (s, None),
    };
    let mean = crate::faults::plan::parse_duration(mean)?;
    let jitter = match jitter {
        Some(j) => crate::faults::plan::parse_duration(j)?,
        None => Duration::ZERO,
    };
    Some((mean, jitter))
}

/// A listing's page size: the query's `key`, else `default`, within 1..=`max`.
pub fn page_size(q: &HashMap<String, String>, key: &str, default: usize, max: usize) -> usize {
    q.get(key)
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(default)
        .clamp(1, max)
}

/// A stable id for the n-th user of an emulator.
pub fn user_id(prefix: &str, n: usize) -> String {
    format!("{prefix}{:016x}", crate::rng::mix64(n as u64 + 1))
}
