//! The test suite itself: a check that cannot run (a missing tool, Python
//! oracle or server) may skip on a developer's machine, never on CI.

mod common;

#[test]
#[should_panic(expected = "cannot run on CI")]
fn a_skip_on_ci_fails() {
    common::skip_in(true, "a tool is missing");
}

#[test]
fn a_skip_off_ci_returns() {
    common::skip_in(false, "a tool is missing");
}

/// Every skip goes through `common::skip`, which fails when on CI: a test
/// file prints no skip of its own, and within tests/common a printed skip
/// follows an `on_ci` assertion within the four lines before.
#[test]
fn no_test_skips_without_failing_on_ci() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut files: Vec<_> = std::fs::read_dir(dir.join("common"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("suite.rs") {
            files.push(p);
        }
    }
    let mut bad = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            let lower = l.to_ascii_lowercase();
            let prints_skip = lower.contains("\"skip") || lower.contains("\"skipped");
            let in_common = f.starts_with(dir.join("common"));
            let guarded = in_common
                && lines[i.saturating_sub(4)..i]
                    .iter()
                    .any(|p| p.contains("!on_ci"));
            if prints_skip && !guarded {
                bad.push(format!("{}:{}: {}", f.display(), i + 1, l.trim()));
            }
        }
    }
    assert!(bad.is_empty(), "skips that pass on CI:\n{}", bad.join("\n"));
}
