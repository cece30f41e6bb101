//! Document copies read back: the Elasticsearch `_bulk` NDJSON set, the
//! MongoDB Extended JSON file and the DynamoDB S3-import JSON.gz that
//! `generate --format copies` writes (docs/copies.md). Each document is one
//! entry keyed by its id (`_id`; DynamoDB: `PK | SK`) with a canonical value,
//! `Val::Doc`: the document without its id as compact JSON, object members
//! sorted by name at every level. The expected side renders each user with
//! the store that writes the files and reads the bytes back through the same
//! `Reader`, so a file in step with the primary has the same entries.
//!
//! Files are read a line at a time (gzip streamed): memory flat in documents.

use super::Val;
use crate::error::{Error, Result};
use crate::profile::copies::{Copy, CopyKind};
use serde_json::Value as J;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Between a DynamoDB item's partition key and sort key in its entry's key.
pub const KEY_SEP: &str = " | ";

/// `v` as canonical JSON: compact, object members sorted by name.
pub fn canonical(v: &J, out: &mut Vec<u8>) {
    match v {
        J::Object(o) => {
            let mut m: Vec<(&String, &J)> = o.iter().collect();
            m.sort_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (k, x)) in m.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                crate::sink::jsonl::push_json_string(out, k);
                out.push(b':');
                canonical(x, out);
            }
            out.push(b'}');
        }
        J::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonical(x, out);
            }
            out.push(b']');
        }
        J::String(s) => crate::sink::jsonl::push_json_string(out, s),
        other => out.extend_from_slice(other.to_string().as_bytes()),
    }
}

fn doc_of(v: &J) -> Val {
    let mut b = Vec::new();
    canonical(v, &mut b);
    Val::Doc(b)
}

/// A key member as text: a string as it is, anything else as its JSON.
fn key_text(v: &J) -> String {
    match v {
        J::String(s) => s.clone(),
        other => {
            let mut b = Vec::new();
            canonical(other, &mut b);
            String::from_utf8_lossy(&b).into_owned()
        }
    }
}

/// Lines of one kind's file turned into entries.
pub struct Reader {
    kind: CopyKind,
    partition_key: String,
    sort_key: String,
    /// `_bulk`: the id of the action line waiting for its source line.
    pending: Option<String>,
}

impl Reader {
    pub fn new(copy: &Copy) -> Reader {
        Reader {
            kind: copy.kind,
            partition_key: copy.partition_key.clone(),
            sort_key: copy.sort_key.clone(),
            pending: None,
        }
    }

    /// One line, without its `\n`; `Err` says what is wrong with it.
    pub fn line(
        &mut self,
        line: &[u8],
        f: &mut dyn FnMut(String, Val),
    ) -> std::result::Result<(), String> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            return if self.kind == CopyKind::Elasticsearch && self.pending.is_some() {
                Err("an empty line where the action's source line belongs".into())
            } else {
                Ok(())
            };
        }
        let v: J = serde_json::from_slice(line).map_err(|e| format!("not JSON: {e}"))?;
        let J::Object(mut o) = v else {
            return Err("not a JSON object".into());
        };
        match self.kind {
            CopyKind::Elasticsearch => match self.pending.take() {
                None => {
                    let action = ["index", "create"]
                        .iter()
                        .find_map(|a| o.get(*a))
                        .filter(|_| o.len() == 1)
                        .ok_or(
                            "expected a _bulk action line, {\"index\":{…}} or {\"create\":{…}}",
                        )?;
                    let id = action.get("_id").ok_or("an action line without `_id`")?;
                    self.pending = Some(key_text(id));
                }
                Some(id) => f(id, doc_of(&J::Object(o))),
            },
            CopyKind::Mongodb => {
                let id = o.shift_remove("_id").ok_or("a document without `_id`")?;
                f(key_text(&id), doc_of(&J::Object(o)));
            }
            CopyKind::Dynamodb => {
                let Some(J::Object(mut item)) = o.remove("Item").filter(|_| o.is_empty()) else {
                    return Err("expected {\"Item\":{…}}, DynamoDB JSON".into());
                };
                let mut key = |name: &str| {
                    let v = item
                        .shift_remove(name)
                        .ok_or(format!("an item without its key attribute `{name}`"))?;
                    match v.get("S").and_then(J::as_str) {
                        Some(s) => Ok::<_, String>(s.to_string()),
                        None => Err(format!("key attribute `{name}` is not a string (`S`)")),
                    }
                };
                let pk = key(&self.partition_key)?;
                let sk = key(&self.sort_key)?;
                f(format!("{pk}{KEY_SEP}{sk}"), doc_of(&J::Object(item)));
            }
            CopyKind::Redis => return Err("a Redis copy is read by the RESP reader".into()),
        }
        Ok(())
    }

    /// At the end of the input: `Err` when an action line lacks its source.
    pub fn finish(&mut self) -> std::result::Result<(), String> {
        match self.pending.take() {
            Some(id) => Err(format!(
                "the action line of `{id}` has no source line after it"
            )),
            None => Ok(()),
        }
    }
}

/// The entry key a drift label is recorded under: a DynamoDB item's
/// partition (every item of a user shares it), any other key as it is.
pub fn owner(kind: CopyKind, key: &str) -> &str {
    match (kind, key.split_once(KEY_SEP)) {
        (CopyKind::Dynamodb, Some((pk, _))) => pk,
        _ => key,
    }
}

/// The file(s) of a document copy: `path` itself, an Elasticsearch set's
/// first file (`NAME-00001.ndjson`: it and the files numbered after it), or
/// a directory holding the copy's files as `generate --format copies` names
/// them.
pub fn files_of(path: &Path, copy: &Copy) -> Result<Vec<PathBuf>> {
    let ext = crate::copies::store(copy.kind).extension();
    if path.is_dir() {
        let one = path.join(format!("{}.{ext}", copy.name));
        let first = path.join(format!("{}-00001.{ext}", copy.name));
        return match (copy.kind, one.is_file(), first.is_file()) {
            (CopyKind::Elasticsearch, _, true) => Ok(numbered(&first)),
            (_, true, _) => Ok(vec![one]),
            _ => Err(Error::usage(format!(
                "--copy-file {}: no file of copy `{}` in it (expected {})",
                path.display(),
                copy.name,
                if copy.kind == CopyKind::Elasticsearch {
                    first.display()
                } else {
                    one.display()
                }
            ))),
        };
    }
    if !path.is_file() {
        return Err(Error::usage(format!(
            "--copy-file {}: no such file",
            path.display()
        )));
    }
    Ok(if copy.kind == CopyKind::Elasticsearch {
        numbered(path)
    } else {
        vec![path.to_path_buf()]
    })
}

/// `X-00001.ndjson` and the consecutive files after it; another name alone.
fn numbered(first: &Path) -> Vec<PathBuf> {
    let name = first
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(stem) = name.strip_suffix("-00001.ndjson") else {
        return vec![first.to_path_buf()];
    };
    let dir = first.parent().unwrap_or(Path::new("."));
    (1..)
        .map(|n| dir.join(format!("{stem}-{n:05}.ndjson")))
        .take_while(|p| p.is_file())
        .collect()
}

/// The kind a copy file's name says (`--copy-file` without `--copy-name`).
pub fn kind_of_file(path: &Path) -> Option<CopyKind> {
    let n = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    [
        (".resp", CopyKind::Redis),
        (".ndjson", CopyKind::Elasticsearch),
        (".json.gz", CopyKind::Dynamodb),
        (".json", CopyKind::Mongodb),
    ]
    .into_iter()
    .find(|(e, _)| n.ends_with(e))
    .map(|(_, k)| k)
}

/// A document copy's file(s).
pub struct DocFiles {
    pub copy: Copy,
    pub files: Vec<PathBuf>,
}

impl DocFiles {
    fn read(
        &self,
        path: &Path,
        want: &dyn Fn(&str) -> bool,
        f: &mut dyn FnMut(&str, &Val),
    ) -> Result<()> {
        let file = std::fs::File::open(path).map_err(|e| Error::io("open", path, e))?;
        let mut r: Box<dyn BufRead> = if self.copy.kind == CopyKind::Dynamodb {
            Box::new(std::io::BufReader::with_capacity(
                1 << 20,
                flate2::read::MultiGzDecoder::new(std::io::BufReader::new(file)),
            ))
        } else {
            Box::new(std::io::BufReader::with_capacity(1 << 20, file))
        };
        let mut reader = Reader::new(&self.copy);
        let (mut buf, mut n) = (Vec::new(), 0u64);
        let bad = |n: u64, what: String| {
            Error::usage(format!(
                "{}:{n}: not a {} copy file: {what}",
                path.display(),
                self.copy.kind.name()
            ))
        };
        loop {
            buf.clear();
            let got = r.read_until(b'\n', &mut buf).map_err(|e| {
                Error::usage(format!("cannot read {}:{}: {e}", path.display(), n + 1))
            })?;
            if got == 0 {
                return reader.finish().map_err(|e| bad(n, e));
            }
            n += 1;
            let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
            reader
                .line(line, &mut |k, v| {
                    if want(&k) {
                        f(&k, &v)
                    }
                })
                .map_err(|e| bad(n, e))?;
        }
    }
}

impl super::CopySource for DocFiles {
    fn scan_only(
        &mut self,
        want: &dyn Fn(&str) -> bool,
        f: &mut dyn FnMut(&str, &Val),
    ) -> Result<()> {
        for p in &self.files {
            self.read(p, want, f)?;
        }
        Ok(())
    }

    fn name(&self) -> String {
        match self.files.as_slice() {
            [one] => one.display().to_string(),
            [first, .., last] => format!(
                "{} … {} ({} files)",
                first.display(),
                last.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                self.files.len()
            ),
            [] => String::new(),
        }
    }
}

/// A field of a canonical document as a report shows it: a string as it
/// is, a DynamoDB `{"S": …}`/`{"N": …}` by its text, anything else as JSON
/// (cut at 200 characters).
pub fn shown(v: &J) -> String {
    let s = match v {
        J::String(s) => s.clone(),
        J::Object(o) if o.len() == 1 => match o.iter().next() {
            Some((k, J::String(s))) if k == "S" || k == "N" => s.clone(),
            _ => v.to_string(),
        },
        _ => v.to_string(),
    };
    match s.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_sorts_members_at_every_level() {
        let a: J = serde_json::from_str(r#"{"b":1,"a":{"y":[{"q":1,"p":2}],"x":"é"}}"#).unwrap();
        let mut out = Vec::new();
        canonical(&a, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a":{"x":"é","y":[{"p":2,"q":1}]},"b":1}"#
        );
    }
}
