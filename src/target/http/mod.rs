//! `rehearse --target http://HOST:PORT --api okta|auth0|generic`: the users
//! table goes to an identity API, one request per user (Okta, generic) or in
//! import jobs (Auth0), with each hash re-encoded into the API's fields or the
//! user marked `jit_only`. Closed model by default (W workers, each sends its
//! next user when the last one is answered); `--rate R` is an open model:
//! request k is due at k/R seconds and its latency counts from then, so a slow
//! target cannot hide its queueing (no coordinated omission).
//!
//! Identity-API request bodies: a generated user, with its password hash
//! re-encoded into the fields the provider's import API documents, or refused
//! as `jit_only` when the provider cannot import the format (those users can
//! only move on their first login). One file per API.

pub mod auth0;
pub mod generic;
pub mod okta;
mod verify;

use crate::api::Api;
use crate::error::{Error, Result};
use crate::generator::table::{RowId, Scratch};
use crate::hash::Encoded;
use crate::http::{Answer, Client};
use crate::profile::Kind;
use crate::report::metrics::Metrics;
use crate::row::{FieldKind, RowBuf};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use verify::verify;

/// The fields of one user that an identity API takes (the export module's
/// `User`: one encoder per provider for rehearsals and files).
pub use crate::export::User as ApiUser;
pub use crate::export::UserHash;

/// The provider cannot import this format: the user is reported, not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JitOnly {
    pub format: &'static str,
}

/// The request body (one user; Auth0: one record of an import file).
pub fn body(api: Api, u: &ApiUser) -> std::result::Result<Value, JitOnly> {
    match api {
        Api::Okta => okta::user(u),
        Api::Auth0 => auth0::user(u),
        Api::Generic => Ok(generic::user(u)),
    }
}

/// An identity API reached over HTTP.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpTarget {
    /// `http://host:port` plus any path prefix, without a trailing `/`.
    pub base: String,
    pub api: Api,
}

impl HttpTarget {
    pub fn is_http(url: &str) -> bool {
        url.starts_with("http://") || url.starts_with("https://")
    }

    pub fn parse(url: &str, api: Option<Api>) -> Result<HttpTarget> {
        let shown = crate::redact::dsn(url);
        if url.starts_with("https://") {
            return Err(Error::usage(format!(
                "{shown}: https is not built in; rehearse against an http:// endpoint (an emulator, or a local TLS-terminating proxy)"
            )));
        }
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| Error::usage(format!("{shown}: not an http:// URL")))?;
        if rest.contains('@') {
            return Err(Error::usage(
                "credentials in the URL are not supported: identity-API tokens would end up in reports",
            ));
        }
        let Some(api) = api else {
            return Err(Error::usage(format!(
                "{shown}: say which API the target speaks with --api okta|auth0|generic"
            )));
        };
        let (host, _) = rest.split_once('/').unwrap_or((rest, ""));
        if host.is_empty() {
            return Err(Error::usage(format!("{shown}: no host")));
        }
        Ok(HttpTarget {
            base: format!("http://{}", rest.trim_end_matches('/')),
            api,
        })
    }

    /// `host:port` (port 80 when none is given).
    pub fn addr(&self) -> String {
        let rest = &self.base["http://".len()..];
        let host = rest.split('/').next().unwrap_or(rest);
        if host
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            host.to_string()
        } else {
            format!("{host}:80")
        }
    }

    /// The same target reached at `addr` (the fault proxy).
    pub fn via(&self, addr: &str) -> HttpTarget {
        let rest = &self.base["http://".len()..];
        let path = rest.find('/').map_or("", |i| &rest[i..]);
        HttpTarget {
            base: format!("http://{addr}{path}"),
            api: self.api,
        }
    }

    pub fn api_name(&self) -> &'static str {
        match self.api {
            Api::Okta => "okta",
            Api::Auth0 => "auth0",
            Api::Generic => "generic",
        }
    }
}

pub struct HttpOptions {
    /// Open model: requests per second, each timed from its scheduled start.
    pub rate: Option<f64>,
    /// Concurrent requests (closed model), or the cap on requests in flight (open).
    pub workers: usize,
    pub max_attempts: u32,
    pub retry_for: Duration,
    pub quiet: bool,
    /// Only these users of the plan (`estimate` sends each sample its own).
    pub users: Option<std::ops::Range<u64>>,
    /// The target as messages name it, when requests reach it some other
    /// way (through the fault proxy).
    pub shown_as: Option<String>,
}

/// A user the target refused (or that could not be sent).
#[derive(Debug, Clone)]
pub struct HttpReject {
    pub index: u64,
    pub email: String,
    pub class: String,
    pub message: String,
    pub labels: Vec<String>,
}

pub struct HttpLoad {
    pub created: u64,
    pub rejects: Vec<HttpReject>,
    pub jit_only: BTreeMap<String, u64>,
    pub already_existed_on_retry: u64,
    pub duration_s: f64,
    pub counts: crate::report::HttpCounts,
    pub jobs: Option<u64>,
}

/// Where the API's fields are in the profile's users table.
pub struct UserFields {
    email: usize,
    username: Option<usize>,
    first: Option<usize>,
    last: Option<usize>,
    hash: Option<usize>,
}

impl UserFields {
    pub fn of(plan: &crate::dataset::Plan) -> Result<UserFields> {
        let cols = &plan.profile.tables[plan.generator.users_table].columns;
        let find = |f: &dyn Fn(&Kind) -> bool| cols.iter().position(|c| f(&c.kind));
        Ok(UserFields {
            email: find(&|k| matches!(k, Kind::Email)).ok_or_else(|| {
                Error::usage(
                    "identity APIs key users by email: the profile's users table needs a column of kind \"email\"",
                )
            })?,
            username: find(&|k| matches!(k, Kind::Username)),
            first: find(&|k| matches!(k, Kind::FirstName)),
            last: find(&|k| matches!(k, Kind::LastName)),
            hash: find(&|k| matches!(k, Kind::PasswordHash)),
        })
    }
}

/// Regenerates users and their API bodies (the load and the verification
/// both go through here, so they agree on what was sent).
pub struct Users<'a> {
    plan: &'a crate::dataset::Plan,
    fields: &'a UserFields,
    api: Api,
    pub row: RowBuf,
    pub scratch: Scratch,
}

/// One generated user as the API sees it.
pub struct Made {
    pub body: std::result::Result<serde_json::Value, JitOnly>,
    pub email: String,
    pub first: Option<String>,
    pub last: Option<String>,
    pub labels: Vec<String>,
    /// The user has a password hash (some edge cases leave it NULL).
    pub has_hash: bool,
}

impl<'a> Users<'a> {
    pub fn new(plan: &'a crate::dataset::Plan, fields: &'a UserFields, api: Api) -> Users<'a> {
        let mut scratch = Scratch::default();
        scratch.want_password = true;
        Users {
            plan,
            fields,
            api,
            row: RowBuf::default(),
            scratch,
        }
    }

    pub fn make(&mut self, index: u64) -> Made {
        let g = &self.plan.generator;
        let u = g.users_table;
        g.row(
            u,
            RowId {
                index,
                parent: 0,
                ordinal: 0,
            },
            &mut self.row,
            &mut self.scratch,
        );
        let row = &self.row;
        let text = |i: Option<usize>| {
            i.and_then(|i| {
                let (k, s) = row.get(i);
                (k != FieldKind::Null).then_some(s)
            })
        };
        let encoded = match (self.fields.hash, self.scratch.mix) {
            (Some(h), Some(_)) if row.get(h).0 != FieldKind::Null => Some(Encoded {
                hash: row.get(h).1.to_string(),
                salt: self.scratch.salt().map(str::to_string),
            }),
            _ => None,
        };
        let user = ApiUser {
            email: text(Some(self.fields.email)),
            username: text(self.fields.username),
            first_name: text(self.fields.first),
            last_name: text(self.fields.last),
            hash: encoded
                .as_ref()
                .zip(self.scratch.mix)
                .map(|(e, m)| UserHash {
                    format: g.pools[m].format,
                    encoded: e,
                    params: &g.pools[m].params,
                }),
            ..ApiUser::default()
        };
        Made {
            has_hash: user.hash.is_some(),
            body: body(self.api, &user),
            email: user.email.unwrap_or_default().to_string(),
            first: user.first_name.map(str::to_string),
            last: user.last_name.map(str::to_string),
            labels: self
                .scratch
                .injections
                .iter()
                .map(|i| g.edge_label(i.case).to_string())
                .collect(),
        }
    }
}

/// A user ready to send.
pub struct Item {
    pub index: u64,
    pub email: String,
    pub labels: Vec<String>,
    pub body: Vec<u8>,
}

/// What the workers found, shared.
pub struct Tally {
    pub created: AtomicU64,
    pub already_existed_on_retry: AtomicU64,
    pub rejects: Mutex<Vec<HttpReject>>,
    pub metrics: Arc<Metrics>,
    pub bar: Option<indicatif::ProgressBar>,
}

impl Tally {
    pub fn reject(&self, item: &Item, class: &str, message: String) {
        let labels = if item.labels.is_empty() {
            vec![crate::report::metrics::fallback(class)]
        } else {
            item.labels.clone()
        };
        self.metrics.error(class, &labels);
        self.rejects.lock().expect("rejects").push(HttpReject {
            index: item.index,
            email: item.email.clone(),
            class: class.to_string(),
            message,
            labels,
        });
    }

    pub fn done(&self, rows: u64, latency: Duration) {
        self.created.fetch_add(rows, Ordering::Relaxed);
        self.metrics.batch(rows, latency.as_micros() as u64);
    }

    fn tick(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc(n);
        }
    }
}

/// The error class of a refusal, from the API's error body.
fn refusal_class(api: Api, status: u16, body: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let field = match api {
        Api::Okta => v
            .pointer("/errorCauses/0/errorSummary")
            .and_then(|s| s.as_str())
            .and_then(|s| s.split_once(':'))
            .map(|(f, _)| format!("invalid:{}", f.trim())),
        Api::Generic => v["error"].as_str().map(str::to_string),
        Api::Auth0 => v["errorCode"].as_str().map(str::to_string),
    };
    field.unwrap_or_else(|| format!("http_{status}"))
}

/// "That user exists": Okta's 400 with an E0000001 "already exists" cause,
/// the generic API's 409.
pub fn already_exists(api: Api, status: u16, body: &[u8]) -> bool {
    match api {
        Api::Okta => status == 400 && String::from_utf8_lossy(body).contains("already exists"),
        Api::Generic => status == 409,
        Api::Auth0 => false,
    }
}

/// Books the answer to one create.
fn settle(api: Api, tally: &Tally, item: &Item, answer: Answer, latency: Duration) {
    match answer {
        Answer::Http { status, .. } if (200..300).contains(&status) => tally.done(1, latency),
        Answer::Http {
            status,
            body,
            ambiguous,
        } if already_exists(api, status, &body) => {
            if ambiguous {
                // Our own earlier attempt got through before its answer was lost.
                tally
                    .already_existed_on_retry
                    .fetch_add(1, Ordering::Relaxed);
                tally.done(1, latency);
            } else {
                tally.metrics.batch(0, latency.as_micros() as u64);
                tally.reject(item, "duplicate", message(status, &body));
            }
        }
        Answer::Http { status, body, .. } => {
            tally.metrics.batch(0, latency.as_micros() as u64);
            tally.reject(
                item,
                &refusal_class(api, status, &body),
                message(status, &body),
            );
        }
        Answer::GaveUp { class, message } => {
            tally.metrics.batch(0, latency.as_micros() as u64);
            tally.reject(item, class, message);
        }
    }
    tally.tick(1);
}

fn message(status: u16, body: &[u8]) -> String {
    format!(
        "HTTP {status}: {}",
        String::from_utf8_lossy(&body[..body.len().min(300)])
    )
}

fn create_path(api: Api) -> &'static str {
    match api {
        Api::Okta => "/api/v1/users?activate=false",
        _ => "/users",
    }
}

async fn create(client: &Client, api: Api, item: &Item) -> Answer {
    let url = client.url(create_path(api));
    client
        .send(item.index, || {
            client
                .http
                .post(&url)
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .body(item.body.clone())
        })
        .await
}

/// Closed model: `workers` loops, each sending its next user when answered.
async fn closed(
    client: Arc<Client>,
    api: Api,
    rx: tokio::sync::mpsc::Receiver<Item>,
    tally: Arc<Tally>,
    workers: usize,
) {
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let tasks: Vec<_> = (0..workers.max(1))
        .map(|_| {
            let (client, rx, tally) = (client.clone(), rx.clone(), tally.clone());
            tokio::spawn(async move {
                loop {
                    let Some(item) = rx.lock().await.recv().await else {
                        break;
                    };
                    let t0 = Instant::now();
                    let answer = create(&client, api, &item).await;
                    settle(api, &tally, &item, answer, t0.elapsed());
                }
            })
        })
        .collect();
    for t in tasks {
        let _ = t.await;
    }
}

/// Open model: request k starts at k/rate; at most `workers` in flight
/// (beyond that, requests wait, and the wait counts in their latency).
async fn open(
    client: Arc<Client>,
    api: Api,
    mut rx: tokio::sync::mpsc::Receiver<Item>,
    tally: Arc<Tally>,
    workers: usize,
    rate: f64,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(workers.max(1)));
    let start = Instant::now();
    let mut k = 0u64;
    while let Some(item) = rx.recv().await {
        let due = start + Duration::from_secs_f64(k as f64 / rate);
        k += 1;
        tokio::time::sleep_until(due.into()).await;
        let Ok(slot) = slots.clone().acquire_owned().await else {
            break;
        };
        let (client, tally) = (client.clone(), tally.clone());
        tokio::spawn(async move {
            let answer = create(&client, api, &item).await;
            settle(api, &tally, &item, answer, due.elapsed());
            drop(slot);
        });
    }
    let _ = slots.acquire_many(workers.max(1) as u32).await;
}

/// Sends every user of the plan to the target.
pub fn load(
    plan: &crate::dataset::Plan,
    target: &HttpTarget,
    opts: &HttpOptions,
    metrics: Arc<Metrics>,
) -> Result<(HttpLoad, Arc<Client>)> {
    let fields = UserFields::of(plan)?;
    let range = opts.users.clone().unwrap_or(0..plan.users);
    let rt = runtime()?;
    let client = Arc::new(
        Client::new(
            target.base.clone(),
            opts.max_attempts,
            opts.retry_for,
            opts.workers.max(2),
            metrics.clone(),
        )
        .map_err(|e| Error::target(format!("cannot build the HTTP client: {e}")))?
        .telling(crate::retry::Waiting::new(
            opts.shown_as.clone().unwrap_or_else(|| target.base.clone()),
            opts.retry_for,
            opts.quiet,
        )),
    );
    let bar = (!opts.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr())).then(|| {
        let b = indicatif::ProgressBar::new(range.end - range.start);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} users · {per_sec} · ETA {eta}",
            )
            .expect("valid template"),
        );
        b
    });
    let tally = Arc::new(Tally {
        created: AtomicU64::new(0),
        already_existed_on_retry: AtomicU64::new(0),
        rejects: Mutex::new(Vec::new()),
        metrics,
        bar,
    });
    let jit: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());
    let (tx, rx) = tokio::sync::mpsc::channel::<Item>(1024);
    let started = Instant::now();
    tally.metrics.load_started();
    let mut jobs = None;
    std::thread::scope(|s| {
        let (fields, jit, tally) = (&fields, &jit, &tally);
        s.spawn(move || {
            let mut users = Users::new(plan, fields, target.api);
            let mut skipped = 0u64;
            for index in range {
                let m = users.make(index);
                match m.body {
                    Ok(body) => {
                        let item = Item {
                            index,
                            email: m.email,
                            labels: m.labels,
                            body: serde_json::to_vec(&body).expect("JSON"),
                        };
                        if tx.blocking_send(item).is_err() {
                            break;
                        }
                    }
                    Err(j) => {
                        *jit.lock()
                            .expect("jit")
                            .entry(j.format.to_string())
                            .or_insert(0) += 1;
                        skipped += 1;
                        if skipped.is_multiple_of(256) {
                            tally.tick(256);
                        }
                    }
                }
            }
            tally.tick(skipped % 256);
        });
        rt.block_on(async {
            match (target.api, opts.rate) {
                (Api::Auth0, _) => {
                    jobs = Some(auth0::run(client.clone(), rx, tally.clone()).await);
                }
                (api, Some(r)) => {
                    open(client.clone(), api, rx, tally.clone(), opts.workers, r).await
                }
                (api, None) => closed(client.clone(), api, rx, tally.clone(), opts.workers).await,
            }
        });
    });
    let duration_s = started.elapsed().as_secs_f64();
    if let Some(b) = &tally.bar {
        b.finish_and_clear();
    }
    let mut rejects = std::mem::take(&mut *tally.rejects.lock().expect("rejects"));
    rejects.sort_by_key(|r| r.index);
    Ok((
        HttpLoad {
            created: tally.created.load(Ordering::Relaxed),
            rejects,
            jit_only: jit.into_inner().expect("jit"),
            already_existed_on_retry: tally.already_existed_on_retry.load(Ordering::Relaxed),
            duration_s,
            counts: client.snapshot(),
            jobs,
        },
        client,
    ))
}

/// First contact with an identity API: a TCP connection within a few
/// seconds, straight to it. One that cannot be reached at all is reported
/// now (exit 3) rather than retried for `--retry-for`.
pub fn reach(target: &HttpTarget) -> Result<()> {
    use std::net::ToSocketAddrs;
    let addr = target.addr();
    let fail = |why: String| {
        Error::target(format!(
            "cannot reach the {} API at {}: {why}\n  hint: is it running and listening there? (an emulator: understudy emulate {} --listen {addr})",
            target.api_name(),
            target.base,
            target.api_name()
        ))
    };
    let addrs = addr.to_socket_addrs().map_err(|e| fail(e.to_string()))?;
    let mut why = format!("{addr} resolves to no address");
    for a in addrs {
        match std::net::TcpStream::connect_timeout(&a, crate::target::reach::FIRST_CONTACT) {
            Ok(_) => return Ok(()),
            Err(e) => why = e.to_string(),
        }
    }
    Err(fail(why))
}

pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::target(format!("cannot start the async runtime: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        let t = HttpTarget::parse("http://127.0.0.1:8080/", Some(Api::Okta)).unwrap();
        assert_eq!(t.base, "http://127.0.0.1:8080");
        assert_eq!(t.addr(), "127.0.0.1:8080");
        assert_eq!(t.via("127.0.0.1:9").base, "http://127.0.0.1:9");
        let t = HttpTarget::parse("http://idp.test/tenant", Some(Api::Generic)).unwrap();
        assert_eq!(t.addr(), "idp.test:80");
        assert_eq!(t.via("127.0.0.1:9").base, "http://127.0.0.1:9/tenant");
        assert!(HttpTarget::parse("http://h:1", None).is_err());
        assert!(HttpTarget::parse("https://h:1", Some(Api::Okta)).is_err());
        assert!(HttpTarget::parse("http://u:p@h:1", Some(Api::Okta)).is_err());
    }

    #[test]
    fn refusals_are_classed_by_field() {
        let okta = br#"{"errorCode":"E0000001","errorCauses":[{"errorSummary":"login: Username must be in the form of an email address"}]}"#;
        assert_eq!(refusal_class(Api::Okta, 400, okta), "invalid:login");
        assert!(!already_exists(Api::Okta, 400, okta));
        let dup = br#"{"errorCauses":[{"errorSummary":"login: An object with this field already exists in the current organization"}]}"#;
        assert!(already_exists(Api::Okta, 400, dup));
        assert_eq!(
            refusal_class(Api::Generic, 400, br#"{"error":"invalid_email"}"#),
            "invalid_email"
        );
        assert_eq!(refusal_class(Api::Generic, 418, b"teapot"), "http_418");
    }
}
