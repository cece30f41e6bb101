//! Per-parent child counts: a histogram measured in the database fitted to
//! the profile's distributions (fixed, uniform, Zipf, Bernoulli). The error
//! of a fit is the total variation distance between the measured shares and
//! the distribution's (0: the same, 1: disjoint); the fit chosen is the one
//! with the least error among those whose mean is within 1 % of the
//! measured mean (rows per parent are what a regenerated table's size
//! follows), Zipf with its exponent solved for the mean.

use crate::profile::CountDist;

/// A histogram: (children, parents with that many), zeros included.
pub type Histogram = Vec<(u64, u64)>;

#[derive(Debug, Clone)]
pub struct Fit {
    pub dist: CountDist,
    pub error: f64,
}

/// Measured summary of a histogram.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub parents: u64,
    pub mean: f64,
    pub min: u64,
    pub max: u64,
    pub p99: u64,
}

pub fn summary(h: &Histogram) -> Summary {
    let parents: u64 = h.iter().map(|(_, n)| n).sum();
    let total: u64 = h.iter().map(|(k, n)| k * n).sum();
    let nonzero = h.iter().filter(|(_, n)| *n > 0);
    let min = nonzero.clone().map(|(k, _)| *k).min().unwrap_or(0);
    let max = nonzero.map(|(k, _)| *k).max().unwrap_or(0);
    let mut seen = 0;
    let mut p99 = max;
    for (k, n) in h {
        seen += n;
        if seen as f64 >= 0.99 * parents as f64 {
            p99 = *k;
            break;
        }
    }
    Summary {
        parents,
        mean: if parents == 0 {
            0.0
        } else {
            total as f64 / parents as f64
        },
        min,
        max,
        p99,
    }
}

/// P(k) of `d` for k in 0..=max.
fn pmf(d: &CountDist, max: u64) -> Vec<f64> {
    let mut p = vec![0.0; max as usize + 1];
    match *d {
        CountDist::Fixed(n) => p[n as usize] = 1.0,
        CountDist::Bernoulli { p: q } => {
            p[0] = 1.0 - q;
            p[1] = q;
        }
        CountDist::Uniform { min, max } => {
            for k in min..=max {
                p[k as usize] = 1.0 / (max - min + 1) as f64;
            }
        }
        CountDist::Zipf { min, max, s } => {
            let w: Vec<f64> = (min..=max)
                .map(|k| ((k - min + 1) as f64).powf(-s))
                .collect();
            let sum: f64 = w.iter().sum();
            for (i, k) in (min..=max).enumerate() {
                p[k as usize] = w[i] / sum;
            }
        }
    }
    p
}

/// Total variation distance between the histogram's shares and `d`.
pub fn error(h: &Histogram, d: &CountDist) -> f64 {
    let s = summary(h);
    let top = s.max.max(d.max() as u64);
    let model = pmf(d, top);
    let mut measured = vec![0.0; top as usize + 1];
    for (k, n) in h {
        measured[*k as usize] += *n as f64 / s.parents.max(1) as f64;
    }
    0.5 * measured
        .iter()
        .zip(&model)
        .map(|(a, b)| (a - b).abs())
        .sum::<f64>()
}

/// The Zipf exponent over `min..=max` whose mean is `mean` (`None` when
/// the mean is not below the uniform mean of the range).
pub fn zipf_exponent(min: u32, max: u32, mean: f64) -> Option<f64> {
    let m = |s: f64| CountDist::Zipf { min, max, s }.mean();
    if max <= min || mean >= m(0.0) || mean <= min as f64 {
        return None;
    }
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    while m(hi) > mean {
        hi *= 2.0;
        if hi > 64.0 {
            return None;
        }
    }
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if m(mid) > mean {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some((hi * 1000.0).round() / 1000.0)
}

/// Every candidate with its error, best first; the first is the choice.
/// `h` must be non-empty, with counts small enough for a u32.
pub fn fit(h: &Histogram) -> Vec<Fit> {
    let s = summary(h);
    let (min, max) = (s.min as u32, s.max as u32);
    let mut c = Vec::new();
    if min == max {
        c.push(CountDist::Fixed(min));
    }
    if max <= 1 {
        c.push(CountDist::Bernoulli {
            p: (s.mean * 10_000.0).round() / 10_000.0,
        });
    }
    if max > min {
        c.push(CountDist::Uniform { min, max });
        // A uniform range around the mean, when the measured one is lopsided.
        let hi = (2.0 * s.mean - min as f64).round();
        if hi > min as f64 && hi < max as f64 {
            c.push(CountDist::Uniform {
                min,
                max: hi as u32,
            });
        }
        if let Some(z) = zipf_exponent(min, max, s.mean) {
            c.push(CountDist::Zipf { min, max, s: z });
        }
    }
    let mut fits: Vec<(bool, Fit)> = c
        .into_iter()
        .map(|d| {
            let close = s.mean == 0.0 || (d.mean() - s.mean).abs() <= 0.01 * s.mean;
            (
                close,
                Fit {
                    error: error(h, &d),
                    dist: d,
                },
            )
        })
        .collect();
    fits.sort_by(|a, b| {
        b.0.cmp(&a.0).then(
            a.1.error
                .partial_cmp(&b.1.error)
                .unwrap_or(std::cmp::Ordering::Equal),
        )
    });
    fits.into_iter().map(|(_, f)| f).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_bernoulli_uniform_and_zipf_are_recognised() {
        assert_eq!(fit(&vec![(2, 100)])[0].dist, CountDist::Fixed(2));
        let b = &fit(&vec![(0, 30), (1, 70)])[0];
        assert_eq!(b.dist, CountDist::Bernoulli { p: 0.7 });
        assert!(b.error < 1e-9);
        let u = &fit(&vec![(1, 100), (2, 101), (3, 99)])[0];
        assert_eq!(u.dist, CountDist::Uniform { min: 1, max: 3 });
        let z = CountDist::Zipf {
            min: 0,
            max: 50,
            s: 1.3,
        };
        let h: Histogram = pmf(&z, 50)
            .iter()
            .enumerate()
            .map(|(k, p)| (k as u64, (p * 1e6).round() as u64))
            .collect();
        let best = &fit(&h)[0];
        match best.dist {
            CountDist::Zipf { min: 0, max: 50, s } => assert!((s - 1.3).abs() < 0.01, "{s}"),
            ref d => panic!("{d:?}"),
        }
        assert!(best.error < 0.01);
        let s = summary(&h);
        assert!((best.dist.mean() - s.mean).abs() < 0.01 * s.mean);
    }
}
