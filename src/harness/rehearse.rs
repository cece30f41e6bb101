//! `rehearse` into a database, phase by phase: the targets resolved and
//! reached, the load (or `--exec`'s seeding and command), verification, the
//! report.

use super::{
    DEFAULT_TARGET, Load, LoadResult, Plan, RehearseOptions, Reject, TargetTables, exec, lineage,
    load, say, trend, verify,
};
use crate::error::{Error, Result};
use crate::hash::HashMode;
use crate::report::{self, Report, metrics::Metrics};
use crate::retry::Waiting;
use crate::target::{Target, http, reach, schema};
use std::path::PathBuf;
use std::time::Instant;

/// Runs `rehearse` and returns the exit code (0, or 1 when verification or a
/// threshold failed); usage and target errors come back as `Err`.
pub fn rehearse(mut opts: RehearseOptions) -> Result<i32> {
    let started_at = crate::report::head::now();
    if opts.users == 0 {
        return Err(Error::usage("--users must be at least 1"));
    }
    if opts.batch == Some(0) {
        return Err(Error::usage("--batch must be at least 1"));
    }
    if let Some(url) = opts.copies.clone() {
        return super::rehearse_copies::rehearse_copies(opts, &url, started_at);
    }
    let dsn = target_dsn(&opts);
    if let Some(s) = opts.shard {
        check_shard(&opts, s)?;
    }
    settle_thresholds(&mut opts)?;
    if http::HttpTarget::is_http(&dsn) {
        return super::rehearse_http::rehearse_http(opts, &dsn, started_at);
    }
    if crate::target::ldap::LdapTarget::is_ldap(&dsn) {
        return super::rehearse_ldap::rehearse_ldap(opts, &dsn, started_at);
    }
    let targets = Targets::resolve(&mut opts, &dsn)?;
    check_before_contact(&opts)?;
    // First contact, straight to the database (not through the fault proxy):
    // one that cannot be reached at all is reported now, before the hash
    // pools are built. The connection then holds the writer lock for the run.
    let written = targets.source.as_ref().unwrap_or(&targets.target);
    let _lock = match opts.shard {
        Some(s) => written.driver().reach_and_lock_shard(s)?,
        None => reach::reach_and_lock(written)?,
    };
    let _target_lock = match &targets.source {
        Some(_) => Some(reach::reach_and_lock(&targets.target)?),
        None => None,
    };
    let plan = plan_of(&opts)?;
    opts.batch = Some(opts.batch.unwrap_or(targets.load_target().loading().batch));
    if let Some(s) = opts.shard {
        check_shard_batches(&plan, &opts, s)?;
    }
    let expected = plan.expected_rows_in(opts.shard, opts.batch());
    let workers = settle_load(&mut opts, &targets, &plan, &expected);
    let metrics = Metrics::new();
    let mut lr = load_phase(&plan, &targets, &opts, workers, &metrics)?;
    own_rejects(&plan, &opts, &mut lr.rejects);
    let exec_metrics = Metrics::new();
    let outcome = match (&opts.exec, &targets.source) {
        (Some(cmd), Some(src)) => {
            exec_phase(&plan, src, &targets.target, cmd, &opts, &lr, &exec_metrics)?
        }
        _ => Outcome::of_load(&lr, &metrics),
    };
    let rejects_file = rejects_file(&plan, &opts, &lr.rejects)?;
    let verify = match &lr.stopped {
        Some(a) => {
            say(
                opts.quiet,
                format!(
                    "stopped after {:.1} s: threshold `{}` missed; verification skipped",
                    a.after_s, a.threshold
                ),
            );
            None
        }
        None => verify_phase(
            &plan,
            &targets.target,
            &opts,
            &outcome,
            &lr.rejects,
            &metrics,
        )?,
    };
    let report = Report {
        verify,
        aborted: lr.stopped.clone(),
        rejects_file: rejects_file.map(|p| p.display().to_string()),
        faults: targets
            .proxy
            .as_ref()
            .zip(opts.faults.as_ref())
            .map(|((p, _), plan)| faults_section(p, plan, targets.proxy_started, &metrics)),
        ..load_report(
            &plan, &targets, &opts, workers, &lr, outcome, &metrics, &expected, started_at,
        )
    };
    finish(with_recorded_errors(report, &lr.rejects), &opts)
}

/// What `--shard` cannot go with: `--exec`, more shards than users.
fn check_shard(opts: &RehearseOptions, s: crate::dataset::Shard) -> Result<()> {
    if opts.exec.is_some() {
        return Err(Error::usage(format!(
            "--shard {s} loads the target itself; --exec runs your migration once: use `understudy verify` after it instead"
        )));
    }
    s.check_users(opts.users, "users")
}

/// The rejects table holds every shard's: a shard keeps its own (its
/// batches of the driving table; the lookup tables' on shard 1).
pub(super) fn own_rejects(plan: &Plan, opts: &RehearseOptions, rejects: &mut Vec<Reject>) {
    let Some(s) = opts.shard else { return };
    let own = plan.shard_batches(s, opts.batch());
    rejects.retain(|r| {
        if plan.generator.root_of(r.table) == plan.driving_table() {
            own.contains(&r.batch)
        } else {
            s.first()
        }
    });
}

/// Every shard needs at least one batch of the users table.
pub(super) fn check_shard_batches(
    plan: &Plan,
    opts: &RehearseOptions,
    s: crate::dataset::Shard,
) -> Result<()> {
    let n = opts.users.div_ceil(opts.batch());
    if s.count > n {
        return Err(Error::usage(format!(
            "--shard {s}: {} of {} {} for {} shards; a shard would load none (use --batch {} or fewer shards)",
            crate::util::count(n, "batch", "batches"),
            opts.batch(),
            plan.metas[plan.driving_table()].name,
            s.count,
            (opts.users / s.count).max(1)
        )));
    }
    Ok(())
}

/// `--target`, or the default one (said on stderr).
fn target_dsn(opts: &RehearseOptions) -> String {
    match &opts.target {
        Some(t) => t.clone(),
        None => {
            say(
                false,
                format!(
                    "no --target given: loading into {DEFAULT_TARGET} in the current directory"
                ),
            );
            DEFAULT_TARGET.to_string()
        }
    }
}

/// The databases of a run: the target, the source `--exec` migrates from,
/// and the fault proxy the load goes through.
struct Targets {
    target: Target,
    source: Option<Target>,
    proxy: Option<(crate::faults::Proxy, Target)>,
    proxy_started: Instant,
}

impl Targets {
    fn resolve(opts: &mut RehearseOptions, dsn: &str) -> Result<Targets> {
        if opts.api.is_some() || opts.rate.is_some() {
            return Err(Error::usage(
                "--api and --rate apply to identity-API targets (--target http://HOST:PORT)",
            ));
        }
        let target = Target::parse(dsn)?;
        // --faults: the load reaches the target through the fault proxy, started
        // now, so the plan's clock runs with the rehearsal. Verification goes direct.
        let proxy_started = Instant::now();
        let proxy = match &opts.faults {
            None => None,
            Some(plan) => Some(start_proxy(opts, &target, plan.clone())?),
        };
        let source = match (&opts.exec, &opts.source) {
            (Some(_), Some(s)) => Some(Target::parse(s)?),
            (Some(_), None) => {
                return Err(Error::usage(format!(
                    "--exec needs --source {} (the database understudy seeds for your migration)",
                    crate::target::forms()
                )));
            }
            (None, Some(_)) => return Err(Error::usage("--source is only used with --exec")),
            (None, None) => None,
        };
        if source.as_ref() == Some(&target) {
            return Err(Error::usage("--source and --target must differ"));
        }
        Ok(Targets {
            target,
            source,
            proxy,
            proxy_started,
        })
    }

    /// Where the load writes: the source (`--exec` seeds it directly), else
    /// the target, through the fault proxy when there is one.
    fn load_target(&self) -> &Target {
        self.source
            .as_ref()
            .or(self.proxy.as_ref().map(|(_, t)| t))
            .unwrap_or(&self.target)
    }
}

/// Starts the fault proxy in front of `target`; the load is shown as going
/// through it.
fn start_proxy(
    opts: &mut RehearseOptions,
    target: &Target,
    plan: crate::faults::FaultPlan,
) -> Result<(crate::faults::Proxy, Target)> {
    let addr = target.driver().address()?;
    let p = crate::faults::Proxy::start("127.0.0.1:0", &addr, plan.clone())
        .map_err(|e| Error::target(format!("cannot start the fault proxy: {e}")))?;
    say(
        opts.quiet,
        format!(
            "faults: loading into {} through a fault proxy on {}, plan {plan}",
            target.redacted(),
            p.addr
        ),
    );
    opts.shown_as = Some(format!(
        "{} (through the fault proxy on {})",
        target.redacted(),
        p.addr
    ));
    let via = target.driver().via(&p.addr.to_string());
    Ok((p, via))
}

/// What can be refused before anything is reached: the thresholds, the
/// output files, the `--schema` file, the plan's size.
fn check_before_contact(opts: &RehearseOptions) -> Result<()> {
    if let Some(expr) = &opts.fail_on {
        report::parse_conditions(expr)?;
    }
    check_outputs(opts)?;
    if let Some(path) = &opts.schema {
        say(opts.quiet, schema::SchemaFile::read(path)?.summary());
    }
    crate::generator::plan::check_planned(opts.users, Some(opts.batch()))
}

/// The load's batch size and workers (the target kind's defaults unless
/// given), announced; returns the workers.
fn settle_load(
    opts: &mut RehearseOptions,
    targets: &Targets,
    plan: &Plan,
    expected: &[u64],
) -> usize {
    let load_target = targets.load_target();
    if targets.source.is_some() {
        // --exec loads the source directly: the proxy is not on its way.
        opts.shown_as = None;
    }
    let defaults = load_target.loading();
    opts.batch = Some(opts.batch.unwrap_or(defaults.batch));
    let workers = match (opts.workers, defaults.writers) {
        (Some(w), Some((most, why))) if w > most => {
            say(opts.quiet, why);
            most
        }
        (Some(w), _) => w.max(1),
        (None, _) => defaults.workers,
    };
    say(
        opts.quiet,
        format!(
            "rehearsing {} ({}, profile {}) into {} with {} ({}, batches of {} {})",
            crate::util::count(expected.iter().sum::<u64>(), "row", "rows"),
            crate::util::count(opts.users, "user", "users"),
            plan.profile.name,
            opts.shown_as
                .clone()
                .unwrap_or_else(|| load_target.redacted()),
            opts.method,
            crate::util::count(workers as u64, "worker", "workers"),
            opts.batch(),
            plan.metas[plan.driving_table()].name
        ),
    );
    workers
}

/// The load into the target; with `--exec`, into the source, the target
/// prepared first and committed once the source is seeded (`--schema` and
/// `--no-create` apply to the target; the source gets the profile's tables).
fn load_phase(
    plan: &Plan,
    targets: &Targets,
    opts: &RehearseOptions,
    workers: usize,
    metrics: &Metrics,
) -> Result<LoadResult> {
    let job = Load {
        plan,
        target: targets.load_target(),
        opts,
        workers,
        metrics,
        schema: opts.schema.as_deref(),
        no_create: opts.no_create,
        late_keys: true,
    };
    if targets.source.is_none() {
        return load(&job);
    }
    let prepared = exec::prepare(plan, &targets.target, opts)?;
    let lr = load(&Load {
        schema: None,
        no_create: false,
        ..job
    })?;
    prepared.commit()?;
    Ok(lr)
}

/// What the report measures: the load's, or with `--exec`, the command's.
struct Outcome<'m> {
    duration_s: f64,
    rows_loaded: u64,
    exec: Option<report::Exec>,
    metrics: &'m Metrics,
    /// The target's tables as verification reads them.
    tables: TargetTables,
}

impl<'m> Outcome<'m> {
    fn of_load(lr: &LoadResult, metrics: &'m Metrics) -> Outcome<'m> {
        Outcome {
            duration_s: lr.duration_s,
            rows_loaded: lr.loaded.iter().sum(),
            exec: None,
            metrics,
            tables: lr.tables.clone(),
        }
    }
}

/// Runs the user's migration from the seeded source into the target.
fn exec_phase<'m>(
    plan: &Plan,
    src: &Target,
    target: &Target,
    cmd: &str,
    opts: &RehearseOptions,
    lr: &LoadResult,
    metrics: &'m Metrics,
) -> Result<Outcome<'m>> {
    // The command may repeat a password of --source or --target.
    let shown = crate::redact::mask(cmd, &exec::secrets(src, target));
    say(
        opts.quiet,
        format!(
            "seeded {} with {} rows in {}; running `{shown}`",
            src.redacted(),
            lr.loaded.iter().sum::<u64>(),
            report::human_duration(lr.duration_s)
        ),
    );
    let r = exec::run(plan, src, target, cmd, opts, metrics)?;
    Ok(Outcome {
        duration_s: r.duration_s,
        rows_loaded: r.rows_in_target,
        exec: Some(report::Exec {
            command: shown,
            exit_code: r.exit_code,
            duration_s: r.duration_s,
        }),
        metrics,
        tables: r.tables,
    })
}

/// The rejects written to `--rejects` (default: rejects.jsonl beside the
/// report), when there are any.
fn rejects_file(
    plan: &Plan,
    opts: &RehearseOptions,
    rejects: &[Reject],
) -> Result<Option<PathBuf>> {
    if rejects.is_empty() {
        return Ok(None);
    }
    let p = rejects_path(opts);
    write_rejects(&p, plan, rejects)?;
    Ok(Some(p))
}

/// Where rejects go: `--rejects`, else rejects.jsonl beside the report.
pub(super) fn rejects_path(opts: &RehearseOptions) -> PathBuf {
    opts.rejects.clone().unwrap_or_else(|| match &opts.report {
        Some(r) => r.with_file_name("rejects.jsonl"),
        None => PathBuf::from("rejects.jsonl"),
    })
}

/// Verification against the regenerated ground truth, straight to the
/// target. A lost connection is waited for (`--retry-for`) and verification
/// starts over on a fresh one, each attempt counted as a retry.
fn verify_phase(
    plan: &Plan,
    target: &Target,
    opts: &RehearseOptions,
    outcome: &Outcome,
    rejects: &[Reject],
    metrics: &Metrics,
) -> Result<Option<report::Verify>> {
    if !opts.verify {
        return Ok(None);
    }
    say(
        opts.quiet,
        format!(
            "verifying {} against the regenerated ground truth",
            target.redacted()
        ),
    );
    let waiting = Waiting::new(target.redacted(), opts.retry_for, opts.quiet);
    let mut conn = reach::connect(target, opts.retry_for, &waiting)?;
    let mut attempts = 0;
    let slice = verify::slice_of(plan, opts.shard, opts.batch());
    let v = reach::phase(target, &mut conn, opts.retry_for, &waiting, |conn| {
        attempts += 1;
        verify::verify(
            conn,
            &|| target.connect().ok(),
            plan,
            &outcome.tables,
            rejects,
            &target.redacted(),
            slice.as_ref(),
        )
    })?;
    for _ in 1..attempts {
        metrics.retry();
    }
    Ok(Some(v))
}

/// The report of a database rehearsal, less verification, the rejects file
/// and the faults.
#[allow(clippy::too_many_arguments)]
fn load_report(
    plan: &Plan,
    targets: &Targets,
    opts: &RehearseOptions,
    workers: usize,
    lr: &LoadResult,
    outcome: Outcome,
    metrics: &Metrics,
    expected: &[u64],
    started_at: String,
) -> Report {
    let (by_class, by_label) = metrics.errors();
    let (warnings_by_class, warnings_by_label) = metrics.warnings();
    // The loading sessions' settings: the target's, or with --exec the source's.
    let settings: std::collections::BTreeMap<String, String> =
        lr.settings.iter().cloned().collect();
    let (target_settings, source_settings) = match &targets.source {
        Some(_) => (Default::default(), settings),
        None => (settings, Default::default()),
    };
    let rows_expected: u64 = expected.iter().sum();
    let throughput = outcome.rows_loaded as f64 / outcome.duration_s.max(1e-9);
    let projection = opts.production_users.map(|m| {
        let rows_per_user = rows_expected as f64 / opts.users as f64;
        let rows = m as f64 * rows_per_user;
        // The estimate model on this run's own commits (steady state, size
        // trend); the plain average when it committed too few batches.
        let commits = trend::load_commits(metrics);
        let est = (opts.exec.is_none() && !lr.resumed)
            .then(|| trend::project_run(&commits, workers, rows))
            .flatten()
            .unwrap_or(rows / throughput.max(1e-9));
        report::Projection {
            production_users: m,
            rows_per_user,
            estimated_s: est,
            human: report::human_duration(est),
        }
    });
    Report {
        late_foreign_keys: lr.late_keys.clone(),
        target: targets.target.redacted(),
        source: targets.source.as_ref().map(Target::redacted),
        method: opts.method.to_string(),
        workers,
        batch: opts.batch(),
        resumed: lr.resumed,
        rows_expected,
        rows_loaded: outcome.rows_loaded,
        rows_skipped: lr.skipped.iter().sum(),
        rows_rejected: lr.rejects.len() as u64,
        retries: metrics.retries(),
        duration_s: outcome.duration_s,
        throughput_rows_per_s: throughput,
        latency_ms: outcome.metrics.latency(),
        timeseries: outcome.metrics.timeseries(),
        errors_by_class: by_class,
        errors_by_label: by_label,
        warnings_by_class,
        warnings_by_label,
        target_settings,
        source_settings,
        tables: plan
            .tables_in_order()
            .into_iter()
            .map(|t| report::TableLoad {
                name: plan.metas[t].name.clone(),
                expected: expected[t],
                loaded: lr.loaded[t],
                skipped: lr.skipped[t],
                rejected: lr.rejects.iter().filter(|r| r.table == t).count() as u64,
                latency_ms: metrics.table_latency(t),
            })
            .collect(),
        projection,
        exec: outcome.exec,
        thresholds: Vec::new(),
        hashes: plan.hashes.clone(),
        ..report_head(plan, opts, started_at)
    }
}

/// Errors from earlier (resumed) runs are in the target's reject table: the
/// counts by class and label come from there when this run saw fewer.
fn with_recorded_errors(mut report: Report, rejects: &[Reject]) -> Report {
    if report.errors_by_class.values().sum::<u64>() >= report.rows_rejected {
        return report;
    }
    (report.errors_by_class, report.errors_by_label) = count_rejects(rejects);
    report
}

type Counts = std::collections::BTreeMap<String, u64>;

/// Recorded rejects counted by class and by label (the fallback label for
/// one without labels: recorded by a version that did not attribute every
/// reject).
pub(super) fn count_rejects(rejects: &[Reject]) -> (Counts, Counts) {
    let (mut by_class, mut by_label) = (Counts::new(), Counts::new());
    for r in rejects {
        *by_class.entry(r.class.as_str().to_string()).or_insert(0) += 1;
        if r.labels.is_empty() {
            *by_label
                .entry(lineage::fallback(r.class.as_str()))
                .or_insert(0) += 1;
        }
        for l in &r.labels {
            *by_label.entry(l.clone()).or_insert(0) += 1;
        }
    }
    (by_class, by_label)
}

/// The files a rehearsal writes at its end, checked before it starts.
pub(super) fn check_outputs(opts: &RehearseOptions) -> Result<()> {
    crate::util::check_outputs(&[
        ("--report", &opts.report),
        ("--html", &opts.html),
        ("--rejects", &opts.rejects),
        ("--junit", &opts.junit),
    ])
}

/// What every rehearsal report starts with.
pub(super) fn report_head(plan: &Plan, opts: &RehearseOptions, started_at: String) -> Report {
    Report {
        head: report::Head::new("rehearse", report::SCHEMA_VERSION, started_at),
        profile: report::ProfileInfo {
            name: plan.profile.name.clone(),
            digest: plan.profile.digest.clone(),
        },
        seed: opts.seed,
        users: opts.users,
        shard: opts.shard.map(|s| shard_report(plan, s, opts.batch())),
        ..Report::default()
    }
}

/// What a rehearsal that loads one table (a Redis copy, an LDAP directory,
/// an identity API) measured: its report is the same shape whatever the
/// target, each adding its own section.
pub(super) struct OneTable {
    pub target: String,
    pub method: String,
    pub workers: usize,
    pub batch: u64,
    pub resumed: bool,
    pub table: String,
    pub expected: u64,
    pub loaded: u64,
    pub skipped: u64,
    pub rejected: u64,
    pub duration_s: f64,
}

/// The report of a one-table rehearsal, less its target's own section,
/// verification and the rejects file. `errors`: by class and by label.
pub(super) fn one_table_report(
    plan: &Plan,
    opts: &RehearseOptions,
    started_at: String,
    t: OneTable,
    metrics: &Metrics,
    errors: (
        std::collections::BTreeMap<String, u64>,
        std::collections::BTreeMap<String, u64>,
    ),
) -> Report {
    let throughput = t.loaded as f64 / t.duration_s.max(1e-9);
    Report {
        target: t.target,
        source: None,
        method: t.method,
        workers: t.workers,
        batch: t.batch,
        resumed: t.resumed,
        rows_expected: t.expected,
        rows_loaded: t.loaded,
        rows_skipped: t.skipped,
        rows_rejected: t.rejected,
        retries: metrics.retries(),
        duration_s: t.duration_s,
        throughput_rows_per_s: throughput,
        latency_ms: metrics.latency(),
        timeseries: metrics.timeseries(),
        errors_by_class: errors.0,
        errors_by_label: errors.1,
        tables: vec![report::TableLoad {
            name: t.table,
            expected: t.expected,
            loaded: t.loaded,
            skipped: t.skipped,
            rejected: t.rejected,
            latency_ms: None,
        }],
        projection: projection(opts, 1.0, throughput),
        hashes: plan.hashes.clone(),
        ..report_head(plan, opts, started_at)
    }
}

/// The report's `shard`: the slice a shard loaded.
pub(crate) fn shard_report(
    plan: &Plan,
    s: crate::dataset::Shard,
    batch: u64,
) -> report::ShardReport {
    let b = plan.shard_batches(s, batch);
    let u = plan.shard_users(s, batch);
    report::ShardReport {
        index: s.index,
        count: s.count,
        first_user: u.start,
        users: u.end - u.start,
        batches: [b.start, b.end],
        lookup_tables: s.first(),
    }
}

/// `--production-users M`: the measured rate applied to M users.
pub(super) fn projection(
    opts: &RehearseOptions,
    rows_per_user: f64,
    throughput: f64,
) -> Option<report::Projection> {
    opts.production_users.map(|m| {
        let est = m as f64 * rows_per_user / throughput.max(1e-9);
        report::Projection {
            production_users: m,
            rows_per_user,
            estimated_s: est,
            human: report::human_duration(est),
        }
    })
}

/// `--fail-on` joined with the profile's `[thresholds]` (each checked, the
/// profile's named as such), and every table a tag names checked against
/// the profile's.
pub(super) fn settle_thresholds(opts: &mut RehearseOptions) -> Result<()> {
    for c in &opts.profile.thresholds {
        report::parse_conditions(c).map_err(|e| {
            Error::usage(format!(
                "profile {} [thresholds] fail_on: {}",
                opts.profile.source,
                e.message.trim_start_matches("--fail-on: ")
            ))
        })?;
    }
    opts.fail_on = report::thresholds::combine(opts.fail_on.as_deref(), &opts.profile.thresholds);
    if let Some(expr) = &opts.fail_on {
        let tables: Vec<&str> = opts
            .profile
            .tables
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        report::thresholds::check_names(&report::parse_conditions(expr)?, &tables)?;
    }
    Ok(())
}

/// Thresholds, exit code, and the report written where asked.
pub(super) fn finish(mut report: Report, opts: &RehearseOptions) -> Result<i32> {
    if let Some(expr) = &opts.fail_on {
        report.thresholds = report::thresholds(expr, &report)?;
    }
    let failed = report.verify.as_ref().is_some_and(|v| !v.ok)
        || report.thresholds.iter().any(|t| !t.ok)
        || report.exec.as_ref().is_some_and(|e| e.exit_code != Some(0))
        || report.late_foreign_keys.iter().any(|k| k.failed());
    report.exit_code = if failed { 1 } else { 0 };
    if let Some(p) = &opts.report {
        report.save(p)?;
    }
    if let Some(p) = &opts.html {
        std::fs::write(p, report::html::render(&report)).map_err(|e| Error::io("write", p, e))?;
    }
    if let Some(p) = &opts.junit {
        let suite = report::junit::of_report(&report, &report.head.command);
        report::junit::save(&suite, p)?;
    }
    if !opts.quiet {
        print!("{}", report::terminal::render(&report));
    }
    Ok(report.exit_code)
}

/// The plan of a rehearsal, announcing the hash pools it may build first.
pub(super) fn plan_of(opts: &RehearseOptions) -> Result<Plan> {
    announce_pools(opts);
    Plan::new(
        opts.profile.clone(),
        opts.users,
        opts.seed,
        &opts.domains,
        opts.hash_mode,
        opts.edge_rate,
    )
}

fn announce_pools(opts: &RehearseOptions) {
    let hashes_wanted = opts
        .profile
        .users()
        .columns
        .iter()
        .any(|c| matches!(c.kind, crate::profile::Kind::PasswordHash))
        && opts.hash_mode != Some(HashMode::Shape);
    if hashes_wanted {
        say(
            opts.quiet,
            format!(
                "building the password-hash pools ({} real hashes of known passwords per format; --hash-mode shape skips this)",
                opts.profile.passwords.pool_size
            ),
        );
    }
}

/// The report's view of the fault proxy: the plan, its downtime inside the
/// load, the time spent backing off, and what the proxy did.
pub(super) fn faults_section(
    proxy: &crate::faults::Proxy,
    plan: &crate::faults::FaultPlan,
    started: Instant,
    metrics: &Metrics,
) -> report::Faults {
    let horizon = started.elapsed().as_secs_f64();
    let windows: Vec<(f64, f64)> = plan
        .downtime()
        .iter()
        .map(|(a, b)| (a.as_secs_f64(), b.as_secs_f64()))
        .collect();
    report::Faults {
        plan: plan.to_string(),
        downtime_s: windows
            .iter()
            .map(|(a, b)| (b.min(horizon) - a).max(0.0))
            .sum(),
        downtime_windows_s: windows,
        backoff_s: metrics.backoff_s(),
        proxy: proxy.stats.snapshot(),
    }
}

fn write_rejects(path: &std::path::Path, plan: &Plan, rejects: &[Reject]) -> Result<()> {
    use std::io::Write;
    let f = std::fs::File::create(path).map_err(|e| Error::io("create", path, e))?;
    let mut w = std::io::BufWriter::new(f);
    for r in rejects {
        let line = serde_json::json!({
            "table": plan.metas[r.table].name,
            "key": r.key.replace('\u{1f}', ","),
            "class": r.class.as_str(),
            "message": r.message,
            "labels": r.labels,
        });
        writeln!(w, "{line}").map_err(|e| Error::io("write", path, e))?;
    }
    w.flush().map_err(|e| Error::io("write", path, e))
}
