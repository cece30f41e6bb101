//! Rate limiting: a token bucket, announced the way the provider does
//! (Okta's `X-Rate-Limit-*` headers and fixed windows; `Retry-After` on the
//! others' 429s).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Requests per second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate(pub f64);

impl std::str::FromStr for Rate {
    type Err = String;
    fn from_str(s: &str) -> Result<Rate, String> {
        let bad = || format!("`{s}` is not a rate: use N/s or N/min, e.g. 600/s or 600/min");
        let (n, per) = s.split_once('/').ok_or_else(bad)?;
        let n: f64 = n.trim().parse().map_err(|_| bad())?;
        let per = match per.trim() {
            "s" | "sec" => 1.0,
            "min" | "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        if !(n > 0.0 && n.is_finite()) {
            return Err(bad());
        }
        Ok(Rate(n / per))
    }
}

/// Requests answered within this time after a 429 were already in flight.
pub const GRACE: Duration = Duration::from_millis(250);

pub struct Decision {
    /// Set: answer 429 and tell the client to wait this long.
    pub retry_after: Option<Duration>,
    /// The request came before the wait announced by an earlier 429 was over.
    pub early: bool,
    pub headers: Option<Vec<(&'static str, String)>>,
}

pub struct Limiter {
    rate: Option<Rate>,
    burst: f64,
    tokens: f64,
    last: Instant,
    /// When the last 429 was answered, and until when it told clients to wait.
    blocked: Option<(Instant, Instant)>,
    /// Okta: fixed windows (1 s, or 1 min below 1 request/s) announced with
    /// `X-Rate-Limit-Limit/-Remaining/-Reset`, as Okta counts; the others: a
    /// token bucket announced only by `Retry-After` on 429.
    okta: Option<Window>,
}

struct Window {
    length: f64,
    limit: u64,
    /// Start of the current window (seconds since the epoch) and requests in it.
    start: f64,
    used: u64,
}

impl Limiter {
    pub fn new(rate: Option<Rate>, burst: Option<u32>, okta_headers: bool) -> Limiter {
        let burst = burst
            .map(f64::from)
            .unwrap_or_else(|| rate.map(|r| r.0.max(1.0)).unwrap_or(1.0));
        let okta = rate.filter(|_| okta_headers).map(|Rate(r)| {
            let length = if r >= 1.0 { 1.0 } else { 60.0 };
            Window {
                length,
                limit: (r * length).round().max(1.0) as u64,
                start: 0.0,
                used: 0,
            }
        });
        Limiter {
            rate,
            burst,
            tokens: burst,
            last: Instant::now(),
            blocked: None,
            okta,
        }
    }

    pub fn take(&mut self) -> Decision {
        let Some(Rate(r)) = self.rate else {
            return Decision {
                retry_after: None,
                early: false,
                headers: None,
            };
        };
        let now = Instant::now();
        // A request is early when it comes after the client could have read
        // the 429 (requests already in flight then are not: GRACE covers the
        // round trip) and before the time the 429 named (20 ms of slack: a
        // client that waited exactly as told is not early).
        let early = self
            .blocked
            .is_some_and(|(at, until)| now > at + GRACE && now + Duration::from_millis(20) < until);
        if let Some(w) = &mut self.okta {
            let epoch = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs_f64();
            let start = (epoch / w.length).floor() * w.length;
            if start != w.start {
                w.start = start;
                w.used = 0;
            }
            let reset = start + w.length;
            let refused = w.used >= w.limit;
            if !refused {
                w.used += 1;
            }
            let retry_after = refused.then(|| Duration::from_secs_f64(reset - epoch));
            if let Some(wait) = retry_after {
                self.blocked = Some((now, now + wait));
            }
            return Decision {
                retry_after,
                early,
                headers: Some(vec![
                    ("x-rate-limit-limit", w.limit.to_string()),
                    ("x-rate-limit-remaining", (w.limit - w.used).to_string()),
                    ("x-rate-limit-reset", (reset as u64).to_string()),
                ]),
            };
        }
        self.tokens =
            (self.tokens + now.duration_since(self.last).as_secs_f64() * r).min(self.burst);
        self.last = now;
        let retry_after = if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            None
        } else {
            let wait = Duration::from_secs_f64((1.0 - self.tokens) / r);
            // Whole seconds, as Retry-After carries.
            let wait = Duration::from_secs(wait.as_secs_f64().ceil().max(1.0) as u64);
            self.blocked = Some((now, now + wait));
            Some(wait)
        };
        Decision {
            retry_after,
            early,
            headers: None,
        }
    }

    /// Okta announces the wait with `X-Rate-Limit-Reset`, not `Retry-After`.
    pub fn sends_retry_after(&self) -> bool {
        self.okta.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse() {
        assert_eq!("600/s".parse::<Rate>().unwrap(), Rate(600.0));
        assert_eq!("600/min".parse::<Rate>().unwrap(), Rate(10.0));
        assert!("fast".parse::<Rate>().is_err());
    }

    #[test]
    fn bucket_refuses_beyond_burst() {
        let mut l = Limiter::new(Some(Rate(1.0)), Some(3), false);
        let oks = (0..5).filter(|_| l.take().retry_after.is_none()).count();
        assert_eq!(oks, 3);
        assert!(
            !l.take().early,
            "a request in flight when the 429 left is not early"
        );
        std::thread::sleep(GRACE + Duration::from_millis(20));
        assert!(
            l.take().early,
            "a request after the 429 could be read is early"
        );
    }
}
