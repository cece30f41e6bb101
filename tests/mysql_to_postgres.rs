//! The seed's migration rehearsed end to end: understudy seeds a real
//! MariaDB (`--source mysql://…`), the real pgloader migrates it into a real
//! PostgreSQL with the documented command file
//! (docs/examples/mysql-to-postgres.load; pgloader creates the tables, hence
//! `--no-create`), and verification reads the PostgreSQL side against the
//! regenerated ground truth. What pgloader changes is found by verification;
//! no spelling of either password shows in any output or report. Also MySQL
//! as `--exec`'s target.

mod common;

use common::*;
use serde_json::Value;

const LOAD_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/docs/examples/mysql-to-postgres.load"
);

/// The profile's tables, parents first.
const TABLES: [&str; 6] = [
    "organizations",
    "roles",
    "users",
    "user_profiles",
    "sessions",
    "user_roles",
];

/// Any spelling of the MariaDB user's password, or PostgreSQL's.
fn leaks(text: &str, pg_password: &str) -> bool {
    ["Se/cr3t", "Se%2Fcr3t", "p%40ss", "cr3t:p@ss", pg_password]
        .iter()
        .any(|s| text.contains(s))
}

/// The documented --exec command, preceded by an echo of the passwords'
/// variables: the relayed output must show them masked.
fn pgloader_command() -> String {
    format!(
        "echo \"passwords: $UNDERSTUDY_SOURCE_PASSWORD $UNDERSTUDY_TARGET_PASSWORD\"; \
         MYSQL_PWD=\"$UNDERSTUDY_SOURCE_PASSWORD\" PGPASSWORD=\"$UNDERSTUDY_TARGET_PASSWORD\" \
         pgloader '{LOAD_FILE}'"
    )
}

/// The target DSN without its password: PGPASSWORD gives it, so
/// `UNDERSTUDY_TARGET_PASSWORD` comes from the environment, not the DSN.
fn without_password(dsn: &str, password: &str) -> String {
    dsn.replace(&format!(":{password}@"), "@")
}

/// Rows of `db` holding a NUL byte in any text column, counted by the
/// server's own client.
fn rows_with_nul(db: &Mariadb, name: &str) -> u64 {
    let mut n = 0;
    for t in TABLES {
        let cols = db.query(
            name,
            &format!(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = '{name}' \
                 AND table_name = '{t}' AND data_type IN ('char', 'varchar', 'text', 'longtext')"
            ),
        );
        let cond: Vec<String> = cols
            .lines()
            .map(|c| format!("LOCATE(CHAR(0), `{c}`) > 0"))
            .collect();
        let q = format!("SELECT count(*) FROM `{t}` WHERE {}", cond.join(" OR "));
        n += db.query(name, &q).trim().parse::<u64>().unwrap();
    }
    n
}

#[test]
fn mysql_to_postgres_with_pgloader_verifies() {
    if !have("pgloader") {
        skip("pgloader not installed (.ci/run installs it)");
        return;
    }
    let Some(pg) = Postgres::shared() else { return };
    let Some(db) = Mariadb::start_tcp() else {
        return;
    };
    let d = tempdir();
    let profile = small_saas(d.path());
    let mut outputs = String::new();

    // Clean data: every row arrives as generated, in pgloader's own schema.
    let source = db.create_db("shop");
    let target = without_password(&pg.create_db("shop_pg"), &pg.password);
    let rep = d.path().join("clean.json");
    let html = d.path().join("clean.html");
    let o = understudy("rehearse")
        .profile(&profile)
        .users(3000)
        .flag("--source", &source)
        .target(&target)
        .arg("--no-create")
        .flag("--exec", pgloader_command())
        .env("PGPASSWORD", &pg.password)
        .report(&rep)
        .html(&html)
        .run()
        .code(0)
        .text_contains("passwords: *** ***");
    assert!(
        !o.text().contains(" ERROR "),
        "pgloader reported errors:\n{}",
        o.text()
    );
    let r = json(&rep);
    assert_eq!(r["verify"]["ok"], true, "{}", r["verify"]);
    assert_eq!(r["rows_loaded"], r["rows_expected"]);
    assert_eq!(r["exec"]["exit_code"], 0);
    assert_eq!(
        r["source"].as_str().unwrap(),
        format!("mysql://understudy:***@127.0.0.1:{}/shop", db.port)
    );
    // The tables are pgloader's, with the command file's casts, in public;
    // understudy's bookkeeping stayed behind.
    let mut c = pg.client("shop_pg");
    let ty = |c: &mut postgres::Client, t: &str, col: &str| -> String {
        c.query_one(
            "SELECT data_type FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = $1 AND column_name = $2",
            &[&t, &col],
        )
        .unwrap()
        .get(0)
    };
    assert_eq!(ty(&mut c, "users", "id"), "uuid");
    assert_eq!(ty(&mut c, "users", "email_verified"), "boolean");
    assert_eq!(
        ty(&mut c, "users", "created_at"),
        "timestamp with time zone"
    );
    assert_eq!(ty(&mut c, "user_profiles", "preferences"), "jsonb");
    let bookkeeping: i64 = c
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '\\_understudy%'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(bookkeeping, 0);
    // Keys and constraints came across too (pgloader reports failing ones
    // in its output but still exits 0).
    let constraints = |c: &mut postgres::Client, kind: &str| -> i64 {
        c.query_one(
            "SELECT count(*) FROM information_schema.table_constraints \
             WHERE table_schema = 'public' AND constraint_type = $1",
            &[&kind],
        )
        .unwrap()
        .get(0)
    };
    assert_eq!(constraints(&mut c, "PRIMARY KEY"), 6);
    assert_eq!(constraints(&mut c, "FOREIGN KEY"), 5);
    let unique_email: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' \
             AND tablename = 'users' AND indexdef LIKE 'CREATE UNIQUE INDEX % (email)'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(unique_email, 1);
    let users: i64 = c
        .query_one("SELECT count(*) FROM users", &[])
        .unwrap()
        .get(0);
    assert_eq!(users, 3000);
    outputs.push_str(&o.text());
    outputs.push_str(&std::fs::read_to_string(&rep).unwrap());
    outputs.push_str(&std::fs::read_to_string(&html).unwrap());

    // Edge cases: MariaDB refuses some on seeding (rejected, with labels);
    // pgloader strips NUL bytes from text, which verification finds as
    // mismatched rows, exactly those the source holds with a NUL.
    let source = db.create_db("edgy");
    let target = pg.create_db("edgy_pg");
    let rep = d.path().join("edgy.json");
    let o = understudy("rehearse")
        .profile(&profile)
        .users(2000)
        .flag("--edge-rate", "0.2")
        .flag("--source", &source)
        .target(&target)
        .arg("--no-create")
        .flag("--exec", pgloader_command())
        .report(&rep)
        .run()
        .code(1)
        .text_contains("mismatched organizations[");
    let r = json(&rep);
    let v = &r["verify"];
    assert_eq!(r["exec"]["exit_code"], 0);
    assert_eq!(v["ok"], false);
    assert_eq!(v["missing"], 0, "{v}");
    assert_eq!(v["extra"], 0, "{v}");
    let nul = rows_with_nul(&db, "edgy");
    assert!(nul > 0, "no NUL byte reached the source");
    assert_eq!(v["mismatched"].as_u64(), Some(nul), "{v}");
    assert!(v["rejected"].as_u64().unwrap() > 0, "{v}");
    for e in v["examples"].as_array().unwrap() {
        assert_eq!(e["kind"], "mismatched", "{e}");
        for (_, pair) in e["fields"].as_object().unwrap() {
            let (want, got) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
            assert!(want.contains('\0'), "{e}");
            assert_eq!(got, want.replace('\0', ""), "{e}");
        }
    }
    outputs.push_str(&o.text());
    outputs.push_str(&std::fs::read_to_string(&rep).unwrap());

    // The command file without its `timezone to 'UTC'` (another zone in its
    // place): every row with a timestamp is mismatched, shifted by the
    // zone's offset (4 or 5 hours for New York).
    let load = std::fs::read_to_string(LOAD_FILE)
        .unwrap()
        .replace("timezone to 'UTC'", "timezone to 'America/New_York'");
    assert!(load.contains("America/New_York"));
    let shifted = d.path().join("shifted.load");
    std::fs::write(&shifted, load).unwrap();
    let source = db.create_db("zoned");
    let target = pg.create_db("zoned_pg");
    let rep = d.path().join("zoned.json");
    let o = understudy("rehearse")
        .profile(&profile)
        .users(300)
        .flag("--source", &source)
        .target(&target)
        .arg("--no-create")
        .flag(
            "--exec",
            pgloader_command().replace(LOAD_FILE, shifted.to_str().unwrap()),
        )
        .report(&rep)
        .run()
        .code(1);
    let r = json(&rep);
    let v = &r["verify"];
    let roles = 6; // the only table without a timestamp
    assert_eq!(
        v["mismatched"].as_u64(),
        Some(r["rows_expected"].as_u64().unwrap() - roles),
        "{v}"
    );
    let hours = |s: &Value| {
        let t = s.as_str().unwrap();
        let day: i64 = t[8..10].parse().unwrap();
        let hour: i64 = t[11..13].parse().unwrap();
        day * 24 + hour
    };
    for e in v["examples"].as_array().unwrap() {
        // Every differing field is a timestamp, moved by the zone's offset.
        for (_, pair) in e["fields"].as_object().unwrap() {
            let shift = (hours(&pair[1]) - hours(&pair[0])).rem_euclid(24);
            assert!(shift == 4 || shift == 5, "{e}");
        }
    }
    outputs.push_str(&o.text());
    outputs.push_str(&std::fs::read_to_string(&rep).unwrap());
    assert!(!leaks(&outputs, &pg.password), "a password leaked");
}

/// A migration between two MariaDB databases with the `mariadb` client, the
/// DSNs taken apart by the `UNDERSTUDY_*` variables: MySQL as `--exec`'s
/// target (tables created by understudy, rows counted, verified).
#[test]
fn mysql_as_exec_target() {
    let Some(db) = Mariadb::start_tcp() else {
        return;
    };
    let d = tempdir();
    let profile = small_saas(d.path());
    let source = db.create_db("legacy");
    let target = db.create_db("app");
    let copies: Vec<String> = TABLES
        .iter()
        .map(|t| format!("INSERT INTO {t} SELECT * FROM $UNDERSTUDY_SOURCE_DATABASE.{t};"))
        .collect();
    let cmd = format!(
        "MYSQL_PWD=\"$UNDERSTUDY_TARGET_PASSWORD\" mariadb --protocol=tcp \
         -h \"$UNDERSTUDY_TARGET_HOST\" -P \"$UNDERSTUDY_TARGET_PORT\" \
         -u \"$UNDERSTUDY_TARGET_USER\" \"$UNDERSTUDY_TARGET_DATABASE\" -e \"{}\"",
        copies.join(" ")
    );
    let rep = d.path().join("my.json");
    let o = understudy("rehearse")
        .profile(&profile)
        .users(1500)
        .flag("--source", &source)
        .target(&target)
        .flag("--exec", &cmd)
        .report(&rep)
        .run()
        .code(0);
    let r = json(&rep);
    assert_eq!(r["verify"]["ok"], true, "{}", r["verify"]);
    assert_eq!(r["rows_loaded"], r["rows_expected"]);
    assert_eq!(db.query("app", "SELECT count(*) FROM users").trim(), "1500");
    let mut outputs = o.text();
    outputs.push_str(&std::fs::read_to_string(&rep).unwrap());

    // A command that fails before creating the tables it was to create:
    // the command's failure is what is said, and it exits 1.
    let target = db.create_db("nothing");
    let o = understudy("rehearse")
        .profile(&profile)
        .users(10)
        .flag("--source", db.create_db("legacy2"))
        .target(&target)
        .arg("--no-create")
        .flag("--exec", "echo \"$UNDERSTUDY_TARGET\"; exit 7")
        .run()
        .code(1)
        .text_contains("failed (exit status: 7)")
        .text_contains("does not exist");
    outputs.push_str(&o.text());
    assert!(!leaks(&outputs, "no PostgreSQL here"), "a password leaked");
    assert!(
        outputs.contains(&format!(
            "mysql://understudy:***@127.0.0.1:{}/nothing",
            db.port
        )),
        "{outputs}"
    );
}
