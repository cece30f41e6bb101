//! JSON Lines: one object per row, keys in column order, `null` for NULL,
//! numbers and booleans unquoted, JSON columns embedded as values.

use super::{Format, TableMeta};
use crate::row::{FieldKind, RowBuf};

pub struct Jsonl;

pub fn push_json_string(out: &mut Vec<u8>, s: &str) {
    push_json_bytes(out, s.as_bytes())
}

/// Escapes as JSON; bytes ≥ 0x80 pass through (invalid UTF-8 stays invalid:
/// that is what a `file.mixed-encoding` case is for).
pub fn push_json_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if esc.is_empty() {
            out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
        } else {
            out.extend_from_slice(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

impl Format for Jsonl {
    fn name(&self) -> &'static str {
        "jsonl"
    }

    fn extension(&self) -> &'static str {
        "jsonl"
    }

    fn row(&self, t: &TableMeta, row: &RowBuf, _nth: usize, out: &mut Vec<u8>) {
        out.push(b'{');
        for (i, (kind, s)) in row.fields().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            push_json_string(out, &t.columns[i].name);
            out.push(b':');
            match kind {
                FieldKind::Null => out.extend_from_slice(b"null"),
                FieldKind::Int | FieldKind::Bool | FieldKind::Json => {
                    out.extend_from_slice(s.as_bytes())
                }
                FieldKind::Plain | FieldKind::Timestamp => {
                    out.push(b'"');
                    out.extend_from_slice(s.as_bytes());
                    out.push(b'"');
                }
                FieldKind::Text => push_json_string(out, s),
                FieldKind::Cp1252 => push_json_bytes(out, &super::field_bytes(kind, s)),
            }
        }
        out.extend_from_slice(b"}\n");
    }
}
