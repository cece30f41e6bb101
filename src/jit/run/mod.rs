//! The JIT rehearsal, as its phases: seed the legacy store, replay
//! simulated days of sign-ins against the new system with legacy fallback
//! (checkpointed after every day for `--resume`), verify every user on the
//! new side, fit the forecast, then write the outputs and scan them for
//! plaintext passwords.

mod checkpoint;
mod outputs;
mod replay;
mod verify;

use super::forecast::{self, Forecast};
use super::legacy::{self, Columns, LegacySpec};
use super::newsys::{Api, NewSystem, Rehash};
use crate::error::{Error, Result};
use crate::generator::plan::PoolChoice;
use crate::harness::Plan;
use crate::hash::HashMode;
use crate::profile::{CLASSES, Profile};
use crate::report::Latency;
use crate::report::metrics::latency_of;
use checkpoint::{Marks, Progress};
use replay::{Classes, Replay};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub struct JitOptions {
    pub profile: Profile,
    pub users: u64,
    pub seed: u64,
    pub legacy: String,
    /// The service DN an ldap:// legacy store is bound as (`--bind-dn`).
    pub bind_dn: Option<String>,
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
    #[serde(flatten)]
    pub head: crate::report::Head,
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

/// Runs the rehearsal; returns the report and the exit code (0, or 1 when a
/// migrated user cannot sign in, a wrong password migrated someone, or a
/// plaintext leaked).
pub fn run(opts: JitOptions) -> Result<(JitReport, i32)> {
    let wall = Instant::now();
    let started_at = crate::report::head::now();
    crate::util::fixed_mmap_threshold();
    let (setup, marks, progress) = Prepared::check(&opts)?;

    // 1. The legacy store.
    let t_seed = Instant::now();
    say(
        opts.quiet,
        format!(
            "seeding legacy store {} with {}…",
            setup.spec.redacted(),
            crate::util::count(opts.users, "user", "users")
        ),
    );
    let dir = legacy::seed(
        &setup.spec,
        &setup.plan,
        &setup.cols,
        opts.resume,
        opts.quiet,
        opts.retry_for,
    )?;
    let seed_legacy_s = t_seed.elapsed().as_secs_f64();

    // 2. The simulated days.
    let model = super::activity::Model::new(&setup.plan.profile.activity, opts.seed);
    let classes = Classes::of(&setup.plan, &model, opts.users);
    let mut replay = Replay::start(
        &opts,
        replay::Start {
            plan: &setup.plan,
            cols: &setup.cols,
            model: &model,
            new: &setup.new,
            marks,
            progress,
            log_path: &setup.log_path,
            dir: &dir,
            spec: &setup.spec,
            workers: setup.workers,
        },
    )?;
    replay.days(&opts, &classes, &setup.state_path)?;

    // 3. Every user, on the new side.
    let verified = verify::every_user(&mut replay, opts.users, opts.quiet);
    replay.workers.clear();
    let _ = std::io::Write::flush(&mut *replay.shared.log.lock().expect("lock"));

    // 4. The forecast, and the report.
    let report = setup.report(
        &opts,
        &classes,
        &replay,
        verified,
        seed_legacy_s,
        started_at,
    );

    // 5. Outputs, then the leak scan over them, the log, the checkpoint and --scan paths.
    let files = [setup.log_path.clone(), setup.state_path.clone()];
    outputs::finish(report, &opts, &files, &setup.spec, &replay.shared, wall)
}

/// What the run sets out with, checked before the legacy store is touched.
struct Prepared {
    workers: usize,
    spec: LegacySpec,
    new: NewSystem,
    plan: Plan,
    cols: Columns,
    state_path: PathBuf,
    log_path: PathBuf,
}

impl Prepared {
    /// Checks the options, reaches the new system, builds the plan, and
    /// reads the checkpoint (with the per-user marks) when resuming.
    fn check(opts: &JitOptions) -> Result<(Prepared, Marks, Progress)> {
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
        let spec = LegacySpec::parse(&opts.legacy, opts.bind_dn.as_deref())?;
        let new = reach_new_system(opts)?;
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
        let previous = Progress::load(opts, &state_path, &key)?;
        let marks = Marks::restore(opts.users, previous.as_ref(), &state_path)?;
        let progress = previous.unwrap_or_else(|| Progress::fresh(key));
        let setup = Prepared {
            workers,
            spec,
            new,
            plan,
            cols,
            state_path,
            log_path,
        };
        Ok((setup, marks, progress))
    }

    /// The report of a run whose days are replayed and users verified
    /// (its leak scan and verdict still to come).
    fn report(
        &self,
        opts: &JitOptions,
        classes: &Classes,
        replay: &Replay,
        checked: verify::Verified,
        seed_legacy_s: f64,
        started_at: String,
    ) -> JitReport {
        let (plan, spec, workers, model) =
            (&self.plan, &self.spec, self.workers, replay.shared.model);
        let (p, first, later) = (&replay.p, &replay.first, &replay.later);
        let (fc, forecast_check) = forecast_of(opts, &p.coverage);
        let (retries, backoff_s) = replay.resent();
        let class_counts = classes.counts;
        let active_users = classes.active();
        let resumed_from_day = replay.resumed_from_day;
        let verify::Verified {
            present,
            verified,
            not_verified,
            wrong_accepted,
            present_without_right_attempt: present_without_right,
            verify_s,
        } = checked;
        let mut errors: Vec<ErrorEntry> = p.errors.values().cloned().collect();
        errors.sort_by(|a, b| b.count.cmp(&a.count).then(a.class.cmp(&b.class)));
        JitReport {
            head: crate::report::Head::new("jit", super::report::SCHEMA_VERSION, started_at),
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
                first_login: latency_of(first),
                later_login: latency_of(later),
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
        }
    }
}

/// Checks the new system's URL and that it answers (exit 3 otherwise).
fn reach_new_system(opts: &JitOptions) -> Result<NewSystem> {
    let addr = super::newsys::parse_base(&opts.new).map_err(Error::usage)?;
    let waiting = crate::retry::Waiting::new(
        format!("the new system at {}", opts.new),
        opts.retry_for,
        opts.quiet,
    );
    let new = NewSystem::new(opts.api, &addr, opts.retry_for, waiting).map_err(Error::target)?;
    new.probe().map_err(|e| {
        Error::target(format!(
            "cannot reach the new system at {}: {e} (start one with: understudy emulate {} --listen {addr})",
            crate::redact::dsn(&opts.new),
            match opts.api {
                Api::Okta => "okta",
                Api::Generic => "generic",
            }
        ))
    })?;
    Ok(new)
}

/// The forecast on every observed day, and a check fitted on the first
/// part (`--forecast-days`) against the simulated end.
fn forecast_of(opts: &JitOptions, coverage: &[DayRow]) -> (Forecast, Option<ForecastCheck>) {
    let new_per_day: Vec<u64> = coverage.iter().map(|d| d.new_migrations).collect();
    let fc = forecast::fit(&new_per_day, opts.users);
    let check_days = opts
        .forecast_days
        .unwrap_or(if opts.days >= 60 { 30 } else { opts.days / 3 });
    let check = (check_days >= 1 && check_days < opts.days).then(|| {
        let f = forecast::fit(&new_per_day[..check_days as usize], opts.users);
        let predicted = forecast::share_at(&f.components, opts.days);
        let simulated = coverage.last().map(|d| d.migrated_share).unwrap_or(0.0);
        ForecastCheck {
            fitted_on_days: check_days,
            day: opts.days,
            predicted_share: predicted,
            simulated_share: simulated,
            error_points: (predicted - simulated).abs() * 100.0,
        }
    });
    (fc, check)
}
