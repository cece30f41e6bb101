//! Users regenerated from the plan as providers see them: the users table's
//! columns found by kind (email, username, names, phone, password hash) and by
//! conventional name (`email_verified`, `created_at`), the plaintext beside.

use super::{Identity, Social, User, UserHash};
use crate::error::{Error, Result};
use crate::generator::identity::IdentityGraph;
use crate::generator::table::{RowId, Scratch};
use crate::hash::Encoded;
use crate::profile::Kind;
use crate::row::{FieldKind, RowBuf};

/// Where the providers' fields are in the profile's users table.
#[derive(Debug, Clone)]
pub struct Fields {
    pub email: usize,
    pub username: Option<usize>,
    pub first: Option<usize>,
    pub last: Option<usize>,
    pub phone: Option<usize>,
    pub hash: Option<usize>,
    pub email_verified: Option<usize>,
    pub created_at: Option<usize>,
    /// The identity-graph columns (`totp_secret`, `backup_codes`,
    /// `mfa_phone`, a child table of linked identities), found by kind.
    pub identity: IdentityGraph,
}

impl Fields {
    pub fn of(plan: &crate::dataset::Plan) -> Result<Fields> {
        let cols = &plan.profile.tables[plan.generator.users_table].columns;
        let find = |f: &dyn Fn(&Kind) -> bool| cols.iter().position(|c| f(&c.kind));
        let named = |n: &str, f: &dyn Fn(&Kind) -> bool| {
            cols.iter().position(|c| c.name == n && f(&c.kind))
        };
        Ok(Fields {
            email: find(&|k| matches!(k, Kind::Email)).ok_or_else(|| {
                Error::usage(
                    "identity providers key users by email: the profile's users table needs a column of kind \"email\"",
                )
            })?,
            username: find(&|k| matches!(k, Kind::Username)),
            first: find(&|k| matches!(k, Kind::FirstName)),
            last: find(&|k| matches!(k, Kind::LastName)),
            phone: find(&|k| matches!(k, Kind::Phone)),
            hash: find(&|k| matches!(k, Kind::PasswordHash)),
            email_verified: named("email_verified", &|k| matches!(k, Kind::Bool { .. })),
            created_at: named("created_at", &|k| matches!(k, Kind::Timestamp { .. })),
            identity: IdentityGraph::new(&plan.profile),
        })
    }
}

/// Regenerates users one index at a time, reusing its buffers.
pub struct Users<'a> {
    plan: &'a crate::dataset::Plan,
    fields: &'a Fields,
    row: RowBuf,
    scratch: Scratch,
    key: String,
    encoded: Option<Encoded>,
}

/// One regenerated user: the provider's view, the plaintext, the edge labels.
pub struct Made<'u> {
    pub user: User<'u>,
    pub password: &'u str,
    pub labels: Vec<String>,
}

impl<'a> Users<'a> {
    pub fn new(plan: &'a crate::dataset::Plan, fields: &'a Fields) -> Users<'a> {
        let mut scratch = Scratch::default();
        scratch.want_password = true;
        Users {
            plan,
            fields,
            row: RowBuf::default(),
            scratch,
            key: String::new(),
            encoded: None,
        }
    }

    /// User `index` of the users table, with its linked identities
    /// (`linked`, from `Users::linked`; empty when not wanted).
    pub fn make(&mut self, index: u64, social: Vec<Social>) -> Made<'_> {
        let g = &self.plan.generator;
        let u = g.users_table;
        let id = RowId {
            index,
            parent: 0,
            ordinal: 0,
        };
        g.row(u, id, &mut self.row, &mut self.scratch);
        self.key.clear();
        g.push_key(u, index, &mut self.key);
        let row = &self.row;
        let f = self.fields;
        self.encoded = match (f.hash, self.scratch.mix) {
            (Some(h), Some(_)) if row.get(h).0 != FieldKind::Null => Some(Encoded {
                hash: row.get(h).1.to_string(),
                salt: self.scratch.salt().map(str::to_string),
            }),
            _ => None,
        };
        let text = |i: Option<usize>| {
            i.and_then(|i| {
                let (k, s) = row.get(i);
                (k != FieldKind::Null).then_some(s)
            })
        };
        let hash = self
            .encoded
            .as_ref()
            .zip(self.scratch.mix)
            .map(|(e, m)| UserHash {
                format: g.pools[m].format,
                encoded: e,
                params: &g.pools[m].params,
            });
        let user = User {
            key: Some(self.key.as_str()),
            email: text(Some(f.email)),
            username: text(f.username),
            first_name: text(f.first),
            last_name: text(f.last),
            phone: text(f.phone),
            email_verified: text(f.email_verified).map(|s| matches!(s, "true" | "t" | "1")),
            created_at: text(f.created_at),
            hash,
            identity: Identity {
                totp_secret: f.identity.totp_secret(row).map(canonical_base32),
                backup_codes: f.identity.backup_codes(row).unwrap_or_default(),
                mfa_phone: f.identity.mfa_phone(row).map(str::to_string),
                social,
            },
        };
        Made {
            user,
            password: &self.scratch.password,
            labels: self
                .scratch
                .injections
                .iter()
                .map(|i| g.edge_label(i.case).to_string())
                .collect(),
        }
    }
}

impl Users<'_> {
    /// The linked identities of each user in `range`, in order (one empty
    /// list per user when the profile has no table of them). One pass over
    /// the range's child rows: per user it would cost a scan of every
    /// earlier user's children.
    pub fn linked(&self, range: std::ops::Range<u64>) -> Vec<Vec<Social>> {
        let n = (range.end - range.start) as usize;
        if self.fields.identity.link_tables().next().is_none() {
            return vec![Vec::new(); n];
        }
        let mut out = Vec::with_capacity(n);
        self.fields
            .identity
            .for_users(&self.plan.generator, range, |_, id| {
                out.push(
                    id.linked
                        .iter()
                        .map(|l| Social {
                            provider: l.provider.clone(),
                            subject: l.subject.clone(),
                        })
                        .collect(),
                )
            });
        out
    }
}

/// A TOTP secret as providers take it (RFC 4648 base32: upper case, no
/// padding, no spaces): base32 is case-insensitive and its padding optional,
/// so this changes no secret, only how an export writes it.
fn canonical_base32(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '=')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}
