//! Every HTML page understudy writes, opened in headless Chromium
//! (tests/oracles/browser.py drives it over the DevTools protocol): it loads
//! from a file URL with no console error and no request but itself, each
//! chart's SVG has data marks, the screenshot is not blank; and the dossier's
//! verdict figures equal those of the reports it was made from.

mod common;

use common::{chromium, json, small_saas, tempdir, understudy};
use serde_json::Value;
use std::path::Path;
use understudy::emulate::{Api, Config, Emulator};

/// What the browser saw of `page` (the oracle's JSON), its screenshot beside it.
fn open(browser: &Path, page: &Path) -> Value {
    let url = format!("file://{}", page.display());
    let shot = page.with_extension("png");
    let o = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/oracles/browser.py"
        ))
        .arg(browser)
        .arg(&url)
        .arg(&shot)
        .output()
        .expect("run python3");
    assert!(
        o.status.success(),
        "browser oracle failed on {url}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("the oracle prints JSON")
}

/// The browser check every page must pass; returns what it saw.
fn check(browser: &Path, page: &Path, min_charts: usize) -> Value {
    let v = open(browser, page);
    let url = format!("file://{}", page.display());
    let name = page.display();
    assert_eq!(
        v["requests"],
        serde_json::json!([url]),
        "{name}: requests beyond the page itself"
    );
    assert_eq!(
        v["failed"],
        serde_json::json!([]),
        "{name}: failed requests"
    );
    assert_eq!(
        v["console"],
        serde_json::json!([]),
        "{name}: console errors"
    );
    assert_eq!(v["exceptions"], serde_json::json!([]), "{name}");
    assert_eq!(v["h1"], 1, "{name}: one h1");
    let svgs = v["svgs"].as_array().unwrap();
    assert!(
        svgs.len() >= min_charts,
        "{name}: {} charts: {svgs:?}",
        svgs.len()
    );
    for s in svgs {
        assert!(
            s["marks"].as_u64().unwrap() > 0,
            "{name}: a chart without data marks: {s}"
        );
        assert!(
            s["title"].as_str().is_some_and(|t| !t.is_empty()),
            "{name}: {s}"
        );
    }
    // Written for people: no terminal markup, raw enum names or broken phrases.
    let text = v["text"].as_str().unwrap();
    for raw in ["`", "AtSize", "Sweep", "by not within"] {
        assert!(!text.contains(raw), "{name}: `{raw}` in the page's text");
    }
    let shot = &v["screenshot"];
    assert!(
        shot["variance"].as_f64().unwrap() > 0.0,
        "{name}: blank screenshot {shot}"
    );
    assert!(shot["distinct"].as_u64().unwrap() > 2, "{name}: {shot}");
    v
}

/// The text of the dossier's figure `name` from source `anchor` (the same
/// wherever the page shows it).
fn figure(v: &Value, anchor: &str, name: &str) -> String {
    let href = format!("#{anchor}");
    let texts: Vec<&str> = v["figures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["name"] == name && f["href"] == href.as_str())
        .map(|f| f["text"].as_str().unwrap())
        .collect();
    assert!(
        !texts.is_empty(),
        "no figure {name} from {anchor}: {}",
        v["figures"]
    );
    assert!(texts.iter().all(|t| *t == texts[0]), "{name}: {texts:?}");
    texts[0].to_string()
}

#[test]
fn every_page_opens_in_chromium_and_the_dossier_agrees_with_its_sources() {
    let Some(browser) = chromium() else {
        return common::skip("no chromium (or no python3) to open the pages in");
    };
    let d = tempdir();
    let profile = small_saas(d.path());
    let at = |name: &str| d.path().join(name);

    // A rehearsal through a fault plan, with edge cases, against a
    // rate-limited API that also answers 5xx.
    let mut cfg = Config::new(Api::Generic);
    cfg.rate = Some("300/s".parse().unwrap());
    cfg.error_rate = 0.02;
    let e = Emulator::start("127.0.0.1:0", cfg).unwrap();
    understudy("rehearse")
        .profile(&profile)
        .users(900)
        .target(format!("http://{}", e.addr))
        .flag("--api", "generic")
        .flag("--edge-rate", "0.05")
        .flag("--faults", "outage@1s+1s")
        .report(at("rehearse.json"))
        .flag("--html", at("rehearse.html").to_str().unwrap())
        .arg("--quiet")
        .run()
        .code(0);
    understudy("estimate")
        .profile(&profile)
        .flag("--production-users", "20000")
        .flag("--sample-users", "1000")
        .flag("--workers", "1")
        .target(format!("sqlite:{}", at("est.db").display()))
        .report(at("estimate.json"))
        .flag("--html", at("estimate.html").to_str().unwrap())
        .run()
        .code(0);
    let e = Emulator::start("127.0.0.1:0", Config::new(Api::Generic)).unwrap();
    understudy("jit")
        .profile(&profile)
        .users(200)
        .flag("--legacy", format!("sqlite:{}", at("legacy.db").display()))
        .flag("--new", format!("http://{}", e.addr))
        .flag("--api", "generic")
        .flag("--days", "5")
        .flag("--hash-cost", "light")
        .report(at("jit.json"))
        .flag("--html", at("jit.html").to_str().unwrap())
        .run()
        .code(0);
    let sources = ["rehearse.json", "estimate.json", "jit.json"].map(at);
    understudy("dossier")
        .args(&sources)
        .flag("-o", at("dossier.html").to_str().unwrap())
        .flag("--json", at("dossier.json").to_str().unwrap())
        .run()
        .code(0);

    // Throughput, latency bands and percentiles, responses by status.
    let page = check(&browser, &at("rehearse.html"), 4);
    let svgs = page["svgs"].as_array().unwrap();
    assert!(
        svgs[0]["label"]
            .as_str()
            .unwrap()
            .starts_with("Throughput over time"),
        "{svgs:?}"
    );
    check(&browser, &at("estimate.html"), 2);
    check(&browser, &at("jit.html"), 1);
    let dossier = check(&browser, &at("dossier.html"), 7);

    // The verdict's figures are the sources' own.
    let (r, est, jit) = (json(&sources[0]), json(&sources[1]), json(&sources[2]));
    let dj = json(&at("dossier.json"));
    assert_eq!(dj["kind"], "dossier");
    assert_eq!(dj["schema_version"], 1);
    for (name, want) in [
        ("rows_expected", &r["rows_expected"]),
        ("rows_loaded", &r["rows_loaded"]),
        ("rows_rejected", &r["rows_rejected"]),
    ] {
        assert_eq!(figure(&dossier, "src-1", name), want.to_string(), "{name}");
        assert_eq!(&dj["verdict"]["loads"][0][name], want, "{name}");
    }
    for (label, n) in r["errors_by_label"].as_object().unwrap() {
        assert_eq!(
            figure(&dossier, "src-1", &format!("rejected:{label}")),
            n.to_string()
        );
    }
    let f = &dj["verdict"]["fault_runs"];
    assert_eq!(
        (f["runs"].as_u64(), f["survived"].as_u64()),
        (Some(1), Some(1)),
        "{f}"
    );
    let rec = est["recommended_workers"].as_u64().unwrap();
    let p = est["projections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["workers"] == rec)
        .unwrap();
    assert_eq!(
        figure(&dossier, "src-2", "recommended_workers"),
        rec.to_string()
    );
    assert_eq!(
        figure(&dossier, "src-2", "projected"),
        p["human"].as_str().unwrap()
    );
    assert_eq!(dj["verdict"]["durations"][0]["seconds"], p["seconds"]);
    assert_eq!(
        dj["verdict"]["durations"][0]["low_seconds"],
        p["low_seconds"]
    );
    assert_eq!(
        figure(&dossier, "src-3", "jit_users"),
        jit["users"].to_string()
    );
    for day in [30u64, 90, 365] {
        // Past the run's 5 days: the forecast's share for that day.
        let share = jit["forecast"]["predicted_coverage"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["day"] == day)
            .unwrap()["share"]
            .as_f64()
            .unwrap();
        assert_eq!(
            figure(&dossier, "src-3", &format!("coverage_{day}")),
            format!("{:.1} %", share * 100.0),
            "day {day}"
        );
    }
}

/// The oracle is not blind: a page with a console error, a missing image, an
/// external stylesheet and an empty chart fails each check.
#[test]
fn the_browser_check_sees_errors_failed_requests_and_empty_charts() {
    let Some(browser) = chromium() else {
        return common::skip("no chromium (or no python3) to open the pages in");
    };
    let d = tempdir();
    let page = d.path().join("bad.html");
    std::fs::write(
        &page,
        "<!doctype html><html><body><h1>x</h1><img src=\"missing.png\">\
         <link rel=\"stylesheet\" href=\"https://example.invalid/x.css\">\
         <svg role=\"img\"><title>empty</title><line x1=\"0\" y1=\"0\" x2=\"9\" y2=\"9\" stroke=\"#000\"/></svg>\
         <svg role=\"img\"><title>one bar</title><rect width=\"5\" height=\"5\" fill=\"#3A6BC0\"/></svg>\
         <script>console.error('boom')</script></body></html>",
    )
    .unwrap();
    let v = open(&browser, &page);
    let failed = v["failed"].to_string();
    assert!(
        failed.contains("missing.png") && failed.contains("example.invalid"),
        "{v}"
    );
    assert!(v["console"].to_string().contains("boom"), "{v}");
    let marks: Vec<u64> = v["svgs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["marks"].as_u64().unwrap())
        .collect();
    assert_eq!(marks, [0, 1]);
    // A blank page's screenshot has no variance.
    std::fs::write(&page, "<!doctype html><html><body></body></html>").unwrap();
    let v = open(&browser, &page);
    assert_eq!(v["screenshot"]["variance"].as_f64(), Some(0.0), "{v}");
}

/// What the dossier cannot read is refused before anything is written (exit 2).
#[test]
fn the_dossier_refuses_files_it_cannot_read() {
    let d = tempdir();
    let out = d.path().join("dossier.html");
    let file = |name: &str, body: &str| {
        let p = d.path().join(name);
        std::fs::write(&p, body).unwrap();
        p
    };
    for (f, want) in [
        (file("broken.json", "{not json"), "not JSON"),
        (
            file(
                "scan.json",
                r#"{"schema_version": 2, "kind": "scan-leaks", "tool": "understudy"}"#,
            ),
            "`scan-leaks`",
        ),
        (d.path().join("absent.json"), "absent.json"),
    ] {
        understudy("dossier")
            .arg(&f)
            .flag("-o", &out)
            .run()
            .code(2)
            .stderr_contains(want);
        assert!(!out.exists());
    }
}
