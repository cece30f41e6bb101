//! The Universal Scalability Law (Gunther):
//!
//! ```text
//! X(N) = λ·N / (1 + σ·(N − 1) + κ·N·(N − 1))
//! ```
//!
//! `X` is throughput with `N` workers, `λ` one worker's throughput, `σ`
//! contention (the serial share: queueing on a lock, a single writer, one CPU
//! too few) and `κ` coherency (crosstalk that makes extra workers slow the
//! others down: the curve peaks at `N* = √((1 − σ)/κ)` and falls beyond).
//!
//! The fit minimises relative squared error (a 10 % miss weighs the same at
//! 1 worker and at 16), with `σ, κ ≥ 0`: for fixed `(σ, κ)` the best `λ` has a
//! closed form, and `(σ, κ)` are found by a grid search refined by a
//! shrinking pattern search. Deterministic; no dependencies.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Usl {
    /// One worker's throughput (rows/s).
    pub lambda: f64,
    /// Contention, 0 ≤ σ ≤ 1.
    pub sigma: f64,
    /// Coherency, κ ≥ 0.
    pub kappa: f64,
}

impl Usl {
    /// Throughput with `n` workers.
    pub fn throughput(&self, n: f64) -> f64 {
        self.lambda * n / (1.0 + self.sigma * (n - 1.0) + self.kappa * n * (n - 1.0))
    }

    /// The worker count with the highest throughput (∞ when κ = 0).
    pub fn peak(&self) -> f64 {
        if self.kappa <= 0.0 {
            f64::INFINITY
        } else {
            ((1.0 - self.sigma).max(0.0) / self.kappa).sqrt().max(1.0)
        }
    }
}

/// What the fit could determine from the worker counts measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FitKind {
    /// Three or more worker counts: λ, σ and κ.
    Full,
    /// Two worker counts: λ and σ (κ taken as 0, i.e. Amdahl's law).
    Amdahl,
    /// One worker count: nothing is known about scaling; only that count is projected.
    Single,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fit {
    pub model: Usl,
    pub kind: FitKind,
    /// Root-mean-square relative residual of the measured points.
    pub rms_rel_error: f64,
    /// Distinct worker counts measured.
    pub points: usize,
}

/// Best λ for fixed σ, κ and its relative sum of squares.
fn profile(points: &[(f64, f64)], sigma: f64, kappa: f64) -> (f64, f64) {
    let shape = |n: f64| n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0));
    // minimise Σ (λ g/x − 1)²  →  λ = Σ(g/x) / Σ(g/x)².
    let (mut a, mut b) = (0.0, 0.0);
    for &(n, x) in points {
        let r = shape(n) / x;
        a += r;
        b += r * r;
    }
    let lambda = if b > 0.0 { a / b } else { 0.0 };
    let sse = points
        .iter()
        .map(|&(n, x)| (lambda * shape(n) / x - 1.0).powi(2))
        .sum();
    (lambda, sse)
}

/// Fits the USL to `(workers, throughput)` points (repeats allowed). Points
/// with a non-positive throughput are ignored. None when nothing is left.
pub fn fit(points: &[(f64, f64)]) -> Option<Fit> {
    let pts: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|&(n, x)| n >= 1.0 && x.is_finite() && x > 0.0)
        .collect();
    if pts.is_empty() {
        return None;
    }
    let mut counts: Vec<f64> = pts.iter().map(|p| p.0).collect();
    counts.sort_by(f64::total_cmp);
    counts.dedup();
    let kind = match counts.len() {
        1 => FitKind::Single,
        2 => FitKind::Amdahl,
        _ => FitKind::Full,
    };
    let (sigma, kappa) = match kind {
        FitKind::Single => (0.0, 0.0),
        FitKind::Amdahl => {
            let s = search(&pts, false);
            (s.0, 0.0)
        }
        FitKind::Full => search(&pts, true),
    };
    let (lambda, sse) = profile(&pts, sigma, kappa);
    Some(Fit {
        model: Usl {
            lambda,
            sigma,
            kappa,
        },
        kind,
        rms_rel_error: (sse / pts.len() as f64).sqrt(),
        points: counts.len(),
    })
}

/// κ is searched on a log scale: u ∈ [0, 1] ↦ κ = 0 (u = 0) or 10^(−7 + 7u).
fn kappa_of(u: f64) -> f64 {
    if u <= 0.0 {
        0.0
    } else {
        10f64.powf(-7.0 + 7.0 * u.min(1.0))
    }
}

fn search(pts: &[(f64, f64)], with_kappa: bool) -> (f64, f64) {
    let cost = |s: f64, u: f64| profile(pts, s.clamp(0.0, 1.0), kappa_of(u.clamp(0.0, 1.0))).1;
    let (mut best_s, mut best_u, mut best) = (0.0, 0.0, f64::INFINITY);
    let us: Vec<f64> = if with_kappa {
        (0..=70).map(|i| i as f64 / 70.0).collect()
    } else {
        vec![0.0]
    };
    for i in 0..=100 {
        let s = i as f64 / 100.0;
        for &u in &us {
            let c = cost(s, u);
            if c < best {
                (best_s, best_u, best) = (s, u, c);
            }
        }
    }
    // Pattern search around the best grid point.
    let (mut ds, mut du) = (0.01, if with_kappa { 1.0 / 70.0 } else { 0.0 });
    for _ in 0..200 {
        let mut improved = false;
        for (a, b) in [(ds, 0.0), (-ds, 0.0), (0.0, du), (0.0, -du)] {
            if a == 0.0 && b == 0.0 {
                continue;
            }
            let (s, u) = ((best_s + a).clamp(0.0, 1.0), (best_u + b).clamp(0.0, 1.0));
            let c = cost(s, u);
            if c < best - 1e-15 {
                (best_s, best_u, best) = (s, u, c);
                improved = true;
            }
        }
        if !improved {
            ds /= 2.0;
            du /= 2.0;
            if ds < 1e-7 {
                break;
            }
        }
    }
    (best_s, kappa_of(best_u))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synth(m: Usl, ns: &[f64], noise: &[f64]) -> Vec<(f64, f64)> {
        ns.iter()
            .zip(noise.iter().cycle())
            .map(|(&n, &e)| (n, m.throughput(n) * (1.0 + e)))
            .collect()
    }

    #[test]
    fn recovers_known_parameters_exactly() {
        let truth = Usl {
            lambda: 20_000.0,
            sigma: 0.08,
            kappa: 0.002,
        };
        let f = fit(&synth(truth, &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0], &[0.0])).unwrap();
        assert_eq!(f.kind, FitKind::Full);
        assert!((f.model.lambda / truth.lambda - 1.0).abs() < 0.01, "{f:?}");
        assert!((f.model.sigma - truth.sigma).abs() < 0.005, "{f:?}");
        assert!((f.model.kappa - truth.kappa).abs() < 0.0002, "{f:?}");
        assert!(f.rms_rel_error < 1e-3);
    }

    #[test]
    fn recovers_parameters_from_noisy_data() {
        let truth = Usl {
            lambda: 5_000.0,
            sigma: 0.2,
            kappa: 0.01,
        };
        // ±3 % noise, two repeats per worker count.
        let ns = [1.0, 1.0, 2.0, 2.0, 4.0, 4.0, 8.0, 8.0, 16.0, 16.0];
        let noise = [
            0.03, -0.02, -0.03, 0.025, 0.01, -0.03, 0.02, -0.01, -0.02, 0.03,
        ];
        let f = fit(&synth(truth, &ns, &noise)).unwrap();
        assert!((f.model.lambda / truth.lambda - 1.0).abs() < 0.05, "{f:?}");
        assert!((f.model.sigma - truth.sigma).abs() < 0.06, "{f:?}");
        assert!((f.model.kappa - truth.kappa).abs() < 0.005, "{f:?}");
        // The peak (√((1−σ)/κ) ≈ 8.9) is where it should be.
        assert!((f.model.peak() - 8.94).abs() < 2.0, "{}", f.model.peak());
    }

    #[test]
    fn linear_scaling_fits_zero_sigma_and_kappa() {
        let truth = Usl {
            lambda: 1000.0,
            sigma: 0.0,
            kappa: 0.0,
        };
        let f = fit(&synth(truth, &[1.0, 2.0, 4.0, 8.0], &[0.0])).unwrap();
        assert!(f.model.sigma < 1e-3 && f.model.kappa < 1e-6, "{f:?}");
        assert!(f.model.peak().is_infinite());
    }

    #[test]
    fn a_single_writer_fits_sigma_one() {
        // Extra workers add nothing (SQLite): σ = 1.
        let pts = [(1.0, 100.0), (2.0, 99.0), (4.0, 98.5)];
        let f = fit(&pts).unwrap();
        assert!(f.model.sigma > 0.95, "{f:?}");
        assert!(f.model.throughput(8.0) < 101.0);
    }

    #[test]
    fn fewer_than_three_worker_counts_fall_back() {
        let f = fit(&[(1.0, 100.0), (2.0, 150.0)]).unwrap();
        assert_eq!(f.kind, FitKind::Amdahl);
        assert_eq!(f.model.kappa, 0.0);
        // 150 = 200 / (1 + σ) → σ = 1/3.
        assert!((f.model.sigma - 1.0 / 3.0).abs() < 1e-3, "{f:?}");
        let f = fit(&[(2.0, 100.0), (2.0, 110.0)]).unwrap();
        assert_eq!(f.kind, FitKind::Single);
        assert!(fit(&[]).is_none());
        assert!(fit(&[(1.0, 0.0)]).is_none());
    }
}
