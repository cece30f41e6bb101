//! After the replay, every user on the new side: is it there under its own
//! login, does its password work there, does a wrong one not?

use super::replay::{Replay, Shared, Tally, Worker};
use crate::jit::activity::wrong_password;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// What the final pass found, over every user.
#[derive(Default)]
pub(super) struct Verified {
    pub(super) present: u64,
    pub(super) verified: u64,
    pub(super) not_verified: u64,
    pub(super) wrong_accepted: u64,
    pub(super) present_without_right_attempt: u64,
    pub(super) verify_s: f64,
}

/// Checks every user, the workers taking blocks of 256; the errors found
/// join the run's.
pub(super) fn every_user(r: &mut Replay, users: u64, quiet: bool) -> Verified {
    let t_verify = Instant::now();
    super::say(quiet, "verifying every user on the new side…");
    let next = AtomicU64::new(0);
    let shared = &r.shared;
    let finals: Vec<Tally> = std::thread::scope(|s| {
        let handles: Vec<_> = r
            .workers
            .iter_mut()
            .map(|w| {
                let next = &next;
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
    let mut v = Verified {
        verify_s: t_verify.elapsed().as_secs_f64(),
        ..Verified::default()
    };
    for t in &finals {
        v.present += t.present;
        v.verified += t.verified;
        v.not_verified += t.not_verified;
        v.wrong_accepted += t.wrong_accepted;
        v.present_without_right_attempt += t.present_without_right_attempt;
        r.p.add_errors(t);
    }
    v
}

impl Shared<'_> {
    /// The final pass for user `u`: is it on the new side under its own
    /// login, does its password work there, does a wrong one not?
    pub(super) fn check(&self, w: &mut Worker, t: &mut Tally, u: u64) {
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
