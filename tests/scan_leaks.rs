//! `scan-leaks`: plants generated passwords (plain, JSON-escaped, URL-encoded)
//! in files and directories, checks every one is found with its user, and that
//! clean outputs report nothing. The encoders here are written independently
//! of the product's (serde_json for JSON, a hand-written percent-encoder).

mod common;
use common::*;
use std::collections::HashMap;

fn url_encode(s: &str, upper: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else if b == b' ' {
            out.push('+');
        } else if upper {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    out
}

fn ascii_json(s: &str) -> String {
    // Python's json.dumps default (ensure_ascii): \uXXXX for non-ASCII.
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            c if (c as u32) < 0x20 || !c.is_ascii() => {
                let mut b = [0u16; 2];
                for u in c.encode_utf16(&mut b) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

struct Data {
    dir: tempfile::TempDir,
    /// Per user index: (email, password).
    users: Vec<(String, String)>,
}

fn generate(n: u64, edge_rate: &str) -> Data {
    let dir = tempdir();
    let out = dir.path().join("gen");
    same_users(understudy("generate"), n, edge_rate)
        .args(["--emit-passwords", "--quiet"])
        .flag("--out", &out)
        .run()
        .success();
    let (h, rows) = read_csv(&out.join("users.csv"));
    let email = h.iter().position(|c| c == "email").unwrap();
    let (_, pw) = read_csv(&out.join("passwords.csv"));
    assert_eq!(rows.len(), pw.len());
    let users = rows
        .iter()
        .zip(&pw)
        .map(|(r, p)| {
            (
                r[email].clone().unwrap_or_default(),
                p[1].clone().unwrap_or_default(),
            )
        })
        .collect();
    Data { dir, users }
}

/// The flags that make `generate` and `scan-leaks` think of the same users.
fn same_users(run: Understudy, n: u64, edge_rate: &str) -> Understudy {
    run.users(n)
        .flag("--seed", "9")
        .flag("--hash-cost", "light")
        .flag("--edge-rate", edge_rate)
}

fn scan(d: &Data, n: u64, edge_rate: &str, paths: &[&std::path::Path]) -> Ran {
    let _ = d;
    same_users(understudy("scan-leaks").args(paths), n, edge_rate)
        .arg("--json")
        .run()
}

#[test]
fn finds_every_planted_password_and_nothing_in_clean_files() {
    let n = 400;
    let d = generate(n, "0.3");
    let root = d.dir.path();
    // Clean outputs of a run: the generated tables themselves (hashes, emails, names).
    let clean = root.join("gen");
    std::fs::remove_file(clean.join("passwords.csv")).unwrap();
    let o = scan(&d, n, "0.3", &[&clean]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);
    assert!(v["files"].as_u64().unwrap() >= 5);

    // Plant: every 7th user's password, in turn plain in a log line, JSON in a
    // HAR-like body (serde_json and ASCII-only escaping), URL-encoded in a query.
    let leaks = root.join("leaks");
    std::fs::create_dir_all(leaks.join("nested/deeper")).unwrap();
    let mut log = String::new();
    let mut har = String::new();
    let mut url = String::new();
    let mut planted: Vec<(usize, &str, String, u64)> = Vec::new(); // (user, file, form, line)
    let mut lines = [0u64; 3];
    for (i, (email, pw)) in d.users.iter().enumerate() {
        if i % 7 != 0 || pw.len() < 5 || pw.trim().is_empty() {
            continue;
        }
        match (i / 7) % 4 {
            0 => {
                lines[0] += 1;
                log.push_str(&format!(
                    "2026-11-25T10:00:00Z INFO login user={email} password={pw} ok\n"
                ));
                planted.push((i, "app.log", "plain".into(), lines[0]));
            }
            1 => {
                lines[1] += 1;
                let body = serde_json::json!({"username": email, "password": pw}).to_string();
                har.push_str(&format!(
                    "{{\"request\": {{\"postData\": {{\"text\": {}}}}}}}\n",
                    serde_json::Value::String(body)
                ));
                // serde_json of serde_json: the password is double-escaped only
                // when it contains escapes; plain passwords stay findable.
                planted.push((i, "run.har", "any".into(), lines[1]));
            }
            2 => {
                lines[2] += 1;
                url.push_str(&format!(
                    "GET /login?user={}&pw={}&x=1\n",
                    url_encode(email, true),
                    url_encode(pw, i % 2 == 0)
                ));
                planted.push((i, "access.log", "url".into(), lines[2]));
            }
            _ => {
                lines[1] += 1;
                har.push_str(&format!("{{\"password\": \"{}\"}}\n", ascii_json(pw)));
                planted.push((i, "run.har", "json".into(), lines[1]));
            }
        }
    }
    std::fs::write(leaks.join("app.log"), &log).unwrap();
    std::fs::write(leaks.join("nested/run.har"), &har).unwrap();
    // A binary file with the access log embedded among NUL and high bytes.
    let mut bin_bytes = vec![0u8, 0xff, 0xfe, 0x80];
    bin_bytes.extend_from_slice(url.as_bytes());
    bin_bytes.extend_from_slice(&[0u8; 16]);
    std::fs::write(leaks.join("nested/deeper/access.log"), &bin_bytes).unwrap();

    let o = scan(&d, n, "0.3", &[&leaks, &clean]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let findings = v["findings"].as_array().unwrap();
    let mut found: HashMap<(String, u64), Vec<(u64, String)>> = HashMap::new();
    for f in findings {
        let file = f["file"].as_str().unwrap();
        assert!(
            file.starts_with(leaks.to_str().unwrap()),
            "finding in a clean file: {f}"
        );
        let name = std::path::Path::new(file)
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        found
            .entry((name, f["line"].as_u64().unwrap()))
            .or_default()
            .push((
                f["user"].as_u64().unwrap(),
                f["form"].as_str().unwrap().to_string(),
            ));
        // Never the password itself in the output.
        let pw = &d.users[f["user"].as_u64().unwrap() as usize].1;
        assert!(
            !o.stdout.windows(pw.len()).any(|w| w == pw.as_bytes())
                || pw.len() < 8 && !pw.contains(|c: char| !c.is_ascii_alphanumeric()),
            "password of user {} printed",
            f["user"]
        );
    }
    assert!(planted.len() > 40, "{}", planted.len());
    for (i, file, form, line) in &planted {
        let hits = found.get(&(file.to_string(), *line)).unwrap_or_else(|| {
            panic!("planted password of user {i} ({file}:{line}, {form}) not found")
        });
        // The finding names a user with exactly this password (pool users share).
        assert!(
            hits.iter()
                .any(|(u, f)| d.users[*u as usize].1 == d.users[*i].1
                    && (form == "any" || f == form || f == "plain")),
            "user {i} at {file}:{line}: {hits:?}"
        );
    }
    // Text output: file:line: user N <email> (form: …).
    let o = same_users(
        understudy("scan-leaks").arg(leaks.join("app.log")),
        n,
        "0.3",
    )
    .run()
    .code(1);
    let text = String::from_utf8(o.stdout).unwrap();
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with(&format!("{}:1: user ", leaks.join("app.log").display())),
        "{first}"
    );
    assert!(first.contains("(form: plain"), "{first}");
}

#[test]
fn usage_errors_exit_2() {
    understudy("scan-leaks")
        .arg("/nonexistent/path")
        .users(10)
        .run()
        .code(2);
    understudy("scan-leaks").users(10).run().code(2);
}
