//! `report show` and `report html` read every kind of report understudy
//! writes (rehearse, estimate, jit), each from a small real run, and the
//! version-1 files older builds wrote (tests/fixtures/reports/v1, rendered
//! byte for byte as those builds rendered them), and refuse anything else
//! with a clear usage error. Every report, scan-leaks' included, opens with
//! the same head.

mod common;

use common::{small_saas, tempdir, understudy};
use understudy::emulate::{Api, Config, Emulator};

#[test]
fn report_show_and_html_read_rehearse_estimate_and_jit_reports() {
    let d = tempdir();
    let profile = small_saas(d.path());
    let at = |name: &str| d.path().join(name).to_str().unwrap().to_string();

    let rehearse = at("rehearse.json");
    let db = format!("sqlite:{}", at("app.db"));
    understudy("rehearse")
        .profile(&profile)
        .users(200)
        .target(&db)
        .report(&rehearse)
        .run()
        .code(0);

    let estimate = at("estimate.json");
    let est_db = format!("sqlite:{}", at("est.db"));
    understudy("estimate")
        .profile(&profile)
        .flag("--production-users", "20000")
        .flag("--sample-users", "1000")
        .flag("--workers", "1")
        .target(&est_db)
        .report(&estimate)
        .run()
        .code(0);

    let jit = at("jit.json");
    let e = Emulator::start("127.0.0.1:0", Config::new(Api::Generic)).unwrap();
    understudy("jit")
        .profile(&profile)
        .users(200)
        .flag("--legacy", format!("sqlite:{}", at("legacy.db")))
        .flag("--new", format!("http://{}", e.addr))
        .flag("--api", "generic")
        .flag("--days", "3")
        .flag("--hash-cost", "light")
        .report(&jit)
        .run()
        .code(0);

    let scan = at("scan-leaks.json");
    let o = understudy("scan-leaks")
        .arg(at("legacy.db"))
        .profile(&profile)
        .users(200)
        .arg("--json")
        .run();
    std::fs::write(&scan, &o.stdout).unwrap();

    // One head, in the same order, whatever the kind.
    for (file, kind) in [
        (&rehearse, "rehearse"),
        (&estimate, "estimate"),
        (&jit, "jit"),
        (&scan, "scan-leaks"),
    ] {
        let r: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let keys: Vec<&str> = r.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        assert_eq!(
            keys[..6],
            [
                "schema_version",
                "kind",
                "tool",
                "version",
                "started_at",
                "command"
            ],
            "{kind}"
        );
        assert_eq!(r["schema_version"], 2, "{kind}");
        assert_eq!(r["kind"], kind);
        assert_eq!(r["command"], kind);
        assert_eq!(r["tool"], "understudy");
        assert_eq!(r["version"], env!("CARGO_PKG_VERSION"));
        let started = r["started_at"].as_str().unwrap();
        assert!(
            started.len() == 20 && started.starts_with("20") && started.ends_with('Z'),
            "{kind}: {started}"
        );
    }

    // Each summary opens with the command that wrote the report and carries
    // its own figures.
    for (file, opening, figure) in [
        (&rehearse, "understudy rehearse", "200"),
        (&estimate, "understudy estimate", "20000 production users"),
        (&jit, "understudy jit", "200 users"),
    ] {
        let shown = understudy("report")
            .args(["show", file])
            .run()
            .code(0)
            .out();
        assert!(shown.starts_with(opening), "{file}: {shown}");
        assert!(shown.contains(figure), "{file}: {shown}");
        let html = at("page.html");
        understudy("report")
            .args(["html", file, "--out", &html])
            .run()
            .code(0);
        let page = std::fs::read_to_string(&html).unwrap();
        assert!(page.starts_with("<!doctype html>") && page.contains("</html>"));
    }

    // scan-leaks prints its own findings: `report` says so rather than
    // calling its summary foreign.
    understudy("report")
        .args(["show", &scan])
        .run()
        .code(2)
        .stderr_contains("is a `scan-leaks` report");
}

#[test]
fn report_show_and_html_read_version_1_reports_as_they_were_rendered() {
    let v1 = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/reports/v1");
    let d = tempdir();
    for name in [
        "rehearse",
        "rehearse-http",
        "rehearse-rejects",
        "estimate",
        "jit",
    ] {
        let file = format!("{v1}/{name}.json");
        let was = |ext: &str| std::fs::read(format!("{v1}/{name}.{ext}")).unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        assert_eq!(v["schema_version"], 1, "{name}: a version-1 fixture");

        let o = understudy("report").args(["show", &file]).run().code(0);
        assert!(o.stdout == was("show.txt"), "{name}: {}", o.text());

        let html = d.path().join(format!("{name}.html"));
        understudy("report")
            .args(["html", &file, "--out", html.to_str().unwrap()])
            .run()
            .code(0);
        assert!(std::fs::read(&html).unwrap() == was("html"), "{name}");
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
        (
            "partial-v2.json",
            r#"{"kind": "rehearse", "schema_version": 2, "tool": "understudy"}"#,
            "cannot read",
        ),
        (
            "v1-scan-leaks.json",
            include_str!("fixtures/reports/v1/scan-leaks.json"),
            "no `command` or `kind` field",
        ),
    ] {
        let f = d.path().join(name);
        std::fs::write(&f, body).unwrap();
        let err = understudy("report")
            .arg("show")
            .arg(&f)
            .run()
            .code(2)
            .stderr_contains(want)
            .err();
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
}
