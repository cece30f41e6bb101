//! What every report starts with, and reading a report file whatever its
//! kind or version (ARCHITECTURE.md § Reports).

use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The head of every report (`#[serde(flatten)]` into each kind's struct):
/// what the file is, and what wrote it when.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Head {
    /// The version of this kind's shape; a reader refuses a version it does not know.
    pub schema_version: u32,
    /// `rehearse`, `estimate`, `jit` or `scan-leaks`: which struct the rest is.
    pub kind: String,
    pub tool: String,
    /// understudy's version.
    pub version: String,
    /// RFC 3339, UTC; empty in a version-1 jit report, which did not say.
    pub started_at: String,
    /// The understudy command that wrote the report.
    pub command: String,
}

impl Head {
    /// The head of a `kind` report written by `kind`'s command, started at `started_at`.
    pub fn new(kind: &str, schema_version: u32, started_at: String) -> Head {
        Head {
            schema_version,
            kind: kind.into(),
            tool: "understudy".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            started_at,
            command: kind.into(),
        }
    }
}

/// Now, RFC 3339 in UTC: a report's `started_at`.
pub fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let mut s = String::new();
    crate::time::push_rfc3339(&mut s, secs);
    s
}

/// Version 1 had no shared head: rehearse and estimate reports said what they
/// were in `command`, jit reports in `kind` (with `tool_version` for
/// `version`, and no `tool`, `started_at` or `command`). Rewrites such a head
/// into the current one; the rest of a version-1 body reads as it is.
fn upgrade_v1(v: &mut serde_json::Map<String, serde_json::Value>, kind: &str) {
    use serde_json::Value::String as S;
    v.entry("kind").or_insert_with(|| S(kind.into()));
    v.entry("command").or_insert_with(|| S(kind.into()));
    v.entry("tool").or_insert_with(|| S("understudy".into()));
    if let Some(version) = v.remove("tool_version") {
        v.entry("version").or_insert(version);
    }
    v.entry("started_at").or_insert_with(|| S(String::new()));
}

/// Every string of `v` that holds a DSN or URL (`…://…`), redacted.
fn redact_dsns(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) if s.contains("://") => *s = crate::redact::dsn(s),
        serde_json::Value::Array(a) => a.iter_mut().for_each(redact_dsns),
        serde_json::Value::Object(o) => o.values_mut().for_each(redact_dsns),
        _ => {}
    }
}

/// A report file read as JSON, its head brought to the current version: the
/// caller picks the struct by `kind`.
pub struct Loaded {
    pub kind: &'static str,
    path: PathBuf,
    json: serde_json::Value,
}

impl Loaded {
    /// Reads `path`, a report of one of `kinds` (kind, the schema version this
    /// build writes; every version from 1 to it is read).
    pub fn read(path: &Path, kinds: &[(&'static str, u32)]) -> Result<Loaded> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
        let names: Vec<&str> = kinds.iter().map(|k| k.0).collect();
        let readable = match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => names.concat(),
        };
        let not_ours = |why: String| {
            Error::usage(format!(
                "{} is not an understudy report ({why}); `report` reads what {readable} write with --report",
                path.display()
            ))
        };
        let mut v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| not_ours(format!("not JSON: {e}")))?;
        // A report written by hand or by an older build may hold a password:
        // what `report show|html` print is redacted whatever the file says.
        redact_dsns(&mut v);
        let what = v
            .get("kind")
            .or_else(|| v.get("command"))
            .and_then(|k| k.as_str());
        let (kind, reads) = match what {
            Some(w) => match kinds.iter().find(|(k, _)| *k == w) {
                Some(&k) => k,
                // Ours (a scan-leaks summary), but not a kind `report` renders.
                None if v.get("tool").and_then(|t| t.as_str()) == Some("understudy") => {
                    return Err(Error::usage(format!(
                        "{} is a `{w}` report, which `report` does not render; it reads what {readable} write with --report",
                        path.display()
                    )));
                }
                None => return Err(not_ours(format!("it says it is `{w}`"))),
            },
            None => return Err(not_ours("no `command` or `kind` field".into())),
        };
        let version = v.get("schema_version").and_then(|x| x.as_u64());
        match (version, v.as_object_mut()) {
            (Some(1), Some(o)) => upgrade_v1(o, kind),
            (Some(n), _) if (1..=u64::from(reads)).contains(&n) => {}
            _ => {
                let reads = if reads == 1 {
                    "1".to_string()
                } else {
                    format!("1 to {reads}")
                };
                return Err(Error::usage(format!(
                    "{}: {kind} report schema_version {} (this understudy reads {reads})",
                    path.display(),
                    version.map_or_else(|| "missing".to_string(), |x| x.to_string()),
                )));
            }
        }
        Ok(Loaded {
            kind,
            path: path.to_path_buf(),
            json: v,
        })
    }

    /// The report as `kind`'s struct.
    pub fn parse<T: DeserializeOwned>(self) -> Result<T> {
        serde_json::from_value(self.json).map_err(|e| {
            Error::usage(format!(
                "{} is a {} report that this understudy cannot read: {e}",
                self.path.display(),
                self.kind
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_1_jit_head_reads_as_the_current_one() {
        let mut v = serde_json::json!({
            "schema_version": 1, "kind": "jit", "tool_version": "0.9.0", "users": 3
        });
        upgrade_v1(v.as_object_mut().unwrap(), "jit");
        let head: Head = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(
            head,
            Head {
                schema_version: 1,
                kind: "jit".into(),
                tool: "understudy".into(),
                version: "0.9.0".into(),
                started_at: String::new(),
                command: "jit".into(),
            }
        );
        assert!(v.get("tool_version").is_none() && v["users"] == 3);
    }

    #[test]
    fn a_version_1_rehearse_head_gains_only_its_kind() {
        let mut v = serde_json::json!({
            "schema_version": 1, "tool": "understudy", "version": "0.9.0",
            "command": "rehearse", "started_at": "2026-11-30T10:00:00Z"
        });
        upgrade_v1(v.as_object_mut().unwrap(), "rehearse");
        let head: Head = serde_json::from_value(v).unwrap();
        assert_eq!(head.kind, "rehearse");
        assert_eq!(head.started_at, "2026-11-30T10:00:00Z");
    }
}
