//! CI gates: `--fail-on` thresholds narrowed by label, table and class,
//! `abort`, a profile's `[thresholds]`, and `--junit` files validated by an
//! independent XML Schema check (tests/oracles/junit_check.py).

mod common;

use common::*;
use std::path::{Path, PathBuf};

/// Long emails are refused by this schema's CHECK: the `email.*` edge cases
/// that lengthen the address, and their sessions (`parent:email.*`).
fn narrow_schema(dir: &Path) -> PathBuf {
    let p = dir.join("schema.sql");
    std::fs::write(
        &p,
        "CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE CHECK (length(email) <= 40),
           first_name TEXT, password_hash TEXT);
         CREATE TABLE sessions (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users (id),
           created_at TEXT);",
    )
    .unwrap();
    p
}

/// The report's rejects under labels starting with `prefix`, counted here.
fn rejects_under(rep: &serde_json::Value, prefix: &str) -> u64 {
    rep["errors_by_label"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with(prefix))
        .map(|(_, v)| v.as_u64().unwrap())
        .sum()
}

fn junit_venv() -> Option<PathBuf> {
    oracle_python("gates-venv", &["xmlschema==4.3.2", "PyYAML==6.0.3"], |_| {
        Ok(())
    })
}

/// The oracle's reading of a JUnit file: (tests, failing case names).
fn junit(py: &Path, file: &Path) -> (u64, Vec<String>) {
    let oracle = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/junit_check.py");
    let o = std::process::Command::new(py)
        .arg(&oracle)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{} is not valid JUnit XML: {}\n{}",
        file.display(),
        String::from_utf8_lossy(&o.stderr),
        std::fs::read_to_string(file).unwrap_or_default()
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let failing = v["failing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    (v["tests"].as_u64().unwrap(), failing)
}

#[test]
fn a_label_threshold_fails_exactly_when_that_label_has_rejects() {
    let d = tempdir();
    let profile = narrow_profile(d.path());
    let schema = narrow_schema(d.path());
    let run = |db: &str, schema: Option<&Path>, tag: &str| {
        let rep = d.path().join(format!("{tag}.json"));
        let xml = d.path().join(format!("{tag}.xml"));
        let mut u = understudy("rehearse")
            .profile(&profile)
            .users(1500)
            .sqlite(&d.path().join(db))
            .flag("--edge-rate", "0.2")
            .flag("--batch", "300")
            .flag(
                "--fail-on",
                "rejects{label:email.*}>0, rejects{label:name.*}>0, rejects{table:sessions}>0, p99{table:sessions}>60000",
            )
            .flag("--junit", &xml)
            .report(&rep)
            .arg("-q");
        if let Some(s) = schema {
            u = u.flag("--schema", s);
        }
        let code = u.run().status.code();
        (json(&rep), xml, code)
    };
    let (narrow, narrow_xml, code) = run("narrow.db", Some(&schema), "narrow");
    let email = rejects_under(&narrow, "email.");
    let name = rejects_under(&narrow, "name.");
    assert!(email > 0, "the narrow schema refused no email.* row");
    assert_eq!(
        name, 0,
        "name.* rows should load: first_name is unconstrained"
    );
    let t = narrow["thresholds"].as_array().unwrap();
    let got: Vec<(f64, bool)> = t
        .iter()
        .map(|t| (t["actual"].as_f64().unwrap(), t["ok"].as_bool().unwrap()))
        .collect();
    let sessions_rejected = narrow["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "sessions")
        .unwrap()["rejected"]
        .as_u64()
        .unwrap();
    assert!(
        sessions_rejected > 0,
        "sessions of refused users are refused too"
    );
    assert_eq!(got[0], (email as f64, false));
    assert_eq!(got[1], (0.0, true));
    assert_eq!(got[2], (sessions_rejected as f64, false));
    assert!(got[3].1, "p99 of sessions' writes under a minute");
    assert_eq!(code, Some(1), "a missed threshold exits 1");

    // The same rows into a schema that takes them all: the label passes.
    let (wide, wide_xml, code) = run("wide.db", None, "wide");
    assert_eq!(rejects_under(&wide, "email."), 0);
    assert!(
        wide["thresholds"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["ok"] == true),
        "{}",
        wide["thresholds"]
    );
    assert_eq!(code, Some(0));

    let Some(py) = junit_venv() else { return };
    let (tests, failing) = junit(&py, &narrow_xml);
    // 4 thresholds + 2 verified tables + the password sample.
    assert_eq!(tests, 7, "{failing:?}");
    assert_eq!(
        failing,
        [
            "threshold rejects{label:email.*}>0",
            "threshold rejects{table:sessions}>0"
        ]
    );
    let (tests, failing) = junit(&py, &wide_xml);
    assert_eq!((tests, failing.len()), (7, 0), "{failing:?}");
}

#[test]
fn abort_stops_the_load_at_the_first_batch_over_the_limit() {
    let d = tempdir();
    let profile = narrow_profile(d.path());
    let schema = narrow_schema(d.path());
    let rep = d.path().join("r.json");
    let ran = understudy("rehearse")
        .profile(&profile)
        .users(6000)
        .sqlite(&d.path().join("a.db"))
        .flag("--schema", &schema)
        .flag("--edge-rate", "0.2")
        .flag("--batch", "100")
        .flag("--fail-on", "rejects{label:email.*}>=1 abort, throughput<1")
        .report(&rep)
        .run()
        .code(1);
    let r = json(&rep);
    assert_eq!(r["aborted"]["threshold"], "rejects{label:email.*}>=1 abort");
    assert!(r["aborted"]["actual"].as_f64().unwrap() >= 1.0);
    assert!(
        r["verify"].is_null(),
        "verification is skipped after an abort"
    );
    let loaded = r["rows_loaded"].as_u64().unwrap();
    let expected = r["rows_expected"].as_u64().unwrap();
    assert!(
        loaded < expected / 2,
        "the load went on: {loaded} of {expected} rows"
    );
    assert_eq!(r["thresholds"][0]["ok"], false);
    assert_eq!(r["thresholds"][0]["abort"], true);
    assert_eq!(r["thresholds"][1]["ok"], true);
    assert!(ran.text().contains("stopped"), "{}", ran.text());
}

#[test]
fn a_profile_carries_its_thresholds_and_bad_ones_are_refused() {
    let d = tempdir();
    let base = std::fs::read_to_string(narrow_profile(d.path())).unwrap();
    let with = |name: &str, line: &str| {
        let p = d.path().join(name);
        std::fs::write(&p, format!("{base}\n[thresholds]\nfail_on = [{line}]\n")).unwrap();
        p
    };
    let held = with("held.toml", r#""rejects{table:users}>0""#);
    let rep = d.path().join("r.json");
    understudy("rehearse")
        .profile(&held)
        .users(800)
        .sqlite(&d.path().join("p.db"))
        .flag("--schema", narrow_schema(d.path()))
        .flag("--edge-rate", "0.2")
        .flag("--fail-on", "throughput<1")
        .report(&rep)
        .arg("-q")
        .run()
        .code(1);
    let t = json(&rep)["thresholds"].clone();
    assert_eq!(t[0]["expr"], "rejects{table:users}>0");
    assert_eq!(t[0]["ok"], false);
    assert_eq!(t[1]["expr"], "throughput<1");

    let bad = with("bad.toml", r#""rejects{colour:red}>0""#);
    understudy("rehearse")
        .profile(&bad)
        .users(10)
        .sqlite(&d.path().join("b.db"))
        .run()
        .code(2)
        .stderr_contains("[thresholds] fail_on")
        .stderr_contains("unknown tag `colour`");
    for (expr, says) in [
        ("p99{table:sesions}>5", "did you mean `sessions`"),
        ("rejects{label:emial.*}>0", "matches no edge-case label"),
        ("p99>5 abort", "abort"),
    ] {
        understudy("rehearse")
            .profile(&held)
            .users(10)
            .sqlite(&d.path().join("c.db"))
            .flag("--fail-on", expr)
            .run()
            .code(2)
            .stderr_contains(says);
    }
}

#[test]
fn per_table_latency_is_reported_per_batch() {
    let d = tempdir();
    let profile = narrow_profile(d.path());
    let rep = d.path().join("r.json");
    understudy("rehearse")
        .profile(&profile)
        .users(2000)
        .sqlite(&d.path().join("l.db"))
        .flag("--batch", "250")
        .flag("--fail-on", "p99{table:sessions}>0")
        .report(&rep)
        .arg("-q")
        .run()
        .code(1);
    let r = json(&rep);
    for t in r["tables"].as_array().unwrap() {
        let l = &t["latency_ms"];
        assert_eq!(l["count"], 8, "{}: one write per batch", t["name"]);
        assert!(l["p99"].as_f64().unwrap() > 0.0);
        assert!(l["p99"].as_f64().unwrap() <= r["latency_ms"]["max"].as_f64().unwrap());
    }
    assert_eq!(r["thresholds"][0]["ok"], false);
}

#[test]
fn the_ci_example_workflow_parses_and_its_flags_exist() {
    let Some(py) = junit_venv() else { return };
    let wf = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples/github-actions.yml");
    let script = r#"
import json, sys, yaml
w = yaml.safe_load(open(sys.argv[1]))
on = w[True] if True in w else w["on"]   # YAML 1.1 reads a bare `on` as true
assert on["pull_request"]["paths"], "no paths"
steps = w["jobs"]["rehearse"]["steps"]
runs = [s["run"] for s in steps if "run" in s and "understudy rehearse" in s["run"]]
assert len(runs) == 1, runs
assert any("junit" in str(s.get("uses", "")) for s in steps), "no JUnit report step"
cmd = runs[0].split("understudy rehearse", 1)[1].replace("\\\n", " ")
print(json.dumps([t for t in cmd.split() if t.startswith("--")]))
"#;
    let o = std::process::Command::new(&py)
        .args(["-c", script])
        .arg(&wf)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let flags: Vec<String> = serde_json::from_slice(&o.stdout).unwrap();
    assert!(flags.contains(&"--junit".to_string()), "{flags:?}");
    let help = understudy("rehearse").arg("--help").run().success().out();
    for f in &flags {
        assert!(
            help.contains(f.as_str()),
            "the workflow uses {f}, which rehearse does not take"
        );
    }
}
