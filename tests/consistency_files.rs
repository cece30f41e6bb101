//! `consistency --copy-file` over the document copy files `generate --format
//! copies` writes (docs/copies.md): the Elasticsearch `_bulk` set, the
//! MongoDB Extended JSON file, the DynamoDB S3-import JSON.gz. A clean file
//! reports nothing; the profile's drift is found with the counts per label
//! `copies.json` gives; a hand-edited file shows exactly its edits as
//! `unexplained`; a corrupt file is refused with its path and line.

mod common;

use common::understudy;
use serde_json::Value;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

const SAAS_COPIES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/profiles/saas-copies.toml");
const USERS: u64 = 2000;

/// `saas-copies` with cheap hashes; with `drift`, each document copy drifts
/// too (5 % of users; every kind its fields allow).
fn profile(dir: &Path, drift: bool) -> PathBuf {
    let mut text = std::fs::read_to_string(SAAS_COPIES)
        .unwrap()
        .replace("[passwords]\npool_size = 256", "[passwords]\npool_size = 8")
        .replace("params = { cost = 10 }", "params = { cost = 4 }");
    if drift {
        let no_hash = r#"kinds = ["stale_email", "missing_user", "orphan_key", "email_case"]"#;
        for (embed, kinds) in [
            ("embed = [\"organizations\", \"user_roles\"]\n", no_hash),
            (
                "embed = [\"organizations\", \"user_roles\", \"user_profiles\"]\n",
                no_hash,
            ),
            ("embed = [\"user_roles\", \"sessions\"]", ""),
        ] {
            assert!(text.contains(embed), "{embed}");
            let sep = if kinds.is_empty() { "" } else { ", " };
            text = text.replacen(
                embed,
                &format!(
                    "{}\ndrift = {{ share = 0.05{sep}{kinds} }}\n",
                    embed.trim_end()
                ),
                1,
            );
        }
    }
    let p = dir.join(format!("copies-{drift}.toml"));
    std::fs::write(&p, text).unwrap();
    p
}

fn generate(profile: &Path, out: &Path) -> Value {
    understudy("generate")
        .profile(profile)
        .users(USERS)
        .args(["--format", "copies", "--quiet", "--edge-rate", "0.05"])
        .args(["--copies-split", "400000"])
        .arg("--out")
        .arg(out)
        .run()
        .success();
    common::json(&out.join("copies.json"))
}

/// `consistency --copy-file FILE` with a JSON report: (exit code, report).
fn check(profile: &Path, file: &Path, extra: &[&str], report: &Path) -> (i32, Value) {
    let ran = understudy("consistency")
        .profile(profile)
        .users(USERS)
        .args(["--edge-rate", "0.05"])
        .arg("--copy-file")
        .arg(file)
        .args(extra)
        .arg("--report")
        .arg(report)
        .run();
    let code = ran.status.code().unwrap_or(-1);
    assert!(code == 0 || code == 1, "{}\n{}", ran.out(), ran.err());
    (code, common::json(report))
}

/// The file each copy is checked through: the `_bulk` set by its first file.
fn file_of(dir: &Path, name: &str) -> PathBuf {
    match name {
        "search" => dir.join("search-00001.ndjson"),
        "documents" => dir.join("documents.json"),
        _ => dir.join("dynamo.json.gz"),
    }
}

fn read_lines(p: &Path) -> Vec<String> {
    let f = std::fs::File::open(p).unwrap();
    let r: Box<dyn BufRead> = if p.to_string_lossy().ends_with(".gz") {
        Box::new(std::io::BufReader::new(flate2::read::GzDecoder::new(f)))
    } else {
        Box::new(std::io::BufReader::new(f))
    };
    r.lines().map(|l| l.unwrap()).collect()
}

fn write_lines(p: &Path, lines: &[String]) {
    let mut text = lines.join("\n").into_bytes();
    text.push(b'\n');
    if p.to_string_lossy().ends_with(".gz") {
        let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        g.write_all(&text).unwrap();
        text = g.finish().unwrap();
    }
    std::fs::write(p, text).unwrap();
}

#[test]
fn clean_document_files_report_nothing() {
    let dir = common::tempdir();
    let p = profile(dir.path(), false);
    let c = dir.path().join("c");
    let m = generate(&p, &c);
    let search = &m["copies"][1];
    assert_eq!(search["name"], "search");
    assert!(
        search["files"].as_array().unwrap().len() > 1,
        "the _bulk set is split: {search}"
    );
    for name in ["search", "documents", "dynamo"] {
        let (code, r) = check(&p, &file_of(&c, name), &[], &dir.path().join("r.json"));
        assert_eq!(code, 0, "{name}: {r}");
        assert_eq!(r["ok"], true);
        assert_eq!(r["copy_name"], name);
        assert_eq!(
            r["missing"].as_u64().unwrap() + r["orphan"].as_u64().unwrap(),
            0
        );
        assert!(r["examples"].as_array().unwrap().is_empty());
        assert_eq!(r["expected_keys"], r["copy_keys"]);
        assert!(r["copy_keys"].as_u64().unwrap() >= USERS, "{name}: {r}");
    }
    // The directory names the copy with --copy-name.
    let (code, r) = check(
        &p,
        &c,
        &["--copy-name", "dynamo"],
        &dir.path().join("d.json"),
    );
    assert_eq!((code, r["copy_name"].as_str()), (0, Some("dynamo")));
    // A document copy against a live primary is refused, saying what works.
    understudy("consistency")
        .profile(&p)
        .users(USERS)
        .args(["--primary", "sqlite:/nonexistent/x.db", "--copy-file"])
        .arg(file_of(&c, "documents"))
        .run()
        .code(2)
        .stderr_contains("Redis copy only");
}

#[test]
fn drifted_document_files_are_found_per_label() {
    let dir = common::tempdir();
    let p = profile(dir.path(), true);
    let c = dir.path().join("c");
    let m = generate(&p, &c);
    for (i, name) in ["search", "documents", "dynamo"].iter().enumerate() {
        let written = &m["copies"][i + 1];
        assert_eq!(written["name"], *name);
        // What the writer drifted, per label: users.
        let drift = written["drift_by_label"].as_object().unwrap();
        assert!(drift.len() >= 3, "{name}: {written}");
        let (code, r) = check(&p, &file_of(&c, name), &[], &dir.path().join("r.json"));
        assert_eq!(code, 1, "{name}: {r}");
        assert_eq!(r["unexplained"], 0, "{name}: {r}");
        let by = r["by_label"].as_object().unwrap();
        let labels: Vec<&String> = by.keys().collect();
        assert_eq!(labels, drift.keys().collect::<Vec<_>>(), "{name}: {r}");
        for (label, n) in drift {
            assert_eq!(by[label]["users"], *n, "{name} {label}: {r}");
        }
        // Each kind shows as what it is: a stale email is a stale `email`.
        if let Some(s) = by.get("copy.stale-email") {
            assert_eq!(s["stale"], s["users"], "{name}");
            assert_eq!(
                s["missing"].as_u64().unwrap() + s["orphan"].as_u64().unwrap(),
                0
            );
        }
        let o = &by["copy.orphan-key"];
        assert_eq!(o["orphan"], o["users"], "{name}");
        let mu = &by["copy.missing-user"];
        assert_eq!(
            mu["orphan"].as_u64().unwrap() + mu["stale"].as_u64().unwrap(),
            0
        );
        if *name == "dynamo" {
            // A missing user's items all go: its own and its rows'.
            assert!(mu["missing"].as_u64().unwrap() > mu["users"].as_u64().unwrap());
        } else {
            assert_eq!(mu["missing"], mu["users"], "{name}");
        }
        assert!(r["by_field"]["email"].as_u64().unwrap() > 0, "{name}: {r}");
    }
}

/// Edits one copy's file by hand: one document's email changed, one
/// document deleted, one added (a copy of another under a new id).
/// Returns the keys of (changed, deleted, added) and the new email.
fn hand_edit(name: &str, path: &Path) -> (String, String, String, String) {
    let mut lines = read_lines(path);
    let new_email = "hand.edited@example.com".to_string();
    match name {
        "search" => {
            // Pairs: action, source.
            let id = |l: &str| -> String {
                serde_json::from_str::<Value>(l).unwrap()["index"]["_id"]
                    .as_str()
                    .unwrap()
                    .into()
            };
            let (changed, deleted) = (id(&lines[2]), id(&lines[4]));
            let mut src: Value = serde_json::from_str(&lines[3]).unwrap();
            src["email"] = Value::String(new_email.clone());
            lines[3] = src.to_string();
            let (a, s) = (lines[6].clone(), lines[7].clone());
            lines.drain(4..6);
            let added = "added-by-hand".to_string();
            lines.push(a.replace(&id(&a), &added));
            lines.push(s);
            write_lines(path, &lines);
            (changed, deleted, added, new_email)
        }
        "documents" => {
            let id = |l: &str| -> String {
                serde_json::from_str::<Value>(l).unwrap()["_id"]
                    .as_str()
                    .unwrap()
                    .into()
            };
            let (changed, deleted) = (id(&lines[1]), id(&lines[2]));
            let mut d: Value = serde_json::from_str(&lines[1]).unwrap();
            d["email"] = Value::String(new_email.clone());
            lines[1] = d.to_string();
            let mut add: Value = serde_json::from_str(&lines[3]).unwrap();
            add["_id"] = Value::String("added-by-hand".into());
            lines.remove(2);
            lines.push(add.to_string());
            write_lines(path, &lines);
            (changed, deleted, "added-by-hand".into(), new_email)
        }
        _ => {
            // The user items (sort key PROFILE), not their rows' items.
            let users: Vec<usize> = (0..lines.len())
                .filter(|&i| lines[i].contains(r#""sk":{"S":"PROFILE"}"#))
                .collect();
            let key = |l: &str| -> String {
                let v: Value = serde_json::from_str(l).unwrap();
                format!(
                    "{} | {}",
                    v["Item"]["pk"]["S"].as_str().unwrap(),
                    v["Item"]["sk"]["S"].as_str().unwrap()
                )
            };
            let (ci, di, ai) = (users[1], users[2], users[3]);
            let (changed, deleted) = (key(&lines[ci]), key(&lines[di]));
            let mut d: Value = serde_json::from_str(&lines[ci]).unwrap();
            d["Item"]["email"] = serde_json::json!({ "S": new_email });
            lines[ci] = d.to_string();
            let mut add: Value = serde_json::from_str(&lines[ai]).unwrap();
            add["Item"]["pk"] = serde_json::json!({ "S": "USER#added-by-hand" });
            let added = key(&add.to_string());
            lines.remove(di);
            lines.push(add.to_string());
            write_lines(path, &lines);
            (changed, deleted, added, new_email)
        }
    }
}

#[test]
fn hand_edited_document_files_show_exactly_the_edits() {
    let dir = common::tempdir();
    let p = profile(dir.path(), false);
    let c = dir.path().join("c");
    generate(&p, &c);
    for name in ["search", "documents", "dynamo"] {
        let file = file_of(&c, name);
        let (changed, deleted, added, email) = hand_edit(name, &file);
        let (code, r) = check(&p, &file, &[], &dir.path().join("r.json"));
        assert_eq!(code, 1, "{name}: {r}");
        assert_eq!(
            (&r["missing"], &r["orphan"], &r["stale"], &r["unexplained"]),
            (
                &Value::from(1),
                &Value::from(1),
                &Value::from(1),
                &Value::from(3)
            ),
            "{name}: {r}"
        );
        let by = r["by_label"].as_object().unwrap();
        assert_eq!(by.keys().collect::<Vec<_>>(), ["unexplained"], "{name}");
        let ex = r["examples"].as_array().unwrap();
        let find = |kind: &str| -> &Value {
            ex.iter()
                .find(|e| e["kind"] == kind)
                .unwrap_or_else(|| panic!("{name}: no {kind} in {r}"))
        };
        assert_eq!(find("missing")["key"], deleted.as_str(), "{name}");
        assert_eq!(find("orphan")["key"], added.as_str(), "{name}");
        let s = find("stale");
        assert_eq!(s["key"], changed.as_str(), "{name}");
        assert_eq!(s["fields"], serde_json::json!(["email"]), "{name}: {s}");
        assert_eq!(s["values"]["email"][1], email.as_str(), "{name}: {s}");
        assert_ne!(s["values"]["email"][0], email.as_str(), "{name}: {s}");
        assert_eq!(r["by_field"], serde_json::json!({ "email": 1 }), "{name}");
    }
}

#[test]
fn corrupt_document_files_are_refused_with_file_and_line() {
    let dir = common::tempdir();
    let p = profile(dir.path(), false);
    let c = dir.path().join("c");
    generate(&p, &c);
    let bulk = read_lines(&file_of(&c, "search"));
    for name in ["search", "documents", "dynamo"] {
        let file = file_of(&c, name);
        let mut lines = read_lines(&file);
        let half = lines[2].len() / 2;
        lines[2].truncate(half);
        write_lines(&file, &lines);
        understudy("consistency")
            .profile(&p)
            .users(USERS)
            .args(["--edge-rate", "0.05", "--copy-file"])
            .arg(&file)
            .run()
            .code(2)
            .stderr_contains(&format!("{}:3:", file.display()));
    }
    // A _bulk action line without its source line.
    let file = file_of(&c, "search");
    write_lines(&file, &bulk[..5]);
    understudy("consistency")
        .profile(&p)
        .users(USERS)
        .args(["--copy-file"])
        .arg(&file)
        .run()
        .code(2)
        .stderr_contains("has no source line");
}

#[test]
fn consistency_reports_render_in_report_show_html_and_the_dossier() {
    let dir = common::tempdir();
    let p = profile(dir.path(), true);
    let c = dir.path().join("c");
    generate(&p, &c);
    let rep = dir.path().join("mongo.json");
    let (code, r) = check(&p, &file_of(&c, "documents"), &[], &rep);
    assert_eq!(code, 1);
    let by = r["by_label"].as_object().unwrap();
    let shown = understudy("report").arg("show").arg(&rep).run().success();
    for (label, counts) in by {
        let row = shown
            .out()
            .lines()
            .find(|l| l.trim_start().starts_with(label.as_str()))
            .map(String::from)
            .unwrap_or_else(|| panic!("{label} not in {}", shown.out()));
        assert!(row.contains(&counts["users"].to_string()), "{row}");
    }
    let page = dir.path().join("mongo.html");
    understudy("report")
        .arg("html")
        .arg(&rep)
        .arg("--out")
        .arg(&page)
        .run()
        .success();
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("Findings per label"), "{html}");
    for label in by.keys() {
        assert!(html.contains(&format!("<code>{label}</code>")), "{label}");
    }
    let (d, dj) = (dir.path().join("d.html"), dir.path().join("d.json"));
    understudy("dossier")
        .arg(&rep)
        .arg("--out")
        .arg(&d)
        .arg("--json")
        .arg(&dj)
        .run()
        .success();
    let v = common::json(&dj);
    let copies = &v["verdict"]["copies"][0];
    assert_eq!(copies["copy_name"], "documents");
    assert_eq!(copies["consistent"], false);
    for (label, counts) in by {
        assert_eq!(copies["users_by_label"][label], counts["users"], "{label}");
    }
    assert!(
        std::fs::read_to_string(&d)
            .unwrap()
            .contains("Copies against the primary")
    );
}

#[test]
fn edge_cases_list_shows_the_drift_labels() {
    let table = understudy("edge-cases").arg("list").run().success();
    let json = understudy("edge-cases")
        .args(["list", "--copies", "--json"])
        .run()
        .success();
    let all: Value = serde_json::from_slice(&json.stdout).unwrap();
    let copy: Vec<&Value> = all.as_array().unwrap().iter().collect();
    assert!(copy.iter().all(|c| c["family"] == "copy"), "{all}");
    // The cases' JSON keeps its one shape: no drift label in it.
    let cases = understudy("edge-cases")
        .args(["list", "--json"])
        .run()
        .success();
    assert!(!cases.out().contains("\"copy."));
    assert_eq!(copy.len(), 5, "{copy:?}");
    for c in copy {
        let label = c["label"].as_str().unwrap();
        assert!(label.starts_with("copy."), "{label}");
        assert!(!c["description"].as_str().unwrap().is_empty());
        assert!(table.out().contains(label), "{label}");
    }
    // A family asked for: the edge cases alone.
    understudy("edge-cases")
        .args(["list", "--family", "email"])
        .run()
        .success()
        .text_lacks("copy.");
}
