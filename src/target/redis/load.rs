//! The load of a Redis copy: batches of users generated on every core and
//! packed once (`copies::redis::pack`, the RESP file's commands), written by
//! `workers` connections. Each connection writes its next batch before it
//! reads the replies of the one before, so Redis always has a batch queued
//! (what `redis-cli --pipe` does with one stream). After a batch's replies
//! come its tail: a `DEL` of what a refused user's other commands wrote
//! (a refused user leaves nothing behind), then the batch's progress field.
//! Redis runs a connection's commands in order, so the progress field is
//! written only after every command of the batch and its clean-up ran
//! (ARCHITECTURE.md § Exactly-once resume: a batch without it is sent again,
//! and leaves the same keys).

use super::{CopyLoad, CopyReject, LoadOptions, RedisTarget, class_of, committed, progress_key};
use crate::copies::source::{docs, for_users};
use crate::copies::{Lookups, redis as store};
use crate::dataset::Plan;
use crate::error::{Error, Result};
use crate::profile::copies::Copy;
use crate::report::metrics::Metrics;
use crate::row::RowBuf;
use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

/// One user of a batch: its key, labels, and the keys its commands write.
struct User {
    key: String,
    labels: Vec<String>,
    writes: Vec<String>,
}

/// One batch's commands, packed, with the user each command belongs to and
/// the key it writes (an index into that user's `writes`, or none).
struct Batch {
    k: u64,
    users_n: u64,
    bytes: Vec<u8>,
    cmds: Vec<(u32, Option<u8>)>,
    users: Vec<User>,
}

fn build(
    plan: &Plan,
    copy: &Copy,
    lookups: &Lookups,
    k: u64,
    range: std::ops::Range<u64>,
) -> Batch {
    let cx = crate::copies::source::cx(plan, copy, lookups);
    let n = range.end - range.start;
    let mut b = Batch {
        k,
        users_n: n,
        bytes: Vec::with_capacity(n as usize * 400),
        cmds: Vec::with_capacity(n as usize * 3),
        users: Vec::with_capacity(n as usize),
    };
    let mut orphan = RowBuf::default();
    let mut cmd = redis::Cmd::new();
    for_users(plan, &[], range, &[], |u| {
        let who = b.users.len() as u32;
        let mut user = User {
            key: String::new(),
            labels: u.labels.clone(),
            writes: Vec::new(),
        };
        docs(plan, copy, u, &mut orphan, |d| {
            if let Some(l) = d.drift {
                user.labels.push(l.label().to_string());
            }
            if user.key.is_empty() {
                user.key = d.key.clone();
            }
            store::pack(&cx, d, &mut cmd, &mut b.bytes, |w| {
                let slot = w.map(|key| {
                    user.writes.push(key.to_string());
                    (user.writes.len() - 1) as u8
                });
                b.cmds.push((who, slot));
            });
        });
        user.labels.dedup();
        b.users.push(user);
    });
    b
}

/// What a batch left: users loaded, keys written, users refused.
struct Done {
    loaded: u64,
    keys: u64,
    rejects: Vec<CopyReject>,
}

/// Bytes written on a connection whose replies are not read yet.
struct Unit {
    bytes: Vec<u8>,
    replies: usize,
    /// A batch's commands (else its tail).
    batch: Option<Batch>,
    sent: Instant,
}

/// The users of `b` whose commands failed (each once, counted in
/// `metrics`), and the tail undoing what their other commands wrote.
fn settle(
    b: &Batch,
    errors: &[(usize, redis::RedisError)],
    copy: &Copy,
    batch: u64,
    metrics: &Metrics,
) -> (Done, Unit) {
    let mut refused: Vec<u32> = Vec::new();
    for (i, e) in errors {
        let who = b.cmds[*i].0;
        if refused.contains(&who) {
            continue;
        }
        refused.push(who);
        let u = &b.users[who as usize];
        metrics.error(&class_of(e), &u.labels);
    }
    let failed: HashSet<usize> = errors.iter().map(|(i, _)| *i).collect();
    let mut tail = redis::pipe();
    let mut rejects = Vec::new();
    for &who in &refused {
        let u = &b.users[who as usize];
        let e = &errors
            .iter()
            .find(|(i, _)| b.cmds[*i].0 == who)
            .expect("a failure")
            .1;
        rejects.push(CopyReject {
            key: u.key.clone(),
            class: class_of(e),
            message: e.to_string(),
            labels: u.labels.clone(),
        });
        // The keys its successful commands wrote; not a key whose own
        // command failed (it holds what was there before, not ours).
        let wrote: Vec<&str> = (b.cmds.iter().enumerate())
            .filter(|(i, (w, s))| *w == who && s.is_some() && !failed.contains(i))
            .map(|(_, (_, s))| u.writes[s.expect("a key") as usize].as_str())
            .collect();
        if !wrote.is_empty() {
            tail.cmd("DEL").arg(&wrote);
        }
    }
    tail.cmd("HSET")
        .arg(progress_key(copy))
        .arg(b.k)
        .arg(b.users_n)
        .arg("batch")
        .arg(batch);
    let keys: u64 = (b.users.iter().enumerate())
        .filter(|(i, _)| !refused.contains(&(*i as u32)))
        .map(|(_, u)| u.writes.len() as u64)
        .sum();
    let done = Done {
        loaded: b.users_n - refused.len() as u64,
        keys,
        rejects,
    };
    let unit = Unit {
        bytes: tail.get_packed_pipeline(),
        replies: tail.len(),
        batch: None,
        sent: Instant::now(),
    };
    (done, unit)
}

/// One connection: its unread units, reconnected within `retry_for` when
/// lost (every unit is idempotent: the same keys, the same values).
struct Sender<'a> {
    target: &'a RedisTarget,
    con: redis::Connection,
    queue: VecDeque<Unit>,
    opts: &'a LoadOptions,
    metrics: &'a Metrics,
    copy: &'a Copy,
}

impl Sender<'_> {
    fn lost(&self, e: &redis::RedisError) -> bool {
        e.is_io_error() || e.is_connection_dropped() || e.is_timeout()
    }

    fn fail(&self, e: redis::RedisError) -> Error {
        Error::target(format!(
            "Redis {}: a batch failed: {}",
            self.target.redacted(),
            crate::redact::scrub(&e.to_string(), &self.target.url)
        ))
    }

    /// Reconnects and writes every unread unit again, within `retry_for`.
    fn recover(&mut self, first: redis::RedisError) -> Result<()> {
        let deadline = Instant::now() + self.opts.retry_for;
        let mut wait = Duration::from_millis(100);
        let mut last = first;
        loop {
            if !self.lost(&last) || Instant::now() >= deadline {
                return Err(self.fail(last));
            }
            self.metrics.retry();
            std::thread::sleep(wait);
            wait = (wait * 2).min(Duration::from_secs(5));
            let Ok(c) = self.target.connect() else {
                continue;
            };
            self.con = c;
            let resent =
                (self.queue.iter()).try_for_each(|u| self.con.send_packed_command(&u.bytes));
            match resent {
                Ok(()) => return Ok(()),
                Err(e) => last = e,
            }
        }
    }

    fn push(&mut self, u: Unit) -> Result<()> {
        let r = self.con.send_packed_command(&u.bytes);
        self.queue.push_back(u);
        match r {
            Ok(()) => Ok(()),
            Err(e) => self.recover(e),
        }
    }

    /// Reads the replies of the oldest unit: a batch's give its tail,
    /// written at once.
    fn pop(&mut self, done: &mut Vec<Done>) -> Result<()> {
        let errors = loop {
            let replies = self.queue[0].replies;
            match read(&mut self.con, replies) {
                Ok(errors) => break errors,
                Err(e) => self.recover(e)?,
            }
        };
        let u = self.queue.pop_front().expect("a unit");
        if let Some(b) = u.batch {
            self.metrics
                .batch(b.users_n, u.sent.elapsed().as_micros() as u64);
            let (d, tail) = settle(&b, &errors, self.copy, self.opts.batch, self.metrics);
            done.push(d);
            self.push(tail)?;
        }
        Ok(())
    }

    fn bodies(&self) -> usize {
        self.queue.iter().filter(|u| u.batch.is_some()).count()
    }
}

/// `n` replies: the commands that failed, by position.
fn read(
    con: &mut redis::Connection,
    n: usize,
) -> std::result::Result<Vec<(usize, redis::RedisError)>, redis::RedisError> {
    let mut errors = Vec::new();
    for i in 0..n {
        if let Err(e) = con.recv_response()?.extract_error() {
            errors.push((i, e));
        }
    }
    Ok(errors)
}

/// One connection's loop: a batch written, then the replies of the batch
/// before it read.
fn send_all(
    target: &RedisTarget,
    copy: &Copy,
    opts: &LoadOptions,
    metrics: &Metrics,
    rx: &Mutex<mpsc::Receiver<Batch>>,
) -> Result<Vec<Done>> {
    let mut s = Sender {
        target,
        con: target.connect()?,
        queue: VecDeque::new(),
        opts,
        metrics,
        copy,
    };
    let mut done = Vec::new();
    loop {
        let next = rx.lock().unwrap().recv().ok();
        let more = next.is_some();
        if let Some(mut b) = next {
            let u = Unit {
                bytes: std::mem::take(&mut b.bytes),
                replies: b.cmds.len(),
                sent: Instant::now(),
                batch: Some(b),
            };
            s.push(u)?;
        }
        while !s.queue.is_empty() && (s.bodies() > 1 || !more || s.queue[0].batch.is_none()) {
            s.pop(&mut done)?;
        }
        if !more {
            return Ok(done);
        }
    }
}

/// Loads `copy` into `target`: batches generated on every core, written
/// over `opts.workers` connections.
pub fn load(
    plan: &Plan,
    copy: &Copy,
    target: &RedisTarget,
    opts: &LoadOptions,
    metrics: &Metrics,
) -> Result<CopyLoad> {
    let mut con = target.connect()?;
    let done: HashSet<u64> = committed(&mut con, copy, opts)?.into_iter().collect();
    let chunks = crate::generator::plan::aligned_chunks(0..plan.users, opts.batch);
    let skipped: u64 = (chunks.iter().enumerate())
        .filter(|(k, _)| done.contains(&(*k as u64)))
        .map(|(_, r)| r.end - r.start)
        .sum();
    let lookups = Lookups::default();
    let next = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let workers = opts.workers.max(1);
    let (tx, rx) = mpsc::sync_channel::<Batch>(workers * 2);
    let rx = Mutex::new(rx);
    let makers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let started = Instant::now();
    metrics.load_started();
    let results: Vec<Result<Vec<Done>>> = std::thread::scope(|s| {
        for _ in 0..makers {
            let tx = tx.clone();
            let (next, stop, done, chunks, lookups) = (&next, &stop, &done, &chunks, &lookups);
            s.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(range) = chunks.get(k as usize).cloned() else {
                        return;
                    };
                    if done.contains(&k) {
                        continue;
                    }
                    if tx.send(build(plan, copy, lookups, k, range)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        let senders: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let r = send_all(target, copy, opts, metrics, &rx);
                    if r.is_err() {
                        // Stop the makers, and drain what they made.
                        stop.store(true, Ordering::Relaxed);
                        while rx.lock().unwrap().recv().is_ok() {}
                    }
                    r
                })
            })
            .collect();
        senders
            .into_iter()
            .map(|h| h.join().expect("a sender"))
            .collect()
    });
    let (mut loaded, mut keys, mut rejects) = (0, 0, Vec::new());
    for r in results {
        for d in r? {
            loaded += d.loaded;
            keys += d.keys;
            rejects.extend(d.rejects);
        }
    }
    rejects.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(CopyLoad {
        loaded,
        skipped,
        rejects,
        resumed: !done.is_empty(),
        batches: chunks.len() as u64,
        duration_s: started.elapsed().as_secs_f64(),
        keys,
    })
}
