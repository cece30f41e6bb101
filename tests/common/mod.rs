//! Helpers shared by the integration tests: run the built binary, read its
//! outputs with parsers written independently of the product's writers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_understudy"))
}

pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run understudy")
}

/// Runs and asserts success, returning stdout.
pub fn ok(args: &[&str]) -> Vec<u8> {
    let o = run(args);
    assert!(
        o.status.success(),
        "understudy {} failed: {}\n{}",
        args.join(" "),
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

pub fn path(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

pub fn sha256(path: &Path) -> String {
    use sha2::Digest;
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A CSV field as PostgreSQL reads it: unquoted empty is NULL.
pub type Field = Option<String>;

/// Parses CSV in PostgreSQL's convention (header row first).
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<Field>>) {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut rows = parse_csv(&text);
    let header = rows
        .remove(0)
        .into_iter()
        .map(|f| f.unwrap_or_default())
        .collect();
    (header, rows)
}

pub fn parse_csv(text: &str) -> Vec<Vec<Field>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let (mut quoted, mut in_quotes, mut at_start) = (false, false, true);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if at_start => {
                in_quotes = true;
                quoted = true;
                at_start = false;
            }
            ',' | '\n' => {
                let f = std::mem::take(&mut field);
                row.push(if f.is_empty() && !quoted {
                    None
                } else {
                    Some(f)
                });
                quoted = false;
                at_start = true;
                if c == '\n' {
                    rows.push(std::mem::take(&mut row));
                }
            }
            _ => {
                field.push(c);
                at_start = false;
            }
        }
    }
    assert!(
        field.is_empty() && row.is_empty(),
        "CSV must end with a newline"
    );
    rows
}

pub fn manifest(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("manifest.json");
    serde_json::from_str(&text).expect("manifest is JSON")
}

/// Peak RSS in KiB of a finished child, from wait4(2).
#[cfg(unix)]
pub fn run_peak_rss(cmd: &mut Command) -> (std::process::ExitStatus, u64) {
    use std::os::unix::process::ExitStatusExt;
    let child = cmd.spawn().expect("spawn");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child's pid with valid out-pointers.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4");
    std::mem::forget(child);
    (
        std::process::ExitStatus::from_raw(status),
        usage.ru_maxrss as u64,
    )
}

/// A Python virtualenv with `packages`, shared by the tests under
/// target/test-venv; `None` (with the reason printed) when it cannot be made.
pub fn python_venv(packages: &[&str]) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv");
    let py = dir.join("bin/python");
    let _lock = VENV.lock().unwrap_or_else(|e| e.into_inner());
    if !py.exists() {
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&dir)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            println!("SKIP: python3 -m venv failed; install python3-venv to run this check");
            return None;
        }
    }
    let ok = Command::new(&py)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(packages)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        println!(
            "SKIP: pip install {} failed (no registry access?)",
            packages.join(" ")
        );
        return None;
    }
    Some(py)
}

static VENV: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// labels.csv as (table, row_key, field, label).
pub fn read_labels(dir: &Path) -> Vec<(String, String, String, String)> {
    let (h, rows) = read_csv(&dir.join("labels.csv"));
    assert_eq!(h, ["table", "row_key", "field", "label"]);
    rows.into_iter()
        .map(|r| {
            let f = |i: usize| r[i].clone().unwrap_or_default();
            (f(0), f(1), f(2), f(3))
        })
        .collect()
}
