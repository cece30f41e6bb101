//! JUnit XML (`--junit FILE.xml`; ARCHITECTURE.md § Reports): the form CI
//! systems read test results in. One `<testsuite>` per command, one
//! `<testcase>` per threshold and per verification table, a `<failure>`
//! with the figures for each one missed. The layout satisfies the common
//! schemas (Ant's, as Jenkins and GitLab read it): every suite carries
//! name, tests, failures, errors, skipped, time, timestamp and hostname,
//! then properties, cases, system-out and system-err.

use super::{Report, Threshold};
use crate::error::{Error, Result};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use std::path::Path;

/// One suite: a command's run.
pub struct Suite {
    /// `understudy rehearse`, `understudy verify`…
    pub name: String,
    pub time_s: f64,
    /// RFC 3339 start time from the report head.
    pub timestamp: String,
    pub properties: Vec<(String, String)>,
    pub cases: Vec<Case>,
}

/// One check of the run.
pub struct Case {
    pub name: String,
    /// The group of checks: `understudy.rehearse.thresholds`…
    pub classname: String,
    pub time_s: f64,
    /// Missed: (message, details).
    pub failure: Option<(String, String)>,
}

impl Case {
    pub fn check(classname: &str, name: String, failure: Option<(String, String)>) -> Case {
        Case {
            name,
            classname: classname.to_string(),
            time_s: 0.0,
            failure,
        }
    }
}

/// Test cases for thresholds.
pub fn threshold_cases(classname: &str, ts: &[Threshold]) -> Vec<Case> {
    ts.iter()
        .map(|t| {
            let failure = (!t.ok).then(|| {
                (
                    format!("missed: {} (actual {})", t.expr, fmt_num(t.actual)),
                    format!(
                        "threshold `{}` missed: the run measured {}{}",
                        t.expr,
                        fmt_num(t.actual),
                        if t.abort { "; the run was stopped" } else { "" }
                    ),
                )
            });
            Case::check(classname, format!("threshold {}", t.expr), failure)
        })
        .collect()
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x:.3}")
    }
}

/// A rehearsal's (or `verify`'s, or a merged report's) suite: its thresholds,
/// then one case per verified table and one for the password check.
pub fn of_report(r: &Report, command: &str) -> Suite {
    let class = format!("understudy.{command}");
    let mut cases = threshold_cases(&format!("{class}.thresholds"), &r.thresholds);
    if let Some(a) = &r.aborted {
        cases.push(Case::check(
            &format!("{class}.load"),
            "load ran to the end".into(),
            Some((
                format!("stopped after {:.1} s by {}", a.after_s, a.threshold),
                format!(
                    "the load stopped early: `{}` measured {} after {:.1} s; verification was skipped",
                    a.threshold,
                    fmt_num(a.actual),
                    a.after_s
                ),
            )),
        ));
    }
    if let Some(v) = &r.verify {
        for t in &v.tables {
            let failure = (!t.ok).then(|| {
                (
                    format!(
                        "{} missing, {} extra, {} mismatched",
                        t.missing, t.extra, t.mismatched
                    ),
                    format!(
                        "table {}: expected {}, found {}, missing {}, extra {}, mismatched {}{}",
                        t.name,
                        t.expected,
                        t.found,
                        t.missing,
                        t.extra,
                        t.mismatched,
                        labels(&t.mismatched_by_label)
                    ),
                )
            });
            cases.push(Case::check(
                &format!("{class}.verify"),
                format!("table {}", t.name),
                failure,
            ));
        }
        if let Some(p) = &v.passwords
            && p.checked > 0
        {
            let bad = p.failed + p.wrong_accepted;
            cases.push(Case::check(
                &format!("{class}.verify"),
                "passwords".into(),
                (bad > 0).then(|| {
                    (
                        format!("{} of {} sampled passwords failed", p.failed, p.checked),
                        format!(
                            "checked {}, verified {}, failed {}, wrong passwords accepted {}",
                            p.checked, p.verified, p.failed, p.wrong_accepted
                        ),
                    )
                }),
            ));
        }
    }
    if let Some(e) = &r.exec {
        cases.push(Case::check(
            &format!("{class}.exec"),
            format!("exec {}", e.command),
            (e.exit_code != Some(0)).then(|| {
                (
                    format!("exit code {:?}", e.exit_code),
                    format!("`{}` ended with {:?}", e.command, e.exit_code),
                )
            }),
        ));
    }
    Suite {
        name: format!("understudy {command}"),
        time_s: r.duration_s + r.verify.as_ref().map_or(0.0, |v| v.duration_s),
        timestamp: r.head.started_at.clone(),
        properties: vec![
            ("profile".into(), r.profile.name.clone()),
            ("seed".into(), r.seed.to_string()),
            ("users".into(), r.users.to_string()),
            ("target".into(), r.target.clone()),
        ],
        cases,
    }
}

fn labels(m: &std::collections::BTreeMap<String, u64>) -> String {
    if m.is_empty() {
        return String::new();
    }
    let l: Vec<String> = m.iter().map(|(k, n)| format!("{k}: {n}")).collect();
    format!(" (by label: {})", l.join(", "))
}

/// The XML text of a suite.
pub fn render(s: &Suite) -> String {
    let failures = s.cases.iter().filter(|c| c.failure.is_some()).count();
    let tests = s.cases.len().to_string();
    let failures = failures.to_string();
    let time = format!("{:.3}", s.time_s.max(0.0));
    // Ant's schema wants a timestamp without a zone.
    let stamp: String = s.timestamp.chars().take(19).collect();
    let host = hostname();
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let out: std::io::Result<()> = (|| {
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        w.create_element("testsuites")
            .with_attribute(("name", s.name.as_str()))
            .with_attribute(("tests", tests.as_str()))
            .with_attribute(("failures", failures.as_str()))
            .with_attribute(("errors", "0"))
            .with_attribute(("time", time.as_str()))
            .write_inner_content(|w| {
                w.create_element("testsuite")
                    .with_attribute(("name", s.name.as_str()))
                    .with_attribute(("package", "understudy"))
                    .with_attribute(("id", "0"))
                    .with_attribute(("tests", tests.as_str()))
                    .with_attribute(("failures", failures.as_str()))
                    .with_attribute(("errors", "0"))
                    .with_attribute(("skipped", "0"))
                    .with_attribute(("time", time.as_str()))
                    .with_attribute(("timestamp", stamp.as_str()))
                    .with_attribute(("hostname", host.as_str()))
                    .write_inner_content(|w| suite_body(w, s))?;
                Ok(())
            })?;
        Ok(())
    })();
    out.expect("writing XML to memory cannot fail");
    let mut text = String::from_utf8(w.into_inner()).expect("the writer writes UTF-8");
    text.push('\n');
    text
}

fn suite_body(w: &mut Writer<Vec<u8>>, s: &Suite) -> std::io::Result<()> {
    w.create_element("properties").write_inner_content(|w| {
        for (k, v) in &s.properties {
            w.create_element("property")
                .with_attribute(("name", k.as_str()))
                .with_attribute(("value", v.as_str()))
                .write_empty()?;
        }
        Ok(())
    })?;
    for c in &s.cases {
        let time = format!("{:.3}", c.time_s);
        let e = w
            .create_element("testcase")
            .with_attribute(("name", c.name.as_str()))
            .with_attribute(("classname", c.classname.as_str()))
            .with_attribute(("time", time.as_str()));
        match &c.failure {
            None => {
                e.write_empty()?;
            }
            Some((message, details)) => {
                e.write_inner_content(|w| {
                    w.create_element("failure")
                        .with_attribute(("message", message.as_str()))
                        .with_attribute(("type", "understudy"))
                        .write_text_content(BytesText::new(details))?;
                    Ok(())
                })?;
            }
        }
    }
    w.create_element("system-out").write_empty()?;
    w.create_element("system-err").write_empty()?;
    Ok(())
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// Writes a suite to `path`.
pub fn save(s: &Suite, path: &Path) -> Result<()> {
    std::fs::write(path, render(s)).map_err(|e| Error::io("write", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_counted_and_escaped() {
        let s = Suite {
            name: "understudy rehearse".into(),
            time_s: 1.5,
            timestamp: "2026-12-03T15:00:00Z".into(),
            properties: vec![("target".into(), "postgres://u:***@h/db".into())],
            cases: vec![
                Case::check("c", "threshold rejects>0".into(), None),
                Case::check(
                    "c",
                    "threshold p99{table:users}<5".into(),
                    Some(("missed <&>".into(), "details \"x\"".into())),
                ),
            ],
        };
        let x = render(&s);
        assert!(x.contains(r#"tests="2" failures="1""#), "{x}");
        assert!(x.contains("missed &lt;&amp;&gt;"), "{x}");
        assert!(x.contains(r#"timestamp="2026-12-03T15:00:00""#), "{x}");
        assert!(x.contains("threshold rejects&gt;0"), "{x}");
    }
}
