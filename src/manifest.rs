//! `manifest.json` (ARCHITECTURE.md § Manifest): what was generated, from what, and digests
//! that let a target be checked without storing the data.

use crate::sink::ForeignKey;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub schema_version: u32,
    pub tool: String,
    pub version: String,
    pub profile: ProfileRef,
    pub seed: u64,
    /// Users in the whole data set (all shards).
    pub users: u64,
    pub shard: ShardInfo,
    pub format: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql_dialect: Option<String>,
    /// How `tables[].digest` is computed: the wrapping sum over rows of the
    /// xxh3-128 of each row's canonical encoding (kind byte, u32 length, bytes per
    /// field). Order-independent, and shard digests add up to the whole.
    pub digest_algorithm: String,
    pub tables: Vec<TableEntry>,
    pub hashes: Vec<HashEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passwords_file: Option<String>,
    pub encoding: crate::sink::Encoding,
    /// Present when edge cases were injected (ARCHITECTURE.md § Edge cases).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edge_cases: Option<EdgeSummary>,
    /// Rows set aside because the output could not hold a value.
    pub unrepresentable: Unrepresentable,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EdgeSummary {
    pub rate: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels_file: Option<String>,
    pub custom_files: Vec<String>,
    /// Injections per label.
    pub counts: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Unrepresentable {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub rows_skipped: u64,
    pub values_replaced: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProfileRef {
    pub name: String,
    pub source: String,
    pub digest: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardInfo {
    pub index: u64,
    pub count: u64,
    pub first_user: u64,
    pub users: u64,
    /// Root tables other than the users table (organizations, roles): `whole`
    /// in shard 1 (and an unsharded run), `none: in shard 1` in the others.
    /// Load shard 1 first: the other shards' rows reference them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup_tables: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableEntry {
    pub name: String,
    pub file: String,
    pub rows: u64,
    pub digest: String,
    pub primary_key: Vec<String>,
    pub foreign_keys: Vec<ForeignKeyEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ForeignKeyEntry {
    pub column: String,
    pub references_table: String,
    pub references_column: String,
}

impl From<&ForeignKey> for ForeignKeyEntry {
    fn from(f: &ForeignKey) -> Self {
        ForeignKeyEntry {
            column: f.column.clone(),
            references_table: f.references_table.clone(),
            references_column: f.references_column.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HashEntry {
    pub format: String,
    pub params: BTreeMap<String, String>,
    pub mode: crate::hash::HashMode,
    pub share: u32,
    /// Real hashes computed for the pool (0 unless mode is `pool`).
    pub pool_size: usize,
    /// Whether these hashes verify against the users' passwords.
    pub verifiable: bool,
    /// `profile` (the profile's parameters) or `light` (`--hash-cost light`).
    pub cost: String,
}

impl HashEntry {
    /// Describes the pools `generator::plan::build_pools` built from
    /// `profile`'s password mix (`light`: `--hash-cost light`).
    pub fn of_pools(
        profile: &crate::profile::Profile,
        pools: &[crate::hash::Pool],
        light: bool,
    ) -> Vec<HashEntry> {
        (profile.passwords.mix.iter().zip(pools))
            .map(|(m, p)| HashEntry {
                format: m.format.clone(),
                params: p.params.iter().cloned().collect(),
                mode: p.mode,
                share: m.share,
                pool_size: p.len(),
                verifiable: p.mode != crate::hash::HashMode::Shape,
                cost: if light { "light" } else { "profile" }.into(),
            })
            .collect()
    }
}

pub fn digest_hex(d: u128) -> String {
    format!("{d:032x}")
}
