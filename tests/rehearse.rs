//! `understudy rehearse` end to end: SQLite always, PostgreSQL when a server
//! can be started (initdb/pg_ctl; `.ci/run` installs them). Readers here are
//! independent of the product: rusqlite/postgres queries and our CSV parser.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::Stdio;

/// The rows `generate` writes for the same profile, users and seed (CSV).
fn generated(dir: &Path, profile: &Path, users: &str) -> std::path::PathBuf {
    let out = dir.join("gen");
    understudy("generate")
        .profile(profile)
        .users(users)
        .flag("--out", &out)
        .arg("-q")
        .run()
        .success();
    out
}

#[test]
fn sqlite_end_to_end_report_schema_and_html() {
    let d = tempdir();
    let profile = small_saas(d.path());
    let db = d.path().join("t.db");
    let rep = d.path().join("r.json");
    let html = d.path().join("r.html");
    let target = format!("sqlite:{}", db.display());
    let load = || {
        understudy("rehearse")
            .profile(&profile)
            .users(2000)
            .target(&target)
    };
    load()
        .flag("--batch", "300")
        .report(&rep)
        .html(&html)
        .flag("--production-users", "1000000")
        .run()
        .code(0);
    let r = json(&rep);
    // Every row `generate` writes is in the target, table by table.
    let csv = generated(d.path(), &profile, "2000");
    let m = manifest(&csv);
    let mut total = 0;
    for t in m["tables"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        let rows = t["rows"].as_u64().unwrap();
        assert_eq!(sqlite_count(&db, name), rows, "{name}");
        total += rows;
    }
    // The report's documented top level.
    for key in [
        "schema_version",
        "rows_expected",
        "rows_loaded",
        "rows_rejected",
        "duration_s",
        "throughput_rows_per_s",
        "latency_ms",
        "errors_by_class",
        "errors_by_label",
        "verify",
        "target",
        "timeseries",
        "projection",
    ] {
        assert!(r.get(key).is_some(), "report lacks {key}");
    }
    assert_eq!(r["schema_version"], 2);
    assert_eq!(r["rows_expected"].as_u64(), Some(total));
    assert_eq!(r["rows_loaded"].as_u64(), Some(total));
    assert_eq!(r["rows_rejected"], 0);
    assert!(r["throughput_rows_per_s"].as_f64().unwrap() > 0.0);
    for k in ["p50", "p90", "p99", "max"] {
        assert!(r["latency_ms"][k].is_number(), "latency_ms.{k}");
    }
    assert!(r["latency_ms"]["histogram"].as_str().unwrap().len() > 10);
    for k in ["ok", "expected", "found", "missing", "extra", "mismatched"] {
        assert!(r["verify"].get(k).is_some(), "verify.{k}");
    }
    assert_eq!(r["verify"]["ok"], true);
    assert_eq!(r["verify"]["expected"].as_u64(), Some(total));
    assert_eq!(r["verify"]["found"].as_u64(), Some(total));
    assert_eq!(r["verify"]["passwords"]["failed"], 0);
    assert!(r["verify"]["passwords"]["verified"].as_u64().unwrap() > 0);
    assert!(r["projection"]["estimated_s"].as_f64().unwrap() > 0.0);
    assert_eq!(r["target"], target);
    // HTML: self-contained, with SVG charts.
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!doctype html>"));
    assert!(page.matches("<svg").count() >= 3, "three charts");
    assert!(!page.contains("<script src") && !page.contains("<link"));
    // report show / report html render the JSON.
    understudy("report")
        .arg("show")
        .arg(&rep)
        .run()
        .success()
        .stdout_contains("verify         OK");
    let html2 = d.path().join("again.html");
    understudy("report")
        .arg("html")
        .arg(&rep)
        .flag("-o", &html2)
        .run()
        .success();
    assert_eq!(std::fs::read_to_string(&html2).unwrap(), page);

    // A second run into the same target is refused (exit 2) without --resume…
    load()
        .flag("--batch", "300")
        .run()
        .code(2)
        .text_contains("--resume");
    // …and with --resume it has nothing left to do and verifies.
    load()
        .flag("--batch", "300")
        .arg("--resume")
        .flag("--fail-on", "rejects>0,mismatched>0")
        .run()
        .code(0);
    // Different parameters cannot resume this run.
    understudy("rehearse")
        .profile(&profile)
        .users(2001)
        .target(&target)
        .flag("--batch", "300")
        .arg("--resume")
        .run()
        .code(2);
}

#[test]
fn default_target_is_understudy_db_in_cwd_and_thresholds_fail_with_1() {
    let d = tempdir();
    let profile = small_saas(d.path());
    understudy("rehearse")
        .current_dir(d.path())
        .profile(&profile)
        .users(300)
        .flag("--fail-on", "throughput<1e15")
        .run()
        .code(1)
        .text_contains("sqlite:understudy.db")
        .text_contains("FAILED");
    assert!(d.path().join("understudy.db").exists());
    understudy("rehearse")
        .current_dir(d.path())
        .users(10)
        .flag("--fail-on", "speed>3")
        .run()
        .code(2);
}

const NARROW: usize = 30;

fn long_emails(csv_dir: &Path) -> (std::collections::BTreeSet<String>, u64) {
    let (h, rows) = read_csv(&csv_dir.join("users.csv"));
    let (id, email) = (
        h.iter().position(|c| c == "id").unwrap(),
        h.iter().position(|c| c == "email").unwrap(),
    );
    let long: std::collections::BTreeSet<String> = rows
        .iter()
        .filter(|r| r[email].as_ref().unwrap().chars().count() > NARROW)
        .map(|r| r[id].clone().unwrap())
        .collect();
    let (sh, srows) = read_csv(&csv_dir.join("sessions.csv"));
    let uid = sh.iter().position(|c| c == "user_id").unwrap();
    let orphans = srows
        .iter()
        .filter(|r| long.contains(r[uid].as_ref().unwrap()))
        .count() as u64;
    (long, orphans)
}

fn check_rejects(dir: &Path, rep: &Value, long: &std::collections::BTreeSet<String>, orphans: u64) {
    let rejects = std::fs::read_to_string(dir.join("rejects.jsonl")).expect("rejects.jsonl");
    let mut users = std::collections::BTreeSet::new();
    let mut sessions = 0;
    for line in rejects.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert!(v["labels"].is_array(), "{line}");
        assert!(!v["message"].as_str().unwrap().is_empty(), "{line}");
        match v["table"].as_str().unwrap() {
            "users" => {
                assert_eq!(v["class"], "too_long", "{line}");
                users.insert(v["key"].as_str().unwrap().to_string());
            }
            "sessions" => {
                assert_eq!(v["class"], "constraint", "{line}");
                sessions += 1;
            }
            o => panic!("reject in {o}: {line}"),
        }
    }
    assert!(!long.is_empty());
    assert_eq!(
        &users, long,
        "exactly the users with long emails are rejected"
    );
    assert_eq!(
        sessions, orphans,
        "their sessions are refused by the foreign key"
    );
    assert_eq!(
        rep["rows_rejected"].as_u64(),
        Some(long.len() as u64 + orphans)
    );
    assert_eq!(
        rep["errors_by_class"]["too_long"].as_u64(),
        Some(long.len() as u64)
    );
    assert_eq!(rep["verify"]["ok"], true, "{}", rep["verify"]);
    assert_eq!(rep["verify"]["missing"], 0);
    assert_eq!(
        rep["verify"]["rejected"].as_u64(),
        Some(long.len() as u64 + orphans)
    );
}

#[test]
fn sqlite_schema_with_narrow_email_rejects_exactly_the_long_ones() {
    let d = tempdir();
    let profile = narrow_profile(d.path());
    let schema = d.path().join("schema.sql");
    std::fs::write(
        &schema,
        format!(
            "CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE CHECK (length(email) <= {NARROW}),
               first_name TEXT, password_hash TEXT);
             CREATE TABLE sessions (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users (id),
               created_at TEXT);"
        ),
    )
    .unwrap();
    let db = d.path().join("t.db");
    let rep = d.path().join("r.json");
    understudy("rehearse")
        .profile(&profile)
        .users(1500)
        .sqlite(&db)
        .flag("--schema", &schema)
        .flag("--batch", "400")
        .report(&rep)
        .run()
        .code(0);
    let csv = generated(d.path(), &profile, "1500");
    let (long, orphans) = long_emails(&csv);
    check_rejects(d.path(), &json(&rep), &long, orphans);
    assert_eq!(sqlite_count(&db, "users"), 1500 - long.len() as u64);
}

#[test]
fn sqlite_kill_9_at_random_moments_then_resume_is_exactly_once() {
    let d = tempdir();
    let profile = small_saas(d.path());
    let db = d.path().join("k.db");
    let target = format!("sqlite:{}", db.display());
    let load = |target: &str| {
        understudy("rehearse")
            .profile(&profile)
            .users(6000)
            .target(target)
            .flag("--batch", "100")
            .arg("--resume")
            .arg("-q")
    };
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    // Calibrate: how long an uninterrupted run takes here, into a scratch file.
    let scratch = format!("sqlite:{}", d.path().join("calibrate.db").display());
    let t0 = std::time::Instant::now();
    load(&scratch).arg("--no-verify").run();
    let full_ms = t0.elapsed().as_millis() as u64;
    let mut kills = 0;
    for _ in 0..4 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        // Anywhere in the first 80% of a whole run (a resumed run is shorter).
        let ms = 5 + (seed >> 33) % (full_ms * 4 / 5).max(10);
        let mut child = load(&target).arg("--no-verify").spawn_quiet();
        std::thread::sleep(std::time::Duration::from_millis(ms));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
    }
    eprintln!("killed {kills} times (a whole run takes {full_ms} ms)");
    assert!(kills >= 1, "no run was killed: the load finished too fast");
    let rep = d.path().join("r.json");
    load(&target).report(&rep).run().code(0);
    let r = json(&rep);
    assert_eq!(r["verify"]["ok"], true, "{}", r["verify"]);
    assert_eq!(r["verify"]["missing"], 0);
    assert_eq!(r["verify"]["extra"], 0);
    assert_eq!(r["verify"]["mismatched"], 0);
    assert_eq!(r["verify"]["found"], r["rows_expected"]);
}

#[test]
fn renamed_and_missing_columns_are_tolerated_and_reported() {
    let d = tempdir();
    let profile = narrow_profile(d.path());
    let schema = d.path().join("renamed.sql");
    // email is called email_address; first_name does not exist.
    std::fs::write(
        &schema,
        "CREATE TABLE users (id TEXT PRIMARY KEY, email_address TEXT NOT NULL UNIQUE, password_hash TEXT);
         CREATE TABLE sessions (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users (id), created_at TEXT);",
    )
    .unwrap();
    let db = d.path().join("m.db");
    let rep = d.path().join("m.json");
    understudy("rehearse")
        .profile(&profile)
        .users(800)
        .sqlite(&db)
        .flag("--schema", &schema)
        .flag("--map", "email=email_address")
        .report(&rep)
        .run()
        .code(0);
    let r = json(&rep);
    assert_eq!(r["verify"]["ok"], true, "{}", r["verify"]);
    assert_eq!(
        r["verify"]["missing_columns"],
        serde_json::json!(["users.first_name"])
    );
    assert_eq!(
        r["verify"]["renamed_columns"],
        serde_json::json!(["users.email → email_address"])
    );
    assert_eq!(r["verify"]["passwords"]["failed"], 0);
    // The renamed column holds the generated emails.
    let csv = generated(d.path(), &profile, "800");
    let (h, rows) = read_csv(&csv.join("users.csv"));
    let (id, email) = (
        h.iter().position(|c| c == "id").unwrap(),
        h.iter().position(|c| c == "email").unwrap(),
    );
    let c = rusqlite::Connection::open(&db).unwrap();
    for row in rows.iter().step_by(97) {
        let got: String = c
            .query_row(
                "SELECT email_address FROM users WHERE id = ?1",
                [row[id].as_ref().unwrap()],
                |x| x.get(0),
            )
            .unwrap();
        assert_eq!(Some(&got), row[email].as_ref());
    }
    // Without --map the primary key is there but email is not: tolerated too,
    // and a missing primary key is a usage error.
    let bad = d.path().join("nokey.sql");
    std::fs::write(&bad, "CREATE TABLE users (uid TEXT PRIMARY KEY, email TEXT); CREATE TABLE sessions (id INTEGER PRIMARY KEY, user_id TEXT, created_at TEXT);").unwrap();
    understudy("rehearse")
        .profile(&profile)
        .users(10)
        .sqlite(&d.path().join("nokey.db"))
        .flag("--schema", &bad)
        .run()
        .code(2)
        .text_contains("--map id=");
}

#[test]
fn unusable_sqlite_target_exits_3() {
    let d = tempdir();
    let profile = small_saas(d.path());
    understudy("rehearse")
        .profile(&profile)
        .users(10)
        .sqlite(&d.path().join("no/such/dir/x.db"))
        .run()
        .code(3);
}

const COPY_SCRIPT: &str = r#"set -e
sqlite3 "$UNDERSTUDY_TARGET_PATH" <<SQL
PRAGMA foreign_keys=ON;
ATTACH '$UNDERSTUDY_SOURCE_PATH' AS s;
BEGIN;
INSERT INTO organizations SELECT * FROM s.organizations;
INSERT INTO roles SELECT * FROM s.roles;
INSERT INTO users SELECT * FROM s.users;
INSERT INTO user_profiles SELECT * FROM s.user_profiles;
INSERT INTO sessions SELECT * FROM s.sessions;
INSERT INTO user_roles SELECT * FROM s.user_roles;
$FIXUP
COMMIT;
SQL
"#;

fn exec_run(d: &Path, fixup: &str) -> (Ran, Value) {
    let profile = small_saas(d);
    let script = d.join("migrate.sh");
    std::fs::write(&script, COPY_SCRIPT.replace("$FIXUP", fixup)).unwrap();
    let rep = d.join("exec.json");
    let o = understudy("rehearse")
        .profile(&profile)
        .users(1500)
        .flag("--source", format!("sqlite:{}", d.join("src.db").display()))
        .sqlite(&d.join("dst.db"))
        .flag("--exec", format!("sh {}", script.display()))
        .report(&rep)
        .run();
    let r = json(&rep);
    (o, r)
}

#[test]
fn exec_sqlite_to_sqlite_migration_verifies() {
    if !have("sqlite3") {
        skip("sqlite3 CLI not installed (.ci/run installs it)");
        return;
    }
    let d = tempdir();
    let (o, r) = exec_run(d.path(), "");
    o.code(0);
    assert_eq!(r["exec"]["exit_code"], 0);
    assert_eq!(r["verify"]["ok"], true, "{}", r["verify"]);
    assert_eq!(r["rows_loaded"], r["rows_expected"]);
    assert!(!r["timeseries"]["rows"].as_array().unwrap().is_empty());
}

#[test]
fn exec_migration_that_truncates_and_drops_rows_fails_with_1() {
    if !have("sqlite3") {
        skip("sqlite3 CLI not installed (.ci/run installs it)");
        return;
    }
    let d = tempdir();
    let (o, r) = exec_run(
        d.path(),
        "UPDATE organizations SET name = substr(name, 1, 20);\n\
         UPDATE user_profiles SET display_name = substr(display_name, 1, 20);\n\
         DELETE FROM sessions WHERE id % 97 = 0;",
    );
    let o = o.code(1);
    // Independent count of what the script damaged, from the source.
    let src = rusqlite::Connection::open(d.path().join("src.db")).unwrap();
    let truncated: i64 = src
        .query_row(
            "SELECT (SELECT count(*) FROM organizations WHERE length(name) > 20) \
                  + (SELECT count(*) FROM user_profiles WHERE length(display_name) > 20)",
            [],
            |x| x.get(0),
        )
        .unwrap();
    let dropped: i64 = src
        .query_row("SELECT count(*) FROM sessions WHERE id % 97 = 0", [], |x| {
            x.get(0)
        })
        .unwrap();
    assert!(truncated > 0 && dropped > 0);
    let v = &r["verify"];
    assert_eq!(v["ok"], false);
    assert_eq!(v["mismatched"].as_i64(), Some(truncated), "{v}");
    assert_eq!(v["missing"].as_i64(), Some(dropped), "{v}");
    assert_eq!(v["extra"], 0);
    let ex = v["examples"].as_array().unwrap();
    assert!(!ex.is_empty() && ex.len() <= 20);
    let mism = ex
        .iter()
        .find(|e| e["kind"] == "mismatched")
        .expect("a mismatched example");
    assert_eq!(mism["table"], "organizations", "{mism}");
    let (want, got) = (&mism["fields"]["name"][0], &mism["fields"]["name"][1]);
    assert_eq!(
        want.as_str().unwrap().chars().take(20).collect::<String>(),
        got.as_str().unwrap(),
        "{mism}"
    );
    o.text_contains("mismatched organizations[");
}

// ---------------------------------------------------------------- PostgreSQL

#[test]
fn postgres_methods_schema_resume_and_redaction() {
    let Some(pg) = Postgres::shared() else { return };
    let d = tempdir();
    let profile = small_saas(d.path());
    let secret = pg.password.clone();
    let mut outputs = String::new();

    // copy, 2 workers; then insert and upsert into fresh databases.
    for (db, method) in [
        ("m_copy", "copy"),
        ("m_insert", "insert"),
        ("m_upsert", "upsert"),
    ] {
        let dsn = pg.create_db(db);
        let rep = d.path().join(format!("{db}.json"));
        let html = d.path().join(format!("{db}.html"));
        let o = understudy("rehearse")
            .profile(&profile)
            .users(2000)
            .target(&dsn)
            .flag("--method", method)
            .flag("--workers", "2")
            .flag("--batch", "250")
            .report(&rep)
            .html(&html)
            .run()
            .code(0);
        let r = json(&rep);
        assert_eq!(r["verify"]["ok"], true, "{method}: {}", r["verify"]);
        assert_eq!(r["rows_loaded"], r["rows_expected"]);
        assert_eq!(r["verify"]["passwords"]["failed"], 0);
        assert_eq!(
            r["target"].as_str().unwrap(),
            format!("postgres://understudy:***@127.0.0.1:{}/{db}", pg.port)
        );
        outputs.push_str(&o.text());
        outputs.push_str(&std::fs::read_to_string(&rep).unwrap());
        outputs.push_str(&std::fs::read_to_string(&html).unwrap());
    }

    // A real varchar too narrow for some emails.
    let dsn = pg.create_db("narrow");
    let nprofile = narrow_profile(d.path());
    let schema = d.path().join("pg.sql");
    std::fs::write(
        &schema,
        format!(
            "CREATE TABLE users (id uuid PRIMARY KEY, email varchar({NARROW}) NOT NULL UNIQUE, first_name text, password_hash text);
             CREATE TABLE sessions (id bigint PRIMARY KEY, user_id uuid NOT NULL REFERENCES users (id), created_at timestamptz);"
        ),
    )
    .unwrap();
    let rep = d.path().join("narrow.json");
    let o = understudy("rehearse")
        .profile(&nprofile)
        .users(1500)
        .target(&dsn)
        .flag("--schema", &schema)
        .flag("--batch", "400")
        .report(&rep)
        .run()
        .code(0);
    outputs.push_str(&o.text());
    let csv = generated(d.path(), &nprofile, "1500");
    let (long, orphans) = long_emails(&csv);
    check_rejects(d.path(), &json(&rep), &long, orphans);
    outputs.push_str(&std::fs::read_to_string(d.path().join("rejects.jsonl")).unwrap());

    // kill -9 at random moments, then --resume: every row exactly once.
    let dsn = pg.create_db("killed");
    let load = || {
        understudy("rehearse")
            .profile(&profile)
            .users(6000)
            .target(&dsn)
            .flag("--batch", "100")
            .arg("--resume")
            .arg("-q")
    };
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64
        | 1;
    for _ in 0..3 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let ms = 100 + seed % 500;
        let mut child = load().arg("--no-verify").spawn_quiet();
        std::thread::sleep(std::time::Duration::from_millis(ms));
        let _ = child.kill();
        child.wait().unwrap();
    }
    let rep = d.path().join("killed.json");
    load().report(&rep).run().code(0);
    let r = json(&rep);
    for k in ["missing", "extra", "mismatched"] {
        assert_eq!(r["verify"][k], 0, "{k}: {}", r["verify"]);
    }
    assert_eq!(r["verify"]["found"], r["rows_expected"]);

    // Connections killed by the server mid-load: batches are retried on new
    // connections, nothing is lost or doubled.
    let dsn = pg.create_db("retried");
    let rep = d.path().join("retried.json");
    let load = || {
        understudy("rehearse")
            .profile(&profile)
            .users(8000)
            .target(&dsn)
            .flag("--batch", "100")
            .report(&rep)
    };
    let mut child = load()
        .arg("--no-verify")
        .arg("-q")
        .command()
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut admin = pg.client("postgres");
    let mut terminated = 0;
    let mut killed = Vec::new();
    // Loading connections only (their last statement a COPY or an INSERT):
    // the schema is prepared, and the writer lock held, on connections whose
    // loss is no batch retried; on a busy machine loading starts late.
    for _ in 0..200 {
        std::thread::sleep(std::time::Duration::from_millis(150));
        if child.try_wait().unwrap().is_some() {
            break;
        }
        for row in admin
            .query(
                "SELECT pg_terminate_backend(pid), coalesce(state, ''), left(query, 60) \
                 FROM pg_stat_activity \
                 WHERE datname = 'retried' AND pid <> pg_backend_pid() \
                 AND query ~* '^\\s*(copy|insert)'",
                &[],
            )
            .unwrap()
        {
            terminated += row.get::<_, bool>(0) as i64;
            killed.push(format!(
                "{}: {}",
                row.get::<_, String>(1),
                row.get::<_, String>(2)
            ));
        }
        if terminated >= 3 {
            break;
        }
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{err}");
    outputs.push_str(&err);
    let r = json(&rep);
    assert!(
        terminated > 0,
        "the load ended before any connection was terminated"
    );
    assert!(
        r["retries"].as_u64().unwrap() > 0,
        "{}; terminated {killed:?}",
        r["retries"]
    );
    load().arg("--resume").run().code(0);
    let r = json(&rep);
    for k in ["missing", "extra", "mismatched"] {
        assert_eq!(r["verify"][k], 0, "{k}: {}", r["verify"]);
    }
    assert_eq!(r["rows_skipped"], r["rows_expected"]);

    // Edge cases: what PostgreSQL refuses (NUL bytes…) is rejected, attributed
    // to the row's edge-case labels; everything else loads and verifies.
    let dsn = pg.create_db("edgy");
    let rep = d.path().join("edgy.json");
    let rej = d.path().join("edgy-rejects.jsonl");
    understudy("rehearse")
        .profile(&profile)
        .users(3000)
        .target(&dsn)
        .flag("--edge-rate", "0.3")
        .report(&rep)
        .flag("--rejects", &rej)
        .run()
        .code(0);
    let r = json(&rep);
    assert_eq!(r["verify"]["ok"], true, "{}", r["verify"]);
    assert!(r["rows_rejected"].as_u64().unwrap() > 0);
    let mut encoding = 0;
    for line in std::fs::read_to_string(&rej).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        if v["class"] == "encoding" {
            encoding += 1;
            assert!(!v["labels"].as_array().unwrap().is_empty(), "{line}");
        }
    }
    assert!(encoding > 0, "NUL bytes are refused by PostgreSQL");
    assert!(
        r["errors_by_label"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| !k.starts_with("no-edge-case:") && !k.starts_with("parent:")),
        "{}",
        r["errors_by_label"]
    );

    // Unreachable target: exit 3, password redacted.
    let dead = format!("postgres://understudy:{secret}@127.0.0.1:1/nothing");
    let o = understudy("rehearse").users(10).target(&dead).run().code(3);
    outputs.push_str(&o.text());

    assert!(!outputs.contains(&secret), "a DSN password leaked");
    assert!(outputs.contains("understudy:***@"));
}

/// The seed's question, scaled for CI: the network drops for a few seconds in
/// the middle of a PostgreSQL load. The load waits it out, retries, loses and
/// duplicates nothing, and the report shows the outage.
#[test]
fn postgres_load_survives_an_outage_in_the_middle() {
    let Some(pg) = Postgres::shared() else { return };
    let d = tempdir();
    let dsn = pg.create_db("outage");
    let rep = d.path().join("outage.json");
    let o = understudy("rehearse")
        .profile("saas")
        .users(60000)
        .flag("--hash-mode", "shape")
        .target(&dsn)
        .flag("--workers", "1")
        .flag("--batch", "500")
        .flag("--faults", "outage@1s+3s")
        .report(&rep)
        .arg("--quiet")
        .run()
        .success();
    let r = json(&rep);
    assert_eq!(r["verify"]["ok"], true, "{}", r["verify"]);
    assert_eq!(r["verify"]["missing"], 0);
    assert_eq!(r["verify"]["extra"], 0);
    let f = &r["faults"];
    assert!(
        r["retries"].as_u64().unwrap() >= 1,
        "the outage fell inside the load: {r}"
    );
    assert!(f["downtime_s"].as_f64().unwrap() > 2.5, "{f}");
    assert_eq!(f["downtime_windows_s"][0][0].as_f64(), Some(1.0));
    assert!(f["backoff_s"].as_f64().unwrap() > 1.0, "{f}");
    let p = &f["proxy"];
    assert!(
        p["connections_killed"].as_u64().unwrap() + p["connections_refused"].as_u64().unwrap() >= 1,
        "{p}"
    );
    o.text_lacks(&pg.password);
}
