//! Elasticsearch/OpenSearch `_bulk` NDJSON: an action line
//! (`{"index":{"_index":…,"_id":…}}`) and the document's source line, every
//! line ending in `\n`; `write.rs` splits the files under `--copies-split`.
//! The document body (fields, embedded rows) is shared with MongoDB's.

use super::{Cx, Doc, Embed, Store, child_columns, push_json_value};
use crate::profile::copies::CopyKind;
use crate::row::{FieldKind, RowBuf};
use crate::sink::jsonl::push_json_string;

pub struct Elastic;

/// How a value is written: plain JSON, or MongoDB's Extended JSON v2
/// (timestamps as `{"$date": …}`).
#[derive(Clone, Copy, PartialEq)]
pub enum Style {
    Json,
    Extended,
}

fn push_value(out: &mut Vec<u8>, style: Style, kind: FieldKind, s: &str) {
    if style == Style::Extended && kind == FieldKind::Timestamp {
        out.extend_from_slice(b"{\"$date\":");
        push_json_string(out, s);
        out.push(b'}');
    } else {
        push_json_value(out, kind, s);
    }
}

fn push_row(out: &mut Vec<u8>, style: Style, names: &[&str], cols: &[usize], row: &RowBuf) {
    out.push(b'{');
    for (i, &c) in cols.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_json_string(out, names[c]);
        out.push(b':');
        let (k, v) = row.get(c);
        push_value(out, style, k, v);
    }
    out.push(b'}');
}

/// The members of a document after its opening `{` (and `_id` for MongoDB):
/// the copy's fields in order, then each embedded table.
pub fn push_members(cx: &Cx, doc: &Doc, out: &mut Vec<u8>, style: Style, mut first: bool) {
    let mut sep = |out: &mut Vec<u8>| {
        if !first {
            out.push(b',');
        }
        first = false;
    };
    for &c in &cx.copy.fields {
        sep(out);
        push_json_string(out, cx.users_column(c));
        out.push(b':');
        let (k, v) = doc.field(c);
        push_value(out, style, k, v);
    }
    if doc.orphan {
        return;
    }
    for e in &cx.copy.embed {
        match e {
            Embed::Children { table, parent_col } => {
                let t = &cx.profile.tables[*table];
                let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
                let cols = child_columns(cx.profile, *table, *parent_col);
                sep(out);
                push_json_string(out, &t.name);
                out.extend_from_slice(b":[");
                for (i, row) in doc.children[*table].iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    push_row(out, style, &names, &cols, row);
                }
                out.push(b']');
            }
            Embed::Lookup { column, table } => {
                let t = &cx.profile.tables[*table];
                sep(out);
                push_json_string(out, &t.name);
                out.push(b':');
                let (k, key) = doc.field(*column);
                match (k, cx.lookups.get(*table, key)) {
                    (FieldKind::Null, _) | (_, None) => out.extend_from_slice(b"null"),
                    (_, Some(row)) => {
                        let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
                        let cols: Vec<usize> = (0..t.columns.len()).collect();
                        push_row(out, style, &names, &cols, row);
                    }
                }
            }
        }
    }
}

impl Store for Elastic {
    fn kind(&self) -> CopyKind {
        CopyKind::Elasticsearch
    }

    fn extension(&self) -> &'static str {
        "ndjson"
    }

    fn render(&self, cx: &Cx, doc: &Doc, out: &mut Vec<u8>) -> Result<(), String> {
        out.extend_from_slice(b"{\"index\":{\"_index\":");
        push_json_string(out, &cx.copy.collection);
        out.extend_from_slice(b",\"_id\":");
        push_json_string(out, &doc.key);
        out.extend_from_slice(b"}}\n{");
        push_members(cx, doc, out, Style::Json, true);
        out.extend_from_slice(b"}\n");
        Ok(())
    }
}
