//! The one HTTP client, for rehearse's identity APIs, `jit`'s new system
//! and the emulator's inline hook: one pooled async client, a rate-limit
//! gate shared by every request (a 429's `Retry-After`, in seconds or as an
//! HTTP-date, Okta's `X-Rate-Limit-Reset` when `X-Rate-Limit-Remaining`
//! reaches 0), and backoff with jitter (`retry::jittered`) for 5xx answers,
//! timeouts and lost connections. Counts what happened, by status and by
//! kind of wait. `Blocking` is the same client for callers on plain threads.

use crate::report::metrics::Metrics;
use reqwest::header::HeaderMap;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What one logical request (a create, a job submission) came to.
pub enum Answer {
    /// A final HTTP answer (2xx or a 4xx other than 429), with its body.
    Http {
        status: u16,
        body: Vec<u8>,
        /// An earlier attempt may have reached the server (5xx, timeout,
        /// reset): a "duplicate" answer may be our own earlier create.
        ambiguous: bool,
    },
    /// Retries ran out: the last failure, classified.
    GaveUp {
        class: &'static str,
        message: String,
    },
}

#[derive(Default)]
pub struct Counters {
    pub attempts: AtomicU64,
    pub by_status: Mutex<BTreeMap<u16, u64>>,
    pub rate_limited: AtomicU64,
    pub rate_limit_waits: AtomicU64,
    pub rate_limit_wait_us: AtomicU64,
    pub timeouts: AtomicU64,
    pub connection_errors: AtomicU64,
    pub announced: Mutex<Announced>,
}

/// What the API said about its rate limit: requests per window
/// (`X-Rate-Limit-Limit`) and when windows reset (`X-Rate-Limit-Reset`,
/// epoch seconds), from which the window's length is read.
#[derive(Default)]
pub struct Announced {
    limit: Option<f64>,
    resets: std::collections::BTreeSet<u64>,
    /// The longest time to a reset seen (a window is at least this long).
    ahead_s: f64,
}

impl Announced {
    fn record(&mut self, limit: f64, reset: f64, now: f64) {
        self.limit = Some(limit);
        if reset.is_finite() && reset > 0.0 && reset < 1e12 {
            self.resets.insert(reset as u64);
            self.ahead_s = self.ahead_s.max(reset - now);
        }
    }

    /// Requests per second the announced limit allows. The window is the
    /// smallest step between successive resets; with only one reset seen,
    /// the longest time to it, rounded up to a second, a minute or an hour
    /// (the windows rate limits count in).
    pub fn rate_per_s(&self) -> Option<f64> {
        let limit = self.limit.filter(|l| *l > 0.0)?;
        let resets: Vec<u64> = self.resets.iter().copied().collect();
        let step = resets.windows(2).map(|w| w[1] - w[0]).min();
        let window = match step {
            Some(s) => s as f64,
            None if self.ahead_s > 0.0 => [1.0, 60.0, 3600.0]
                .into_iter()
                .find(|&w| w >= self.ahead_s)
                .unwrap_or(self.ahead_s.ceil()),
            None => return None,
        };
        Some(limit / window.max(1.0))
    }
}

pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    /// Answers (5xx) allowed per request before it is given up.
    pub max_attempts: u32,
    /// How long a lost network (no answer at all) is retried.
    pub retry_for: Duration,
    pub timeout: Duration,
    pub counters: Counters,
    pub metrics: std::sync::Arc<Metrics>,
    /// No request leaves before this instant (set by rate-limit answers).
    not_before: Mutex<Option<Instant>>,
    /// Tells on stderr when the target stops answering, and when it is back.
    waiting: Option<crate::retry::Waiting>,
}

/// A reqwest client keeping up to `pool` idle connections per host.
fn connections(pool: usize) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .pool_max_idle_per_host(pool)
        .connect_timeout(Duration::from_secs(5))
        .tcp_nodelay(true)
        .build()
}

/// Seconds since the epoch, as a float.
fn epoch_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
pub fn retry_after(h: &HeaderMap) -> Option<Duration> {
    let v = h.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(Duration::from_secs(s));
    }
    let at = http_date(v)?;
    Some(Duration::from_secs_f64((at as f64 - epoch_now()).max(0.0)))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` → seconds since the epoch.
fn http_date(s: &str) -> Option<i64> {
    let f: Vec<&str> = s.split_whitespace().collect();
    if f.len() != 6 || f[5] != "GMT" {
        return None;
    }
    let day: i64 = f[1].parse().ok()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == f[2])? as i64
        + 1;
    let year: i64 = f[3].parse().ok()?;
    let t: Vec<i64> = f[4]
        .split(':')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    if t.len() != 3 {
        return None;
    }
    // Days from civil (H. Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + t[0] * 3600 + t[1] * 60 + t[2])
}

impl Client {
    pub fn new(
        base: String,
        max_attempts: u32,
        retry_for: Duration,
        pool: usize,
        metrics: std::sync::Arc<Metrics>,
    ) -> reqwest::Result<Client> {
        let timeout = Duration::from_secs(30);
        Ok(Client {
            http: connections(pool)?,
            base,
            max_attempts: max_attempts.max(1),
            retry_for,
            timeout,
            counters: Counters::default(),
            metrics,
            not_before: Mutex::new(None),
            waiting: None,
        })
    }

    /// Waits for a target that stops answering are told through `w`.
    pub fn telling(mut self, w: crate::retry::Waiting) -> Client {
        self.waiting = Some(w);
        self
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Waits until the rate-limit gate is open.
    async fn gate(&self) {
        let mut waited = Duration::ZERO;
        loop {
            let until = *self.not_before.lock().expect("gate");
            match until {
                Some(t) if t > Instant::now() => {
                    let now = Instant::now();
                    tokio::time::sleep_until(t.into()).await;
                    waited += t - now;
                }
                _ => break,
            }
        }
        if !waited.is_zero() {
            self.counters
                .rate_limit_waits
                .fetch_add(1, Ordering::Relaxed);
            self.counters
                .rate_limit_wait_us
                .fetch_add(waited.as_micros() as u64, Ordering::Relaxed);
        }
    }

    fn close_gate_for(&self, d: Duration) {
        let t = Instant::now() + d;
        let mut g = self.not_before.lock().expect("gate");
        if g.is_none_or(|g| g < t) {
            *g = Some(t);
        }
    }

    /// Okta announces its window: when nothing remains, wait for the reset.
    fn pace(&self, h: &HeaderMap) {
        let num = |k: &str| {
            h.get(k)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<f64>().ok())
        };
        if let (Some(limit), Some(reset)) = (num("x-rate-limit-limit"), num("x-rate-limit-reset")) {
            self.counters
                .announced
                .lock()
                .expect("announced")
                .record(limit, reset, epoch_now());
        }
        if let (Some(0.0), Some(reset)) = (num("x-rate-limit-remaining"), num("x-rate-limit-reset"))
        {
            self.close_gate_for(Duration::from_secs_f64(
                (reset - epoch_now()).clamp(0.0, 3600.0),
            ));
        }
    }

    /// Sends `make()` until it gets a final answer: 429s wait as told (and do
    /// not count as attempts), 5xx answers back off and count, a lost network
    /// is retried for `retry_for`. `key` seeds the jitter.
    pub async fn send(&self, key: u64, make: impl Fn() -> reqwest::RequestBuilder) -> Answer {
        let mut answered_5xx = 0u32;
        let mut ambiguous = false;
        let mut first_failure: Option<Instant> = None;
        let mut round = 0u32;
        loop {
            self.gate().await;
            round += 1;
            self.counters.attempts.fetch_add(1, Ordering::Relaxed);
            let (class, message): (&'static str, String) =
                match make().timeout(self.timeout).send().await {
                    Ok(resp) => {
                        if let Some(w) = &self.waiting {
                            w.back();
                        }
                        let status = resp.status().as_u16();
                        *self
                            .counters
                            .by_status
                            .lock()
                            .expect("status")
                            .entry(status)
                            .or_insert(0) += 1;
                        let headers = resp.headers().clone();
                        self.pace(&headers);
                        if status == 429 {
                            self.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
                            // Retry-After, else Okta's reset (set by `pace`), else 1 s.
                            match retry_after(&headers) {
                                Some(wait) => self.close_gate_for(wait),
                                None if headers.contains_key("x-rate-limit-reset") => {}
                                None => self.close_gate_for(Duration::from_secs(1)),
                            }
                            continue;
                        }
                        match resp.bytes().await {
                            Ok(body) if status < 500 => {
                                return Answer::Http {
                                    status,
                                    body: body.to_vec(),
                                    ambiguous,
                                };
                            }
                            Ok(body) => {
                                ambiguous = true;
                                answered_5xx += 1;
                                (
                                    "server_error",
                                    format!(
                                        "HTTP {status}: {}",
                                        String::from_utf8_lossy(&body[..body.len().min(200)])
                                    ),
                                )
                            }
                            Err(e) => {
                                ambiguous = true;
                                ("network", format!("reading the answer: {e}"))
                            }
                        }
                    }
                    Err(e) if e.is_timeout() => {
                        ambiguous = true;
                        self.counters.timeouts.fetch_add(1, Ordering::Relaxed);
                        ("timeout", format!("no answer within {:?}", self.timeout))
                    }
                    Err(e) => {
                        // A refused connection never reached the server; a
                        // reset one may have.
                        ambiguous |= !e.is_connect();
                        self.counters
                            .connection_errors
                            .fetch_add(1, Ordering::Relaxed);
                        ("network", error_chain(&e))
                    }
                };
            let failing_for = first_failure.get_or_insert_with(Instant::now).elapsed();
            let out_of_attempts = answered_5xx >= self.max_attempts;
            let out_of_time = class != "server_error" && failing_for >= self.retry_for;
            if out_of_attempts || out_of_time {
                return Answer::GaveUp {
                    class,
                    message: format!("gave up after {round} attempts: {message}"),
                };
            }
            if class != "server_error"
                && let Some(w) = &self.waiting
            {
                w.lost(&message);
            }
            let wait = crate::retry::jittered(round - 1, key);
            self.metrics.retry();
            self.metrics.backoff(wait);
            tokio::time::sleep(wait).await;
        }
    }

    pub fn snapshot(&self) -> crate::report::HttpCounts {
        let c = &self.counters;
        crate::report::HttpCounts {
            attempts: c.attempts.load(Ordering::Relaxed),
            responses_by_status: c
                .by_status
                .lock()
                .expect("status")
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
            rate_limited: c.rate_limited.load(Ordering::Relaxed),
            rate_limit_waits: c.rate_limit_waits.load(Ordering::Relaxed),
            rate_limit_wait_s: c.rate_limit_wait_us.load(Ordering::Relaxed) as f64 / 1e6,
            timeouts: c.timeouts.load(Ordering::Relaxed),
            connection_errors: c.connection_errors.load(Ordering::Relaxed),
            advertised_rate_per_s: c.announced.lock().expect("announced").rate_per_s(),
        }
    }
}

/// The same client for callers on plain threads (`jit`'s workers): one
/// rate-limit gate, one set of counters, one retry policy. Each thread
/// keeps its own connection and a current-thread runtime that drives it
/// while a call blocks, so a request costs no hand-over between threads.
pub struct Blocking {
    client: std::sync::Arc<Client>,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl Blocking {
    pub fn new(client: Client) -> std::io::Result<Blocking> {
        Blocking::sharing(std::sync::Arc::new(client))
    }

    fn sharing(client: std::sync::Arc<Client>) -> std::io::Result<Blocking> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Blocking {
            client,
            http: connections(1).map_err(std::io::Error::other)?,
            runtime,
        })
    }

    /// Another thread's handle on the same client.
    pub fn another(&self) -> std::io::Result<Blocking> {
        Blocking::sharing(self.client.clone())
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// This handle's connections: build the requests given to `send` on it.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// `Client::send`, waited for.
    pub fn send(&self, key: u64, make: impl Fn() -> reqwest::RequestBuilder) -> Answer {
        self.runtime.block_on(self.client.send(key, make))
    }

    /// One request, no retry (a reachability probe): its status, or the
    /// root cause of there being none ("Connection refused (os error 111)").
    pub fn once(&self, make: impl FnOnce() -> reqwest::RequestBuilder) -> Result<u16, String> {
        self.runtime.block_on(async {
            match make().timeout(self.client.timeout).send().await {
                Ok(r) => Ok(r.status().as_u16()),
                Err(e) => {
                    let mut root: &dyn std::error::Error = &e;
                    while let Some(c) = root.source() {
                        root = c;
                    }
                    Err(root.to_string())
                }
            }
        })
    }
}

/// Percent-encodes a path segment (emails: `+`, `@` and non-ASCII).
pub fn segment(s: &str) -> String {
    let mut out = String::new();
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The error with its causes (reqwest's Display hides the interesting part).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        s.push_str(": ");
        s.push_str(&c.to_string());
        src = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_announced_limit_is_read_per_window() {
        let mut a = Announced::default();
        assert_eq!(a.rate_per_s(), None);
        // One window seen, 0.4 s before its reset: a window of at least 1 s.
        a.record(600.0, 1_000_001.0, 1_000_000.6);
        assert_eq!(a.rate_per_s(), Some(600.0));
        // Resets one second apart: 600 per second.
        a.record(600.0, 1_000_002.0, 1_000_001.1);
        a.record(600.0, 1_000_003.0, 1_000_002.1);
        assert_eq!(a.rate_per_s(), Some(600.0));
        // Okta's usual one-minute windows: 600 per minute.
        let mut m = Announced::default();
        m.record(600.0, 1_000_060.0, 1_000_001.0);
        assert_eq!(m.rate_per_s(), Some(10.0));
        m.record(600.0, 1_000_120.0, 1_000_061.0);
        assert_eq!(m.rate_per_s(), Some(10.0));
    }

    #[test]
    fn http_dates_parse() {
        assert_eq!(
            http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(http_date("yesterday"), None);
    }

    #[test]
    fn retry_after_takes_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "3".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert(
            "retry-after",
            "Thu, 01 Jan 1970 00:00:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
    }
}
