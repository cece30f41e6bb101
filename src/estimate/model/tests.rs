//! `project` on synthetic samples: every rule, and pinned outputs.

use super::*;

/// A synthetic sample with a steady rate and commits every `dt`.
fn sample(kind: SampleKind, workers: usize, rate: f64) -> Sample {
    Sample {
        kind,
        workers,
        at_rows: 0,
        users: 10_000,
        batch: 1000,
        rows: 80_000,
        duration_s: 80_000.0 / rate,
        steady_rows_per_s: rate,
        steady_window_s: 1.0,
        steady_rows: 1,
        warmup_s: 0.0,
        series: Vec::new(),
        size_points: Vec::new(),
        checkpoint: None,
        gen_s: 0.1,
        target_s: 80_000.0 / rate * workers as f64,
        ratelimit_wait_s: 0.0,
        starved_s: 0.0,
        backoff_s: 0.0,
        retries: 0,
        throttled: 0,
        rate_limit: None,
        announced_rate: None,
        rows_per_request: 0.0,
    }
}

fn inputs<'a>(kind: TargetKind, s: &'a [Sample], w: &'a [usize]) -> Inputs<'a> {
    Inputs {
        kind,
        samples: s,
        rows: 1_000_000,
        batch: 1000,
        workers: w,
        geometric: None,
    }
}

/// `a` and `b` agree: the same strings, numbers within `1e-12` of each
/// other (relative), so a refactor that reorders a sum still passes
/// and any change of the model does not.
fn same(a: &serde_json::Value, b: &serde_json::Value, at: &str) {
    use serde_json::Value::{Array, Number, Object};
    match (a, b) {
        (Number(x), Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!(
                x == y || ((x - y) / x.abs().max(y.abs())).abs() < 1e-12,
                "{at}: {x} vs {y}"
            );
        }
        (Array(x), Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}: lengths");
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                same(x, y, &format!("{at}[{i}]"));
            }
        }
        (Object(x), Object(y)) => {
            let keys = |o: &serde_json::Map<String, serde_json::Value>| {
                o.keys().cloned().collect::<Vec<_>>()
            };
            assert_eq!(keys(x), keys(y), "{at}: keys");
            for (k, v) in x {
                same(v, &y[k], &format!("{at}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

/// Everything `project` decides, as JSON.
fn outcome_json(o: &Outcome) -> serde_json::Value {
    serde_json::json!({
        "model": o.model,
        "projections": o.projections,
        "recommended": o.recommended,
        "bottleneck": o.bottleneck,
        "notes": o.notes,
    })
}

/// A sweep at each worker count with repeats whose rates are `rates`,
/// the other timings varied with them so that every part of the model
/// sees distinct values.
fn sweep_set(rates: &[(usize, &[f64])]) -> Vec<Sample> {
    let mut out = Vec::new();
    for (i, &(w, rs)) in rates.iter().enumerate() {
        for (j, &r) in rs.iter().enumerate() {
            let mut x = sample(SampleKind::Sweep, w, r);
            x.batch = 500;
            x.warmup_s = 0.02 + 0.003 * (i + j) as f64;
            x.gen_s = 0.011 * (1 + j) as f64;
            x.starved_s = 0.004 * (1 + i) as f64;
            x.size_points = (1..=12)
                .map(|k| {
                    let at = k as f64 * 6_000.0;
                    (
                        at,
                        r / (1.0 + 0.04 * (at / 6_000.0).ln()) * (1.0 + 0.002 * j as f64),
                    )
                })
                .collect();
            out.push(x);
        }
    }
    out
}

/// Samples at size: (rows in the target, rates of the repeats).
fn at_size_set(w: usize, nodes: &[(u64, &[f64])]) -> Vec<Sample> {
    let mut out = Vec::new();
    for &(at, rs) in nodes {
        for &r in rs {
            let mut x = sample(SampleKind::AtSize, w, r);
            x.at_rows = at;
            x.batch = 25_000;
            x.gen_s = 0.015;
            x.target_s = 0.21 + at as f64 * 1e-7;
            out.push(x);
        }
    }
    out
}

/// Synthetic sample sets for each kind of target and what `project`
/// made of them (tests/fixtures/estimate-project.json), so that no
/// restructuring of the model moves a number.
fn pinned_cases() -> Vec<(&'static str, Inputs<'static>)> {
    let leak = |s: Vec<Sample>| -> &'static [Sample] { Box::leak(s.into_boxed_slice()) };
    // SQLite: a sweep at 1 and 2 writers, samples at size at both nodes.
    let mut sqlite = sweep_set(&[
        (1, &[300_000.0, 312_000.0, 295_000.0]),
        (2, &[318_000.0, 305_000.0, 322_000.0]),
    ]);
    sqlite.extend(at_size_set(
        1,
        &[
            (250_000, &[180_000.0, 176_000.0]),
            (950_000, &[120_000.0, 126_000.0]),
        ],
    ));
    // PostgreSQL: four worker counts (the full USL), samples at size at 2.
    let mut server = sweep_set(&[
        (1, &[10_000.0, 10_400.0]),
        (2, &[18_000.0, 17_500.0]),
        (4, &[26_000.0, 27_000.0]),
        (8, &[24_000.0, 23_000.0]),
    ]);
    server.extend(at_size_set(
        2,
        &[(1_000_000, &[15_000.0]), (3_800_000, &[11_000.0])],
    ));
    // An identity API that throttles from 4 workers and announces its limit.
    let mut limited = sweep_set(&[
        (1, &[150.0, 148.0]),
        (2, &[290.0, 300.0]),
        (4, &[560.0, 580.0]),
        (8, &[610.0, 598.0]),
    ]);
    for x in &mut limited {
        x.rows_per_request = 1.0;
        x.announced_rate = Some(600.0);
        x.backoff_s = 0.5 * x.workers as f64;
        x.retries = x.workers as u64;
        if x.workers >= 4 {
            x.rate_limit = Some(x.steady_rows_per_s * 1.02);
            x.throttled = 12 * x.workers as u64;
            x.ratelimit_wait_s = 0.8 * x.workers as f64;
        }
    }
    // An identity API with no limit: its samples slow as it fills.
    let mut unlimited = sweep_set(&[(1, &[400.0, 390.0]), (2, &[760.0, 780.0]), (4, &[1400.0])]);
    for x in &mut unlimited {
        x.rows_per_request = 1.0;
    }
    // One worker count and too few batches for a size trend.
    let mut single = sweep_set(&[(1, &[5_000.0, 5_200.0, 4_700.0])]);
    for x in &mut single {
        x.size_points.clear();
    }
    vec![
        (
            "one-worker-count",
            Inputs {
                kind: TargetKind::Server,
                samples: leak(single),
                rows: 300_000,
                batch: 5_000,
                workers: &[1, 4],
                geometric: None,
            },
        ),
        (
            "sqlite",
            Inputs {
                kind: TargetKind::SingleWriter,
                samples: leak(sqlite),
                rows: 1_200_000,
                batch: 25_000,
                workers: &[1, 2],
                geometric: None,
            },
        ),
        (
            "postgres",
            Inputs {
                kind: TargetKind::Server,
                samples: leak(server),
                rows: 4_800_000,
                batch: 5_000,
                workers: &[1, 2, 4, 8, 16],
                geometric: None,
            },
        ),
        (
            "api-rate-limited",
            Inputs {
                kind: TargetKind::Api,
                samples: leak(limited),
                rows: 500_000,
                batch: 1,
                workers: &[1, 2, 4, 8, 16],
                geometric: None,
            },
        ),
        (
            "api-size-trend",
            Inputs {
                kind: TargetKind::Api,
                samples: leak(unlimited),
                rows: 2_000_000,
                batch: 1,
                workers: &[1, 2, 4, 8],
                geometric: None,
            },
        ),
    ]
}

#[test]
fn the_projection_of_pinned_sample_sets_does_not_move() {
    let want: serde_json::Value = serde_json::from_str(include_str!(
        "../../../tests/fixtures/estimate-project.json"
    ))
    .unwrap();
    let cases = pinned_cases();
    assert_eq!(want.as_object().unwrap().len(), cases.len());
    for (name, inp) in &cases {
        let got = outcome_json(&project(inp).unwrap());
        same(&got, &want[*name], name);
    }
}

/// A real estimate report (version 1, SQLite, `saas`): its samples,
/// projected again, give the model, projections and bottleneck it holds.
#[test]
fn a_v1_reports_samples_project_to_its_own_model() {
    let r: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/fixtures/estimate-v1.json")).unwrap();
    // As a version-1 report holds them: without the fields added since
    // (none of which moves a SQLite projection with samples at size).
    let samples: Vec<Sample> = serde_json::from_value(r["samples"].clone()).unwrap();
    let workers: Vec<usize> = r["projections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["workers"].as_u64().unwrap() as usize)
        .collect();
    let o = project(&Inputs {
        kind: TargetKind::SingleWriter,
        samples: &samples,
        rows: r["production_rows"].as_u64().unwrap(),
        batch: r["batch"].as_u64().unwrap(),
        workers: &workers,
        geometric: None,
    })
    .unwrap();
    let got = outcome_json(&o);
    same(&got["model"], &r["model"], "model");
    same(&got["projections"], &r["projections"], "projections");
    same(
        &got["recommended"],
        &r["recommended_workers"],
        "recommended",
    );
    same(&got["bottleneck"], &r["bottleneck"], "bottleneck");
    let notes = r["notes"].as_array().unwrap();
    same(
        &got["notes"],
        &serde_json::json!(notes[..o.notes.len()]),
        "notes",
    );
}

#[test]
fn steady_state_drops_the_first_round_and_the_tail() {
    // 2 workers; the first round is slow (fill), then 1000 rows every 0.1 s.
    let mut c = vec![
        Commit {
            at_s: 1.0,
            rows: 1000,
        },
        Commit {
            at_s: 1.05,
            rows: 1000,
        },
    ];
    for i in 1..=10 {
        c.push(Commit {
            at_s: 1.05 + i as f64 * 0.1,
            rows: 1000,
        });
    }
    c.push(Commit {
        at_s: 3.0,
        rows: 1000,
    });
    let (rate, _, _, warm) = steady(&c, 2, 0.0).unwrap();
    assert!((rate - 10_000.0).abs() < 1.0, "{rate}");
    assert!((warm - 1.05).abs() < 1e-9);
    // Skipping the first third: the same rate, the same warm-up.
    let (rate, _, rows, warm) = steady(&c, 2, 1.0 / 3.0).unwrap();
    assert!((rate - 10_000.0).abs() < 1.0, "{rate}");
    assert_eq!(rows, 7000);
    assert!((warm - 1.05).abs() < 1e-9);
    assert!(steady(&c[..1], 1, 0.0).is_none());
}

#[test]
fn a_rate_limit_caps_the_projection_and_is_named() {
    // An API: 200 rows/s per worker, limit 600 req/s, 1 row per request;
    // the 4-worker samples are throttled.
    let mut s: Vec<Sample> = [1, 2, 4]
        .iter()
        .map(|&w| sample(SampleKind::Sweep, w, (200.0 * w as f64).min(600.0)))
        .collect();
    for x in &mut s {
        x.rows_per_request = 1.0;
        if x.workers == 4 {
            x.rate_limit = Some(600.0);
        }
    }
    let ws = [1, 2, 4, 8, 16];
    let o = project(&inputs(TargetKind::Api, &s, &ws)).unwrap();
    let p16 = o.projections.iter().find(|p| p.workers == 16).unwrap();
    assert!(p16.rate_limited);
    assert!((p16.seconds / (1_000_000.0 / 600.0) - 1.0).abs() < 0.02);
    let p2 = o.projections.iter().find(|p| p.workers == 2).unwrap();
    assert!(!p2.rate_limited);
    assert!(
        o.bottleneck.contains("the target's rate limit (600 req/s)"),
        "{}",
        o.bottleneck
    );
    assert_eq!(rate_text(10.0), "600 req/min");
    assert_eq!(o.recommended, 4);
}

/// Throttled samples read a windowed limit noisily; an announced limit
/// they agree with is the one projected, with a range that holds it.
#[test]
fn an_announced_rate_limit_is_used_when_the_throttled_samples_agree() {
    // What 3,000-user samples read against `emulate okta --rate 600/s`.
    let readings = [
        664.0, 583.0, 662.0, 662.0, 534.0, 666.0, 506.0, 664.0, 538.0, 663.0, 538.0, 664.0,
    ];
    let ws = [1, 2, 4, 8];
    let mut s: Vec<Sample> = readings
        .iter()
        .enumerate()
        .map(|(i, &r)| {
            let mut x = sample(SampleKind::Sweep, ws[i % 4], r);
            x.rate_limit = Some(r);
            x.rows_per_request = 1.0;
            x
        })
        .collect();
    let o = project(&inputs(TargetKind::Api, &s, &ws)).unwrap();
    let ideal = 1_000_000.0 / 600.0;
    // Without the announcement: the median reading, not the lowest.
    let p = &o.projections[0];
    assert!(
        p.rate_limited && (p.seconds / ideal - 1.0).abs() < 0.10,
        "{}",
        p.seconds
    );
    for x in &mut s {
        x.announced_rate = Some(600.0);
    }
    let o = project(&inputs(TargetKind::Api, &s, &ws)).unwrap();
    assert_eq!(o.model.rate_limit_per_s, Some(600.0));
    for p in &o.projections {
        assert!(p.rate_limited);
        assert!((p.seconds / ideal - 1.0).abs() < 0.01, "{}", p.seconds);
        assert!(p.low_seconds < ideal * 0.95 && p.high_seconds > ideal * 1.05);
        assert!(p.high_seconds < ideal * 1.3, "{}", p.high_seconds);
    }
    assert!(
        o.notes
            .iter()
            .any(|n| n.contains("as the API announces it")),
        "{:?}",
        o.notes
    );
    // An announcement the samples contradict is not believed.
    for x in &mut s {
        x.announced_rate = Some(1000.0);
    }
    let o = project(&inputs(TargetKind::Api, &s, &ws)).unwrap();
    assert!(o.model.rate_limit_per_s.unwrap() < 700.0);
    // Readings above an announced limit are a short sample's window
    // edges (here about 4/3 of it): the announcement stands.
    for x in &mut s {
        x.announced_rate = Some(500.0);
    }
    let o = project(&inputs(TargetKind::Api, &s, &ws)).unwrap();
    assert_eq!(o.model.rate_limit_per_s, Some(500.0));
}

#[test]
fn a_single_writer_is_named_and_one_worker_recommended() {
    let s = vec![
        sample(SampleKind::Sweep, 1, 100_000.0),
        sample(SampleKind::Sweep, 2, 98_000.0),
        sample(SampleKind::Sweep, 4, 97_000.0),
    ];
    let o = project(&inputs(TargetKind::SingleWriter, &s, &[1, 2, 4])).unwrap();
    assert_eq!(o.recommended, 1);
    assert!(o.bottleneck.contains("one writer"), "{}", o.bottleneck);
    // No projected speed-up from extra writers.
    let t1 = o.projections[0].seconds;
    assert!(o.projections.iter().all(|p| p.seconds >= t1 * 0.99));
}

#[test]
fn samples_at_size_slow_the_projection() {
    // Per-row times 5 µs and 15 µs at the two nodes: 10 µs on average.
    let mut s = vec![sample(SampleKind::Sweep, 1, 200_000.0)];
    for (at, rate) in [(1_000, 200_000.0), (2_000, 200_000.0 / 3.0)] {
        let mut x = sample(SampleKind::AtSize, 1, rate);
        x.at_rows = at;
        s.push(x);
    }
    let o = project(&inputs(TargetKind::SingleWriter, &s, &[1])).unwrap();
    assert!((o.model.size.factor - 2.0).abs() < 1e-6);
    assert!((o.projections[0].seconds - 10.0).abs() < 0.01);
    assert!(o.projections[0].low_seconds < 10.0 && o.projections[0].high_seconds > 10.0);
    assert!(o.bottleneck.contains("slows"), "{}", o.bottleneck);
}

#[test]
fn trend_recovers_a_log_slowdown() {
    // τ(s) = 1 + 0.1·ln(s/1e5): rate = 1e5/τ.
    let mut s = sample(SampleKind::Sweep, 1, 100_000.0);
    s.size_points = (1..=20)
        .map(|i| {
            let size = i as f64 * 20_000.0;
            (size, 100_000.0 / (1.0 + 0.1 * (size / 1e5).ln()))
        })
        .collect();
    let (beta, _, at) = trend(&[s.size_points.as_slice()]).unwrap();
    // Normalised by the mean per-row time, so β is relative to it (≈ 0.1).
    assert!((beta - 0.1).abs() < 0.02, "{beta}");
    assert!(trend_factor(beta, at, 4e6) > 1.2);
    assert_eq!(trend_factor(0.0, at, 4e6), 1.0);
}

#[test]
fn generation_bound_loads_name_generation() {
    let mut s: Vec<Sample> = [1, 2, 4]
        .iter()
        .map(|&w| sample(SampleKind::Sweep, w, 1000.0))
        .collect();
    for x in &mut s {
        x.starved_s = x.duration_s * x.workers as f64 * 0.8;
    }
    let o = project(&inputs(TargetKind::Server, &s, &[1, 2, 4])).unwrap();
    assert!(o.bottleneck.contains("generating"), "{}", o.bottleneck);
    assert_eq!(o.recommended, 1);
}
