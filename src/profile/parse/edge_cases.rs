//! `[edge_cases]`: the rate, weights and selections of edge cases.

use super::*;

pub(super) fn parse_edge(cx: &Ctx, root: &Obj, file: &str) -> PResult<crate::edge::EdgeConfig> {
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
