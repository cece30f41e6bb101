//! TOML → `Profile`, with errors that name the file, line, column and key,
//! list what is valid there, and suggest the nearest valid key.

mod activity;
mod copies;
mod edge_cases;
mod hashes;
mod identity;
mod kinds;
mod ldap;
mod obj;
mod tables;

use super::*;
use crate::util::did_you_mean;
use activity::*;
use edge_cases::*;
use hashes::*;
use kinds::*;
use ldap::*;
use obj::*;
use sha2::{Digest, Sha256};
use std::fmt;
use std::ops::Range;
use tables::*;
use toml_edit::{Item, TableLike, Value};

#[derive(Debug)]
pub struct ProfileError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub key: String,
    pub message: String,
    pub help: Vec<String>,
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid profile {}:{}:{}",
            self.file, self.line, self.column
        )?;
        if !self.key.is_empty() {
            write!(f, " at `{}`", self.key)?;
        }
        write!(f, ": {}", self.message)?;
        for h in &self.help {
            write!(f, "\n  {h}")?;
        }
        Ok(())
    }
}

struct Ctx<'a> {
    text: &'a str,
    file: &'a str,
}

impl Ctx<'_> {
    fn err(
        &self,
        span: Option<Range<usize>>,
        key: &str,
        message: impl Into<String>,
    ) -> ProfileError {
        let at = span.map(|s| s.start).unwrap_or(0).min(self.text.len());
        let before = &self.text[..at];
        let line = before.matches('\n').count() + 1;
        let column = before
            .rsplit('\n')
            .next()
            .map(|l| l.chars().count())
            .unwrap_or(0)
            + 1;
        ProfileError {
            file: self.file.to_string(),
            line,
            column,
            key: key.to_string(),
            message: message.into(),
            help: Vec::new(),
        }
    }
}

trait Help {
    fn help(self, h: impl Into<String>) -> Self;
}

impl Help for ProfileError {
    fn help(mut self, h: impl Into<String>) -> Self {
        self.help.push(h.into());
        self
    }
}

type PResult<T> = std::result::Result<T, ProfileError>;

const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "users_table",
    "locales",
    "email",
    "passwords",
    "tables",
    "edge_cases",
    "activity",
    "ldap",
    "thresholds",
    "copies",
];

const DEFAULT_DOMAINS: &[(&str, u32)] = &[
    ("example.com", 40),
    ("example.net", 12),
    ("example.org", 10),
    ("mail.example", 18),
    ("corp.example", 12),
    ("inbox.example", 8),
];

pub fn parse(text: &str, file: &str) -> Result<Profile, ProfileError> {
    let cx = Ctx { text, file };
    let doc = document(&cx)?;
    let root = Obj {
        t: doc.as_table(),
        path: String::new(),
        span: Some(0..0),
    };
    root.only(&cx, TOP_KEYS, "the profile's top level")?;
    let name = root.str(&cx, "name")?.ok_or_else(|| {
        cx.err(Some(0..0), "name", "missing `name`")
            .help("add a line such as: name = \"my-app\"")
    })?;
    let users_name = root
        .str(&cx, "users_table")?
        .unwrap_or_else(|| "users".into());
    let profile_locales = match root.weights(&cx, "locales")? {
        Some(w) => resolve_locales(&cx, &root, "locales", w)?,
        None => vec![(0, 1)],
    };
    let domains = parse_domains(&cx, &root)?;
    let passwords = parse_passwords(&cx, &root)?;
    let edge = parse_edge(&cx, &root, file)?;
    let thresholds = parse_thresholds(&cx, &root)?;

    let (raws, users_idx) = read_tables(&cx, &root, &users_name)?;
    let names: Vec<&str> = raws.iter().map(|r| r.name.as_str()).collect();
    // Sizes and parents first: columns need to know which tables are roots.
    let sizes = parse_sizes(&cx, &raws, users_idx, &names)?;
    let mut tables = Vec::new();
    for (i, r) in raws.iter().enumerate() {
        tables.push(parse_table(
            &cx,
            r,
            sizes[i].clone(),
            &names,
            &sizes,
            &profile_locales,
        )?);
    }
    check_keys(&cx, &raws, &tables)?;
    identity::resolve_emails(&cx, &raws, &mut tables)?;
    check_password_table(&cx, &raws, &tables, users_idx, &users_name)?;
    let (ordered, remap) = load_order(&cx, &raws, &tables)?;
    let activity = parse_activity(&cx, &root, &ordered, remap[users_idx])?;
    let ldap = parse_ldap(&cx, &root, &ordered, remap[users_idx])?;
    let copies = copies::parse_copies(&cx, &root, &ordered, remap[users_idx])?;

    Ok(Profile {
        activity,
        name,
        source: file.to_string(),
        digest: crate::util::hex(&Sha256::digest(text.as_bytes())),
        domains,
        passwords,
        tables: ordered,
        users_table: remap[users_idx],
        edge,
        ldap,
        thresholds,
        copies,
    })
}

/// `[thresholds] fail_on = ["rejects{label:email.*}>0", …]`: conditions
/// every rehearsal of this profile is held to, beside `--fail-on` (the
/// harness parses them: they are the report's vocabulary).
fn parse_thresholds(cx: &Ctx, root: &Obj) -> PResult<Vec<String>> {
    let Some(t) = root.table(cx, "thresholds")? else {
        return Ok(Vec::new());
    };
    t.only(cx, &["fail_on"], "[thresholds]")?;
    Ok(t.strings(cx, "fail_on")?.unwrap_or_default())
}

/// The TOML document, or where it stops being TOML.
fn document<'t>(cx: &Ctx<'t>) -> PResult<toml_edit::Document<&'t str>> {
    let text = cx.text;
    toml_edit::Document::parse(text).map_err(|e| {
        let msg = e.message().trim().to_string();
        // The parser says "duplicate key" and points at it: name it.
        if msg.starts_with("duplicate key")
            && let Some(key) = e.span().and_then(|s| key_at(text, s.start))
        {
            return cx
                .err(
                    e.span(),
                    "",
                    format!("duplicate key `{key}`: it is defined twice"),
                )
                .help("each key (column, table, setting) may appear once: rename or remove one");
        }
        cx.err(e.span(), "", format!("not valid TOML: {msg}"))
    })
}

/// `[email] domains`, or the reserved defaults.
fn parse_domains(cx: &Ctx, root: &Obj) -> PResult<Vec<(String, u32)>> {
    let domains = match root.table(cx, "email")? {
        Some(e) => {
            e.only(cx, &["domains"], "[email]")?;
            e.weights(cx, "domains")?
        }
        None => None,
    };
    Ok(domains.unwrap_or_else(|| {
        DEFAULT_DOMAINS
            .iter()
            .map(|(d, w)| (d.to_string(), *w))
            .collect()
    }))
}

/// Passwords belong to users: hashes elsewhere would have no known plaintext.
fn check_password_table(
    cx: &Ctx,
    raws: &[RawTable],
    tables: &[Table],
    users_idx: usize,
    users_name: &str,
) -> PResult<()> {
    for (i, t) in tables.iter().enumerate() {
        if i != users_idx
            && let Some(c) = t
                .columns
                .iter()
                .find(|c| matches!(c.kind, Kind::PasswordHash))
        {
            let cols = raws[i].obj.table(cx, "columns")?.expect("parsed before");
            return Err(cx
                .err(
                    cols.key_span(&c.name),
                    &cols.key_path(&c.name),
                    "a password_hash column belongs in the users table",
                )
                .help(format!("move it to [tables.{users_name}.columns]")));
        }
    }
    Ok(())
}

fn resolve_locales(
    cx: &Ctx,
    obj: &Obj,
    key: &str,
    w: Vec<(String, u32)>,
) -> PResult<Vec<(usize, u32)>> {
    let codes: Vec<&str> = crate::data::LOCALES.iter().map(|l| l.code).collect();
    let t = obj.table(cx, key)?.expect("weights came from here");
    w.into_iter()
        .map(
            |(code, weight)| match codes.iter().position(|c| *c == code) {
                Some(i) => Ok((i, weight)),
                None => {
                    let mut e = cx.err(
                        t.key_span(&code),
                        &t.key_path(&code),
                        format!("unknown locale `{code}`"),
                    );
                    if let Some(s) = did_you_mean(&code, codes.iter().copied()) {
                        e = e.help(format!("did you mean `{s}`?"));
                    }
                    Err(e.help(format!("locales available: {}", codes.join(", "))))
                }
            },
        )
        .collect()
}

/// The first name equal to an earlier one apart from letter case, with that one.
fn case_duplicate<'n>(names: &[&'n str]) -> Option<(&'n str, &'n str)> {
    names.iter().enumerate().find_map(|(j, b)| {
        names[..j]
            .iter()
            .find(|a| a.to_lowercase() == b.to_lowercase())
            .map(|a| (*a, *b))
    })
}

/// The TOML key (bare or quoted) starting at byte `at`.
fn key_at(text: &str, at: usize) -> Option<String> {
    let rest = text.get(at..)?;
    let key = match rest.chars().next()? {
        q @ ('"' | '\'') => {
            let end = rest[1..].find(q)?;
            rest[1..1 + end].to_string()
        }
        _ => rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect(),
    };
    (!key.is_empty()).then_some(key)
}
