//! A view of one TOML table with its dotted path: typed getters whose
//! errors name the key and point at its position.

use super::*;

/// A view of one TOML table (or inline table) with its dotted path.
pub(super) struct Obj<'a> {
    pub(super) t: &'a dyn TableLike,
    pub(super) path: String,
    pub(super) span: Option<Range<usize>>,
}

impl<'a> Obj<'a> {
    pub(super) fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub(super) fn get(&self, key: &str) -> Option<&'a Item> {
        self.t.get(key)
    }

    pub(super) fn item_span(&self, key: &str) -> Option<Range<usize>> {
        self.t
            .get_key_value(key)
            .and_then(|(k, v)| v.span().or_else(|| k.span()))
            .or_else(|| self.span.clone())
    }

    pub(super) fn key_span(&self, key: &str) -> Option<Range<usize>> {
        self.t
            .get_key_value(key)
            .and_then(|(k, v)| k.span().or_else(|| v.span()))
            .or_else(|| self.span.clone())
    }

    /// Refuses any key not in `allowed`, suggesting the nearest one.
    pub(super) fn only(&self, cx: &Ctx, allowed: &[&str], what: &str) -> PResult<()> {
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

    pub(super) fn type_err(&self, cx: &Ctx, key: &str, want: &str) -> ProfileError {
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

    pub(super) fn str(&self, cx: &Ctx, key: &str) -> PResult<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some(Item::Value(Value::String(s))) => Ok(Some(s.value().clone())),
            Some(_) => Err(self.type_err(cx, key, "a string")),
        }
    }

    pub(super) fn f64(&self, cx: &Ctx, key: &str) -> PResult<Option<f64>> {
        match self.get(key) {
            None => Ok(None),
            Some(Item::Value(Value::Float(f))) => Ok(Some(*f.value())),
            Some(Item::Value(Value::Integer(i))) => Ok(Some(*i.value() as f64)),
            Some(_) => Err(self.type_err(cx, key, "a number")),
        }
    }

    pub(super) fn int(&self, cx: &Ctx, key: &str) -> PResult<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some(Item::Value(Value::Integer(i))) => Ok(Some(*i.value())),
            Some(_) => Err(self.type_err(cx, key, "an integer")),
        }
    }

    pub(super) fn uint(&self, cx: &Ctx, key: &str, max: u64) -> PResult<Option<u64>> {
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

    pub(super) fn bool(&self, cx: &Ctx, key: &str) -> PResult<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Item::Value(Value::Boolean(b))) => Ok(Some(*b.value())),
            Some(_) => Err(self.type_err(cx, key, "true or false")),
        }
    }

    pub(super) fn rate(&self, cx: &Ctx, key: &str) -> PResult<Option<f64>> {
        match self.f64(cx, key)? {
            Some(r) if !(0.0..=1.0).contains(&r) => Err(cx.err(
                self.item_span(key),
                &self.key_path(key),
                format!("{r} is not a rate: expected a number from 0.0 to 1.0"),
            )),
            r => Ok(r),
        }
    }

    pub(super) fn table(&self, cx: &Ctx, key: &str) -> PResult<Option<Obj<'a>>> {
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
    pub(super) fn weights(&self, cx: &Ctx, key: &str) -> PResult<Option<Vec<(String, u32)>>> {
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

    pub(super) fn strings(&self, cx: &Ctx, key: &str) -> PResult<Option<Vec<String>>> {
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
