//! `report show` and `report html` read every kind of report understudy
//! writes (rehearse, estimate, jit), each from a small real run, and refuse
//! anything else with a clear usage error.

mod common;

use common::{run, small_saas, tempdir};
use understudy::emulate::{Api, Config, Emulator};

fn text(o: &std::process::Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn report_show_and_html_read_rehearse_estimate_and_jit_reports() {
    let d = tempdir();
    let profile = small_saas(d.path());
    let p = profile.to_str().unwrap();
    let at = |name: &str| d.path().join(name).to_str().unwrap().to_string();

    let rehearse = at("rehearse.json");
    let db = format!("sqlite:{}", at("app.db"));
    let o = run(&[
        "rehearse",
        "--profile",
        p,
        "--users",
        "200",
        "--target",
        &db,
        "--report",
        &rehearse,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    let estimate = at("estimate.json");
    let est_db = format!("sqlite:{}", at("est.db"));
    let o = run(&[
        "estimate",
        "--profile",
        p,
        "--production-users",
        "20000",
        "--sample-users",
        "1000",
        "--workers",
        "1",
        "--target",
        &est_db,
        "--report",
        &estimate,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    let jit = at("jit.json");
    let e = Emulator::start("127.0.0.1:0", Config::new(Api::Generic)).unwrap();
    let o = run(&[
        "jit",
        "--profile",
        p,
        "--users",
        "200",
        "--legacy",
        &format!("sqlite:{}", at("legacy.db")),
        "--new",
        &format!("http://{}", e.addr),
        "--api",
        "generic",
        "--days",
        "3",
        "--hash-cost",
        "light",
        "--report",
        &jit,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // Each summary opens with the command that wrote the report and carries
    // its own figures.
    for (file, opening, figure) in [
        (&rehearse, "understudy rehearse", "200"),
        (&estimate, "understudy estimate", "20000 production users"),
        (&jit, "understudy jit", "200 users"),
    ] {
        let o = run(&["report", "show", file]);
        assert_eq!(o.status.code(), Some(0), "{file}: {}", text(&o));
        let shown = String::from_utf8_lossy(&o.stdout);
        assert!(shown.starts_with(opening), "{file}: {shown}");
        assert!(shown.contains(figure), "{file}: {shown}");
        let html = at("page.html");
        let o = run(&["report", "html", file, "--out", &html]);
        assert_eq!(o.status.code(), Some(0), "{file}: {}", text(&o));
        let page = std::fs::read_to_string(&html).unwrap();
        assert!(page.starts_with("<!doctype html>") && page.contains("</html>"));
    }
}

#[test]
fn report_show_refuses_what_understudy_did_not_write() {
    let d = tempdir();
    for (name, body, want) in [
        (
            "foreign.json",
            r#"{"name": "something else", "users": 3}"#,
            "not an understudy report",
        ),
        (
            "other.json",
            r#"{"command": "deploy", "schema_version": 1}"#,
            "`deploy`",
        ),
        ("broken.json", "{not json", "not JSON"),
        (
            "future.json",
            r#"{"command": "estimate", "schema_version": 99}"#,
            "schema_version 99",
        ),
        (
            "partial.json",
            r#"{"kind": "jit", "schema_version": 1}"#,
            "cannot read",
        ),
    ] {
        let f = d.path().join(name);
        std::fs::write(&f, body).unwrap();
        let o = run(&["report", "show", f.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", text(&o));
        assert!(err.contains(want), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
}
