//! Waiting out a lost target, one policy for every client (databases, HTTP
//! APIs, `jit`'s two sides): the backoff schedules (`backoff` for stores,
//! `jittered` for HTTP requests, used by the `http` client) and a `Waiting` that
//! tells the user once when a wait begins, then every 30 s
//! (`ARCHITECTURE.md` § Module map).

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a continuing wait is mentioned again.
const REMIND_EVERY: Duration = Duration::from_secs(30);

/// Reports waits for one target on stderr: a line when a wait begins, a
/// reminder every 30 s while it lasts, a line when the target is back.
/// Shared by every worker, so an outage seen by all of them is told once.
pub struct Waiting {
    what: String,
    retry_for: Duration,
    quiet: bool,
    state: Mutex<WaitState>,
}

#[derive(Default)]
struct WaitState {
    since: Option<Instant>,
    said: Option<Instant>,
}

impl Waiting {
    pub fn new(what: impl Into<String>, retry_for: Duration, quiet: bool) -> Waiting {
        Waiting {
            what: what.into(),
            retry_for,
            quiet,
            state: Mutex::new(WaitState::default()),
        }
    }

    /// A failure that will be retried.
    pub fn lost(&self, why: &str) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let since = *s.since.get_or_insert(now);
        if s.said.is_some_and(|t| now - t < REMIND_EVERY) {
            return;
        }
        let first = s.said.is_none();
        s.said = Some(now);
        if self.quiet {
            return;
        }
        let left = self.retry_for.saturating_sub(now - since);
        let why = why.lines().next().unwrap_or(why);
        if first {
            eprintln!(
                "understudy: waiting for {}: {why}; retrying for up to {} (--retry-for)",
                self.what,
                crate::util::human_duration(left.as_secs_f64())
            );
        } else {
            eprintln!(
                "understudy: still waiting for {} after {}: {why}; {} left",
                self.what,
                crate::util::human_duration((now - since).as_secs_f64()),
                crate::util::human_duration(left.as_secs_f64())
            );
        }
    }

    /// The target answered again.
    pub fn back(&self) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (Some(since), said) = (s.since.take(), s.said.take()) else {
            return;
        };
        if said.is_some() && !self.quiet {
            eprintln!(
                "understudy: {} answers again after {}",
                self.what,
                crate::util::human_duration(since.elapsed().as_secs_f64())
            );
        }
    }
}

/// The wait before retry `attempt` (0-based): 200 ms doubling to 5 s.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(200u64 << attempt.min(5)).min(Duration::from_secs(5))
}

/// The wait before an HTTP request's retry `attempt` (0-based): 100 ms
/// doubling to 5 s, plus up to 50 % jitter drawn from `key`, so that
/// workers that failed together do not return together.
pub fn jittered(attempt: u32, key: u64) -> Duration {
    let base = Duration::from_millis(100u64 << attempt.min(6)).min(Duration::from_secs(5));
    base.mul_f64(1.0 + 0.5 * crate::rng::Rng::at(key, attempt as u64 + 1).unit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_backoff_doubles_to_5_s_with_up_to_half_again_of_jitter() {
        for (attempt, base_ms) in [(0, 100), (1, 200), (5, 3200), (6, 5000), (30, 5000)] {
            let base = Duration::from_millis(base_ms);
            for key in 0..20 {
                let w = jittered(attempt, key);
                assert!(
                    w >= base && w <= base.mul_f64(1.5),
                    "{attempt} {key}: {w:?}"
                );
            }
        }
        assert_eq!(jittered(3, 7), jittered(3, 7));
    }

    #[test]
    fn waits_are_told_once_not_per_attempt() {
        let w = Waiting::new("t", Duration::from_secs(60), true);
        w.lost("a");
        let said = w.state.lock().unwrap().said;
        w.lost("b");
        assert_eq!(w.state.lock().unwrap().said, said);
        w.back();
        assert!(w.state.lock().unwrap().since.is_none());
    }
}
