//! Redis: a hash per user (`HSET key field value …`, NULL fields left out),
//! a `SET` per secondary key holding the user's key, and `EXPIRE` when the
//! copy has a TTL. The file is those commands in RESP, as `redis-cli --pipe`
//! reads them (the `redis` crate packs them); the loader sends the same
//! commands (`target::redis`).

use super::{Cx, Doc, Store, render_key};
use crate::profile::copies::CopyKind;
use crate::row::FieldKind;

pub struct Redis;

/// The commands that write `doc`, in order, packed onto `out` through
/// `cmd` (cleared and reused: no allocation per command). `each` is called
/// once per command with the key it creates (`None` for an `EXPIRE`) and
/// where the command starts in `out`.
pub fn pack(
    cx: &Cx,
    doc: &Doc,
    cmd: &mut redis::Cmd,
    out: &mut Vec<u8>,
    mut each: impl FnMut(Option<&str>, usize),
) {
    let copy = cx.copy;
    cmd.clear();
    cmd.arg("HSET").arg(&doc.key);
    let mut any = false;
    for &c in &copy.fields {
        let (k, v) = doc.field(c);
        if k != FieldKind::Null {
            cmd.arg(cx.users_column(c)).arg(v);
            any = true;
        }
    }
    if !any {
        // A hash cannot be empty: the key alone records the user.
        cmd.arg("_").arg("");
    }
    let at = out.len();
    cmd.write_packed_command(out);
    each(Some(&doc.key), at);
    if let Some(ttl) = copy.ttl {
        cmd.clear();
        cmd.arg("EXPIRE").arg(&doc.key).arg(ttl);
        let at = out.len();
        cmd.write_packed_command(out);
        each(None, at);
    }
    for k in secondary_keys(cx, doc) {
        cmd.clear();
        cmd.arg("SET").arg(&k).arg(&doc.key);
        if let Some(ttl) = copy.ttl {
            cmd.arg("EX").arg(ttl);
        }
        let at = out.len();
        cmd.write_packed_command(out);
        each(Some(&k), at);
    }
}

/// The hash `doc` is stored as: (field, value) in the copy's field order.
pub fn hash_fields<'d>(cx: &Cx, doc: &'d Doc) -> Vec<(String, &'d str)> {
    let mut out = Vec::new();
    for &c in &cx.copy.fields {
        let (k, v) = doc.field(c);
        if k != FieldKind::Null {
            out.push((cx.users_column(c).to_string(), v));
        }
    }
    if out.is_empty() {
        out.push(("_".into(), ""));
    }
    out
}

/// The secondary keys of `doc` with the key each points at.
pub fn secondary_keys(cx: &Cx, doc: &Doc) -> Vec<String> {
    if doc.orphan {
        return Vec::new();
    }
    cx.copy
        .secondary
        .iter()
        .filter_map(|p| {
            render_key(p, |c| {
                let (k, v) = doc.field(c);
                (k, v.to_string())
            })
        })
        .collect()
}

impl Store for Redis {
    fn kind(&self) -> CopyKind {
        CopyKind::Redis
    }

    fn extension(&self) -> &'static str {
        "resp"
    }

    fn render(&self, cx: &Cx, doc: &Doc, out: &mut Vec<u8>) -> Result<(), String> {
        pack(cx, doc, &mut redis::Cmd::new(), out, |_, _| {});
        Ok(())
    }
}
