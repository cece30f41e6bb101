//! A user's identity graph read back from generated rows by column *kind*,
//! never by name: its TOTP secret, backup codes, MFA phone, and the social
//! identities linked to it (rows of child tables of the users table with an
//! `identity_provider` and an `identity_subject` column). What an exporter
//! to an identity provider needs beyond the password hash.
//!
//! Two ways in: per row (`IdentityGraph::totp_secret(&user_row)`,
//! `IdentityGraph::linked(table, &row)`) for a caller with its own row
//! stream, or `IdentityGraph::for_users`, which walks the users' row stream
//! (`plan::rows_in`) and hands over each user with its identities gathered.

use super::plan::{child_offsets, rows_in};
use super::table::{Gen, RowId, Scratch};
use crate::profile::{Kind, Profile};
use crate::row::{FieldKind, RowBuf};
use serde::Serialize;

/// One linked social identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkedIdentity {
    /// `google.com`, `apple.com`, `facebook.com`, `github.com`,
    /// `microsoft.com`, `twitter.com` (Firebase's `providerId` names).
    pub provider: String,
    /// The provider's user id, in its shape (Google: 21 digits…).
    pub subject: String,
    /// The `identity_email` column's value, when the table has one and it
    /// is not NULL.
    pub email: Option<String>,
}

/// A user's second factors and linked identities.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UserIdentity {
    /// RFC 4648 base32 (no padding unless an edge case put it there).
    pub totp_secret: Option<String>,
    /// Empty when the user has none (NULL).
    pub backup_codes: Vec<String>,
    /// E.164 (`+` and digits), unless an edge case wrote it otherwise.
    pub mfa_phone: Option<String>,
    /// In row order.
    pub linked: Vec<LinkedIdentity>,
}

/// A users row as `for_users` hands it over, with what the generator left
/// beside it.
pub struct UserRow<'a> {
    pub index: u64,
    pub row: &'a RowBuf,
    /// The user's plaintext password (always derived here).
    pub password: &'a str,
    /// The salt of the row's hash when its format keeps it in a column.
    pub salt: Option<&'a str>,
    /// The entry of the password mix the hash came from.
    pub mix: Option<usize>,
}

#[derive(Debug, Clone)]
struct LinkTable {
    table: usize,
    provider: usize,
    subject: usize,
    email: Option<usize>,
}

/// Where a profile keeps its identity graph: column positions by kind.
#[derive(Debug, Clone)]
pub struct IdentityGraph {
    users: usize,
    totp: Option<usize>,
    codes: Option<usize>,
    phone: Option<usize>,
    links: Vec<LinkTable>,
}

fn first(cols: &[crate::profile::Column], f: impl Fn(&Kind) -> bool) -> Option<usize> {
    cols.iter().position(|c| f(&c.kind))
}

impl IdentityGraph {
    /// The users table's first `totp_secret`, `backup_codes` and `mfa_phone`
    /// columns, and every direct child table of the users table holding an
    /// `identity_subject` column (with its provider column and its first
    /// `identity_email` column).
    pub fn new(profile: &Profile) -> IdentityGraph {
        let users = profile.users_table;
        let cols = &profile.tables[users].columns;
        let links = profile
            .tables
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                matches!(t.size, crate::profile::Size::PerParent { parent, .. } if parent == users)
            })
            .filter_map(|(ti, t)| {
                let subject = first(&t.columns, |k| matches!(k, Kind::IdentitySubject { .. }))?;
                let Kind::IdentitySubject { provider } = t.columns[subject].kind else {
                    return None;
                };
                Some(LinkTable {
                    table: ti,
                    provider,
                    subject,
                    email: first(&t.columns, |k| matches!(k, Kind::IdentityEmail { .. })),
                })
            })
            .collect();
        IdentityGraph {
            users,
            totp: first(cols, |k| matches!(k, Kind::TotpSecret { .. })),
            codes: first(cols, |k| matches!(k, Kind::BackupCodes { .. })),
            phone: first(cols, |k| matches!(k, Kind::MfaPhone { .. })),
            links,
        }
    }

    /// Whether the profile has any identity-graph column.
    pub fn is_empty(&self) -> bool {
        self.totp.is_none() && self.codes.is_none() && self.phone.is_none() && self.links.is_empty()
    }

    /// The users table's index in the profile.
    pub fn users_table(&self) -> usize {
        self.users
    }

    /// The child tables whose rows are linked identities.
    pub fn link_tables(&self) -> impl Iterator<Item = usize> + '_ {
        self.links.iter().map(|l| l.table)
    }

    /// The TOTP secret of a users row; `None` when NULL or not in the profile.
    pub fn totp_secret<'r>(&self, user: &'r RowBuf) -> Option<&'r str> {
        text(user, self.totp)
    }

    /// The backup codes of a users row (the JSON array parsed); `None` when
    /// NULL or not in the profile.
    pub fn backup_codes(&self, user: &RowBuf) -> Option<Vec<String>> {
        serde_json::from_str(text(user, self.codes)?).ok()
    }

    /// The MFA phone of a users row; `None` when NULL or not in the profile.
    pub fn mfa_phone<'r>(&self, user: &'r RowBuf) -> Option<&'r str> {
        text(user, self.phone)
    }

    /// A users row's second factors (`linked` left empty).
    pub fn factors(&self, user: &RowBuf) -> UserIdentity {
        UserIdentity {
            totp_secret: self.totp_secret(user).map(str::to_string),
            backup_codes: self.backup_codes(user).unwrap_or_default(),
            mfa_phone: self.mfa_phone(user).map(str::to_string),
            linked: Vec::new(),
        }
    }

    /// The identity a row of table `table` holds: `None` unless `table` is a
    /// link table and the row's provider and subject are not NULL.
    pub fn linked(&self, table: usize, row: &RowBuf) -> Option<LinkedIdentity> {
        let l = self.links.iter().find(|l| l.table == table)?;
        Some(LinkedIdentity {
            provider: text(row, Some(l.provider))?.to_string(),
            subject: text(row, Some(l.subject))?.to_string(),
            email: text(row, l.email).map(str::to_string),
        })
    }

    /// Generates users `range` (with every table below them: the one row
    /// stream `generate` writes, ARCHITECTURE.md § Parents) and calls
    /// `f(user, identity)` once per user, in index order, after its linked
    /// identities are gathered. Any range of any size: the rows below users
    /// before `range.start` are counted, never generated.
    pub fn for_users(
        &self,
        generator: &Gen,
        range: std::ops::Range<u64>,
        mut f: impl FnMut(&UserRow, &UserIdentity),
    ) {
        let children = generator.descendants(self.users);
        let offsets = child_offsets(
            generator,
            &children,
            range.start,
            std::slice::from_ref(&range),
        );
        let base: Vec<u64> = offsets.iter().map(|o| o[0]).collect();
        let (mut row, mut scratch) = (RowBuf::default(), Scratch::default());
        scratch.want_password = true;
        // The user row waits for the rows below it (the stream reuses `row`).
        let mut held: Option<Held> = None;
        let mut identity = UserIdentity::default();
        let mut emit = |held: &mut Option<Held>, identity: &mut UserIdentity| {
            if let Some(h) = held.take() {
                let user = UserRow {
                    index: h.index,
                    row: &h.row,
                    password: &h.password,
                    salt: h.salt.as_deref(),
                    mix: h.mix,
                };
                f(&user, identity);
            }
            *identity = UserIdentity::default();
        };
        rows_in(
            generator,
            self.users,
            &children,
            range,
            &base,
            &mut row,
            &mut scratch,
            |t, id: RowId, row, scratch| {
                if t == self.users {
                    emit(&mut held, &mut identity);
                    identity = self.factors(row);
                    held = Some(Held {
                        index: id.index,
                        row: row.clone(),
                        password: scratch.password.clone(),
                        salt: scratch.salt().map(str::to_string),
                        mix: scratch.mix,
                    });
                } else if let Some(l) = self.linked(t, row) {
                    identity.linked.push(l);
                }
            },
        );
        emit(&mut held, &mut identity);
    }
}

/// A users row kept until the rows below it are read.
struct Held {
    index: u64,
    row: RowBuf,
    password: String,
    salt: Option<String>,
    mix: Option<usize>,
}

fn text(row: &RowBuf, col: Option<usize>) -> Option<&str> {
    match row.get(col?) {
        (FieldKind::Null, _) => None,
        (_, s) => Some(s),
    }
}
