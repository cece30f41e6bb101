//! The identity-graph kinds: `totp_secret`, `backup_codes`, `mfa_phone`, and
//! the linked social identities of a child table (`identity_provider`,
//! `identity_subject`, `identity_email`).

use super::*;
use crate::data::{FICTIONAL_PHONES, IDENTITY_PROVIDERS};

/// Smallest and largest TOTP secrets: RFC 4226 asks for at least 128 bits
/// (and recommends 160), but 80-bit secrets are common in the wild.
const TOTP_BYTES: (u64, u64) = (10, 64);

pub(super) fn parse_kind(
    cx: &Ctx,
    c: &Obj,
    kind: &str,
    earlier: &[Column],
    size: &Size,
) -> PResult<Kind> {
    let bad = |key: &str, msg: String| cx.err(c.item_span(key), &c.key_path(key), msg);
    Ok(match kind {
        "totp_secret" => {
            let bytes = c.uint(cx, "bytes", u64::MAX)?.unwrap_or(20);
            if !(TOTP_BYTES.0..=TOTP_BYTES.1).contains(&bytes) {
                return Err(bad(
                    "bytes",
                    format!(
                        "a TOTP secret of {bytes} bytes: use {} to {} (RFC 4226 recommends 20)",
                        TOTP_BYTES.0, TOTP_BYTES.1
                    ),
                ));
            }
            Kind::TotpSecret {
                bytes: bytes as u32,
            }
        }
        "backup_codes" => backup_codes(cx, c)?,
        "mfa_phone" => Kind::MfaPhone {
            countries: match c.weights(cx, "countries")? {
                None => Vec::new(),
                Some(w) => names_in(
                    cx,
                    c,
                    "countries",
                    w,
                    &phone_countries(),
                    "countries with a range reserved for fiction",
                )?,
            },
        },
        "identity_provider" => {
            let names: Vec<&str> = IDENTITY_PROVIDERS.iter().map(|p| p.0).collect();
            let providers = match c.weights(cx, "providers")? {
                None => IDENTITY_PROVIDERS
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (i, p.1))
                    .collect(),
                Some(w) => names_in(cx, c, "providers", w, &names, "providers")?,
            };
            let usable = providers.iter().filter(|p| p.1 > 0).count();
            if let Size::PerParent { count, .. } = size
                && count.max() as usize > usable
            {
                return Err(bad(
                    "kind",
                    format!(
                        "up to {} linked identities per parent row, but only {usable} providers: a user links each provider at most once",
                        count.max()
                    ),
                )
                .help("lower `per_parent`'s maximum or add providers"));
            }
            Kind::IdentityProvider { providers }
        }
        "identity_subject" => Kind::IdentitySubject {
            provider: provider_column(cx, c, earlier)?,
        },
        "identity_email" => {
            if !matches!(size, Size::PerParent { .. }) {
                return Err(bad(
                    "kind",
                    "an `identity_email` column copies the parent row's email: it belongs in a table with `parent = \"…\"`".into(),
                ));
            }
            // Resolved once every table is parsed (`resolve_emails`).
            Kind::IdentityEmail { column: usize::MAX }
        }
        _ => unreachable!("identity kinds only"),
    })
}

fn phone_countries() -> Vec<&'static str> {
    FICTIONAL_PHONES.iter().map(|p| p.country).collect()
}

/// Weights keyed by names from `known`, as indices into it.
fn names_in(
    cx: &Ctx,
    c: &Obj,
    key: &str,
    weights: Vec<(String, u32)>,
    known: &[&str],
    what: &str,
) -> PResult<Vec<(usize, u32)>> {
    weights
        .into_iter()
        .map(|(n, w)| match known.iter().position(|k| *k == n) {
            Some(i) => Ok((i, w)),
            None => {
                let mut e = cx.err(
                    c.item_span(key),
                    &c.key_path(key),
                    format!("`{n}` is not one of the {what}"),
                );
                if let Some(s) = did_you_mean(&n, known.iter().copied()) {
                    e = e.help(format!("did you mean `{s}`?"));
                }
                Err(e.help(format!("{what}: {}", known.join(", "))))
            }
        })
        .collect()
}

/// `kind = "backup_codes"`: `count` codes of `length` characters.
fn backup_codes(cx: &Ctx, c: &Obj) -> PResult<Kind> {
    let bad = |key: &str, msg: String| cx.err(c.item_span(key), &c.key_path(key), msg);
    let count = c.uint(cx, "count", 100)?.unwrap_or(10) as u32;
    if count == 0 {
        return Err(bad(
            "count",
            "at least 1 code (NULL a user's codes with null_rate)".into(),
        ));
    }
    let format = match c.str(cx, "format")?.as_deref() {
        None | Some("digits") => CodeFormat::Digits,
        Some("groups") => CodeFormat::Groups,
        Some(f) => {
            return Err(bad(
                "format",
                format!(
                    "unknown backup-code format `{f}`: use \"digits\" (12345678) or \"groups\" (k3f9-x2qm)"
                ),
            ));
        }
    };
    let length = c.uint(cx, "length", 32)?.unwrap_or(8) as u32;
    if length < 6 || (format == CodeFormat::Groups && length % 2 == 1) {
        return Err(bad(
            "length",
            format!("{length} characters: use at least 6 (and an even number for \"groups\")"),
        ));
    }
    Ok(Kind::BackupCodes {
        count,
        format,
        length,
    })
}

/// The `identity_provider` column a subject belongs to: `provider = "col"`,
/// or the only one declared before it.
fn provider_column(cx: &Ctx, c: &Obj, earlier: &[Column]) -> PResult<usize> {
    let providers: Vec<usize> = (0..earlier.len())
        .filter(|&i| matches!(earlier[i].kind, Kind::IdentityProvider { .. }))
        .collect();
    let listed = || {
        providers
            .iter()
            .map(|&i| earlier[i].name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match c.str(cx, "provider")? {
        Some(name) => providers
            .iter()
            .copied()
            .find(|&i| earlier[i].name == name)
            .ok_or_else(|| {
                cx.err(
                    c.item_span("provider"),
                    &c.key_path("provider"),
                    format!("`{name}` is not an identity_provider column declared before this one"),
                )
                .help(format!("identity_provider columns before it: {}", listed()))
            }),
        None => match providers.as_slice() {
            [one] => Ok(*one),
            [] => Err(cx
                .err(
                    c.item_span("kind"),
                    &c.key_path("kind"),
                    "an identity_subject column follows the identity_provider column whose subjects it holds",
                )
                .help("declare e.g. provider = { kind = \"identity_provider\" } before it")),
            _ => Err(cx
                .err(
                    c.item_span("kind"),
                    &c.key_path("kind"),
                    "several identity_provider columns precede this one: name it with `provider = \"…\"`",
                )
                .help(format!("identity_provider columns: {}", listed()))),
        },
    }
}

/// Points every `identity_email` column at its parent table's email column.
pub(super) fn resolve_emails(cx: &Ctx, raws: &[RawTable], tables: &mut [Table]) -> PResult<()> {
    for t in 0..tables.len() {
        let Size::PerParent { parent, .. } = tables[t].size else {
            continue;
        };
        let email = tables[parent]
            .columns
            .iter()
            .position(|c| matches!(c.kind, Kind::Email));
        for ci in 0..tables[t].columns.len() {
            let Kind::IdentityEmail { column } = &mut tables[t].columns[ci].kind else {
                continue;
            };
            match email {
                Some(e) => *column = e,
                None => {
                    let cols = raws[t].obj.table(cx, "columns")?.expect("parsed before");
                    let name = &tables[t].columns[ci].name;
                    return Err(cx
                        .err(
                            cols.key_span(name),
                            &cols.key_path(name),
                            format!(
                                "`{name}` copies the parent's email, but `{}` has no email column",
                                tables[parent].name
                            ),
                        )
                        .help("give the parent an email column (kind = \"email\")"));
                }
            }
        }
    }
    Ok(())
}
