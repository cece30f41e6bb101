//! Where a copy is read from: a Redis server (`SCAN`, then `TYPE` and
//! `HGETALL`/`GET` pipelined per batch of keys) or the RESP file it was
//! loaded from (`HSET` and `SET` commands read by the `redis` crate's
//! parser). Understudy's own bookkeeping keys (`understudy:*`) are skipped.

use super::Val;
use crate::error::{Error, Result};
use crate::profile::copies::{Copy, Part, Pattern};
use crate::target::redis::RedisTarget;
use std::io::BufRead;

pub trait CopySource {
    /// Every key of the copy with its value.
    fn scan(&mut self, f: &mut dyn FnMut(&str, &Val)) -> Result<()> {
        self.scan_only(&|_| true, f)
    }
    /// The keys `want` accepts, with their values.
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

pub struct RedisCopy {
    target: RedisTarget,
    con: redis::Connection,
    /// The literal starts of the copy's key pattern and of its secondary
    /// keys' patterns: which command a key most likely takes.
    hash_prefix: String,
    string_prefixes: Vec<String>,
}

/// The literal text a key pattern starts with.
fn prefix(p: &Pattern) -> String {
    match p.parts.first() {
        Some(Part::Lit(s)) => s.clone(),
        _ => String::new(),
    }
}

impl RedisCopy {
    pub fn open(url: &str, copy: &Copy) -> Result<RedisCopy> {
        let target = RedisTarget::parse(url)?;
        let con = target.connect()?;
        Ok(RedisCopy {
            target,
            con,
            hash_prefix: prefix(&copy.key),
            string_prefixes: copy.secondary.iter().map(prefix).collect(),
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

    /// Each key read with the command its pattern suggests (one round
    /// trip); the keys whose type was not that are read by `fetch`.
    fn fetch_guessed(&mut self, keys: &[String], f: &mut dyn FnMut(&str, &Val)) -> Result<()> {
        let mut p = redis::pipe();
        p.ignore_errors();
        for k in keys {
            p.cmd(if self.looks_like_string(k) {
                "GET"
            } else {
                "HGETALL"
            })
            .arg(k);
        }
        let vals: Vec<redis::RedisResult<redis::Value>> =
            p.query(&mut self.con).map_err(|e| self.err(e))?;
        let mut other = Vec::new();
        for (k, v) in keys.iter().zip(vals) {
            let val = match v {
                Ok(redis::Value::Nil) => continue,
                Ok(redis::Value::Array(items)) if items.is_empty() => continue,
                Ok(redis::Value::Array(items)) => hash_of(&items),
                Ok(redis::Value::Map(m)) if m.is_empty() => continue,
                Ok(redis::Value::Map(m)) => {
                    let mut h: Vec<(String, String)> =
                        m.iter().map(|(a, b)| (text(a), text(b))).collect();
                    h.sort();
                    Val::Hash(h)
                }
                Ok(v) => Val::Str(text(&v)),
                Err(e) if e.code() == Some("WRONGTYPE") => {
                    other.push(k.clone());
                    continue;
                }
                Err(e) => return Err(self.err(e)),
            };
            f(k, &val);
        }
        if !other.is_empty() {
            self.fetch(&other, f)?;
        }
        Ok(())
    }

    fn err(&self, e: redis::RedisError) -> Error {
        Error::target(format!("reading {}: {e}", self.target.redacted()))
    }

    fn fetch(&mut self, keys: &[String], f: &mut dyn FnMut(&str, &Val)) -> Result<()> {
        let mut p = redis::pipe();
        for k in keys {
            p.cmd("TYPE").arg(k);
        }
        let types: Vec<String> = p.query(&mut self.con).map_err(|e| self.err(e))?;
        let mut p = redis::pipe();
        for (k, t) in keys.iter().zip(&types) {
            p.cmd(if t == "hash" { "HGETALL" } else { "GET" }).arg(k);
        }
        let vals: Vec<redis::Value> = p.query(&mut self.con).map_err(|e| self.err(e))?;
        for ((k, t), v) in keys.iter().zip(&types).zip(&vals) {
            let val = match (t.as_str(), v) {
                (_, redis::Value::Nil) => continue, // expired or deleted meanwhile
                ("hash", redis::Value::Array(items)) => hash_of(items),
                ("hash", redis::Value::Map(m)) => {
                    let mut f: Vec<(String, String)> =
                        m.iter().map(|(a, b)| (text(a), text(b))).collect();
                    f.sort();
                    Val::Hash(f)
                }
                (_, v) => Val::Str(text(v)),
            };
            f(k, &val);
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
        let mut cursor: u64 = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("COUNT")
                .arg(2000)
                .query(&mut self.con)
                .map_err(|e| self.err(e))?;
            let keys: Vec<String> = keys
                .into_iter()
                .filter(|k| !k.starts_with("understudy:") && want(k))
                .collect();
            if !keys.is_empty() {
                self.fetch_guessed(&keys, f)?;
            }
            if next == 0 {
                return Ok(());
            }
            cursor = next;
        }
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
