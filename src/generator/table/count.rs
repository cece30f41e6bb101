//! How many rows a parent row has (`CountGen`), and how many a table has
//! over the whole run (ARCHITECTURE.md § Parents).

use super::TableGen;
use crate::profile::CountDist;
use crate::rng::{Rng, Weighted};

pub struct CountGen {
    key: u64,
    dist: CountKind,
}

enum CountKind {
    Fixed(u32),
    Uniform(u32, u32),
    Zipf(u32, Weighted),
    Bernoulli(f64),
    Histogram(Vec<u32>, Weighted),
}

impl CountGen {
    pub(super) fn new(key: u64, count: &CountDist) -> CountGen {
        CountGen {
            key,
            dist: match *count {
                CountDist::Fixed(n) => CountKind::Fixed(n),
                CountDist::Uniform { min, max } => CountKind::Uniform(min, max),
                CountDist::Bernoulli { p } => CountKind::Bernoulli(p),
                CountDist::Histogram(ref h) => CountKind::Histogram(
                    h.iter().map(|(k, _)| *k).collect(),
                    Weighted::new(h.iter().map(|(_, w)| *w as u64)),
                ),
                CountDist::Zipf { min, max, s } => CountKind::Zipf(
                    min,
                    Weighted::from_f64(
                        &(min..=max)
                            .map(|k| ((k - min + 1) as f64).powf(-s))
                            .collect::<Vec<_>>(),
                    ),
                ),
            },
        }
    }

    /// How many child rows parent `i` has.
    #[inline]
    pub fn count(&self, i: u64) -> u32 {
        let mut r = Rng::at(self.key, i);
        match &self.dist {
            CountKind::Fixed(n) => *n,
            CountKind::Uniform(a, b) => r.range(*a as i64, *b as i64) as u32,
            CountKind::Zipf(min, w) => min + w.sample(&mut r) as u32,
            CountKind::Bernoulli(p) => r.chance(*p) as u32,
            CountKind::Histogram(k, w) => k[w.sample(&mut r)],
        }
    }
}

/// Rows of table `t` over the whole run (every shard): a root's size, or
/// for a table below a root the sum of its counts over every row of its
/// parent, summed in parallel from the counts alone (ARCHITECTURE.md §
/// Parents); `memo` keeps each table's once computed.
pub(super) fn total_rows(tables: &[TableGen], t: usize, memo: &mut [Option<u64>]) -> u64 {
    use rayon::prelude::*;
    if let Some(n) = memo[t] {
        return n;
    }
    let n = match (tables[t].parent, &tables[t].count) {
        (Some(p), Some(counter)) => {
            let parents = total_rows(tables, p, memo);
            const PIECE: u64 = 1 << 16;
            (0..parents.div_ceil(PIECE))
                .into_par_iter()
                .map(|k| {
                    (k * PIECE..((k + 1) * PIECE).min(parents))
                        .map(|i| counter.count(i) as u64)
                        .sum::<u64>()
                })
                .sum()
        }
        _ => tables[t].rows,
    };
    memo[t] = Some(n);
    n
}
