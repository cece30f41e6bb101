//! `assess --source DSN`: a live database's users counted by hash prefix (the
//! census `profiles infer` reads), then the same per-provider × format table
//! as `assess --profile`. A known mix planted in SQLite and PostgreSQL gives
//! exact counts.

mod common;

use common::*;
use serde_json::Value;

/// (hash, users): 32 users of a known mix.
fn mix() -> Vec<(Option<String>, usize)> {
    let ex = |f: &str| Some(understudy::hash::example_of(f).to_string());
    let bcrypt = understudy::hash::example_of("bcrypt");
    vec![
        (ex("bcrypt"), 7),
        (Some(bcrypt.replacen("$2b$10$", "$2b$13$", 1)), 4),
        (ex("bcrypt-2y"), 3),
        (ex("argon2id"), 3),
        (ex("phpass"), 5),
        (ex("pbkdf2-sha256-django"), 2),
        (ex("ldap-ssha"), 2),
        (ex("md5-hex"), 3),
        (None, 2),
        (Some("$zz$not-a-hash-understudy-knows".into()), 1),
    ]
}

fn plant_sql() -> String {
    let mut sql = String::from(
        "CREATE TABLE accounts (id integer PRIMARY KEY, email varchar(200) NOT NULL UNIQUE, pw varchar(300));\n\
         CREATE TABLE sessions (id integer PRIMARY KEY, account_id integer REFERENCES accounts(id));\n",
    );
    let mut id = 0;
    for (h, n) in mix() {
        for _ in 0..n {
            id += 1;
            let h = h.as_ref().map_or("NULL".to_string(), |h| format!("'{h}'"));
            sql.push_str(&format!(
                "INSERT INTO accounts VALUES ({id}, 'user{id}@example.com', {h});\n"
            ));
        }
    }
    sql
}

/// (users, importable, reset_required, jit_only) of `format` at `provider`.
fn row(r: &Value, provider: &str, format: &str) -> (u64, u64, u64, u64) {
    let p = r["providers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["provider"] == provider)
        .unwrap();
    let f = p["formats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["format"] == format)
        .unwrap_or_else(|| panic!("{provider}: no {format} in {p}"));
    let n = |k: &str| f[k].as_u64().unwrap();
    (
        n("users"),
        n("importable"),
        n("reset_required"),
        n("jit_only"),
    )
}

fn check(dsn: &str) {
    let out = understudy("assess")
        .args(["--source", dsn, "--json", "--users-table", "accounts"])
        .args(["--hash-column", "pw", "--to", "okta", "--to", "cognito"])
        .run()
        .code(0);
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["kind"], "assess");
    assert_eq!(r["users"], 32);
    assert_eq!(r["source"]["table"], "accounts");
    assert_eq!(r["source"]["column"], "pw");
    assert!(r.get("profile").is_none(), "{r}");
    // Okta: bcrypt at any cost, $2y$, Django PBKDF2-SHA256, {SSHA}, MD5.
    assert_eq!(row(&r, "okta", "bcrypt"), (11, 11, 0, 0));
    assert_eq!(row(&r, "okta", "bcrypt-2y"), (3, 3, 0, 0));
    assert_eq!(row(&r, "okta", "argon2id"), (3, 0, 0, 3));
    assert_eq!(row(&r, "okta", "phpass"), (5, 0, 0, 5));
    assert_eq!(row(&r, "okta", "pbkdf2-sha256-django"), (2, 2, 0, 0));
    assert_eq!(row(&r, "okta", "ldap-ssha"), (2, 2, 0, 0));
    assert_eq!(row(&r, "okta", "md5-hex"), (3, 3, 0, 0));
    assert_eq!(row(&r, "okta", "(none)"), (2, 0, 2, 0));
    assert_eq!(row(&r, "okta", "(unknown)"), (1, 0, 0, 1));
    // Cognito: bcrypt cost 13 over its 12, Django's 1,000,000 iterations over 600,000.
    assert_eq!(row(&r, "cognito", "bcrypt"), (11, 7, 0, 4));
    assert_eq!(row(&r, "cognito", "argon2id"), (3, 3, 0, 0));
    assert_eq!(row(&r, "cognito", "pbkdf2-sha256-django"), (2, 0, 0, 2));
    let total = |p: usize, k: &str| r["providers"][p][k].as_u64().unwrap();
    assert_eq!(
        (
            total(0, "importable"),
            total(0, "reset_required"),
            total(0, "jit_only")
        ),
        (21, 2, 9)
    );
    assert_eq!(
        (
            total(1, "importable"),
            total(1, "reset_required"),
            total(1, "jit_only")
        ),
        (13, 2, 17)
    );
    assert!(
        r["providers"][1]["verdict"]
            .as_str()
            .unwrap()
            .starts_with("Cognito: 40.6 % import")
    );
    // The terminal table names the source (its password redacted), table and column.
    let text = understudy("assess")
        .args([
            "--source",
            dsn,
            "--users-table",
            "accounts",
            "--hash-column",
            "pw",
        ])
        .args(["--to", "okta"])
        .run()
        .code(0);
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    assert!(text.contains("(accounts.pw), by hash prefix"), "{text}");
    assert!(
        !text.contains("pg-s3cret-pw"),
        "the DSN's password shows: {text}"
    );
}

#[test]
fn sqlite_source_counts_a_known_mix_exactly() {
    let dir = tempdir();
    let db = path(dir.path(), "app.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(&plant_sql())
        .unwrap();
    check(&format!("sqlite:{}", db.display()));
    // No column named like a hash and none given: a usage error saying so.
    let out = understudy("assess")
        .args(["--source", &format!("sqlite:{}", db.display())])
        .args(["--users-table", "sessions"])
        .run()
        .code(2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--hash-column"));
    // --source and --profile are exclusive.
    understudy("assess")
        .args(["--source", "sqlite:x.db", "--profile", "saas"])
        .run()
        .code(2);
}

#[test]
fn postgres_source_counts_a_known_mix_exactly() {
    let Some(pg) = Postgres::shared() else {
        return;
    };
    let dsn = pg.create_db("assess_src");
    pg.client("assess_src").batch_execute(&plant_sql()).unwrap();
    check(&dsn);
}
