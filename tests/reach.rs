//! Reaching targets, one rule for every kind: a target that cannot be reached
//! at all at the start is reported within seconds (exit 3, with a hint); once
//! reached, a lost network is waited out within `--retry-for`, told on
//! stderr in a line or two, not a flood. And one writer per target at a time.

mod common;

use common::{Postgres, Understudy, closed_port, json, small_saas, tempdir, understudy};
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::Duration;
use understudy::emulate::{Api, Config, Emulator};

fn emulator(api: Api) -> Emulator {
    Emulator::start("127.0.0.1:0", Config::new(api)).unwrap()
}

#[test]
fn an_unreachable_target_of_any_kind_exits_3_within_seconds() {
    let d = tempdir();
    let profile = small_saas(d.path());
    let profile = profile.to_str().unwrap();
    let port = closed_port();
    let pg = format!("postgres://u:pw@127.0.0.1:{port}/db");
    let http = format!("http://127.0.0.1:{port}");
    let missing = format!("sqlite:{}", d.path().join("no/such/dir/x.db").display());
    std::fs::write(d.path().join("a-file"), "").unwrap();
    // A directory no one can write to, root included: a regular file.
    let unwritable = format!("sqlite:{}", d.path().join("a-file/x.db").display());
    let new_system = emulator(Api::Okta);
    let new_url = format!("http://{}", new_system.addr);
    let legacy_missing = format!("sqlite:{}", d.path().join("gone/legacy.db").display());
    let rehearse = |target: &str, extra: &[&str]| {
        understudy("rehearse")
            .profile(profile)
            .users(50)
            .target(target)
            .args(extra)
    };
    let estimate = |target: &str, extra: &[&str]| {
        understudy("estimate")
            .profile(profile)
            .flag("--production-users", "100000")
            .target(target)
            .args(extra)
    };
    let jit = |legacy: &str, new: &str| {
        understudy("jit")
            .profile(profile)
            .users(50)
            .flag("--legacy", legacy)
            .flag("--new", new)
            .flag("--api", "okta")
            .flag("--hash-cost", "light")
            .flag("--days", "2")
    };
    let cases: Vec<(&str, Understudy)> = vec![
        ("sqlite, missing directory", rehearse(&missing, &[])),
        ("sqlite, unwritable directory", rehearse(&unwritable, &[])),
        ("postgres, closed port", rehearse(&pg, &[])),
        (
            "postgres, closed port, --faults",
            rehearse(&pg, &["--faults", "outage@0s+5s"]),
        ),
        ("http, closed port", rehearse(&http, &["--api", "okta"])),
        (
            "http, closed port, --faults",
            rehearse(&http, &["--api", "okta", "--faults", "outage@0s+5s"]),
        ),
        (
            "estimate, sqlite, missing directory",
            estimate(&missing, &[]),
        ),
        ("estimate, postgres, closed port", estimate(&pg, &[])),
        (
            "estimate, http, closed port",
            estimate(&http, &["--api", "okta"]),
        ),
        ("jit, legacy postgres, closed port", jit(&pg, &new_url)),
        (
            "jit, legacy sqlite, missing directory",
            jit(&legacy_missing, &new_url),
        ),
        ("jit, new system, closed port", jit(&legacy_missing, &http)),
    ];
    let mut failures = Vec::new();
    for (what, run) in cases {
        let o = run.within(Duration::from_secs(30)).run();
        let (code, stderr, took) = (o.status.code(), o.err(), o.took);
        if code != Some(3)
            || took > Duration::from_secs(10)
            || !stderr.contains("hint") && !stderr.contains("start one with")
        {
            failures.push(format!("{what}: exit {code:?} after {took:.1?}\n{stderr}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n---\n"));
    // Refused without creating anything on the way.
    assert!(!d.path().join("no").exists());
    assert!(!d.path().join("gone").exists());
}

#[test]
fn an_outage_from_the_first_second_is_waited_out() {
    let Some(pg) = Postgres::shared() else { return };
    let d = tempdir();
    let profile = small_saas(d.path());
    // Cold hash pools: the outage also covers the connections being opened
    // while, and right after, the pools are built.
    for (db, plan) in [
        ("at0", "outage@0s+5s"),
        ("at1", "outage@1s+3s"),
        ("at2", "outage@2s+3s"),
    ] {
        let dsn = pg.create_db(db);
        let cache = d.path().join(format!("cache-{db}"));
        let rep = d.path().join(format!("{db}.json"));
        let stderr = understudy("rehearse")
            .profile(&profile)
            .users(3000)
            .target(&dsn)
            .flag("--faults", plan)
            .report(&rep)
            .env("XDG_CACHE_HOME", &cache)
            .within(Duration::from_secs(120))
            .run()
            .code(0)
            .err();
        let r = json(&rep);
        assert_eq!(r["verify"]["ok"], true, "{plan}: {}", r["verify"]);
        assert_eq!(r["faults"]["plan"], plan);
        // The real target in the banner, the proxy beside it.
        assert!(
            stderr.contains(&format!(
                "127.0.0.1:{}/{db} through a fault proxy on 127.0.0.1:",
                pg.port
            )),
            "{stderr}"
        );
        let waits = stderr.matches("waiting for").count();
        assert!(waits <= 4, "{plan}: told {waits} times:\n{stderr}");
        if plan.contains("@0s") {
            assert!(waits >= 1, "{plan}: the wait was not told:\n{stderr}");
            assert!(stderr.contains("(--retry-for)"), "{stderr}");
        }
    }
}

#[test]
fn an_identity_api_behind_an_outage_from_the_first_second_is_waited_out() {
    let e = emulator(Api::Okta);
    let d = tempdir();
    let profile = small_saas(d.path());
    let target = format!("http://{}", e.addr);
    let rep = d.path().join("r.json");
    let o = understudy("rehearse")
        .profile(&profile)
        .users(200)
        .target(&target)
        .flag("--api", "okta")
        .flag("--faults", "outage@0s+3s")
        .report(&rep)
        .within(Duration::from_secs(120))
        .run();
    let (code, stdout, stderr) = (o.status.code(), o.out(), o.err());
    let r = json(&rep);
    assert_eq!(r["verify"]["ok"], true, "{stderr}\n{}", r["verify"]);
    assert_eq!(code, Some(0), "{stderr}");
    let waits = stderr.matches("waiting for").count();
    assert!((1..=4).contains(&waits), "told {waits} times:\n{stderr}");
    assert!(
        stderr.contains(&format!("sending to {target} through a fault proxy on")),
        "{stderr}"
    );
    // An identity API takes users, one request each: no rows, no batches.
    assert!(stdout.contains(" users/s"), "{stdout}");
    assert!(stdout.contains("user latency"), "{stdout}");
    assert!(
        !stdout.contains("rows") && !stdout.contains("batch"),
        "{stdout}"
    );
    assert!(stdout.contains("faults         outage@0s+3s"), "{stdout}");
}

#[test]
fn counts_and_durations_read_as_a_person_writes_them() {
    let d = tempdir();
    let out = d.path().join("g");
    let stderr = understudy("generate")
        .profile("ldap")
        .users(1)
        .flag("--hash-mode", "shape")
        .flag("--out", &out)
        .within(Duration::from_secs(60))
        .run()
        .code(0)
        .err();
    let line = stderr
        .lines()
        .find(|l| l.contains("1 user"))
        .unwrap_or_default();
    assert!(
        stderr.contains("hash pools ready: 0 real hashes in 0.0 s"),
        "{stderr}"
    );
    assert!(line.contains("1 user (1 row in 1 table) in "), "{stderr}");
    assert!(line.contains(" s, "), "one duration style (4.2 s): {line}");
}

/// Starts a rehearsal and returns once it holds the target (its banner is out).
fn start_writer(run: Understudy) -> (Child, std::thread::JoinHandle<String>) {
    let mut child = run
        .command()
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("rehearsing") {
            break;
        }
    }
    assert!(
        seen.contains("rehearsing"),
        "the first rehearsal did not start:\n{seen}"
    );
    let rest = std::thread::spawn(move || {
        for l in lines.map_while(|l| l.ok()) {
            seen.push_str(&l);
            seen.push('\n');
        }
        seen
    });
    (child, rest)
}

fn second_writer_is_refused(target: &str, profile: &str, users: &str) {
    let load = || {
        understudy("rehearse")
            .profile(profile)
            .users(users)
            .target(target)
            .flag("--hash-mode", "shape")
            .flag("--batch", "500")
    };
    let (mut first, first_err) = start_writer(load().flag("--workers", "1"));
    let o = load().arg("--quiet").arg("--resume").run();
    let still_running = first.try_wait().unwrap().is_none();
    let stderr = o.err();
    assert!(
        still_running,
        "the first rehearsal ended too soon for the check"
    );
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("another rehearsal") && stderr.contains("is writing to this target"),
        "{stderr}"
    );
    let st = first.wait().unwrap();
    let first_err = first_err.join().unwrap();
    assert!(
        st.success(),
        "the first rehearsal was disturbed: {first_err}"
    );
    // Once it is done, the target is free again (a resume finds nothing left).
    load().arg("--quiet").arg("--resume").run().success();
}

#[test]
fn a_second_rehearsal_on_an_sqlite_target_being_written_is_refused() {
    let d = tempdir();
    let profile = small_saas(d.path());
    let db = format!("sqlite:{}", d.path().join("t.db").display());
    second_writer_is_refused(&db, profile.to_str().unwrap(), "20000");
    assert!(
        !d.path().join("t.db-understudy-lock").exists(),
        "the lock file is removed"
    );
}

#[test]
fn a_second_rehearsal_on_a_postgres_target_being_written_is_refused() {
    let Some(pg) = Postgres::shared() else { return };
    let d = tempdir();
    let profile = small_saas(d.path());
    let dsn = pg.create_db("locked");
    second_writer_is_refused(&dsn, profile.to_str().unwrap(), "20000");
}

#[test]
fn jit_waits_out_a_new_system_that_stops_answering_mid_run() {
    let e = emulator(Api::Generic);
    // The new system loses its network for 8 s while the days replay (a day
    // per second): longer than a handful of quick retries lasts.
    let proxy = understudy::faults::Proxy::start(
        "127.0.0.1:0",
        &e.addr.to_string(),
        "outage@2s+8s".parse().unwrap(),
    )
    .unwrap();
    let d = tempdir();
    let profile = small_saas(d.path());
    let legacy = format!("sqlite:{}", d.path().join("legacy.db").display());
    let new = format!("http://{}", proxy.addr);
    let rep = d.path().join("jit.json");
    let stderr = understudy("jit")
        .profile(&profile)
        .users(300)
        .flag("--legacy", &legacy)
        .flag("--new", &new)
        .flag("--api", "generic")
        .flag("--hash-cost", "light")
        .flag("--days", "12")
        .flag("--speed", "86400")
        .report(&rep)
        .within(Duration::from_secs(120))
        .run()
        .code(0)
        .err();
    let waits = stderr.matches("waiting for the new system").count();
    assert!((1..=4).contains(&waits), "told {waits} times:\n{stderr}");
}
