//! `understudy discover` against real PostgreSQL, MariaDB and SQLite sources
//! built here with a known shape: users, orders (declared foreign key),
//! order_items (foreign key to orders: transitive), a join table user_roles,
//! an undeclared `documents.created_by`, a copied `invoices.customer_email`
//! (in upper case), a JSON column holding users' emails and names, and
//! decoys that must not be reported (`order_items.item_id` with small
//! values inside the users' key range, `documents.account_id` whose values
//! are too but whose name points to `accounts`, `status` columns, a
//! supplier's `product_email`). Every byte written is scanned for the
//! planted names, emails and private domain; the sources are read with
//! read-only roles and an SQLite file is left byte for byte as it was.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;

const USERS: u64 = 300;
const FIRST: [&str; 5] = ["Zebediah", "Quirina", "Altheo", "Marisol", "Bertrand"];

/// Planted in the sources; none may appear in any output (compared in lower case).
const PLANTED: [&str; 8] = [
    "acme-internal",
    "zebediah",
    "quirina",
    "altheo",
    "marisol",
    "bertrand",
    "quernsworth",
    "sales1",
];

/// User `i`'s first name, last name, email and username.
fn user(i: u64) -> (String, String, String, String) {
    let first = FIRST[(i % 5) as usize];
    let last = format!("Quernsworth{i}");
    let email = format!(
        "{}.{}@acme-internal.test",
        first.to_lowercase(),
        last.to_lowercase()
    );
    (
        first.into(),
        last,
        email,
        format!("{}{i}", first.to_lowercase()),
    )
}

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn insert(table: &str, cols: &str, rows: impl Iterator<Item = Vec<String>>) -> String {
    let rows: Vec<String> = rows.map(|r| format!("({})", r.join(", "))).collect();
    format!("INSERT INTO {table} ({cols}) VALUES {};", rows.join(", "))
}

/// The schema (its JSON column of type `json`) and its rows, as one script
/// every kind runs: table-level foreign keys and explicit keys only.
fn script(json: &str) -> String {
    let mut s = format!(
        "CREATE TABLE users (id BIGINT PRIMARY KEY, email VARCHAR(200) NOT NULL UNIQUE, \
           username VARCHAR(100), first_name VARCHAR(100), last_name VARCHAR(100), status VARCHAR(20));
         CREATE TABLE accounts (id INTEGER PRIMARY KEY, plan VARCHAR(20));
         CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id BIGINT, status VARCHAR(20), total INTEGER,
           FOREIGN KEY (user_id) REFERENCES users (id));
         CREATE TABLE order_items (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL, item_id INTEGER,
           quantity INTEGER, FOREIGN KEY (order_id) REFERENCES orders (id));
         CREATE TABLE roles (id INTEGER PRIMARY KEY, name VARCHAR(50));
         CREATE TABLE user_roles (user_id BIGINT NOT NULL, role_id INTEGER NOT NULL,
           PRIMARY KEY (user_id, role_id), FOREIGN KEY (user_id) REFERENCES users (id),
           FOREIGN KEY (role_id) REFERENCES roles (id));
         CREATE TABLE documents (id INTEGER PRIMARY KEY, title VARCHAR(100), created_by INTEGER,
           account_id INTEGER);
         CREATE TABLE invoices (id INTEGER PRIMARY KEY, customer_email VARCHAR(200), amount INTEGER);
         CREATE TABLE events (id INTEGER PRIMARY KEY, payload {json});
         CREATE TABLE suppliers (id INTEGER PRIMARY KEY, product_email VARCHAR(200), status VARCHAR(20));\n"
    );
    let n = |i: u64| i.to_string();
    let lines = [
        insert(
            "users",
            "id, email, username, first_name, last_name, status",
            (1..=USERS).map(|i| {
                let (f, l, e, u) = user(i);
                vec![n(i), lit(&e), lit(&u), lit(&f), lit(&l), lit("active")]
            }),
        ),
        insert(
            "accounts",
            "id, plan",
            (1..=20).map(|i| vec![n(i), lit("free")]),
        ),
        insert(
            "orders",
            "id, user_id, status, total",
            (1..=600).map(|i| vec![n(i), n(i % USERS + 1), lit("paid"), n(i * 3)]),
        ),
        insert(
            "order_items",
            "id, order_id, item_id, quantity",
            (1..=1500).map(|i| vec![n(i), n(i % 600 + 1), n(i % 40 + 1), n(2)]),
        ),
        insert(
            "roles",
            "id, name",
            (1..=3).map(|i| vec![n(i), lit(["admin", "member", "viewer"][i as usize - 1])]),
        ),
        insert(
            "user_roles",
            "user_id, role_id",
            (1..=USERS).map(|i| vec![n(i), n(i % 3 + 1)]),
        ),
        insert(
            "documents",
            "id, title, created_by, account_id",
            (1..=120).map(|i| vec![n(i), lit("doc"), n(i * 7 % USERS + 1), n(i % 20 + 1)]),
        ),
        insert(
            "invoices",
            "id, customer_email, amount",
            (1..=150).map(|i| vec![n(i), lit(&user(i % USERS + 1).2.to_uppercase()), n(5)]),
        ),
        insert(
            "events",
            "id, payload",
            (1..=100)
                .map(|i| {
                    let (f, l, e, _) = user(i);
                    let doc = serde_json::json!({
                        "email": e, "name": format!("{f} {l}"), "kind": "signup",
                        "zeb.q@acme-internal.test": true, "Zebediah": 1
                    });
                    vec![n(i), lit(&doc.to_string())]
                })
                .chain([vec![n(101), lit("[1, 2]")], vec![n(102), lit("\"scalar\"")]]),
        ),
        insert(
            "suppliers",
            "id, product_email, status",
            (1..=40).map(|i| {
                vec![
                    n(i),
                    lit(&format!("sales{i}@supplier.acme-internal.test")),
                    lit("active"),
                ]
            }),
        ),
    ];
    s.push_str(&lines.join("\n"));
    s
}

/// What the source holds that refers to its users: (table, column, kind).
fn expected() -> BTreeSet<(String, String, String)> {
    [
        ("orders", "user_id", "declared"),
        ("user_roles", "user_id", "declared"),
        ("order_items", "order_id", "declared"),
        ("documents", "created_by", "reference"),
        ("invoices", "customer_email", "copy"),
        ("events", "payload", "json"),
    ]
    .iter()
    .map(|(t, c, k)| (t.to_string(), c.to_string(), k.to_string()))
    .collect()
}

/// Neither planted values nor `secrets` in any byte of a run's output.
fn clean(ran: &Ran, secrets: &[&str]) {
    let all = format!("{}{}", ran.out(), ran.err()).to_lowercase();
    for p in PLANTED.iter().chain(secrets) {
        assert!(
            !all.contains(&p.to_lowercase()),
            "{}: the output shows {p:?}:\n{}",
            ran.line,
            ran.text()
        );
    }
}

fn finding<'a>(v: &'a Value, table: &str, column: &str) -> &'a Value {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["table"] == table && f["column"] == column)
        .unwrap_or_else(|| panic!("no finding {table}.{column}: {v:#}"))
}

/// Runs discover (terminal and --json) on `dsn`, checks the findings and
/// that no output holds a planted value or one of `secrets`; the JSON.
fn discover(dsn: &str, redacted: &str, secrets: &[&str]) -> Value {
    let text = understudy("discover").flag("--source", dsn).run().code(0);
    clean(&text, secrets);
    let out = text.out();
    assert!(out.contains(redacted), "{out}");
    for line in ["created_by", "customer_email", "reference", "copy", "json"] {
        assert!(out.contains(line), "{out}");
    }
    let ran = understudy("discover")
        .flag("--source", dsn)
        .arg("--json")
        .run()
        .code(0);
    clean(&ran, secrets);
    let v: Value = serde_json::from_slice(&ran.stdout).expect("JSON on stdout");
    assert_eq!(v["kind"], "discover");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["source"], redacted);
    assert_eq!(v["users_table"]["name"], "users");
    assert_eq!(v["users_table"]["chosen"], "guessed");
    assert_eq!(v["users_table"]["rows"], USERS);
    let got: BTreeSet<(String, String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_string();
            (s("table"), s("column"), s("kind"))
        })
        .collect();
    assert_eq!(got, expected(), "{v:#}");
    let items = finding(&v, "order_items", "order_id");
    assert_eq!(
        items["path"],
        serde_json::json!(["order_items", "orders", "users"])
    );
    assert_eq!(items["rows"], 1500);
    let join = finding(&v, "user_roles", "user_id");
    assert_eq!(join["join_of"], serde_json::json!(["users", "roles"]));
    let created = finding(&v, "documents", "created_by");
    assert_eq!(created["overlap"]["against"], "users.id");
    assert_eq!(created["overlap"]["share"], 1.0);
    let copy = finding(&v, "invoices", "customer_email");
    assert_eq!(copy["overlap"]["against"], "users.email");
    assert_eq!(copy["overlap"]["matched"], 150);
    let events = finding(&v, "events", "payload");
    let keys: BTreeSet<&str> = events["json_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, BTreeSet::from(["email", "name"]), "{events:#}");
    assert_eq!(events["objects_sampled"], 100);
    // The decoy measured and left out, with its counts.
    let below = v["below_threshold"].as_array().unwrap();
    assert!(
        below
            .iter()
            .any(|m| m["column"] == "product_email" && m["matched"] == 0),
        "{v:#}"
    );
    assert!(v["notes"].as_array().unwrap().is_empty(), "{v:#}");
    v
}

#[test]
fn discover_postgres_with_a_read_only_role() {
    let Some(pg) = Postgres::shared() else {
        return;
    };
    let dsn = pg.create_db("discover_pg");
    let mut c = pg.client("discover_pg");
    c.batch_execute(&script("jsonb")).unwrap();
    c.batch_execute(
        "CREATE ROLE disc_reader LOGIN PASSWORD 'r3ad-0nly-pw';
         GRANT SELECT ON ALL TABLES IN SCHEMA public TO disc_reader;",
    )
    .unwrap();
    let reader = dsn.replace(
        &format!("understudy:{}", pg.password),
        "disc_reader:r3ad-0nly-pw",
    );
    let redacted = format!(
        "postgres://disc_reader:***@127.0.0.1:{}/discover_pg",
        pg.port
    );
    discover(&reader, &redacted, &["r3ad-0nly-pw", &pg.password]);

    // Named users table; the password from PGPASSWORD.
    let bare = reader.replace(":r3ad-0nly-pw", "");
    let ran = understudy("discover")
        .flag("--source", &bare)
        .flag("--users-table", "users")
        .arg("--json")
        .env("PGPASSWORD", "r3ad-0nly-pw")
        .run()
        .code(0);
    let v: Value = serde_json::from_slice(&ran.stdout).unwrap();
    assert_eq!(v["users_table"]["chosen"], "given");

    // Unreachable: exit 3 with the hint, the password hidden.
    let port = closed_port();
    understudy("discover")
        .flag(
            "--source",
            format!("postgres://disc_reader:r3ad-0nly-pw@127.0.0.1:{port}/x"),
        )
        .run()
        .code(3)
        .stderr_contains("hint:")
        .text_lacks("r3ad-0nly-pw");
}

#[test]
fn discover_mariadb_with_a_select_only_user() {
    let Some(db) = Mariadb::start_tcp() else {
        return;
    };
    db.create_db("shop");
    db.query("shop", &script("JSON"));
    db.query(
        "",
        "CREATE USER 'disc_reader'@'127.0.0.1' IDENTIFIED BY 'r3ad/0nly'; \
         GRANT SELECT ON shop.* TO 'disc_reader'@'127.0.0.1'",
    );
    let dsn = format!("mysql://disc_reader:r3ad%2F0nly@127.0.0.1:{}/shop", db.port);
    let redacted = format!("mysql://disc_reader:***@127.0.0.1:{}/shop", db.port);
    discover(&dsn, &redacted, &["r3ad%2F0nly", "r3ad/0nly"]);
}

#[test]
fn discover_sqlite_reads_and_writes_nothing() {
    let d = tempdir();
    let path = d.path().join("app.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&script("JSON")).unwrap();
    drop(conn);
    let before = sha256(&path);
    let files = || {
        let mut v: Vec<String> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let listed = files();
    let dsn = format!("sqlite:{}", path.display());
    discover(&dsn, &dsn, &[]);
    assert_eq!(sha256(&path), before, "the source changed");
    assert_eq!(files(), listed, "files appeared beside the source");

    // Bad input: exit 2, saying what to do.
    understudy("discover")
        .flag("--source", &dsn)
        .flag("--users-table", "user")
        .run()
        .code(2)
        .stderr_contains("did you mean `users`");
    understudy("discover")
        .flag("--source", "http://127.0.0.1:1/")
        .run()
        .code(2)
        .stderr_contains("--source");
    let empty = d.path().join("empty.db");
    rusqlite::Connection::open(&empty)
        .unwrap()
        .execute_batch("CREATE TABLE things (id INTEGER PRIMARY KEY, label TEXT)")
        .unwrap();
    understudy("discover")
        .flag("--source", format!("sqlite:{}", empty.display()))
        .run()
        .code(2)
        .stderr_contains("--users-table");
    // A missing file is not created: exit 3.
    let missing = d.path().join("missing.db");
    understudy("discover")
        .flag("--source", format!("sqlite:{}", missing.display()))
        .run()
        .code(3)
        .stderr_contains("no such file");
    assert!(!missing.exists());
}
