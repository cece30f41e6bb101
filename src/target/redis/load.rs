//! The load of a Redis copy: batches of users generated on every core and
//! packed once (`copies::redis::pack`, the RESP file's commands), written by
//! `workers` connections. Each connection writes a batch in pieces and
//! reads replies only to keep a few pieces in flight, so Redis always has
//! commands queued and its replies fit the socket's buffer (what
//! `redis-cli --pipe` does with one stream). After a batch's replies
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
    /// The packed commands in pieces of `PIECE` users: (bytes, commands).
    pieces: Vec<(Vec<u8>, usize)>,
    cmds: Vec<(u32, Option<u8>)>,
    users: Vec<User>,
    sent: Instant,
}

/// Users per piece written: small enough that the replies of `WINDOW`
/// pieces fit in the socket's buffer, so Redis writes them at once rather
/// than queueing them in its memory (its reply lists cost server time).
const PIECE: usize = 500;
/// Units written and not yet read, per connection.
const WINDOW: usize = 4;

fn build(plan: &Plan, copy: &Copy, lookups: &Lookups, k: u64, range: std::ops::Range<u64>) -> Batch {
    let cx = crate::copies::source::cx(plan, copy, lookups);
    let n = range.end - range.start;
    let mut b = Batch {
        k,
        users_n: n,
        pieces: Vec::new(),
        cmds: Vec::with_capacity(n as usize * 3),
        users: Vec::with_capacity(n as usize),
        sent: Instant::now(),
    };
    let mut bytes = Vec::with_capacity(PIECE * 600);
    let mut orphan = RowBuf::default();
    let mut cmd = redis::Cmd::new();
    for_users(plan, &[], range, &[], |u| {
        let who = b.users.len() as u32;
        if who as usize % PIECE == 0 && who > 0 {
            let count = b.cmds.len() - b.pieces.iter().map(|p| p.1).sum::<usize>();
            b.pieces.push((std::mem::replace(&mut bytes, Vec::with_capacity(PIECE * 600)), count));
        }
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
            store::pack(&cx, d, &mut cmd, &mut bytes, |w| {
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
    let count = b.cmds.len() - b.pieces.iter().map(|p| p.1).sum::<usize>();
    b.pieces.push((bytes, count));
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
    /// A piece of a batch: the position of its first command in the batch
    /// (a tail: none).
    first: Option<usize>,
    /// The batch, with its last piece.
    batch: Option<Batch>,
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
        let e = &errors.iter().find(|(i, _)| b.cmds[*i].0 == who).expect("a failure").1;
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
        first: None,
        batch: None,
    };
    (done, unit)
}

/// One connection: its unread units, reconnected within `retry_for` when
/// lost (every unit is idempotent: the same keys, the same values).
struct Sender<'a> {
    target: &'a RedisTarget,
    con: redis::Connection,
    queue: VecDeque<Unit>,
    /// The failed commands of the batch being read, by position.
    errors: Vec<(usize, redis::RedisError)>,
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
            let resent = (self.queue.iter()).try_for_each(|u| self.con.send_packed_command(&u.bytes));
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

    /// Reads the replies of the oldest unit; after a batch's last piece,
    /// writes its tail.
    fn pop(&mut self, done: &mut Vec<Done>) -> Result<()> {
        let errors = loop {
            let replies = self.queue[0].replies;
            match read(&mut self.con, replies) {
                Ok(errors) => break errors,
                Err(e) => self.recover(e)?,
            }
        };
        let u = self.queue.pop_front().expect("a unit");
        if let Some(first) = u.first {
            (self.errors).extend(errors.into_iter().map(|(i, e)| (first + i, e)));
        }
        if let Some(b) = u.batch {
            self.metrics
                .batch(b.users_n, b.sent.elapsed().as_micros() as u64);
            let errors = std::mem::take(&mut self.errors);
            let (d, tail) = settle(&b, &errors, self.copy, self.opts.batch, self.metrics);
            done.push(d);
            self.push(tail)?;
        }
        Ok(())
    }

    /// Writes a batch piece by piece, reading replies to keep `WINDOW`
    /// units in flight.
    fn write(&mut self, mut b: Batch, done: &mut Vec<Done>) -> Result<()> {
        b.sent = Instant::now();
        let pieces = std::mem::take(&mut b.pieces);
        let (n, mut first, mut b) = (pieces.len(), 0, Some(b));
        for (i, (bytes, count)) in pieces.into_iter().enumerate() {
            while self.queue.len() >= WINDOW {
                self.pop(done)?;
            }
            self.push(Unit {
                bytes,
                replies: count,
                first: Some(first),
                batch: if i + 1 == n { b.take() } else { None },
            })?;
            first += count;
        }
        Ok(())
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
        errors: Vec::new(),
        opts,
        metrics,
        copy,
    };
    let mut done = Vec::new();
    loop {
        let next = rx.lock().unwrap().recv().ok();
        match next {
            Some(b) => s.write(b, &mut done)?,
            None => {
                while !s.queue.is_empty() {
                    s.pop(&mut done)?;
                }
                return Ok(done);
            }
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
        senders.into_iter().map(|h| h.join().expect("a sender")).collect()
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
