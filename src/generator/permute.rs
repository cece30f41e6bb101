//! Keyed bijections over `0..n` (ARCHITECTURE.md § Uniqueness): unique columns embed
//! `Permutation::apply(index)`, so uniqueness holds by construction, with no
//! set in memory and no retries, while the values still look shuffled.

use crate::rng::mix64;

/// A balanced Feistel network over the smallest even-bit domain covering `n`,
/// restricted to `0..n` by cycle walking (each step is a bijection of the
/// larger domain, so the walk stays a bijection of `0..n`).
#[derive(Clone, Debug)]
pub struct Permutation {
    n: u64,
    half_bits: u32,
    mask: u64,
    keys: [u64; 4],
}

impl Permutation {
    pub fn new(n: u64, key: u64) -> Permutation {
        let bits = 64 - n.saturating_sub(1).leading_zeros();
        let half_bits = bits.div_ceil(2).max(1);
        let mut keys = [0u64; 4];
        for (r, k) in keys.iter_mut().enumerate() {
            *k = mix64(key.wrapping_add(r as u64 + 1));
        }
        Permutation {
            n: n.max(1),
            half_bits,
            mask: (1u64 << half_bits) - 1,
            keys,
        }
    }

    #[inline]
    fn round_trip(&self, x: u64) -> u64 {
        let (mut l, mut r) = (x >> self.half_bits, x & self.mask);
        for k in self.keys {
            let f = mix64(r ^ k) & self.mask;
            (l, r) = (r, l ^ f);
        }
        (l << self.half_bits) | r
    }

    /// The image of `i` (which must be `< n`).
    #[inline]
    pub fn apply(&self, i: u64) -> u64 {
        debug_assert!(i < self.n);
        let mut x = self.round_trip(i);
        while x >= self.n {
            x = self.round_trip(x);
        }
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_a_bijection() {
        for n in [1u64, 2, 3, 7, 64, 1000, 4097] {
            let p = Permutation::new(n, 99);
            let mut seen = vec![false; n as usize];
            for i in 0..n {
                let y = p.apply(i);
                assert!(y < n);
                assert!(!seen[y as usize], "n={n} collision at {i}");
                seen[y as usize] = true;
            }
        }
    }

    #[test]
    fn shuffles() {
        let p = Permutation::new(1_000_000, 5);
        let fixed = (0..1000).filter(|&i| p.apply(i) == i).count();
        assert!(fixed < 5);
    }
}
