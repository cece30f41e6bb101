//! The MySQL/MariaDB target (`--target mysql://…`) against a real MariaDB
//! server on a free TCP port: every method verifies, a killed load resumes
//! to exactly the rows, refused rows carry their class and labels, the DSN's
//! password never shows, and an unreachable server exits 3.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;

/// Every secret spelling of the test user's password.
fn leaks(text: &str) -> bool {
    ["Se/cr3t", "Se%2Fcr3t", "p%40ss", "cr3t:p@ss"]
        .iter()
        .any(|s| text.contains(s))
}

#[test]
fn mysql_methods_rejects_resume_and_redaction() {
    let Some(db) = Mariadb::start_tcp() else {
        return;
    };
    let d = tempdir();
    let profile = small_saas(d.path());
    let mut outputs = String::new();

    // Each method into its own database; verified by regeneration, and the
    // row count checked again by the server's own client.
    for method in ["copy", "insert", "upsert"] {
        let name = format!("m_{method}");
        let dsn = db.create_db(&name);
        let rep = d.path().join(format!("{name}.json"));
        let html = d.path().join(format!("{name}.html"));
        let o = understudy("rehearse")
            .profile(&profile)
            .users(3000)
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
        assert_eq!(r["rows_loaded"], r["rows_expected"], "{method}");
        assert_eq!(r["method"], method);
        assert_eq!(
            r["target"].as_str().unwrap(),
            format!("mysql://understudy:***@127.0.0.1:{}/{name}", db.port)
        );
        assert_eq!(db.query(&name, "SELECT count(*) FROM users").trim(), "3000");
        // The profile's tables as the MySQL dialect creates them.
        let create = db.query(&name, "SHOW CREATE TABLE users");
        assert!(
            create.contains("ENGINE=InnoDB") && create.contains("utf8mb4_bin"),
            "{create}"
        );
        outputs.push_str(&o.text());
        outputs.push_str(&std::fs::read_to_string(&rep).unwrap());
        outputs.push_str(&std::fs::read_to_string(&html).unwrap());
    }

    // Edge cases: a 64 KiB text does not fit MySQL's TEXT. With LOAD DATA
    // LOCAL the server only warns (and truncates): the batch must still be
    // refused and bisected to the row, with its class and label, as INSERT's is.
    for method in ["copy", "insert"] {
        let name = format!("edgy_{method}");
        let dsn = db.create_db(&name);
        let rep = d.path().join(format!("{name}.json"));
        let rej = d.path().join(format!("{name}.jsonl"));
        understudy("rehearse")
            .profile(&profile)
            .users(2000)
            .target(&dsn)
            .flag("--method", method)
            .flag("--edge-rate", "0.3")
            .flag("--rejects", &rej)
            .report(&rep)
            .run()
            .code(0);
        let r = json(&rep);
        assert_eq!(r["verify"]["ok"], true, "{method}: {}", r["verify"]);
        let mut too_long = 0;
        for line in std::fs::read_to_string(&rej).unwrap().lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            let labels: Vec<&str> = v["labels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.as_str().unwrap())
                .collect();
            assert!(!labels.is_empty(), "a reject without its label: {line}");
            if labels.contains(&"text.64kib") {
                assert_eq!(v["class"], "too_long", "{method}: {line}");
                too_long += 1;
            }
        }
        assert!(too_long > 0, "{method}: no text.64kib reject");
        assert!(
            r["errors_by_label"]["text.64kib"].as_u64().unwrap() > 0,
            "{}",
            r["errors_by_label"]
        );
        // Nothing truncated made it in.
        assert_eq!(
            db.query(
                &name,
                "SELECT count(*) FROM organizations WHERE length(name) >= 65535"
            )
            .trim(),
            "0"
        );
    }

    // A real VARCHAR too narrow for some emails (--schema): exactly those
    // users are refused as too_long, their sessions by the foreign key.
    let nprofile = narrow_profile(d.path());
    let schema = d.path().join("my.sql");
    std::fs::write(
        &schema,
        "CREATE TABLE users (id CHAR(36) PRIMARY KEY, email VARCHAR(30) NOT NULL UNIQUE, first_name TEXT, password_hash TEXT) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
         CREATE TABLE sessions (id BIGINT PRIMARY KEY, user_id CHAR(36) NOT NULL, created_at DATETIME, FOREIGN KEY (user_id) REFERENCES users (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;",
    )
    .unwrap();
    let dsn = db.create_db("narrow");
    let rep = d.path().join("narrow.json");
    let rej = d.path().join("narrow.jsonl");
    let o = understudy("rehearse")
        .profile(&nprofile)
        .users(1500)
        .target(&dsn)
        .flag("--schema", &schema)
        .flag("--batch", "400")
        .flag("--rejects", &rej)
        .report(&rep)
        .run()
        .code(0);
    outputs.push_str(&o.text());
    let generated = d.path().join("gen");
    understudy("generate")
        .profile(&nprofile)
        .users(1500)
        .flag("--out", &generated)
        .arg("-q")
        .run()
        .success();
    let (h, rows) = read_csv(&generated.join("users.csv"));
    let (id, email) = (
        h.iter().position(|c| c == "id").unwrap(),
        h.iter().position(|c| c == "email").unwrap(),
    );
    let long: BTreeSet<String> = rows
        .iter()
        .filter(|r| r[email].as_ref().unwrap().chars().count() > 30)
        .map(|r| r[id].clone().unwrap())
        .collect();
    assert!(!long.is_empty());
    let mut users = BTreeSet::new();
    let mut sessions = 0;
    for line in std::fs::read_to_string(&rej).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
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
    assert_eq!(
        users, long,
        "exactly the users with long emails are refused"
    );
    assert!(sessions > 0);
    let r = json(&rep);
    assert_eq!(r["verify"]["ok"], true, "{}", r["verify"]);

    // kill -9 mid-load, three times, then --resume: every row exactly once.
    let dsn = db.create_db("killed");
    let load = || {
        understudy("rehearse")
            .profile(&profile)
            .users(6000)
            .target(&dsn)
            .flag("--batch", "100")
            .arg("--resume")
            .arg("-q")
    };
    for ms in [400, 700, 1000] {
        let mut child = load().arg("--no-verify").spawn_quiet();
        std::thread::sleep(std::time::Duration::from_millis(ms));
        let _ = child.kill();
        child.wait().unwrap();
    }
    let committed: u64 = db
        .query("killed", "SELECT count(*) FROM _understudy_progress")
        .trim()
        .parse()
        .unwrap();
    let rep = d.path().join("killed.json");
    load().report(&rep).run().code(0);
    let r = json(&rep);
    for k in ["missing", "extra", "mismatched"] {
        assert_eq!(r["verify"][k], 0, "{k}: {}", r["verify"]);
    }
    assert_eq!(r["verify"]["found"], r["rows_expected"]);
    assert!(
        committed > 0 && r["rows_skipped"].as_u64().unwrap() > 0,
        "the killed runs committed nothing: the resume was not tested"
    );

    // An outage through the fault proxy: connections to 127.0.0.1 stay on
    // TCP (through the proxy, not the server's socket), are cut, waited
    // for, and the load ends with every row exactly once.
    let dsn = db.create_db("outage");
    let rep = d.path().join("outage.json");
    understudy("rehearse")
        .profile(&profile)
        .users(40000)
        .target(&dsn)
        .flag("--hash-mode", "shape")
        .flag("--batch", "200")
        .flag("--faults", "outage@1s+3s")
        .report(&rep)
        .run()
        .code(0);
    let r = json(&rep);
    assert_eq!(r["verify"]["ok"], true, "{}", r["verify"]);
    assert!(r["retries"].as_u64().unwrap() >= 1, "no retry: {r}");
    let p = &r["faults"]["proxy"];
    assert!(
        p["connections_killed"].as_u64().unwrap() + p["connections_refused"].as_u64().unwrap() >= 1,
        "{p}"
    );

    // A second writer while the first holds the lock: exit 2.
    let dsn = db.create_db("locked");
    let mut holder = db
        .client("locked")
        .arg("-e")
        .arg("SELECT GET_LOCK(CONCAT('understudy:', SHA1('locked._understudy_progress')), 0); SELECT SLEEP(30)")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let o = understudy("rehearse")
        .profile(&profile)
        .users(100)
        .target(&dsn)
        .run()
        .code(2)
        .stderr_contains("another rehearsal");
    let _ = holder.kill();
    let _ = holder.wait();
    outputs.push_str(&o.text());

    assert!(!leaks(&outputs), "a DSN password leaked:\n{outputs}");
    assert!(outputs.contains("understudy:***@127.0.0.1"));
}

#[test]
fn mysql_unreachable_exits_3_with_the_hint_and_no_password() {
    let port = closed_port();
    for scheme in ["mysql", "mariadb"] {
        let dsn = format!("{scheme}://understudy:Se%2Fcr3t%3Ap%40ss@127.0.0.1:{port}/app");
        let started = std::time::Instant::now();
        let o = understudy("rehearse")
            .users(10)
            .target(&dsn)
            .run()
            .code(3)
            .stderr_contains("is MySQL/MariaDB running")
            .stderr_contains(&format!("127.0.0.1:{port}"));
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        assert!(!leaks(&o.text()), "{}", o.text());
        assert!(o.text().contains("understudy:***@"), "{}", o.text());
    }
}
