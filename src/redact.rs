//! Passwords out of everything understudy prints or writes: one function for
//! every DSN or URL a user gives (targets, sources, legacy stores, new
//! systems), so the terminal, error messages, JSON and HTML reports all show
//! the same `***`.
//!
//! The spans follow how the `postgres` crate (libpq's rules) reads a DSN, and
//! err on the side of hiding more:
//! - URL form: the user-info ends at the *first* `@` (that is where the driver
//!   ends it; a password may hold `/`, `?`, `#`, `:`… unencoded), the password
//!   starts after the first `:` in it. An unencoded `@` in a password makes
//!   the driver cut the password short; the span then runs to the last `@`
//!   before the query so no piece of it shows.
//! - `password=` values in a URL's query (key percent-decoded, any case), and
//!   anywhere else a `password=` appears in the text.
//! - key/value form (`host=h password='a b\'c'`): the driver's tokenizer,
//!   quotes and backslash escapes included; an unterminated value hides the
//!   rest of the string.

use std::ops::Range;

const MASK: &str = "***";

/// The DSN or URL with every password replaced by `***`.
pub fn dsn(s: &str) -> String {
    let spans = spans(s);
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    for r in spans {
        out.push_str(&s[at..r.start]);
        out.push_str(MASK);
        at = r.end;
    }
    out.push_str(&s[at..]);
    out
}

/// `msg` with every form of `dsn`'s passwords (as written, percent-decoded,
/// unescaped, and as the driver parsed it) replaced by `***`: for messages
/// from a driver or a server, should one ever echo a password.
pub fn scrub(msg: &str, dsn: &str) -> String {
    mask(msg, &secrets(dsn))
}

/// `msg` with each of `secrets` replaced by `***`.
pub fn mask(msg: &str, secrets: &[String]) -> String {
    let mut secrets: Vec<&String> = secrets.iter().collect();
    // Longest first, so a password containing another is masked whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = msg.to_string();
    for s in secrets {
        // Masking one- or two-character strings would garble the message
        // without hiding anything a reader could not guess.
        if s.chars().count() >= 3 {
            out = out.replace(s.as_str(), MASK);
        }
    }
    out
}

/// Every spelling of the passwords in `dsn` (see `scrub`).
pub fn secrets(dsn: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: String| {
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    };
    for r in spans(dsn) {
        let raw = &dsn[r];
        add(raw.to_string());
        add(percent_decode(raw));
        add(unquote(raw));
    }
    if let Ok(c) = dsn.parse::<postgres::Config>()
        && let Some(p) = c.get_password()
    {
        add(String::from_utf8_lossy(p).into_owned());
    }
    out
}

/// The byte ranges of `s` that hold passwords, sorted and disjoint.
fn spans(s: &str) -> Vec<Range<usize>> {
    let mut v = Vec::new();
    match url_rest(s) {
        Some(r0) => url_spans(s, r0, &mut v),
        None => keyword_spans(s, &mut v),
    }
    textual_spans(s, &mut v);
    v.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in v {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// True when a URL's user-info holds an unencoded `@`: the driver would cut
/// the password (or user) at the first one and take the rest for the host.
pub fn ambiguous_at(s: &str) -> bool {
    let Some(r0) = url_rest(s) else {
        return false;
    };
    let rest = &s[r0..];
    let Some(first_at) = rest.find('@') else {
        return false;
    };
    let tail = &rest[first_at + 1..];
    tail[..tail.find('?').unwrap_or(tail.len())].contains('@')
}

/// True when a URL has a query string (`?` after the host, not in a password).
pub fn has_query(s: &str) -> bool {
    let Some(r0) = url_rest(s) else {
        return false;
    };
    let rest = &s[r0..];
    let host = rest.find('@').map_or(0, |k| k + 1);
    rest[host..].contains('?')
}

/// Where the authority starts when `s` is `scheme://…`.
fn url_rest(s: &str) -> Option<usize> {
    let i = s.find("://")?;
    let scheme = &s[..i];
    (!scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(i + 3)
}

fn url_spans(s: &str, r0: usize, v: &mut Vec<Range<usize>>) {
    let rest = &s[r0..];
    let query_from = match rest.find('@') {
        Some(first_at) => {
            let tail = first_at + 1;
            let q = rest[tail..].find('?').map_or(rest.len(), |k| tail + k);
            if let Some(colon) = rest[..first_at].find(':') {
                let end = rest[..q].rfind('@').unwrap_or(first_at);
                v.push(r0 + colon + 1..r0 + end);
            }
            q
        }
        None => rest.find('?').unwrap_or(rest.len()),
    };
    if query_from >= rest.len() {
        return;
    }
    let mut at = r0 + query_from + 1;
    for pair in s[at..].split('&') {
        if let Some((k, _)) = pair.split_once('=')
            && percent_decode(k).trim().eq_ignore_ascii_case("password")
        {
            v.push(at + k.len() + 1..at + pair.len());
        }
        at += pair.len() + 1;
    }
}

/// The driver's key/value tokenizer: `key = value` pairs separated by
/// whitespace; values may be single-quoted; `\` escapes the next character.
fn keyword_spans(s: &str, v: &mut Vec<Range<usize>>) {
    let b = s.as_bytes();
    let mut i = 0;
    let ws = |i: usize| i < b.len() && (b[i] as char).is_ascii_whitespace();
    loop {
        while ws(i) {
            i += 1;
        }
        if i >= b.len() {
            return;
        }
        let k0 = i;
        while i < b.len() && !ws(i) && b[i] != b'=' {
            i += 1;
        }
        let key = &s[k0..i];
        while ws(i) {
            i += 1;
        }
        if i >= b.len() || b[i] != b'=' {
            return;
        }
        i += 1;
        while ws(i) {
            i += 1;
        }
        let v0 = i;
        let mut closed = true;
        if i < b.len() && b[i] == b'\'' {
            i += 1;
            closed = false;
            while i < b.len() {
                match b[i] {
                    b'\\' => i += 2,
                    b'\'' => {
                        i += 1;
                        closed = true;
                        break;
                    }
                    _ => i += 1,
                }
            }
        } else {
            while i < b.len() && !ws(i) {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
        }
        let mut i_end = i.min(b.len());
        while !s.is_char_boundary(i_end) {
            i_end += 1;
        }
        if key.eq_ignore_ascii_case("password") {
            v.push(v0..if closed { i_end } else { b.len() });
        }
        if !closed {
            return;
        }
        i = i_end;
    }
}

/// Any `password=` left in the text (a misplaced one, or a form neither
/// parser above understood): its value up to `&` or whitespace.
fn textual_spans(s: &str, v: &mut Vec<Range<usize>>) {
    let lower = s.to_ascii_lowercase();
    let mut from = 0;
    while let Some(k) = lower[from..].find("password") {
        let mut i = from + k + "password".len();
        from = i;
        let b = s.as_bytes();
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i >= b.len() || b[i] != b'=' {
            continue;
        }
        i += 1;
        let end = s[i..]
            .find(|c: char| c == '&' || c.is_whitespace())
            .map_or(s.len(), |e| i + e);
        if end > i {
            v.push(i..end);
        }
    }
}

/// `%XX` sequences decoded, as the driver does (invalid ones kept as they are).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// A key/value value without its quotes and backslash escapes.
fn unquote(s: &str) -> String {
    let inner = s
        .strip_prefix('\'')
        .map(|t| t.strip_suffix('\'').unwrap_or(t))
        .unwrap_or(s);
    let mut out = String::with_capacity(inner.len());
    let mut it = inner.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            if let Some(n) = it.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Printable ASCII and a few non-ASCII characters, each inside a password.
    fn alphabet() -> Vec<char> {
        let mut v: Vec<char> = (0x20u8..0x7f).map(char::from).collect();
        v.extend(['é', 'ß', '€', '🔑', '\u{301}', 'Ω', '中']);
        v
    }

    fn encode_all(p: &str) -> String {
        p.bytes().map(|b| format!("%{b:02X}")).collect()
    }

    /// What a user would type: raw, except the characters the driver needs encoded.
    fn encode_needed(p: &str) -> String {
        p.chars()
            .map(|c| match c {
                '@' | '%' => encode_all(&c.to_string()),
                c => c.to_string(),
            })
            .collect()
    }

    fn assert_hidden(out: &str, password: &str, dsn: &str) {
        assert!(
            !out.contains(password),
            "{password:?} shows in {out:?} (from {dsn:?})"
        );
    }

    #[test]
    fn url_passwords_of_every_character_are_hidden_as_the_driver_reads_them() {
        for c in alphabet() {
            for p in [format!("Pw{c}Qz{c}{c}9"), format!("{c}Pw7Qz{c}")] {
                for enc in [encode_needed(&p), encode_all(&p)] {
                    for tail in ["/qdb", "/qdb?sslmode=disable", "", "?application_name=x"] {
                        let dsn = format!("postgres://qpw:{enc}@127.0.0.1:55432{tail}");
                        let parsed = dsn
                            .parse::<postgres::Config>()
                            .unwrap_or_else(|e| panic!("{dsn}: {e}"));
                        assert_eq!(parsed.get_password(), Some(p.as_bytes()), "{dsn}");
                        let out = dsn_redacted(&dsn);
                        assert_hidden(&out, &p, &dsn);
                        assert_hidden(&out, &enc, &dsn);
                        assert!(
                            out.starts_with("postgres://qpw:***@127.0.0.1:55432"),
                            "{out}"
                        );
                        assert!(out.ends_with(tail), "{out}");
                        for s in secrets(&dsn) {
                            assert_hidden(&scrub(&format!("server said {s}!"), &dsn), &s, &dsn);
                        }
                    }
                }
            }
        }
    }

    fn dsn_redacted(s: &str) -> String {
        dsn(s)
    }

    #[test]
    fn an_unencoded_at_sign_hides_the_whole_password_the_user_meant() {
        for d in [
            "postgres://u:p@ss@db.example/app",
            "postgres://u:p@ss/x@db.example/app?sslmode=disable",
            "postgres://u:p?a@b@db.example/app",
        ] {
            let out = dsn(d);
            assert!(out.starts_with("postgres://u:***@db.example/app"), "{out}");
        }
    }

    #[test]
    fn a_query_starts_after_the_host() {
        assert!(!has_query("postgres://u:Pa55?word@h/db"));
        assert!(has_query("postgres://u:Pa55?word@h/db?sslmode=disable"));
        assert!(has_query("postgres://h/db?sslmode=disable"));
        assert!(!has_query("postgres://h/db"));
        assert!(!ambiguous_at(
            "postgres://u:p%40ss@h/db?application_name=a@b"
        ));
        assert!(ambiguous_at("postgres://u:p@ss@h/db"));
    }

    #[test]
    fn query_and_keyword_passwords_are_hidden() {
        assert_eq!(
            dsn("postgres://bob@db/app?password=x%26y&sslmode=disable"),
            "postgres://bob@db/app?password=***&sslmode=disable"
        );
        assert_eq!(
            dsn("postgres://db/app?PASS%57ORD=hunter2"),
            "postgres://db/app?PASS%57ORD=***"
        );
        assert_eq!(
            dsn("host=db password='a b\\'c d' user=bob"),
            "host=db password=*** user=bob"
        );
        assert_eq!(
            dsn("host=db password = se\\ cret user=bob"),
            "host=db password = *** user=bob"
        );
        assert_eq!(dsn("host=db password='open ended"), "host=db password=***");
        assert_eq!(dsn("postgres://bob@db/app"), "postgres://bob@db/app");
        assert_eq!(dsn("sqlite:app.db"), "sqlite:app.db");
        for c in alphabet() {
            let p = format!("Kv{c}Yx{c}");
            let quoted = p.replace('\\', "\\\\").replace('\'', "\\'");
            let d = format!("host=db password='{quoted}' port=5432");
            let out = dsn(&d);
            assert_hidden(&out, &p, &d);
            assert!(out.ends_with(" port=5432"), "{out}");
            let parsed: postgres::Config = d.parse().unwrap();
            assert_eq!(parsed.get_password(), Some(p.as_bytes()));
        }
    }
}
