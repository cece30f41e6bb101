//! `[activity]`: how often users sign in (for `jit`).

use super::*;

/// `[activity]`: how often users sign in (for `jit`).
pub(super) fn parse_activity(
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
pub(super) fn timestamp_to(k: &Kind) -> i64 {
    match k {
        Kind::Timestamp { to, .. } => *to,
        _ => 0,
    }
}
