//! Rate limiting: a token bucket, announced the way the provider does
//! (Okta's `X-Rate-Limit-*` headers; `Retry-After` on 429 everywhere).

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
    /// Until when the last 429 told clients to wait.
    blocked_until: Option<Instant>,
    okta_headers: bool,
}

impl Limiter {
    pub fn new(rate: Option<Rate>, burst: Option<u32>, okta_headers: bool) -> Limiter {
        let burst = burst
            .map(f64::from)
            .unwrap_or_else(|| rate.map(|r| r.0.max(1.0)).unwrap_or(1.0));
        Limiter {
            rate,
            burst,
            tokens: burst,
            last: Instant::now(),
            blocked_until: None,
            okta_headers,
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
        // 20 ms of slack: a client that waited exactly as told is not early.
        let early = self
            .blocked_until
            .is_some_and(|b| now + Duration::from_millis(20) < b);
        self.tokens =
            (self.tokens + now.duration_since(self.last).as_secs_f64() * r).min(self.burst);
        self.last = now;
        let (retry_after, remaining) = if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            (None, self.tokens.floor() as u64)
        } else {
            let wait = Duration::from_secs_f64((1.0 - self.tokens) / r);
            // Whole seconds, as Retry-After and X-Rate-Limit-Reset carry.
            let wait = Duration::from_secs(wait.as_secs_f64().ceil().max(1.0) as u64);
            self.blocked_until = Some(now + wait);
            (Some(wait), 0)
        };
        let headers = self.okta_headers.then(|| {
            let reset_in = retry_after.unwrap_or(Duration::from_secs_f64(
                ((self.burst - self.tokens) / r).ceil(),
            ));
            let reset = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                + reset_in;
            vec![
                (
                    "x-rate-limit-limit",
                    (self.burst.round() as u64).to_string(),
                ),
                ("x-rate-limit-remaining", remaining.to_string()),
                ("x-rate-limit-reset", reset.as_secs().to_string()),
            ]
        });
        Decision {
            retry_after,
            early,
            headers,
        }
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
        assert!(l.take().early, "a request right after a 429 is early");
    }
}
