//! Live metrics shared by loader threads: rows per 1-second bucket, batch
//! latencies (HdrHistogram, µs), errors by class and by edge-case label,
//! warnings about rows the target kept (changed) by class and label.

use super::{Latency, TimeSeries};
use base64::Engine;
use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

/// Label prefix of a reject with no edge case of its own (`ARCHITECTURE.md`
/// § Edge cases): `no-edge-case:<class>`.
pub const NO_EDGE_CASE: &str = "no-edge-case:";

/// Label prefix of a row refused because the row it references was: its
/// parent's labels, as `parent:<label>`.
pub const PARENT: &str = "parent:";

/// The label of a reject that has nothing else to go by.
pub fn fallback(class: &str) -> String {
    format!("{NO_EDGE_CASE}{class}")
}

pub struct Metrics {
    start: Instant,
    /// The wall clock at `start`: where the time series' first bucket begins.
    wall: std::time::SystemTime,
    retries: std::sync::atomic::AtomicU64,
    backoff_us: std::sync::atomic::AtomicU64,
    /// Producer time spent generating batches (rows, hashes from the pools).
    gen_us: std::sync::atomic::AtomicU64,
    /// Loader time spent waiting for the producer (generation is behind).
    starved_us: std::sync::atomic::AtomicU64,
    /// When the load phase began (µs after `start`; connecting and creating
    /// tables come before it).
    load_start_us: std::sync::atomic::AtomicU64,
    inner: Mutex<Inner>,
}

/// One committed batch: when (seconds since the metrics started), how many
/// rows, and how long its transaction took (µs, retries excluded).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Commit {
    pub at_s: f64,
    pub rows: u64,
    pub micros: u64,
}

struct Inner {
    buckets: Vec<u64>,
    commits: Vec<Commit>,
    latency: Histogram<u64>,
    /// Per table (by plan index): time spent writing its rows, per batch.
    tables: BTreeMap<usize, Histogram<u64>>,
    errors: Counts,
    warnings: Counts,
}

/// Counts by class and by label.
#[derive(Default)]
struct Counts {
    by_class: BTreeMap<String, u64>,
    by_label: BTreeMap<String, u64>,
}

impl Counts {
    /// One under `class` and one under each label (or the fallback label).
    fn add(&mut self, class: &str, labels: &[String]) {
        *self.by_class.entry(class.to_string()).or_default() += 1;
        if labels.is_empty() {
            *self.by_label.entry(fallback(class)).or_default() += 1;
        }
        for l in labels {
            *self.by_label.entry(l.clone()).or_default() += 1;
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        Metrics {
            start: Instant::now(),
            wall: std::time::SystemTime::now(),
            retries: std::sync::atomic::AtomicU64::new(0),
            backoff_us: std::sync::atomic::AtomicU64::new(0),
            gen_us: std::sync::atomic::AtomicU64::new(0),
            starved_us: std::sync::atomic::AtomicU64::new(0),
            load_start_us: std::sync::atomic::AtomicU64::new(0),
            inner: Mutex::new(Inner {
                buckets: Vec::new(),
                commits: Vec::new(),
                // 1 µs .. 1 hour, 3 significant digits.
                latency: Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("bounds"),
                tables: BTreeMap::new(),
                errors: Counts::default(),
                warnings: Counts::default(),
            }),
        }
    }

    pub fn elapsed(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// `rows` committed now, by a batch that took `micros`.
    pub fn batch(&self, rows: u64, micros: u64) {
        let at = self.start.elapsed();
        let sec = at.as_secs() as usize;
        let mut g = self.inner.lock().expect("metrics");
        g.commits.push(Commit {
            at_s: at.as_secs_f64(),
            rows,
            micros,
        });
        if g.buckets.len() <= sec {
            g.buckets.resize(sec + 1, 0);
        }
        g.buckets[sec] += rows;
        g.latency.saturating_record(micros.max(1));
    }

    /// Rows seen at second `sec` (the --exec sampler).
    pub fn sample(&self, sec: usize, rows: u64) {
        let mut g = self.inner.lock().expect("metrics");
        if g.buckets.len() <= sec {
            g.buckets.resize(sec + 1, 0);
        }
        g.buckets[sec] += rows;
    }

    /// A batch (or verification) retried after a lost connection or a timeout.
    pub fn retry(&self) {
        self.retries
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Time spent waiting before a retry.
    pub fn backoff(&self, d: std::time::Duration) {
        self.backoff_us
            .fetch_add(d.as_micros() as u64, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn backoff_s(&self) -> f64 {
        self.backoff_us.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e6
    }

    /// Time the producer spent generating a batch.
    pub fn generated(&self, d: std::time::Duration) {
        self.gen_us
            .fetch_add(d.as_micros() as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// Time a loader waited for the producer's next batch.
    pub fn starved(&self, d: std::time::Duration) {
        self.starved_us
            .fetch_add(d.as_micros() as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// Marks the start of the load phase.
    pub fn load_started(&self) {
        self.load_start_us.store(
            self.start.elapsed().as_micros() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// Seconds from `start` to the load phase.
    pub fn load_start_s(&self) -> f64 {
        self.load_start_us
            .load(std::sync::atomic::Ordering::Relaxed) as f64
            / 1e6
    }

    pub fn gen_s(&self) -> f64 {
        self.gen_us.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e6
    }

    pub fn starved_s(&self) -> f64 {
        self.starved_us.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1e6
    }

    /// Every committed batch, in commit order.
    pub fn commits(&self) -> Vec<Commit> {
        self.inner.lock().expect("metrics").commits.clone()
    }

    pub fn retries(&self) -> u64 {
        self.retries.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A refused row.
    pub fn error(&self, class: &str, labels: &[String]) {
        self.inner
            .lock()
            .expect("metrics")
            .errors
            .add(class, labels);
    }

    /// A warning about a committed row the target kept as it changed it.
    pub fn warning(&self, class: &str, labels: &[String]) {
        self.inner
            .lock()
            .expect("metrics")
            .warnings
            .add(class, labels);
    }

    /// Warnings by class and by label.
    pub fn warnings(&self) -> (BTreeMap<String, u64>, BTreeMap<String, u64>) {
        let g = self.inner.lock().expect("metrics");
        (g.warnings.by_class.clone(), g.warnings.by_label.clone())
    }

    pub fn timeseries(&self) -> TimeSeries {
        TimeSeries {
            bucket_s: 1.0,
            rows: self.inner.lock().expect("metrics").buckets.clone(),
            start_unix_ms: self
                .wall
                .duration_since(std::time::UNIX_EPOCH)
                .ok()
                .map(|d| d.as_millis() as u64),
        }
    }

    pub fn errors(&self) -> (BTreeMap<String, u64>, BTreeMap<String, u64>) {
        let g = self.inner.lock().expect("metrics");
        (g.errors.by_class.clone(), g.errors.by_label.clone())
    }

    pub fn latency(&self) -> Latency {
        latency_of(&self.inner.lock().expect("metrics").latency)
    }

    /// Table `t`'s rows of a committed batch took `micros` to write.
    pub fn table_write(&self, t: usize, micros: u64) {
        let mut g = self.inner.lock().expect("metrics");
        g.tables
            .entry(t)
            .or_insert_with(|| Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("bounds"))
            .saturating_record(micros.max(1));
    }

    /// Table `t`'s write times, when it had any.
    pub fn table_latency(&self, t: usize) -> Option<Latency> {
        self.inner
            .lock()
            .expect("metrics")
            .tables
            .get(&t)
            .map(latency_of)
    }

    /// The longest batch so far, in ms (overall, or table `t`'s).
    pub fn max_ms(&self, t: Option<usize>) -> f64 {
        let g = self.inner.lock().expect("metrics");
        let h = match t {
            None => Some(&g.latency),
            Some(t) => g.tables.get(&t),
        };
        h.filter(|h| !h.is_empty())
            .map_or(0.0, |h| h.max() as f64 / 1000.0)
    }
}

pub fn latency_of(h: &Histogram<u64>) -> Latency {
    let ms = |us: u64| us as f64 / 1000.0;
    let mut buf = Vec::new();
    hdrhistogram::serialization::Serializer::serialize(
        &mut hdrhistogram::serialization::V2Serializer::new(),
        h,
        &mut buf,
    )
    .expect("histogram serialises");
    if h.is_empty() {
        return Latency {
            histogram: base64::engine::general_purpose::STANDARD.encode(&buf),
            ..Latency::default()
        };
    }
    Latency {
        p50: ms(h.value_at_quantile(0.50)),
        p90: ms(h.value_at_quantile(0.90)),
        p99: ms(h.value_at_quantile(0.99)),
        p999: ms(h.value_at_quantile(0.999)),
        max: ms(h.max()),
        mean: h.mean() / 1000.0,
        count: h.len(),
        histogram: base64::engine::general_purpose::STANDARD.encode(&buf),
    }
}

/// Decodes a report's histogram (to merge or re-plot it).
pub fn decode_histogram(b64: &str) -> Option<Histogram<u64>> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    hdrhistogram::serialization::Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .ok()
}
