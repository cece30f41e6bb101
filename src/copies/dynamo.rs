//! DynamoDB: the S3 import's `DYNAMODB_JSON`, one `{"Item":{…}}` per line
//! with typed attributes (`S`, `N`, `BOOL`, `NULL`, `M`, `L`), gzip
//! (`write.rs`). Single-table design: the user's item (partition key the
//! copy's key, sort key `PROFILE`) and one item per embedded child row under
//! the same partition (sort key `<TABLE>#<its key>`); an embedded lookup row
//! is a map attribute of the user's item.

use super::{Cx, Doc, Embed, Store, child_columns};
use crate::profile::copies::CopyKind;
use crate::row::{FieldKind, RowBuf};
use crate::sink::jsonl::push_json_string;

pub struct Dynamo;

/// DynamoDB's largest item.
pub const MAX_ITEM: usize = 400 * 1024;

/// A JSON value as a typed attribute value.
fn push_typed_json(out: &mut Vec<u8>, v: &serde_json::Value) {
    use serde_json::Value as J;
    match v {
        J::Null => out.extend_from_slice(b"{\"NULL\":true}"),
        J::Bool(b) => out.extend_from_slice(if *b {
            b"{\"BOOL\":true}"
        } else {
            b"{\"BOOL\":false}"
        }),
        J::Number(n) => {
            out.extend_from_slice(b"{\"N\":");
            push_json_string(out, &n.to_string());
            out.push(b'}');
        }
        J::String(s) => {
            out.extend_from_slice(b"{\"S\":");
            push_json_string(out, s);
            out.push(b'}');
        }
        J::Array(a) => {
            out.extend_from_slice(b"{\"L\":[");
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                push_typed_json(out, x);
            }
            out.extend_from_slice(b"]}");
        }
        J::Object(o) => {
            out.extend_from_slice(b"{\"M\":{");
            for (i, (k, x)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                push_json_string(out, k);
                out.push(b':');
                push_typed_json(out, x);
            }
            out.extend_from_slice(b"}}");
        }
    }
}

/// A field as a typed attribute value.
pub fn push_typed(out: &mut Vec<u8>, kind: FieldKind, s: &str) {
    match kind {
        FieldKind::Null => out.extend_from_slice(b"{\"NULL\":true}"),
        FieldKind::Int => {
            out.extend_from_slice(b"{\"N\":\"");
            out.extend_from_slice(s.as_bytes());
            out.extend_from_slice(b"\"}");
        }
        FieldKind::Bool => {
            out.extend_from_slice(b"{\"BOOL\":");
            out.extend_from_slice(if s == "true" { b"true" } else { b"false" });
            out.push(b'}');
        }
        FieldKind::Json => match serde_json::from_str::<serde_json::Value>(s) {
            Ok(v) => push_typed_json(out, &v),
            Err(_) => push_typed(out, FieldKind::Text, s),
        },
        _ => {
            out.extend_from_slice(b"{\"S\":");
            push_json_string(out, s);
            out.push(b'}');
        }
    }
}

fn push_attr(out: &mut Vec<u8>, name: &str, kind: FieldKind, v: &str) {
    out.push(b',');
    push_json_string(out, name);
    out.push(b':');
    push_typed(out, kind, v);
}

fn open_item(out: &mut Vec<u8>, cx: &Cx, pk: &str, sk: &str) {
    out.extend_from_slice(b"{\"Item\":{");
    push_json_string(out, &cx.copy.partition_key);
    out.push(b':');
    push_typed(out, FieldKind::Text, pk);
    push_attr(out, &cx.copy.sort_key, FieldKind::Text, sk);
}

fn close_item(out: &mut Vec<u8>, at: usize, key: &str) -> Result<(), String> {
    out.extend_from_slice(b"}}\n");
    if out.len() - at > MAX_ITEM {
        return Err(format!(
            "item {key} is {} bytes, over DynamoDB's 400 KB",
            out.len() - at
        ));
    }
    Ok(())
}

fn push_map(out: &mut Vec<u8>, names: &[&str], cols: &[usize], row: &RowBuf) {
    out.extend_from_slice(b"{\"M\":{");
    for (i, &c) in cols.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_json_string(out, names[c]);
        out.push(b':');
        let (k, v) = row.get(c);
        push_typed(out, k, v);
    }
    out.extend_from_slice(b"}}");
}

/// The sort key of a child row: its table and its key columns but the parent.
pub fn child_sort_key(cx: &Cx, table: usize, parent_col: usize, row: &RowBuf) -> String {
    let t = &cx.profile.tables[table];
    let mut s = t.name.to_uppercase();
    for &c in t.primary_key.iter().filter(|c| **c != parent_col) {
        s.push('#');
        s.push_str(row.get(c).1);
    }
    s
}

impl Store for Dynamo {
    fn kind(&self) -> CopyKind {
        CopyKind::Dynamodb
    }

    fn extension(&self) -> &'static str {
        "json.gz"
    }

    fn render(&self, cx: &Cx, doc: &Doc, out: &mut Vec<u8>) -> Result<(), String> {
        let at = out.len();
        open_item(out, cx, &doc.key, "PROFILE");
        for &c in &cx.copy.fields {
            let (k, v) = doc.field(c);
            push_attr(out, cx.users_column(c), k, v);
        }
        if doc.orphan {
            return close_item(out, at, &doc.key);
        }
        for e in &cx.copy.embed {
            if let Embed::Lookup { column, table } = e {
                let t = &cx.profile.tables[*table];
                out.push(b',');
                push_json_string(out, &t.name);
                out.push(b':');
                let (k, key) = doc.field(*column);
                match (k, cx.lookups.get(*table, key)) {
                    (FieldKind::Null, _) | (_, None) => out.extend_from_slice(b"{\"NULL\":true}"),
                    (_, Some(row)) => {
                        let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
                        let cols: Vec<usize> = (0..t.columns.len()).collect();
                        push_map(out, &names, &cols, row);
                    }
                }
            }
        }
        close_item(out, at, &doc.key)?;
        for e in &cx.copy.embed {
            if let Embed::Children { table, parent_col } = e {
                let t = &cx.profile.tables[*table];
                let cols = child_columns(cx.profile, *table, *parent_col);
                for row in &doc.children[*table] {
                    let at = out.len();
                    open_item(
                        out,
                        cx,
                        &doc.key,
                        &child_sort_key(cx, *table, *parent_col, row),
                    );
                    for &c in &cols {
                        let (k, v) = row.get(c);
                        push_attr(out, &t.columns[c].name, k, v);
                    }
                    close_item(out, at, &doc.key)?;
                }
            }
        }
        Ok(())
    }
}
