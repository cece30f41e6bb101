//! `[copies.NAME]`: denormalized copies of the users (a cache, a search
//! index, a document store) as the profile declares them, resolved against
//! the users table (docs/copies.md).

/// A store holding a copy of the users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyKind {
    /// A hash per user (`HSET`), secondary keys (`SET`), TTLs.
    Redis,
    /// A document per user in an index (`_bulk` NDJSON).
    Elasticsearch,
    /// A document per user in a collection (`mongoimport`, Extended JSON v2).
    Mongodb,
    /// Items in one table, single-table design (S3 import, DynamoDB JSON).
    Dynamodb,
}

impl CopyKind {
    pub const NAMES: [&'static str; 4] = ["redis", "elasticsearch", "mongodb", "dynamodb"];

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub fn from_name(s: &str) -> Option<CopyKind> {
        Some(match s {
            "redis" => CopyKind::Redis,
            "elasticsearch" => CopyKind::Elasticsearch,
            "mongodb" => CopyKind::Mongodb,
            "dynamodb" => CopyKind::Dynamodb,
            _ => return None,
        })
    }
}

/// One piece of a key pattern: literal text or a users column's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Lit(String),
    Col(usize),
}

/// A key pattern such as `user:{id}`: `{column}` is a users-table column.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub text: String,
    pub parts: Vec<Part>,
}

/// Related rows carried inside a user's document.
#[derive(Debug, Clone, PartialEq)]
pub enum Embed {
    /// A child table of the users table: an array of its rows (without the
    /// parent column), under the table's name.
    Children { table: usize, parent_col: usize },
    /// The row of a root table a users column references (`org_id` →
    /// `organizations`): an object under the table's name, null when the
    /// reference is.
    Lookup { column: usize, table: usize },
}

/// A kind of deliberate difference between a copy and the primary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DriftKind {
    /// The copy holds an earlier email.
    StaleEmail,
    /// The user is not in the copy.
    MissingUser,
    /// The copy also holds a key of a user deleted from the primary.
    OrphanKey,
    /// The copy holds a hash from before a password change.
    OldHash,
    /// The copy holds the email with its letters' case changed.
    EmailCase,
}

impl DriftKind {
    pub const ALL: [DriftKind; 5] = [
        DriftKind::StaleEmail,
        DriftKind::MissingUser,
        DriftKind::OrphanKey,
        DriftKind::OldHash,
        DriftKind::EmailCase,
    ];
    pub const NAMES: [&'static str; 5] = [
        "stale_email",
        "missing_user",
        "orphan_key",
        "old_hash",
        "email_case",
    ];

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The label it carries, like an edge case's (ARCHITECTURE.md § Edge cases).
    pub fn label(self) -> &'static str {
        [
            "copy.stale-email",
            "copy.missing-user",
            "copy.orphan-key",
            "copy.old-hash",
            "copy.email-case",
        ][self as usize]
    }

    /// What the drift does to a user's copy (`edge-cases list`).
    pub fn description(self) -> &'static str {
        [
            "the copy holds an earlier email, `old.<email>` (secondary keys follow it)",
            "the user is not in the copy at all: no key, no document",
            "the copy also holds the user's values under the key of a user deleted from the primary (an index past the last user)",
            "the copy holds a hash from before a password change: 32 hex digits, a legacy MD5's shape",
            "the copy holds the email with every ASCII letter's case flipped",
        ][self as usize]
    }

    pub fn from_name(s: &str) -> Option<DriftKind> {
        Self::NAMES
            .iter()
            .position(|n| *n == s)
            .map(|i| Self::ALL[i])
    }

    pub fn from_label(s: &str) -> Option<DriftKind> {
        Self::ALL.into_iter().find(|k| k.label() == s)
    }
}

/// `drift = { share = 0.005, kinds = [...] }`: a share of users whose copy
/// is wrong, each with one kind drawn uniformly from `kinds`.
#[derive(Debug, Clone, PartialEq)]
pub struct Drift {
    pub share: f64,
    pub kinds: Vec<DriftKind>,
}

/// `[copies.NAME]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Copy {
    pub name: String,
    pub kind: CopyKind,
    /// The key of a user's entry (Redis key, `_id`, partition key).
    pub key: Pattern,
    /// Users-table columns the copy holds, in this order.
    pub fields: Vec<usize>,
    /// Redis: keys pointing at the user's key (`user:email:{email}`).
    pub secondary: Vec<Pattern>,
    /// Redis: seconds every key of the copy lives (`EXPIRE`).
    pub ttl: Option<u64>,
    /// Document stores: related rows inside the user's document.
    pub embed: Vec<Embed>,
    /// The index (Elasticsearch), collection (MongoDB) or table (DynamoDB).
    pub collection: String,
    /// DynamoDB: the partition and sort key attribute names.
    pub partition_key: String,
    pub sort_key: String,
    pub drift: Drift,
}
