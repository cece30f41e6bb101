//! `understudy jit` end to end: SQLite and LDIF legacy stores into the Okta
//! and generic emulators. The test judges the outcome itself: it reads the
//! plaintext passwords from `generate --emit-passwords` and signs every user
//! in against the emulator with its own HTTP client, so a user migrated with
//! a wrong password (its stored credential would be the wrong one) or not
//! migrated properly fails here, whatever the report says.

mod common;
use common::*;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;
use understudy::emulate::{Api, Config, Emulator};

fn http(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let status = String::from_utf8_lossy(&raw[..split])
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    (
        status,
        serde_json::from_slice(&raw[split + 4..]).unwrap_or(Value::Null),
    )
}

fn login(addr: SocketAddr, api: Api, email: &str, password: &str) -> bool {
    let (path, body) = match api {
        Api::Okta => (
            "/api/v1/authn",
            json!({"username": email, "password": password}),
        ),
        _ => ("/login", json!({"login": email, "password": password})),
    };
    http(addr, "POST", path, body.to_string().as_bytes()).0 == 200
}

fn emulator(api: Api) -> Emulator {
    let mut cfg = Config::new(api);
    cfg.hash_cost_light = true;
    Emulator::start("127.0.0.1:0", cfg).unwrap()
}

/// A shipped profile with its `[activity]` replaced.
fn profile(dir: &Path, base: &str, activity: &str) -> PathBuf {
    let text = understudy("profiles")
        .args(["show", base])
        .run()
        .success()
        .out();
    let text = match text.find("[activity]") {
        Some(a) => {
            let rest = &text[a..];
            let end = rest.find("\n[tables").map(|e| a + e + 1).unwrap();
            format!("{}{}", &text[..a], &text[end..])
        }
        None => text,
    };
    let p = dir.join(format!("{base}-jit.toml"));
    std::fs::write(&p, format!("{text}\n[activity]\n{activity}\n")).unwrap();
    p
}

/// (email, password) per user index, from `generate --emit-passwords`.
fn passwords(dir: &Path, profile: &Path, users: u64, extra: &[&str]) -> Vec<(String, String)> {
    let out = dir.join("truth");
    understudy("generate")
        .profile(profile)
        .users(users)
        .flag("--hash-cost", "light")
        .args(["--emit-passwords", "--quiet", "--force"])
        .flag("--out", &out)
        .args(extra)
        .run()
        .success();
    let (h, rows) = read_csv(&out.join("users.csv"));
    let e = h.iter().position(|c| c == "email").unwrap();
    let (_, pw) = read_csv(&out.join("passwords.csv"));
    rows.iter()
        .zip(pw)
        .map(|(r, p)| {
            (
                r[e].clone().unwrap_or_default(),
                p[1].clone().unwrap_or_default(),
            )
        })
        .collect()
}

/// `understudy jit`: `users` of profile `p` from `legacy` into the emulator
/// `e` speaking `api`, over `days` days, at the light hash cost.
fn jit_into(p: &Path, users: u64, legacy: &str, e: &Emulator, api: &str, days: &str) -> Understudy {
    understudy("jit")
        .profile(p)
        .users(users)
        .flag("--legacy", legacy)
        .flag("--new", format!("http://{}", e.addr))
        .flag("--api", api)
        .flag("--days", days)
        .flag("--hash-cost", "light")
}

/// Runs it writing `report`: (exit code, the report or null, what it printed).
fn jit(run: Understudy, report: &Path) -> (i32, Value, String) {
    let o = run.report(report).run();
    let v = std::fs::read(report)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    (
        o.status.code().unwrap_or(-1),
        v,
        format!("{}\n{}", o.out(), o.err()),
    )
}

/// Signs every user in with its password (and a wrong one) on the emulator:
/// returns how many got in. Users absent from the new system must not.
fn judge(e: &Emulator, api: Api, truth: &[(String, String)]) -> u64 {
    let mut ok = 0;
    for (email, pw) in truth {
        if login(e.addr, api, email, pw) {
            ok += 1;
            assert!(
                !login(e.addr, api, email, &format!("{pw}x")),
                "{email}: a wrong password signs in"
            );
        }
    }
    ok
}

#[test]
fn sqlite_legacy_into_generic_every_migrated_user_signs_in() {
    let d = tempdir();
    let p = profile(
        d.path(),
        "saas",
        "classes = { daily = 30, weekly = 30, monthly = 20, rare = 10, dormant = 10 }\nfailed_login_share = 0.4",
    );
    let users = 1200;
    let e = emulator(Api::Generic);
    let report = d.path().join("jit.json");
    let html = d.path().join("jit.html");
    let legacy = format!("sqlite:{}", d.path().join("legacy.db").display());
    let (code, r, out) = jit(
        jit_into(&p, users, &legacy, &e, "generic", "12")
            .flag("--workers", "3")
            .html(&html),
        &report,
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(r["schema_version"], 2);
    let migrated = r["migrated_users"].as_u64().unwrap();
    assert!(migrated > 600, "{out}");
    assert_eq!(r["migrated_verified"].as_u64(), Some(migrated));
    assert_eq!(r["wrong_password_migrations"].as_u64(), Some(0));
    assert!(r["wrong_attempts"].as_u64().unwrap() > 100);
    // Coverage: one entry per day, non-decreasing, ending at the migrated share.
    let cov = r["coverage"].as_array().unwrap();
    assert_eq!(cov.len(), 12);
    let shares: Vec<f64> = cov
        .iter()
        .map(|c| c["migrated_share"].as_f64().unwrap())
        .collect();
    assert!(shares.windows(2).all(|w| w[0] <= w[1]));
    assert!((shares[11] - migrated as f64 / users as f64).abs() < 1e-9);
    let f = &r["forecast"];
    assert_eq!(f["predicted_coverage"].as_array().unwrap().len(), 365);
    assert!(f["never_within_year_share"].as_f64().unwrap() >= 0.0);
    assert!(f.get("days_to_50").is_some() && f.get("days_to_99").is_some());
    assert_eq!(r["leak_scan"]["findings"].as_u64(), Some(0));
    assert!(std::fs::read_to_string(&html).unwrap().contains("<svg"));
    // The judge: exactly the migrated users sign in, each with its own password.
    let truth = passwords(d.path(), &p, users, &[]);
    assert_eq!(e.stats().users, migrated);
    assert_eq!(judge(&e, Api::Generic, &truth), migrated);
}

#[test]
fn ldif_legacy_into_okta_imports_ssha_and_rehashes_crypt() {
    let d = tempdir();
    let p = profile(
        d.path(),
        "ldap",
        "classes = { daily = 50, weekly = 30, dormant = 20 }\nfailed_login_share = 0.3",
    );
    let users = 800;
    let e = emulator(Api::Okta);
    let ldif = d.path().join("people.ldif");
    let report = d.path().join("jit.json");
    let legacy = format!("ldif:{}", ldif.display());
    let (code, r, out) = jit(
        jit_into(&p, users, &legacy, &e, "okta", "6").flag("--rehash", "import"),
        &report,
    );
    assert_eq!(code, 0, "{out}");
    let text = std::fs::read_to_string(&ldif).unwrap();
    assert!(text.contains("\nuserPassword: {SSHA}"));
    assert!(text.contains("\nuserPassword: {CRYPT}$6$"));
    assert_eq!(text.matches("\ndn: uid=").count(), users as usize);
    let migrated = r["migrated_users"].as_u64().unwrap();
    assert!(migrated > 400, "{out}");
    // {SSHA} goes in as Okta SHA-1 + salt; {CRYPT}$6$ has no Okta import: rehashed.
    assert!(r["imported_hashes"].as_u64().unwrap() > 0);
    assert!(r["rehashed_by_target"].as_u64().unwrap() > 0);
    assert_eq!(r["migrated_verified"].as_u64(), Some(migrated));
    let truth = passwords(d.path(), &p, users, &[]);
    assert_eq!(e.stats().users, migrated);
    assert_eq!(judge(&e, Api::Okta, &truth), migrated);
}

/// A live OpenLDAP server as the legacy store: seeded by the LDAP target's
/// loader, each sign-in checked by binding as the user's DN (found by `mail`
/// with the service bind), the entry read to create the user in Okta.
#[test]
fn ldap_legacy_into_okta_checks_every_sign_in_by_bind() {
    let Some(s) = Slapd::start() else { return };
    let d = tempdir();
    let p = profile(
        d.path(),
        "ldap",
        "classes = { daily = 50, weekly = 30, dormant = 20 }\nfailed_login_share = 0.3",
    );
    let users = 600;
    let e = emulator(Api::Okta);
    let report = d.path().join("jit.json");
    let (code, r, out) = jit(
        jit_into(&p, users, &s.url(), &e, "okta", "30")
            .flag("--bind-dn", common::slapd::ROOT_DN)
            .env("LDAP_PASSWORD", common::slapd::ROOT_PW),
        &report,
    );
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains(common::slapd::ROOT_PW));
    let migrated = r["migrated_users"].as_u64().unwrap();
    assert!(migrated > 300, "{out}");
    assert_eq!(r["migrated_verified"].as_u64(), Some(migrated));
    assert_eq!(r["wrong_password_migrations"].as_u64(), Some(0));
    assert!(r["wrong_attempts"].as_u64().unwrap() > 0, "{out}");
    assert!(r["legacy"].as_str().unwrap().starts_with("ldap://"));
    // Every person is in the directory, bound as by the check.
    let people = s.search(
        "ou=people,dc=example,dc=org",
        "(objectClass=inetOrgPerson)",
        &["1.1"],
    );
    assert_eq!(people.matches("dn:").count() as u64, users);
    let truth = passwords(d.path(), &p, users, &[]);
    assert_eq!(e.stats().users, migrated);
    assert_eq!(judge(&e, Api::Okta, &truth), migrated);
}

#[test]
fn resume_continues_where_it_stopped_and_matches_an_uninterrupted_run() {
    let d = tempdir();
    let p = profile(
        d.path(),
        "ldap",
        "classes = { daily = 10, weekly = 40, monthly = 40, dormant = 10 }\npassword_reset_share = 0.2",
    );
    let run = |tag: &str, e: &Emulator, days: &str, resume: bool| {
        let legacy = format!("ldif:{}", d.path().join(format!("{tag}.ldif")).display());
        let mut run = jit_into(&p, 500, &legacy, e, "generic", days);
        if resume {
            run = run.arg("--resume");
        }
        jit(run, &d.path().join(format!("{tag}.json")))
    };
    let e1 = emulator(Api::Generic);
    let (code, _, out) = run("a", &e1, "4", false);
    assert_eq!(code, 0, "{out}");
    // Without --resume, the checkpoint is refused.
    let (code, _, _) = run("a", &e1, "8", false);
    assert_eq!(code, 2);
    let (code, ra, out) = run("a", &e1, "8", true);
    assert_eq!(code, 0, "{out}");
    assert_eq!(ra["resumed_from_day"].as_u64(), Some(4));
    let e2 = emulator(Api::Generic);
    let (code, rb, out) = run("b", &e2, "8", false);
    assert_eq!(code, 0, "{out}");
    let days = |r: &Value| -> Vec<(u64, u64, u64)> {
        r["coverage"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["migrated"].as_u64().unwrap(),
                    c["sign_ins"].as_u64().unwrap(),
                    c["legacy_lookups"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(days(&ra).len(), 8);
    assert_eq!(days(&ra), days(&rb));
    assert_eq!(ra["migrated_users"], rb["migrated_users"]);
    assert_eq!(ra["migrated_by_reset"], rb["migrated_by_reset"]);
    // Users who reset chose a new password: the generated one no longer works
    // for them, and works for every other migrated user.
    let migrated = rb["migrated_users"].as_u64().unwrap();
    let resets = rb["migrated_by_reset"].as_u64().unwrap();
    assert!(resets > 20 && resets < migrated, "{resets} of {migrated}");
    assert_eq!(rb["migrated_verified"].as_u64(), Some(migrated));
    let truth = passwords(d.path(), &p, 500, &[]);
    assert_eq!(judge(&e2, Api::Generic, &truth), migrated - resets);
}

#[test]
fn wrong_passwords_migrate_nobody_except_where_bcrypt_truncates() {
    // Every sign-in begins with a wrong password (the right one with its last
    // character changed). Only passwords longer than bcrypt's 72 bytes can
    // let that through (bcrypt ignores the rest), and the report must say so,
    // labelled, with exit 1.
    let d = tempdir();
    let p = profile(
        d.path(),
        "saas",
        "classes = { daily = 100 }\nfailed_login_share = 1.0",
    );
    let users = 1500;
    let e = emulator(Api::Okta);
    let report = d.path().join("jit.json");
    let legacy = format!("sqlite:{}", d.path().join("legacy.db").display());
    let (code, r, out) = jit(
        jit_into(&p, users, &legacy, &e, "okta", "2").flag("--edge-rate", "1.0"),
        &report,
    );
    assert_eq!(code, 1, "{out}");
    let wrong = r["wrong_password_migrations"].as_u64().unwrap();
    assert!(wrong >= 1, "{out}");
    let errors = r["errors"].as_array().unwrap();
    let by_wrong: Vec<&Value> = errors
        .iter()
        .filter(|e| e["class"] == "wrong_password_migrated")
        .collect();
    assert!(!by_wrong.is_empty());
    // Both labelled cases are longer than 72 bytes (80 bytes; 1 KiB).
    for e in &by_wrong {
        let l = e["label"].as_str().unwrap();
        assert!(
            l.contains("password.bcrypt-over-72-bytes") || l.contains("password.1kib"),
            "{e}"
        );
    }
    assert!(by_wrong.iter().any(|e| {
        e["label"]
            .as_str()
            .unwrap()
            .contains("password.bcrypt-over-72-bytes")
    }));
    assert_eq!(
        by_wrong
            .iter()
            .map(|e| e["count"].as_u64().unwrap())
            .sum::<u64>(),
        wrong
    );
    // Errors carry their labels (NFD passwords, case-variant emails, …).
    assert!(errors.iter().any(|e| e["label"] != "-"), "{out}");
}

#[test]
fn okta_password_import_hook_with_the_example_hook() {
    let d = tempdir();
    let users = 40;
    let legacy = d.path().join("legacy.db");
    understudy("rehearse")
        .profile("ldap")
        .users(users)
        .sqlite(&legacy)
        .arg("--quiet")
        .run()
        .success();
    let truth = {
        let out = d.path().join("truth");
        understudy("generate")
            .profile("ldap")
            .users(40)
            .args(["--emit-passwords", "--quiet"])
            .flag("--out", &out)
            .run()
            .success();
        let (h, rows) = read_csv(&out.join("users.csv"));
        let e = h.iter().position(|c| c == "email").unwrap();
        let (_, pw) = read_csv(&out.join("passwords.csv"));
        rows.iter()
            .zip(pw)
            .map(|(r, p)| (r[e].clone().unwrap(), p[1].clone().unwrap()))
            .collect::<Vec<_>>()
    };
    // The example hook, built by `cargo test` beside the binary.
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_understudy"));
    let hook_bin = exe.parent().unwrap().join("examples/jit_hook");
    if !hook_bin.exists() {
        // `cargo test` builds examples; `cargo test --test jit` does not.
        let release = exe.parent().unwrap().ends_with("release");
        let mut build = std::process::Command::new(env!("CARGO"));
        build.args(["build", "--example", "jit_hook"]);
        if release {
            build.arg("--release");
        }
        assert!(
            build.status().unwrap().success(),
            "cannot build the example hook"
        );
    }
    let mut hook = std::process::Command::new(&hook_bin)
        .args([
            "--legacy",
            &format!("sqlite:{}", legacy.display()),
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", hook_bin.display()));
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(hook.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    let hook_addr = line.trim().to_string();
    let mut cfg = Config::new(Api::Okta);
    cfg.hash_cost_light = true;
    cfg.password_import_hook = Some(format!("http://{hook_addr}/hook"));
    let e = Emulator::start("127.0.0.1:0", cfg).unwrap();
    // Users created "with a password hook", as for Okta's hook-based migration.
    for (email, _) in &truth {
        let body = json!({"profile": {"login": email, "email": email, "firstName": "A", "lastName": "B"},
                          "credentials": {"password": {"hook": {"type": "default"}}}});
        let (st, _) = http(
            e.addr,
            "POST",
            "/api/v1/users?activate=true",
            body.to_string().as_bytes(),
        );
        assert_eq!(st, 200);
    }
    // Wrong passwords: UNVERIFIED, 401, nothing stored.
    for (email, pw) in truth.iter().take(10) {
        assert!(!login(e.addr, Api::Okta, email, &format!("{pw}!")));
    }
    // Right passwords: VERIFIED by the hook against the legacy store.
    for (email, pw) in &truth {
        assert!(login(e.addr, Api::Okta, email, pw), "{email}");
    }
    // The hook is gone: Okta now has the passwords itself.
    hook.kill().unwrap();
    let _ = hook.wait();
    let mut err = String::new();
    hook.stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(err.matches(": VERIFIED").count(), users);
    assert_eq!(err.matches(": UNVERIFIED").count(), 10);
    for (email, pw) in &truth {
        assert!(
            !err.contains(pw.as_str()) || pw.len() < 6,
            "the hook logged a password"
        );
        assert!(
            login(e.addr, Api::Okta, email, pw),
            "{email} after the hook"
        );
        assert!(!login(e.addr, Api::Okta, email, &format!("{pw}!")));
    }
}

/// 300 users seeded into the database legacy store `dsn` and replayed for 3
/// days into a generic emulator: exit 0, and every migrated user signs in
/// with the right password. The report and its text, for the caller's checks.
fn db_legacy_into_generic(dsn: &str) -> (Value, String) {
    let d = tempdir();
    let p = profile(
        d.path(),
        "ldap",
        "classes = { daily = 60, weekly = 40 }\nfailed_login_share = 0.3",
    );
    let e = emulator(Api::Generic);
    let report = d.path().join("jit.json");
    let (code, r, out) = jit(jit_into(&p, 300, dsn, &e, "generic", "3"), &report);
    assert_eq!(code, 0, "{out}");
    let migrated = r["migrated_users"].as_u64().unwrap();
    assert!(migrated > 150, "{out}");
    let truth = passwords(d.path(), &p, 300, &[]);
    assert_eq!(judge(&e, Api::Generic, &truth), migrated);
    let text = std::fs::read_to_string(&report).unwrap();
    (r, text)
}

#[test]
fn postgres_legacy_into_generic() {
    let Some(pg) = Postgres::shared() else { return };
    let (_, text) = db_legacy_into_generic(&pg.create_db("jit_legacy"));
    // The DSN's password never reaches the report.
    assert!(!text.contains(&pg.password));
}

/// The legacy store in MariaDB (`--legacy mysql://…`): seeded through the
/// MySQL target, looked up per sign-in through `Conn::lookup`.
#[test]
fn mysql_legacy_into_generic() {
    let Some(db) = Mariadb::start_tcp() else {
        return;
    };
    let (r, _) = db_legacy_into_generic(&db.create_db("jit_legacy"));
    let legacy = r["legacy"].as_str().unwrap_or_default();
    assert!(
        legacy.starts_with("mysql://") && legacy.contains("***"),
        "{legacy}"
    );
}

#[test]
fn injected_5xx_and_rate_limits_are_retried() {
    let d = tempdir();
    let p = profile(
        d.path(),
        "ldap",
        "classes = { daily = 70, weekly = 30 }\nfailed_login_share = 0.2",
    );
    let mut cfg = Config::new(Api::Okta);
    cfg.hash_cost_light = true;
    // Half of the failed creates commit first: the retry then meets the user.
    cfg.error_rate = 0.1;
    cfg.rate = Some("4000/s".parse().unwrap());
    let e = Emulator::start("127.0.0.1:0", cfg).unwrap();
    let report = d.path().join("jit.json");
    let legacy = format!("ldif:{}", d.path().join("p.ldif").display());
    let (code, r, out) = jit(
        jit_into(&p, 600, &legacy, &e, "okta", "3").flag("--workers", "4"),
        &report,
    );
    assert_eq!(code, 0, "{out}");
    assert!(r["retries"].as_u64().unwrap() > 50, "{out}");
    assert!(e.stats().injected_errors > 50);
    let migrated = r["migrated_users"].as_u64().unwrap();
    assert!(migrated > 400);
    assert_eq!(r["migrated_verified"].as_u64(), Some(migrated));
    // No create was counted twice or lost: the curve ends at the users present.
    let cov = r["coverage"].as_array().unwrap();
    assert_eq!(cov[2]["migrated"].as_u64(), Some(migrated));
    let truth = passwords(d.path(), &p, 600, &[]);
    assert_eq!(judge(&e, Api::Okta, &truth), migrated);
}

#[test]
fn killed_mid_run_then_resumed_ends_like_an_uninterrupted_run() {
    let d = tempdir();
    let p = profile(
        d.path(),
        "ldap",
        "classes = { daily = 30, weekly = 40, monthly = 30 }",
    );
    let run = |tag: &str, e: &Emulator| {
        let legacy = format!("ldif:{}", d.path().join(format!("{tag}.ldif")).display());
        jit_into(&p, 3000, &legacy, e, "generic", "8")
            .report(d.path().join(format!("{tag}.json")))
            .arg("--quiet")
    };
    let e1 = emulator(Api::Generic);
    let mut child = run("a", &e1).command().spawn().unwrap();
    let state = d.path().join("a.state.json");
    // Kill -9 once two days are checkpointed (somewhere in day 3 or later).
    let start = std::time::Instant::now();
    loop {
        let done = std::fs::read(&state)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|v| v["days_done"].as_u64())
            .unwrap_or(0);
        if done >= 2 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "no checkpoint");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    let _ = child.wait();
    run("a", &e1).arg("--resume").run().success();
    let e2 = emulator(Api::Generic);
    run("b", &e2).run().success();
    let read = |t: &str| -> Value {
        serde_json::from_slice(&std::fs::read(d.path().join(format!("{t}.json"))).unwrap()).unwrap()
    };
    let (ra, rb) = (read("a"), read("b"));
    assert!(ra["resumed_from_day"].as_u64().unwrap() >= 2);
    let migrated = |r: &Value| -> Vec<u64> {
        r["coverage"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["migrated"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(migrated(&ra), migrated(&rb));
    assert_eq!(ra["migrated_users"], rb["migrated_users"]);
    assert_eq!(ra["migrated_verified"], ra["migrated_users"]);
    assert_eq!(e1.stats().users, e2.stats().users);
}

/// A new system whose first lookup is answered 429 with `limit` headers and
/// every later one 404; returns the time between the first two lookups and
/// what jit's client counted.
fn wait_after_429(limit: Vec<(&'static str, String)>) -> (Duration, u64, f64) {
    use axum::http::{HeaderMap, HeaderName, StatusCode};
    use std::sync::{Arc, Mutex};
    use std::time::Instant;
    let seen: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let app = axum::Router::new().route(
        "/users/{login}",
        axum::routing::get({
            let seen = seen.clone();
            move || {
                let seen = seen.clone();
                let limit = limit.clone();
                async move {
                    let mut s = seen.lock().unwrap();
                    s.push(Instant::now());
                    let mut h = HeaderMap::new();
                    if s.len() == 1 {
                        for (k, v) in limit {
                            h.insert(HeaderName::from_static(k), v.parse().unwrap());
                        }
                        return (StatusCode::TOO_MANY_REQUESTS, h, "{}");
                    }
                    (StatusCode::NOT_FOUND, h, "{}")
                }
            }
        }),
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    rt.spawn(async move { axum::serve(listener, app).await });
    let waiting = understudy::retry::Waiting::new("test", Duration::from_secs(10), true);
    let mut new = understudy::jit::newsys::NewSystem::new(
        understudy::jit::newsys::Api::Generic,
        &addr,
        Duration::from_secs(10),
        waiting,
    )
    .unwrap()
    .for_worker(0)
    .unwrap();
    assert_eq!(new.find("ann@example.com").unwrap(), None);
    let s = seen.lock().unwrap();
    assert_eq!(s.len(), 2);
    let (resent, waited_s) = new.resent();
    (s[1] - s[0], resent, waited_s)
}

/// jit's new-system side shares rehearse's client and retry policy: a 429
/// is waited out until an HTTP-date `Retry-After`, or until Okta's
/// `X-Rate-Limit-Reset` when nothing remains (the wait is between 1 and 2 s
/// here: both carry whole seconds).
#[test]
fn jit_waits_for_an_http_date_retry_after_and_an_okta_rate_limit_reset() {
    let in_2s = chrono::Utc::now() + chrono::Duration::seconds(2);
    let (gap, resent, waited_s) = wait_after_429(vec![(
        "retry-after",
        in_2s.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
    )]);
    assert!(gap >= Duration::from_millis(900), "retried after {gap:?}");
    assert_eq!(resent, 1);
    assert!(waited_s >= 0.9, "{waited_s}");

    let reset = (chrono::Utc::now().timestamp() + 2).to_string();
    let (gap, resent, _) = wait_after_429(vec![
        ("x-rate-limit-limit", "10".into()),
        ("x-rate-limit-remaining", "0".into()),
        ("x-rate-limit-reset", reset),
    ]);
    assert!(gap >= Duration::from_millis(900), "retried after {gap:?}");
    assert_eq!(resent, 1);
}
