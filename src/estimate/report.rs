//! The `estimate` report: one versioned serde struct (ARCHITECTURE.md § Reports), rendered
//! to the terminal and to HTML.
//!
//! Schema (version 2), top level: the head (`schema_version`, `kind`
//! "estimate", `tool`, `version`, `started_at`, `command`), `profile` {name, digest}, `seed`,
//! `target` (password redacted), `method`, `production_users`,
//! `production_rows`, `rows_per_user`, `batch`, `sample_users`,
//! `sample_share`, `sampling_s`, `projections` [{workers, seconds,
//! low_seconds, high_seconds, rows_per_s, measured, rate_limited, human}],
//! `recommended_workers`, `bottleneck` (text), `model` {usl {lambda, sigma,
//! kappa}, fit, fit_rms_rel_error, size {method, factor, rel_se, beta,
//! small_rows_per_s, full_rows_per_s}, rate_limit_per_s,
//! rate_limit_rows_per_s, retry_s_per_row, warmup_s, interval {rel_sd, basis},
//! time_split {generation_us_per_row, target_us_per_row,
//! ratelimit_wait_us_per_row, retry_wait_us_per_row, starved_share}},
//! `samples` [{kind, workers, users, batch, rows, duration_s,
//! steady_rows_per_s, steady_window_s, warmup_s, gen_s, target_s,
//! ratelimit_wait_s, starved_s, retries, throttled, rate_limit, series}],
//! `notes`, `exit_code`; added since, all additive: `model.size_fit` (the
//! geometric size model), `size_method`, `cost` {seconds, fill_s,
//! peak_disk_bytes, projected_target_bytes, disk_share}, `budget` {seconds,
//! samples_skipped, sizes_skipped, range_width}, `thresholds` [{expr,
//! actual, ok}] (with `--fail-on`). Version 1 was the same without `kind`.

use crate::error::{Error, Result};
use crate::estimate::model::{Model, Projection, Sample, SampleKind};
use crate::estimate::usl::FitKind;
use crate::report::chart::{self, Chart, Mark, Series, Style};
use crate::report::html::{Marks, esc, frame, prose, table};
use crate::report::{Head, ProfileInfo, human_duration};
use serde::{Deserialize, Serialize};
use std::fmt::Write;
use std::path::Path;

pub const SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EstimateReport {
    #[serde(flatten)]
    pub head: Head,
    pub profile: ProfileInfo,
    pub seed: u64,
    pub target: String,
    pub method: String,
    pub production_users: u64,
    /// Rows of every table for the production users.
    pub production_rows: u64,
    pub rows_per_user: f64,
    /// Driving-table rows per batch of the projected load.
    pub batch: u64,
    pub sample_users: u64,
    pub sample_share: f64,
    /// Time spent sampling.
    pub sampling_s: f64,
    pub projections: Vec<Projection>,
    pub recommended_workers: usize,
    pub bottleneck: String,
    pub model: Model,
    pub samples: Vec<Sample>,
    pub notes: Vec<String>,
    pub exit_code: i32,
    /// How the size effect was measured.
    #[serde(default = "quadrature")]
    pub size_method: crate::estimate::geometric::SizeMethod,
    /// What the estimate itself cost.
    #[serde(default)]
    pub cost: Cost,
    /// `--budget`, and what it bought.
    #[serde(default)]
    pub budget: Budget,
    /// `--fail-on`'s thresholds on the projection, each with its verdict.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<crate::report::Threshold>,
}

fn quadrature() -> crate::estimate::geometric::SizeMethod {
    crate::estimate::geometric::SizeMethod::Quadrature
}

/// The estimate's own cost, beside the projection it bought.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Cost {
    /// The whole estimate, checks, fills and samples (s).
    pub seconds: f64,
    /// Of which filling scratch copies for the samples at size (s).
    pub fill_s: f64,
    /// Most bytes the scratch copies held at once beside the target, when
    /// known (SQLite: files; PostgreSQL, MySQL: the scratch schema's tables).
    pub peak_disk_bytes: Option<u64>,
    /// The target's size after the full load, projected from the largest
    /// scratch copy (bytes), when known.
    pub projected_target_bytes: Option<f64>,
    /// `peak_disk_bytes` ÷ `projected_target_bytes`.
    pub disk_share: Option<f64>,
}

/// `--budget` and what it bought.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Budget {
    pub seconds: f64,
    /// Sweep samples it left out.
    pub samples_skipped: usize,
    /// Sizes of the samples at size it left out.
    pub sizes_skipped: usize,
    /// The recommended count's range, high ÷ low − 1 (0.5: the high end
    /// is 50 % above the low end).
    pub range_width: f64,
}

impl EstimateReport {
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_string_pretty(self).expect("report serialises");
        std::fs::write(path, json + "\n").map_err(|e| Error::io("write", path, e))
    }
}

/// One sentence: the fewest workers with the range, the recommended count.
/// E.g. `1 worker: 27 d 4 h (25 d 1 h – 29 d 9 h); 16 workers (recommended): 3 h 10 min`.
pub fn summary(r: &EstimateReport) -> String {
    let one = |p: &Projection| {
        format!(
            "{} worker{}{}: {} ({} – {})",
            p.workers,
            if p.workers == 1 { "" } else { "s" },
            if p.workers == r.recommended_workers {
                " (recommended)"
            } else {
                ""
            },
            human_duration(p.seconds),
            human_duration(p.low_seconds),
            human_duration(p.high_seconds)
        )
    };
    let mut parts = Vec::new();
    if let Some(first) = r.projections.first() {
        parts.push(one(first));
    }
    if let Some(rec) = r
        .projections
        .iter()
        .find(|p| p.workers == r.recommended_workers)
        .filter(|p| Some(p.workers) != r.projections.first().map(|f| f.workers))
    {
        parts.push(one(rec));
    }
    parts.join("; ")
}

pub fn terminal(r: &EstimateReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "understudy estimate · profile {} · {} production users ({}) → {}",
        r.profile.name,
        r.production_users,
        crate::util::count(r.production_rows, "row", "rows"),
        r.target
    );
    let _ = writeln!(
        s,
        "  sampled {} ({:.2} %) in {}, {}",
        crate::util::count(r.sample_users, "user", "users"),
        r.sample_share * 100.0,
        crate::util::count(r.samples.len() as u64, "sample", "samples"),
        human_duration(r.sampling_s)
    );
    let _ = writeln!(
        s,
        "\n  {:>7}  {:>14}  {:>27}  {:>12}",
        "workers", "projected", "range (≈95 %)", "rows/s"
    );
    for p in &r.projections {
        let _ = writeln!(
            s,
            "  {:>7}  {:>14}  {:>27}  {:>12.0}{}{}",
            p.workers,
            human_duration(p.seconds),
            format!(
                "{} – {}",
                human_duration(p.low_seconds),
                human_duration(p.high_seconds)
            ),
            p.rows_per_s,
            if p.measured { "" } else { "  (fitted)" },
            if p.workers == r.recommended_workers {
                "  ← recommended"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(s, "\n  {}", summary(r));
    // Reports from before the cost was recorded read it as zero: no line.
    if r.cost.seconds > 0.0 {
        let _ = writeln!(s, "  {}", cost_line(r));
    }
    let m = &r.model;
    let _ = writeln!(s, "  bottleneck: {}", r.bottleneck);
    let _ = writeln!(
        s,
        "  model: USL λ = {:.0} rows/s, σ = {:.3}, κ = {:.5} ({:?} fit, residual {:.1} %); size effect ×{:.2} ({})",
        m.usl.lambda,
        m.usl.sigma,
        m.usl.kappa,
        m.fit,
        m.fit_rms_rel_error * 100.0,
        m.size.factor,
        m.size.method
    );
    let t = &m.time_split;
    let _ = writeln!(
        s,
        "  per row: generation {:.2} µs · network + target {:.2} µs · rate-limit waits {:.2} µs · retry waits {:.2} µs; loaders waited for rows {:.0} % of the time",
        t.generation_us_per_row,
        t.target_us_per_row,
        t.ratelimit_wait_us_per_row,
        t.retry_wait_us_per_row,
        t.starved_share * 100.0
    );
    let _ = writeln!(s, "  range: {}", m.interval.basis);
    for t in &r.thresholds {
        let _ = writeln!(
            s,
            "  threshold {}: {} (projected {})",
            t.expr,
            if t.ok { "passed" } else { "MISSED" },
            human_duration(t.actual)
        );
    }
    for n in &r.notes {
        let _ = writeln!(s, "  note: {n}");
    }
    s
}

/// The estimate's own cost and what the budget bought, in one line.
pub fn cost_line(r: &EstimateReport) -> String {
    let c = &r.cost;
    let mb = |b: f64| format!("{:.0} MB", b / 1e6);
    let disk = match (c.peak_disk_bytes, c.projected_target_bytes) {
        (Some(p), Some(t)) => format!(
            ", {} on disk beside the target ({:.0} % of its projected {})",
            mb(p as f64),
            p as f64 / t.max(1.0) * 100.0,
            mb(t)
        ),
        (Some(p), None) => format!(", {} on disk beside the target", mb(p as f64)),
        _ => String::new(),
    };
    format!(
        "this estimate: {} ({} filling scratch copies){disk}; --budget {} bought a range {:.0} % wide (high ÷ low)",
        human_duration(c.seconds),
        human_duration(c.fill_s),
        human_duration(r.budget.seconds),
        r.budget.range_width * 100.0
    )
}

/// The estimate page: projections, the throughput-vs-workers chart, the
/// method and the samples.
pub fn html(r: &EstimateReport) -> String {
    frame("understudy estimate", Marks::Recommended, &body(r))
}

/// The estimate page's body (also a dossier's section).
pub fn body(r: &EstimateReport) -> String {
    let mut body = projections_html(r);
    body.push_str(&throughput_chart(r));
    body.push_str(&method_html(r));
    body
}

/// How the USL fit was determined, in words.
fn fit_name(f: FitKind) -> &'static str {
    match f {
        FitKind::Full => "full (λ, σ and κ from three or more worker counts)",
        FitKind::Amdahl => "Amdahl (λ and σ from two worker counts, κ = 0)",
        FitKind::Single => "single worker count (no scalability curve)",
    }
}

/// What a sample was for, in words.
fn sample_name(x: &Sample) -> String {
    match x.kind {
        SampleKind::Sweep => "sweep".into(),
        SampleKind::AtSize => format!("at size ({} rows in the target)", x.at_rows),
    }
}

/// The title line, the summary sentence and the table of projections.
fn projections_html(r: &EstimateReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<h1>Estimate: {} users → {}</h1><p>profile <b>{}</b> · {} rows · method {} · batch {} · samples of {} users ({:.2} %) · {}</p>",
        r.production_users,
        esc(&r.target),
        esc(&r.profile.name),
        r.production_rows,
        esc(&r.method),
        r.batch,
        r.sample_users,
        r.sample_share * 100.0,
        esc(&r.head.started_at)
    );
    let _ = writeln!(
        s,
        "<p><b>{}</b></p><p><b>Bottleneck:</b> {}</p>",
        esc(&summary(r)),
        prose(&r.bottleneck)
    );
    let rows: Vec<Vec<String>> = r
        .projections
        .iter()
        .map(|p| {
            let rec = p.workers == r.recommended_workers;
            let mark = |v: String| {
                if rec {
                    format!("<span class=\"rec\">{v}</span>")
                } else {
                    v
                }
            };
            vec![
                mark(p.workers.to_string()),
                mark(human_duration(p.seconds)),
                human_duration(p.low_seconds),
                human_duration(p.high_seconds),
                format!("{:.0}", p.rows_per_s),
                match (p.measured, rec) {
                    (_, true) => "recommended".into(),
                    (false, _) => "fitted".into(),
                    _ => "measured".into(),
                },
            ]
        })
        .collect();
    s.push_str(&table(
        "Projected duration per worker count (range ≈ 95 %)",
        &["workers", "projected", "low", "high", "rows/s", ""],
        &rows,
    ));
    s
}

/// Throughput vs workers: the samples, the fitted USL, the full-size curve.
fn throughput_chart(r: &EstimateReport) -> String {
    let m = &r.model;
    let measured: Vec<(f64, f64)> = r
        .samples
        .iter()
        .filter(|x| x.kind == SampleKind::Sweep)
        .map(|x| (x.workers as f64, x.steady_rows_per_s))
        .collect();
    let w_max = r
        .projections
        .iter()
        .map(|p| p.workers)
        .max()
        .unwrap_or(1)
        .max(2) as f64;
    let steps = 60;
    let fitted: Vec<(f64, f64)> = (0..=steps)
        .map(|i| {
            let w = 1.0 + (w_max - 1.0) * i as f64 / steps as f64;
            (w, m.usl.throughput(w))
        })
        .collect();
    // The projections themselves: size effect, rate limit and the
    // single-writer rule applied.
    let full: Vec<(f64, f64)> = r
        .projections
        .iter()
        .map(|p| (p.workers as f64, p.rows_per_s))
        .collect();
    let marks: Vec<Mark> = r
        .projections
        .iter()
        .filter(|p| p.workers == r.recommended_workers)
        .map(|p| Mark {
            at: (p.workers as f64, p.rows_per_s),
            label: format!(
                "recommended: {} · {:.0} rows/s · {}",
                crate::util::count(p.workers as u64, "worker", "workers"),
                p.rows_per_s,
                human_duration(p.seconds)
            ),
        })
        .collect();
    let whole = |v: f64| {
        if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            String::new()
        }
    };
    chart::lines(
        &Chart {
            title: "Throughput vs workers: samples, USL fit, and the full load (size effect, rate limit)",
            x: "workers",
            y: "rows/s",
            desc: format!(
                "{} samples; the projected full load is {}",
                measured.len(),
                full.iter()
                    .map(|(w, v)| format!("{w:.0} workers {v:.0} rows/s"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
        &[
            Series {
                name: "samples (steady state)".into(),
                points: measured,
                style: Style::Dots,
                color: chart::GREY,
            },
            Series {
                name: format!("USL fit (σ = {:.3}, κ = {:.5})", m.usl.sigma, m.usl.kappa),
                points: fitted,
                style: Style::Line,
                color: chart::BLUE,
            },
            Series {
                name: format!("projected full load (size ×{:.2})", m.size.factor),
                points: full,
                style: Style::Line,
                color: chart::ORANGE,
            },
        ],
        &marks,
        &whole,
        &chart::tick,
    )
}

/// The model's figures, where the time goes, the range's basis, the notes
/// and every sample.
fn method_html(r: &EstimateReport) -> String {
    let m = &r.model;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<h2>Method</h2><p>{}</p><p>Range: {}</p>",
        esc(&format!(
            "USL fit: {}; λ = {:.0} rows/s, σ = {:.4}, κ = {:.6}, residual {:.1} %; size effect ({}) ×{:.3}; warm-up {:.2} s; retry waits {:.2} µs/row.",
            fit_name(m.fit),
            m.usl.lambda,
            m.usl.sigma,
            m.usl.kappa,
            m.fit_rms_rel_error * 100.0,
            m.size.method,
            m.size.factor,
            m.warmup_s,
            m.retry_s_per_row * 1e6
        )),
        prose(&m.interval.basis)
    );
    let t = &m.time_split;
    s.push_str(&chart::hbars(
        &Chart {
            title: "Where the time goes, per row",
            x: "microseconds per row",
            y: "",
            desc: format!(
                "loaders waited for rows {:.0} % of the time",
                t.starved_share * 100.0
            ),
        },
        "µs",
        &[
            ("generation".into(), t.generation_us_per_row),
            ("network + target".into(), t.target_us_per_row),
            ("rate-limit waits".into(), t.ratelimit_wait_us_per_row),
            ("retry waits".into(), t.retry_wait_us_per_row),
        ],
    ));
    let _ = writeln!(
        s,
        "<p>Loaders waited for generated rows {:.0} % of the time.</p>",
        t.starved_share * 100.0
    );
    if !r.notes.is_empty() {
        s.push_str("<h3>Notes</h3><ul>\n");
        for n in &r.notes {
            let _ = writeln!(s, "<li>{}</li>", prose(n));
        }
        s.push_str("</ul>\n");
    }
    let rows: Vec<Vec<String>> = r
        .samples
        .iter()
        .map(|x| {
            vec![
                esc(&sample_name(x)),
                x.workers.to_string(),
                x.batch.to_string(),
                x.rows.to_string(),
                format!("{:.2}", x.duration_s),
                format!("{:.0}", x.steady_rows_per_s),
                format!("{:.2}", x.warmup_s),
            ]
        })
        .collect();
    s.push_str("<h2>Samples</h2>\n");
    s.push_str(&table(
        "Samples",
        &[
            "kind",
            "workers",
            "batch",
            "rows",
            "seconds",
            "steady rows/s",
            "warm-up s",
        ],
        &rows,
    ));
    s
}
