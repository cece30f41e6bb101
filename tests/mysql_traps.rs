//! The traps of a MySQL/MariaDB schema, rehearsed against a real MariaDB
//! server: a user schema in `utf8` (3 bytes) with `_ci` collations refuses
//! 4-byte characters (`charset`) and case, accent (NFD) and trailing-space
//! duplicates, each reject labelled with its case; the same schema in a
//! non-strict session keeps the values the server changed (truncated, `?`),
//! counts its warnings by label, and verification calls those rows
//! mismatched by the same labels (exit 1), never loaded intact.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Users with the columns a utf8/_ci schema breaks, and their sessions.
/// The trailing-space duplicate is opt-in: its weight names it.
fn traps_profile(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("traps.toml");
    std::fs::write(
        &p,
        r#"name = "traps"
[passwords]
pool_size = 4
mix = [ { format = "bcrypt", share = 1, params = { cost = 4 } } ]
[edge_cases]
labels = { "email.trailing-space-duplicate" = 3 }
[tables.users.columns]
id            = { kind = "uuid" }
email         = { kind = "email", unique = true }
first_name    = { kind = "first_name" }
last_name     = { kind = "last_name" }
username      = { kind = "username", unique = true, null_rate = 0.2 }
password_hash = { kind = "password_hash" }
[tables.sessions]
parent = "users"
per_parent = { dist = "uniform", min = 0, max = 2 }
[tables.sessions.columns]
id         = { kind = "sequence" }
user_id    = { kind = "parent" }
created_at = { kind = "timestamp", from = "2025-01-01", to = "2026-01-01" }
"#,
    )
    .unwrap();
    p
}

/// A legacy schema: 3-byte `utf8`, case- and accent-insensitive PAD SPACE
/// collations (`unicode_ci` on the email, so NFD and NFC spellings are one
/// key), VARCHARs narrower than some edge cases.
const UTF8_CI_SCHEMA: &str = "CREATE TABLE users (
  id CHAR(36) PRIMARY KEY,
  email VARCHAR(60) COLLATE utf8mb3_unicode_ci NOT NULL UNIQUE,
  first_name VARCHAR(100),
  last_name VARCHAR(100),
  username VARCHAR(60) UNIQUE,
  password_hash TEXT
) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_general_ci;
CREATE TABLE sessions (id BIGINT PRIMARY KEY, user_id CHAR(36) NOT NULL, created_at DATETIME,
  FOREIGN KEY (user_id) REFERENCES users (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8;";

/// Labels of the catalogue's cases whose example holds a character beyond
/// U+FFFF (4 bytes in UTF-8).
fn four_byte_labels() -> BTreeSet<String> {
    let list: Value = serde_json::from_slice(&ok(&["edge-cases", "list", "--json"])).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["example"]
                .as_str()
                .unwrap()
                .chars()
                .any(|ch| ch > '\u{FFFF}')
        })
        .map(|c| c["label"].as_str().unwrap().to_string())
        .collect()
}

/// (class, labels) of every reject in a rejects.jsonl.
fn rejects(path: &Path) -> Vec<(String, Vec<String>)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap();
            let labels: Vec<String> = v["labels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_str().unwrap().to_string())
                .collect();
            assert!(!labels.is_empty(), "a reject without its label: {line}");
            (v["class"].as_str().unwrap().to_string(), labels)
        })
        .collect()
}

fn counts(v: &Value) -> BTreeMap<String, u64> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, n)| (k.clone(), n.as_u64().unwrap()))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn utf8_ci_schema_traps_are_labelled_strict_or_not() {
    let Some(db) = Mariadb::start_tcp() else {
        return;
    };
    let d = tempdir();
    let profile = traps_profile(d.path());
    let schema = d.path().join("utf8-ci.sql");
    std::fs::write(&schema, UTF8_CI_SCHEMA).unwrap();
    let four_byte = four_byte_labels();
    assert!(four_byte.contains("name.emoji-zwj"), "{four_byte:?}");
    let mut outputs = String::new();
    let rehearse = |dsn: &str, name: &str, method: &str, batch: &str| {
        understudy("rehearse")
            .profile(&profile)
            .users(2000)
            .target(dsn)
            .flag("--schema", &schema)
            .flag("--edge-rate", "0.2")
            .flag("--method", method)
            .flag("--batch", batch)
            .flag("--workers", "1")
            .flag("--rejects", d.path().join(format!("{name}.jsonl")))
            .report(d.path().join(format!("{name}.json")))
            .html(d.path().join(format!("{name}.html")))
    };

    // Strict (the default): the server refuses what does not fit, and every
    // refusal carries the case that caused it.
    let dsn = db.create_db("strict");
    let o = rehearse(&dsn, "strict", "copy", "500").run().code(0);
    outputs.push_str(&o.text());
    let r = json(&d.path().join("strict.json"));
    assert_eq!(r["verify"]["ok"], true, "{}", r["verify"]);
    assert_eq!(r["verify"]["mismatched"], 0);
    assert!(r.get("warnings_by_class").is_none(), "{r}");
    assert!(
        r["target_settings"]["sql_mode"]
            .as_str()
            .unwrap()
            .contains("STRICT_ALL_TABLES"),
        "{}",
        r["target_settings"]
    );
    let mut by_class: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (class, labels) in rejects(&d.path().join("strict.jsonl")) {
        let own: Vec<&String> = labels
            .iter()
            .filter(|l| !l.starts_with("parent:"))
            .collect();
        match class.as_str() {
            // Sessions of a refused user, by the foreign key.
            "constraint" => assert!(own.is_empty(), "{labels:?}"),
            // Error 1366: a 4-byte character in a 3-byte column.
            "charset" => assert!(own.iter().all(|l| four_byte.contains(*l)), "{labels:?}"),
            // Error 1062: the variant, never its original, carries the pair's label.
            "duplicate" => assert!(
                labels.len() == 1
                    && [
                        "email.case-duplicate",
                        "email.nfd-duplicate",
                        "email.trailing-space-duplicate",
                        "username.case-duplicate",
                    ]
                    .contains(&labels[0].as_str()),
                "{labels:?}"
            ),
            "too_long" => assert!(!own.is_empty(), "{labels:?}"),
            o => panic!("unexpected class {o}: {labels:?}"),
        }
        by_class.entry(class).or_default().extend(labels);
    }
    for (class, label) in [
        ("charset", "name.emoji-zwj"),
        ("duplicate", "email.case-duplicate"),
        ("duplicate", "email.nfd-duplicate"),
        ("duplicate", "email.trailing-space-duplicate"),
        // 65 characters: over VARCHAR(60) however it is counted.
        ("too_long", "email.local-65-chars-e-acute"),
    ] {
        assert!(
            by_class.get(class).is_some_and(|l| l.contains(label)),
            "no {class} reject labelled {label}: {by_class:?}"
        );
    }
    // 66 octets in 38 characters: a MySQL VARCHAR counts characters, so
    // the address (50 characters, 78 octets) fits VARCHAR(60) and is kept
    // intact (verification found no mismatch).
    assert!(
        !by_class
            .values()
            .flatten()
            .any(|l| l == "email.local-66-octets-e-acute"),
        "{by_class:?}"
    );
    let wide: u64 = db
        .query(
            "strict",
            "SELECT count(*) FROM users WHERE octet_length(email) > 60",
        )
        .trim()
        .parse()
        .unwrap();
    assert!(wide > 0, "no address over 60 octets was kept");
    assert!(r["errors_by_class"]["charset"].as_u64().unwrap() > 0);

    // Not strict (a legacy server's session): the same schema keeps the
    // values it changed. Warnings count them by label; verification calls
    // the same rows mismatched by the same labels; the run fails. LOAD DATA
    // names a row by its line in the batch, a multi-row INSERT by its place
    // in its statement (batches of 1500 users span two 1000-row INSERTs).
    for (method, batch) in [("copy", "500"), ("insert", "1500")] {
        let name = format!("lax_{method}");
        let dsn = format!("{}?sql_mode=NO_ENGINE_SUBSTITUTION", db.create_db(&name));
        let o = rehearse(&dsn, &name, method, batch).run().code(1);
        outputs.push_str(&o.text());
        o.text_contains("warnings       ")
            .text_contains("mismatched by label");
        let r = json(&d.path().join(format!("{name}.json")));
        assert_eq!(r["exit_code"], 1);
        assert_eq!(r["verify"]["ok"], false);
        assert_eq!(
            r["target"].as_str().unwrap(),
            format!(
                "mysql://understudy:***@127.0.0.1:{}/{name}?sql_mode=NO_ENGINE_SUBSTITUTION",
                db.port
            )
        );
        let mode = r["target_settings"]["sql_mode"].as_str().unwrap();
        assert!(!mode.contains("STRICT"), "{mode}");
        assert!(mode.contains("ANSI_QUOTES") && mode.contains("NO_BACKSLASH_ESCAPES"));
        let warned = counts(&r["warnings_by_label"]);
        let mismatched = counts(&r["verify"]["mismatched_by_label"]);
        assert!(warned.contains_key("name.very-long"), "{warned:?}");
        assert!(warned.keys().any(|l| four_byte.contains(l)), "{warned:?}");
        assert!(counts(&r["warnings_by_class"]).contains_key("charset"));
        assert!(counts(&r["warnings_by_class"]).contains_key("too_long"));
        // Every changed row is mismatched under the label it was warned
        // about, and nothing unwarned changed.
        assert_eq!(
            warned.keys().collect::<Vec<_>>(),
            mismatched.keys().collect::<Vec<_>>(),
            "{method}"
        );
        assert!(
            !warned.keys().any(|l| l.starts_with("no-edge-case")),
            "{warned:?}"
        );
        assert!(
            r["verify"]["mismatched"].as_u64().unwrap() > 0
                && r["verify"]["mismatched"].as_u64() <= Some(mismatched.values().sum::<u64>())
        );
        for e in r["verify"]["examples"].as_array().unwrap() {
            if e["kind"] == "mismatched" {
                assert!(!e["labels"].as_array().unwrap().is_empty(), "{e}");
            }
        }
        // The server really holds the changed values.
        let q = |sql: &str| -> u64 { db.query(&name, sql).trim().parse().unwrap() };
        assert!(
            q("SELECT count(*) FROM users WHERE first_name LIKE '%?%' OR last_name LIKE '%?%'") > 0
        );
        assert!(
            q(
                "SELECT count(*) FROM users WHERE char_length(first_name) = 100 OR char_length(last_name) = 100"
            ) > 0
        );
        // Rows the server left out are still rejects (duplicates refuse in any mode).
        assert!(r["errors_by_class"]["duplicate"].as_u64().unwrap() > 0);
        let html = std::fs::read_to_string(d.path().join(format!("{name}.html"))).unwrap();
        assert!(html.contains("Warnings by label") && html.contains("Mismatched rows by label"));
        // `report show` renders the saved report the same way.
        understudy("report")
            .arg("show")
            .arg(d.path().join(format!("{name}.json")))
            .run()
            .success()
            .stdout_contains("rows kept as the target changed them")
            .stdout_contains("mismatched by label");
    }

    // A mode the server does not know is the user's mistake: exit 2, said.
    let dsn = format!("{}?sql_mode=STRICT_EVERYTHING", db.create_db("unknown"));
    let o = understudy("rehearse")
        .profile(&profile)
        .users(10)
        .target(&dsn)
        .run()
        .code(2)
        .stderr_contains("sql_mode");
    outputs.push_str(&o.text());

    assert!(
        !outputs.contains(MARIADB_PASSWORD) && !outputs.contains("Se%2Fcr3t"),
        "a DSN password leaked:\n{outputs}"
    );
}
