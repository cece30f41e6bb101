//! `[passwords]`: the password-hash mix and its pool size.

use super::*;

pub(super) fn parse_passwords(cx: &Ctx, root: &Obj) -> PResult<Passwords> {
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
