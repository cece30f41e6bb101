//! Which users a copy holds wrongly, and how: a pure function of (seed,
//! copy, user index), like an edge case's draw (ARCHITECTURE.md §
//! Determinism), so `consistency` knows the label of every difference it
//! finds by recomputing it.

use crate::profile::copies::{Copy, DriftKind};
use crate::profile::{Kind, Profile};
use crate::rng::{Rng, stream_key};
use crate::row::{FieldKind, RowBuf};

/// The drift of user `index` in `copy`, if any.
pub fn of(seed: u64, copy: &Copy, index: u64) -> Option<DriftKind> {
    let d = &copy.drift;
    if d.share <= 0.0 || d.kinds.is_empty() {
        return None;
    }
    let mut r = Rng::at(
        stream_key(seed, &format!("copy-drift:{}", copy.name)),
        index,
    );
    if !r.chance(d.share) {
        return None;
    }
    Some(d.kinds[r.below(d.kinds.len() as u64) as usize])
}

/// The user index whose key an orphan of user `index` takes: past the last
/// user, so no user of the primary has it (keys are bijections of the
/// index, ARCHITECTURE.md § Uniqueness).
pub fn orphan_index(users: u64, index: u64) -> u64 {
    users + index
}

/// An earlier address, distinct per user as the addresses are (a prefix
/// keeps them apart, where a changed domain could make two users' equal).
pub fn stale_email(email: &str) -> String {
    format!("old.{email}")
}

/// The address with every ASCII letter's case flipped (a form an old
/// signup page saved as typed).
pub fn case_changed(email: &str) -> String {
    email
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// The hash from before the last password change: an unsalted MD5's shape
/// (32 hex digits), as a legacy system left it.
pub fn old_hash(seed: u64, copy: &Copy, index: u64) -> String {
    let mut r = Rng::at(
        stream_key(seed, &format!("copy-old-hash:{}", copy.name)),
        index,
    );
    format!("{:016x}{:016x}", r.next_u64(), r.next_u64())
}

/// The fields `kind` changes in user `row`: (users column, value).
pub fn changes(
    profile: &Profile,
    seed: u64,
    copy: &Copy,
    index: u64,
    kind: DriftKind,
    row: &RowBuf,
) -> Vec<(usize, String)> {
    let cols = &profile.users().columns;
    let find = |f: &dyn Fn(&Kind) -> bool| {
        copy.fields
            .iter()
            .copied()
            .find(|c| f(&cols[*c].kind) && row.get(*c).0 != FieldKind::Null)
    };
    match kind {
        DriftKind::StaleEmail => find(&|k| matches!(k, Kind::Email))
            .map(|c| vec![(c, stale_email(row.get(c).1))])
            .unwrap_or_default(),
        DriftKind::EmailCase => find(&|k| matches!(k, Kind::Email))
            .map(|c| vec![(c, case_changed(row.get(c).1))])
            .unwrap_or_default(),
        DriftKind::OldHash => find(&|k| matches!(k, Kind::PasswordHash))
            .map(|c| vec![(c, old_hash(seed, copy, index))])
            .unwrap_or_default(),
        DriftKind::MissingUser | DriftKind::OrphanKey => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_values_differ() {
        for e in ["jane.doe@example.com", "ÉLODIE@例え.jp", "no-at-sign"] {
            assert_ne!(stale_email(e), e);
            assert_ne!(case_changed(e).as_str(), e, "{e}");
        }
    }
}
