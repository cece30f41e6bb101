//! `export --to <provider>` and `assess`: the files each provider takes,
//! checked by an independent oracle (tests/oracles/export_oracle.py: the
//! provider's schema or allowed keys, and every re-encoded hash verified with
//! hashlib, libxcrypt, argon2-cffi, passlib, Django); assess agreeing with
//! export user for user; the same bytes at any thread count.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

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
            refused
                .lines()
                .skip(1)
                .filter(|l| !l.contains(",mfa_reenroll,"))
                .count() as u64,
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
    "pyotp",
    "crypt-r; python_version >= '3.13'",
];

/// A virtualenv with the judges, kept under the target dir between runs.
fn venv() -> Option<PathBuf> {
    common::oracle_python("export-venv-2", PACKAGES, |_| Ok(()))
}

#[test]
fn every_reencoded_hash_verifies_under_the_providers_algorithm() {
    let Some(py) = venv() else {
        return;
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

/// Each user's verdict follows the providers' documentation as the oracle
/// reads it (tests/oracles/idp_rules.py, judging `generate`'s users table for
/// the same profile, seed and edge rate): every refusal's reason and
/// consequence, no refused format imported, summary.json per format; and every
/// exported TOTP secret gives the user's RFC 6238 codes under pyotp. The
/// profile is the acceptance one (every catalogue format, parameters on both
/// sides of the ceilings, the identity graph), at light work factors.
#[test]
fn every_verdict_follows_the_providers_documented_rules() {
    let Some(py) = venv() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let profile = root.join("benches/compare/idp-acceptance.toml");
    let profile = profile.to_str().unwrap();
    let out = dir.path().to_str().unwrap();
    let legacy = dir.path().join("legacy");
    let same = [
        "--profile",
        profile,
        "--users",
        "700",
        "--edge-rate",
        "0.05",
        "--hash-cost",
        "light",
        "-q",
    ];
    let mut generate = vec![
        "generate",
        "--format",
        "csv",
        "--out",
        legacy.to_str().unwrap(),
    ];
    generate.extend(same);
    common::ok(&generate);
    for p in PROVIDERS {
        let mut args = vec!["export", "--to", p, "--out", out, "--emit-passwords"];
        args.extend(same);
        common::ok(&args);
        let o = Command::new(&py)
            .args(["-W", "ignore"])
            .arg(root.join("tests/oracles/export_oracle.py"))
            .arg(dir.path())
            .arg(p)
            .arg(legacy.join("users.csv"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{p}: {text}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(v["rule_errors"], 0, "{p}: {v}");
        assert_eq!(v["covered"], 700, "{p}: {v}");
        // Every format of the catalogue reached the provider's verdict.
        assert!(v["by_format"].as_object().unwrap().len() >= 46, "{p}: {v}");
        if p != "firebase" && p != "cognito" {
            assert!(v["totp_exported"].as_u64().unwrap() > 20, "{p}: {v}");
            assert_eq!(v["totp_errors"], 0, "{p}: {v}");
        }
    }
}

/// The identity graph of `saas-mfa` reaches the providers that take it, each
/// value as `generate` wrote it: Auth0 `mfa_factors` (TOTP secret, phone),
/// Clerk `totp_secret`/`backup_codes`, Firebase `providerUserInfo` (every
/// linked identity of the user, none of another's).
#[test]
fn identity_graph_is_exported_as_generated() {
    use serde_json::Value;
    use std::collections::{BTreeSet, HashMap};
    let dir = tempfile::tempdir().unwrap();
    let d = |s: &str| dir.path().join(s).to_str().unwrap().to_string();
    let common = [
        "--profile",
        "saas-mfa",
        "--users",
        "400",
        "--edge-rate",
        "0",
        "-q",
    ];
    let generated = d("gen");
    common::ok(
        &[
            &["generate", "--format", "jsonl", "--out", &generated][..],
            &common,
        ]
        .concat(),
    );
    let lines = |f: &str| -> Vec<Value> {
        std::fs::read_to_string(Path::new(&generated).join(f))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let users = lines("users.jsonl");
    let email_of: HashMap<String, String> = users
        .iter()
        .map(|u| {
            (
                u["id"].as_str().unwrap().into(),
                u["email"].as_str().unwrap().into(),
            )
        })
        .collect();
    let mut linked: HashMap<String, BTreeSet<(String, String)>> = HashMap::new();
    for l in lines("user_identities.jsonl") {
        let email = email_of[l["user_id"].as_str().unwrap()].clone();
        linked.entry(email).or_default().insert((
            l["provider"].as_str().unwrap().into(),
            l["subject"].as_str().unwrap().into(),
        ));
    }
    assert!(linked.len() > 50, "too few users with linked identities");
    for p in ["auth0", "clerk", "firebase"] {
        common::ok(&[&["export", "--to", p, "--out", &d(p)][..], &common].concat());
    }
    let records = |p: &str| -> Vec<Value> {
        let mut out = Vec::new();
        for e in walk(&Path::new(&d(p)).join(p)) {
            let text = std::fs::read_to_string(&e).unwrap();
            match e.extension().and_then(|x| x.to_str()) {
                Some("json") if !e.ends_with("summary.json") => {
                    match serde_json::from_str(&text).unwrap() {
                        Value::Array(a) => out.extend(a),
                        Value::Object(o) => out.extend(o["users"].as_array().unwrap().clone()),
                        _ => {}
                    }
                }
                Some("ndjson" | "jsonl") => out.extend(
                    text.lines()
                        .map(|l| serde_json::from_str::<Value>(l).unwrap()),
                ),
                _ => {}
            }
        }
        out
    };
    let truth: HashMap<&str, &Value> = users
        .iter()
        .map(|u| (u["email"].as_str().unwrap(), u))
        .collect();
    let (mut totp, mut codes, mut socials) = (0, 0, 0);
    for r in records("auth0") {
        let u = truth[r["email"].as_str().unwrap()];
        let mut want = Vec::new();
        if let Some(s) = u["totp_secret"].as_str() {
            want.push(serde_json::json!({"totp": {"secret": s}}));
            totp += 1;
        }
        if let Some(p) = u["mfa_phone"].as_str() {
            want.push(serde_json::json!({"phone": {"value": p}}));
        }
        let got = r
            .get("mfa_factors")
            .cloned()
            .unwrap_or(Value::Array(vec![]));
        assert_eq!(
            got,
            Value::Array(want),
            "auth0 mfa_factors of {}",
            r["email"]
        );
    }
    for r in records("clerk") {
        let email = r["email_address"][0]
            .as_str()
            .or(r["email_address"].as_str())
            .unwrap();
        let u = truth[email];
        assert_eq!(
            r.get("totp_secret").and_then(Value::as_str),
            u["totp_secret"].as_str()
        );
        let want: Vec<Value> = u["backup_codes"].as_array().cloned().unwrap_or_default();
        let got: Vec<Value> = r
            .get("backup_codes")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        codes += usize::from(!got.is_empty());
        assert_eq!(got, want, "clerk backup_codes of {email}");
    }
    for r in records("firebase") {
        let email = r["email"].as_str().unwrap();
        let got: BTreeSet<(String, String)> = r
            .get("providerUserInfo")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|p| {
                        (
                            p["providerId"].as_str().unwrap().into(),
                            p["rawId"].as_str().unwrap().into(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        socials += usize::from(!got.is_empty());
        // `firebase auth:import` takes links of these four providers only.
        let want: BTreeSet<(String, String)> = linked
            .get(email)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|(p, _)| {
                ["google.com", "facebook.com", "twitter.com", "github.com"].contains(&p.as_str())
            })
            .collect();
        assert_eq!(got, want, "firebase providerUserInfo of {email}");
    }
    assert!(
        totp > 20 && codes > 20 && socials > 20,
        "totp {totp}, codes {codes}, socials {socials}"
    );
}

/// `saas-mfa` with many edge cases: every user whose MFA phone is not E.164
/// (`mfa.phone-*`) is listed by Auth0 as `field_limit` → `mfa_reenroll` and
/// sent without the phone factor; a provider that takes no SMS factor lists
/// every phone as `format` → `mfa_reenroll`; assess counts the same users.
#[test]
fn mfa_phones_a_provider_refuses_are_listed_and_never_sent() {
    use serde_json::Value;
    use std::collections::BTreeSet;
    let dir = tempfile::tempdir().unwrap();
    let d = |s: &str| dir.path().join(s).to_str().unwrap().to_string();
    let common = [
        "--profile",
        "saas-mfa",
        "--users",
        "1500",
        "--edge-rate",
        "0.3",
        "--hash-cost",
        "light",
    ];
    let generated = d("gen");
    common::ok(
        &[
            &["generate", "--format", "jsonl", "-q", "--out", &generated][..],
            &common,
        ]
        .concat(),
    );
    let users: Vec<Value> = std::fs::read_to_string(Path::new(&generated).join("users.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let e164 = |p: &str| {
        p.len() > 1
            && p.len() <= 16
            && p.starts_with('+')
            && p[1..].bytes().all(|b| b.is_ascii_digit())
    };
    let phone_of = |u: &Value| u["mfa_phone"].as_str().map(str::to_string);
    let bad: BTreeSet<String> = users
        .iter()
        .filter(|u| phone_of(u).is_some_and(|p| !e164(&p)))
        .map(|u| u["email"].as_str().unwrap().to_string())
        .collect();
    let any_phone = users.iter().filter(|u| phone_of(u).is_some()).count();
    assert!(bad.len() >= 10, "only {} users with a bad phone", bad.len());
    let assess: Value = serde_json::from_slice(&common::ok(
        &[
            &[
                "assess", "--json", "--to", "auth0", "--to", "clerk", "--to", "okta",
            ][..],
            &common,
        ]
        .concat(),
    ))
    .unwrap();
    for (i, p) in ["auth0", "clerk", "okta"].iter().enumerate() {
        common::ok(
            &[
                &["export", "-q", "--force", "--to", p, "--out", &d("x")][..],
                &common,
            ]
            .concat(),
        );
        let refused =
            std::fs::read_to_string(Path::new(&d("x")).join(p).join("not-importable.csv")).unwrap();
        let mut rows = csv_rows(&refused);
        let not_imported: BTreeSet<String> = rows
            .iter()
            .filter(|r| r[5] != "mfa_reenroll" && r[4] != "no_hash")
            .map(|r| r[2].clone())
            .collect();
        rows.retain(|r| r[5] == "mfa_reenroll");
        let phone_rows: BTreeSet<String> = rows
            .iter()
            .filter(|r| r[6].contains("SMS phone"))
            .map(|r| r[2].clone())
            .collect();
        let summary = json(&Path::new(&d("x")).join(p).join("summary.json"));
        assert_eq!(
            summary, assess["providers"][i],
            "{p}: assess and export agree"
        );
        assert_eq!(
            summary["mfa_reenroll"].as_u64().unwrap(),
            rows.len() as u64,
            "{p}"
        );
        if *p == "auth0" {
            // Every user is imported (bcrypt, argon2id): exactly the bad phones.
            assert_eq!(phone_rows, bad, "auth0: the users with a non-E.164 phone");
            for r in rows.iter().filter(|r| r[6].contains("SMS phone")) {
                assert_eq!(r[4], "field_limit", "{r:?}");
            }
            let text =
                std::fs::read_to_string(Path::new(&d("x")).join("auth0/users-0001.json")).unwrap();
            let recs: Value = serde_json::from_str(&text).unwrap();
            for r in recs.as_array().unwrap() {
                for f in r["mfa_factors"].as_array().into_iter().flatten() {
                    if let Some(ph) = f["phone"]["value"].as_str() {
                        assert!(e164(ph), "auth0 sent {ph}");
                    }
                }
            }
        } else if *p == "okta" {
            // Okta enrols phones through the Factors API (factors-*.ndjson): a
            // bad phone of an imported user is listed, never in the file.
            let imported_bad: BTreeSet<String> = bad.difference(&not_imported).cloned().collect();
            assert_eq!(phone_rows, imported_bad, "okta");
            assert!(!imported_bad.is_empty());
            let text = std::fs::read_to_string(Path::new(&d("x")).join("okta/factors-0001.ndjson"))
                .unwrap();
            let (mut sms, mut totp) = (0, 0);
            for l in text.lines() {
                let v: Value = serde_json::from_str(l).unwrap();
                let login = v["login"].as_str().unwrap();
                assert!(
                    !not_imported.contains(login),
                    "okta: a factor of a user not imported"
                );
                match v["factor"]["factorType"].as_str().unwrap() {
                    "sms" => {
                        let ph = v["factor"]["profile"]["phoneNumber"].as_str().unwrap();
                        assert!(e164(ph), "okta sent {ph}");
                        assert_eq!(v["factor"]["provider"], "OKTA");
                        sms += 1;
                    }
                    "token:hotp" => {
                        assert_eq!(v["factor"]["provider"], "CUSTOM");
                        let s = v["factor"]["profile"]["sharedSecret"].as_str().unwrap();
                        assert!(
                            s.bytes()
                                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)),
                            "{s}"
                        );
                        totp += 1;
                    }
                    t => panic!("okta factor {t}"),
                }
            }
            assert!(sms > 10 && totp > 10, "sms {sms}, totp {totp}");
            let script =
                std::fs::read_to_string(Path::new(&d("x")).join("okta/import.sh")).unwrap();
            assert!(
                script.contains("/factors?activate=true") && script.contains("factors-0001.ndjson")
            );
        } else {
            // Clerk takes no SMS factor: every phone is listed, as `format`.
            assert_eq!(phone_rows.len(), any_phone, "clerk");
            assert!(rows.iter().all(|r| r[4] == "format"), "clerk");
        }
    }
}

/// The rows of a CSV file after its header (RFC 4180 quoting).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => field.push(c),
        }
    }
    rows.remove(0);
    rows
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}
