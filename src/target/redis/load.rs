//! The load of a Redis copy: batches of users generated on every core and
//! packed once (`copies::redis::pack`, the RESP file's commands), written by
//! `workers` connections (`raw.rs`: plain sockets whose replies are skipped,
//! not parsed). Each connection writes its next batch before it
//! reads the replies of the one before, so Redis always has a batch queued
//! (what `redis-cli --pipe` does with one stream). After a batch's replies
//! come its tail: a `DEL` of what a refused user's other commands wrote
//! (a refused user leaves nothing behind), then the batch's progress field.
//! Redis runs a connection's commands in order, so the progress field is
//! written only after every command of the batch and its clean-up ran
//! (ARCHITECTURE.md § Exactly-once resume: a batch without it is sent again,
//! and leaves the same keys).

use super::raw::Raw;
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

/// One command of a batch: the user it belongs to, where it starts in the
/// batch's bytes, and whether it creates its key (an `EXPIRE` does not).
/// The key itself is read back from the packed command when a user is
/// refused (rare), not kept for every command.
#[derive(Clone, Copy)]
struct Sent {
    who: u32,
    at: usize,
    writes: bool,
}

/// One batch's commands, packed, with the edge-case and drift labels of
/// each user.
struct Batch {
    k: u64,
    users_n: u64,
    bytes: Vec<u8>,
    cmds: Vec<Sent>,
    labels: Vec<Vec<String>>,
}

/// The key of the command at `i` of a batch packed in `bytes` (its first
/// argument), as the crate parses the packed command.
fn key_of(bytes: &[u8], cmds: &[Sent], i: usize) -> String {
    let end = cmds.get(i + 1).map_or(bytes.len(), |c| c.at);
    match redis::parse_redis_value(&bytes[cmds[i].at..end]) {
        Ok(redis::Value::Array(a)) => match a.get(1) {
            Some(redis::Value::BulkString(k)) => String::from_utf8_lossy(k).into_owned(),
            _ => String::new(),
        },
        _ => String::new(),
    }
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
        // About a user's commands (600 bytes for the bench's 7 fields,
        // a secondary key and TTLs): one allocation, not a doubling copy.
        bytes: Vec::with_capacity(n as usize * 640),
        cmds: Vec::with_capacity(n as usize * 3),
        labels: Vec::with_capacity(n as usize),
    };
    let mut orphan = RowBuf::default();
    let mut cmd = redis::Cmd::new();
    for_users(plan, &[], range, &[], |u| {
        let who = b.labels.len() as u32;
        let mut labels = u.labels.clone();
        docs(plan, copy, u, &mut orphan, |d| {
            if let Some(l) = d.drift {
                labels.push(l.label().to_string());
            }
            store::pack(&cx, d, &mut cmd, &mut b.bytes, |w, at| {
                b.cmds.push(Sent {
                    who,
                    at,
                    writes: w.is_some(),
                });
            });
        });
        labels.dedup();
        b.labels.push(labels);
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
    bytes: &[u8],
    errors: &[(usize, redis::RedisError)],
    copy: &Copy,
    batch: u64,
    metrics: &Metrics,
) -> (Done, Unit) {
    let mut refused: Vec<u32> = Vec::new();
    for (i, e) in errors {
        let who = b.cmds[*i].who;
        if refused.contains(&who) {
            continue;
        }
        refused.push(who);
        metrics.error(&class_of(e), &b.labels[who as usize]);
    }
    let failed: HashSet<usize> = errors.iter().map(|(i, _)| *i).collect();
    let mut tail = redis::pipe();
    let mut rejects = Vec::new();
    for &who in &refused {
        let e = &errors
            .iter()
            .find(|(i, _)| b.cmds[*i].who == who)
            .expect("a failure")
            .1;
        // A user's first command is the HSET of its own key.
        let first = (b.cmds.iter())
            .position(|c| c.who == who)
            .expect("a command");
        rejects.push(CopyReject {
            key: key_of(bytes, &b.cmds, first),
            class: class_of(e),
            message: e.to_string(),
            labels: b.labels[who as usize].clone(),
        });
        // The keys its successful commands wrote; not a key whose own
        // command failed (it holds what was there before, not ours).
        let wrote: Vec<String> = (b.cmds.iter().enumerate())
            .filter(|(i, c)| c.who == who && c.writes && !failed.contains(i))
            .map(|(i, _)| key_of(bytes, &b.cmds, i))
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
    let keys = (b.cmds.iter())
        .filter(|c| c.writes && !refused.contains(&c.who))
        .count() as u64;
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
    con: Raw,
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
            let Ok(c) = self.target.raw() else {
                continue;
            };
            self.con = c;
            let resent = (self.queue.iter()).try_for_each(|u| self.con.send(&u.bytes));
            match resent {
                Ok(()) => return Ok(()),
                Err(e) => last = e,
            }
        }
    }

    fn push(&mut self, u: Unit) -> Result<()> {
        let r = self.con.send(&u.bytes);
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
            match self.con.replies(replies) {
                Ok(errors) => break errors,
                Err(e) => self.recover(e)?,
            }
        };
        let u = self.queue.pop_front().expect("a unit");
        if let Some(b) = u.batch {
            self.metrics
                .batch(b.users_n, u.sent.elapsed().as_micros() as u64);
            let (d, tail) = settle(
                &b,
                &u.bytes,
                &errors,
                self.copy,
                self.opts.batch,
                self.metrics,
            );
            done.push(d);
            self.push(tail)?;
        }
        Ok(())
    }

    fn bodies(&self) -> usize {
        self.queue.iter().filter(|u| u.batch.is_some()).count()
    }
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
        con: target.raw()?,
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
