//! The JIT rehearsal loop: seed the legacy store, then replay simulated days
//! of sign-ins against the new system with legacy fallback; checkpoint after
//! every day (`--resume`); finally verify every user on the new side, fit the
//! forecast, scan the run's outputs for plaintext passwords, and report.

use super::activity::{Model, wrong_password};
use super::forecast::{self, Forecast};
use super::legacy::{self, Columns, LegacyConn, LegacySpec};
use super::newsys::{Api, Created, NewSystem, NewUser, Rehash};
use crate::error::{Error, Result};
use crate::generator::plan::{CHUNK, PoolChoice, rows_in};
use crate::generator::table::{RowId, Scratch};
use crate::harness::Plan;
use crate::hash::HashMode;
use crate::profile::{CLASSES, Profile};
use crate::report::Latency;
use crate::report::metrics::{decode_histogram, latency_of};
use crate::row::RowBuf;
use base64::Engine;
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub struct JitOptions {
    pub profile: Profile,
    pub users: u64,
    pub seed: u64,
    pub legacy: String,
    pub new: String,
    pub api: Api,
    pub days: u32,
    /// Simulated seconds per wall second; None: as fast as possible.
    pub speed: Option<f64>,
    pub rehash: Rehash,
    pub workers: usize,
    pub resume: bool,
    pub hash_cost_light: bool,
    pub hash_mode: Option<HashMode>,
    pub edge_rate: Option<f64>,
    pub report: Option<PathBuf>,
    pub html: Option<PathBuf>,
    /// The JIT application's log (default beside the report).
    pub log: Option<PathBuf>,
    /// Checkpoint file (default beside the report).
    pub state: Option<PathBuf>,
    /// More files or directories to scan for plaintexts (the emulator's log).
    pub scan: Vec<PathBuf>,
    /// Days the check forecast is fitted on (default 30, or a third of the run).
    pub forecast_days: Option<u32>,
    pub quiet: bool,
    /// How long a store or system that stops answering, once reached, is
    /// waited for.
    pub retry_for: Duration,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DayRow {
    pub day: u32,
    /// Share of all users migrated by the end of the day.
    pub migrated_share: f64,
    /// Share of active users (every class but dormant) migrated.
    pub active_migrated_share: f64,
    pub migrated: u64,
    pub new_migrations: u64,
    pub sign_ins: u64,
    pub wrong_attempts: u64,
    pub legacy_lookups: u64,
    pub errors: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ErrorEntry {
    pub class: String,
    pub label: String,
    pub count: u64,
    pub example: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ForecastCheck {
    pub fitted_on_days: u32,
    pub day: u32,
    pub predicted_share: f64,
    pub simulated_share: f64,
    pub error_points: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LeakScan {
    pub files: u64,
    pub passwords_searched: u64,
    pub passwords_skipped: u64,
    pub findings: u64,
    pub examples: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Latencies {
    /// Sign-ins that migrated the user: lookup, legacy verification, create.
    pub first_login: Latency,
    /// Sign-ins of migrated users: lookup, authenticate on the new side.
    pub later_login: Latency,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JitReport {
    pub schema_version: u32,
    pub kind: String,
    pub tool_version: String,
    pub profile: String,
    pub profile_digest: String,
    pub seed: u64,
    pub users: u64,
    pub days: u32,
    pub api: String,
    pub new_system: String,
    pub legacy: String,
    pub rehash: String,
    pub hash_cost: String,
    pub workers: usize,
    pub speed: Option<f64>,
    /// Users per activity class, and where the classes came from.
    pub activity_classes: BTreeMap<String, u64>,
    pub activity_source: String,
    pub active_users: u64,
    pub coverage: Vec<DayRow>,
    pub forecast: Forecast,
    pub forecast_check: Option<ForecastCheck>,
    pub migrated_users: u64,
    pub migrated_verified: u64,
    pub migrated_not_verified: u64,
    pub wrong_password_migrations: u64,
    /// Migrated users that the new side also let in with a wrong password.
    pub wrong_password_accepted: u64,
    pub imported_hashes: u64,
    pub rehashed_by_target: u64,
    /// Users migrated through a password reset (no legacy verification).
    pub migrated_by_reset: u64,
    pub sign_ins: u64,
    pub wrong_attempts: u64,
    pub legacy_lookups: u64,
    pub latency: Latencies,
    pub errors: Vec<ErrorEntry>,
    pub retries: u64,
    pub backoff_s: f64,
    pub leak_scan: Option<LeakScan>,
    pub seed_legacy_s: f64,
    pub replay_s: f64,
    pub verify_s: f64,
    pub wall_s: f64,
    pub resumed_from_day: Option<u32>,
    pub passed: bool,
}

/// What survives a kill: written after each simulated day.
#[derive(Serialize, Deserialize)]
struct Progress {
    key: String,
    days_done: u32,
    coverage: Vec<DayRow>,
    sign_ins: u64,
    wrong_attempts: u64,
    legacy_lookups: u64,
    imported: u64,
    rehashed: u64,
    wrong_password_migrations: u64,
    errors: BTreeMap<String, ErrorEntry>,
    first_hist: String,
    later_hist: String,
    migrated: String,
    right_attempted: String,
    #[serde(default)]
    reset: String,
    #[serde(default)]
    resets: u64,
    retries: u64,
    backoff_s: f64,
    replay_s: f64,
}

struct Bits(Vec<AtomicU64>);

impl Bits {
    fn new(n: u64) -> Bits {
        Bits((0..n.div_ceil(64)).map(|_| AtomicU64::new(0)).collect())
    }
    /// Sets bit `i`; true when it was clear.
    fn set(&self, i: u64) -> bool {
        let m = 1u64 << (i % 64);
        self.0[(i / 64) as usize].fetch_or(m, Ordering::Relaxed) & m == 0
    }
    fn get(&self, i: u64) -> bool {
        self.0[(i / 64) as usize].load(Ordering::Relaxed) & (1u64 << (i % 64)) != 0
    }
    fn count(&self) -> u64 {
        self.0
            .iter()
            .map(|w| w.load(Ordering::Relaxed).count_ones() as u64)
            .sum()
    }
    fn encode(&self) -> String {
        let mut b = Vec::with_capacity(self.0.len() * 8);
        for w in &self.0 {
            b.extend_from_slice(&w.load(Ordering::Relaxed).to_le_bytes());
        }
        base64::engine::general_purpose::STANDARD.encode(b)
    }
    fn decode(&self, s: &str) -> bool {
        let Ok(b) = base64::engine::general_purpose::STANDARD.decode(s) else {
            return false;
        };
        if b.len() != self.0.len() * 8 {
            return false;
        }
        for (i, c) in b.chunks(8).enumerate() {
            self.0[i].store(
                u64::from_le_bytes(c.try_into().expect("8 bytes")),
                Ordering::Relaxed,
            );
        }
        true
    }
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid bounds")
}

fn hist_b64(h: &Histogram<u64>) -> String {
    latency_of(h).histogram
}

/// One worker's tallies for one day (or the final pass).
#[derive(Default)]
struct Tally {
    sign_ins: u64,
    wrong_attempts: u64,
    legacy_lookups: u64,
    new_migrations: u64,
    imported: u64,
    rehashed: u64,
    wrong_password_migrations: u64,
    resets: u64,
    errors: BTreeMap<(String, String), (u64, String)>,
    first: Option<Histogram<u64>>,
    later: Option<Histogram<u64>>,
    // final pass
    present: u64,
    verified: u64,
    not_verified: u64,
    wrong_accepted: u64,
    present_without_right_attempt: u64,
}

impl Tally {
    fn error(&mut self, class: &str, labels: &[String], example: impl FnOnce() -> String) {
        let label = if labels.is_empty() {
            "-".to_string()
        } else {
            labels.join("+")
        };
        let e = self
            .errors
            .entry((class.to_string(), label))
            .or_insert((0, String::new()));
        e.0 += 1;
        if e.1.is_empty() {
            e.1 = example();
        }
    }
}

struct Worker {
    new: NewSystem,
    legacy: LegacyConn,
    row: RowBuf,
    scratch: Scratch,
}

/// Everything the workers share, read-only or atomic.
struct Shared<'a> {
    plan: &'a Plan,
    cols: &'a Columns,
    model: &'a Model,
    rehash: Rehash,
    migrated: Bits,
    right_attempted: Bits,
    /// Users who reset their password at the first sign-in (they now use `reset_password`).
    reset: Bits,
    log: Mutex<std::io::BufWriter<std::fs::File>>,
}

struct UserRow {
    email: String,
    first: Option<String>,
    last: Option<String>,
    password: String,
    labels: Vec<String>,
}

impl Shared<'_> {
    fn user(&self, w: &mut Worker, u: u64) -> UserRow {
        let g = &self.plan.generator;
        let id = RowId {
            index: u,
            parent: 0,
            ordinal: 0,
        };
        g.row(g.users_table, id, &mut w.row, &mut w.scratch);
        let get = |c: Option<usize>| {
            c.map(|c| w.row.get(c))
                .filter(|(k, _)| *k != crate::row::FieldKind::Null)
                .map(|(_, v)| v.to_string())
        };
        UserRow {
            email: w.row.get(self.cols.email).1.to_string(),
            first: get(self.cols.first_name),
            last: get(self.cols.last_name),
            password: if self.reset.get(u) {
                self.model.reset_password(u)
            } else {
                w.scratch.password.clone()
            },
            labels: w
                .scratch
                .injections
                .iter()
                .map(|i| g.edge_label(i.case).to_string())
                .collect(),
        }
    }

    fn log(&self, line: std::fmt::Arguments) {
        let mut l = self.log.lock().expect("lock");
        let _ = l.write_fmt(line);
        let _ = l.write_all(b"\n");
    }

    /// One sign-in of user `u` on `day`: maybe a wrong password first, then the right one.
    fn sign_in(&self, w: &mut Worker, t: &mut Tally, u: u64, day: u32) {
        let user = self.user(w, u);
        t.sign_ins += 1;
        if !self.migrated.get(u) && !self.reset.get(u) && self.model.resets(u) {
            self.reset_flow(w, t, u, day, &user);
            return;
        }
        let mut attempts = Vec::with_capacity(2);
        if self.model.wrong_first(u, day) {
            attempts.push((wrong_password(&user.password, u, day), false));
        }
        attempts.push((user.password.clone(), true));
        for (pw, right) in attempts {
            if !right {
                t.wrong_attempts += 1;
            } else {
                self.right_attempted.set(u);
            }
            self.attempt(w, t, u, day, &user, &pw, right);
        }
    }

    /// "Forgot password" at the first sign-in: the user exists in the legacy
    /// store (one lookup, no verification) and is created in the new system
    /// with the password it chooses now.
    fn reset_flow(&self, w: &mut Worker, t: &mut Tally, u: u64, day: u32, user: &UserRow) {
        let started = Instant::now();
        match w.new.find(&user.email) {
            Ok(None) => {}
            Ok(Some(_)) => {
                t.error("reset_but_present", &user.labels, || format!("user {u}"));
                return;
            }
            Err(e) => {
                t.error(e.class, &user.labels, || e.message.clone());
                return;
            }
        }
        t.legacy_lookups += 1;
        let stored = match w.legacy.lookup(&user.email) {
            Ok(Some(s)) => s,
            Ok(None) => {
                t.error("legacy_missing", &user.labels, || format!("user {u}"));
                return;
            }
            Err(e) => {
                t.error("legacy_unavailable", &user.labels, || e);
                return;
            }
        };
        let new_password = self.model.reset_password(u);
        let created = w.new.create(
            &NewUser {
                email: &user.email,
                first_name: user.first.as_deref(),
                last_name: user.last.as_deref(),
                password: &new_password,
                legacy: &stored,
                legacy_format: None,
            },
            Rehash::Target,
        );
        match created {
            Ok(Created::Created { .. }) => {
                t.first
                    .get_or_insert_with(histogram)
                    .saturating_record((started.elapsed().as_micros() as u64).max(1));
                self.reset.set(u);
                self.right_attempted.set(u);
                if self.migrated.set(u) {
                    t.new_migrations += 1;
                }
                t.resets += 1;
                t.rehashed += 1;
                self.log(format_args!(
                    "day={day} user={u} email={} path=reset result=migrated",
                    user.email
                ));
            }
            Ok(Created::Duplicate) => t.error("duplicate_login", &user.labels, || {
                format!("user {u} <{}>", user.email)
            }),
            Err(e) => t.error(e.class, &user.labels, || e.message.clone()),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn attempt(
        &self,
        w: &mut Worker,
        t: &mut Tally,
        u: u64,
        day: u32,
        user: &UserRow,
        pw: &str,
        right: bool,
    ) {
        let started = Instant::now();
        let found = match w.new.find(&user.email) {
            Ok(f) => f,
            Err(e) => {
                t.error(e.class, &user.labels, || e.message.clone());
                return;
            }
        };
        if found.is_some() {
            // Migrated by a run killed mid-day (its checkpoint predates the
            // create): the user is counted on the replayed day, as it was then.
            if found.as_deref() == Some(user.email.as_str()) && self.migrated.set(u) {
                t.new_migrations += 1;
                self.log(format_args!(
                    "day={day} user={u} email={} path=new result=recovered",
                    user.email
                ));
            }
            match w.new.authenticate(&user.email, pw) {
                Ok(ok) => {
                    let us = started.elapsed().as_micros() as u64;
                    t.later
                        .get_or_insert_with(histogram)
                        .saturating_record(us.max(1));
                    if right && !ok {
                        let class = if found.as_deref() != Some(user.email.as_str()) {
                            "login_taken_by_case_variant"
                        } else {
                            "new_side_rejects_right_password"
                        };
                        t.error(class, &user.labels, || format!("user {u} <{}>", user.email));
                    } else if !right && ok {
                        t.error("new_side_accepts_wrong_password", &user.labels, || {
                            format!("user {u} <{}>", user.email)
                        });
                    }
                    self.log(format_args!(
                        "day={day} user={u} email={} path=new result={}",
                        user.email,
                        if ok { "ok" } else { "rejected" }
                    ));
                }
                Err(e) => t.error(e.class, &user.labels, || e.message.clone()),
            }
            return;
        }
        // Not in the new system: the legacy fallback.
        t.legacy_lookups += 1;
        let stored = match w.legacy.lookup(&user.email) {
            Ok(Some(s)) => s,
            Ok(None) => {
                t.error("legacy_missing", &user.labels, || {
                    format!("user {u} <{}> not in the legacy store", user.email)
                });
                return;
            }
            Err(e) => {
                t.error("legacy_unavailable", &user.labels, || e);
                return;
            }
        };
        let ok = match legacy::verify(pw, &stored) {
            Ok(ok) => ok,
            Err(e) => {
                t.error("legacy_unverifiable", &user.labels, || {
                    format!("user {u}: {e}")
                });
                return;
            }
        };
        if !ok {
            if right {
                t.error("legacy_rejects_right_password", &user.labels, || {
                    format!("user {u} <{}>", user.email)
                });
            }
            self.log(format_args!(
                "day={day} user={u} email={} path=legacy result=rejected",
                user.email
            ));
            return;
        }
        let format = crate::hash::identify_encoded(&stored).map(|(f, _)| f.name());
        let created = w.new.create(
            &NewUser {
                email: &user.email,
                first_name: user.first.as_deref(),
                last_name: user.last.as_deref(),
                password: pw,
                legacy: &stored,
                legacy_format: format,
            },
            self.rehash,
        );
        match created {
            Ok(Created::Created { imported }) => {
                let us = started.elapsed().as_micros() as u64;
                t.first
                    .get_or_insert_with(histogram)
                    .saturating_record(us.max(1));
                if self.migrated.set(u) {
                    t.new_migrations += 1;
                }
                if imported {
                    t.imported += 1;
                } else {
                    t.rehashed += 1;
                }
                if !right {
                    t.wrong_password_migrations += 1;
                    t.error("wrong_password_migrated", &user.labels, || {
                        format!("user {u} <{}>", user.email)
                    });
                }
                self.log(format_args!(
                    "day={day} user={u} email={} path=legacy result=migrated format={} how={}",
                    user.email,
                    format.unwrap_or("?"),
                    if imported { "import" } else { "rehash" }
                ));
            }
            Ok(Created::Duplicate) => t.error("duplicate_login", &user.labels, || {
                format!("user {u} <{}>", user.email)
            }),
            Err(e) => t.error(e.class, &user.labels, || e.message.clone()),
        }
    }

    /// The final pass for user `u`: is it on the new side under its own
    /// login, does its password work there, does a wrong one not?
    fn check(&self, w: &mut Worker, t: &mut Tally, u: u64) {
        let user = self.user(w, u);
        let found = match w.new.find(&user.email) {
            Ok(f) => f,
            Err(e) => {
                t.error(e.class, &user.labels, || e.message.clone());
                return;
            }
        };
        // Providers match logins case-insensitively: only an exact match is this user's account.
        if found.as_deref() != Some(user.email.as_str()) {
            return;
        }
        t.present += 1;
        if !self.right_attempted.get(u) {
            t.present_without_right_attempt += 1;
        }
        match w.new.authenticate(&user.email, &user.password) {
            Ok(true) => t.verified += 1,
            Ok(false) => {
                t.not_verified += 1;
                t.error("migrated_cannot_sign_in", &user.labels, || {
                    format!("user {u} <{}>", user.email)
                });
            }
            Err(e) => t.error(e.class, &user.labels, || e.message.clone()),
        }
        match w
            .new
            .authenticate(&user.email, &wrong_password(&user.password, u, 0))
        {
            Ok(true) => {
                t.wrong_accepted += 1;
                t.error("new_side_accepts_wrong_password", &user.labels, || {
                    format!("user {u} <{}>", user.email)
                });
            }
            Ok(false) => {}
            Err(e) => t.error(e.class, &user.labels, || e.message.clone()),
        }
    }
}

fn merge_hist(into: &mut Histogram<u64>, from: &Option<Histogram<u64>>) {
    if let Some(h) = from {
        let _ = into.add(h);
    }
}

fn say(quiet: bool, msg: impl AsRef<str>) {
    if !quiet {
        eprintln!("{}", msg.as_ref());
    }
}

fn beside(report: &Option<PathBuf>, ext: &str, default: &str) -> PathBuf {
    match report {
        Some(r) => r.with_extension(ext),
        None => PathBuf::from(default),
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(|e| Error::io("write", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io("write", path, e))
}

/// Runs the rehearsal; returns the report and the exit code (0, or 1 when a
/// migrated user cannot sign in, a wrong password migrated someone, or a
/// plaintext leaked).
pub fn run(opts: JitOptions) -> Result<(JitReport, i32)> {
    let wall = Instant::now();
    crate::util::fixed_mmap_threshold();
    if opts.days == 0 {
        return Err(Error::usage("--days must be at least 1"));
    }
    if opts.users == 0 {
        return Err(Error::usage("--users must be at least 1"));
    }
    crate::util::check_outputs(&[
        ("--report", &opts.report),
        ("--html", &opts.html),
        ("--log", &opts.log),
        ("--state", &opts.state),
    ])?;
    let workers = opts.workers.max(1);
    let spec = LegacySpec::parse(&opts.legacy)?;
    let addr = super::http::parse_base(&opts.new).map_err(Error::usage)?;
    let mut probe = NewSystem::new(opts.api, &addr);
    probe.probe().map_err(|e| {
        Error::target(format!(
            "cannot reach the new system at {}: {e} (start one with: understudy emulate {} --listen {addr})",
            crate::redact::dsn(&opts.new),
            match opts.api {
                Api::Okta => "okta",
                Api::Generic => "generic",
            }
        ))
    })?;
    let domains = opts.profile.domains.clone();
    let plan = Plan::with_pools(
        opts.profile.clone(),
        opts.users,
        opts.seed,
        &domains,
        PoolChoice {
            mode: opts.hash_mode,
            light: opts.hash_cost_light,
            cache: true,
        },
        opts.edge_rate,
    )?;
    let cols = Columns::of(&plan)?;
    let state_path = opts
        .state
        .clone()
        .unwrap_or_else(|| beside(&opts.report, "state.json", "understudy-jit.state.json"));
    let log_path = opts
        .log
        .clone()
        .unwrap_or_else(|| beside(&opts.report, "log", "understudy-jit.log"));
    let key = format!(
        "{}|{}|{}|{}|{}|{:?}|{:?}|{}|{:?}|{:?}",
        plan.profile.digest,
        opts.seed,
        opts.users,
        spec.redacted(),
        crate::redact::dsn(&opts.new),
        opts.api,
        opts.rehash,
        opts.hash_cost_light,
        opts.hash_mode,
        opts.edge_rate
    );
    let previous: Option<Progress> = if opts.resume {
        match std::fs::read(&state_path) {
            Ok(b) => {
                let p: Progress = serde_json::from_slice(&b).map_err(|e| {
                    Error::usage(format!(
                        "--resume: {} is not a JIT checkpoint: {e}",
                        state_path.display()
                    ))
                })?;
                if p.key != key {
                    return Err(Error::usage(format!(
                        "--resume: {} was written by a run with other parameters (profile, seed, users, legacy, new system, api, rehash or hash cost)",
                        state_path.display()
                    )));
                }
                Some(p)
            }
            Err(_) => None,
        }
    } else {
        if state_path.exists() {
            return Err(Error::usage(format!(
                "{} holds an earlier JIT run: use --resume to continue it, or delete it",
                state_path.display()
            )));
        }
        None
    };

    // A damaged checkpoint is refused before the legacy store is touched.
    let (migrated, right_attempted, reset) = (
        Bits::new(opts.users),
        Bits::new(opts.users),
        Bits::new(opts.users),
    );
    if let Some(p) = &previous
        && (!migrated.decode(&p.migrated)
            || !right_attempted.decode(&p.right_attempted)
            || (!p.reset.is_empty() && !reset.decode(&p.reset)))
    {
        return Err(Error::usage(format!(
            "--resume: {} is damaged",
            state_path.display()
        )));
    }

    // 1. The legacy store.
    let t_seed = Instant::now();
    say(
        opts.quiet,
        format!(
            "seeding legacy store {} with {}…",
            spec.redacted(),
            crate::util::count(opts.users, "user", "users")
        ),
    );
    let dir = legacy::seed(&spec, &plan, &cols, opts.resume, opts.quiet, opts.retry_for)?;
    let seed_legacy_s = t_seed.elapsed().as_secs_f64();

    // 2. Activity classes (a pure function of each user's row and the seed).
    let model = Model::new(&plan.profile.activity, opts.seed);
    let classes: Vec<u8> = {
        let mut out = Vec::with_capacity(opts.users as usize);
        let g = &plan.generator;
        let from = model.derived_from();
        let mut row = RowBuf::default();
        let mut scratch = Scratch::default();
        let mut start = 0;
        while start < opts.users {
            let end = (start + CHUNK).min(opts.users);
            rows_in(
                g,
                g.users_table,
                &[],
                start..end,
                &[],
                &mut row,
                &mut scratch,
                |_, id, row, _| {
                    let v = from
                        .map(|c| row.get(c))
                        .filter(|(k, _)| *k != crate::row::FieldKind::Null)
                        .map(|(_, v)| v);
                    out.push(model.class(id.index, v) as u8);
                },
            );
            start = end;
        }
        out
    };
    let mut class_counts = [0u64; 5];
    for &c in &classes {
        class_counts[c as usize] += 1;
    }
    let dormant = CLASSES.len() - 1;
    let active_users: u64 = opts.users - class_counts[dormant];

    let log_file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| Error::io("open", &log_path, e))?;
    let shared = Shared {
        plan: &plan,
        cols: &cols,
        model: &model,
        rehash: opts.rehash,
        migrated,
        right_attempted,
        reset,
        log: Mutex::new(std::io::BufWriter::new(log_file)),
    };
    let mut p = match previous {
        Some(p) => {
            say(
                opts.quiet,
                format!("resuming after simulated day {}", p.days_done),
            );
            p
        }
        None => Progress {
            key: key.clone(),
            days_done: 0,
            coverage: Vec::new(),
            sign_ins: 0,
            wrong_attempts: 0,
            legacy_lookups: 0,
            imported: 0,
            rehashed: 0,
            wrong_password_migrations: 0,
            errors: BTreeMap::new(),
            first_hist: hist_b64(&histogram()),
            later_hist: hist_b64(&histogram()),
            migrated: String::new(),
            right_attempted: String::new(),
            reset: String::new(),
            resets: 0,
            retries: 0,
            backoff_s: 0.0,
            replay_s: 0.0,
        },
    };
    let resumed_from_day = (p.days_done > 0).then_some(p.days_done);
    let mut first = decode_histogram(&p.first_hist).unwrap_or_else(histogram);
    let mut later = decode_histogram(&p.later_hist).unwrap_or_else(histogram);

    let waiting = std::sync::Arc::new(crate::retry::Waiting::new(
        format!("the new system at {}", opts.new),
        opts.retry_for,
        opts.quiet,
    ));
    let mut ws: Vec<Worker> = (0..workers)
        .map(|_| {
            let mut scratch = Scratch::default();
            scratch.want_password = true;
            Ok(Worker {
                new: NewSystem::new(opts.api, &addr).waiting_out(opts.retry_for, waiting.clone()),
                legacy: LegacyConn::open(&spec, &cols, &dir)?,
                row: RowBuf::default(),
                scratch,
            })
        })
        .collect::<Result<_>>()?;

    let mut active_migrated: u64 = (0..opts.users)
        .filter(|&u| classes[u as usize] as usize != dormant && shared.migrated.get(u))
        .count() as u64;

    // 3. The simulated days.
    let bar = (!opts.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr())).then(|| {
        let b = indicatif::ProgressBar::new(opts.days as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} day {pos}/{len} · {msg}",
            )
            .expect("valid template"),
        );
        b.set_position(p.days_done as u64);
        b
    });
    for day in (p.days_done + 1)..=opts.days {
        let t_day = Instant::now();
        let mut todays: Vec<(u32, u64)> = (0..opts.users)
            .filter(|&u| model.signs_in(u, classes[u as usize] as usize, day))
            .map(|u| (model.second_of_day(u, day), u))
            .collect();
        if opts.speed.is_some() {
            todays.sort_unstable();
        }
        let next = AtomicUsize::new(0);
        let tallies: Vec<Tally> = std::thread::scope(|s| {
            let handles: Vec<_> = ws
                .iter_mut()
                .map(|w| {
                    let (shared, todays, next) = (&shared, &todays, &next);
                    let speed = opts.speed;
                    s.spawn(move || {
                        let mut t = Tally::default();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(&(sec, u)) = todays.get(i) else {
                                break;
                            };
                            if let Some(x) = speed {
                                let due = Duration::from_secs_f64(sec as f64 / x);
                                let el = t_day.elapsed();
                                if due > el {
                                    std::thread::sleep(due - el);
                                }
                            }
                            shared.sign_in(w, &mut t, u, day);
                        }
                        t
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("worker"))
                .collect()
        });
        if let Some(x) = opts.speed {
            // The day lasts 86,400 / speed seconds of wall time.
            let due = Duration::from_secs_f64(86_400.0 / x);
            let el = t_day.elapsed();
            if due > el {
                std::thread::sleep(due - el);
            }
        }
        let mut row = DayRow {
            day,
            ..DayRow::default()
        };
        for t in &tallies {
            row.sign_ins += t.sign_ins;
            row.wrong_attempts += t.wrong_attempts;
            row.legacy_lookups += t.legacy_lookups;
            row.new_migrations += t.new_migrations;
            p.imported += t.imported;
            p.rehashed += t.rehashed;
            p.wrong_password_migrations += t.wrong_password_migrations;
            p.resets += t.resets;
            merge_hist(&mut first, &t.first);
            merge_hist(&mut later, &t.later);
            for ((class, label), (n, ex)) in &t.errors {
                row.errors += n;
                let e = p
                    .errors
                    .entry(format!("{class}\u{1f}{label}"))
                    .or_insert_with(|| ErrorEntry {
                        class: class.clone(),
                        label: label.clone(),
                        count: 0,
                        example: ex.clone(),
                    });
                e.count += n;
            }
        }
        // Active users migrated today.
        active_migrated = (0..opts.users)
            .filter(|&u| classes[u as usize] as usize != dormant && shared.migrated.get(u))
            .count() as u64;
        let migrated = shared.migrated.count();
        row.migrated = migrated;
        row.migrated_share = migrated as f64 / opts.users.max(1) as f64;
        row.active_migrated_share = if active_users > 0 {
            active_migrated as f64 / active_users as f64
        } else {
            0.0
        };
        p.sign_ins += row.sign_ins;
        p.wrong_attempts += row.wrong_attempts;
        p.legacy_lookups += row.legacy_lookups;
        p.coverage.push(row.clone());
        p.days_done = day;
        p.retries += ws.iter().map(|w| w.new.retries).sum::<u64>();
        p.backoff_s += ws.iter().map(|w| w.new.backoff.as_secs_f64()).sum::<f64>();
        for w in &mut ws {
            w.new.retries = 0;
            w.new.backoff = Duration::ZERO;
        }
        p.replay_s += t_day.elapsed().as_secs_f64();
        p.first_hist = hist_b64(&first);
        p.later_hist = hist_b64(&later);
        p.migrated = shared.migrated.encode();
        p.right_attempted = shared.right_attempted.encode();
        p.reset = shared.reset.encode();
        let _ = shared.log.lock().expect("lock").flush();
        write_atomic(
            &state_path,
            &serde_json::to_vec(&p).expect("progress serialises"),
        )?;
        let msg = format!(
            "{}, {} migrated ({:.1} %), {}",
            crate::util::count(row.sign_ins, "sign-in", "sign-ins"),
            migrated,
            row.migrated_share * 100.0,
            crate::util::count(row.legacy_lookups, "legacy lookup", "legacy lookups")
        );
        match &bar {
            Some(b) => {
                b.set_position(day as u64);
                b.set_message(msg);
            }
            None => say(opts.quiet, format!("day {day}/{}: {msg}", opts.days)),
        }
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let _ = active_migrated;

    // 4. Every user, on the new side.
    let t_verify = Instant::now();
    say(opts.quiet, "verifying every user on the new side…");
    let next = AtomicU64::new(0);
    let finals: Vec<Tally> = std::thread::scope(|s| {
        let handles: Vec<_> = ws
            .iter_mut()
            .map(|w| {
                let (shared, next) = (&shared, &next);
                let users = opts.users;
                s.spawn(move || {
                    let mut t = Tally::default();
                    loop {
                        let a = next.fetch_add(256, Ordering::Relaxed);
                        if a >= users {
                            break;
                        }
                        for u in a..(a + 256).min(users) {
                            shared.check(w, &mut t, u);
                        }
                    }
                    t
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker"))
            .collect()
    });
    let verify_s = t_verify.elapsed().as_secs_f64();
    let mut present = 0;
    let mut verified = 0;
    let mut not_verified = 0;
    let mut wrong_accepted = 0;
    let mut present_without_right = 0;
    for t in &finals {
        present += t.present;
        verified += t.verified;
        not_verified += t.not_verified;
        wrong_accepted += t.wrong_accepted;
        present_without_right += t.present_without_right_attempt;
        for ((class, label), (n, ex)) in &t.errors {
            let e = p
                .errors
                .entry(format!("{class}\u{1f}{label}"))
                .or_insert_with(|| ErrorEntry {
                    class: class.clone(),
                    label: label.clone(),
                    count: 0,
                    example: ex.clone(),
                });
            e.count += n;
        }
    }
    let retries = p.retries + ws.iter().map(|w| w.new.retries).sum::<u64>();
    let backoff_s = p.backoff_s + ws.iter().map(|w| w.new.backoff.as_secs_f64()).sum::<f64>();
    drop(ws);
    let _ = shared.log.lock().expect("lock").flush();

    // 5. Forecasts: on every observed day, and a check fitted on the first part.
    let new_per_day: Vec<u64> = p.coverage.iter().map(|d| d.new_migrations).collect();
    let fc = forecast::fit(&new_per_day, opts.users);
    let check_days = opts
        .forecast_days
        .unwrap_or(if opts.days >= 60 { 30 } else { opts.days / 3 });
    let forecast_check = (check_days >= 1 && check_days < opts.days).then(|| {
        let f = forecast::fit(&new_per_day[..check_days as usize], opts.users);
        let predicted = forecast::share_at(&f.components, opts.days);
        let simulated = p.coverage.last().map(|d| d.migrated_share).unwrap_or(0.0);
        ForecastCheck {
            fitted_on_days: check_days,
            day: opts.days,
            predicted_share: predicted,
            simulated_share: simulated,
            error_points: (predicted - simulated).abs() * 100.0,
        }
    });

    let mut errors: Vec<ErrorEntry> = p.errors.values().cloned().collect();
    errors.sort_by(|a, b| b.count.cmp(&a.count).then(a.class.cmp(&b.class)));
    let mut report = JitReport {
        schema_version: 1,
        kind: "jit".into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        profile: plan.profile.name.clone(),
        profile_digest: plan.profile.digest.clone(),
        seed: opts.seed,
        users: opts.users,
        days: opts.days,
        api: format!("{:?}", opts.api).to_lowercase(),
        new_system: crate::redact::dsn(&opts.new),
        legacy: spec.redacted(),
        rehash: match opts.rehash {
            Rehash::Target => "argon2id".into(),
            Rehash::Import => "import".into(),
        },
        hash_cost: if opts.hash_cost_light {
            "light"
        } else {
            "profile"
        }
        .into(),
        workers,
        speed: opts.speed,
        activity_classes: CLASSES
            .iter()
            .zip(class_counts)
            .map(|(c, n)| (c.to_string(), n))
            .collect(),
        activity_source: match (plan.profile.activity.shares, model.derived_from()) {
            (Some(_), _) => "profile [activity] classes".into(),
            (None, Some(c)) => format!(
                "derived from {} (recency before {})",
                plan.profile.tables[plan.generator.users_table].columns[c].name,
                {
                    let mut s = String::new();
                    crate::time::push_rfc3339(&mut s, plan.profile.activity.now);
                    s
                }
            ),
            (None, None) => "default shares (no last sign-in column)".into(),
        },
        active_users,
        coverage: p.coverage.clone(),
        forecast: fc,
        forecast_check,
        migrated_users: present,
        migrated_verified: verified,
        migrated_not_verified: not_verified,
        wrong_password_migrations: p.wrong_password_migrations.max(present_without_right),
        wrong_password_accepted: wrong_accepted,
        imported_hashes: p.imported,
        rehashed_by_target: p.rehashed,
        migrated_by_reset: p.resets,
        sign_ins: p.sign_ins,
        wrong_attempts: p.wrong_attempts,
        legacy_lookups: p.legacy_lookups,
        latency: Latencies {
            first_login: latency_of(&first),
            later_login: latency_of(&later),
        },
        errors,
        retries,
        backoff_s,
        leak_scan: None,
        seed_legacy_s,
        replay_s: p.replay_s,
        verify_s,
        wall_s: 0.0,
        resumed_from_day,
        passed: false,
    };

    // 6. Outputs, then the leak scan over them, the log, the checkpoint and --scan paths.
    let write_outputs = |r: &JitReport| -> Result<()> {
        if let Some(path) = &opts.report {
            let json = serde_json::to_string_pretty(r).expect("report serialises");
            std::fs::write(path, json + "\n").map_err(|e| Error::io("write", path, e))?;
        }
        if let Some(path) = &opts.html {
            std::fs::write(path, super::report::html(r))
                .map_err(|e| Error::io("write", path, e))?;
        }
        Ok(())
    };
    report.wall_s = wall.elapsed().as_secs_f64();
    write_outputs(&report)?;
    let mut paths: Vec<PathBuf> = vec![log_path.clone(), state_path.clone()];
    paths.extend(opts.report.iter().cloned());
    paths.extend(opts.html.iter().cloned());
    // The legacy store itself holds hashes, not plaintexts: scanned too.
    match &spec {
        LegacySpec::Ldif(f) => paths.push(f.clone()),
        LegacySpec::Db(t) => paths.extend(t.file().map(std::path::Path::to_path_buf)),
    }
    paths.extend(opts.scan.iter().cloned());
    // Passwords chosen at a reset are plaintexts of this run too.
    let extra: Vec<crate::leaks::Secret> = (0..opts.users)
        .filter(|&u| shared.reset.get(u))
        .map(|u| crate::leaks::Secret {
            password: model.reset_password(u),
            user: u,
            email: String::new(),
            users: 1,
        })
        .collect();
    let summary =
        crate::leaks::scan_with_extra(&plan, crate::leaks::DEFAULT_MIN_LEN, &paths, extra)?;
    report.leak_scan = Some(LeakScan {
        files: summary.files,
        passwords_searched: summary.passwords_searched,
        passwords_skipped: summary.passwords_skipped,
        findings: summary.findings.len() as u64,
        examples: summary
            .findings
            .iter()
            .take(20)
            .map(|f| {
                format!(
                    "{}:{}: user {} ({})",
                    f.file,
                    f.line,
                    f.user,
                    f.form.as_str()
                )
            })
            .collect(),
    });
    report.passed = report.migrated_not_verified == 0
        && report.wrong_password_migrations == 0
        && report.wrong_password_accepted == 0
        && summary.findings.is_empty()
        && report.migrated_users == report.migrated_verified
        // A system that stayed unreachable through every retry leaves users unchecked.
        && !report.errors.iter().any(|e| e.class == "unavailable");
    report.wall_s = wall.elapsed().as_secs_f64();
    write_outputs(&report)?;
    let code = if report.passed { 0 } else { 1 };
    Ok((report, code))
}
