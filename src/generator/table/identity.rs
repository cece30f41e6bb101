//! Values of the identity-graph kinds (ARCHITECTURE.md § Determinism: each a
//! pure function of the row): TOTP secrets, backup codes, fictional MFA
//! phones, and linked social identities (provider, subject in the
//! provider's own shape, the parent's email).

use super::{Gen, RowId};
use crate::data::{FICTIONAL_PHONE_DEFAULT_WEIGHTS, FICTIONAL_PHONES, IDENTITY_PROVIDERS};
use crate::generator::permute::Permutation;
use crate::generator::person::{Person, push_u64};
use crate::profile::{CodeFormat, Kind};
use crate::rng::{Rng, Weighted};
use crate::row::FieldKind;

/// An identity-graph column, compiled.
pub(super) enum IdCol {
    Totp(u32),
    Codes {
        count: u32,
        format: CodeFormat,
        length: u32,
    },
    /// Indices into `FICTIONAL_PHONES` and their weights; `follow`: the
    /// person's country when it has a range.
    Phone {
        countries: Vec<usize>,
        weights: Weighted,
        follow: bool,
    },
    /// Weights over `IDENTITY_PROVIDERS` (zero for the ones left out).
    Provider(Vec<u64>),
    Subject {
        provider: usize,
        /// Over at least 10^12: the unique part of decimal and hex subjects.
        wide: Permutation,
        /// Over the table's rows, for GitHub ids: unique index × spread + a
        /// random offset below it.
        narrow: Permutation,
        spread: u64,
        /// XORed into a GUID's unique bits (a bijection, so still unique).
        mask: u64,
    },
    Email {
        column: usize,
    },
}

impl IdCol {
    /// The compiled column for an identity kind (`None` for other kinds);
    /// `domain` is the most rows the table can have.
    pub(super) fn new(kind: &Kind, key: u64, domain: u64) -> Option<IdCol> {
        Some(match kind {
            Kind::TotpSecret { bytes } => IdCol::Totp(*bytes),
            Kind::BackupCodes {
                count,
                format,
                length,
            } => IdCol::Codes {
                count: *count,
                format: *format,
                length: *length,
            },
            Kind::MfaPhone { countries } => {
                let list: Vec<(usize, u32)> = if countries.is_empty() {
                    FICTIONAL_PHONE_DEFAULT_WEIGHTS
                        .iter()
                        .map(|(c, w)| (phone_range(c).expect("listed"), *w))
                        .collect()
                } else {
                    countries.clone()
                };
                IdCol::Phone {
                    countries: list.iter().map(|c| c.0).collect(),
                    weights: Weighted::new(list.iter().map(|c| c.1 as u64)),
                    follow: countries.is_empty(),
                }
            }
            Kind::IdentityProvider { providers } => {
                let mut w = vec![0u64; IDENTITY_PROVIDERS.len()];
                for &(i, wt) in providers {
                    w[i] = wt as u64;
                }
                IdCol::Provider(w)
            }
            Kind::IdentitySubject { provider } => IdCol::Subject {
                provider: *provider,
                wide: Permutation::new(domain.max(WIDE), key ^ 0x5b),
                narrow: Permutation::new(domain.max(1), key ^ 0x6c),
                spread: (200_000_000 / domain.max(1)).max(1),
                mask: crate::rng::mix64(key) & 0x3fff_ffff_ffff_ffff,
            },
            Kind::IdentityEmail { column } => IdCol::Email { column: *column },
            _ => return None,
        })
    }
}

/// A bijection of 62-bit values (odd multiplications and an xorshift, all
/// mod 2^62), so GUIDs built on it are unique and look random.
fn scramble62(x: u64) -> u64 {
    const M: u64 = (1 << 62) - 1;
    let mut v = x.wrapping_mul(0x9e37_79b9_7f4a_7c15) & M;
    v ^= v >> 31;
    v.wrapping_mul(0xbf58_476d_1ce4_e5b9) & M
}

/// Subjects' unique part spans 12 digits however small the table.
const WIDE: u64 = 1_000_000_000_000;

fn phone_range(country: &str) -> Option<usize> {
    FICTIONAL_PHONES.iter().position(|p| p.country == country)
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 §6 base32 of `bytes`, padded with `=` to a multiple of 8
/// characters when `pad`.
pub fn base32(bytes: &[u8], pad: bool, out: &mut String) {
    let start = out.len();
    for chunk in bytes.chunks(5) {
        let mut block = [0u8; 5];
        block[..chunk.len()].copy_from_slice(chunk);
        let v = block.iter().fold(0u64, |acc, &b| acc << 8 | b as u64);
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..chars {
            out.push(B32[(v >> (35 - 5 * i) & 31) as usize] as char);
        }
    }
    while pad && !(out.len() - start).is_multiple_of(8) {
        out.push('=');
    }
}

/// Letters and digits without the look-alikes 0/o, 1/l/i.
const CODE_CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

fn push_code(out: &mut String, r: &mut Rng, format: CodeFormat, length: u32) {
    for i in 0..length {
        match format {
            CodeFormat::Digits => out.push((b'0' + r.below(10) as u8) as char),
            CodeFormat::Groups => {
                if i == length / 2 {
                    out.push('-');
                }
                out.push(CODE_CHARS[r.below(CODE_CHARS.len() as u64) as usize] as char);
            }
        }
    }
}

/// A JSON array of `count` distinct codes (a repeat is drawn again).
fn push_codes(out: &mut String, r: &mut Rng, count: u32, format: CodeFormat, length: u32) {
    let mut codes: Vec<String> = Vec::with_capacity(count as usize);
    let mut code = String::new();
    while codes.len() < count as usize {
        code.clear();
        push_code(&mut code, r, format, length);
        if !codes.contains(&code) {
            codes.push(code.clone());
        }
    }
    out.push('[');
    for (i, c) in codes.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(c);
        out.push('"');
    }
    out.push(']');
}

fn push_digits(out: &mut String, r: &mut Rng, n: u32) {
    for _ in 0..n {
        out.push((b'0' + r.below(10) as u8) as char);
    }
}

/// `v` in at least `width` decimal digits.
fn push_padded(out: &mut String, v: u64, width: usize) {
    let s = v.to_string();
    for _ in s.len()..width {
        out.push('0');
    }
    out.push_str(&s);
}

/// The subject of provider `p` in that provider's shape, unique per row
/// (each shape embeds a bijection of the row index).
fn push_subject(out: &mut String, p: usize, r: &mut Rng, col: &IdCol, index: u64) {
    let IdCol::Subject {
        wide,
        narrow,
        spread,
        mask,
        ..
    } = col
    else {
        return;
    };
    let unique = wide.apply(index);
    match IDENTITY_PROVIDERS[p].0 {
        // Google `sub`: 21 decimal digits starting with 1.
        "google.com" => {
            out.push('1');
            push_digits(out, r, 8);
            push_padded(out, unique, 12);
        }
        // Facebook app-scoped ids: 17 digits.
        "facebook.com" => {
            out.push_str("10");
            push_digits(out, r, 3);
            push_padded(out, unique, 12);
        }
        // X/Twitter snowflake ids: 19 digits.
        "twitter.com" => {
            out.push('1');
            push_digits(out, r, 6);
            push_padded(out, unique, 12);
        }
        // GitHub: a positive integer user id.
        "github.com" => push_u64(out, narrow.apply(index) * spread + r.below(*spread) + 1),
        // Apple: `000123.<32 hex>.0123`.
        "apple.com" => {
            push_padded(out, r.below(2000), 6);
            out.push('.');
            let (a, b) = (r.next_u64(), r.below(0x10000));
            out.push_str(&format!("{a:016x}{b:04x}{unique:012x}"));
            out.push('.');
            push_padded(out, r.below(10_000), 4);
        }
        // Microsoft: the account's object id, a GUID.
        _ => super::push_uuid(out, r.next_u64(), scramble62(index ^ mask)),
    }
}

impl Gen {
    /// Column `ci` of table `t` (an identity kind) for row `id`.
    pub(super) fn push_identity(
        &self,
        t: usize,
        ci: usize,
        id: RowId,
        p: Option<&Person>,
        r: &mut Rng,
        out: &mut String,
    ) -> FieldKind {
        let super::ColKind::Identity(col) = &self.tables[t].cols[ci].kind else {
            return FieldKind::Null;
        };
        match col {
            IdCol::Totp(bytes) => {
                let mut b = vec![0u8; *bytes as usize];
                r.fill(&mut b);
                base32(&b, false, out);
                FieldKind::Plain
            }
            IdCol::Codes {
                count,
                format,
                length,
            } => {
                push_codes(out, r, *count, *format, *length);
                FieldKind::Json
            }
            IdCol::Phone {
                countries,
                weights,
                follow,
            } => {
                let own = p
                    .filter(|_| *follow)
                    .and_then(|p| phone_range(p.country.code));
                let range = &FICTIONAL_PHONES[own.unwrap_or_else(|| countries[weights.sample(r)])];
                out.push('+');
                out.push_str(range.calling_code);
                out.push_str(range.prefixes[r.below(range.prefixes.len() as u64) as usize]);
                push_digits(out, r, range.free);
                FieldKind::Plain
            }
            IdCol::Provider(_) => {
                let p = self.provider_of(t, ci, id);
                out.push_str(IDENTITY_PROVIDERS[p].0);
                FieldKind::Plain
            }
            IdCol::Subject { provider, .. } => {
                if self.is_null(t, *provider, id.index) {
                    return FieldKind::Null;
                }
                let p = self.provider_of(t, *provider, id);
                push_subject(out, p, r, col, id.index);
                FieldKind::Plain
            }
            IdCol::Email { column } => {
                let parent = self.tables[t].parent.expect("a child table");
                match self.handle_value(parent, *column, id.parent) {
                    Some(e) => {
                        out.push_str(&e);
                        FieldKind::Text
                    }
                    None => FieldKind::Null,
                }
            }
        }
    }

    /// The provider (index into `IDENTITY_PROVIDERS`) of row `id` in
    /// provider column `pc`: in a child table, the `ordinal`-th draw without
    /// replacement for its parent row, so a user links a provider once.
    fn provider_of(&self, t: usize, pc: usize, id: RowId) -> usize {
        let col = &self.tables[t].cols[pc];
        let super::ColKind::Identity(IdCol::Provider(weights)) = &col.kind else {
            return 0;
        };
        let child = self.tables[t].parent.is_some();
        let (mut r, draws) = if child {
            (Rng::at(col.key ^ 0xd1, id.parent), id.ordinal as usize + 1)
        } else {
            (Rng::at(col.key, id.index), 1)
        };
        let mut left = weights.clone();
        let mut pick = 0;
        for _ in 0..draws {
            let total: u64 = left.iter().sum();
            if total == 0 {
                break;
            }
            let mut x = r.below(total);
            pick = left
                .iter()
                .position(|&w| {
                    if x < w {
                        true
                    } else {
                        x -= w;
                        false
                    }
                })
                .expect("x < total");
            left[pick] = 0;
        }
        pick
    }

    /// Email column `ci` of row `index` of table `t` as that row holds it:
    /// its edge case when it carries one, `None` when NULL.
    fn handle_value(&self, t: usize, ci: usize, index: u64) -> Option<String> {
        let mut injections = Vec::new();
        self.plan_edges(t, index, &mut injections);
        if let Some(inj) = injections.iter().find(|i| i.column == ci) {
            return Some(self.edge_value(t, ci, index, inj.case));
        }
        if self.is_null(t, ci, index) {
            return None;
        }
        Some(self.base_handle(t, ci, index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_matches_rfc4648_vectors() {
        for (raw, enc) in [
            ("", ""),
            ("f", "MY======"),
            ("fo", "MZXQ===="),
            ("foo", "MZXW6==="),
            ("foob", "MZXW6YQ="),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI======"),
        ] {
            let mut s = String::new();
            base32(raw.as_bytes(), true, &mut s);
            assert_eq!(s, enc, "{raw}");
            s.clear();
            base32(raw.as_bytes(), false, &mut s);
            assert_eq!(s, enc.trim_end_matches('='), "{raw}");
        }
    }

    #[test]
    fn codes_are_distinct_and_shaped() {
        let mut r = Rng::at(1, 2);
        let mut s = String::new();
        push_codes(&mut s, &mut r, 50, CodeFormat::Groups, 8);
        let v: Vec<String> = serde_json::from_str(&s).unwrap();
        assert_eq!(v.len(), 50);
        assert!(v.iter().all(|c| c.len() == 9 && c.as_bytes()[4] == b'-'));
        let set: std::collections::HashSet<_> = v.iter().collect();
        assert_eq!(set.len(), 50);
    }
}
