//! RFC 2849 lines: a value is written plain only when it is a SAFE-STRING
//! (every byte a SAFE-CHAR, 0x01–0x7F but LF and CR; the first a
//! SAFE-INIT-CHAR, also not space, `:` or `<`) that does not end in a space;
//! otherwise `name:: <base64>`. Lines longer than the wrap width are folded:
//! a continuation line starts with one space, and no fold falls inside a
//! UTF-8 sequence.

use base64::Engine;

fn safe_char(c: u8) -> bool {
    (0x01..=0x7f).contains(&c) && c != b'\n' && c != b'\r'
}

/// Whether `v` may be written after `name: ` as it is.
pub fn is_plain(v: &[u8]) -> bool {
    match (v.first(), v.last()) {
        (None, _) => true,
        (Some(&f), Some(&l)) => {
            !matches!(f, b' ' | b':' | b'<') && l != b' ' && v.iter().all(|&c| safe_char(c))
        }
        _ => unreachable!("a non-empty slice has a last byte"),
    }
}

/// Appends `name: value` (or `name:: base64`) and its line end, folded at
/// `wrap` bytes per physical line (0: never folded).
pub fn attr(out: &mut Vec<u8>, name: &str, value: &[u8], wrap: usize) {
    let start = out.len();
    out.extend_from_slice(name.as_bytes());
    if is_plain(value) {
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
    } else {
        out.extend_from_slice(b":: ");
        let n = out.len();
        out.resize(n + value.len().div_ceil(3) * 4, 0);
        let written = base64::engine::general_purpose::STANDARD
            .encode_slice(value, &mut out[n..])
            .expect("sized for the encoding");
        out.truncate(n + written);
    }
    if wrap > 1 && out.len() - start > wrap {
        let line = out.split_off(start);
        fold(&line, wrap, out);
    }
    out.push(b'\n');
}

/// `line` folded into physical lines of at most `wrap` bytes (continuation
/// lines count their leading space), never inside a UTF-8 sequence.
fn fold(line: &[u8], wrap: usize, out: &mut Vec<u8>) {
    let mut i = 0;
    let mut width = wrap;
    while i < line.len() {
        let mut end = (i + width).min(line.len());
        // Back up to a character boundary (a UTF-8 continuation byte is 10xxxxxx).
        while end < line.len() && end > i + 1 && line[end] & 0xC0 == 0x80 {
            end -= 1;
        }
        if i > 0 {
            out.extend_from_slice(b"\n ");
        }
        out.extend_from_slice(&line[i..end]);
        i = end;
        width = wrap - 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str, v: &str, wrap: usize) -> String {
        let mut out = Vec::new();
        attr(&mut out, name, v.as_bytes(), wrap);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn plain_only_for_safe_strings() {
        assert_eq!(line("cn", "Anna Smith", 76), "cn: Anna Smith\n");
        assert_eq!(line("cn", "a:b<c", 76), "cn: a:b<c\n");
        for v in [
            " lead", ":colon", "<lt", "trail ", "Zoë", "a\nb", "a\rb", "a\0b",
        ] {
            let l = line("cn", v, 0);
            assert!(l.starts_with("cn:: "), "{v:?} → {l}");
        }
        // Controls other than NUL, LF and CR, and DEL, are SAFE-CHARs.
        assert_eq!(line("cn", "\u{7f}a\tb\u{1b}", 0), "cn: \u{7f}a\tb\u{1b}\n");
        assert_eq!(line("cn", " ", 0), "cn:: IA==\n");
    }

    #[test]
    fn folds_at_the_width_and_unfolds_back() {
        let v = "x".repeat(200);
        let l = line("description", &v, 76);
        let lines: Vec<&str> = l.trim_end_matches('\n').split('\n').collect();
        assert!(lines.iter().all(|p| p.len() <= 76), "{l}");
        assert!(lines[1..].iter().all(|p| p.starts_with(' ')));
        let joined: String = lines
            .iter()
            .enumerate()
            .map(|(i, p)| if i == 0 { *p } else { &p[1..] })
            .collect();
        assert_eq!(joined, format!("description: {v}"));
        assert_eq!(line("cn", &v, 0).len(), 4 + 200 + 1);
        let mut out = Vec::new();
        fold("ééééé".as_bytes(), 4, &mut out);
        assert!(std::str::from_utf8(&out).is_ok());
    }
}
