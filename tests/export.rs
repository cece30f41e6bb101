//! `export --to <provider>` and `assess`: the files each provider takes,
//! checked by an independent oracle (tests/oracles/export_oracle.py: the
//! provider's schema or allowed keys, and every re-encoded hash verified with
//! hashlib, libxcrypt, argon2-cffi, passlib, Django); assess agreeing with
//! export user for user; the same bytes at any thread count.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const PROVIDERS: [&str; 7] = [
    "auth0", "okta", "firebase", "keycloak", "cognito", "clerk", "supabase",
];

fn profile() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/profiles/every-format.toml")
        .display()
        .to_string()
}

fn export(p: &str, users: &str, out: &Path, threads: &str) {
    export_at(p, users, out, threads, "profile");
}

fn export_at(p: &str, users: &str, out: &Path, threads: &str, cost: &str) {
    let out = out.to_str().unwrap();
    let profile = profile();
    common::ok(&[
        "export",
        "--to",
        p,
        "--profile",
        &profile,
        "--users",
        users,
        "--out",
        out,
        "--emit-passwords",
        "-j",
        threads,
        "-q",
        "--hash-cost",
        cost,
    ]);
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn assess_agrees_with_export_user_for_user() {
    let dir = tempfile::tempdir().unwrap();
    let assess: serde_json::Value = serde_json::from_slice(&common::ok(&[
        "assess",
        "--profile",
        &profile(),
        "--users",
        "2000",
        "--json",
    ]))
    .unwrap();
    assert_eq!(assess["kind"], "assess");
    assert_eq!(assess["schema_version"], 1);
    for (i, p) in PROVIDERS.iter().enumerate() {
        export(p, "2000", dir.path(), "2");
        let summary = json(&dir.path().join(p).join("summary.json"));
        assert_eq!(summary, assess["providers"][i], "{p}");
        let refused =
            std::fs::read_to_string(dir.path().join(p).join("not-importable.csv")).unwrap();
        let n = summary["users"].as_u64().unwrap() - summary["importable"].as_u64().unwrap();
        assert_eq!(
            refused.lines().count() as u64 - 1,
            n,
            "{p}: one row per user not importable"
        );
        assert!(summary["importable"].as_u64().unwrap() > 0, "{p}");
        assert!(n > 0, "{p}: the mix has formats every provider refuses");
    }
    // Auth0's files are split under 500 KB.
    let files: Vec<_> = std::fs::read_dir(dir.path().join("auth0"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("users-"))
        .collect();
    assert!(
        files.len() >= 2,
        "2,000 users need more than one Auth0 file"
    );
    for f in files {
        assert!(f.metadata().unwrap().len() <= 500_000);
    }
    // Firebase's ceiling (PBKDF2 over 120,000 rounds) and Cognito's field limit show.
    let fb = json(&dir.path().join("firebase/summary.json"));
    assert!(fb.to_string().contains("1000000 iterations over 120000"));
    let pw = dir.path().join("passwords-okta.csv");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(pw).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn export_bytes_do_not_depend_on_threads() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for p in ["auth0", "firebase", "cognito"] {
        export(p, "3000", a.path(), "1");
        export(p, "3000", b.path(), "3");
        let list = |d: &Path| -> Vec<(PathBuf, Vec<u8>)> {
            let mut v = Vec::new();
            let mut stack = vec![d.join(p)];
            while let Some(x) = stack.pop() {
                for e in std::fs::read_dir(&x).unwrap().flatten() {
                    if e.path().is_dir() {
                        stack.push(e.path());
                    } else {
                        v.push((
                            e.path().strip_prefix(d).unwrap().to_path_buf(),
                            std::fs::read(e.path()).unwrap(),
                        ));
                    }
                }
            }
            v.sort();
            v
        };
        assert!(
            list(a.path()) == list(b.path()),
            "{p}: -j 1 and -j 3 differ"
        );
    }
}

#[test]
fn export_refuses_a_non_empty_directory_without_force() {
    let dir = tempfile::tempdir().unwrap();
    export("okta", "50", dir.path(), "1");
    let o = common::run(&[
        "export",
        "--to",
        "okta",
        "--users",
        "50",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
}

const PACKAGES: &[&str] = &[
    "passlib==1.7.4",
    "bcrypt==4.0.1",
    "argon2-cffi",
    "django",
    "cryptography",
    "jsonschema",
    "crypt-r; python_version >= '3.13'",
];

fn sh(cmd: &mut Command) -> Result<(), String> {
    match cmd.stdout(Stdio::null()).stderr(Stdio::piped()).output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(String::from_utf8_lossy(&o.stderr)
            .lines()
            .last()
            .unwrap_or("failed")
            .to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// A virtualenv with the judges, kept under the target dir between runs.
fn venv() -> Result<PathBuf, String> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("export-venv");
    let py = dir.join("bin/python");
    let stamp = dir.join("ok");
    if stamp.exists() {
        return Ok(py);
    }
    sh(Command::new("python3").args(["-m", "venv"]).arg(&dir))
        .map_err(|e| format!("cannot create a venv: {e}"))?;
    sh(Command::new(&py)
        .args(["-m", "pip", "install", "-q"])
        .args(PACKAGES))
    .map_err(|e| format!("pip install failed: {e}"))?;
    std::fs::write(&stamp, "").map_err(|e| e.to_string())?;
    Ok(py)
}

#[test]
fn every_reencoded_hash_verifies_under_the_providers_algorithm() {
    if std::env::var_os("UNDERSTUDY_SKIP_PYTHON").is_some() {
        common::skip("UNDERSTUDY_SKIP_PYTHON is set");
        return;
    }
    let py = match venv() {
        Ok(p) => p,
        Err(why) => {
            common::skip(&why);
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let oracle = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/export_oracle.py");
    for p in PROVIDERS {
        // Light work factors: every format and encoding, quick to verify in Python.
        export_at(p, "500", dir.path(), "2", "light");
        let o = Command::new(&py)
            .arg("-W")
            .arg("ignore")
            .arg(&oracle)
            .arg(dir.path())
            .arg(p)
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{p}: {out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        assert!(v["verified"].as_u64().unwrap() > 0, "{p}: {v}");
        assert_eq!(v["covered"], 500, "{p}: {v}");
    }
}
