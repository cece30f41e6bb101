//! A column's `kind` and the keys that kind accepts.

use super::*;

pub(super) const COMMON_COLUMN_KEYS: &[&str] = &["kind", "null_rate", "unique"];

/// Column kinds and the keys each accepts besides `kind`, `null_rate` and `unique`.
pub(super) const KINDS: &[(&str, &[&str])] = &[
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
    ("totp_secret", &["bytes"]),
    ("backup_codes", &["count", "format", "length"]),
    ("mfa_phone", &["countries"]),
    ("identity_provider", &["providers"]),
    ("identity_subject", &["provider"]),
    ("identity_email", &[]),
];

#[allow(clippy::too_many_arguments)]
pub(super) fn parse_kind(
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
        "timestamp" => timestamp(cx, c, earlier)?,
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
        "reference" => reference(cx, c, names, sizes, size)?,
        "totp_secret" | "backup_codes" | "mfa_phone" | "identity_provider" | "identity_subject"
        | "identity_email" => super::identity::parse_kind(cx, c, kind, earlier, size)?,
        _ => unreachable!("kind names come from KINDS"),
    })
}

/// `kind = "timestamp"`: a date range (or after an earlier timestamp column)
/// and a curve.
fn timestamp(cx: &Ctx, c: &Obj, earlier: &[Column]) -> PResult<Kind> {
    let bad = |key: &str, msg: String| cx.err(c.item_span(key), &c.key_path(key), msg);
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
            "`from` and `after` exclude each other: `after` starts at that column's value".into(),
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
    Ok(Kind::Timestamp {
        from,
        to,
        curve,
        after,
    })
}

/// `kind = "reference"`: the key of a row of any table (a root, a table of
/// a root's tree, or the table itself), picked uniformly or by Zipf over
/// its flat row indices (ARCHITECTURE.md § Parents).
fn reference(cx: &Ctx, c: &Obj, names: &[&str], sizes: &[Size], size: &Size) -> PResult<Kind> {
    let bad = |key: &str, msg: String| cx.err(c.item_span(key), &c.key_path(key), msg);
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
    if distinct && matches!(sizes[ti], Size::PerParent { .. }) {
        return Err(bad(
            "distinct",
            format!(
                "`{t}` is a child table: `distinct` references point at a root table, whose size is known"
            ),
        ));
    }
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
    Ok(Kind::Reference {
        table: ti,
        pick,
        distinct,
    })
}
