//! Where a copy is read from: a Redis server (`SCAN`, then `HGETALL` or
//! `GET` as the key's pattern suggests, pipelined per batch of keys, the
//! replies decoded in place; the second pass reads again only the keys it
//! wants, from the first pass's list) or the RESP file it was loaded from
//! (`HSET` and `SET` commands read by the `redis` crate's parser).
//! Understudy's own bookkeeping keys (`understudy:*`) are skipped.

use super::Val;
use crate::error::{Error, Result};
use crate::profile::copies::{Copy, Part, Pattern};
use crate::target::redis::RedisTarget;
use crate::target::redis::raw::{self, Raw, Replies};
use redis_protocol::resp2::types::RangeFrame;
use std::borrow::Cow;
use std::io::BufRead;

pub trait CopySource {
    /// Every key of the copy with its value.
    fn scan(&mut self, f: &mut dyn FnMut(&str, &Val)) -> Result<()> {
        self.scan_only(&|_| true, f)
    }
    /// Every key of the copy with its value's digest (the first pass's
    /// reading, `super::Buckets`); a source may compute it without
    /// building each `Val`.
    fn scan_digests(&mut self, f: &mut dyn FnMut(&str, u128)) -> Result<()> {
        self.scan(&mut |k, v| f(k, super::digest(k, v)))
    }
    /// The keys `want` accepts, with their values (after `scan_digests`, a
    /// source may take the keys from what that pass listed).
    fn scan_only(
        &mut self,
        want: &dyn Fn(&str) -> bool,
        f: &mut dyn FnMut(&str, &Val),
    ) -> Result<()>;
    /// What reports call it (a redacted URL, a path).
    fn name(&self) -> String;
}

fn text(v: &redis::Value) -> String {
    match v {
        redis::Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        redis::Value::SimpleString(s) => s.clone(),
        redis::Value::Int(i) => i.to_string(),
        other => format!("{other:?}"),
    }
}

fn hash_of(items: &[redis::Value]) -> Val {
    let mut f: Vec<(String, String)> = items
        .chunks(2)
        .map(|c| (text(&c[0]), c.get(1).map(text).unwrap_or_default()))
        .collect();
    f.sort();
    Val::Hash(f)
}

/// Keys per `SCAN` (its COUNT hint), and so per pipelined batch of reads.
const SCAN_COUNT: usize = 2000;

pub struct RedisCopy {
    target: RedisTarget,
    /// Reads the copy (`raw.rs`: replies decoded in place).
    raw: Raw,
    /// The literal starts of the copy's key pattern and of its secondary
    /// keys' patterns: which command a key most likely takes.
    hash_prefix: String,
    string_prefixes: Vec<String>,
    /// The keys the first pass found, each as its length (u32, little
    /// endian) and its bytes, in an unnamed temporary file: the second pass
    /// reads the few it wants from here, not by a second `SCAN` (which
    /// costs the server as much as the first one's reads).
    spill: Option<std::io::BufWriter<std::fs::File>>,
}

/// The literal text a key pattern starts with.
fn prefix(p: &Pattern) -> String {
    match p.parts.first() {
        Some(Part::Lit(s)) => s.clone(),
        _ => String::new(),
    }
}

/// The keys of one `SCAN` reply that are read, one after another in
/// `text`, each with whether it is read by `GET` (else `HGETALL`).
#[derive(Default)]
struct Keys {
    text: String,
    ends: Vec<(usize, bool)>,
}

impl Keys {
    fn push(&mut self, k: &str, string: bool) {
        self.text.push_str(k);
        self.ends.push((self.text.len(), string));
    }

    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    /// Each key as its length (u32, little endian) and bytes.
    fn write(&self, w: &mut impl std::io::Write) -> std::io::Result<()> {
        for (k, _) in self.iter() {
            w.write_all(&(k.len() as u32).to_le_bytes())?;
            w.write_all(k.as_bytes())?;
        }
        Ok(())
    }

    /// The command reading each key: `GET` or `HGETALL`.
    fn pack_reads(&self, cmds: &mut Vec<u8>) {
        for (k, string) in self.iter() {
            redis::cmd(if string { "GET" } else { "HGETALL" })
                .arg(k)
                .write_packed_command(cmds);
        }
    }

    fn iter(&self) -> impl Iterator<Item = (&str, bool)> {
        let mut start = 0;
        self.ends.iter().map(move |&(end, string)| {
            let k = &self.text[start..end];
            start = end;
            (k, string)
        })
    }
}

fn spill_error(e: std::io::Error) -> Error {
    Error::failed(format!(
        "consistency: the list of the copy's keys in a temporary file under {}: {e}\n  free space there, or set TMPDIR to a directory with room (about 50 bytes a key)",
        std::env::temp_dir().display()
    ))
}

/// A value as read, borrowed from its reply where it can be: a hash's
/// (field, value) pairs sorted, or a string; `Val` owns the same.
enum Got<'a> {
    Hash(Vec<(Cow<'a, str>, Cow<'a, str>)>),
    Str(Cow<'a, str>),
}

impl Got<'_> {
    fn to_val(&self) -> Val {
        match self {
            Got::Hash(f) => Val::Hash(
                f.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            Got::Str(s) => Val::Str(s.to_string()),
        }
    }
}

impl RedisCopy {
    pub fn open(url: &str, copy: &Copy) -> Result<RedisCopy> {
        let target = RedisTarget::parse(url)?;
        let raw = target.raw()?;
        Ok(RedisCopy {
            target,
            raw,
            hash_prefix: prefix(&copy.key),
            string_prefixes: copy.secondary.iter().map(prefix).collect(),
            spill: None,
        })
    }

    /// A secondary key (a string) by its pattern's start, longer than the
    /// hash keys': a guess, checked by the reply (`WRONGTYPE`).
    fn looks_like_string(&self, key: &str) -> bool {
        self.string_prefixes.iter().any(|p| {
            !p.is_empty()
                && key.starts_with(p.as_str())
                && (p.len() > self.hash_prefix.len() || !key.starts_with(&self.hash_prefix))
        })
    }

    fn err(&self, e: redis::RedisError) -> Error {
        Error::target(format!("reading {}: {e}", self.target.redacted()))
    }

    /// A `SCAN` reply: the next cursor, and the keys `want` accepts into
    /// `keys` (understudy's own bookkeeping keys skipped).
    fn keys_of(&self, scan: &Replies, want: &dyn Fn(&str) -> bool, keys: &mut Keys) -> Result<u64> {
        keys.clear();
        let (bytes, frame) = scan.get(0).map_err(|e| self.err(e))?;
        let bad = || {
            self.err(redis::RedisError::from((
                redis::ErrorKind::Parse,
                "not a SCAN reply",
            )))
        };
        let RangeFrame::Array(parts) = frame else {
            return Err(bad());
        };
        let (Some(cursor), Some(RangeFrame::Array(found))) = (parts.first(), parts.get(1)) else {
            return Err(bad());
        };
        let cursor = raw::text(bytes, cursor)
            .and_then(|c| std::str::from_utf8(c).ok()?.parse().ok())
            .ok_or_else(bad)?;
        for k in found {
            let k = raw::frame_text(bytes, k);
            if k.starts_with("understudy:") || !want(&k) {
                continue;
            }
            keys.push(&k, self.looks_like_string(&k));
        }
        Ok(cursor)
    }

    /// One batch's replies, each key's value to `f`; the keys whose type
    /// was not the one guessed go to `other`.
    fn each(
        &self,
        keys: &Keys,
        replies: &Replies,
        other: &mut Vec<String>,
        f: &mut dyn FnMut(&str, Got),
    ) -> Result<()> {
        for (i, (k, _)) in keys.iter().enumerate() {
            let (bytes, frame) = match replies.get(i) {
                Ok(r) => r,
                Err(e) if e.code() == Some("WRONGTYPE") => {
                    other.push(k.to_string());
                    continue;
                }
                Err(e) => return Err(self.err(e)),
            };
            let got = match frame {
                RangeFrame::Null => continue, // expired or deleted meanwhile
                RangeFrame::Array(items) if items.is_empty() => continue,
                RangeFrame::Array(items) => Got::Hash(raw::hash_pairs(bytes, items)),
                v => Got::Str(raw::frame_text(bytes, v)),
            };
            f(k, got);
        }
        Ok(())
    }

    /// Every key `want` accepts with its value, the keys listed in
    /// `spill` when given. Pipelined: one `SCAN` and the reads of the keys
    /// it found go out together, and a batch's replies are gone through
    /// while the server works on the next one.
    fn walk(
        &mut self,
        want: &dyn Fn(&str) -> bool,
        mut spill: Option<&mut std::io::BufWriter<std::fs::File>>,
        f: &mut dyn FnMut(&str, Got),
    ) -> Result<()> {
        let mut scan = Replies::default();
        let (mut keys, mut replies) = (Keys::default(), Replies::default());
        let (mut prev_keys, mut prev) = (Keys::default(), Replies::default());
        let mut other = Vec::new();
        let mut cmds = Vec::new();
        let scan_cmd = |cursor: u64, cmds: &mut Vec<u8>| {
            redis::cmd("SCAN")
                .arg(cursor)
                .arg("COUNT")
                .arg(SCAN_COUNT)
                .write_packed_command(cmds)
        };
        scan_cmd(0, &mut cmds);
        self.raw.send(&cmds).map_err(|e| self.err(e))?;
        self.raw
            .read_replies(1, &mut scan)
            .map_err(|e| self.err(e))?;
        let mut cursor = self.keys_of(&scan, want, &mut keys)?;
        loop {
            // Every reply read: the plain connection is free.
            self.others(&mut other, SCAN_COUNT, f)?;
            if let Some(w) = spill.as_deref_mut() {
                keys.write(w).map_err(spill_error)?;
            }
            cmds.clear();
            keys.pack_reads(&mut cmds);
            if cursor != 0 {
                scan_cmd(cursor, &mut cmds);
            }
            self.raw.send(&cmds).map_err(|e| self.err(e))?;
            self.each(&prev_keys, &prev, &mut other, f)?;
            let n = keys.ends.len();
            self.raw
                .read_replies(n, &mut replies)
                .map_err(|e| self.err(e))?;
            std::mem::swap(&mut keys, &mut prev_keys);
            std::mem::swap(&mut replies, &mut prev);
            if cursor == 0 {
                break;
            }
            self.raw
                .read_replies(1, &mut scan)
                .map_err(|e| self.err(e))?;
            cursor = self.keys_of(&scan, want, &mut keys)?;
        }
        self.each(&prev_keys, &prev, &mut other, f)?;
        self.others(&mut other, 1, f)
    }

    /// The keys `spill` lists that `want` accepts, read again by key, in
    /// pipelined batches.
    fn reread(
        &mut self,
        spill: std::io::BufWriter<std::fs::File>,
        want: &dyn Fn(&str) -> bool,
        f: &mut dyn FnMut(&str, Got),
    ) -> Result<()> {
        use std::io::{Read, Seek};
        let mut file = spill
            .into_inner()
            .map_err(|e| spill_error(e.into_error()))?;
        file.rewind().map_err(spill_error)?;
        let mut r = std::io::BufReader::with_capacity(1 << 20, file);
        let (mut keys, mut replies) = (Keys::default(), Replies::default());
        let (mut other, mut cmds, mut key) = (Vec::new(), Vec::new(), Vec::new());
        let mut len = [0u8; 4];
        loop {
            let end = match r.read_exact(&mut len) {
                Ok(()) => false,
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => true,
                Err(e) => return Err(spill_error(e)),
            };
            if !end {
                key.resize(u32::from_le_bytes(len) as usize, 0);
                r.read_exact(&mut key).map_err(spill_error)?;
                // Written from `str`s by `Keys::write`.
                let k =
                    std::str::from_utf8(&key).map_err(|e| spill_error(std::io::Error::other(e)))?;
                if want(k) {
                    keys.push(k, self.looks_like_string(k));
                }
            }
            if keys.ends.len() == SCAN_COUNT || end && !keys.ends.is_empty() {
                cmds.clear();
                keys.pack_reads(&mut cmds);
                self.raw.send(&cmds).map_err(|e| self.err(e))?;
                let n = keys.ends.len();
                self.raw
                    .read_replies(n, &mut replies)
                    .map_err(|e| self.err(e))?;
                self.each(&keys, &replies, &mut other, f)?;
                self.others(&mut other, SCAN_COUNT, f)?;
                keys.clear();
            }
            if end {
                return self.others(&mut other, 1, f);
            }
        }
    }

    /// The keys whose type was not the one their pattern suggests, once
    /// there are `at_least` of them (a batch's worth: memory stays flat
    /// when a pattern guesses wrong for every key). Called with no reply
    /// pending on the plain connection.
    fn others(
        &mut self,
        other: &mut Vec<String>,
        at_least: usize,
        f: &mut dyn FnMut(&str, Got),
    ) -> Result<()> {
        if other.is_empty() || other.len() < at_least {
            return Ok(());
        }
        self.fetch(other, f)?;
        other.clear();
        Ok(())
    }

    /// Keys read by their type (`TYPE`, then `HGETALL` or `GET`), on the
    /// plain connection when nothing else is in flight there. A key of a
    /// type no copy writes (a set, a list…) is its type's name in
    /// parentheses: a finding (an orphan, or a stale key), not a failure.
    fn fetch(&mut self, keys: &[String], f: &mut dyn FnMut(&str, Got)) -> Result<()> {
        let mut cmds = Vec::new();
        for k in keys {
            redis::cmd("TYPE").arg(k).write_packed_command(&mut cmds);
        }
        let mut replies = Replies::default();
        self.raw.send(&cmds).map_err(|e| self.err(e))?;
        self.raw
            .read_replies(keys.len(), &mut replies)
            .map_err(|e| self.err(e))?;
        let types = (0..keys.len())
            .map(|i| (replies.get(i)).map(|(b, t)| raw::frame_text(b, t).into_owned()))
            .collect::<redis::RedisResult<Vec<String>>>()
            .map_err(|e| self.err(e))?;
        cmds.clear();
        for (k, t) in keys.iter().zip(&types) {
            redis::cmd(match t.as_str() {
                "hash" => "HGETALL",
                "string" => "GET",
                _ => "EXISTS",
            })
            .arg(k)
            .write_packed_command(&mut cmds);
        }
        self.raw.send(&cmds).map_err(|e| self.err(e))?;
        self.raw
            .read_replies(keys.len(), &mut replies)
            .map_err(|e| self.err(e))?;
        for (i, (k, t)) in keys.iter().zip(&types).enumerate() {
            let (bytes, frame) = replies.get(i).map_err(|e| self.err(e))?;
            let got = match (t.as_str(), frame) {
                (_, RangeFrame::Null | RangeFrame::Integer(0)) => continue, // gone meanwhile
                ("hash", RangeFrame::Array(items)) => Got::Hash(raw::hash_pairs(bytes, items)),
                ("string", v) => Got::Str(raw::frame_text(bytes, v)),
                (t, _) => Got::Str(Cow::Owned(format!("({t})"))),
            };
            f(k, got);
        }
        Ok(())
    }
}

impl CopySource for RedisCopy {
    fn scan_only(
        &mut self,
        want: &dyn Fn(&str) -> bool,
        f: &mut dyn FnMut(&str, &Val),
    ) -> Result<()> {
        let f = &mut |k: &str, got: Got| f(k, &got.to_val());
        match self.spill.take() {
            Some(spill) => self.reread(spill, want, f),
            None => self.walk(want, None, f),
        }
    }

    /// The digest from the reply's bytes, no `Val` built.
    fn scan_digests(&mut self, f: &mut dyn FnMut(&str, u128)) -> Result<()> {
        let mut buf = Vec::new();
        let file = tempfile::tempfile().map_err(spill_error)?;
        let mut spill = std::io::BufWriter::with_capacity(1 << 20, file);
        self.walk(&|_| true, Some(&mut spill), &mut |k, got| {
            match &got {
                Got::Hash(h) => {
                    super::canonical_hash(k, h.iter().map(|(a, b)| (&**a, &**b)), &mut buf)
                }
                Got::Str(s) => super::canonical_str(k, s, &mut buf),
            }
            f(k, xxhash_rust::xxh3::xxh3_128(&buf))
        })?;
        self.spill = Some(spill);
        Ok(())
    }

    fn name(&self) -> String {
        self.target.redacted()
    }
}

/// A RESP file (`generate --format copies`' `NAME.resp`).
pub struct RespFile {
    pub path: std::path::PathBuf,
}

impl CopySource for RespFile {
    fn scan_only(
        &mut self,
        want: &dyn Fn(&str) -> bool,
        f: &mut dyn FnMut(&str, &Val),
    ) -> Result<()> {
        let file = std::fs::File::open(&self.path).map_err(|e| Error::io("open", &self.path, e))?;
        let mut r = std::io::BufReader::with_capacity(1 << 20, file);
        let mut parser = redis::Parser::new();
        let bad = |what: String| {
            Error::usage(format!(
                "{}: not a RESP file of Redis commands: {what}",
                self.path.display()
            ))
        };
        loop {
            // The parser keeps what it read ahead: the file ends when it
            // finds no further command and the reader is exhausted.
            let v = match parser.parse_value(&mut r) {
                Ok(v) => v,
                Err(e) => {
                    if r.fill_buf()
                        .map_err(|e| Error::io("read", &self.path, e))?
                        .is_empty()
                    {
                        return Ok(());
                    }
                    return Err(bad(e.to_string()));
                }
            };
            let redis::Value::Array(args) = v else {
                return Err(bad(format!("{v:?}")));
            };
            let (Some(cmd), Some(key)) = (args.first().map(text), args.get(1).map(text)) else {
                return Err(bad("a command without a key".into()));
            };
            if key.starts_with("understudy:") || !want(&key) {
                continue;
            }
            match cmd.to_ascii_uppercase().as_str() {
                "HSET" => f(&key, &hash_of(&args[2..])),
                "SET" => f(&key, &Val::Str(args.get(2).map(text).unwrap_or_default())),
                _ => {}
            }
        }
    }

    fn name(&self) -> String {
        self.path.display().to_string()
    }
}
