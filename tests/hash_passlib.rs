//! Hashes made by the built `understudy hash` binary, judged by independent
//! implementations in a temporary Python virtualenv (passlib 1.7.4 with
//! libxcrypt for bcrypt, argon2-cffi, Django's hashers, hashlib
//! re-implementations: tests/vectors/oracle.py). 200 hostile passwords per
//! format; wrong passwords must fail. Skips, saying why, without python3/pip
//! (through `common::skip`, which fails instead when CI is set).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use understudy::hash;

const PACKAGES: &[&str] = &[
    "passlib==1.7.4",
    "bcrypt==4.0.1",
    "argon2-cffi",
    "django",
    "cryptography",
    // Python's crypt module (libxcrypt) left the standard library in 3.13.
    "crypt-r; python_version >= '3.13'",
];

/// A virtualenv with the judges, kept under the target dir between runs.
fn venv() -> Option<PathBuf> {
    common::oracle_python("judge-venv", PACKAGES, |py| {
        common::sh(
            Command::new(py)
                .args(["-W", "ignore", "-c", "import oracle"])
                .env(
                    "PYTHONPATH",
                    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors"),
                ),
        )
        .map_err(|e| format!("the judges (tests/vectors/oracle.py) do not import: {e}"))
    })
}

/// 200 hostile passwords: the list, then generated ones mixing scripts,
/// emoji, combining marks, whitespace and quotes at many lengths.
fn passwords() -> Vec<String> {
    let mut v: Vec<String> = vec![
        String::new(),
        "a".repeat(72),
        "a".repeat(73),
        format!("{}é", "a".repeat(71)),
        "é".repeat(36),
        "🔑🦀👩‍👩‍👧".into(),
        "e\u{301}le\u{300}ve".into(),
        " leading".into(),
        "trailing ".into(),
        "\ttab\t".into(),
        "   ".into(),
        "line\nbreak".into(),
        "cr\rlf\r\n".into(),
        "quote\"d".into(),
        "it's".into(),
        "back\\slash".into(),
        "x".repeat(1024),
        "中文密码".into(),
        "\u{200b}zero\u{200d}width".into(),
    ];
    let pieces = [
        "a", "Z", "9", " ", "\t", "\"", "'", "\\", "é", "e\u{301}", "ß", "中", "ع", "🦀", "👍🏽",
        "\u{200d}", "$", "{", "}", ":", "\u{fffd}",
    ];
    let mut rng = understudy::rng::Rng::at(0x5eed, 1);
    while v.len() < 200 {
        let len = match rng.below(10) {
            0 => 60 + rng.below(30) as usize,
            1 => 200 + rng.below(600) as usize,
            _ => rng.below(24) as usize,
        };
        v.push(
            (0..len)
                .map(|_| pieces[rng.below(pieces.len() as u64) as usize])
                .collect(),
        );
    }
    v
}

#[test]
fn understudy_hashes_verify_under_independent_implementations() {
    // On CI a skipped oracle is a failure: .ci/run installs python3-venv.
    let Some(py) = venv() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let records = work.path().join("records.jsonl");
    let mut out = std::fs::File::create(&records).unwrap();
    let all = passwords();
    assert_eq!(all.len(), 200);
    for f in hash::all() {
        let pws: Vec<&String> = all
            .iter()
            .filter(|p| !(f.name() == "drupal7" && p.len() > 512))
            .collect();
        let input: String = pws
            .iter()
            .map(|p| format!("{}\n", serde_json::json!({ "password": p })))
            .collect();
        let o = common::understudy("hash")
            .arg(f.name())
            .args(["--jsonl", "--light", "--seed", "7"])
            .stdin(input)
            .run()
            .success();
        let text = String::from_utf8(o.stdout).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), pws.len(), "{}", f.name());
        let params: serde_json::Map<String, serde_json::Value> = hash::light_params(*f)
            .into_iter()
            .map(|(k, v)| (k, v.into()))
            .collect();
        for (pw, line) in pws.iter().zip(lines) {
            let (h, salt) = match line.split_once('\t') {
                Some((h, s)) => (h, Some(s)),
                None => (line, None),
            };
            let rec = serde_json::json!({"format": f.name(), "password": pw, "hash": h, "salt": salt, "params": params});
            writeln!(out, "{rec}").unwrap();
        }
    }
    drop(out);
    let judge = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/judge.py");
    let o = Command::new(&py)
        .arg("-W")
        .arg("ignore")
        .arg(judge)
        .arg(&records)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&o.stdout);
    println!("{report}{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        o.status.success(),
        "independent judges rejected understudy hashes:\n{report}"
    );
    for f in hash::all() {
        assert!(
            report.contains(&format!("{:22} ", f.name())),
            "{} was not judged",
            f.name()
        );
    }
}
