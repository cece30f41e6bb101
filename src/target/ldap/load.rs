//! The load into a directory: batches of users (a fixed index range each,
//! ARCHITECTURE.md § Exactly-once resume) taken by `workers` threads, one
//! bound connection each, every user one add operation. A refused entry is
//! a reject with the class of its result code (`super::classify`) and the
//! row's labels; a finished batch is recorded in the directory
//! (`progress.rs`). An entry that "already exists" is read back and
//! compared: the same entry is one an earlier (killed) run added and
//! counts as loaded; another is a duplicate.
//!
//! Two kinds of rows are refused before they are sent, as the LDIF writer
//! refuses them: windows-1252 bytes (an LDAP value is UTF-8), and an edge
//! case that copies another user's RDN value (its entry would be the other
//! user's: which of the two a server refuses depends on which worker comes
//! first, so the labelled copy is the one refused, whatever the timing).

use super::progress::{self, Recorded, Run};
use super::{Failure, LdapTarget, READ_ATTRS, Session, verify::same_entry};
use crate::dataset::Plan;
use crate::error::{Error, Result};
use crate::generator::plan::rows_in;
use crate::generator::table::Scratch;
use crate::report::metrics::Metrics;
use crate::retry::Waiting;
use crate::row::RowBuf;
use crate::sink::ldif::{Directory, Entry};
use crate::target::{ErrorClass, Reject};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How to load.
pub struct LoadOptions {
    pub workers: usize,
    /// Users per batch.
    pub batch: u64,
    pub resume: bool,
    pub retry_for: Duration,
    pub quiet: bool,
}

/// What a load did.
#[derive(Debug, Default)]
pub struct LdapLoad {
    /// Users whose entries this run added (or found already there, equal).
    pub loaded: u64,
    /// Users in batches an earlier run finished.
    pub skipped: u64,
    /// Every run's refused users.
    pub rejects: Vec<Reject>,
    /// Entries found already there and equal to the ones this run would
    /// add (an earlier, killed run's): counted as loaded, not duplicated.
    pub already_present: u64,
    /// Base entries (suffix, organizational units) this run created.
    pub base_created: Vec<String>,
    pub duration_s: f64,
    pub resumed: bool,
    pub run_id: String,
}

/// One user ready to send.
struct Item {
    entry: Entry,
    key: String,
    labels: Vec<String>,
    /// Refused before sending: (class, why).
    refused: Option<(ErrorClass, String)>,
}

struct Loader<'a> {
    plan: &'a Plan,
    dir: &'a Directory,
    target: &'a LdapTarget,
    o: &'a LoadOptions,
    metrics: &'a Metrics,
    waiting: Waiting,
    loaded: AtomicU64,
    present: AtomicU64,
    rejects: Mutex<Vec<Reject>>,
    abort: AtomicBool,
    fatal: Mutex<Option<Error>>,
}

/// Loads the plan's users into the directory `dir` describes.
pub fn load(
    plan: &Plan,
    dir: &Directory,
    target: &LdapTarget,
    o: &LoadOptions,
    metrics: &Metrics,
) -> Result<LdapLoad> {
    let mut first = target.reach()?;
    let (run, recorded, base_created) = prepare(&mut first, plan, dir, target, o)?;
    let resumed = recorded.is_some();
    let done = recorded
        .as_ref()
        .map(|r| r.batches.clone())
        .unwrap_or_default();
    let skipped: u64 = done.values().map(|(l, r)| l + r).sum();
    if resumed && !o.quiet {
        eprintln!(
            "understudy: resuming run {}: {} batches ({}) already recorded in {}",
            run.run_id,
            done.len(),
            crate::util::count(skipped, "user", "users"),
            progress::dn(dir)
        );
    }
    let batches = plan.users.div_ceil(o.batch);
    let todo: Vec<u64> = (0..batches).filter(|k| !done.contains_key(k)).collect();
    let mut sessions = vec![first];
    for _ in 1..o.workers.min(todo.len().max(1)) {
        sessions.push(target.reach()?);
    }
    let loader = Loader {
        plan,
        dir,
        target,
        o,
        metrics,
        waiting: Waiting::new(target.url(), o.retry_for, o.quiet),
        loaded: AtomicU64::new(0),
        present: AtomicU64::new(0),
        rejects: Mutex::new(Vec::new()),
        abort: AtomicBool::new(false),
        fatal: Mutex::new(None),
    };
    let started = Instant::now();
    metrics.load_started();
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for session in sessions.iter_mut() {
            let (loader, next, todo) = (&loader, &next, &todo);
            s.spawn(move || {
                let mut row = RowBuf::default();
                let mut scratch = Scratch::default();
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= todo.len() || loader.abort.load(Ordering::Relaxed) {
                        return;
                    }
                    if let Err(e) = loader.batch(session, todo[k], &mut row, &mut scratch) {
                        loader.abort.store(true, Ordering::Relaxed);
                        loader.fatal.lock().expect("fatal").get_or_insert(e);
                    }
                }
            });
        }
    });
    if let Some(e) = loader.fatal.lock().expect("fatal").take() {
        return Err(e);
    }
    let duration_s = started.elapsed().as_secs_f64();
    let mut rejects = recorded.map(|r| r.rejects).unwrap_or_default();
    rejects.extend(loader.rejects.into_inner().expect("rejects"));
    Ok(LdapLoad {
        loaded: loader.loaded.into_inner(),
        skipped,
        rejects,
        already_present: loader.present.into_inner(),
        base_created,
        duration_s,
        resumed,
        run_id: run.run_id,
    })
}

/// Reads what earlier runs recorded and decides: resume it, refuse (a
/// rehearsal is there and `--resume` was not given, or its parameters
/// differ; people no rehearsal recorded), or start: the base entries
/// created where missing, then the bookkeeping entry.
fn prepare(
    s: &mut Session,
    plan: &Plan,
    dir: &Directory,
    target: &LdapTarget,
    o: &LoadOptions,
) -> Result<(Run, Option<Recorded>, Vec<String>)> {
    let here = target.redacted();
    let failed = |what: &str, f: Failure| Error::target(format!("{what} on {here}: {f}"));
    let run = Run {
        run_id: new_run_id(),
        profile_digest: plan.profile.digest.clone(),
        seed: plan.seed,
        users: plan.users,
        batch_rows: o.batch,
    };
    let recorded = progress::read(s, dir, plan)
        .map_err(|f| failed(&format!("cannot read {}", progress::dn(dir)), f))?;
    if let Some(rec) = recorded {
        let p = &rec.run;
        if !o.resume {
            return Err(Error::usage(format!(
                "{here} already holds a rehearsal (run {}, {} batches recorded under {}: seed {}, {} users, batch {}).\n  \
                 use --resume to continue it, or start from an empty directory (delete {} and the people under {})",
                p.run_id,
                rec.batches.len(),
                progress::dn(dir),
                p.seed,
                p.users,
                p.batch_rows,
                progress::dn(dir),
                dir.base_dn
            )));
        }
        if !p.same_load(&run) {
            return Err(Error::usage(format!(
                "--resume: {here} holds a rehearsal with different parameters (seed {}, {} users, batch {}, profile digest {}); \
                 resume with the same --profile, --users, --seed and --batch, or start from an empty directory",
                p.seed,
                p.users,
                p.batch_rows,
                &p.profile_digest[..p.profile_digest.len().min(12)]
            )));
        }
        let run = Run {
            run_id: p.run_id.clone(),
            ..run
        };
        return Ok((run, Some(rec), Vec::new()));
    }
    let people = s
        .any(&dir.base_dn, "(objectClass=inetOrgPerson)")
        .map_err(|f| failed(&format!("cannot search {}", dir.base_dn), f))?;
    if people {
        return Err(Error::usage(format!(
            "{} on {here} already holds people that no rehearsal recorded; start from an empty directory (or another [ldap] base_dn)",
            dir.base_dn
        )));
    }
    let mut created = Vec::new();
    for e in dir.base_entries(false) {
        match s.add(&e) {
            Ok(()) => created.push(e.dn),
            Err(f) if f.rc == Some(68) => {}
            Err(f) => {
                return Err(Error::target(format!(
                    "cannot create {} on {here}: {f}\n  hint: is the profile's [ldap] base_dn under a suffix this server holds, and may {} add entries?",
                    e.dn,
                    target.bind_dn.as_deref().unwrap_or("an anonymous bind")
                )));
            }
        }
    }
    progress::start(s, dir, &run)
        .map_err(|f| failed(&format!("cannot create {}", progress::dn(dir)), f))?;
    Ok((run, None, created))
}

fn new_run_id() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{:016x}",
        crate::rng::mix64(t as u64 ^ std::process::id() as u64)
    )
}

/// How an add ended for a user that was sent.
enum Added {
    New,
    /// Already there, equal: an earlier run's.
    Present,
}

impl Loader<'_> {
    /// The batch's users, generated: entries, keys, labels, refusals.
    fn items(&self, k: u64, row: &mut RowBuf, scratch: &mut Scratch) -> Vec<Item> {
        let g = &self.plan.generator;
        let u = g.users_table;
        let pk = g.tables[u].pk.clone();
        let range = k * self.o.batch..((k + 1) * self.o.batch).min(self.plan.users);
        let mut out = Vec::with_capacity(range.clone().count());
        rows_in(g, u, &[], range, &[], row, scratch, |_, _, row, scratch| {
            let cases: Vec<(usize, &str)> = (scratch.injections.iter())
                .map(|i| (i.column, g.edge_label(i.case)))
                .collect();
            let refused = if let Some((_, why)) = self.dir.not_utf8(row) {
                Some((ErrorClass::Encoding, why))
            } else {
                (self.dir.clash(&cases)).map(|(_, why)| (ErrorClass::Duplicate, why))
            };
            let key: Vec<&str> = pk.iter().map(|&c| row.get(c).1).collect();
            out.push(Item {
                entry: self.dir.entry(row),
                key: key.join("\u{1f}"),
                labels: cases.iter().map(|(_, l)| l.to_string()).collect(),
                refused,
            });
        });
        out
    }

    /// One batch: every user added (or refused), then its progress entry.
    fn batch(
        &self,
        s: &mut Session,
        k: u64,
        row: &mut RowBuf,
        scratch: &mut Scratch,
    ) -> Result<()> {
        let t0 = Instant::now();
        let items = self.items(k, row, scratch);
        self.metrics.generated(t0.elapsed());
        let t0 = Instant::now();
        let mut rejects = Vec::new();
        let mut loaded = 0u64;
        for it in items {
            let refusal = match it.refused {
                Some(r) => Some(r),
                None => match self.add(s, &it.entry)? {
                    Ok(Added::New) => None,
                    Ok(Added::Present) => {
                        self.present.fetch_add(1, Ordering::Relaxed);
                        None
                    }
                    Err(f) => Some((f.class(), format!("{}: {f}", it.entry.dn))),
                },
            };
            match refusal {
                None => loaded += 1,
                Some((class, message)) => rejects.push(Reject {
                    table: self.plan.generator.users_table,
                    batch: k,
                    key: it.key,
                    class,
                    message,
                    labels: it.labels,
                }),
            }
        }
        self.retrying(s, "recording a batch", |s| {
            progress::record(s, self.dir, self.plan, k, loaded, &rejects)
        })?;
        self.metrics.batch(loaded, t0.elapsed().as_micros() as u64);
        self.loaded.fetch_add(loaded, Ordering::Relaxed);
        for r in &rejects {
            self.metrics.error(r.class.as_str(), &r.labels);
        }
        self.rejects.lock().expect("rejects").extend(rejects);
        Ok(())
    }

    /// Adds one entry: `Ok(Err(f))` when the server refused it (a reject),
    /// `Err` when the load cannot go on.
    fn add(&self, s: &mut Session, e: &Entry) -> Result<std::result::Result<Added, Failure>> {
        let r = self.retrying(s, "adding an entry", |s| match s.add(e) {
            Ok(()) => Ok(Ok(Added::New)),
            Err(f) if f.is_transient() || f.is_fatal() => Err(f),
            Err(f) => Ok(Err(f)),
        })?;
        match r {
            Err(f) if f.rc == Some(68) => {
                let found =
                    self.retrying(s, "reading an entry back", |s| s.get(&e.dn, &READ_ATTRS))?;
                match found {
                    Some(f) if same_entry(e, &f) => Ok(Ok(Added::Present)),
                    _ => Ok(Err(f)),
                }
            }
            r => Ok(r),
        }
    }

    /// Runs `op`, waiting out a lost connection or a busy server within
    /// `--retry-for` (a fresh session each time); a fatal answer (rights,
    /// a base outside the server) ends the load.
    fn retrying<T>(
        &self,
        s: &mut Session,
        what: &str,
        mut op: impl FnMut(&mut Session) -> std::result::Result<T, Failure>,
    ) -> Result<T> {
        let mut attempt = 0u32;
        let mut first: Option<Instant> = None;
        loop {
            let f = match op(s) {
                Ok(v) => {
                    if attempt > 0 {
                        self.waiting.back();
                    }
                    return Ok(v);
                }
                Err(f) => f,
            };
            let failing = first.get_or_insert_with(Instant::now).elapsed();
            if f.is_fatal() {
                let err = format!("{what} on {}: {f}", self.target.redacted());
                return Err(if matches!(f.rc, Some(49 | 50)) {
                    Error::usage(format!(
                        "{err}\n  hint: bind as a DN that may add entries under {} (--bind-dn, and its password in the URL or {})",
                        self.dir.base_dn,
                        super::PASSWORD_VARS.join(" / ")
                    ))
                } else {
                    Error::target(err)
                });
            }
            if !f.is_transient() || failing >= self.o.retry_for {
                return Err(Error::target(format!(
                    "{what} on {} failed: {f}",
                    self.target.redacted()
                )));
            }
            attempt += 1;
            self.metrics.retry();
            self.waiting.lost(&f.text);
            let wait = crate::retry::backoff(attempt);
            self.metrics.backoff(wait);
            std::thread::sleep(wait);
            if let Ok(fresh) = self.target.session(Duration::from_secs(5)) {
                *s = fresh;
            }
        }
    }
}
