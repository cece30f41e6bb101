//! CSV in PostgreSQL's convention (what `COPY … CSV HEADER` reads back
//! exactly): a header row, NULL as an empty unquoted field, the empty string
//! as `""`, quotes doubled, fields with `,` `"` CR LF quoted.

use super::{Format, TableMeta};
use crate::row::{FieldKind, RowBuf};

pub struct Csv;

/// Bytes that force quoting.
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b',' as usize] = true;
    t[b'"' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'\r' as usize] = true;
    t
};

#[inline]
pub fn push_field(out: &mut Vec<u8>, s: &str) {
    push_field_bytes(out, s.as_bytes())
}

pub fn push_field_bytes(out: &mut Vec<u8>, s: &[u8]) {
    let needs = s.is_empty() || s == b"\\." || s.iter().any(|&b| SPECIAL[b as usize]);
    if !needs {
        out.extend_from_slice(s);
        return;
    }
    out.push(b'"');
    for &b in s {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

impl Format for Csv {
    fn name(&self) -> &'static str {
        "csv"
    }

    fn extension(&self) -> &'static str {
        "csv"
    }

    fn header(&self, t: &TableMeta, out: &mut Vec<u8>) {
        for (i, c) in t.columns.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            push_field(out, &c.name);
        }
        out.push(b'\n');
    }

    fn row(&self, _t: &TableMeta, row: &RowBuf, _nth: usize, out: &mut Vec<u8>) {
        for (i, (kind, s)) in row.fields().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            match kind {
                FieldKind::Null => {}
                // Digits, true/false and RFC 3339 times never need quotes.
                FieldKind::Int | FieldKind::Bool | FieldKind::Timestamp | FieldKind::Plain => {
                    out.extend_from_slice(s.as_bytes())
                }
                FieldKind::Text | FieldKind::Json => push_field(out, s),
                FieldKind::Cp1252 => push_field_bytes(out, &super::field_bytes(kind, s)),
            }
        }
        out.push(b'\n');
    }
}
