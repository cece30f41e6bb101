//! A Redis copy (`rehearse --copies redis://host:port[/db]`, docs/copies.md):
//! the connection, the writer lock, and the load (`load.rs`: batches of the
//! copy's commands, the RESP file's, each followed by its progress field,
//! ARCHITECTURE.md § Exactly-once resume). `verify.rs` reads it back.

mod load;
pub mod raw;
pub mod verify;

pub use load::load;

use crate::error::{Error, Result};
use crate::profile::copies::Copy;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

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

    /// Unreachable: exit 3 with what to check.
    fn unreachable(&self, e: redis::RedisError) -> Error {
        Error::target(format!(
            "cannot reach Redis at {}: {}\n  check that redis-server runs there (redis-cli -h HOST -p PORT ping) and the URL's database and password",
            self.redacted(),
            crate::redact::scrub(&e.to_string(), &self.url)
        ))
    }

    /// A connection, answering PING.
    pub fn connect(&self) -> Result<redis::Connection> {
        let mut con = self
            .client
            .get_connection_with_timeout(Duration::from_secs(5))
            .map_err(|e| self.unreachable(e))?;
        redis::cmd("PING")
            .query::<String>(&mut con)
            .map_err(|e| self.unreachable(e))?;
        Ok(con)
    }

    /// A plain connection (`raw.rs`), answering PING.
    pub fn raw(&self) -> Result<raw::Raw> {
        raw::Raw::open(&self.client, Duration::from_secs(5)).map_err(|e| self.unreachable(e))
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
