//! Profiles: a production-shaped schema (tables, columns, distributions,
//! password-hash mix) read from TOML, validated with positions, and resolved
//! into the plain structs the generator runs on.

pub mod copies;
mod parse;
pub mod shipped;

pub use parse::ProfileError;

use crate::error::{Error, Result};
use std::path::Path;

#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    /// Where it came from: a path, or `shipped:NAME`.
    pub source: String,
    /// sha256 of the profile text, hex.
    pub digest: String,
    pub domains: Vec<(String, u32)>,
    pub passwords: Passwords,
    /// Tables in load order: every table after the tables it references.
    pub tables: Vec<Table>,
    /// Index in `tables` of the table whose size is `--users`.
    pub users_table: usize,
    /// `[edge_cases]`: rate 0 (off) unless the profile or `--edge-rate` says otherwise.
    pub edge: crate::edge::EdgeConfig,
    /// `[activity]`: how often users sign in (`jit`).
    pub activity: Activity,
    /// `[ldap]`: the users as a directory (`generate --format ldif`).
    pub ldap: Ldap,
    /// `[thresholds] fail_on`: conditions in `--fail-on`'s syntax, held
    /// beside the flag's.
    pub thresholds: Vec<String>,
    /// `[copies.NAME]`: denormalized copies of the users (docs/copies.md).
    pub copies: Vec<copies::Copy>,
}

/// `[ldap]`: where people entries go in a directory and how they are named.
#[derive(Debug, Clone, PartialEq)]
pub struct Ldap {
    /// The RFC 4514 DN people entries go under, as the profile wrote it.
    pub base_dn: String,
    /// The RDN attribute of a person entry.
    pub rdn: Rdn,
    /// The join table (a child of the users table with a distinct
    /// reference) whose referenced rows become `groupOfNames` entries;
    /// `None`: no groups.
    pub groups: Option<usize>,
}

pub const DEFAULT_BASE_DN: &str = "ou=people,dc=example,dc=org";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rdn {
    /// `uid=<username or key>` (the default).
    Uid,
    /// `mail=<email>`.
    Mail,
    /// `cn=<name>+uid=<username or key>`: a multi-valued RDN.
    CnUid,
}

impl Rdn {
    pub const NAMES: [&'static str; 3] = ["uid", "mail", "cn+uid"];
}

/// Activity classes, from most to least active.
pub const CLASSES: [&str; 5] = ["daily", "weekly", "monthly", "rare", "dormant"];

/// `[activity]`: each user belongs to one class (deterministically, from the
/// seed and its index, or derived from its last sign-in time) and signs in on
/// a given simulated day with its class's rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    /// Explicit class shares (weights, `CLASSES` order); `None`: derived.
    pub shares: Option<[f64; 5]>,
    /// Probability of signing in on a given day, per class.
    pub rates: [f64; 5],
    /// Users-table column (a timestamp: the last sign-in) the class is derived
    /// from: a user whose last sign-in is within 1 day of `now` is daily,
    /// within 7 weekly, within 31 monthly, within 365 rare; older or NULL: dormant.
    pub from: Option<usize>,
    /// Reference time (unix seconds) for `from`: the column's `to` unless `now` is given.
    pub now: i64,
    /// Share of sign-ins that begin with a wrong password (then the right one).
    pub failed_login_share: f64,
    /// Share of users whose first sign-in goes through a password reset
    /// instead (they do not remember the legacy password).
    pub password_reset_share: f64,
}

/// Used when neither `classes` nor a last-sign-in column exists.
pub const DEFAULT_SHARES: [f64; 5] = [5.0, 15.0, 25.0, 30.0, 25.0];

impl Default for Activity {
    fn default() -> Activity {
        Activity {
            shares: None,
            rates: [0.9, 1.0 / 7.0, 1.0 / 30.0, 1.0 / 180.0, 0.0005],
            from: None,
            now: 0,
            failed_login_share: 0.05,
            password_reset_share: 0.0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Passwords {
    pub pool_size: usize,
    pub mix: Vec<HashMixEntry>,
}

#[derive(Debug, Clone)]
pub struct HashMixEntry {
    pub format: String,
    pub share: u32,
    pub params: Vec<(String, String)>,
    pub mode: Option<crate::hash::HashMode>,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub size: Size,
    pub columns: Vec<Column>,
    /// Column indices of the primary key.
    pub primary_key: Vec<usize>,
    /// Locale weights (indices into `generator::data::LOCALES`) for person columns.
    pub locales: Vec<(usize, u32)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Size {
    /// The users table: `--users N`.
    Users,
    /// A fixed-size lookup table (`rows = 12`).
    Rows(u64),
    /// Rows generated for each row of `parent`, a root table or itself a
    /// child table (any depth).
    PerParent { parent: usize, count: CountDist },
}

#[derive(Debug, Clone, PartialEq)]
pub enum CountDist {
    Fixed(u32),
    Uniform {
        min: u32,
        max: u32,
    },
    /// P(k) ∝ (k - min + 1)^-s for k in min..=max.
    Zipf {
        min: u32,
        max: u32,
        s: f64,
    },
    /// 0 or 1 (an optional one-to-one relation).
    Bernoulli {
        p: f64,
    },
    /// Each count with its weight (count ascending, counts distinct): a
    /// measured histogram (`profiles infer`).
    Histogram(Vec<(u32, u32)>),
}

impl CountDist {
    /// The exact mean, for the docs and the manifest.
    pub fn mean(&self) -> f64 {
        match *self {
            CountDist::Fixed(n) => n as f64,
            CountDist::Uniform { min, max } => (min + max) as f64 / 2.0,
            CountDist::Bernoulli { p } => p,
            CountDist::Zipf { min, max, s } => {
                let (mut num, mut den) = (0.0, 0.0);
                for k in min..=max {
                    let w = ((k - min + 1) as f64).powf(-s);
                    num += k as f64 * w;
                    den += w;
                }
                num / den
            }
            CountDist::Histogram(ref h) => {
                let total: f64 = h.iter().map(|(_, w)| *w as f64).sum();
                h.iter().map(|(k, w)| *k as f64 * *w as f64).sum::<f64>() / total.max(1.0)
            }
        }
    }

    pub fn max(&self) -> u32 {
        match *self {
            CountDist::Fixed(n) => n,
            CountDist::Uniform { max, .. } | CountDist::Zipf { max, .. } => max,
            CountDist::Bernoulli { .. } => 1,
            CountDist::Histogram(ref h) => h.iter().map(|(k, _)| *k).max().unwrap_or(0),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
    pub null_rate: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Curve {
    Uniform,
    /// Exponential growth: density ∝ e^(rate·x) over the range.
    Growth(f64),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Pick {
    Uniform,
    Zipf(f64),
}

#[derive(Debug, Clone)]
pub enum Kind {
    Uuid,
    Sequence {
        start: i64,
    },
    Ulid,
    FirstName,
    LastName,
    FullName,
    Email,
    Username,
    Phone,
    Country {
        names: bool,
    },
    Timestamp {
        from: i64,
        to: i64,
        curve: Curve,
        after: Option<usize>,
    },
    Bool {
        rate: f64,
    },
    Enum {
        values: Vec<(String, u32)>,
    },
    /// Row i takes `values[i % len]`: lookup tables with unique names.
    Cycle {
        values: Vec<String>,
    },
    Int {
        min: i64,
        max: i64,
    },
    Text {
        min_words: u32,
        max_words: u32,
    },
    Json,
    PasswordHash,
    /// The salt of the row's hash, for formats that keep it in its own column
    /// (NULL for the others).
    PasswordSalt,
    /// The parent row's primary key (child tables).
    Parent,
    /// The primary key of a row of another root table.
    Reference {
        table: usize,
        pick: Pick,
        distinct: bool,
    },
    /// A TOTP shared secret (RFC 6238): `bytes` random bytes in RFC 4648
    /// base32, without padding.
    TotpSecret {
        bytes: u32,
    },
    /// One-time recovery codes: a JSON array of `count` distinct codes.
    BackupCodes {
        count: u32,
        format: CodeFormat,
        length: u32,
    },
    /// An E.164 number in a range reserved for fiction
    /// (`data::FICTIONAL_PHONES`). `countries`: weights over that table;
    /// empty: the row's person's country when it has a range, else
    /// `data::FICTIONAL_PHONE_DEFAULT_WEIGHTS`.
    MfaPhone {
        countries: Vec<(usize, u32)>,
    },
    /// A linked social identity's provider: weights over
    /// `data::IDENTITY_PROVIDERS`; in a child table, distinct per parent row.
    IdentityProvider {
        providers: Vec<(usize, u32)>,
    },
    /// The provider's user id for the row's provider (the column at index
    /// `provider`, an `identity_provider` column of the same table), in that
    /// provider's shape; unique per provider.
    IdentitySubject {
        provider: usize,
    },
    /// The parent row's email (the user's), copied: column `column` of the
    /// parent table.
    IdentityEmail {
        column: usize,
    },
}

/// How backup codes are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeFormat {
    /// `length` decimal digits (`12345678`).
    Digits,
    /// Two dash-joined groups of lowercase letters and digits
    /// (`k3f9-x2qm`), `length` characters without the dash.
    Groups,
}

impl Kind {
    /// The field name edge cases' `fields` use for this column kind.
    pub fn edge_field(&self) -> Option<&'static str> {
        Some(match self {
            Kind::Email => "email",
            Kind::FirstName => "first_name",
            Kind::LastName => "last_name",
            Kind::FullName => "full_name",
            Kind::Username => "username",
            Kind::Text { .. } => "text",
            Kind::PasswordHash => "password",
            Kind::TotpSecret { .. } => "totp_secret",
            Kind::MfaPhone { .. } => "mfa_phone",
            _ => return None,
        })
    }
}

impl Kind {
    /// The SQL-ish type family, used by sinks to write DDL.
    pub fn sql_type(&self) -> SqlType {
        match self {
            Kind::Uuid => SqlType::Uuid,
            Kind::Sequence { .. } | Kind::Int { .. } => SqlType::BigInt,
            Kind::Timestamp { .. } => SqlType::Timestamp,
            Kind::Bool { .. } => SqlType::Bool,
            Kind::Json => SqlType::Json,
            Kind::Email => SqlType::Varchar(320),
            Kind::Ulid => SqlType::Varchar(26),
            Kind::Country { names: false } => SqlType::Varchar(2),
            Kind::Phone | Kind::MfaPhone { .. } => SqlType::Varchar(20),
            Kind::TotpSecret { .. } => SqlType::Varchar(128),
            Kind::BackupCodes { .. } => SqlType::Json,
            Kind::IdentityProvider { .. } => SqlType::Varchar(32),
            Kind::IdentitySubject { .. } => SqlType::Varchar(64),
            Kind::IdentityEmail { .. } => SqlType::Varchar(320),
            Kind::Parent | Kind::Reference { .. } => SqlType::Key,
            Kind::Text { .. } => SqlType::Text,
            _ => SqlType::Varchar(255),
        }
    }

    /// Kinds that are unique by construction (ARCHITECTURE.md § Uniqueness).
    pub fn is_unique(&self) -> bool {
        matches!(
            self,
            Kind::Uuid | Kind::Sequence { .. } | Kind::Ulid | Kind::Email | Kind::Username
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SqlType {
    Uuid,
    BigInt,
    Timestamp,
    Bool,
    Json,
    Varchar(u32),
    Text,
    /// The type of the referenced primary key (resolved by the sink).
    Key,
}

impl Profile {
    /// The most rows table `t` can have with `users` users: its exact size
    /// for a root table, the parent's bound times the largest per-parent
    /// count for a child. `None` when that does not fit in a u64.
    pub fn max_rows(&self, t: usize, users: u64) -> Option<u64> {
        match &self.tables[t].size {
            Size::Users => Some(users),
            Size::Rows(n) => Some(*n),
            Size::PerParent { parent, count } => self
                .max_rows(*parent, users)?
                .checked_mul(count.max() as u64),
        }
    }

    /// `--profile` takes a path or a shipped profile's name.
    pub fn load(spec: &str) -> Result<Profile> {
        let path = Path::new(spec);
        if path.exists() || spec.contains('/') || spec.ends_with(".toml") {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Error::usage(format!(
                    "cannot read profile {spec}: {e}\n  shipped profiles: {}",
                    shipped::names().join(", ")
                ))
            })?;
            return Profile::from_str(&text, spec);
        }
        match shipped::get(spec) {
            Some(text) => Profile::from_str(text, &format!("shipped:{spec}")),
            None => {
                let names = shipped::names();
                let hint = crate::util::did_you_mean(spec, names.iter().copied())
                    .map(|s| format!("did you mean `{s}`? "))
                    .unwrap_or_default();
                Err(Error::usage(format!(
                    "no profile named `{spec}` and no such file\n  {hint}shipped profiles: {}; or pass a path to a .toml file",
                    names.join(", ")
                )))
            }
        }
    }

    pub fn from_str(text: &str, source: &str) -> Result<Profile> {
        parse::parse(text, source).map_err(|e| Error::usage(e.to_string()))
    }

    pub fn users(&self) -> &Table {
        &self.tables[self.users_table]
    }

    pub fn table_index(&self, name: &str) -> Option<usize> {
        self.tables.iter().position(|t| t.name == name)
    }
}
