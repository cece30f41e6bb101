//! A Redis copy (`rehearse --copies redis://host:port[/db]`, docs/copies.md):
//! the connection, the writer lock, and the load. Each batch of users is one
//! pipeline of the copy's commands (`copies::redis::commands`, the RESP
//! file's) ending with the batch's progress field, written only once every
//! command before it ran (ARCHITECTURE.md § Exactly-once resume: a batch
//! without it is sent again, and leaves the same keys). `verify.rs` reads
//! it back.

pub mod verify;

use crate::copies::source::{docs, for_users};
use crate::copies::{Lookups, redis as store};
use crate::dataset::Plan;
use crate::error::{Error, Result};
use crate::profile::copies::Copy;
use crate::report::metrics::Metrics;
use crate::row::RowBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// `redis://[user:password@]host:port[/db]`.
pub struct RedisTarget {
    url: String,
    client: redis::Client,
}

impl RedisTarget {
    pub fn is_redis(s: &str) -> bool {
        s.starts_with("redis://") || s.starts_with("rediss://")
    }

    pub fn parse(url: &str) -> Result<RedisTarget> {
        if !Self::is_redis(url) {
            return Err(Error::usage(format!(
                "--copies takes a Redis URL: redis://host:port[/db], not {}",
                crate::redact::dsn(url)
            )));
        }
        let client = redis::Client::open(url).map_err(|e| {
            Error::usage(format!(
                "--copies {}: {}\n  form: redis://[user:password@]host:port[/db]",
                crate::redact::dsn(url),
                crate::redact::scrub(&e.to_string(), url)
            ))
        })?;
        Ok(RedisTarget {
            url: url.to_string(),
            client,
        })
    }

    pub fn redacted(&self) -> String {
        crate::redact::dsn(&self.url)
    }

    /// A connection, answering PING; unreachable: exit 3 with what to check.
    pub fn connect(&self) -> Result<redis::Connection> {
        let fail = |e: redis::RedisError| {
            Error::target(format!(
                "cannot reach Redis at {}: {}\n  check that redis-server runs there (redis-cli -h HOST -p PORT ping) and the URL's database and password",
                self.redacted(),
                crate::redact::scrub(&e.to_string(), &self.url)
            ))
        };
        let mut con = self
            .client
            .get_connection_with_timeout(Duration::from_secs(5))
            .map_err(fail)?;
        redis::cmd("PING").query::<String>(&mut con).map_err(fail)?;
        Ok(con)
    }
}

/// The hash holding the copy's committed batches (field: batch number).
pub fn progress_key(copy: &Copy) -> String {
    format!("understudy:progress:{}", copy.name)
}

fn lock_key(copy: &Copy) -> String {
    format!("understudy:lock:{}", copy.name)
}

/// The writer lock: a key with a 30 s expiry, renewed every 10 s while the
/// run lives, so a killed run's lock lapses on its own.
pub struct Lock {
    stop: std::sync::Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    key: String,
    token: String,
    con: Mutex<redis::Connection>,
}

impl Lock {
    pub fn take(target: &RedisTarget, copy: &Copy) -> Result<Lock> {
        let mut con = target.connect()?;
        let key = lock_key(copy);
        let token = format!(
            "pid {} started {}",
            std::process::id(),
            crate::report::head::now()
        );
        let got: Option<String> = redis::cmd("SET")
            .arg(&key)
            .arg(&token)
            .arg("NX")
            .arg("EX")
            .arg(30)
            .query(&mut con)
            .map_err(|e| Error::target(format!("Redis {}: {e}", target.redacted())))?;
        if got.is_none() {
            let holder: Option<String> = redis::cmd("GET").arg(&key).query(&mut con).ok().flatten();
            return Err(Error::usage(format!(
                "another rehearsal is loading copy `{}` into {} ({}): wait for it, or for its lock `{key}` to expire (30 s after it stopped)",
                copy.name,
                target.redacted(),
                holder.unwrap_or_default()
            )));
        }
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let (s, k, t) = (stop.clone(), key.clone(), token.clone());
        let mut renew = target.connect()?;
        let thread = std::thread::spawn(move || {
            let mut waited = 0;
            while !s.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                waited += 200;
                if waited >= 10_000 {
                    waited = 0;
                    let _: redis::RedisResult<Option<String>> = redis::cmd("SET")
                        .arg(&k)
                        .arg(&t)
                        .arg("XX")
                        .arg("EX")
                        .arg(30)
                        .query(&mut renew);
                }
            }
        });
        Ok(Lock {
            stop,
            thread: Some(thread),
            key,
            token,
            con: Mutex::new(con),
        })
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let mut con = self.con.lock().unwrap_or_else(|e| e.into_inner());
        let held: Option<String> = redis::cmd("GET")
            .arg(&self.key)
            .query(&mut *con)
            .ok()
            .flatten();
        if held.as_deref() == Some(self.token.as_str()) {
            let _: redis::RedisResult<i64> = redis::cmd("DEL").arg(&self.key).query(&mut *con);
        }
    }
}

pub struct LoadOptions {
    pub workers: usize,
    pub batch: u64,
    pub resume: bool,
    pub retry_for: Duration,
}

/// A user the copy refused (a command of its failed inside the batch).
#[derive(Debug, Clone, serde::Serialize)]
pub struct CopyReject {
    pub key: String,
    pub class: String,
    pub message: String,
    pub labels: Vec<String>,
}

pub struct CopyLoad {
    /// Users whose every command succeeded.
    pub loaded: u64,
    /// Users of batches an earlier run committed.
    pub skipped: u64,
    pub rejects: Vec<CopyReject>,
    pub resumed: bool,
    pub batches: u64,
    pub duration_s: f64,
    /// Keys written (hashes and secondary keys), orphans included.
    pub keys: u64,
}

/// A server error's class, as reports count it.
pub fn class_of(e: &redis::RedisError) -> String {
    match e.code() {
        Some("WRONGTYPE") => "wrong_type".into(),
        Some("OOM") => "out_of_memory".into(),
        Some(c) => c.to_ascii_lowercase(),
        None => "other".into(),
    }
}

/// The batches an earlier run committed, or the refusal to overwrite them.
fn committed(con: &mut redis::Connection, copy: &Copy, opts: &LoadOptions) -> Result<Vec<u64>> {
    let key = progress_key(copy);
    let fields: Vec<String> = redis::cmd("HKEYS")
        .arg(&key)
        .query(con)
        .map_err(|e| Error::target(format!("reading {key}: {e}")))?;
    if fields.is_empty() {
        return Ok(Vec::new());
    }
    if !opts.resume {
        return Err(Error::usage(format!(
            "the Redis database already holds an earlier rehearsal's progress of copy `{}` ({key}): --resume to continue it, or empty the database (FLUSHDB) to start again",
            copy.name
        )));
    }
    let batch: Option<u64> = redis::cmd("HGET")
        .arg(&key)
        .arg("batch")
        .query(con)
        .unwrap_or(None);
    if batch.is_some_and(|b| b != opts.batch) {
        return Err(Error::usage(format!(
            "--resume: the earlier run loaded batches of {} users; pass --batch {}",
            batch.unwrap_or(0),
            batch.unwrap_or(0)
        )));
    }
    Ok(fields.iter().filter_map(|f| f.parse().ok()).collect())
}

/// One batch's commands, with the user each belongs to.
struct Batch {
    pipe: redis::Pipeline,
    owner: Vec<usize>,
    users: Vec<(String, Vec<String>)>,
    keys: u64,
}

fn build(
    plan: &Plan,
    copy: &Copy,
    lookups: &Lookups,
    k: u64,
    range: std::ops::Range<u64>,
    batch: u64,
) -> Batch {
    let cx = crate::copies::source::cx(plan, copy, lookups);
    let mut b = Batch {
        pipe: redis::pipe(),
        owner: Vec::new(),
        users: Vec::new(),
        keys: 0,
    };
    // Not MULTI/EXEC: Redis runs a connection's commands in order, so the
    // progress field, sent last, is written only after every command of
    // the batch ran; a batch without it is sent again on --resume, and its
    // commands (HSET, SET, EXPIRE of the same values) leave the same copy.
    // A transaction would queue every command first: 20 % more server time.
    b.pipe.ignore_errors();
    let mut orphan = RowBuf::default();
    let n = range.end - range.start;
    for_users(plan, &[], range, &[], |u| {
        let who = b.users.len();
        let mut labels = u.labels.clone();
        let mut key = None;
        docs(plan, copy, u, &mut orphan, |d| {
            if let Some(l) = d.drift {
                labels.push(l.label().to_string());
            }
            key.get_or_insert_with(|| d.key.clone());
            b.keys += 1 + store::secondary_keys(&cx, d).len() as u64;
            for c in store::commands(&cx, d) {
                b.pipe.add_command(c);
                b.owner.push(who);
            }
        });
        labels.dedup();
        b.users.push((key.unwrap_or_default(), labels));
    });
    b.pipe
        .cmd("HSET")
        .arg(progress_key(copy))
        .arg(k)
        .arg(n)
        .arg("batch")
        .arg(batch);
    b
}

/// Loads `copy` into `target`: batches of users over `opts.workers`
/// connections, each batch generated by the worker that sends it.
pub fn load(
    plan: &Plan,
    copy: &Copy,
    target: &RedisTarget,
    opts: &LoadOptions,
    metrics: &Metrics,
) -> Result<CopyLoad> {
    let mut con = target.connect()?;
    let done = committed(&mut con, copy, opts)?;
    let chunks = crate::generator::plan::aligned_chunks(0..plan.users, opts.batch);
    let lookups = Lookups::default();
    let next = AtomicU64::new(0);
    let (loaded, skipped, keys) = (AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0));
    let rejects = Mutex::new(Vec::new());
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    let started = Instant::now();
    metrics.load_started();
    std::thread::scope(|s| {
        for _ in 0..opts.workers.max(1) {
            s.spawn(|| {
                let mut con = match target.connect() {
                    Ok(c) => c,
                    Err(e) => {
                        failure.lock().unwrap().get_or_insert(e);
                        return;
                    }
                };
                loop {
                    if failure.lock().unwrap().is_some() {
                        return;
                    }
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(range) = chunks.get(k as usize).cloned() else {
                        return;
                    };
                    let n = range.end - range.start;
                    if done.contains(&k) {
                        skipped.fetch_add(n, Ordering::Relaxed);
                        continue;
                    }
                    let b = build(plan, copy, &lookups, k, range, opts.batch);
                    match send(target, &mut con, &b, opts, metrics) {
                        Ok(results) => {
                            let bad = refused(&b, &results, metrics);
                            loaded.fetch_add(n - bad.len() as u64, Ordering::Relaxed);
                            keys.fetch_add(b.keys, Ordering::Relaxed);
                            rejects.lock().unwrap().extend(bad);
                        }
                        Err(e) => {
                            failure.lock().unwrap().get_or_insert(e);
                            return;
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().unwrap() {
        return Err(e);
    }
    let mut rejects = rejects.into_inner().unwrap();
    rejects.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(CopyLoad {
        loaded: loaded.into_inner(),
        skipped: skipped.into_inner(),
        rejects,
        resumed: !done.is_empty(),
        batches: chunks.len() as u64,
        duration_s: started.elapsed().as_secs_f64(),
        keys: keys.into_inner(),
    })
}

/// Sends one batch, reconnecting within `retry_for` when the connection is
/// lost (a batch is idempotent: the same keys, the same values).
fn send(
    target: &RedisTarget,
    con: &mut redis::Connection,
    b: &Batch,
    opts: &LoadOptions,
    metrics: &Metrics,
) -> Result<Vec<redis::RedisResult<redis::Value>>> {
    let deadline = Instant::now() + opts.retry_for;
    let mut wait = Duration::from_millis(100);
    loop {
        let t = Instant::now();
        match b.pipe.query::<Vec<redis::RedisResult<redis::Value>>>(con) {
            Ok(r) => {
                metrics.batch(b.users.len() as u64, t.elapsed().as_micros() as u64);
                return Ok(r);
            }
            Err(e)
                if (e.is_io_error() || e.is_connection_dropped() || e.is_timeout())
                    && Instant::now() < deadline =>
            {
                metrics.retry();
                std::thread::sleep(wait);
                wait = (wait * 2).min(Duration::from_secs(5));
                if let Ok(c) = target.connect() {
                    *con = c;
                }
            }
            Err(e) => {
                return Err(Error::target(format!(
                    "Redis {}: a batch failed: {}",
                    target.redacted(),
                    crate::redact::scrub(&e.to_string(), &target.url)
                )));
            }
        }
    }
}

/// The users of `b` whose commands failed, each once, counted in `metrics`.
fn refused(
    b: &Batch,
    results: &[redis::RedisResult<redis::Value>],
    metrics: &Metrics,
) -> Vec<CopyReject> {
    let mut out: Vec<CopyReject> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, r) in results.iter().enumerate() {
        let (Err(e), Some(&who)) = (r, b.owner.get(i)) else {
            continue;
        };
        if !seen.insert(who) {
            continue;
        }
        let (key, labels) = &b.users[who];
        let class = class_of(e);
        metrics.error(&class, labels);
        out.push(CopyReject {
            key: key.clone(),
            class,
            message: e.to_string(),
            labels: labels.clone(),
        });
    }
    out
}
