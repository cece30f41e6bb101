//! One column of the source as a profile column: its kind from its name,
//! its declared type and its keys, and its statistics measured inside the
//! database (`target::catalog` stats). Every statistic read is named in
//! `Col::read` for the profile's "what was read" section; a type with no
//! natural kind maps to the closest kind with a warning (`Col::warning`).

use crate::target::DbResult;
use crate::target::catalog::{Catalog, Counts, Family};

/// Most groups an enum keeps; a column with more distinct values is text.
pub const ENUM_MAX: u64 = 50;
/// Groups under this many rows are merged into one `_other` token.
pub const MERGE_BELOW: u64 = 10;
/// Mean characters per generated text word, space included (measured on
/// the generator's word list).
pub const CHARS_PER_WORD: f64 = 7.1;
/// Values of a text column tried as JSON.
pub const JSON_SAMPLE: u64 = 1000;

/// What a column is, before its statistics.
#[derive(Debug, Clone, PartialEq)]
pub enum Role {
    /// The table's own key (one column).
    Key,
    /// The foreign key to the table's parent.
    Parent,
    /// A foreign key to any table but the parent (a root, the users' tree,
    /// the table itself); `distinct` in a join table's key.
    Reference {
        table: String,
        distinct: bool,
    },
    Other,
}

#[derive(Debug, Default)]
pub struct Col {
    pub name: String,
    /// The inline table's body: `kind = "email", null_rate = 0.1`.
    pub body: String,
    /// Statistics taken, in words.
    pub read: Vec<String>,
    pub warning: Option<String>,
}

/// A column to infer.
pub struct Source<'a> {
    pub table: &'a str,
    pub name: &'a str,
    pub declared: &'a str,
    pub family: Family,
    pub role: Role,
    pub users_table: bool,
    /// A root table that is not the users table (a lookup table).
    pub lookup: bool,
    pub unique: bool,
    pub allow_values: bool,
}

fn lower_words(name: &str) -> Vec<String> {
    crate::discover::names::words(name)
}

/// Whether a users-table column's name says it holds password hashes.
pub fn is_password_hash(name: &str) -> bool {
    named(name, true) == Some("password_hash")
}

/// The kind a column's name suggests, for text-like columns.
fn named(name: &str, users: bool) -> Option<&'static str> {
    let w = lower_words(name);
    let has = |s: &str| w.iter().any(|x| x == s);
    let joined = w.join("_");
    Some(match joined.as_str() {
        _ if has("email") || has("mail") => "email",
        "username" | "user_name" | "login" | "handle" | "nickname" | "screen_name" => "username",
        "first_name" | "firstname" | "given_name" | "forename" => "first_name",
        "last_name" | "lastname" | "surname" | "family_name" => "last_name",
        "full_name" | "display_name" | "fullname" | "displayname" => "full_name",
        "name" if users => "full_name",
        _ if has("phone") || has("mobile") || has("telephone") => "phone",
        "country" | "country_code" => "country",
        _ if users
            && (has("password") || has("passwd") || joined == "hash" || joined == "pwd_hash") =>
        {
            "password_hash"
        }
        _ => return None,
    })
}

/// Round `v` down (`up` false) or up to two significant digits.
pub fn round2(v: f64, up: bool) -> i64 {
    if v == 0.0 {
        return 0;
    }
    let mag = 10f64.powi((v.abs().log10().floor() as i32 - 1).max(0));
    let x = v / mag;
    (if up { x.ceil() } else { x.floor() } * mag) as i64
}

/// `YYYY-MM` of a time the database printed (`2024-03-05 10:00:00+00`,
/// `2024-03-05T10:00:00Z`), or a unix time in seconds.
pub fn month_of(s: &str) -> Option<(i32, u32)> {
    let s = s.trim();
    if s.len() >= 7 && s.as_bytes()[4] == b'-' {
        let y = s[..4].parse().ok()?;
        let m = s[5..7].parse().ok()?;
        return (1..=12).contains(&m).then_some((y, m));
    }
    let secs: i64 = s.split('.').next()?.parse().ok()?;
    let days = secs.div_euclid(86_400);
    let (y, m, _) = crate::time::civil_from_days(days);
    Some((y as i32, m))
}

fn next_month((y, m): (i32, u32)) -> (i32, u32) {
    if m == 12 { (y + 1, 1) } else { (y, m + 1) }
}

fn months((y, m): (i32, u32)) -> i64 {
    y as i64 * 12 + m as i64 - 1
}

fn month_at(n: i64) -> (i32, u32) {
    (n.div_euclid(12) as i32, (n.rem_euclid(12) + 1) as u32)
}

/// The growth rate `r` (density ∝ e^(r·x) over 0..1) whose share of values
/// at or after `a` is `share`.
pub fn growth_rate(a: f64, share: f64) -> f64 {
    let after = |r: f64| {
        if r.abs() < 1e-9 {
            1.0 - a
        } else {
            ((r).exp() - (r * a).exp()) / (r.exp() - 1.0)
        }
    };
    let (mut lo, mut hi) = (-50.0, 50.0);
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if after(mid) < share {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

fn tokens(col: &str, sizes: &[u64]) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = Vec::new();
    let mut other = 0;
    for (i, n) in sizes.iter().enumerate() {
        if *n < MERGE_BELOW {
            other += n;
        } else {
            out.push((format!("{col}_{}", i + 1), *n));
        }
    }
    if other > 0 {
        out.push((format!("{col}_other"), other));
    }
    out
}

fn weights(values: &[(String, u64)]) -> String {
    let items: Vec<String> = values
        .iter()
        .map(|(v, n)| format!("{} = {}", super::write::key(v), (*n).min(u32::MAX as u64)))
        .collect();
    format!("{{ {} }}", items.join(", "))
}

impl Col {
    fn new(name: &str) -> Col {
        Col {
            name: name.to_string(),
            ..Col::default()
        }
    }
    fn warn(&mut self, w: String) {
        self.warning = Some(w);
    }
}

/// The null rate, when worth writing.
fn null_rate(c: &Counts) -> Option<f64> {
    if c.rows == 0 {
        return None;
    }
    let r = 1.0 - c.non_null as f64 / c.rows as f64;
    let r = (r * 1000.0).round() / 1000.0;
    (r > 0.0).then_some(r)
}

/// Whether a column's kind depends on its count of distinct values (text
/// whose name says nothing: an enum or text).
pub fn wants_distinct(s: &Source) -> bool {
    s.role == Role::Other && s.family.is_textual() && named(s.name, s.users_table).is_none()
}

/// Values of a column read to tell an enum from text before its groups are
/// counted (`Catalog::distinct_upto`).
pub const DISTINCT_SAMPLE: u64 = 10_000;

/// Infers one column, from its `counts` (`Catalog::counts_of`); distinct
/// values are counted here when `wants_distinct` (`u64::MAX` for more than
/// `ENUM_MAX` in the first `DISTINCT_SAMPLE`: too many for an enum).
pub fn infer(cat: &mut Catalog, s: &Source, mut counts: Counts) -> DbResult<Col> {
    let mut col = Col::new(s.name);
    let distinct = wants_distinct(s);
    if distinct {
        counts.distinct = cat
            .distinct_upto(s.table, s.name, ENUM_MAX, DISTINCT_SAMPLE, counts.rows)?
            .unwrap_or(u64::MAX);
    }
    col.read.push(if distinct {
        "rows, non-null, distinct (counts)".into()
    } else {
        "rows, non-null (counts)".into()
    });
    let mut body = kind(cat, s, &counts, &mut col)?;
    if let Some(r) = null_rate(&counts)
        && s.role != Role::Parent
        && s.role != Role::Key
    {
        body.push_str(&format!(", null_rate = {r}"));
    }
    if s.unique && s.role == Role::Other && body.contains("\"email\"") {
        body.push_str(", unique = true");
    }
    col.body = body;
    Ok(col)
}

fn kind(cat: &mut Catalog, s: &Source, counts: &Counts, col: &mut Col) -> DbResult<String> {
    match &s.role {
        Role::Parent => return Ok("kind = \"parent\"".into()),
        Role::Reference { table, distinct } => {
            let d = if *distinct { ", distinct = true" } else { "" };
            return Ok(format!(
                "kind = \"reference\", table = {}{d}",
                super::write::quoted(table)
            ));
        }
        Role::Key => return Ok(key_kind(cat, s, col)?.into()),
        Role::Other => {}
    }
    if s.family.is_textual()
        && let Some(k) = named(s.name, s.users_table)
    {
        if k == "email" {
            col.read
                .push("group sizes of the lowercased domain (counts only)".into());
        }
        if k == "password_hash" {
            col.read
                .push("format prefix and length of each hash, grouped (e.g. `$2y$10$`, 60)".into());
        }
        return Ok(format!("kind = \"{k}\""));
    }
    Ok(match s.family {
        Family::Uuid => "kind = \"uuid\"".into(),
        Family::Json => "kind = \"json\"".into(),
        Family::Bool => {
            let t = cat.true_count(s.table, s.name)?;
            col.read.push("true values (count)".into());
            let rate = t as f64 / counts.non_null.max(1) as f64;
            format!(
                "kind = \"bool\", rate = {}",
                (rate * 1000.0).round() / 1000.0
            )
        }
        Family::Time => time_kind(cat, s, counts, col)?,
        Family::Integer | Family::Number => {
            if s.family == Family::Number {
                col.warn(format!(
                    "{}.{}: type `{}` has no fractional kind: an int over its rounded range",
                    s.table, s.name, s.declared
                ));
            }
            int_kind(cat, s, col)?
        }
        Family::Text | Family::Other | Family::Binary => {
            if let Some(k) = text_as(cat, s, counts, col)? {
                return Ok(k);
            }
            if s.family != Family::Text {
                col.warn(format!(
                    "{}.{}: type `{}` has no natural kind: the closest, text or enum",
                    s.table, s.name, s.declared
                ));
            }
            text_kind(cat, s, counts, col)?
        }
    })
}

fn key_kind(cat: &mut Catalog, s: &Source, col: &mut Col) -> DbResult<&'static str> {
    Ok(match s.family {
        Family::Uuid => "kind = \"uuid\"",
        Family::Integer | Family::Number => "kind = \"sequence\"",
        _ => {
            let (mean, _, _) = cat.lengths(s.table, s.name)?;
            col.read.push("mean length (characters)".into());
            if (mean - 26.0).abs() < 0.5 {
                "kind = \"ulid\""
            } else {
                if (mean - 36.0).abs() >= 0.5 {
                    col.warn(format!(
                        "{}.{}: a key of type `{}`: generated as a UUID",
                        s.table, s.name, s.declared
                    ));
                }
                "kind = \"uuid\""
            }
        }
    })
}

fn int_kind(cat: &mut Catalog, s: &Source, col: &mut Col) -> DbResult<String> {
    let (lo, hi) = cat.range(s.table, s.name)?;
    col.read
        .push("least and greatest value (rounded to 2 significant digits)".into());
    let num = |v: Option<String>| v.and_then(|x| x.trim().parse::<f64>().ok());
    let (lo, hi) = (num(lo).unwrap_or(0.0), num(hi).unwrap_or(0.0));
    let (lo, mut hi) = (round2(lo, false), round2(hi, true));
    if hi < lo {
        hi = lo;
    }
    Ok(format!("kind = \"int\", min = {lo}, max = {hi}"))
}

fn time_kind(cat: &mut Catalog, s: &Source, counts: &Counts, col: &mut Col) -> DbResult<String> {
    let (lo, hi) = cat.range(s.table, s.name)?;
    col.read
        .push("earliest and latest time (rounded to months)".into());
    let (Some(lo), Some(hi)) = (
        lo.as_deref().and_then(month_of),
        hi.as_deref().and_then(month_of),
    ) else {
        if counts.non_null > 0 {
            col.warn(format!(
                "{}.{}: times of type `{}` not understood: the default range",
                s.table, s.name, s.declared
            ));
        }
        return Ok("kind = \"timestamp\"".into());
    };
    time_months(cat, s, counts, col, lo, hi)
}

/// `time_kind` over `YYYY-MM` text bounds.
fn time_from(
    cat: &mut Catalog,
    s: &Source,
    counts: &Counts,
    col: &mut Col,
    lo: &str,
    hi: &str,
) -> DbResult<String> {
    match (month_of(lo), month_of(hi)) {
        (Some(lo), Some(hi)) => time_months(cat, s, counts, col, lo, hi),
        _ => Ok("kind = \"timestamp\"".into()),
    }
}

fn time_months(
    cat: &mut Catalog,
    s: &Source,
    counts: &Counts,
    col: &mut Col,
    lo: (i32, u32),
    hi: (i32, u32),
) -> DbResult<String> {
    let hi = next_month(hi);
    let span = months(hi) - months(lo);
    let day = |(y, m): (i32, u32)| format!("{y:04}-{m:02}-01");
    let mut out = format!(
        "kind = \"timestamp\", from = \"{}\", to = \"{}\"",
        day(lo),
        day(hi)
    );
    if span >= 4 && counts.non_null >= 100 {
        let mid = month_at(months(lo) + span / 2);
        let after = cat.at_or_after(s.table, s.name, &day(mid))?;
        col.read
            .push("values after the range's middle month (count)".into());
        let a = (span / 2) as f64 / span as f64;
        let r = growth_rate(a, after as f64 / counts.non_null as f64);
        if r >= 0.3 {
            out.push_str(&format!(
                ", curve = \"growth\", growth = {}",
                (r.min(50.0) * 100.0).round() / 100.0
            ));
        }
    }
    Ok(out)
}

/// Whether a name suggests a time (`created_at`, `birth_date`, `updated`).
fn time_name(name: &str) -> bool {
    let w = lower_words(name);
    w.last().is_some_and(|l| {
        matches!(
            l.as_str(),
            "at" | "date" | "time" | "timestamp" | "on" | "created" | "updated" | "ts"
        )
    })
}

/// A text column that holds times (ISO text, as SQLite keeps them) or JSON
/// objects: that kind.
fn text_as(
    cat: &mut Catalog,
    s: &Source,
    counts: &Counts,
    col: &mut Col,
) -> DbResult<Option<String>> {
    if counts.non_null == 0 || s.family == Family::Binary {
        return Ok(None);
    }
    if time_name(s.name) {
        let (dated, lo, hi) = cat.month_range(s.table, s.name)?;
        col.read
            .push("values starting like a date (count), their earliest and latest month".into());
        if dated == counts.non_null
            && let (Some(lo), Some(hi)) = (lo, hi)
        {
            return Ok(Some(time_from(cat, s, counts, col, &lo, &hi)?));
        }
    }
    let c = crate::target::catalog::Column {
        name: s.name.to_string(),
        declared: s.declared.to_string(),
        family: s.family,
        nullable: true,
    };
    if cat.sql().may_hold_json(&c) {
        let (read, objects) = cat.json_objects(s.table, s.name, JSON_SAMPLE)?;
        col.read.push(format!(
            "how many of the first {JSON_SAMPLE} values are JSON objects (count)"
        ));
        if read > 0 && objects == read {
            return Ok(Some("kind = \"json\"".into()));
        }
    }
    Ok(None)
}

fn text_kind(cat: &mut Catalog, s: &Source, counts: &Counts, col: &mut Col) -> DbResult<String> {
    if s.allow_values && counts.distinct <= ENUM_MAX {
        let v = cat.group_values(s.table, s.name, ENUM_MAX)?;
        col.read
            .push("values with their counts (allowed by --allow-values)".into());
        return Ok(format!("kind = \"enum\", values = {}", weights(&v)));
    }
    if s.lookup && counts.distinct == counts.rows && counts.rows > 0 && counts.rows <= 1000 {
        let v: Vec<String> = (1..=counts.rows)
            .map(|i| super::write::quoted(&format!("{}_{i}", s.name)))
            .collect();
        return Ok(format!("kind = \"cycle\", values = [{}]", v.join(", ")));
    }
    if counts.distinct > 0 && counts.distinct <= ENUM_MAX && counts.distinct * 20 <= counts.non_null
    {
        let sizes = cat.group_sizes(s.table, s.name, ENUM_MAX)?;
        col.read.push("sizes of the groups of equal values (counts only; values replaced by tokens, groups under 10 rows merged)".into());
        return Ok(format!(
            "kind = \"enum\", values = {}",
            weights(&tokens(s.name, &sizes))
        ));
    }
    let (mean, _, max) = cat.lengths(s.table, s.name)?;
    col.read
        .push("mean and greatest length (characters)".into());
    let words = (mean / CHARS_PER_WORD).max(0.0);
    let (lo, hi) = if words < 1.0 {
        (0, 2)
    } else {
        let lo = (words * 0.5).floor() as u64;
        (lo, (2.0 * words).round() as u64 - lo)
    };
    let hi = hi.min((max as f64 / 2.0).ceil() as u64).max(lo);
    Ok(format!(
        "kind = \"text\", min_words = {lo}, max_words = {hi}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_months_growth_and_tokens() {
        assert_eq!((round2(1234.0, false), round2(1234.0, true)), (1200, 1300));
        assert_eq!((round2(7.0, false), round2(0.0, true)), (7, 0));
        assert_eq!(month_of("2024-03-05 10:00:00+00"), Some((2024, 3)));
        assert_eq!(month_of("2024-12-31T23:59:59Z"), Some((2024, 12)));
        assert_eq!(month_of("0"), Some((1970, 1)));
        assert!((growth_rate(0.5, 0.5)).abs() < 1e-6);
        let r = growth_rate(0.5, 0.731_058_6);
        assert!((r - 2.0).abs() < 0.01, "{r}");
        assert_eq!(
            tokens("status", &[900, 70, 9, 3]),
            [
                ("status_1".to_string(), 900),
                ("status_2".to_string(), 70),
                ("status_other".to_string(), 12)
            ]
        );
        assert_eq!(named("contact_email", false), Some("email"));
        assert_eq!(named("password_hash", true), Some("password_hash"));
        assert_eq!(named("password_hash", false), None);
    }
}
