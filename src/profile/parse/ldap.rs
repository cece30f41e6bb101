//! `[ldap]`: the users as a directory (`generate --format ldif`): the base DN
//! people entries go under, their RDN attribute, and the join table whose
//! references become groups.

use super::*;
use crate::profile::{DEFAULT_BASE_DN, Ldap, Rdn, Size};

/// Attribute types a base DN may use: each has a structural object class
/// its entry is written with (`domain`, `organization`, …).
pub const BASE_TYPES: &[&str] = &["dc", "o", "ou", "c", "l"];

pub(super) fn parse_ldap(cx: &Ctx, root: &Obj, tables: &[Table], users: usize) -> PResult<Ldap> {
    // A user is a group's member once: the reference must be distinct per user.
    let join = |t: &Table| {
        matches!(t.size, Size::PerParent { parent, .. } if parent == users)
            && t.columns
                .iter()
                .any(|c| matches!(c.kind, Kind::Reference { distinct: true, .. }))
    };
    let first_join = tables.iter().position(join);
    let Some(e) = root.table(cx, "ldap")? else {
        return Ok(Ldap {
            base_dn: DEFAULT_BASE_DN.into(),
            rdn: Rdn::Uid,
            groups: first_join,
        });
    };
    e.only(cx, &["base_dn", "rdn", "groups"], "[ldap]")?;
    let base_dn = e
        .str(cx, "base_dn")?
        .unwrap_or_else(|| DEFAULT_BASE_DN.into());
    check_base_dn(&base_dn).map_err(|m| {
        cx.err(e.item_span("base_dn"), &e.key_path("base_dn"), m)
            .help("e.g. base_dn = \"ou=people,dc=example,dc=org\" (RFC 4514; escape `,` as `\\,`)")
    })?;
    let rdn = match e.str(cx, "rdn")?.as_deref() {
        None | Some("uid") => Rdn::Uid,
        Some("mail") => Rdn::Mail,
        Some("cn+uid") => Rdn::CnUid,
        Some(o) => {
            let mut err = cx.err(
                e.item_span("rdn"),
                &e.key_path("rdn"),
                format!("unknown RDN `{o}`"),
            );
            if o == "cn" {
                err = err.help(
                    "cn alone is not unique (two people share a name): use cn+uid, a multi-valued RDN",
                );
            }
            return Err(err.help(format!("valid: {}", Rdn::NAMES.join(", "))));
        }
    };
    let groups = match e.str(cx, "groups")?.as_deref() {
        None => first_join,
        Some("") => None,
        Some(name) => match tables.iter().position(|t| t.name == name) {
            Some(t) if join(&tables[t]) => Some(t),
            found => {
                let why = if found.is_some() {
                    format!(
                        "`{name}` is not a join table of the users table (a child with a `distinct = true` reference)"
                    )
                } else {
                    format!("no table named `{name}`")
                };
                return Err(cx
                    .err(e.item_span("groups"), &e.key_path("groups"), why)
                    .help("groups come from a child table of the users table with a `reference` column marked `distinct = true` (e.g. user_roles); \"\" for none"));
            }
        },
    };
    Ok(Ldap {
        base_dn,
        rdn,
        groups,
    })
}

/// A base DN is one or more single-valued RDNs of the types in `BASE_TYPES`.
fn check_base_dn(dn: &str) -> std::result::Result<(), String> {
    let rdns = crate::dn::parse(dn).map_err(|e| format!("not a DN: {e}"))?;
    if rdns.is_empty() {
        return Err("the base DN is empty".into());
    }
    for rdn in &rdns {
        if rdn.len() > 1 {
            return Err("a base DN's RDNs are single-valued (no `+`)".into());
        }
        let ty = &rdn[0].0;
        if !BASE_TYPES.contains(&ty.as_str()) {
            return Err(format!(
                "`{ty}=` in a base DN: use {} (entries of domain, organization, organizationalUnit, country, locality)",
                BASE_TYPES.join(", ")
            ));
        }
    }
    Ok(())
}
