//! `report show` and `report html` read every kind of report understudy
//! writes (rehearse, estimate, jit), each from a small real run, and refuse
//! anything else with a clear usage error.

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
