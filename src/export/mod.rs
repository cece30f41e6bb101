//! `understudy export --to <provider>` and `understudy assess`: each identity
//! provider's own import artefacts, with every user's hash re-encoded into the
//! provider's fields, or the user listed in `not-importable.csv` with the
//! reason and the consequence. One file per provider behind `Exporter`, one
//! line in `PROVIDERS`; which formats and parameters each provider takes is
//! data in `rules.rs`, read by export, assess and the rehearsal's HTTP bodies
//! alike (ARCHITECTURE.md § Module map).

pub mod assess;
pub mod auth0;
pub mod clerk;
pub mod cognito;
pub mod files;
pub mod firebase;
pub mod keycloak;
pub mod mfa;
pub mod okta;
pub mod rules;
pub mod run;
pub mod supabase;
pub mod user;

use crate::hash::{Encoded, HashFormat, Params};

pub use rules::{Accepted, Consequence, Reason, Refusal};
pub use user::{Fields, Made, Users};

/// The identity providers understudy writes import files for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Provider {
    Auth0,
    Okta,
    Firebase,
    Keycloak,
    Cognito,
    Clerk,
    Supabase,
}

impl Provider {
    pub const ALL: [Provider; 7] = [
        Provider::Auth0,
        Provider::Okta,
        Provider::Firebase,
        Provider::Keycloak,
        Provider::Cognito,
        Provider::Clerk,
        Provider::Supabase,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Provider::Auth0 => "auth0",
            Provider::Okta => "okta",
            Provider::Firebase => "firebase",
            Provider::Keycloak => "keycloak",
            Provider::Cognito => "cognito",
            Provider::Clerk => "clerk",
            Provider::Supabase => "supabase",
        }
    }

    /// The name people write (`Okta`, `AWS Cognito`…).
    pub fn title(self) -> &'static str {
        match self {
            Provider::Auth0 => "Auth0",
            Provider::Okta => "Okta",
            Provider::Firebase => "Firebase",
            Provider::Keycloak => "Keycloak",
            Provider::Cognito => "Cognito",
            Provider::Clerk => "Clerk",
            Provider::Supabase => "Supabase",
        }
    }

    pub fn parse(s: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.name() == s)
    }

    /// The provider's exporter (the registry: one line per provider).
    pub fn exporter(self) -> &'static dyn Exporter {
        PROVIDERS[Provider::ALL.iter().position(|p| *p == self).unwrap_or(0)]
    }
}

/// The registry: adding a provider is one file, one `Provider` variant, its
/// rules in `rules.rs` and one line here.
static PROVIDERS: [&dyn Exporter; 7] = [
    &auth0::Auth0,
    &okta::Okta,
    &firebase::Firebase,
    &keycloak::Keycloak,
    &cognito::Cognito,
    &clerk::Clerk,
    &supabase::Supabase,
];

/// A user's hash, the format it is in and the profile's parameters for it.
#[derive(Debug)]
pub struct UserHash<'a> {
    pub format: &'static dyn HashFormat,
    pub encoded: &'a Encoded,
    pub params: &'a Params,
}

impl std::fmt::Debug for dyn HashFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A linked social identity (`provider` google.com, github.com…; `subject`
/// the provider's user id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Social {
    pub provider: String,
    pub subject: String,
}

/// MFA factors and linked identities: exported where the provider takes them
/// (Auth0 `mfa_factors`, Clerk `totp_secret`/`backup_codes`, Firebase
/// `providerUserInfo`, Keycloak `federatedIdentities`). Filled from the
/// profile's columns of the identity-graph kinds when the profile has them
/// (`user::Fields::of` looks them up by kind); empty otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// Base32 (RFC 4648), no padding.
    pub totp_secret: Option<String>,
    pub backup_codes: Vec<String>,
    /// E.164.
    pub mfa_phone: Option<String>,
    pub social: Vec<Social>,
}

/// The fields of one user that identity providers take.
#[derive(Debug, Default)]
pub struct User<'a> {
    /// The users table's primary key (Auth0 `user_id`, Firebase `localId`…).
    pub key: Option<&'a str>,
    pub email: Option<&'a str>,
    pub username: Option<&'a str>,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub email_verified: Option<bool>,
    /// RFC 3339.
    pub created_at: Option<&'a str>,
    pub hash: Option<UserHash<'a>>,
    pub identity: Identity,
}

impl User<'_> {
    pub fn display_name(&self) -> Option<String> {
        match (self.first_name, self.last_name) {
            (Some(f), Some(l)) => Some(format!("{f} {l}")),
            (Some(x), None) | (None, Some(x)) => Some(x.to_string()),
            (None, None) => None,
        }
    }
}

/// How a provider's records go into files.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// File name inside the group's directory, before the number: `users`.
    pub stem: &'static str,
    pub extension: &'static str,
    /// What opens each file, goes between two records, closes each file.
    pub head: &'static str,
    pub separator: &'static str,
    pub tail: &'static str,
    /// The provider's documented limits per file (`None`: no limit).
    pub max_bytes: Option<u64>,
    pub max_records: Option<u64>,
}

impl Layout {
    /// The second-factor requests beside the records (Okta).
    pub const FACTORS: Layout = Layout {
        stem: "factors",
        ..Layout::NDJSON
    };

    /// One JSON request body per line, no limit per file (Okta, Clerk).
    pub const NDJSON: Layout = Layout {
        stem: "users",
        extension: "ndjson",
        head: "",
        separator: "\n",
        tail: "\n",
        max_bytes: None,
        max_records: None,
    };
}

/// An import script: `header`, then `line(group, file)` for every file of
/// every group, in order.
pub fn script(
    header: &str,
    groups: &[GroupFiles],
    mut line: impl FnMut(&GroupFiles, &str) -> String,
) -> String {
    let mut s = String::from(header);
    for g in groups {
        for f in &g.files {
            s.push_str(&line(g, f));
        }
    }
    s
}

/// One provider's import artefacts.
pub trait Exporter: Sync {
    fn provider(&self) -> Provider;
    fn layout(&self) -> Layout;
    /// One user's record (no separator). `accepted` is the rules' decision for
    /// the user's hash; `None` for a user without one.
    fn record(&self, u: &User, accepted: Option<&Accepted>) -> Vec<u8>;
    /// Requests a user's second factors need besides the record (Okta's
    /// Factors API, one line each in `factors-NNNN.ndjson`); none elsewhere.
    fn factors(&self, _u: &User) -> Vec<Vec<u8>> {
        Vec::new()
    }
    /// A file's head when it depends on the group (Cognito's CSV header).
    fn head(&self, _group: &str) -> String {
        self.layout().head.to_string()
    }
    /// What a group's import needs said (Firebase: its `auth:import`
    /// flags), from its first user's hash; recorded with the group.
    fn group_note(&self, _accepted: Option<&Accepted>) -> String {
        String::new()
    }
    /// The import instructions for the groups written: `import.sh` beside
    /// the files.
    fn commands(&self, groups: &[GroupFiles]) -> String;
}

/// A group of users imported together, and its files (paths relative to
/// the provider's directory).
#[derive(Debug, Clone, Default)]
pub struct GroupFiles {
    pub name: String,
    pub note: String,
    pub files: Vec<String>,
    pub users: u64,
}
