//! Replaying the simulated days: each day's sign-ins, spread over the
//! workers, each a lookup on the new side with the legacy fallback (verify
//! the legacy hash, create the user); a checkpoint after every day.

use super::checkpoint::{Bits, Marks, Progress, hist_b64, histogram, merge_hist};
use super::legacy::{self, Columns, LegacyConn};
use super::{DayRow, JitOptions, say};
use crate::error::Result;
use crate::generator::plan::{CHUNK, rows_in};
use crate::generator::table::{RowId, Scratch};
use crate::harness::Plan;
use crate::jit::activity::{Model, wrong_password};
use crate::jit::newsys::{Created, NewSystem, NewUser, Rehash};
use crate::profile::CLASSES;
use crate::row::RowBuf;
use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// One worker's tallies for one day (or the final pass).
#[derive(Default)]
pub(super) struct Tally {
    pub(super) sign_ins: u64,
    pub(super) wrong_attempts: u64,
    pub(super) legacy_lookups: u64,
    pub(super) new_migrations: u64,
    pub(super) imported: u64,
    pub(super) rehashed: u64,
    pub(super) wrong_password_migrations: u64,
    pub(super) resets: u64,
    pub(super) errors: BTreeMap<(String, String), (u64, String)>,
    pub(super) first: Option<Histogram<u64>>,
    pub(super) later: Option<Histogram<u64>>,
    // final pass
    pub(super) present: u64,
    pub(super) verified: u64,
    pub(super) not_verified: u64,
    pub(super) wrong_accepted: u64,
    pub(super) present_without_right_attempt: u64,
}

impl Tally {
    pub(super) fn error(
        &mut self,
        class: &str,
        labels: &[String],
        example: impl FnOnce() -> String,
    ) {
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

pub(super) struct Worker {
    pub(super) new: NewSystem,
    pub(super) legacy: LegacyConn,
    pub(super) row: RowBuf,
    pub(super) scratch: Scratch,
}

/// Everything the workers share, read-only or atomic.
pub(super) struct Shared<'a> {
    pub(super) plan: &'a Plan,
    pub(super) cols: &'a Columns,
    pub(super) model: &'a Model,
    pub(super) rehash: Rehash,
    pub(super) migrated: Bits,
    pub(super) right_attempted: Bits,
    /// Users who reset their password at the first sign-in (they now use `reset_password`).
    pub(super) reset: Bits,
    pub(super) log: Mutex<std::io::BufWriter<std::fs::File>>,
}

pub(super) struct UserRow {
    pub(super) email: String,
    pub(super) first: Option<String>,
    pub(super) last: Option<String>,
    pub(super) password: String,
    pub(super) labels: Vec<String>,
}

impl Shared<'_> {
    pub(super) fn user(&self, w: &mut Worker, u: u64) -> UserRow {
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

    pub(super) fn log(&self, line: std::fmt::Arguments) {
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
        self.migrate(w, t, u, day, user, pw, right, started);
    }

    /// Not in the new system: the legacy fallback, verifying `pw` against
    /// the legacy hash and creating the user on the new side when it holds.
    #[allow(clippy::too_many_arguments)]
    fn migrate(
        &self,
        w: &mut Worker,
        t: &mut Tally,
        u: u64,
        day: u32,
        user: &UserRow,
        pw: &str,
        right: bool,
        started: Instant,
    ) {
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
        let ok = match w.legacy.check(pw, &stored) {
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
}

/// Every user's activity class (a pure function of its row and the seed).
pub(super) struct Classes {
    of: Vec<u8>,
    /// Users per class, in `CLASSES` order.
    pub(super) counts: [u64; 5],
}

impl Classes {
    pub(super) fn of(plan: &Plan, model: &Model, users: u64) -> Classes {
        let mut of = Vec::with_capacity(users as usize);
        let g = &plan.generator;
        let from = model.derived_from();
        let mut row = RowBuf::default();
        let mut scratch = Scratch::default();
        let mut start = 0;
        while start < users {
            let end = (start + CHUNK).min(users);
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
                    of.push(model.class(id.index, v) as u8);
                },
            );
            start = end;
        }
        let mut counts = [0u64; 5];
        for &c in &of {
            counts[c as usize] += 1;
        }
        Classes { of, counts }
    }

    fn class(&self, u: u64) -> usize {
        self.of[u as usize] as usize
    }

    /// Every class but dormant.
    fn is_active(&self, u: u64) -> bool {
        self.class(u) != CLASSES.len() - 1
    }

    pub(super) fn active(&self) -> u64 {
        self.of.len() as u64 - self.counts[CLASSES.len() - 1]
    }
}

/// The replay across days: the workers, what they share, the checkpoint's
/// running totals.
pub(super) struct Replay<'a> {
    pub(super) shared: Shared<'a>,
    pub(super) workers: Vec<Worker>,
    pub(super) p: Progress,
    pub(super) first: Histogram<u64>,
    pub(super) later: Histogram<u64>,
    pub(super) resumed_from_day: Option<u32>,
    new: &'a NewSystem,
    /// Resends counted by the runs this one resumes.
    resent_before: (u64, f64),
}

/// What the replay starts from.
pub(super) struct Start<'a> {
    pub(super) plan: &'a Plan,
    pub(super) cols: &'a Columns,
    pub(super) model: &'a Model,
    pub(super) new: &'a NewSystem,
    pub(super) marks: Marks,
    pub(super) progress: Progress,
    pub(super) log_path: &'a Path,
    /// The seeded LDIF directory (login → entry), for an LDIF legacy store.
    pub(super) dir: &'a Option<std::sync::Arc<std::collections::HashMap<String, String>>>,
    pub(super) spec: &'a legacy::LegacySpec,
    pub(super) workers: usize,
}

impl<'a> Replay<'a> {
    pub(super) fn start(opts: &JitOptions, s: Start<'a>) -> Result<Replay<'a>> {
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(s.log_path)
            .map_err(|e| crate::error::Error::io("open", s.log_path, e))?;
        let Marks {
            migrated,
            right_attempted,
            reset,
        } = s.marks;
        let shared = Shared {
            plan: s.plan,
            cols: s.cols,
            model: s.model,
            rehash: opts.rehash,
            migrated,
            right_attempted,
            reset,
            log: Mutex::new(std::io::BufWriter::new(log_file)),
        };
        let p = s.progress;
        if p.days_done > 0 {
            say(
                opts.quiet,
                format!("resuming after simulated day {}", p.days_done),
            );
        }
        let workers = (0..s.workers)
            .map(|i| {
                let mut scratch = Scratch::default();
                scratch.want_password = true;
                Ok(Worker {
                    new: s.new.for_worker(i).map_err(crate::error::Error::target)?,
                    legacy: LegacyConn::open(s.spec, s.cols, s.dir)?,
                    row: RowBuf::default(),
                    scratch,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Replay {
            shared,
            workers,
            resumed_from_day: (p.days_done > 0).then_some(p.days_done),
            first: crate::report::metrics::decode_histogram(&p.first_hist)
                .unwrap_or_else(histogram),
            later: crate::report::metrics::decode_histogram(&p.later_hist)
                .unwrap_or_else(histogram),
            resent_before: (p.retries, p.backoff_s),
            p,
            new: s.new,
        })
    }

    /// Requests resent, and seconds waited before them, over every run.
    pub(super) fn resent(&self) -> (u64, f64) {
        let (n, s) = self.new.resent();
        (self.resent_before.0 + n, self.resent_before.1 + s)
    }

    /// The days not yet replayed, each checkpointed to `state_path`.
    pub(super) fn days(
        &mut self,
        opts: &JitOptions,
        classes: &Classes,
        state_path: &Path,
    ) -> Result<()> {
        let bar =
            (!opts.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr())).then(|| {
                let b = indicatif::ProgressBar::new(opts.days as u64);
                b.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{spinner} [{elapsed_precise}] {wide_bar} day {pos}/{len} · {msg}",
                    )
                    .expect("valid template"),
                );
                b.set_position(self.p.days_done as u64);
                b
            });
        for day in (self.p.days_done + 1)..=opts.days {
            let t_day = Instant::now();
            let tallies = self.sign_ins(opts, classes, day, t_day);
            let row = self.tally_day(opts, classes, day, &tallies);
            self.p.replay_s += t_day.elapsed().as_secs_f64();
            self.p.first_hist = hist_b64(&self.first);
            self.p.later_hist = hist_b64(&self.later);
            self.p.migrated = self.shared.migrated.encode();
            self.p.right_attempted = self.shared.right_attempted.encode();
            self.p.reset = self.shared.reset.encode();
            let _ = self.shared.log.lock().expect("lock").flush();
            self.p.save(state_path)?;
            let msg = format!(
                "{}, {} migrated ({:.1} %), {}",
                crate::util::count(row.sign_ins, "sign-in", "sign-ins"),
                row.migrated,
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
        Ok(())
    }

    /// Day `day`'s sign-ins, shared out to the workers (at `--speed`, each
    /// at its second of the day); the day then lasts its full wall time.
    fn sign_ins(
        &mut self,
        opts: &JitOptions,
        classes: &Classes,
        day: u32,
        t_day: Instant,
    ) -> Vec<Tally> {
        let model = self.shared.model;
        let mut todays: Vec<(u32, u64)> = (0..opts.users)
            .filter(|&u| model.signs_in(u, classes.class(u), day))
            .map(|u| (model.second_of_day(u, day), u))
            .collect();
        if opts.speed.is_some() {
            todays.sort_unstable();
        }
        let next = AtomicUsize::new(0);
        let shared = &self.shared;
        let tallies = std::thread::scope(|s| {
            let handles: Vec<_> = self
                .workers
                .iter_mut()
                .map(|w| {
                    let (todays, next) = (&todays, &next);
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
        tallies
    }

    /// Adds the day's tallies to the running totals; returns the day's row
    /// of the coverage curve.
    fn tally_day(
        &mut self,
        opts: &JitOptions,
        classes: &Classes,
        day: u32,
        tallies: &[Tally],
    ) -> DayRow {
        let p = &mut self.p;
        let mut row = DayRow {
            day,
            ..DayRow::default()
        };
        for t in tallies {
            row.sign_ins += t.sign_ins;
            row.wrong_attempts += t.wrong_attempts;
            row.legacy_lookups += t.legacy_lookups;
            row.new_migrations += t.new_migrations;
            p.imported += t.imported;
            p.rehashed += t.rehashed;
            p.wrong_password_migrations += t.wrong_password_migrations;
            p.resets += t.resets;
            merge_hist(&mut self.first, &t.first);
            merge_hist(&mut self.later, &t.later);
            row.errors += p.add_errors(t);
        }
        let migrated = &self.shared.migrated;
        let active_migrated = (0..opts.users)
            .filter(|&u| classes.is_active(u) && migrated.get(u))
            .count() as u64;
        let active_users = classes.active();
        row.migrated = migrated.count();
        row.migrated_share = row.migrated as f64 / opts.users.max(1) as f64;
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
        let (retries, backoff_s) = self.resent();
        self.p.retries = retries;
        self.p.backoff_s = backoff_s;
        row
    }
}
