//! `[copies.NAME]`: denormalized copies of the users (docs/copies.md), each
//! resolved against the users table: its key pattern, fields, embedded
//! tables and drift.

use super::*;
use crate::profile::copies::*;

const KEYS: &[&str] = &[
    "kind",
    "key",
    "fields",
    "secondary",
    "ttl",
    "embed",
    "index",
    "collection",
    "table",
    "partition_key",
    "sort_key",
    "drift",
];

pub(super) fn parse_copies(
    cx: &Ctx,
    root: &Obj,
    tables: &[Table],
    users: usize,
) -> PResult<Vec<Copy>> {
    let Some(all) = root.table(cx, "copies")? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (name, _) in all.t.iter() {
        let c = all
            .table(cx, name)?
            .expect("iterated from the table itself");
        out.push(parse_copy(cx, &c, name, tables, users)?);
    }
    Ok(out)
}

fn parse_copy(cx: &Ctx, c: &Obj, name: &str, tables: &[Table], users: usize) -> PResult<Copy> {
    c.only(cx, KEYS, &format!("[copies.{name}]"))?;
    let kind_name = c.str(cx, "kind")?.ok_or_else(|| {
        cx.err(c.span.clone(), &c.path, "missing `kind`")
            .help(format!("kind = one of {}", CopyKind::NAMES.join(", ")))
    })?;
    let kind = CopyKind::from_name(&kind_name).ok_or_else(|| {
        let mut e = cx.err(
            c.item_span("kind"),
            &c.key_path("kind"),
            format!("unknown copy kind `{kind_name}`"),
        );
        if let Some(s) = did_you_mean(&kind_name, CopyKind::NAMES.iter().copied()) {
            e = e.help(format!("did you mean `{s}`?"));
        }
        e.help(format!("valid: {}", CopyKind::NAMES.join(", ")))
    })?;
    let ut = &tables[users];
    check_applies(cx, c, kind)?;
    let pk_name = &ut.columns[ut.primary_key[0]].name;
    let default_key = match kind {
        CopyKind::Redis | CopyKind::Dynamodb => format!("user:{{{pk_name}}}"),
        _ => format!("{{{pk_name}}}"),
    };
    let key_text = c.str(cx, "key")?.unwrap_or(default_key);
    let key = pattern(cx, c, "key", &key_text, ut)?;
    let fields = match c.strings(cx, "fields")? {
        None => (0..ut.columns.len()).collect(),
        Some(names) => names
            .iter()
            .map(|n| column(cx, c, "fields", n, ut))
            .collect::<PResult<Vec<_>>>()?,
    };
    if let Some(dup) = fields
        .iter()
        .enumerate()
        .find(|(i, f)| fields[..*i].contains(f))
    {
        return Err(cx.err(
            c.item_span("fields"),
            &c.key_path("fields"),
            format!("`{}` is listed twice", ut.columns[*dup.1].name),
        ));
    }
    let secondary = c
        .strings(cx, "secondary")?
        .unwrap_or_default()
        .iter()
        .map(|s| pattern(cx, c, "secondary", s, ut))
        .collect::<PResult<Vec<_>>>()?;
    let ttl = c.uint(cx, "ttl", i64::MAX as u64)?;
    if ttl == Some(0) {
        return Err(cx
            .err(
                c.item_span("ttl"),
                &c.key_path("ttl"),
                "a TTL of 0 expires every key at once",
            )
            .help("leave `ttl` out for keys that do not expire"));
    }
    let embed = c
        .strings(cx, "embed")?
        .unwrap_or_default()
        .iter()
        .map(|s| embed(cx, c, s, tables, users))
        .collect::<PResult<Vec<_>>>()?;
    let collection = ["index", "collection", "table"]
        .iter()
        .map(|k| c.str(cx, k))
        .collect::<PResult<Vec<_>>>()?
        .into_iter()
        .flatten()
        .next()
        .unwrap_or_else(|| ut.name.clone());
    let partition_key = c.str(cx, "partition_key")?.unwrap_or_else(|| "pk".into());
    let sort_key = c.str(cx, "sort_key")?.unwrap_or_else(|| "sk".into());
    if kind == CopyKind::Mongodb {
        check_mongo_names(cx, c, &fields, &embed, tables, ut)?;
    }
    let drift = parse_drift(cx, c, &fields, ut)?;
    let pk = ut.primary_key[0];
    if drift.kinds.contains(&DriftKind::OrphanKey) && !key.parts.contains(&Part::Col(pk)) {
        return Err(cx
            .err(c.item_span("key"), &c.key_path("key"), format!(
                "drift `orphan_key` needs the key to hold the primary key `{}`: a deleted user's key is made from it",
                ut.columns[pk].name
            ))
            .help(format!("e.g. key = \"user:{{{}}}\"", ut.columns[pk].name)));
    }
    Ok(Copy {
        name: name.to_string(),
        kind,
        key,
        fields,
        secondary,
        ttl,
        embed,
        collection,
        partition_key,
        sort_key,
        drift,
    })
}

/// Keys that belong to other kinds of copy are refused, naming theirs.
fn check_applies(cx: &Ctx, c: &Obj, kind: CopyKind) -> PResult<()> {
    use CopyKind::*;
    for (key, kinds) in [
        ("secondary", &[Redis][..]),
        ("ttl", &[Redis]),
        ("embed", &[Elasticsearch, Mongodb, Dynamodb]),
        ("index", &[Elasticsearch]),
        ("collection", &[Mongodb]),
        ("table", &[Dynamodb]),
        ("partition_key", &[Dynamodb]),
        ("sort_key", &[Dynamodb]),
    ] {
        if c.get(key).is_some() && !kinds.contains(&kind) {
            let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
            return Err(cx.err(
                c.key_span(key),
                &c.key_path(key),
                format!(
                    "`{key}` applies to kind {}, not {}",
                    names.join(" or "),
                    kind.name()
                ),
            ));
        }
    }
    Ok(())
}

/// A users column by name, or the error listing them.
fn column(cx: &Ctx, c: &Obj, key: &str, name: &str, ut: &Table) -> PResult<usize> {
    ut.columns
        .iter()
        .position(|col| col.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = ut.columns.iter().map(|c| c.name.as_str()).collect();
            let mut e = cx.err(
                c.item_span(key),
                &c.key_path(key),
                format!("`{name}` is not a column of the users table `{}`", ut.name),
            );
            if let Some(s) = did_you_mean(name, names.iter().copied()) {
                e = e.help(format!("did you mean `{s}`?"));
            }
            e.help(format!("columns: {}", names.join(", ")))
        })
}

/// `user:{id}` → literal and column parts; at least one column.
fn pattern(cx: &Ctx, c: &Obj, key: &str, text: &str, ut: &Table) -> PResult<Pattern> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            parts.push(Part::Lit(rest[..open].to_string()));
        }
        let Some(close) = rest[open..].find('}') else {
            return Err(cx
                .err(
                    c.item_span(key),
                    &c.key_path(key),
                    format!("`{text}`: `{{` without `}}`"),
                )
                .help("e.g. \"user:{id}\""));
        };
        parts.push(Part::Col(column(
            cx,
            c,
            key,
            &rest[open + 1..open + close],
            ut,
        )?));
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Lit(rest.to_string()));
    }
    if !parts.iter().any(|p| matches!(p, Part::Col(_))) {
        return Err(cx
            .err(
                c.item_span(key),
                &c.key_path(key),
                format!("`{text}` names no column: every user would get the same key"),
            )
            .help("e.g. \"user:{id}\""));
    }
    Ok(Pattern {
        text: text.to_string(),
        parts,
    })
}

fn embed(cx: &Ctx, c: &Obj, name: &str, tables: &[Table], users: usize) -> PResult<Embed> {
    let err = |m: String| {
        cx.err(c.item_span("embed"), &c.key_path("embed"), m).help(
            "embed a child table of the users table (an array of its rows) or a table a users column references (an object)",
        )
    };
    let t = tables
        .iter()
        .position(|t| t.name == name)
        .ok_or_else(|| err(format!("no table named `{name}`")))?;
    if let Size::PerParent { parent, .. } = tables[t].size
        && parent == users
    {
        let parent_col = tables[t]
            .columns
            .iter()
            .position(|c| matches!(c.kind, Kind::Parent))
            .ok_or_else(|| err(format!("`{name}` has no parent column")))?;
        return Ok(Embed::Children {
            table: t,
            parent_col,
        });
    }
    let column = tables[users]
        .columns
        .iter()
        .position(|c| matches!(c.kind, Kind::Reference { table, .. } if table == t));
    match column {
        Some(column) if matches!(tables[t].size, Size::Rows(n) if n <= 100_000) => {
            Ok(Embed::Lookup { column, table: t })
        }
        Some(_) => Err(err(format!(
            "`{name}` is referenced by the users table but is not a lookup table of at most 100,000 rows"
        ))),
        None => Err(err(format!(
            "`{name}` is neither a child of the users table nor referenced by one of its columns"
        ))),
    }
}

/// `mongoimport` refuses field names starting with `$` or holding `.`.
fn check_mongo_names(
    cx: &Ctx,
    c: &Obj,
    fields: &[usize],
    embed: &[Embed],
    tables: &[Table],
    ut: &Table,
) -> PResult<()> {
    let mut names: Vec<&str> = fields
        .iter()
        .map(|f| ut.columns[*f].name.as_str())
        .collect();
    for e in embed {
        let t = match e {
            Embed::Children { table, .. } | Embed::Lookup { table, .. } => &tables[*table],
        };
        names.push(&t.name);
        names.extend(t.columns.iter().map(|c| c.name.as_str()));
    }
    if let Some(bad) = names.iter().find(|n| n.starts_with('$') || n.contains('.')) {
        return Err(cx.err(
            c.span.clone(),
            &c.path,
            format!("`{bad}`: MongoDB field names may not start with `$` or hold `.`"),
        ));
    }
    Ok(())
}

fn parse_drift(cx: &Ctx, c: &Obj, fields: &[usize], ut: &Table) -> PResult<Drift> {
    let Some(d) = c.table(cx, "drift")? else {
        return Ok(Drift {
            share: 0.0,
            kinds: Vec::new(),
        });
    };
    d.only(cx, &["share", "kinds"], &c.key_path("drift"))?;
    let share = d.rate(cx, "share")?.unwrap_or(0.0);
    let kinds = match d.strings(cx, "kinds")? {
        None => DriftKind::ALL.to_vec(),
        Some(names) => names
            .iter()
            .map(|n| {
                DriftKind::from_name(n).ok_or_else(|| {
                    let mut e = cx.err(
                        d.item_span("kinds"),
                        &d.key_path("kinds"),
                        format!("unknown drift kind `{n}`"),
                    );
                    if let Some(s) = did_you_mean(n, DriftKind::NAMES.iter().copied()) {
                        e = e.help(format!("did you mean `{s}`?"));
                    }
                    e.help(format!("valid: {}", DriftKind::NAMES.join(", ")))
                })
            })
            .collect::<PResult<Vec<_>>>()?,
    };
    if share > 0.0 && kinds.is_empty() {
        return Err(cx.err(
            d.item_span("kinds"),
            &d.key_path("kinds"),
            "no drift kind listed",
        ));
    }
    let held = |k: &dyn Fn(&Kind) -> bool| fields.iter().any(|f| k(&ut.columns[*f].kind));
    for k in &kinds {
        let (ok, what) = match k {
            DriftKind::StaleEmail | DriftKind::EmailCase => {
                (held(&|k| matches!(k, Kind::Email)), "an email column")
            }
            DriftKind::OldHash => (
                held(&|k| matches!(k, Kind::PasswordHash)),
                "a password_hash column",
            ),
            DriftKind::MissingUser | DriftKind::OrphanKey => (true, ""),
        };
        if !ok {
            return Err(cx
                .err(
                    d.item_span("kinds"),
                    &d.key_path("kinds"),
                    format!("drift `{}` needs {what} among the copy's fields", k.name()),
                )
                .help("add it to `fields`, or remove the drift kind"));
        }
    }
    Ok(Drift { share, kinds })
}
