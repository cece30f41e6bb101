//! Denormalized copies of the users (`[copies.NAME]`, docs/copies.md): each
//! user as a cache, a search index or a document store holds it, regenerated
//! from the plan (ARCHITECTURE.md § Ground truth is regenerated), with a
//! labelled share deliberately wrong (`drift.rs`). One file per store behind
//! `Store` (`redis`, `elastic`, `mongo`, `dynamo`); `write.rs` writes the
//! files each store's bulk tool reads.

pub mod drift;
pub mod dynamo;
pub mod elastic;
pub mod mongo;
pub mod redis;
pub mod source;
pub mod write;

use crate::profile::Profile;
use crate::profile::copies::{Copy, CopyKind, DriftKind, Embed, Part, Pattern};
use crate::row::{FieldKind, RowBuf};
use std::collections::HashMap;

/// One user as one copy holds it: the user's row with the copy's drift
/// applied, and the rows embedded with it.
pub struct Doc<'a> {
    pub index: u64,
    /// The entry's key (`user:{id}` rendered).
    pub key: String,
    pub user: &'a RowBuf,
    /// Fields the drift changed: (users column, value).
    pub changed: Vec<(usize, String)>,
    /// Rows of the users' child tables under this user, by table index.
    pub children: &'a [Vec<RowBuf>],
    /// A key of a user deleted from the primary (`copy.orphan-key`): the
    /// fields alone, no secondary keys and nothing embedded.
    pub orphan: bool,
    pub drift: Option<DriftKind>,
}

impl Doc<'_> {
    /// Users column `c` as this copy holds it.
    pub fn field(&self, c: usize) -> (FieldKind, &str) {
        match self.changed.iter().find(|(col, _)| *col == c) {
            Some((_, v)) => (FieldKind::Text, v.as_str()),
            None => self.user.get(c),
        }
    }
}

/// Renders a key pattern over a row; `None` when a column in it is NULL.
pub fn render_key(p: &Pattern, field: impl Fn(usize) -> (FieldKind, String)) -> Option<String> {
    let mut out = String::new();
    for part in &p.parts {
        match part {
            Part::Lit(s) => out.push_str(s),
            Part::Col(c) => match field(*c) {
                (FieldKind::Null, _) => return None,
                (_, v) => out.push_str(&v),
            },
        }
    }
    Some(out)
}

/// The rows of the lookup tables copies embed, by key (small: at most
/// 100,000 rows each, checked by the profile).
#[derive(Default)]
pub struct Lookups {
    tables: HashMap<usize, (Vec<RowBuf>, HashMap<String, usize>)>,
}

impl Lookups {
    pub fn new(profile: &Profile, g: &crate::generator::table::Gen) -> Lookups {
        let mut tables = HashMap::new();
        for c in &profile.copies {
            for e in &c.embed {
                if let Embed::Lookup { table, .. } = e
                    && !tables.contains_key(table)
                {
                    let (mut rows, mut keys) = (Vec::new(), HashMap::new());
                    let mut scratch = crate::generator::table::Scratch::default();
                    for i in 0..g.tables[*table].rows {
                        let mut row = RowBuf::default();
                        let id = crate::generator::table::RowId {
                            index: i,
                            parent: 0,
                            ordinal: 0,
                        };
                        g.row(*table, id, &mut row, &mut scratch);
                        let mut k = String::new();
                        g.push_key(*table, i, &mut k);
                        keys.insert(k, rows.len());
                        rows.push(row);
                    }
                    tables.insert(*table, (rows, keys));
                }
            }
        }
        Lookups { tables }
    }

    /// The row of `table` whose key is `key`.
    pub fn get(&self, table: usize, key: &str) -> Option<&RowBuf> {
        let (rows, keys) = self.tables.get(&table)?;
        keys.get(key).map(|i| &rows[*i])
    }
}

/// What a store's renderer reads besides the document.
pub struct Cx<'a> {
    pub profile: &'a Profile,
    pub copy: &'a Copy,
    pub lookups: &'a Lookups,
}

impl Cx<'_> {
    pub fn users_column(&self, c: usize) -> &str {
        &self.profile.users().columns[c].name
    }
}

/// A store's file format: one document (and its extra keys or items)
/// appended to `out`; `Err` names what the store cannot hold.
pub trait Store: Sync {
    fn kind(&self) -> CopyKind;
    /// The file name's end (`resp`, `ndjson`, `json`, `json.gz`).
    fn extension(&self) -> &'static str;
    fn render(&self, cx: &Cx, doc: &Doc, out: &mut Vec<u8>) -> Result<(), String>;
}

/// The one store of each kind.
pub fn store(kind: CopyKind) -> &'static dyn Store {
    match kind {
        CopyKind::Redis => &redis::Redis,
        CopyKind::Elasticsearch => &elastic::Elastic,
        CopyKind::Mongodb => &mongo::Mongo,
        CopyKind::Dynamodb => &dynamo::Dynamo,
    }
}

/// A field's value as JSON text (the `jsonl` sink's typing: numbers,
/// booleans and JSON columns bare, NULL as null, the rest strings).
pub fn push_json_value(out: &mut Vec<u8>, kind: FieldKind, s: &str) {
    match kind {
        FieldKind::Null => out.extend_from_slice(b"null"),
        FieldKind::Int | FieldKind::Bool | FieldKind::Json => out.extend_from_slice(s.as_bytes()),
        _ => crate::sink::jsonl::push_json_string(out, s),
    }
}

/// The columns of child table `t` a document embeds: all but its parent column.
pub fn child_columns(profile: &Profile, t: usize, parent_col: usize) -> Vec<usize> {
    (0..profile.tables[t].columns.len())
        .filter(|c| *c != parent_col)
        .collect()
}
