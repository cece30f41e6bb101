//! `scan-leaks`: searches files for the plaintext passwords understudy
//! generated (regenerated from profile, users and seed, never read from a
//! file), in the forms a password takes when it leaks: as is, JSON-escaped
//! and URL-encoded.
//!
//! - **Multi-pattern.** One Aho-Corasick automaton over every form of every
//!   distinct password (pool mode shares a few hundred passwords among all
//!   users: a finding names the first user that has it and how many share it).
//! - **Streaming.** Files are read in 1 MiB blocks; the last bytes (the
//!   longest pattern's length plus one) are carried over, so a password split across two blocks is
//!   found once. Bytes, not text: binary files and invalid UTF-8 are fine.
//! - **False positives.** A password shorter than `min_len` bytes (default 5)
//!   or made only of whitespace is not searched (said in the summary): `sun1`
//!   would match ordinary text. A match counts only at word boundaries: where
//!   the password starts (ends) with an ASCII letter or digit, the byte before
//!   (after) it must not be one, so `monkey12` is not reported inside
//!   `monkey123`, nor `dragon1` inside `dragon1x`. An edge-case password
//!   that the catalogue also writes into other columns (`abc\0def`) is not
//!   searched either: every dump of the generated data holds it.

use crate::error::{Error, Result};
use crate::generator::plan::{CHUNK, PoolChoice, rows_in};
use crate::generator::table::Scratch;
use crate::harness::Plan;
use crate::profile::{Kind, Profile};
use crate::row::RowBuf;
use aho_corasick::{AhoCorasick, MatchKind};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Read;

use std::path::{Path, PathBuf};

pub const DEFAULT_MIN_LEN: usize = 5;
const BLOCK: usize = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Form {
    Plain,
    Json,
    Url,
}

impl Form {
    pub fn as_str(self) -> &'static str {
        match self {
            Form::Plain => "plain",
            Form::Json => "json",
            Form::Url => "url",
        }
    }
}

/// One distinct password and who has it.
#[derive(Debug, Clone)]
pub struct Secret {
    pub password: String,
    /// The first user (index) with this password, and that user's email.
    pub user: u64,
    pub email: String,
    /// Users sharing the password.
    pub users: u64,
}

/// Every distinct plaintext password of users `0..users`, in first-user order.
pub fn secrets(plan: &Plan) -> Vec<Secret> {
    let g = &plan.generator;
    let t = g.users_table;
    let email_col = plan.profile.tables[t]
        .columns
        .iter()
        .position(|c| matches!(c.kind, Kind::Email));
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<Secret> = Vec::new();
    let mut row = RowBuf::default();
    let mut scratch = Scratch::default();
    scratch.want_password = true;
    let mut start = 0;
    while start < plan.users {
        let end = (start + CHUNK).min(plan.users);
        rows_in(
            g,
            t,
            &[],
            start..end,
            &[],
            &mut row,
            &mut scratch,
            |_, id, row, s| match index.get(&s.password) {
                Some(&k) => out[k].users += 1,
                None => {
                    index.insert(s.password.clone(), out.len());
                    out.push(Secret {
                        password: s.password.clone(),
                        user: id.index,
                        email: email_col
                            .map(|c| row.get(c).1.to_string())
                            .unwrap_or_default(),
                        users: 1,
                    });
                }
            },
        );
        start = end;
    }
    out
}

/// The JSON string body of `s` as serializers write it, plus the variants
/// other serializers produce: `\/` for `/`, `\uXXXX` for every non-ASCII
/// character (lower and upper hex).
pub fn json_forms(s: &str) -> Vec<String> {
    let base = serde_json::to_string(s).expect("string serialises");
    let base = base[1..base.len() - 1].to_string();
    let mut out = vec![base.clone()];
    if s.contains('/') {
        out.push(base.replace('/', "\\/"));
    }
    if !s.is_ascii() || s.chars().any(|c| c.is_control()) {
        for upper in [false, true] {
            let mut e = String::new();
            for c in s.chars() {
                match c {
                    '"' => e.push_str("\\\""),
                    '\\' => e.push_str("\\\\"),
                    c if c.is_ascii() && !c.is_control() => e.push(c),
                    c => {
                        let mut buf = [0u16; 2];
                        for u in c.encode_utf16(&mut buf) {
                            if upper {
                                e.push_str(&format!("\\u{:04X}", u));
                            } else {
                                e.push_str(&format!("\\u{:04x}", u));
                            }
                        }
                    }
                }
            }
            out.push(e);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Percent-encodings of `s`: every byte outside the unreserved set as `%XX`
/// (upper and lower hex), space as `+` (forms) or `%20`.
pub fn url_forms(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for upper in [true, false] {
        for plus in [true, false] {
            let mut e = String::new();
            for &b in s.as_bytes() {
                match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        e.push(b as char)
                    }
                    b' ' if plus => e.push('+'),
                    b if upper => e.push_str(&format!("%{b:02X}")),
                    b => e.push_str(&format!("%{b:02x}")),
                }
            }
            out.push(e);
        }
    }
    out.sort();
    out.dedup();
    out
}

thread_local! {
    /// Fixed values the edge-case catalogue also injects into other columns
    /// (`abc\0def` is a password case and a text case): found in any dump of
    /// the generated data, they would be false positives, so they are not searched.
    static DATA_VALUES: Vec<String> = crate::edge::catalogue::CATALOGUE
        .iter()
        .filter(|c| c.family != crate::edge::Family::Password)
        .filter(|c| matches!(c.make, crate::edge::catalogue::Make::Fixed(_)))
        .filter_map(|c| crate::edge::catalogue::make(c, 0))
        .collect();
}

/// A compiled scanner: the automaton and, per pattern, its secret and form.
pub struct Scanner {
    ac: AhoCorasick,
    patterns: Vec<(usize, Form, bool, bool)>,
    pub secrets: Vec<Secret>,
    longest: usize,
    /// Secrets not searched (too short, or only whitespace).
    pub skipped: Vec<usize>,
}

/// One plaintext found.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub file: String,
    pub line: u64,
    /// Byte offset of the match in the file.
    pub offset: u64,
    pub user: u64,
    pub email: String,
    /// Users sharing this password.
    pub users_sharing: u64,
    pub form: Form,
}

fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

impl Scanner {
    pub fn new(secrets: Vec<Secret>, min_len: usize) -> Result<Scanner> {
        let mut pats: Vec<String> = Vec::new();
        let mut patterns = Vec::new();
        let mut skipped = Vec::new();
        let mut seen: HashMap<String, ()> = HashMap::new();
        for (k, s) in secrets.iter().enumerate() {
            if s.password.len() < min_len
                || s.password.trim().is_empty()
                || DATA_VALUES.with(|v| v.contains(&s.password))
            {
                skipped.push(k);
                continue;
            }
            let mut forms = vec![(s.password.clone(), Form::Plain)];
            forms.extend(json_forms(&s.password).into_iter().map(|p| (p, Form::Json)));
            forms.extend(url_forms(&s.password).into_iter().map(|p| (p, Form::Url)));
            for (p, form) in forms {
                // A form equal to another (plain == json for most passwords)
                // is searched once, under the first form.
                if seen.insert(p.clone(), ()).is_some() {
                    continue;
                }
                let b = p.as_bytes();
                patterns.push((k, form, alnum(b[0]), alnum(b[b.len() - 1])));
                pats.push(p);
            }
        }
        let longest = pats.iter().map(|p| p.len()).max().unwrap_or(0);
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&pats)
            .map_err(|e| Error::usage(format!("cannot build the password automaton: {e}")))?;
        Ok(Scanner {
            ac,
            patterns,
            secrets,
            longest,
            skipped,
        })
    }

    /// Scans one reader; findings carry `name`.
    pub fn scan_reader(&self, name: &str, mut r: impl Read) -> std::io::Result<Vec<Finding>> {
        let mut out = Vec::new();
        let carry_len = self.longest + 1;
        let mut buf: Vec<u8> = Vec::with_capacity(BLOCK + carry_len);
        // Absolute offset of buf[0]; line number at buf[0]; matches ending at
        // or before `done` (absolute) were already decided.
        let mut base: u64 = 0;
        let mut line_at_base: u64 = 1;
        let mut done: u64 = 0;
        let mut block = vec![0u8; BLOCK];
        loop {
            let n = read_full(&mut r, &mut block)?;
            let eof = n < block.len();
            buf.extend_from_slice(&block[..n]);
            // Matches may end anywhere up to the buffer's end at EOF; before
            // that, one byte short of it (the byte after must be known).
            let limit = base + buf.len() as u64 - if eof { 0 } else { 1 };
            let mut hits: Vec<(usize, usize, usize)> = Vec::new();
            if !self.patterns.is_empty() {
                for m in self.ac.find_overlapping_iter(&buf[..]) {
                    let (s, e) = (m.start(), m.end());
                    let abs_end = base + e as u64;
                    if abs_end <= done || abs_end > limit {
                        continue;
                    }
                    let (_, _, a, z) = self.patterns[m.pattern().as_usize()];
                    if a && s > 0 && alnum(buf[s - 1]) {
                        continue;
                    }
                    if a && s == 0 && base > 0 {
                        // The previous byte was dropped: cannot happen, the carry is longer.
                        continue;
                    }
                    if z && e < buf.len() && alnum(buf[e]) {
                        continue;
                    }
                    hits.push((s, e, m.pattern().as_usize()));
                }
            }
            hits.sort_unstable();
            let mut cursor = 0usize;
            let mut line = line_at_base;
            for (s, _, p) in hits {
                line += memchr_count(&buf[cursor..s]);
                cursor = s;
                let (k, form, _, _) = self.patterns[p];
                let sec = &self.secrets[k];
                out.push(Finding {
                    file: name.to_string(),
                    line,
                    offset: base + s as u64,
                    user: sec.user,
                    email: sec.email.clone(),
                    users_sharing: sec.users,
                    form,
                });
            }
            done = limit;
            if eof {
                break;
            }
            // Keep the tail: a match may straddle the block boundary.
            let keep = carry_len.min(buf.len());
            let cut = buf.len() - keep;
            line_at_base += memchr_count(&buf[..cut]);
            base += cut as u64;
            buf.drain(..cut);
        }
        Ok(out)
    }

    /// Scans files and directories (recursively; symlinked directories are
    /// not followed). Returns the findings and the number of files read.
    pub fn scan_paths(&self, paths: &[PathBuf]) -> Result<(Vec<Finding>, u64)> {
        let mut files = Vec::new();
        for p in paths {
            collect(p, &mut files)?;
        }
        let mut out = Vec::new();
        for f in &files {
            let file = std::fs::File::open(f).map_err(|e| Error::io("open", f, e))?;
            let found = self
                .scan_reader(&f.display().to_string(), file)
                .map_err(|e| Error::io("read", f, e))?;
            out.extend(found);
        }
        Ok((out, files.len() as u64))
    }
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn memchr_count(b: &[u8]) -> u64 {
    b.iter().filter(|&&c| c == b'\n').count() as u64
}

fn collect(p: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let meta = std::fs::metadata(p).map_err(|e| Error::io("read", p, e))?;
    if meta.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
            .map_err(|e| Error::io("list", p, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for e in entries {
            let lm = std::fs::symlink_metadata(&e).map_err(|err| Error::io("read", &e, err))?;
            if lm.file_type().is_symlink() && std::fs::metadata(&e).is_ok_and(|m| m.is_dir()) {
                continue;
            }
            collect(&e, out)?;
        }
    } else if meta.is_file() {
        out.push(p.to_path_buf());
    }
    Ok(())
}

/// What `scan-leaks` needs to regenerate the passwords.
pub struct ScanOptions {
    pub profile: Profile,
    pub users: u64,
    pub seed: u64,
    pub choice: PoolChoice,
    pub edge_rate: Option<f64>,
    pub min_len: usize,
}

/// The shape of `ScanSummary` (`--json`): version 2 opens with the shared
/// head (ARCHITECTURE.md § Reports); version 1 had `schema_version` only.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Serialize)]
pub struct ScanSummary {
    #[serde(flatten)]
    pub head: crate::report::Head,
    pub files: u64,
    pub passwords: u64,
    pub passwords_searched: u64,
    /// Passwords not searched (shorter than the minimum, or only whitespace).
    pub passwords_skipped: u64,
    pub users_with_skipped_passwords: u64,
    pub min_length: usize,
    pub findings: Vec<Finding>,
}

/// Regenerates the passwords and scans `paths`.
pub fn scan(opts: ScanOptions, paths: &[PathBuf]) -> Result<ScanSummary> {
    let domains = opts.profile.domains.clone();
    let plan = Plan::with_pools(
        opts.profile,
        opts.users,
        opts.seed,
        &domains,
        opts.choice,
        opts.edge_rate,
    )?;
    scan_with(&plan, opts.min_len, paths)
}

pub fn scan_with(plan: &Plan, min_len: usize, paths: &[PathBuf]) -> Result<ScanSummary> {
    scan_with_extra(plan, min_len, paths, Vec::new())
}

/// `scan_with` plus passwords that are not generated (chosen at a reset).
pub fn scan_with_extra(
    plan: &Plan,
    min_len: usize,
    paths: &[PathBuf],
    extra: Vec<Secret>,
) -> Result<ScanSummary> {
    let started_at = crate::report::head::now();
    let mut all = secrets(plan);
    all.extend(extra);
    let scanner = Scanner::new(all, min_len)?;
    let (findings, files) = scanner.scan_paths(paths)?;
    Ok(ScanSummary {
        head: crate::report::Head::new("scan-leaks", SCHEMA_VERSION, started_at),
        files,
        passwords: scanner.secrets.len() as u64,
        passwords_searched: (scanner.secrets.len() - scanner.skipped.len()) as u64,
        passwords_skipped: scanner.skipped.len() as u64,
        users_with_skipped_passwords: scanner
            .skipped
            .iter()
            .map(|&k| scanner.secrets[k].users)
            .sum(),
        min_length: min_len,
        findings,
    })
}

/// `file:line: user N <email> (form: F)`: never the password.
pub fn print(summary: &ScanSummary) {
    for f in &summary.findings {
        let shared = if f.users_sharing > 1 {
            format!(", shared by {} users", f.users_sharing)
        } else {
            String::new()
        };
        println!(
            "{}:{}: user {} <{}> (form: {}{shared})",
            f.file,
            f.line,
            f.user,
            f.email,
            f.form.as_str()
        );
    }
    eprintln!(
        "scan-leaks: {} file(s), {} distinct password(s) searched, {} finding(s){}",
        summary.files,
        summary.passwords_searched,
        summary.findings.len(),
        if summary.passwords_skipped > 0 {
            format!(
                "; {} password(s) of {} user(s) not searched (shorter than {} bytes, only whitespace, or also an edge-case value of other columns)",
                summary.passwords_skipped, summary.users_with_skipped_passwords, summary.min_length
            )
        } else {
            String::new()
        }
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanner(pws: &[&str]) -> Scanner {
        Scanner::new(
            pws.iter()
                .enumerate()
                .map(|(i, p)| Secret {
                    password: p.to_string(),
                    user: i as u64,
                    email: format!("u{i}@example.com"),
                    users: 1,
                })
                .collect(),
            DEFAULT_MIN_LEN,
        )
        .unwrap()
    }

    #[test]
    fn forms() {
        assert_eq!(url_forms("a b/ü"), {
            let mut v = vec![
                "a+b%2F%C3%BC".to_string(),
                "a%20b%2F%C3%BC".into(),
                "a+b%2f%c3%bc".into(),
                "a%20b%2f%c3%bc".into(),
            ];
            v.sort();
            v
        });
        let j = json_forms("p\"/ü");
        assert!(j.contains(&"p\\\"/ü".to_string()));
        assert!(j.contains(&"p\\\"\\/ü".to_string()));
        assert!(j.contains(&"p\\\"/\\u00fc".to_string()));
        assert!(j.contains(&"p\\\"/\\u00FC".to_string()));
    }

    #[test]
    fn boundaries_and_blocks() {
        let s = scanner(&["monkey12", "monkey123", "wolf"]);
        let text = b"x monkey123 y\nmonkey12\nmonkey1234 wolf wolfs\n";
        let f = s.scan_reader("t", &text[..]).unwrap();
        let got: Vec<(u64, u64)> = f.iter().map(|f| (f.line, f.user)).collect();
        assert_eq!(got, vec![(1, 1), (2, 0)], "{f:?}");
        // The same across every block boundary: a reader returning 1 byte at a time
        // still goes through the 1 MiB block, so pad to straddle a real boundary.
        let mut big = vec![b'.'; BLOCK - 4];
        big.extend_from_slice(b" monkey123 \n");
        big.extend(vec![b'.'; BLOCK]);
        big.extend_from_slice(b"\nmonkey12");
        let f = s.scan_reader("t", &big[..]).unwrap();
        let got: Vec<(u64, u64, u64)> = f.iter().map(|f| (f.line, f.user, f.offset)).collect();
        assert_eq!(
            got,
            vec![(1, 1, BLOCK as u64 - 3), (3, 0, 2 * BLOCK as u64 + 9)]
        );
    }
}
