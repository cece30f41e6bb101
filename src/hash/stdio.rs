//! The catalogue over stdin and stdout (`understudy hash …`): [`hash`] hashes
//! stdin passwords, [`verify`] checks JSONL records, [`identify`] names
//! hashes, [`list`] describes every format. `cli::hash` parses the flags.

use super::{Encoded, HashFormat, Params};
use crate::error::{Error, Result};
use crate::rng::{Rng, stream_key};
use rayon::prelude::*;
use serde_json::{Map, Value, json};
use std::io::{BufWriter, Read, Write};

/// The format called `name`, or a usage error with a did-you-mean.
pub fn format_named(name: &str) -> Result<&'static dyn HashFormat> {
    super::lookup(name).ok_or_else(|| {
        let hint = crate::util::did_you_mean(name, super::names())
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        Error::usage(format!(
            "unknown hash format `{name}`{hint}\n  formats: {}\n  or: verify, identify, list",
            super::names().join(", ")
        ))
    })
}

fn read_stdin() -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    std::io::stdin()
        .read_to_end(&mut buf)
        .map_err(|e| Error::usage(format!("cannot read stdin: {e}")))?;
    Ok(buf)
}

/// Lines split on `\n` only; a last line without `\n` counts, an empty tail does not.
fn lines(buf: &[u8]) -> Vec<&[u8]> {
    let mut v: Vec<&[u8]> = buf.split(|&b| b == b'\n').collect();
    if v.last().is_some_and(|l| l.is_empty()) {
        v.pop();
    }
    v
}

/// A failed write to stdout (a closed pipe ends the process: ARCHITECTURE.md § Exit codes).
fn out_err(e: std::io::Error) -> Error {
    Error::target(format!("cannot write to stdout: {e}"))
}

pub fn hash(
    f: &'static dyn HashFormat,
    params: &Params,
    jsonl: bool,
    seed: Option<u64>,
) -> Result<()> {
    let buf = read_stdin()?;
    let raw = lines(&buf);
    let passwords: Vec<Vec<u8>> = if jsonl {
        raw.iter()
            .enumerate()
            .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace))
            .map(|(i, l)| {
                let v: Value = serde_json::from_slice(l)
                    .map_err(|e| Error::usage(format!("stdin line {}: not JSON: {e}", i + 1)))?;
                v.get("password")
                    .and_then(Value::as_str)
                    .map(|s| s.as_bytes().to_vec())
                    .ok_or_else(|| {
                        Error::usage(format!(
                            "stdin line {}: expected {{\"password\": \"…\"}}",
                            i + 1
                        ))
                    })
            })
            .collect::<Result<_>>()?
    } else {
        raw.iter().map(|l| l.to_vec()).collect()
    };
    let seed = seed.unwrap_or_else(|| {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        t ^ (u64::from(std::process::id()) << 32)
    });
    let key = stream_key(seed, &format!("hash-cli:{}", f.name()));
    let out: Vec<std::result::Result<Encoded, String>> = passwords
        .par_iter()
        .enumerate()
        .map(|(i, p)| f.hash(p, params, &mut Rng::at(key, i as u64)))
        .collect();
    let mut w = BufWriter::new(std::io::stdout().lock());
    for (i, e) in out.into_iter().enumerate() {
        let e = e.map_err(|m| Error::usage(format!("password {} (line {}): {m}", i + 1, i + 1)))?;
        match e.salt {
            Some(s) => writeln!(w, "{}\t{s}", e.hash),
            None => writeln!(w, "{}", e.hash),
        }
        .map_err(out_err)?;
    }
    w.flush().map_err(out_err)
}

pub fn verify() -> Result<()> {
    let buf = read_stdin()?;
    let records: Vec<(usize, &[u8])> = lines(&buf)
        .into_iter()
        .enumerate()
        .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace))
        .collect();
    let results: Vec<Result<std::result::Result<(), String>>> = records
        .par_iter()
        .map(|(i, l)| verify_one(*i + 1, l))
        .collect();
    let mut w = BufWriter::new(std::io::stdout().lock());
    let mut bad = 0usize;
    for r in results {
        match r? {
            Ok(()) => writeln!(w, "ok"),
            Err(why) => {
                bad += 1;
                eprintln!("{why}");
                writeln!(w, "mismatch")
            }
        }
        .map_err(out_err)?;
    }
    w.flush().map_err(out_err)?;
    if bad > 0 {
        return Err(Error::failed(format!(
            "{bad} of {} records did not verify",
            records.len()
        )));
    }
    Ok(())
}

/// Ok(Ok) verified, Ok(Err(why)) mismatch, Err a usage error (bad JSON, unknown format).
fn verify_one(line: usize, l: &[u8]) -> Result<std::result::Result<(), String>> {
    let v: Value = serde_json::from_slice(l)
        .map_err(|e| Error::usage(format!("stdin line {line}: not JSON: {e}")))?;
    let field = |k: &str| v.get(k).and_then(Value::as_str);
    let password = field("password")
        .ok_or_else(|| Error::usage(format!("stdin line {line}: missing \"password\"")))?;
    let hash = field("hash")
        .ok_or_else(|| Error::usage(format!("stdin line {line}: missing \"hash\"")))?;
    let e = Encoded {
        hash: hash.to_string(),
        salt: field("salt").map(str::to_string),
    };
    let params: Params = match v.get("params") {
        None | Some(Value::Null) => Params::new(),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str().map_or_else(|| v.to_string(), str::to_string),
                )
            })
            .collect(),
        Some(_) => {
            return Err(Error::usage(format!(
                "stdin line {line}: \"params\" must be an object"
            )));
        }
    };
    let f = match field("format") {
        Some(name) => format_named(name)?,
        None => match super::identify_encoded(&e) {
            Some((f, _)) => f,
            None => {
                return Ok(Err(format!(
                    "line {line}: unknown hash format (give \"format\")"
                )));
            }
        },
    };
    Ok(match f.verify_with(password.as_bytes(), &e, &params) {
        Ok(true) => Ok(()),
        Ok(false) => Err(format!("line {line}: {} mismatch", f.name())),
        Err(m) => Err(format!("line {line}: {}: {m}", f.name())),
    })
}

fn params_json(p: &Params) -> Value {
    Value::Object(
        p.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect::<Map<_, _>>(),
    )
}

fn params_text(p: &Params) -> String {
    p.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

pub fn identify(json: bool) -> Result<()> {
    let buf = read_stdin()?;
    let mut w = BufWriter::new(std::io::stdout().lock());
    for l in lines(&buf) {
        let text = String::from_utf8_lossy(l);
        let text = text.trim_end_matches('\r');
        let e = match text.split_once('\t') {
            Some((h, s)) => Encoded {
                hash: h.trim().to_string(),
                salt: Some(s.trim().to_string()),
            },
            None => Encoded::new(text.trim().to_string()),
        };
        let found = super::identify_encoded(&e);
        if json {
            let v = match &found {
                Some((f, p)) => {
                    json!({"hash": e.hash, "format": f.name(), "params": params_json(p)})
                }
                None => json!({"hash": e.hash, "format": null, "params": {}}),
            };
            writeln!(w, "{v}")
        } else {
            match &found {
                Some((f, p)) if p.is_empty() => writeln!(w, "{}", f.name()),
                Some((f, p)) => writeln!(w, "{} {}", f.name(), params_text(p)),
                None => writeln!(w, "unknown"),
            }
        }
        .map_err(out_err)?;
    }
    w.flush().map_err(out_err)
}

/// Seconds per hash with default parameters (wall time on one thread; at least 3 hashes or 0.3 s).
pub fn bench(f: &dyn HashFormat) -> std::result::Result<f64, String> {
    let params = f.default_params();
    let start = std::time::Instant::now();
    let mut n = 0u64;
    while n < 3 || start.elapsed().as_secs_f64() < 0.3 {
        f.hash(b"password123", &params, &mut Rng::at(7, n))?;
        n += 1;
    }
    Ok(start.elapsed().as_secs_f64() / n as f64)
}

/// What each identity provider makes of a format at its default
/// parameters: (provider, `imports` | `jit` | `reset`, detail). Given by the
/// caller (`export::rules::matrix`, the one import matrix).
pub type Matrix<'a> = &'a dyn Fn(&dyn HashFormat) -> Vec<(&'static str, &'static str, String)>;

/// The import matrix as a Markdown table: a row per format, a column per
/// provider (`hash list --matrix`; docs/hashes.md holds its output).
pub fn matrix_markdown(matrix: Matrix) -> String {
    let mut s = String::new();
    for (i, f) in super::all().iter().enumerate() {
        let row = matrix(*f);
        if i == 0 {
            s.push_str("| format |");
            for (t, ..) in &row {
                s.push_str(&format!(" {t} |"));
            }
            s.push_str("\n|---|");
            s.push_str(&"---|".repeat(row.len()));
            s.push('\n');
        }
        s.push_str(&format!("| `{}` |", f.name()));
        for (_, kind, detail) in &row {
            let cell = match *kind {
                "imports" => format!("✓ {detail}"),
                k => format!("{k}: {detail}"),
            };
            s.push_str(&format!(" {} |", cell.replace('|', "\\|")));
        }
        s.push('\n');
    }
    s
}

/// One format as `hash list --json` prints it.
pub fn describe(f: &dyn HashFormat, matrix: Matrix) -> Value {
    let imports: Map<String, Value> = matrix(f)
        .into_iter()
        .map(|(t, kind, detail)| (t.to_string(), json!({"kind": kind, "detail": detail})))
        .collect();
    json!({
        "name": f.name(),
        "example": f.example(),
        "example_password": "password123",
        "default_params": params_json(&f.default_params()),
        "light_params": params_json(&f.light_params()),
        "salt_in_column": f.salt_in_column(),
        "encoding": f.encoding(),
        "imports": imports,
        "notes": f.notes(),
    })
}

pub fn list(json: bool, bench_too: bool, matrix: Matrix) -> Result<()> {
    let mut w = BufWriter::new(std::io::stdout().lock());
    let mut all = Vec::new();
    for f in super::all() {
        let mut d = describe(*f, matrix);
        if bench_too {
            let secs = bench(*f).map_err(|e| Error::usage(format!("{}: {e}", f.name())))?;
            d["bench"] =
                json!({"seconds_per_hash": secs, "hashes_per_second": 1.0 / secs, "threads": 1});
        }
        if json {
            all.push(d);
            continue;
        }
        writeln!(w, "{}", f.name()).map_err(out_err)?;
        let p = f.default_params();
        writeln!(
            w,
            "  params:   {}",
            if p.is_empty() {
                "(none)".into()
            } else {
                params_text(&p)
            }
        )
        .map_err(out_err)?;
        writeln!(
            w,
            "  light:    {}",
            if p.is_empty() {
                "(none)".into()
            } else {
                params_text(&f.light_params())
            }
        )
        .map_err(out_err)?;
        if !f.example().is_empty() {
            writeln!(w, "  example:  {}   (password123)", f.example()).map_err(out_err)?;
        }
        writeln!(w, "  encoding: {}", f.encoding()).map_err(out_err)?;
        let imp: Vec<String> = matrix(*f)
            .into_iter()
            .map(|(t, kind, detail)| {
                if detail.is_empty() {
                    format!("{t} {kind}")
                } else {
                    format!("{t} {kind} ({detail})")
                }
            })
            .collect();
        writeln!(w, "  imports:  {}", imp.join("\n            ")).map_err(out_err)?;
        if !f.notes().is_empty() {
            writeln!(w, "  notes:    {}", f.notes()).map_err(out_err)?;
        }
        if let Some(b) = d.get("bench") {
            let us = b["seconds_per_hash"].as_f64().unwrap_or(0.0) * 1e6;
            writeln!(w, "  cost:     {us:.1} µs per hash, one thread").map_err(out_err)?;
        }
        writeln!(w).map_err(out_err)?;
    }
    if json {
        serde_json::to_writer_pretty(&mut w, &Value::Array(all))
            .map_err(|e| Error::target(e.to_string()))?;
        writeln!(w).map_err(out_err)?;
    }
    w.flush().map_err(out_err)
}
