//! MongoDB: one document per line for `mongoimport` in Extended JSON v2
//! (relaxed): `_id` the copy's key, timestamps as `{"$date": "…Z"}`, related
//! rows embedded (field names without `$` or `.`: checked by the profile).

use super::elastic::{Style, push_members};
use super::{Cx, Doc, Store};
use crate::profile::copies::CopyKind;
use crate::sink::jsonl::push_json_string;

pub struct Mongo;

/// MongoDB's largest document.
pub const MAX_DOCUMENT: usize = 16 * 1024 * 1024;

impl Store for Mongo {
    fn kind(&self) -> CopyKind {
        CopyKind::Mongodb
    }

    fn extension(&self) -> &'static str {
        "json"
    }

    fn render(&self, cx: &Cx, doc: &Doc, out: &mut Vec<u8>) -> Result<(), String> {
        let at = out.len();
        out.extend_from_slice(b"{\"_id\":");
        push_json_string(out, &doc.key);
        push_members(cx, doc, out, Style::Extended, false);
        out.extend_from_slice(b"}\n");
        if out.len() - at > MAX_DOCUMENT {
            return Err(format!(
                "document {} is {} bytes, over MongoDB's 16 MB",
                doc.key,
                out.len() - at
            ));
        }
        Ok(())
    }
}
