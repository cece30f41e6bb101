//! Per-parent child counts: a histogram measured in the database fitted to
//! the profile's distributions (fixed, uniform, Zipf, Bernoulli). The error
//! of a fit is the total variation distance between the measured shares and
//! the distribution's (0: the same, 1: disjoint); the fit chosen is the one
//! with the least error among those whose mean is within 1 % of the
//! measured mean (rows per parent are what a regenerated table's size
//! follows), Zipf with its exponent solved for the mean. When no such fit
//! is within `GOOD_FIT` of the measured shares (a lognormal, a mode away
//! from the minimum), the histogram itself: counts held by fewer than
//! `MERGE_BELOW` parents, and the tail beyond `HISTOGRAM_BINS` bins, are
//! merged into bins at their mean count.

use crate::profile::CountDist;

/// The largest error of a named distribution preferred to the histogram.
pub const GOOD_FIT: f64 = 0.03;
/// Most bins of a histogram written into a profile.
pub const HISTOGRAM_BINS: u64 = 200;
/// Parents a bin of the histogram holds at least (ARCHITECTURE.md § Secrets:
/// categories under 10 rows are merged).
pub const MERGE_BELOW: u64 = 10;

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
        CountDist::Histogram(ref h) => {
            let total: f64 = h.iter().map(|(_, w)| *w as f64).sum();
            for (k, w) in h {
                p[*k as usize] += *w as f64 / total;
            }
        }
    }
    p
}

/// The measured histogram as a distribution: counts in ascending order in
/// bins of at least `MERGE_BELOW` parents (more when that would make over
/// `HISTOGRAM_BINS` bins), each bin's parents split between the two whole
/// counts around its mean count so that the mean is kept.
pub fn binned(h: &Histogram) -> CountDist {
    let mut least = MERGE_BELOW;
    loop {
        let bins = bins(h, least);
        if bins.len() as u64 <= HISTOGRAM_BINS {
            let mut out: Vec<(u32, u32)> = Vec::new();
            for (sum, n) in bins {
                let lo = sum / n;
                let up = sum - lo * n; // parents at lo + 1
                for (k, w) in [(lo, n - up), (lo + 1, up)] {
                    if w == 0 {
                        continue;
                    }
                    let (k, w) = (k.min(u32::MAX as u64) as u32, w.min(u32::MAX as u64) as u32);
                    match out.last_mut() {
                        Some(last) if last.0 == k => last.1 = last.1.saturating_add(w),
                        _ => out.push((k, w)),
                    }
                }
            }
            return CountDist::Histogram(out);
        }
        least *= 2;
    }
}

/// (children, parents) of each bin of at least `least` parents, in order;
/// the last few parents join the bin before them.
fn bins(h: &Histogram, least: u64) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    let (mut sum, mut n) = (0u64, 0u64);
    for &(k, c) in h {
        sum += k * c;
        n += c;
        if n >= least {
            out.push((sum, n));
            (sum, n) = (0, 0);
        }
    }
    if n > 0 {
        match out.last_mut() {
            Some(last) => {
                last.0 += sum;
                last.1 += n;
            }
            None => out.push((sum, n)),
        }
    }
    out
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
    let hist = binned(h);
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
    let mut fits: Vec<Fit> = fits.into_iter().map(|(_, f)| f).collect();
    let named_good = fits.first().is_some_and(|f| {
        f.error <= GOOD_FIT && (s.mean == 0.0 || (f.dist.mean() - s.mean).abs() <= 0.01 * s.mean)
    });
    let h_fit = Fit {
        error: error(h, &hist),
        dist: hist,
    };
    if named_good {
        fits.push(h_fit);
    } else {
        fits.insert(0, h_fit);
    }
    fits
}

/// Share of the picks a Zipf(`s`) reference gives its first `top` of `n`
/// rows (ranks capped at 1M, as the generator's).
fn zipf_top_share(n: u64, top: u64, s: f64) -> f64 {
    let n = n.min(1_000_000);
    let (mut head, mut all) = (0.0, 0.0);
    for r in 0..n {
        let w = ((r + 1) as f64).powf(-s);
        all += w;
        if r < top {
            head += w;
        }
    }
    head / all
}

/// The skew of a reference from `h`, the histogram of references per
/// referenced row (zeros included): `None` when the counts are as even as
/// uniform picks make them (variance at most 1.3 times the mean: uniform
/// picks give Poisson counts, whose variance is the mean), else the Zipf exponent whose top 1 % of rows takes
/// the share of the references the measured top 1 % takes.
pub fn reference_skew(h: &Histogram) -> Option<f64> {
    let s = summary(h);
    if s.parents < 100 || s.mean == 0.0 {
        return None;
    }
    let var = h
        .iter()
        .map(|(k, n)| (*k as f64 - s.mean).powi(2) * *n as f64)
        .sum::<f64>()
        / s.parents as f64;
    if var <= 1.3 * s.mean {
        return None;
    }
    let top = s.parents.div_ceil(100);
    let total: u64 = h.iter().map(|(k, n)| k * n).sum();
    let (mut left, mut head) = (top, 0u64);
    for (k, n) in h.iter().rev() {
        let take = left.min(*n);
        head += take * k;
        left -= take;
        if left == 0 {
            break;
        }
    }
    let want = head as f64 / total as f64;
    if want <= zipf_top_share(s.parents, top, 1e-3) {
        return None;
    }
    let (mut lo, mut hi) = (1e-3f64, 20.0f64);
    if want >= zipf_top_share(s.parents, top, hi) {
        return Some(hi);
    }
    for _ in 0..40 {
        let mid = (lo + hi) / 2.0;
        if zipf_top_share(s.parents, top, mid) < want {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some((((lo + hi) / 2.0) * 1000.0).round() / 1000.0)
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

    #[test]
    fn a_lognormal_is_kept_as_a_histogram_and_skewed_references_get_zipf() {
        // A mode at 2, a long tail: no named distribution fits.
        let h: Histogram = vec![
            (0, 50),
            (1, 300),
            (2, 400),
            (3, 250),
            (5, 120),
            (9, 40),
            (30, 3),
        ];
        let best = &fit(&h)[0];
        let s = summary(&h);
        match &best.dist {
            CountDist::Histogram(w) => {
                assert!(w.iter().all(|(_, n)| *n >= MERGE_BELOW as u32), "{w:?}");
                assert!((best.dist.mean() - s.mean).abs() < 0.01 * s.mean);
            }
            d => panic!("{d:?}"),
        }
        // Even counts (a uniform pick's): no skew.
        let even: Histogram = vec![(8, 200), (9, 300), (10, 300), (11, 200)];
        assert_eq!(reference_skew(&even), None);
        // A Zipf(1.2) reference over 1000 rows, 100,000 picks.
        let w: Vec<f64> = (0..1000).map(|r| ((r + 1) as f64).powf(-1.2)).collect();
        let sum: f64 = w.iter().sum();
        let mut h: Histogram = Vec::new();
        for x in &w {
            let k = (100_000.0 * x / sum).round() as u64;
            match h.iter_mut().find(|(c, _)| *c == k) {
                Some(e) => e.1 += 1,
                None => h.push((k, 1)),
            }
        }
        h.sort();
        let s = reference_skew(&h).unwrap();
        assert!((s - 1.2).abs() < 0.05, "{s}");
    }
}
