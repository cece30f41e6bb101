//! How single values are written: UUIDs and ULIDs around a permuted row
//! index, homoglyph variants of handles, filler text and JSON.

use super::person::{Person, push_u64};
use crate::rng::Rng;

/// Swaps the first letter that has a look-alike in another script.
pub(super) fn homoglyph(s: &str) -> String {
    // The classic look-alikes first; then one for nearly every other Latin
    // letter (Cyrillic; Armenian or a small capital where Cyrillic has none), so that a name
    // without a, e, o, p, c, x, y or i still gets one.
    const CLASSIC: &[(char, char)] = &[
        ('a', 'а'),
        ('e', 'е'),
        ('o', 'о'),
        ('p', 'р'),
        ('c', 'с'),
        ('x', 'х'),
        ('y', 'у'),
        ('i', 'і'),
    ];
    const MORE: &[(char, char)] = &[
        ('s', 'ѕ'),
        ('j', 'ј'),
        ('h', 'һ'),
        ('d', 'ԁ'),
        ('l', 'ӏ'),
        ('q', 'ԛ'),
        ('w', 'ԝ'),
        ('v', 'ѵ'),
        ('k', 'к'),
        ('t', 'т'),
        ('r', 'г'),
        ('b', 'Ь'),
        ('u', 'ս'),
        ('n', 'ո'),
        ('g', 'ց'),
        ('m', 'м'),
        ('z', 'ᴢ'),
    ];
    for map in [CLASSIC, MORE] {
        if let Some((at, g)) = s
            .char_indices()
            .find_map(|(at, ch)| map.iter().find(|(l, _)| *l == ch).map(|(_, g)| (at, *g)))
        {
            let mut out = String::with_capacity(s.len() + 2);
            out.push_str(&s[..at]);
            out.push(g);
            out.push_str(&s[at + s[at..].chars().next().map_or(0, char::len_utf8)..]);
            return out;
        }
    }
    s.to_string()
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// UUID v4 layout; the low 62 bits (after the variant bits) are the permuted
/// row index, so ids are unique by construction and still look random.
pub(super) fn push_uuid(out: &mut String, random: u64, unique: u64) {
    let hi = (random & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let lo = (unique & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    let mut buf = [0u8; 36];
    let mut pos = 0;
    for (i, byte) in hi
        .to_be_bytes()
        .iter()
        .chain(lo.to_be_bytes().iter())
        .enumerate()
    {
        if matches!(i, 4 | 6 | 8 | 10) {
            buf[pos] = b'-';
            pos += 1;
        }
        buf[pos] = HEX[(byte >> 4) as usize];
        buf[pos + 1] = HEX[(byte & 15) as usize];
        pos += 2;
    }
    crate::row::push_ascii(out, &buf);
}

/// ULID: 48-bit milliseconds + 80 bits, Crockford base32; the low 62 bits are
/// the permuted row index.
pub(super) fn push_ulid(out: &mut String, ms: u64, random: u64, unique: u64) {
    const B32: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let v: u128 = ((ms as u128 & 0xffff_ffff_ffff) << 80)
        | (((random & 0x3ffff) as u128) << 62)
        | (unique as u128 & 0x3fff_ffff_ffff_ffff);
    let mut buf = [0u8; 26];
    for (i, b) in buf.iter_mut().enumerate() {
        let shift = 125 - 5 * i as i32;
        let bits = if shift >= 0 {
            (v >> shift) & 31
        } else {
            (v << 2) & 31
        };
        *b = B32[bits as usize];
    }
    out.push_str(std::str::from_utf8(&buf).expect("ascii"));
}

pub(super) fn push_text(out: &mut String, r: &mut Rng, min: u32, max: u32) {
    let words = crate::data::PASSWORD_WORDS;
    let n = r.range(min as i64, max as i64);
    let mut sentence_start = true;
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        let w = words[r.below(words.len() as u64) as usize];
        if sentence_start {
            let mut cs = w.chars();
            if let Some(c) = cs.next() {
                out.push(c.to_ascii_uppercase());
                out.push_str(cs.as_str());
            }
        } else {
            out.push_str(w);
        }
        sentence_start = i + 1 == n || r.below(9) == 0;
        if sentence_start {
            out.push('.');
        }
    }
}

/// A small preferences object, like the `profile`/`settings` jsonb columns
/// apps keep next to users.
pub(super) fn push_json(out: &mut String, r: &mut Rng, p: Option<&Person>) {
    const THEMES: &[&str] = &["light", "dark", "system"];
    out.push_str("{\"theme\":\"");
    out.push_str(THEMES[r.below(3) as usize]);
    out.push_str("\",\"newsletter\":");
    out.push_str(if r.chance(0.35) { "true" } else { "false" });
    if let Some(p) = p {
        out.push_str(",\"language\":\"");
        out.push_str(p.locale.code);
        out.push('"');
    }
    out.push_str(",\"notifications\":{\"email\":");
    out.push_str(if r.chance(0.8) { "true" } else { "false" });
    out.push_str(",\"sms\":");
    out.push_str(if r.chance(0.2) { "true" } else { "false" });
    out.push_str("},\"onboarding_step\":");
    push_u64(out, r.below(6));
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn homoglyph_changes_exactly_one_letter_of_any_name() {
        for name in [
            "kurt18246",
            "ruthb36826",
            "sunj30918",
            "sandra912",
            "mung7",
            "fitz3",
        ] {
            let h = homoglyph(name);
            assert_ne!(h, name);
            assert_eq!(h.chars().count(), name.chars().count());
            let diff = h.chars().zip(name.chars()).filter(|(a, b)| a != b).count();
            assert_eq!(diff, 1, "{name} -> {h}");
        }
    }

    #[test]
    fn uuid_and_ulid_layouts() {
        let mut s = String::new();
        push_uuid(&mut s, u64::MAX, 0);
        assert_eq!(s.len(), 36);
        assert_eq!(&s[14..15], "4");
        assert!(matches!(&s[19..20], "8" | "9" | "a" | "b"));
        s.clear();
        push_ulid(&mut s, 1_469_918_176_385, 0, 0);
        assert_eq!(s.len(), 26);
        assert!(s.starts_with("01ARYZ6S41"), "{s}");
    }
}
