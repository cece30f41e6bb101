//! `rehearse --target http://… --api …` against the emulators (in this
//! process, real HTTP on loopback): rate limits obeyed, injected 5xx retried
//! without losing or duplicating anyone, hashes imported so users can sign in,
//! non-importable formats reported as jit_only, faults survived.

mod common;

use common::{small_saas, understudy};
use serde_json::Value;
use understudy::emulate::{Api, Config, Emulator};

fn emulator(api: Api, rate: Option<&str>, error_rate: f64) -> Emulator {
    let mut cfg = Config::new(api);
    cfg.rate = rate.map(|r| r.parse().unwrap());
    cfg.error_rate = error_rate;
    Emulator::start("127.0.0.1:0", cfg).unwrap()
}

/// Runs a rehearsal into `e` and returns (exit code, report, stdout).
fn rehearse(e: &Emulator, api: &str, users: u64, extra: &[&str]) -> (i32, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let profile = small_saas(dir.path());
    let report = dir.path().join("r.json");
    let o = understudy("rehearse")
        .profile(&profile)
        .users(users)
        .target(format!("http://{}", e.addr))
        .flag("--api", api)
        .report(&report)
        .args(extra)
        .run();
    let stdout = o.out();
    let code = o.status.code().unwrap_or(-1);
    let r = std::fs::read(&report)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_else(|| panic!("no report (exit {code}):\n{stdout}\n{}", o.err()));
    (code, r, stdout)
}

#[test]
fn okta_with_rate_limit_and_errors_loses_nobody_and_obeys_the_limit() {
    let e = emulator(Api::Okta, Some("150/s"), 0.05);
    let (code, r, out) = rehearse(&e, "okta", 1200, &[]);
    assert_eq!(code, 0, "{out}");
    let v = &r["verify"];
    assert_eq!(v["ok"], true, "{out}");
    assert_eq!(v["missing"], 0);
    assert_eq!(v["duplicated"], 0);
    assert_eq!(v["passwords"]["failed"], 0);
    assert!(v["passwords"]["verified"].as_u64().unwrap() > 0);
    let h = &r["http"];
    // small-saas is half bcrypt (importable), half argon2id (not for Okta).
    let jit = h["jit_only_by_format"]["argon2id"].as_u64().unwrap();
    assert!(jit > 400 && jit < 800, "{h}");
    assert!(h["jit_only_by_format"].get("bcrypt").is_none());
    assert_eq!(
        r["rows_loaded"].as_u64().unwrap() + jit + r["rows_rejected"].as_u64().unwrap(),
        1200
    );
    // 5xx were injected, counted by status and retried.
    assert!(h["responses_by_status"]["500"].as_u64().unwrap() > 0, "{h}");
    assert!(h["retries"].as_u64().unwrap() > 0);
    // The limit was reached (the client waited for the window to reset) and
    // no request came before the time a 429 named.
    assert!(h["rate_limit_waits"].as_u64().unwrap() > 0, "{h}");
    let stats = e.stats();
    assert_eq!(stats.early_requests, 0, "{stats:?}");
    assert!(stats.injected_errors > 0);
    assert!(out.contains("jit_only"), "{out}");
}

#[test]
fn generic_api_with_retry_after_and_a_connection_reset() {
    let e = emulator(Api::Generic, Some("200/s"), 0.05);
    let (code, r, out) = rehearse(
        &e,
        "generic",
        1500,
        &[
            "--workers",
            "16",
            "--faults",
            "reset@1s; latency@2s+1s=30ms",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(r["verify"]["ok"], true, "{out}");
    assert_eq!(
        r["http"]["jit_only"], 0,
        "the generic API takes every format"
    );
    // A token bucket with Retry-After: 429s were answered and waited out.
    assert!(
        r["http"]["rate_limited"].as_u64().unwrap() > 0,
        "{}",
        r["http"]
    );
    assert_eq!(e.stats().early_requests, 0, "{:?}", e.stats());
    assert!(
        r["faults"]["proxy"]["connections_killed"].as_u64().unwrap() > 0,
        "{}",
        r["faults"]
    );
    assert_eq!(r["rows_loaded"], 1500);
}

#[test]
fn open_model_times_requests_from_their_scheduled_start() {
    let e = emulator(Api::Generic, None, 0.0);
    let (code, r, out) = rehearse(&e, "generic", 400, &["--rate", "200"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(r["http"]["model"], "open");
    // 400 requests at 200/s take about 2 s, whatever the target's speed.
    let d = r["duration_s"].as_f64().unwrap();
    assert!(d >= 1.9, "an open model keeps its schedule: {d} s");
    assert_eq!(r["verify"]["ok"], true);
}

#[test]
fn auth0_import_jobs_respect_the_file_size_and_job_limits() {
    let e = emulator(Api::Auth0, None, 0.05);
    let (code, r, out) = rehearse(&e, "auth0", 4000, &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(r["verify"]["ok"], true, "{out}");
    // ~4000 records of ~300 bytes: more than one 500 KB file.
    assert!(r["http"]["jobs"].as_u64().unwrap() >= 2, "{}", r["http"]);
    assert_eq!(r["http"]["jit_only"], 0, "Auth0 imports bcrypt and argon2");
    assert_eq!(r["rows_loaded"], 4000);
    // Never a third concurrent job (Auth0 would answer 429).
    assert!(
        r["http"]["responses_by_status"].get("429").is_none(),
        "{}",
        r["http"]
    );
}

#[test]
fn http_targets_need_an_api_and_refuse_database_flags() {
    let e = emulator(Api::Generic, None, 0.0);
    let target = format!("http://{}", e.addr);
    for (args, want) in [
        (vec!["--target", target.as_str()], "--api"),
        (
            vec!["--target", "https://idp.example", "--api", "okta"],
            "https",
        ),
        (
            vec!["--target", target.as_str(), "--api", "generic", "--resume"],
            "--resume",
        ),
        (vec!["--target", "sqlite:x.db", "--api", "okta"], "http://"),
        (
            vec!["--target", target.as_str(), "--api", "ldap"],
            "[possible values: okta, auth0, generic]",
        ),
    ] {
        understudy("rehearse")
            .users(10)
            .flag("--hash-mode", "shape")
            .args(args)
            .run()
            .code(2)
            .stderr_contains(want);
    }
}

#[test]
fn emulator_store_keeps_users_and_their_passwords_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tenant.db");
    let mut cfg = Config::new(Api::Okta);
    cfg.store = Some(db.clone());
    let e = Emulator::start("127.0.0.1:0", cfg.clone()).unwrap();
    let (code, r, out) = rehearse(&e, "okta", 300, &[]);
    assert_eq!(code, 0, "{out}");
    let loaded = r["rows_loaded"].as_u64().unwrap();
    drop(e);
    // A new process over the same file: the users and their hashes are back,
    // and a second rehearsal of the same users finds every one taken.
    let e = Emulator::start("127.0.0.1:0", cfg).unwrap();
    assert_eq!(e.stats().users, loaded);
    let with_hash = e
        .state
        .store
        .lock()
        .unwrap()
        .users
        .iter()
        .filter(|u| u.credential.is_some())
        .count();
    assert_eq!(
        with_hash as u64, loaded,
        "credentials rebuilt from the store"
    );
    let (_, r2, _) = rehearse(&e, "okta", 300, &["--no-verify"]);
    assert_eq!(r2["rows_loaded"], 0);
    assert_eq!(r2["errors_by_class"]["duplicate"].as_u64().unwrap(), loaded);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n as u64, loaded);
}

#[test]
fn shards_split_the_rate_so_that_together_they_respect_the_limit() {
    // 100 requests/s at the provider; 3 shards given --rate 90 send 30/s
    // each. Each at 90/s would be 270/s, far past the limit: 429s.
    let e = emulator(Api::Generic, Some("100/s"), 0.0);
    let dir = tempfile::tempdir().unwrap();
    let profile = small_saas(dir.path());
    let report = |k: u64| dir.path().join(format!("shard{k}.json"));
    let started = std::time::Instant::now();
    let shards: Vec<_> = (0..3)
        .map(|k| {
            understudy("rehearse")
                .profile(&profile)
                .users(360)
                .target(format!("http://{}", e.addr))
                .flag("--api", "generic")
                .flag("--rate", "90")
                .flag("--shard", "auto")
                .flag("--shards", "3")
                .env("JOB_COMPLETION_INDEX", k.to_string())
                .report(report(k))
                .arg("--quiet")
                .spawn_quiet()
        })
        .collect();
    for mut c in shards {
        assert!(c.wait().unwrap().success());
    }
    let elapsed = started.elapsed().as_secs_f64();
    let stats = e.stats();
    assert_eq!(stats.rate_limited, 0, "{stats:?}");
    // 360 users at 90/s in all: about 4 s, not about 1.3 s.
    assert!(elapsed >= 3.5, "{elapsed} s");
    for k in 0..3 {
        let r: Value = serde_json::from_slice(&std::fs::read(report(k)).unwrap()).unwrap();
        assert_eq!(r["http"]["rate"], 30.0, "{}", r["http"]);
        assert_eq!(r["shard"]["users"], 120);
        assert_eq!(r["rows_loaded"], 120);
        assert_eq!(r["verify"]["ok"], true, "{}", r["verify"]);
        assert_eq!(r["verify"]["found"], 120, "only the shard's users");
    }
    let all = dir.path().join("all.json");
    understudy("report")
        .arg("merge")
        .args((0..3).map(report))
        .flag("-o", &all)
        .run()
        .code(0);
    let m: Value = serde_json::from_slice(&std::fs::read(&all).unwrap()).unwrap();
    assert_eq!(m["rows_loaded"], 360);
    // The whole run's rate, and no 429 in any shard.
    assert_eq!(m["http"]["rate"], 90.0, "{}", m["http"]);
    assert_eq!(m["http"]["rate_limited"], 0);
    assert_eq!(m["verify"]["ok"], true, "{}", m["verify"]);
    assert_eq!(e.stats().users, 360);
}
