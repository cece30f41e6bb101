//! Users regenerated with the rows copies embed, chunk by chunk, and turned
//! into each copy's documents (drift applied): what the files, the Redis
//! loader and `consistency` share.

use super::{Cx, Doc, Lookups, drift, render_key};
use crate::dataset::Plan;
use crate::generator::plan::{child_offsets, rows_in};
use crate::generator::table::{RowId, Scratch};
use crate::profile::copies::{Copy, DriftKind, Embed};
use crate::row::RowBuf;

/// The child tables of the users table that some copy embeds, in load order.
pub fn embedded_children(plan: &Plan) -> Vec<usize> {
    let g = &plan.generator;
    let u = g.users_table;
    let mut out: Vec<usize> = g
        .descendants(u)
        .into_iter()
        .filter(|t| {
            plan.profile.copies.iter().any(|c| {
                c.embed
                    .iter()
                    .any(|e| matches!(e, Embed::Children { table, .. } if table == t))
            })
        })
        .collect();
    out.dedup();
    out
}

/// Where each chunk's child rows start: per chunk, one first row per table
/// of `children` (computed from counts alone, ARCHITECTURE.md § Parents).
pub fn chunk_offsets(
    plan: &Plan,
    children: &[usize],
    chunks: &[std::ops::Range<u64>],
) -> Vec<Vec<u64>> {
    if children.is_empty() {
        return vec![Vec::new(); chunks.len()];
    }
    let per_child = child_offsets(&plan.generator, children, 0, chunks);
    (0..chunks.len())
        .map(|k| per_child.iter().map(|o| o[k]).collect())
        .collect()
}

/// One user with the rows copies embed, as generated.
pub struct UserRows {
    pub index: u64,
    pub row: RowBuf,
    /// Edge-case labels of the user row.
    pub labels: Vec<String>,
    /// By table index: the user's rows of each embedded child table.
    pub children: Vec<Vec<RowBuf>>,
}

/// Calls `f` for each user of `range` (whose child rows start at `base`),
/// in index order.
pub fn for_users(
    plan: &Plan,
    children: &[usize],
    range: std::ops::Range<u64>,
    base: &[u64],
    mut f: impl FnMut(&UserRows),
) {
    let g = &plan.generator;
    let u = g.users_table;
    let (mut row, mut scratch) = (RowBuf::default(), Scratch::default());
    let mut held: Option<UserRows> = None;
    let ntables = plan.profile.tables.len();
    rows_in(
        g,
        u,
        children,
        range,
        base,
        &mut row,
        &mut scratch,
        |t, id: RowId, row, scratch| {
            if t == u {
                if let Some(h) = held.take() {
                    f(&h);
                }
                held = Some(UserRows {
                    index: id.index,
                    row: row.clone(),
                    labels: scratch
                        .injections
                        .iter()
                        .map(|i| g.edge_label(i.case).to_string())
                        .collect(),
                    children: vec![Vec::new(); ntables],
                });
            } else if let Some(h) = held.as_mut() {
                h.children[t].push(row.clone());
            }
        },
    );
    if let Some(h) = held.take() {
        f(&h);
    }
}

/// The documents `copy` holds for user `u`: none (missing, or a key column
/// NULL), its own, and for an orphan drift a deleted user's key as well.
/// `orphan_row` is scratch space for that key's row.
pub fn docs<'a>(
    plan: &Plan,
    copy: &Copy,
    u: &'a UserRows,
    orphan_row: &'a mut RowBuf,
    mut f: impl FnMut(&Doc),
) {
    let (drift, changed) = effective_drift(plan, copy, u);
    if drift == Some(DriftKind::MissingUser) {
        return;
    }
    let mut doc = Doc {
        index: u.index,
        key: String::new(),
        user: &u.row,
        changed,
        children: &u.children,
        orphan: false,
        drift,
    };
    let Some(key) = render_key(&copy.key, |c| {
        let (k, v) = doc.field(c);
        (k, v.to_string())
    }) else {
        return;
    };
    doc.key = key;
    f(&doc);
    if drift == Some(DriftKind::OrphanKey) {
        orphan_of(plan, u, orphan_row);
        let key = render_key(&copy.key, |c| {
            let (k, v) = orphan_row.get(c);
            (k, v.to_string())
        });
        if let Some(key) = key {
            f(&Doc {
                index: u.index,
                key,
                user: orphan_row,
                changed: Vec::new(),
                children: &[],
                orphan: true,
                drift,
            });
        }
    }
}

/// The drift user `u` really has in `copy` with the fields it changes: a
/// change that would leave the value as it is (a case change of an address
/// without ASCII letters, a NULL email) is no drift.
pub fn effective_drift(
    plan: &Plan,
    copy: &Copy,
    u: &UserRows,
) -> (Option<DriftKind>, Vec<(usize, String)>) {
    let Some(kind) = drift::of(plan.seed, copy, u.index) else {
        return (None, Vec::new());
    };
    let changed = drift::changes(&plan.profile, plan.seed, copy, u.index, kind, &u.row);
    let changes_fields = matches!(
        kind,
        DriftKind::StaleEmail | DriftKind::EmailCase | DriftKind::OldHash
    );
    let noop =
        changes_fields && (changed.is_empty() || changed.iter().all(|(c, v)| u.row.get(*c).1 == v));
    if noop {
        (None, Vec::new())
    } else {
        (Some(kind), changed)
    }
}

/// The row of a user deleted from the primary: user `u`'s values under the
/// key of an index past the last user.
fn orphan_of(plan: &Plan, u: &UserRows, out: &mut RowBuf) {
    let g = &plan.generator;
    let t = g.users_table;
    let pk = plan.profile.users().primary_key[0];
    let mut key = String::new();
    g.push_key(t, drift::orphan_index(plan.users, u.index), &mut key);
    out.clone_from(&u.row);
    let kind = u.row.get(pk).0;
    out.set(pk, kind, &key);
}

/// The context stores render with.
pub fn cx<'a>(plan: &'a Plan, copy: &'a Copy, lookups: &'a Lookups) -> Cx<'a> {
    Cx {
        profile: &plan.profile,
        copy,
        lookups,
    }
}
