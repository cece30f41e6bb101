//! Plaintext passwords shaped like what people choose (word + digits,
//! capitalised word + year + symbol, passphrases, random strings). Derived
//! from the seed; written out only with `--emit-passwords`.

use crate::data::PASSWORD_WORDS;
use crate::rng::Rng;

const SYMBOLS: &[u8] = b"!@#$%&*?.-_";
const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

pub fn make(rng: &mut Rng, out: &mut String) {
    let word = |rng: &mut Rng| PASSWORD_WORDS[rng.below(PASSWORD_WORDS.len() as u64) as usize];
    match rng.below(100) {
        // word + 1–4 digits: monkey123
        0..=29 => {
            out.push_str(word(rng));
            let digits = rng.range(1, 4) as u32;
            push_num(out, rng.below(10u64.pow(digits)), digits as usize);
        }
        // Capitalised word + year + symbol: Summer2019!
        30..=54 => {
            let w = word(rng);
            let mut cs = w.chars();
            if let Some(c) = cs.next() {
                out.extend(c.to_uppercase());
                out.push_str(cs.as_str());
            }
            push_num(out, rng.range(1960, 2026) as u64, 4);
            out.push(SYMBOLS[rng.below(SYMBOLS.len() as u64) as usize] as char);
        }
        // passphrase: correct-horse-battery
        55..=69 => {
            let n = rng.range(3, 4);
            for i in 0..n {
                if i > 0 {
                    out.push('-');
                }
                out.push_str(word(rng));
            }
        }
        // password-manager style random string
        _ => {
            let n = rng.range(10, 20);
            for _ in 0..n {
                out.push(ALNUM[rng.below(ALNUM.len() as u64) as usize] as char);
            }
        }
    }
}

fn push_num(out: &mut String, v: u64, width: usize) {
    let s = v.to_string();
    for _ in s.len()..width {
        out.push('0');
    }
    out.push_str(&s);
}
