//! `[tables.*]`: sizes (rows, or per parent row), columns, primary keys, and
//! the load order that puts every table after the tables it references.

use super::*;

pub(super) const TABLE_KEYS: &[&str] = &[
    "rows",
    "parent",
    "per_parent",
    "primary_key",
    "locales",
    "columns",
];

pub(super) const DISTS: &[&str] = &["fixed", "uniform", "zipf", "bernoulli", "histogram"];

/// A table as read, before cross-table resolution.
pub(super) struct RawTable<'a> {
    pub(super) name: String,
    pub(super) obj: Obj<'a>,
}

/// `[tables.*]` as read, each checked for unknown keys; which one is the
/// users table.
pub(super) fn read_tables<'a>(
    cx: &Ctx,
    root: &Obj<'a>,
    users_name: &str,
) -> PResult<(Vec<RawTable<'a>>, usize)> {
    let tables_obj = root.table(cx, "tables")?.ok_or_else(|| {
        cx.err(Some(0..0), "tables", "the profile defines no tables")
            .help(format!("add a [tables.{users_name}.columns] section"))
    })?;
    let mut raws = Vec::new();
    for (tname, _) in tables_obj.t.iter() {
        let obj = tables_obj.table(cx, tname)?.expect("present");
        obj.only(cx, TABLE_KEYS, &format!("table `{tname}`"))?;
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

    Ok((raws, users_idx))
}

/// Every table's size. A parent may itself be a child table, at any depth
/// (ARCHITECTURE.md § Parents), as long as the chain ends at a root table.
pub(super) fn parse_sizes(
    cx: &Ctx,
    raws: &[RawTable],
    users_idx: usize,
    names: &[&str],
) -> PResult<Vec<Size>> {
    let mut sizes = Vec::new();
    for (i, r) in raws.iter().enumerate() {
        sizes.push(parse_size(cx, r, i == users_idx, names)?);
    }
    // Every chain of parents ends at a root table.
    for (i, r) in raws.iter().enumerate() {
        let mut chain = vec![i];
        while let Size::PerParent { parent, .. } = sizes[*chain.last().expect("start")] {
            if chain.contains(&parent) {
                chain.push(parent);
                let names: Vec<&str> = chain.iter().map(|&t| raws[t].name.as_str()).collect();
                return Err(cx
                    .err(
                        r.obj.item_span("parent"),
                        &r.obj.key_path("parent"),
                        format!("parents form a cycle: {}", names.join(" → ")),
                    )
                    .help("a chain of parents ends at a root table (the users table or one with `rows = N`)"));
            }
            chain.push(parent);
        }
    }
    Ok(sizes)
}

/// The tables in load order, and each table's new index by its old one.
pub(super) fn load_order(
    cx: &Ctx,
    raws: &[RawTable],
    tables: &[Table],
) -> PResult<(Vec<Table>, Vec<usize>)> {
    // Load order: a table after every table it references.
    let order = topo_order(cx, raws, tables)?;
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
    Ok((ordered, remap))
}

pub(super) fn parse_size(cx: &Ctx, r: &RawTable, is_users: bool, names: &[&str]) -> PResult<Size> {
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

pub(super) fn parse_count(cx: &Ctx, d: &Obj) -> PResult<CountDist> {
    let dist = d.str(cx, "dist")?.unwrap_or_else(|| "fixed".into());
    let bad = |key: &str, msg: String| cx.err(d.item_span(key), &d.key_path(key), msg);
    let allowed: &[&str] = match dist.as_str() {
        "fixed" => &["dist", "n"],
        "uniform" => &["dist", "min", "max"],
        "zipf" => &["dist", "min", "max", "s", "mean"],
        "bernoulli" => &["dist", "p"],
        "histogram" => &["dist", "weights"],
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
        "histogram" => histogram(cx, d, MAX)?,
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

/// `{ dist = "histogram", weights = { 0 = 120, 1 = 680, 2 = 150 } }`: each
/// count (at most `max`) with its weight.
fn histogram(cx: &Ctx, d: &Obj, max: u64) -> PResult<CountDist> {
    let bad = |msg: String| {
        cx.err(d.item_span("weights"), &d.key_path("weights"), msg)
            .help("e.g. weights = { 0 = 120, 1 = 680, 2 = 150 }: 120 parent rows with no child, 680 with one…")
    };
    let w = d
        .weights(cx, "weights")?
        .ok_or_else(|| bad("a histogram distribution needs `weights`".into()))?;
    let mut h = Vec::with_capacity(w.len());
    for (k, n) in w {
        match k.parse::<u64>() {
            Ok(c) if c <= max => h.push((c as u32, n)),
            _ => return Err(bad(format!("`{k}` is not a count of children (0–{max})"))),
        }
    }
    h.sort_unstable();
    h.dedup_by_key(|(k, _)| *k);
    Ok(CountDist::Histogram(h))
}

/// The exponent whose zipf mean on `min..=max` is `mean` (bisection: the mean
/// falls as s grows).
pub(super) fn solve_zipf(min: u32, max: u32, mean: f64) -> Option<f64> {
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

pub(super) fn parse_table(
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
        let column = parse_column(
            cx,
            &cols,
            cname,
            &columns,
            names,
            sizes,
            &size,
            &mut locales,
        )?;
        columns.push(column);
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
    let primary_key = primary_key(cx, r, &columns, &size)?;
    Ok(Table {
        name: r.name.clone(),
        size,
        columns,
        primary_key,
        locales,
    })
}

/// Column `cname` of `cols`: its kind (checked against the keys that kind
/// accepts), null rate and uniqueness. `earlier` are the columns before it.
#[allow(clippy::too_many_arguments)]
fn parse_column(
    cx: &Ctx,
    cols: &Obj,
    cname: &str,
    earlier: &[Column],
    names: &[&str],
    sizes: &[Size],
    size: &Size,
    locales: &mut Vec<(usize, u32)>,
) -> PResult<Column> {
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
    let kind = parse_kind(cx, &c, &kind_name, earlier, names, sizes, size, locales)?;
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
    Ok(Column {
        name: cname.to_string(),
        kind,
        null_rate,
    })
}

/// The table's `primary_key`, or the key its columns imply; never nullable.
fn primary_key(cx: &Ctx, r: &RawTable, columns: &[Column], size: &Size) -> PResult<Vec<usize>> {
    let o = &r.obj;
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
        None => default_pk(columns, size).ok_or_else(|| {
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
    Ok(primary_key)
}

pub(super) fn default_pk(columns: &[Column], size: &Size) -> Option<Vec<usize>> {
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

/// Every table used as a parent or reference needs a single-column key.
pub(super) fn check_keys(cx: &Ctx, raws: &[RawTable], tables: &[Table]) -> PResult<()> {
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

pub(super) fn topo_order(cx: &Ctx, raws: &[RawTable], tables: &[Table]) -> PResult<Vec<usize>> {
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
