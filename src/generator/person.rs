//! The person behind a row: locale, names, country, and the unique email and
//! username built from them (ARCHITECTURE.md § Uniqueness: a permuted index is embedded, so
//! addresses are unique case-insensitively with no set and no retries).

use super::permute::Permutation;
use crate::data::{COUNTRIES, Country, LOCALES, Locale, Name};
use crate::rng::{Rng, Weighted};

pub struct Person {
    pub locale: &'static Locale,
    pub first: &'static Name,
    pub last: &'static Name,
    pub country: &'static Country,
}

/// Picks people for one table: locale weights, names skewed towards the
/// common ones (lists are ordered by frequency), a country per locale.
pub struct People {
    locales: Vec<&'static Locale>,
    weights: Weighted,
    countries: Vec<(Vec<&'static Country>, Weighted)>,
}

impl People {
    pub fn new(locales: &[(usize, u32)]) -> People {
        let picked: Vec<&'static Locale> = locales.iter().map(|(i, _)| &LOCALES[*i]).collect();
        let countries = picked
            .iter()
            .map(|l| {
                let cs: Vec<&'static Country> = l
                    .countries
                    .iter()
                    .map(|(code, _)| {
                        COUNTRIES
                            .iter()
                            .find(|c| c.code == *code)
                            .expect("data.rs lists every country it uses")
                    })
                    .collect();
                (
                    cs,
                    Weighted::new(l.countries.iter().map(|(_, w)| *w as u64)),
                )
            })
            .collect();
        People {
            weights: Weighted::new(locales.iter().map(|(_, w)| *w as u64)),
            locales: picked,
            countries,
        }
    }

    #[inline]
    pub fn pick(&self, rng: &mut Rng) -> Person {
        let li = self.weights.sample(rng);
        let locale = self.locales[li];
        let first = if rng.below(2) == 0 {
            skewed(locale.first_female, rng)
        } else {
            skewed(locale.first_male, rng)
        };
        let last = skewed(locale.last, rng);
        let (cs, w) = &self.countries[li];
        Person {
            locale,
            first,
            last,
            country: cs[w.sample(rng)],
        }
    }
}

/// Frequency-ordered lists: index = len·u², so the first names are the common ones.
#[inline]
fn skewed<T>(list: &'static [T], rng: &mut Rng) -> &'static T {
    let u = rng.unit();
    &list[((u * u) * list.len() as f64) as usize]
}

impl Person {
    pub fn push_full_name(&self, out: &mut String) {
        if self.locale.family_name_first {
            out.push_str(self.last.native);
            out.push_str(self.first.native);
        } else {
            out.push_str(self.first.native);
            out.push(' ');
            out.push_str(self.last.native);
        }
    }

    /// E.164: `+` calling code, then a national number not starting with 0 or 1.
    pub fn push_phone(&self, rng: &mut Rng, out: &mut String) {
        out.push('+');
        out.push_str(self.country.calling_code);
        out.push((b'2' + rng.below(8) as u8) as char);
        let digits = self.country.national_digits.max(4) - 1;
        let mut v = rng.next_u64();
        for _ in 0..digits {
            out.push((b'0' + (v % 10) as u8) as char);
            v /= 10;
        }
    }
}

const TAGS: &[&str] = &["news", "shop", "work", "promo", "signup", "bills"];

/// Unique emails and usernames for a table of `n` rows.
pub struct Handles {
    email_perm: Permutation,
    user_perm: Permutation,
    domains: Vec<String>,
    domain_weights: Weighted,
}

impl Handles {
    pub fn new(n: u64, key: u64, domains: &[(String, u32)]) -> Handles {
        Handles {
            email_perm: Permutation::new(n, key ^ 0xe3a1),
            user_perm: Permutation::new(n, key ^ 0x05e7),
            domains: domains.iter().map(|(d, _)| d.clone()).collect(),
            domain_weights: Weighted::new(domains.iter().map(|(_, w)| *w as u64)),
        }
    }

    pub fn email_token(&self, index: u64) -> u64 {
        self.email_perm.apply(index) + 1
    }

    pub fn user_token(&self, index: u64) -> u64 {
        self.user_perm.apply(index) + 1
    }

    /// Local parts are letters and separators followed by the token (the
    /// permuted index + 1, decimal, no leading zero) and maybe `+tag`. Names
    /// hold only a–z, so the digit run is exactly the token: distinct rows give
    /// distinct addresses whatever the names, in any letter case.
    pub fn push_email(&self, p: &Person, index: u64, rng: &mut Rng, out: &mut String) {
        let token = self.email_perm.apply(index) + 1;
        let (f, l) = (p.first.latin, p.last.latin);
        let start = out.len();
        let mut tag = None;
        match rng.below(100) {
            0..=27 => push3(out, f, ".", l),
            28..=39 => push3(out, f, "", l),
            40..=57 => push3(out, &f[..1], "", l),
            58..=65 => push3(out, f, "_", &l[..1]),
            66..=75 => out.push_str(f),
            76..=81 => push3(out, l, ".", f),
            82..=87 => {
                push3(out, f, ".", l);
                tag = Some(TAGS[rng.below(TAGS.len() as u64) as usize]);
            }
            88..=93 => push3(out, f, "-", l),
            _ => {
                // Jane.Doe: people type capitals, systems keep them.
                push3(out, f, ".", l);
                capitalise(out, start);
                let dot = start + f.len() + 1;
                capitalise(out, dot);
            }
        }
        push_u64(out, token);
        if let Some(t) = tag {
            out.push('+');
            out.push_str(t);
        }
        out.push('@');
        out.push_str(&self.domains[self.domain_weights.sample(rng)]);
    }

    pub fn push_username(&self, p: &Person, index: u64, rng: &mut Rng, out: &mut String) {
        let token = self.user_perm.apply(index) + 1;
        let (f, l) = (p.first.latin, p.last.latin);
        match rng.below(5) {
            0 => push3(out, f, "", &l[..1]),
            1 => push3(out, f, "_", l),
            2 => push3(out, f, ".", l),
            3 => push3(out, l, "", &f[..1]),
            _ => out.push_str(f),
        }
        push_u64(out, token);
    }
}

#[inline]
fn push3(out: &mut String, a: &str, sep: &str, b: &str) {
    out.push_str(a);
    out.push_str(sep);
    out.push_str(b);
}

fn capitalise(out: &mut String, at: usize) {
    // Only ASCII letters reach here (romanised names).
    if let Some(c) = out[at..].chars().next()
        && c.is_ascii_lowercase()
    {
        out.replace_range(at..at + 1, &c.to_ascii_uppercase().to_string());
    }
}

#[inline]
pub fn push_u64(out: &mut String, v: u64) {
    out.push_str(itoa::Buffer::new().format(v));
}

#[inline]
pub fn push_i64(out: &mut String, v: i64) {
    out.push_str(itoa::Buffer::new().format(v));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Name and country columns are emitted as `FieldKind::Plain`: sinks copy
    /// them unescaped, which is only right if no entry holds such a byte.
    #[test]
    fn static_data_is_plain() {
        let plain = |s: &str| {
            !s.is_empty()
                && !s
                    .bytes()
                    .any(|b| matches!(b, b',' | b'"' | b'\\' | 0..=0x1f | 0x7f))
        };
        for l in LOCALES {
            for n in l.first_female.iter().chain(l.first_male).chain(l.last) {
                assert!(plain(n.native), "{}", n.native);
                assert!(
                    !n.latin.is_empty() && n.latin.bytes().all(|b| b.is_ascii_lowercase()),
                    "{}",
                    n.latin
                );
            }
        }
        for c in COUNTRIES {
            assert!(
                plain(c.name)
                    && plain(c.code)
                    && c.calling_code.bytes().all(|b| b.is_ascii_digit()),
                "{}",
                c.name
            );
        }
    }

    #[test]
    fn emails_are_unique_whatever_the_names() {
        let people = People::new(&[(0, 1), (10, 1), (11, 1)]);
        let h = Handles::new(
            50_000,
            7,
            &[("example.com".into(), 1), ("mail.test".into(), 1)],
        );
        let mut seen = std::collections::HashSet::new();
        for i in 0..50_000u64 {
            let mut r = Rng::at(3, i);
            let p = people.pick(&mut r);
            let mut e = String::new();
            h.push_email(&p, i, &mut r, &mut e);
            let local = e.split('@').next().unwrap();
            assert!(local.len() <= 64 && local.is_ascii(), "{e}");
            assert!(seen.insert(e.to_lowercase()), "duplicate {e}");
        }
    }
}
