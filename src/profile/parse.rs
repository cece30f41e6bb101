//! TOML → `Profile`, with errors that name the file, line, column and key,
//! list what is valid there, and suggest the nearest valid key.

use super::*;
use crate::util::did_you_mean;
use sha2::{Digest, Sha256};
use std::fmt;
use std::ops::Range;
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

/// A view of one TOML table (or inline table) with its dotted path.
struct Obj<'a> {
    t: &'a dyn TableLike,
    path: String,
    span: Option<Range<usize>>,
}

impl<'a> Obj<'a> {
    fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn get(&self, key: &str) -> Option<&'a Item> {
        self.t.get(key)
    }

    fn item_span(&self, key: &str) -> Option<Range<usize>> {
        self.t
            .get_key_value(key)
            .and_then(|(k, v)| v.span().or_else(|| k.span()))
            .or_else(|| self.span.clone())
    }

    fn key_span(&self, key: &str) -> Option<Range<usize>> {
        self.t
            .get_key_value(key)
            .and_then(|(k, v)| k.span().or_else(|| v.span()))
            .or_else(|| self.span.clone())
    }

    /// Refuses any key not in `allowed`, suggesting the nearest one.
    fn only(&self, cx: &Ctx, allowed: &[&str], what: &str) -> PResult<()> {
        for (key, _) in self.t.iter() {
            if !allowed.contains(&key) {
                let mut e = cx.err(
                    self.key_span(key),
                    &self.key_path(key),
                    format!("unknown key `{key}` in {what}"),
                );
                if let Some(s) = did_you_mean(key, allowed.iter().copied()) {
                    e = e.help(format!("did you mean `{s}`?"));
                }
                return Err(e.help(format!("valid keys here: {}", allowed.join(", "))));
            }
        }
        Ok(())
    }

    fn type_err(&self, cx: &Ctx, key: &str, want: &str) -> ProfileError {
        let got = match self.get(key) {
            Some(Item::Value(v)) => v.type_name(),
            Some(Item::Table(_)) => "table",
            Some(Item::ArrayOfTables(_)) => "array of tables",
            _ => "nothing",
        };
        cx.err(
            self.item_span(key),
            &self.key_path(key),
            format!("expected {want}, found {got}"),
        )
    }

    fn str(&self, cx: &Ctx, key: &str) -> PResult<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some(Item::Value(Value::String(s))) => Ok(Some(s.value().clone())),
            Some(_) => Err(self.type_err(cx, key, "a string")),
        }
    }

    fn f64(&self, cx: &Ctx, key: &str) -> PResult<Option<f64>> {
        match self.get(key) {
            None => Ok(None),
            Some(Item::Value(Value::Float(f))) => Ok(Some(*f.value())),
            Some(Item::Value(Value::Integer(i))) => Ok(Some(*i.value() as f64)),
            Some(_) => Err(self.type_err(cx, key, "a number")),
        }
    }

    fn int(&self, cx: &Ctx, key: &str) -> PResult<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some(Item::Value(Value::Integer(i))) => Ok(Some(*i.value())),
            Some(_) => Err(self.type_err(cx, key, "an integer")),
        }
    }

    fn uint(&self, cx: &Ctx, key: &str, max: u64) -> PResult<Option<u64>> {
        match self.int(cx, key)? {
            None => Ok(None),
            Some(v) if v >= 0 && v as u64 <= max => Ok(Some(v as u64)),
            Some(v) => Err(cx.err(
                self.item_span(key),
                &self.key_path(key),
                format!("{v} is out of range: expected an integer in 0..={max}"),
            )),
        }
    }

    fn bool(&self, cx: &Ctx, key: &str) -> PResult<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Item::Value(Value::Boolean(b))) => Ok(Some(*b.value())),
            Some(_) => Err(self.type_err(cx, key, "true or false")),
        }
    }

    fn rate(&self, cx: &Ctx, key: &str) -> PResult<Option<f64>> {
        match self.f64(cx, key)? {
            Some(r) if !(0.0..=1.0).contains(&r) => Err(cx.err(
                self.item_span(key),
                &self.key_path(key),
                format!("{r} is not a rate: expected a number from 0.0 to 1.0"),
            )),
            r => Ok(r),
        }
    }

    fn table(&self, cx: &Ctx, key: &str) -> PResult<Option<Obj<'a>>> {
        let path = self.key_path(key);
        match self.get(key) {
            None => Ok(None),
            Some(Item::Table(t)) => Ok(Some(Obj {
                t,
                path,
                span: t.span().or_else(|| self.key_span(key)),
            })),
            Some(Item::Value(Value::InlineTable(t))) => Ok(Some(Obj {
                t,
                path,
                span: t.span(),
            })),
            Some(_) => Err(self.type_err(cx, key, "a table")),
        }
    }

    /// `{ name = weight, … }` with positive integer weights.
    fn weights(&self, cx: &Ctx, key: &str) -> PResult<Option<Vec<(String, u32)>>> {
        let Some(t) = self.table(cx, key)? else {
            return Ok(None);
        };
        let mut out = Vec::new();
        for (k, _) in t.t.iter() {
            let w = t
                .uint(cx, k, u32::MAX as u64)?
                .ok_or_else(|| t.type_err(cx, k, "an integer weight"))?;
            out.push((k.to_string(), w as u32));
        }
        if out.iter().all(|(_, w)| *w == 0) {
            return Err(cx
                .err(
                    t.span.clone(),
                    &t.path,
                    "needs at least one entry with a positive weight",
                )
                .help(format!("e.g. {key} = {{ a = 3, b = 1 }}")));
        }
        Ok(Some(out))
    }

    fn strings(&self, cx: &Ctx, key: &str) -> PResult<Option<Vec<String>>> {
        match self.get(key) {
            None => Ok(None),
            Some(Item::Value(Value::String(s))) => Ok(Some(vec![s.value().clone()])),
            Some(Item::Value(Value::Array(a))) => a
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| self.type_err(cx, key, "an array of strings"))
                })
                .collect::<PResult<Vec<_>>>()
                .map(Some),
            Some(_) => Err(self.type_err(cx, key, "an array of strings")),
        }
    }
}

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
];
const TABLE_KEYS: &[&str] = &[
    "rows",
    "parent",
    "per_parent",
    "primary_key",
    "locales",
    "columns",
];
const COMMON_COLUMN_KEYS: &[&str] = &["kind", "null_rate", "unique"];
const DISTS: &[&str] = &["fixed", "uniform", "zipf", "bernoulli"];

/// Column kinds and the keys each accepts besides `kind`, `null_rate` and `unique`.
pub const KINDS: &[(&str, &[&str])] = &[
    ("uuid", &[]),
    ("sequence", &["start"]),
    ("ulid", &[]),
    ("first_name", &["locales"]),
    ("last_name", &[]),
    ("full_name", &[]),
    ("email", &[]),
    ("username", &[]),
    ("phone", &[]),
    ("country", &["format"]),
    ("timestamp", &["from", "to", "curve", "growth", "after"]),
    ("bool", &["rate"]),
    ("enum", &["values"]),
    ("cycle", &["values"]),
    ("int", &["min", "max"]),
    ("text", &["min_words", "max_words"]),
    ("json", &[]),
    ("password_hash", &[]),
    ("password_salt", &[]),
    ("parent", &[]),
    ("reference", &["table", "dist", "s", "distinct"]),
];

const DEFAULT_DOMAINS: &[(&str, u32)] = &[
    ("example.com", 40),
    ("example.net", 12),
    ("example.org", 10),
    ("mail.example", 18),
    ("corp.example", 12),
    ("inbox.example", 8),
];

/// A table as read, before cross-table resolution.
struct RawTable<'a> {
    name: String,
    obj: Obj<'a>,
}

pub fn parse(text: &str, file: &str) -> Result<Profile, ProfileError> {
    let cx = Ctx { text, file };
    let doc = toml_edit::Document::parse(text).map_err(|e| {
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
    })?;
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

    let domains = match root.table(&cx, "email")? {
        Some(e) => {
            e.only(&cx, &["domains"], "[email]")?;
            e.weights(&cx, "domains")?
        }
        None => None,
    }
    .unwrap_or_else(|| {
        DEFAULT_DOMAINS
            .iter()
            .map(|(d, w)| (d.to_string(), *w))
            .collect()
    });

    let passwords = parse_passwords(&cx, &root)?;
    let edge = parse_edge(&cx, &root, file)?;

    let tables_obj = root.table(&cx, "tables")?.ok_or_else(|| {
        cx.err(Some(0..0), "tables", "the profile defines no tables")
            .help(format!("add a [tables.{users_name}.columns] section"))
    })?;
    let mut raws = Vec::new();
    for (tname, _) in tables_obj.t.iter() {
        let obj = tables_obj.table(&cx, tname)?.expect("present");
        obj.only(&cx, TABLE_KEYS, &format!("table `{tname}`"))?;
        raws.push(RawTable {
            name: tname.to_string(),
            obj,
        });
    }
    let names: Vec<&str> = raws.iter().map(|r| r.name.as_str()).collect();
    // Databases fold unquoted names' case (and MySQL on some systems folds
    // quoted ones): `Users` and `users` would be one table.
    if let Some((first, dup)) = case_duplicate(&names) {
        return Err(cx
            .err(
                tables_obj.key_span(dup),
                &tables_obj.key_path(dup),
                format!("table `{dup}` has the same name as `{first}` apart from letter case"),
            )
            .help("a database treats them as one table: rename one"));
    }
    let Some(users_idx) = names.iter().position(|n| *n == users_name) else {
        return Err(cx
            .err(
                tables_obj.span.clone(),
                "tables",
                format!("no users table `{users_name}`"),
            )
            .help(format!("tables defined: {}", names.join(", ")))
            .help("name it [tables.users], or set users_table = \"…\" at the top level"));
    };

    // Sizes and parents first: columns need to know which tables are roots.
    let mut sizes = Vec::new();
    for (i, r) in raws.iter().enumerate() {
        sizes.push(parse_size(&cx, r, i == users_idx, &names)?);
    }
    for (i, r) in raws.iter().enumerate() {
        if let Size::PerParent { parent, .. } = sizes[i]
            && matches!(sizes[parent], Size::PerParent { .. })
        {
            return Err(cx
                .err(
                    r.obj.item_span("parent"),
                    &r.obj.key_path("parent"),
                    format!(
                        "`{}` is itself a child table; nested parents are not supported",
                        raws[parent].name
                    ),
                )
                .help("make the parent a root table (the users table or one with `rows = N`)"));
        }
    }

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

    // Passwords belong to users: hashes elsewhere would have no known plaintext.
    for (i, t) in tables.iter().enumerate() {
        if i != users_idx
            && let Some(c) = t
                .columns
                .iter()
                .find(|c| matches!(c.kind, Kind::PasswordHash))
        {
            let cols = raws[i].obj.table(&cx, "columns")?.expect("parsed before");
            return Err(cx
                .err(
                    cols.key_span(&c.name),
                    &cols.key_path(&c.name),
                    "a password_hash column belongs in the users table",
                )
                .help(format!("move it to [tables.{users_name}.columns]")));
        }
    }

    // Load order: a table after every table it references.
    let order = topo_order(&cx, &raws, &tables)?;
    let remap: Vec<usize> = {
        let mut m = vec![0; tables.len()];
        for (new, &old) in order.iter().enumerate() {
            m[old] = new;
        }
        m
    };
    let mut ordered: Vec<Table> = order.iter().map(|&i| tables[i].clone()).collect();
    for t in &mut ordered {
        if let Size::PerParent { parent, .. } = &mut t.size {
            *parent = remap[*parent];
        }
        for c in &mut t.columns {
            if let Kind::Reference { table, .. } = &mut c.kind {
                *table = remap[*table];
            }
        }
    }

    let activity = parse_activity(&cx, &root, &ordered, remap[users_idx])?;

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
    })
}

/// `[activity]`: how often users sign in (for `jit`).
fn parse_activity(
    cx: &Ctx,
    root: &Obj,
    tables: &[Table],
    users: usize,
) -> PResult<crate::profile::Activity> {
    use crate::profile::{Activity, CLASSES};
    let mut a = Activity::default();
    let cols = &tables[users].columns;
    let derive_default = cols
        .iter()
        .position(|c| c.name == "last_login_at" && matches!(c.kind, Kind::Timestamp { .. }));
    a.from = derive_default;
    let Some(e) = root.table(cx, "activity")? else {
        a.now = a.from.map(|c| timestamp_to(&cols[c].kind)).unwrap_or(0);
        return Ok(a);
    };
    e.only(
        cx,
        &[
            "classes",
            "rates",
            "from",
            "now",
            "failed_login_share",
            "password_reset_share",
        ],
        "[activity]",
    )?;
    let check_class = |key: &str, name: &str| -> PResult<usize> {
        CLASSES.iter().position(|c| *c == name).ok_or_else(|| {
            let mut err = cx.err(
                e.item_span(key),
                &e.key_path(key),
                format!("unknown activity class `{name}`"),
            );
            if let Some(s) = did_you_mean(name, CLASSES.iter().copied()) {
                err = err.help(format!("did you mean `{s}`?"));
            }
            err.help(format!("classes: {}", CLASSES.join(", ")))
        })
    };
    if let Some(w) = e.weights(cx, "classes")? {
        let mut shares = [0.0; 5];
        for (name, v) in &w {
            shares[check_class("classes", name)?] = *v as f64;
        }
        if shares.iter().sum::<f64>() <= 0.0 {
            return Err(cx
                .err(
                    e.item_span("classes"),
                    &e.key_path("classes"),
                    "the class shares add up to 0",
                )
                .help("e.g. classes = { daily = 5, weekly = 15, monthly = 25, rare = 30, dormant = 25 }"));
        }
        a.shares = Some(shares);
        a.from = None;
    }
    if let Some(r) = e.table(cx, "rates")? {
        for (name, _) in r.t.iter() {
            let k = check_class("rates", name)?;
            a.rates[k] = r.rate(cx, name)?.expect("present");
        }
    }
    if let Some(from) = e.str(cx, "from")? {
        if a.shares.is_some() {
            return Err(cx
                .err(
                    e.item_span("from"),
                    &e.key_path("from"),
                    "`from` derives the classes: give either `classes` or `from`",
                )
                .help("remove one of the two"));
        }
        let c = cols.iter().position(|c| c.name == from).ok_or_else(|| {
            let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
            let mut err = cx.err(
                e.item_span("from"),
                &e.key_path("from"),
                format!("the users table has no column `{from}`"),
            );
            if let Some(s) = did_you_mean(&from, names.iter().copied()) {
                err = err.help(format!("did you mean `{s}`?"));
            }
            err
        })?;
        if !matches!(cols[c].kind, Kind::Timestamp { .. }) {
            return Err(cx.err(
                e.item_span("from"),
                &e.key_path("from"),
                format!("`{from}` is not a timestamp column (the last sign-in time)"),
            ));
        }
        a.from = Some(c);
    }
    a.now = a.from.map(|c| timestamp_to(&cols[c].kind)).unwrap_or(0);
    if let Some(now) = e.str(cx, "now")? {
        a.now = crate::time::parse(&now).ok_or_else(|| {
            cx.err(
                e.item_span("now"),
                &e.key_path("now"),
                format!("`{now}` is not a date (YYYY-MM-DD or RFC 3339)"),
            )
        })?;
    }
    if let Some(f) = e.rate(cx, "failed_login_share")? {
        a.failed_login_share = f;
    }
    if let Some(f) = e.rate(cx, "password_reset_share")? {
        a.password_reset_share = f;
    }
    Ok(a)
}

/// The upper bound of a timestamp column (the profile's "now" for recency).
fn timestamp_to(k: &Kind) -> i64 {
    match k {
        Kind::Timestamp { to, .. } => *to,
        _ => 0,
    }
}

fn parse_edge(cx: &Ctx, root: &Obj, file: &str) -> PResult<crate::edge::EdgeConfig> {
    let mut cfg = crate::edge::EdgeConfig::default();
    let Some(e) = root.table(cx, "edge_cases")? else {
        return Ok(cfg);
    };
    e.only(
        cx,
        &["rate", "families", "labels", "include", "exclude", "files"],
        "[edge_cases]",
    )?;
    cfg.rate = e.rate(cx, "rate")?.unwrap_or(0.0);
    let check = |key: &str, names: &[String]| -> PResult<()> {
        for n in names {
            crate::edge::check_selector(n)
                .map_err(|m| cx.err(e.item_span(key), &e.key_path(key), m))?;
        }
        Ok(())
    };
    if let Some(f) = e.weights(cx, "families")? {
        for (name, _) in &f {
            if !crate::edge::Family::ALL.iter().any(|x| x.name() == name) {
                let fams: Vec<&str> = crate::edge::Family::ALL.iter().map(|x| x.name()).collect();
                return Err(cx
                    .err(
                        e.item_span("families"),
                        &e.key_path("families"),
                        format!("unknown edge-case family `{name}`"),
                    )
                    .help(format!("families: {}", fams.join(", "))));
            }
        }
        cfg.families = f;
    }
    if let Some(l) = e.weights(cx, "labels")? {
        check(
            "labels",
            &l.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
        )?;
        cfg.labels = l;
    }
    cfg.include = e.strings(cx, "include")?.unwrap_or_default();
    check("include", &cfg.include)?;
    cfg.exclude = e.strings(cx, "exclude")?.unwrap_or_default();
    check("exclude", &cfg.exclude)?;
    cfg.files = e
        .strings(cx, "files")?
        .unwrap_or_default()
        .iter()
        .map(|f| crate::edge::resolve_file(file, f))
        .collect();
    Ok(cfg)
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

fn parse_passwords(cx: &Ctx, root: &Obj) -> PResult<Passwords> {
    let mut out = Passwords {
        pool_size: 256,
        mix: vec![HashMixEntry {
            format: "bcrypt".into(),
            share: 1,
            params: Vec::new(),
            mode: None,
        }],
    };
    let Some(p) = root.table(cx, "passwords")? else {
        return Ok(out);
    };
    p.only(cx, &["pool_size", "mix"], "[passwords]")?;
    if let Some(n) = p.uint(cx, "pool_size", 1 << 20)? {
        if n == 0 {
            return Err(cx.err(
                p.item_span("pool_size"),
                "passwords.pool_size",
                "must be at least 1",
            ));
        }
        out.pool_size = n as usize;
    }
    let Some(item) = p.get("mix") else {
        return Ok(out);
    };
    let entries: Vec<&dyn TableLike> = match item {
        Item::Value(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_inline_table().map(|t| t as &dyn TableLike))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| p.type_err(cx, "mix", "an array of { format = …, share = … } tables"))?,
        Item::ArrayOfTables(a) => a.iter().map(|t| t as &dyn TableLike).collect(),
        _ => return Err(p.type_err(cx, "mix", "an array of { format = …, share = … } tables")),
    };
    out.mix.clear();
    for (n, t) in entries.into_iter().enumerate() {
        let e = Obj {
            t,
            path: format!("passwords.mix[{n}]"),
            span: p.item_span("mix"),
        };
        e.only(
            cx,
            &["format", "share", "params", "mode"],
            "a hash mix entry",
        )?;
        let format = e.str(cx, "format")?.ok_or_else(|| {
            cx.err(e.span.clone(), &e.path, "missing `format`")
                .help(format!("formats: {}", crate::hash::names().join(", ")))
        })?;
        let Some(hf) = crate::hash::lookup(&format) else {
            let mut err = cx.err(
                e.item_span("format"),
                &e.key_path("format"),
                format!("unknown hash format `{format}`"),
            );
            if let Some(s) = did_you_mean(&format, crate::hash::names()) {
                err = err.help(format!("did you mean `{s}`?"));
            }
            return Err(err.help(format!("formats: {}", crate::hash::names().join(", "))));
        };
        let share = e.uint(cx, "share", u32::MAX as u64)?.unwrap_or(1) as u32;
        let mut params = Vec::new();
        if let Some(pt) = e.table(cx, "params")? {
            for (k, v) in pt.t.iter() {
                let val = match v {
                    Item::Value(Value::Integer(i)) => i.value().to_string(),
                    Item::Value(Value::String(s)) => s.value().clone(),
                    Item::Value(Value::Float(f)) => f.value().to_string(),
                    _ => return Err(pt.type_err(cx, k, "a number or a string")),
                };
                params.push((k.to_string(), val));
            }
            if let Err(msg) = hf.check_params(&params) {
                return Err(cx.err(pt.span.clone(), &pt.path, msg));
            }
        }
        let mode = match e.str(cx, "mode")? {
            None => None,
            Some(m) => Some(
                m.parse()
                    .map_err(|msg: String| cx.err(e.item_span("mode"), &e.key_path("mode"), msg))?,
            ),
        };
        out.mix.push(HashMixEntry {
            format,
            share,
            params,
            mode,
        });
    }
    if out.mix.iter().all(|m| m.share == 0) {
        return Err(cx.err(
            p.item_span("mix"),
            "passwords.mix",
            "needs at least one entry with share > 0",
        ));
    }
    Ok(out)
}

fn parse_size(cx: &Ctx, r: &RawTable, is_users: bool, names: &[&str]) -> PResult<Size> {
    let o = &r.obj;
    let rows = o.uint(cx, "rows", 100_000_000)?;
    let parent = o.str(cx, "parent")?;
    let per = o.table(cx, "per_parent")?;
    if is_users {
        for k in ["rows", "parent", "per_parent"] {
            if o.get(k).is_some() {
                return Err(cx
                    .err(
                        o.key_span(k),
                        &o.key_path(k),
                        format!("the users table `{}` cannot set `{k}`", r.name),
                    )
                    .help("its size is --users N"));
            }
        }
        return Ok(Size::Users);
    }
    match (rows, parent) {
        (Some(_), Some(_)) => Err(cx
            .err(o.key_span("rows"), &o.key_path("rows"), "a table has either `rows` or `parent`, not both")
            .help("`rows = N` makes a fixed lookup table; `parent = \"users\"` makes rows per parent row")),
        (Some(n), None) => {
            if per.is_some() {
                return Err(cx.err(o.key_span("per_parent"), &o.key_path("per_parent"), "`per_parent` needs `parent`"));
            }
            if n == 0 {
                return Err(cx.err(o.item_span("rows"), &o.key_path("rows"), "rows must be at least 1"));
            }
            Ok(Size::Rows(n))
        }
        (None, Some(p)) => {
            let Some(pi) = names.iter().position(|n| *n == p) else {
                let mut e = cx.err(o.item_span("parent"), &o.key_path("parent"), format!("parent table `{p}` is not defined"));
                if let Some(s) = did_you_mean(&p, names.iter().copied()) {
                    e = e.help(format!("did you mean `{s}`?"));
                }
                return Err(e.help(format!("tables defined: {}", names.join(", "))));
            };
            if p == r.name {
                return Err(cx.err(o.item_span("parent"), &o.key_path("parent"), "a table cannot be its own parent"));
            }
            let count = match per {
                None => CountDist::Fixed(1),
                Some(d) => parse_count(cx, &d)?,
            };
            Ok(Size::PerParent { parent: pi, count })
        }
        (None, None) => Err(cx
            .err(o.span.clone(), &o.path, format!("table `{}` has no size", r.name))
            .help("add `rows = N` (a lookup table) or `parent = \"users\"` with `per_parent = { … }`")),
    }
}

fn parse_count(cx: &Ctx, d: &Obj) -> PResult<CountDist> {
    let dist = d.str(cx, "dist")?.unwrap_or_else(|| "fixed".into());
    let bad = |key: &str, msg: String| cx.err(d.item_span(key), &d.key_path(key), msg);
    let allowed: &[&str] = match dist.as_str() {
        "fixed" => &["dist", "n"],
        "uniform" => &["dist", "min", "max"],
        "zipf" => &["dist", "min", "max", "s", "mean"],
        "bernoulli" => &["dist", "p"],
        other => {
            let mut e = bad("dist", format!("unknown distribution `{other}`"));
            if let Some(s) = did_you_mean(other, DISTS.iter().copied()) {
                e = e.help(format!("did you mean `{s}`?"));
            }
            return Err(e.help(format!("distributions: {}", DISTS.join(", "))));
        }
    };
    d.only(cx, allowed, &format!("a `{dist}` distribution"))?;
    const MAX: u64 = 100_000;
    let min = d.uint(cx, "min", MAX)?.unwrap_or(0) as u32;
    let max = d.uint(cx, "max", MAX)?;
    Ok(match dist.as_str() {
        "fixed" => CountDist::Fixed(d.uint(cx, "n", MAX)?.unwrap_or(1) as u32),
        "bernoulli" => CountDist::Bernoulli {
            p: d.rate(cx, "p")?.ok_or_else(|| {
                bad(
                    "dist",
                    "a bernoulli distribution needs `p` (0.0–1.0)".into(),
                )
            })?,
        },
        _ => {
            let max = max
                .ok_or_else(|| bad("dist", format!("a `{dist}` distribution needs `max`")))?
                as u32;
            if max < min {
                return Err(bad("max", format!("max ({max}) is below min ({min})")));
            }
            if dist == "uniform" {
                CountDist::Uniform { min, max }
            } else {
                let s = match (d.f64(cx, "s")?, d.f64(cx, "mean")?) {
                    (Some(_), Some(_)) => {
                        return Err(bad("mean", "give either `s` or `mean` for a zipf distribution, not both".into())
                            .help("`s` sets the exponent; `mean` solves for the exponent giving that mean"));
                    }
                    (Some(s), None) if s > 0.0 && s <= 20.0 => s,
                    (Some(s), None) => {
                        return Err(bad(
                            "s",
                            format!("s = {s} is impossible: the exponent must be in (0, 20]"),
                        ));
                    }
                    (None, Some(mean)) => solve_zipf(min, max, mean).ok_or_else(|| {
                        let top = (min + max) as f64 / 2.0;
                        bad(
                            "mean",
                            format!("mean = {mean} is impossible for zipf on {min}..={max}"),
                        )
                        .help(format!(
                            "a zipf mean lies strictly between {min} and {top} (the uniform mean)"
                        ))
                    })?,
                    (None, None) => 1.0,
                };
                CountDist::Zipf { min, max, s }
            }
        }
    })
}

/// The exponent whose zipf mean on `min..=max` is `mean` (bisection: the mean
/// falls as s grows).
fn solve_zipf(min: u32, max: u32, mean: f64) -> Option<f64> {
    let m = |s: f64| CountDist::Zipf { min, max, s }.mean();
    let (mut lo, mut hi) = (1e-6, 20.0);
    if !(mean < m(lo) && mean > m(hi)) {
        return None;
    }
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if m(mid) > mean {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some((lo + hi) / 2.0)
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

fn parse_table(
    cx: &Ctx,
    r: &RawTable,
    size: Size,
    names: &[&str],
    sizes: &[Size],
    profile_locales: &[(usize, u32)],
) -> PResult<Table> {
    let o = &r.obj;
    let cols = o.table(cx, "columns")?.ok_or_else(|| {
        cx.err(
            o.span.clone(),
            &o.path,
            format!("table `{}` has no columns", r.name),
        )
        .help(format!("add a [tables.{}.columns] section", r.name))
    })?;
    let mut locales = match o.weights(cx, "locales")? {
        Some(w) => resolve_locales(cx, o, "locales", w)?,
        None => profile_locales.to_vec(),
    };
    let mut columns: Vec<Column> = Vec::new();
    for (cname, _) in cols.t.iter() {
        let c = cols.table(cx, cname).map_err(|_| {
            cx.err(
                cols.item_span(cname),
                &cols.key_path(cname),
                "a column is an inline table",
            )
            .help(format!("e.g. {cname} = {{ kind = \"text\" }}"))
        })?;
        let c = c.expect("present");
        let kind_name = c.str(cx, "kind")?.ok_or_else(|| {
            cx.err(c.span.clone(), &c.path, "missing `kind`")
                .help(format!(
                    "kinds: {}",
                    KINDS.iter().map(|k| k.0).collect::<Vec<_>>().join(", ")
                ))
        })?;
        let Some((_, extra)) = KINDS.iter().find(|(k, _)| *k == kind_name) else {
            let mut e = cx.err(
                c.item_span("kind"),
                &c.key_path("kind"),
                format!("unknown column kind `{kind_name}`"),
            );
            if let Some(s) = did_you_mean(&kind_name, KINDS.iter().map(|k| k.0)) {
                e = e.help(format!("did you mean `{s}`?"));
            }
            return Err(e.help(format!(
                "kinds: {}",
                KINDS.iter().map(|k| k.0).collect::<Vec<_>>().join(", ")
            )));
        };
        let allowed: Vec<&str> = COMMON_COLUMN_KEYS
            .iter()
            .chain(extra.iter())
            .copied()
            .collect();
        c.only(cx, &allowed, &format!("a column of kind `{kind_name}`"))?;
        let null_rate = c.rate(cx, "null_rate")?.unwrap_or(0.0);
        let kind = parse_kind(
            cx,
            &c,
            &kind_name,
            &columns,
            names,
            sizes,
            &size,
            &mut locales,
        )?;
        if c.bool(cx, "unique")? == Some(true)
            && !kind.is_unique()
            && !(matches!(kind, Kind::Parent)
                && matches!(
                    size,
                    Size::PerParent {
                        count: CountDist::Bernoulli { .. } | CountDist::Fixed(1),
                        ..
                    }
                ))
        {
            return Err(cx
                .err(c.key_span("unique"), &c.key_path("unique"), format!("`{kind_name}` columns cannot be made unique"))
                .help("unique by construction: uuid, sequence, ulid, email, username (and parent in a one-to-one table)"));
        }
        columns.push(Column {
            name: cname.to_string(),
            kind,
            null_rate,
        });
    }
    if columns.is_empty() {
        return Err(cx.err(
            cols.span.clone(),
            &cols.path,
            "a table needs at least one column",
        ));
    }
    let col_names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    if let Some((first, dup)) = case_duplicate(&col_names) {
        return Err(cx
            .err(
                cols.key_span(dup),
                &cols.key_path(dup),
                format!(
                    "column `{dup}` of `{}` has the same name as `{first}` apart from letter case",
                    r.name
                ),
            )
            .help("a database treats them as one column: rename one"));
    }
    let primary_key = match o.strings(cx, "primary_key")? {
        Some(pk) => pk
            .iter()
            .map(|n| {
                columns.iter().position(|c| &c.name == n).ok_or_else(|| {
                    let mut e = cx.err(o.item_span("primary_key"), &o.key_path("primary_key"), format!("primary key column `{n}` is not a column of `{}`", r.name));
                    if let Some(s) = did_you_mean(n, columns.iter().map(|c| c.name.as_str())) {
                        e = e.help(format!("did you mean `{s}`?"));
                    }
                    e
                })
            })
            .collect::<PResult<Vec<_>>>()?,
        None => default_pk(&columns, &size).ok_or_else(|| {
            cx.err(o.span.clone(), &o.path, format!("table `{}` has no primary key", r.name))
                .help("add an id column (kind = \"sequence\", \"uuid\" or \"ulid\") or set primary_key = [\"col\", …]")
        })?,
    };
    for &k in &primary_key {
        if columns[k].null_rate > 0.0 {
            return Err(cx.err(
                o.span.clone(),
                &o.path,
                format!(
                    "primary key column `{}` cannot have a null_rate",
                    columns[k].name
                ),
            ));
        }
    }
    Ok(Table {
        name: r.name.clone(),
        size,
        columns,
        primary_key,
        locales,
    })
}

fn default_pk(columns: &[Column], size: &Size) -> Option<Vec<usize>> {
    if let Some(i) = columns
        .iter()
        .position(|c| matches!(c.kind, Kind::Uuid | Kind::Sequence { .. } | Kind::Ulid))
    {
        return Some(vec![i]);
    }
    let parent = columns.iter().position(|c| matches!(c.kind, Kind::Parent));
    let distinct = columns
        .iter()
        .position(|c| matches!(c.kind, Kind::Reference { distinct: true, .. }));
    match (size, parent, distinct) {
        (
            Size::PerParent {
                count: CountDist::Bernoulli { .. } | CountDist::Fixed(1),
                ..
            },
            Some(p),
            _,
        ) => Some(vec![p]),
        (Size::PerParent { .. }, Some(p), Some(d)) => Some(vec![p, d]),
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
fn parse_kind(
    cx: &Ctx,
    c: &Obj,
    kind: &str,
    earlier: &[Column],
    names: &[&str],
    sizes: &[Size],
    size: &Size,
    locales: &mut Vec<(usize, u32)>,
) -> PResult<Kind> {
    let bad = |key: &str, msg: String| cx.err(c.item_span(key), &c.key_path(key), msg);
    Ok(match kind {
        "uuid" => Kind::Uuid,
        "sequence" => Kind::Sequence {
            start: c.int(cx, "start")?.unwrap_or(1),
        },
        "ulid" => Kind::Ulid,
        "first_name" => {
            if let Some(w) = c.weights(cx, "locales")? {
                *locales = resolve_locales(cx, c, "locales", w)?;
            }
            Kind::FirstName
        }
        "last_name" => Kind::LastName,
        "full_name" => Kind::FullName,
        "email" => Kind::Email,
        "username" => Kind::Username,
        "phone" => Kind::Phone,
        "country" => match c.str(cx, "format")?.as_deref() {
            None | Some("code") => Kind::Country { names: false },
            Some("name") => Kind::Country { names: true },
            Some(f) => {
                return Err(bad(
                    "format",
                    format!(
                        "unknown country format `{f}`: use \"code\" (ISO 3166 alpha-2) or \"name\""
                    ),
                ));
            }
        },
        "timestamp" => {
            let date = |key: &str| -> PResult<Option<i64>> {
                match c.str(cx, key)? {
                    None => Ok(None),
                    Some(s) => crate::time::parse(&s).map(Some).ok_or_else(|| {
                        bad(
                            key,
                            format!("`{s}` is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ"),
                        )
                    }),
                }
            };
            let after = match c.str(cx, "after")? {
                None => None,
                Some(a) => Some(
                    earlier
                        .iter()
                        .position(|e| e.name == a && matches!(e.kind, Kind::Timestamp { .. }))
                        .ok_or_else(|| {
                            bad("after", format!("`after` must name a timestamp column declared earlier in this table; `{a}` is not one"))
                                .help(format!(
                                    "timestamp columns before this one: {}",
                                    earlier
                                        .iter()
                                        .filter(|e| matches!(e.kind, Kind::Timestamp { .. }))
                                        .map(|e| e.name.as_str())
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ))
                        })?,
                ),
            };
            let inherited_to = after.and_then(|a| match earlier[a].kind {
                Kind::Timestamp { to, .. } => Some(to),
                _ => None,
            });
            let from = date("from")?;
            if after.is_some() && from.is_some() {
                return Err(bad(
                    "from",
                    "`from` and `after` exclude each other: `after` starts at that column's value"
                        .into(),
                ));
            }
            let from = from.unwrap_or_else(|| crate::time::parse("2015-01-01").expect("valid"));
            let to = date("to")?
                .or(inherited_to)
                .unwrap_or_else(|| crate::time::parse("2026-11-01").expect("valid"));
            if to <= from {
                return Err(bad("to", "`to` must be after `from`".into()));
            }
            let growth = c.f64(cx, "growth")?;
            let curve = match c.str(cx, "curve")?.as_deref() {
                None | Some("uniform") => {
                    if growth.is_some() {
                        return Err(bad(
                            "growth",
                            "`growth` applies to curve = \"growth\"".into(),
                        ));
                    }
                    Curve::Uniform
                }
                Some("growth") => match growth {
                    None => Curve::Growth(2.0),
                    Some(g) if g > 0.0 && g <= 50.0 => Curve::Growth(g),
                    Some(g) => {
                        return Err(bad(
                            "growth",
                            format!("growth = {g} is impossible: use a rate in (0, 50]"),
                        ));
                    }
                },
                Some(o) => {
                    return Err(bad(
                        "curve",
                        format!("unknown curve `{o}`: use \"uniform\" or \"growth\""),
                    ));
                }
            };
            Kind::Timestamp {
                from,
                to,
                curve,
                after,
            }
        }
        "bool" => Kind::Bool {
            rate: c.rate(cx, "rate")?.unwrap_or(0.5),
        },
        "enum" => Kind::Enum {
            values: c.weights(cx, "values")?.ok_or_else(|| {
                bad(
                    "kind",
                    "an enum needs `values = { name = weight, … }`".into(),
                )
            })?,
        },
        "cycle" => {
            let values = c.strings(cx, "values")?.unwrap_or_default();
            if values.is_empty() {
                return Err(bad(
                    "kind",
                    "a cycle column needs `values = [\"a\", \"b\", …]`".into(),
                ));
            }
            Kind::Cycle { values }
        }
        "int" => {
            let min = c.int(cx, "min")?.unwrap_or(0);
            let max = c.int(cx, "max")?.unwrap_or(1_000_000);
            if max < min {
                return Err(bad("max", format!("max ({max}) is below min ({min})")));
            }
            Kind::Int { min, max }
        }
        "text" => {
            let min_words = c.uint(cx, "min_words", 100_000)?.unwrap_or(3) as u32;
            let max_words = c
                .uint(cx, "max_words", 100_000)?
                .unwrap_or(min_words.max(12) as u64) as u32;
            if max_words < min_words {
                return Err(bad(
                    "max_words",
                    format!("max_words ({max_words}) is below min_words ({min_words})"),
                ));
            }
            Kind::Text {
                min_words,
                max_words,
            }
        }
        "json" => Kind::Json,
        "password_hash" => Kind::PasswordHash,
        "password_salt" => {
            if !earlier.iter().any(|e| matches!(e.kind, Kind::PasswordHash)) {
                return Err(bad("kind", "a password_salt column follows the password_hash column it belongs to".into())
                    .help("formats such as salted-sha256-hex keep their salt in its own column; declare it after password_hash"));
            }
            Kind::PasswordSalt
        }
        "parent" => {
            if !matches!(size, Size::PerParent { .. }) {
                return Err(bad("kind", "a `parent` column belongs in a table with `parent = \"…\"`".into())
                    .help("to point at another table from a root table use kind = \"reference\", table = \"…\""));
            }
            Kind::Parent
        }
        "reference" => {
            let t = c
                .str(cx, "table")?
                .ok_or_else(|| bad("kind", "a reference needs `table = \"…\"`".into()))?;
            let Some(ti) = names.iter().position(|n| *n == t) else {
                let mut e = bad("table", format!("referenced table `{t}` is not defined"));
                if let Some(s) = did_you_mean(&t, names.iter().copied()) {
                    e = e.help(format!("did you mean `{s}`?"));
                }
                return Err(e.help(format!("tables defined: {}", names.join(", "))));
            };
            if matches!(sizes[ti], Size::PerParent { .. }) {
                return Err(bad(
                    "table",
                    format!("`{t}` is a child table; references must point at a root table"),
                ));
            }
            let pick = match c.str(cx, "dist")?.as_deref() {
                None | Some("uniform") => {
                    if c.get("s").is_some() {
                        return Err(bad("s", "`s` applies to dist = \"zipf\"".into()));
                    }
                    Pick::Uniform
                }
                Some("zipf") => match c.f64(cx, "s")?.unwrap_or(1.0) {
                    s if s > 0.0 && s <= 20.0 => Pick::Zipf(s),
                    s => {
                        return Err(bad(
                            "s",
                            format!("s = {s} is impossible: the exponent must be in (0, 20]"),
                        ));
                    }
                },
                Some(o) => {
                    return Err(bad(
                        "dist",
                        format!("unknown distribution `{o}`: use \"uniform\" or \"zipf\""),
                    ));
                }
            };
            let distinct = c.bool(cx, "distinct")?.unwrap_or(false);
            if distinct && !matches!(size, Size::PerParent { .. }) {
                return Err(bad(
                    "distinct",
                    "`distinct` applies to child tables (distinct per parent row)".into(),
                ));
            }
            if distinct
                && let (Size::PerParent { count, .. }, Size::Rows(n)) = (size, &sizes[ti])
                && count.max() as u64 > *n
            {
                return Err(bad(
                    "distinct",
                    format!(
                        "impossible: up to {} distinct rows per parent, but `{t}` has only {n} rows",
                        count.max()
                    ),
                ));
            }
            Kind::Reference {
                table: ti,
                pick,
                distinct,
            }
        }
        _ => unreachable!("kind names come from KINDS"),
    })
}

/// Every table used as a parent or reference needs a single-column key.
fn check_keys(cx: &Ctx, raws: &[RawTable], tables: &[Table]) -> PResult<()> {
    for (i, t) in tables.iter().enumerate() {
        let mut targets = Vec::new();
        if let Size::PerParent { parent, .. } = t.size {
            targets.push(parent);
        }
        for c in &t.columns {
            if let Kind::Reference { table, .. } = c.kind {
                targets.push(table);
            }
        }
        for ti in targets {
            if tables[ti].primary_key.len() != 1 {
                return Err(cx.err(raws[i].obj.span.clone(), &raws[i].obj.path, format!(
                    "`{}` refers to `{}`, whose primary key has {} columns; a referenced table needs a one-column key",
                    t.name,
                    tables[ti].name,
                    tables[ti].primary_key.len()
                )));
            }
        }
    }
    Ok(())
}

fn topo_order(cx: &Ctx, raws: &[RawTable], tables: &[Table]) -> PResult<Vec<usize>> {
    fn deps(t: &Table) -> Vec<usize> {
        let mut d: Vec<usize> = t
            .columns
            .iter()
            .filter_map(|c| match c.kind {
                Kind::Reference { table, .. } => Some(table),
                _ => None,
            })
            .collect();
        if let Size::PerParent { parent, .. } = t.size {
            d.push(parent);
        }
        d
    }
    // 0 = unvisited, 1 = on the stack, 2 = done
    fn visit(
        i: usize,
        tables: &[Table],
        state: &mut [u8],
        out: &mut Vec<usize>,
    ) -> Result<(), usize> {
        match state[i] {
            2 => return Ok(()),
            1 => return Err(i),
            _ => {}
        }
        state[i] = 1;
        for d in deps(&tables[i]) {
            if d != i {
                visit(d, tables, state, out)?;
            }
        }
        state[i] = 2;
        out.push(i);
        Ok(())
    }
    let mut state = vec![0u8; tables.len()];
    let mut out = Vec::new();
    for i in 0..tables.len() {
        visit(i, tables, &mut state, &mut out).map_err(|at| {
            cx.err(raws[at].obj.span.clone(), &raws[at].obj.path, format!(
                "tables reference each other in a cycle through `{}`",
                raws[at].name
            ))
            .help("one side of the cycle must be nullable data, not a reference; remove one reference")
        })?;
    }
    Ok(out)
}
