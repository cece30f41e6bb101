//! The activity model at run time: a user's class and, per simulated day,
//! whether it signs in and whether it first types a wrong password. Every
//! draw is a pure function of (seed, user, day) (ARCHITECTURE.md § Determinism).

use crate::profile::{Activity, CLASSES, DEFAULT_SHARES};
use crate::rng::{Rng, Weighted, mix64, stream_key};

pub struct Model {
    pub activity: Activity,
    shares: Option<Weighted>,
    class_key: u64,
    day_key: u64,
    wrong_key: u64,
    reset_key: u64,
}

/// Recency bounds (days) of the derived classes: ≤1 daily, ≤7 weekly, ≤31 monthly, ≤365 rare.
const RECENCY: [f64; 4] = [1.0, 7.0, 31.0, 365.0];

impl Model {
    pub fn new(activity: &Activity, seed: u64) -> Model {
        let shares = match (activity.shares, activity.from) {
            (Some(s), _) => Some(Weighted::from_f64(&s)),
            (None, None) => Some(Weighted::from_f64(&DEFAULT_SHARES)),
            (None, Some(_)) => None,
        };
        Model {
            activity: activity.clone(),
            shares,
            class_key: stream_key(seed, "activity:class"),
            day_key: stream_key(seed, "activity:day"),
            wrong_key: stream_key(seed, "activity:wrong"),
            reset_key: stream_key(seed, "activity:reset"),
        }
    }

    /// Whether the class comes from a column of the user's row.
    pub fn derived_from(&self) -> Option<usize> {
        if self.shares.is_some() {
            None
        } else {
            self.activity.from
        }
    }

    /// The class of `user`; `last_sign_in` is the value of the `from` column
    /// (RFC 3339 text, None when NULL) when the class is derived.
    pub fn class(&self, user: u64, last_sign_in: Option<&str>) -> usize {
        if let Some(w) = &self.shares {
            return w.sample(&mut Rng::at(self.class_key, user));
        }
        let Some(t) = last_sign_in.and_then(crate::time::parse) else {
            return CLASSES.len() - 1;
        };
        let days = (self.activity.now - t) as f64 / 86_400.0;
        RECENCY
            .iter()
            .position(|&b| days <= b)
            .unwrap_or(CLASSES.len() - 1)
    }

    /// Whether a user of `class` signs in on simulated day `day` (1-based).
    pub fn signs_in(&self, user: u64, class: usize, day: u32) -> bool {
        Rng::at(mix64(self.day_key ^ user), day as u64).chance(self.activity.rates[class])
    }

    /// Whether that sign-in starts with a wrong password.
    pub fn wrong_first(&self, user: u64, day: u32) -> bool {
        Rng::at(mix64(self.wrong_key ^ user), day as u64).chance(self.activity.failed_login_share)
    }

    /// Whether the user's first sign-in is a password reset.
    pub fn resets(&self, user: u64) -> bool {
        Rng::at(self.reset_key, user).chance(self.activity.password_reset_share)
    }

    /// The password a user chose when resetting (14 random letters and digits).
    pub fn reset_password(&self, user: u64) -> String {
        const ALNUM: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        let mut r = Rng::at(mix64(self.reset_key ^ 0x9a55), user);
        (0..14)
            .map(|_| ALNUM[r.below(ALNUM.len() as u64) as usize] as char)
            .collect()
    }

    /// Seconds into the day of the user's sign-in (for paced replay).
    pub fn second_of_day(&self, user: u64, day: u32) -> u32 {
        Rng::at(mix64(self.day_key ^ user ^ 0x5ec), day as u64).below(86_400) as u32
    }
}

/// A wrong password for `password`: a typo (last character changed, or one
/// added to an empty password). Never equal to the right one.
pub fn wrong_password(password: &str, user: u64, day: u32) -> String {
    let mut r = Rng::at(mix64(user ^ 0x7790), day as u64);
    let mut s: String = password.to_string();
    match s.pop() {
        Some(c) => {
            let mut n = (b'a' + r.below(26) as u8) as char;
            if n == c {
                n = if c == 'z' { 'y' } else { 'z' };
            }
            s.push(n);
        }
        None => s.push('x'),
    }
    debug_assert_ne!(s, password);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_shaped() {
        let a = Activity {
            shares: Some([10.0, 20.0, 30.0, 25.0, 15.0]),
            ..Activity::default()
        };
        let m = Model::new(&a, 3);
        let m2 = Model::new(&a, 3);
        let mut counts = [0u64; 5];
        for u in 0..50_000 {
            let c = m.class(u, None);
            assert_eq!(c, m2.class(u, None));
            assert_eq!(m.signs_in(u, c, 4), m2.signs_in(u, c, 4));
            counts[c] += 1;
        }
        let shares: Vec<f64> = counts.iter().map(|&c| c as f64 / 50_000.0).collect();
        for (s, want) in shares.iter().zip([0.1, 0.2, 0.3, 0.25, 0.15]) {
            assert!((s - want).abs() < 0.01, "{shares:?}");
        }
        let days = (1..=700).filter(|&d| m.signs_in(1, 1, d)).count() as f64;
        assert!((days / 700.0 - 1.0 / 7.0).abs() < 0.04, "{days}");
    }

    #[test]
    fn derived_from_recency() {
        let a = Activity {
            from: Some(0),
            now: crate::time::parse("2026-11-01T00:00:00Z").unwrap(),
            ..Activity::default()
        };
        let m = Model::new(&a, 1);
        assert_eq!(m.class(0, Some("2026-10-31T12:00:00Z")), 0);
        assert_eq!(m.class(0, Some("2026-10-28T00:00:00Z")), 1);
        assert_eq!(m.class(0, Some("2026-10-10T00:00:00Z")), 2);
        assert_eq!(m.class(0, Some("2026-01-10T00:00:00Z")), 3);
        assert_eq!(m.class(0, Some("2020-01-10T00:00:00Z")), 4);
        assert_eq!(m.class(0, None), 4);
    }

    #[test]
    fn wrong_passwords_differ() {
        for (i, p) in ["", "a", "monkey1", "zzz", "pässwörd"].iter().enumerate() {
            for d in 0..50 {
                assert_ne!(wrong_password(p, i as u64, d), *p);
            }
        }
    }
}
