//! The user's schema and what a refused run leaves behind: `--schema` with
//! real `pg_dump --schema-only` output, refusals (exit 2) that leave files
//! and databases exactly as they were, and rejects attributed to a cause.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn sqlite_objects(db: &Path) -> Vec<(String, String)> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut q = c
        .prepare("SELECT type, name FROM sqlite_schema ORDER BY type, name")
        .unwrap();
    q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// The files in `dir`, by name.
fn files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn rehearse_into_an_unrelated_sqlite_file_is_refused_without_touching_it() {
    let d = tempdir();
    let db = d.path().join("app.db");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(
            "CREATE TABLE users (uid INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'ann');",
        )
        .unwrap();
    }
    let before = sqlite_objects(&db);
    let profile = small_saas(d.path());
    understudy("rehearse")
        .profile(&profile)
        .users(10)
        .sqlite(&db)
        .run()
        .code(2)
        .text_contains("users.id")
        .text_contains("already had tables by the profile's names (users)");
    assert_eq!(
        sqlite_objects(&db),
        before,
        "the refused run created tables"
    );
}

#[test]
fn refused_rehearsals_leave_no_sqlite_file() {
    let d = tempdir();
    let profile = small_saas(d.path());
    let before = files(d.path());
    let db = d.path().join("new.db");
    let target = format!("sqlite:{}", db.display());
    let bad_schema = d.path().join("nokey.sql");
    // The primary key is missing: known only once the schema is applied.
    std::fs::write(
        &bad_schema,
        "CREATE TABLE organizations (id INTEGER PRIMARY KEY, name TEXT, plan TEXT, created_at TEXT);\n\
         CREATE TABLE users (uid TEXT PRIMARY KEY, email TEXT);\n",
    )
    .unwrap();
    let failing = d.path().join("failing.sql");
    std::fs::write(
        &failing,
        "CREATE TABLE organizations (id INTEGER PRIMARY KEY);\n\n-- a comment; with a semicolon\nCREATE TABLE users (id TEXT PRIMARY KEY,\n  email TEXT NOT NULL UNIQUE,\n  oops NOPE(;\n",
    )
    .unwrap();
    let mut before = before;
    before.extend(["nokey.sql".to_string(), "failing.sql".to_string()]);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--schema", "/nonexistent/schema.sql"],
            "/nonexistent/schema.sql",
        ),
        (vec!["--schema", bad_schema.to_str().unwrap()], "--map id="),
        (vec!["--schema", failing.to_str().unwrap()], "line 4"),
        (
            vec!["--report", "/nonexistent/dir/r.json"],
            "/nonexistent/dir",
        ),
        (vec!["--html", d.path().to_str().unwrap()], "is a directory"),
    ];
    for (extra, says) in cases {
        understudy("rehearse")
            .profile(&profile)
            .users(10)
            .target(&target)
            .args(&extra)
            .run()
            .code(2)
            .text_contains(says);
        assert_eq!(files(d.path()), before, "{extra:?} left files behind");
    }
}

#[test]
fn jit_and_estimate_refusals_write_nothing() {
    let d = tempdir();
    let run_in = |command: &str| understudy(command).current_dir(d.path());
    let jit = |users: u32| {
        run_in("jit")
            .users(users)
            .flag("--legacy", "sqlite:legacy.db")
            .flag("--new", "http://127.0.0.1:9")
            .flag("--api", "okta")
    };
    let before = files(d.path());
    // No new system is listening: the refusal must come before any contact.
    jit(0).run().code(2).text_contains("--users");
    jit(10).report("no/such/dir/jit.json").run().code(2);
    run_in("estimate")
        .flag("--production-users", "100000")
        .target("sqlite:e.db")
        .report("no/such/dir/e.json")
        .run()
        .code(2);
    run_in("generate")
        .users(10)
        .flag("--out", "out")
        .flag("--edge-file", "no-such-cases.txt")
        .run()
        .code(2);
    assert_eq!(files(d.path()), before);
}

/// A users + sessions profile whose target schema has a 30-character email
/// column: some users are refused, and their sessions with them.
#[test]
fn every_reject_is_attributed_children_to_their_parent() {
    let d = tempdir();
    let profile = narrow_profile(d.path());
    let schema = d.path().join("schema.sql");
    std::fs::write(
        &schema,
        "CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE CHECK (length(email) <= 30),
           first_name TEXT, password_hash TEXT);
         CREATE TABLE sessions (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users (id),
           created_at TEXT);",
    )
    .unwrap();
    let (rep, html, rej) = (
        d.path().join("r.json"),
        d.path().join("r.html"),
        d.path().join("rejects.jsonl"),
    );
    // Edge cases on a fifth of the rows: some refused users carry labels,
    // the others none.
    let o = understudy("rehearse")
        .profile(&profile)
        .users(1500)
        .flag("--edge-rate", "0.2")
        .sqlite(&d.path().join("t.db"))
        .flag("--schema", &schema)
        .report(&rep)
        .html(&html)
        .flag("--rejects", &rej)
        .run()
        .code(0);
    // Each session's user, from `generate` with the same parameters.
    let out = d.path().join("gen");
    understudy("generate")
        .profile(&profile)
        .users(1500)
        .flag("--edge-rate", "0.2")
        .flag("--out", &out)
        .arg("-q")
        .run()
        .success();
    let (h, rows) = read_csv(&out.join("sessions.csv"));
    let (sid, uid) = (
        h.iter().position(|c| c == "id").unwrap(),
        h.iter().position(|c| c == "user_id").unwrap(),
    );
    let user_of: BTreeMap<String, String> = rows
        .iter()
        .map(|r| (r[sid].clone().unwrap(), r[uid].clone().unwrap()))
        .collect();
    let mut users: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut sessions: Vec<(String, Vec<String>)> = Vec::new();
    for line in std::fs::read_to_string(&rej).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let labels: Vec<String> = v["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_string())
            .collect();
        assert!(!labels.is_empty(), "an unattributed reject: {line}");
        let key = v["key"].as_str().unwrap().to_string();
        match v["table"].as_str().unwrap() {
            "users" => {
                users.insert(key, labels);
            }
            "sessions" => sessions.push((key, labels)),
            o => panic!("reject in {o}: {line}"),
        }
    }
    assert!(!sessions.is_empty(), "no session was refused");
    let mut from_edge_case = 0;
    for (key, labels) in &sessions {
        let user = &user_of[key];
        let parent = users
            .get(user)
            .unwrap_or_else(|| panic!("session {key} refused, its user {user} was not"));
        for l in parent {
            let want = format!("parent:{l}");
            assert!(
                labels.contains(&want),
                "session {key} of user {user} ({parent:?}): {labels:?}"
            );
        }
        from_edge_case += parent.iter().any(|l| !l.starts_with("no-edge-case:")) as usize;
    }
    assert!(
        users.values().any(|l| l == &["no-edge-case:too_long"]),
        "{users:?}"
    );
    assert!(
        from_edge_case > 0,
        "no refused session had an edge-cased user"
    );
    let r = json(&rep);
    let by_label = r["errors_by_label"].as_object().unwrap();
    assert!(!by_label.contains_key("(unlabelled)"), "{by_label:?}");
    assert_eq!(
        by_label["parent:no-edge-case:too_long"].as_u64(),
        Some(
            sessions
                .iter()
                .filter(|(_, l)| l.contains(&"parent:no-edge-case:too_long".to_string()))
                .count() as u64
        )
    );
    o.text_contains("parent:no-edge-case:too_long");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("parent:no-edge-case:too_long"));
    assert!(!page.contains("(unlabelled)"));
}

fn pg_dump(pg: &Postgres, db: &str, out: &Path, exclude: &str) {
    let bin = pg_bin().expect("pg_dump beside initdb");
    let o = std::process::Command::new(bin.join("pg_dump"))
        .args([
            "--schema-only",
            "--exclude-table",
            exclude,
            "--file",
            out.to_str().unwrap(),
            "--dbname",
            &pg.dsn(db),
        ])
        .env("PGPASSWORD", &pg.password)
        .output()
        .expect("run pg_dump");
    assert!(
        o.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn pg_tables(pg: &Postgres, db: &str) -> Vec<String> {
    pg.client(db)
        .query(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[test]
fn postgres_schema_from_pg_dump_is_applied_unmodified() {
    let Some(pg) = Postgres::shared() else {
        return;
    };
    let d = tempdir();
    let profile = small_saas(d.path());
    // The profile's tables, created by the tool itself, then what a real
    // application adds around them.
    let src = pg.create_db("app");
    let rehearse = |users: u32, target: &str| {
        understudy("rehearse")
            .profile(&profile)
            .users(users)
            .target(target)
    };
    rehearse(1, &src).arg("--no-verify").arg("-q").run().code(0);
    let mut c = pg.client("app");
    let pgcrypto = !c
        .query(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'pgcrypto'",
            &[],
        )
        .unwrap()
        .is_empty();
    if pgcrypto {
        c.batch_execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")
            .unwrap();
    } else {
        eprintln!("pgcrypto is not installed: the dump has no CREATE EXTENSION");
    }
    c.batch_execute(
        r#"
        CREATE TYPE mood AS ENUM ('calm', 'busy');
        CREATE TABLE audit_log (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            user_id uuid REFERENCES users (id), note text DEFAULT 'a;b', mood mood,
            at timestamptz DEFAULT now());
        CREATE TABLE invites (id serial PRIMARY KEY, email varchar(320) NOT NULL,
            token text DEFAULT md5(random()::text));
        CREATE INDEX users_lower_email ON users (lower(email));
        CREATE UNIQUE INDEX invites_email ON invites (email) WHERE email <> '';
        ALTER TABLE users ADD COLUMN nickname text;
        COMMENT ON TABLE users IS 'People who sign in; one row each';
        COMMENT ON COLUMN users.email IS E'the login''s address';
        CREATE VIEW active_users AS SELECT id, email FROM users WHERE status = 'active';
        CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.at := now(); -- a comment; with a semicolon
            RETURN NEW;
        END;
        $$;
        CREATE TRIGGER audit_touch BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION touch();
        CREATE FUNCTION add(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE
            BEGIN ATOMIC SELECT a + b; END;
        CREATE ROLE reader;
        GRANT SELECT ON users TO reader;
        "#,
    )
    .unwrap();
    let dump = d.path().join("dump.sql");
    pg_dump(pg, "app", &dump, "_understudy*");
    let sql = std::fs::read_to_string(&dump).unwrap();
    for form in [
        "SELECT pg_catalog.set_config('search_path', '', false);",
        "CREATE TABLE public.users (",
        "ALTER TABLE ONLY public.users",
        "OWNER TO understudy;",
        "CREATE SEQUENCE public.invites_id_seq",
        "GENERATED BY DEFAULT AS IDENTITY",
        "COMMENT ON TABLE public.users",
        "BEGIN ATOMIC",
        "$$",
    ] {
        assert!(sql.contains(form), "pg_dump wrote no `{form}`:\n{sql}");
    }
    let restricts = sql.lines().any(|l| l.starts_with("\\restrict "));
    eprintln!("this pg_dump writes \\restrict: {restricts}");
    // The newer forms: \restrict (pg_dump 17.6, 16.10, 15.14 and later) when
    // this one is older, and pg_dump 17's `SET transaction_timeout`, which an
    // older server does not know.
    let newer = d.path().join("dump-newer.sql");
    let mut newer_sql = sql.replacen(
        "SET statement_timeout = 0;\n",
        "SET statement_timeout = 0;\nSET transaction_timeout = 0;\n",
        1,
    );
    assert_ne!(newer_sql, sql);
    if !restricts {
        newer_sql = format!("\\restrict Zq8kP0aXb3\n\n{newer_sql}\n\\unrestrict Zq8kP0aXb3\n");
    }
    std::fs::write(&newer, newer_sql).unwrap();
    let dumps = [("app1", dump.clone()), ("app2", newer.clone())];
    let server: i32 = pg
        .client("postgres")
        .query_one("SELECT current_setting('server_version_num')::int", &[])
        .unwrap()
        .get(0);
    for (db, file) in &dumps {
        let dst = pg.create_db(db);
        let rep = d.path().join(format!("{db}.json"));
        let o = rehearse(300, &dst)
            .flag("--schema", file)
            .report(&rep)
            .run()
            .code(0)
            .text_contains("(pg_dump)");
        if *file == newer && server < 170000 {
            o.text_contains("left out `SET transaction_timeout = 0;`");
        }
        let r = json(&rep);
        assert_eq!(r["verify"]["ok"], true, "{}", r["verify"]);
        assert_eq!(r["rows_loaded"], r["rows_expected"]);
        assert_eq!(r["rows_rejected"], 0);
        // The dump's objects are all there, beside the loaded rows.
        let mut c = pg.client(db);
        for (what, q) in [
            (
                "view",
                "SELECT count(*) FROM pg_views WHERE viewname = 'active_users'",
            ),
            (
                "trigger",
                "SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_touch'",
            ),
            (
                "index",
                "SELECT count(*) FROM pg_indexes WHERE indexname = 'users_lower_email'",
            ),
            (
                "identity",
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'audit_log' AND is_identity = 'YES'",
            ),
            (
                "sequence",
                "SELECT count(*) FROM pg_sequences WHERE sequencename = 'invites_id_seq'",
            ),
            (
                "comment",
                "SELECT count(*) FROM pg_description WHERE description = 'People who sign in; one row each'",
            ),
            (
                "function",
                "SELECT count(*) FROM pg_proc WHERE proname = 'add'",
            ),
        ] {
            let n: i64 = c.query_one(q, &[]).unwrap().get(0);
            assert_eq!(n, 1, "{what} missing after --schema {}", file.display());
        }
        let n: i64 = c
            .query_one("SELECT count(*) FROM public.users", &[])
            .unwrap()
            .get(0);
        assert_eq!(n, 300);
        let ext: i64 = c
            .query_one(
                "SELECT count(*) FROM pg_extension WHERE extname = 'pgcrypto'",
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(ext, pgcrypto as i64);
    }

    // SQLite cannot apply PostgreSQL's dump: refused, naming the first line
    // it cannot use, and no file is left.
    let db = d.path().join("from-dump.db");
    let msg = rehearse(10, &format!("sqlite:{}", db.display()))
        .flag("--schema", &dump)
        .run()
        .code(2)
        .text();
    assert!(msg.contains("pg_dump"), "{msg}");
    let at = msg.find(", line ").expect("a line number") + ", line ".len();
    let n: usize = msg[at..]
        .split(':')
        .next()
        .unwrap()
        .parse()
        .expect("line number");
    let line = sql.lines().nth(n - 1).unwrap().trim();
    assert!(
        !line.is_empty() && msg.contains(&format!("`{line}`")),
        "line {n} is `{line}`: {msg}"
    );
    assert!(!db.exists(), "the refused run left {}", db.display());

    // A statement PostgreSQL refuses rolls the whole schema back.
    let bad = d.path().join("bad.sql");
    std::fs::write(
        &bad,
        format!(
            "{sql}\n\nCREATE TABLE public.broken (id integer REFERENCES public.nowhere (id));\n"
        ),
    )
    .unwrap();
    assert!(sql.ends_with('\n'));
    let bad_line = sql.lines().count() + 3;
    let dst = pg.create_db("app3");
    rehearse(10, &dst)
        .flag("--schema", &bad)
        .run()
        .code(2)
        .text_contains(&format!(", line {bad_line}: `CREATE TABLE public.broken"));
    assert_eq!(pg_tables(pg, "app3"), Vec::<String>::new());

    // An unrelated `users` table: refused, and nothing created beside it.
    let dst = pg.create_db("app4");
    pg.client("app4")
        .batch_execute("CREATE TABLE users (uid integer PRIMARY KEY)")
        .unwrap();
    rehearse(10, &dst).run().code(2);
    assert_eq!(pg_tables(pg, "app4"), vec!["users".to_string()]);
}

#[test]
fn emulate_refuses_a_foreign_store_without_writing_to_it() {
    let d = tempdir();
    let db = d.path().join("app.db");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch("CREATE TABLE users (uid INTEGER PRIMARY KEY, name TEXT);")
            .unwrap();
    }
    let before = (sha256(&db), files(d.path()));
    let mut child = bin()
        .args([
            "emulate",
            "generic",
            "--listen",
            "127.0.0.1:0",
            "--hash-cost",
            "light",
            "--store",
            &format!("sqlite:{}", db.display()),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if t0.elapsed() > std::time::Duration::from_secs(30) {
            child.kill().unwrap();
            panic!("the emulator started on someone else's database");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let o = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(2), "{text}");
    assert!(text.contains("not an emulator's"), "{text}");
    assert_eq!((sha256(&db), files(d.path())), before);
}

#[test]
fn exec_refused_by_its_target_seeds_no_source() {
    let d = tempdir();
    let profile = small_saas(d.path());
    let schema = d.path().join("target.sql");
    std::fs::write(
        &schema,
        "CREATE TABLE organizations (id INTEGER PRIMARY KEY);\nCREATE TABLE users (id TEXT PRIMARY KEY REFERENCES nowhere);\nCREATE TABLE oops (;\n",
    )
    .unwrap();
    let before = files(d.path());
    understudy("rehearse")
        .profile(&profile)
        .users(50)
        .flag(
            "--source",
            format!("sqlite:{}", d.path().join("src.db").display()),
        )
        .sqlite(&d.path().join("dst.db"))
        .flag("--schema", &schema)
        .flag("--exec", "true")
        .run()
        .code(2)
        .text_contains("line 3");
    assert_eq!(files(d.path()), before, "the refused run left files");
}

/// Rows referencing a refused row of another table (loaded earlier, or by
/// an earlier run that `--resume` continues) are attributed to it.
#[test]
fn rejects_referencing_a_refused_row_of_another_table_carry_its_label_across_resume() {
    let d = tempdir();
    let profile = d.path().join("orgs.toml");
    std::fs::write(
        &profile,
        r#"name = "orgs"
[passwords]
pool_size = 4
mix = [ { format = "bcrypt", share = 1, params = { cost = 4 } } ]
[tables.organizations]
rows = 40
[tables.organizations.columns]
id   = { kind = "sequence" }
name = { kind = "text", min_words = 1, max_words = 4 }
[tables.users.columns]
id            = { kind = "uuid" }
org_id        = { kind = "reference", table = "organizations", dist = "uniform" }
email         = { kind = "email", unique = true }
password_hash = { kind = "password_hash" }
"#,
    )
    .unwrap();
    let schema = d.path().join("schema.sql");
    std::fs::write(
        &schema,
        "CREATE TABLE organizations (id INTEGER PRIMARY KEY, name TEXT NOT NULL CHECK (length(name) <= 15));
         CREATE TABLE users (id TEXT PRIMARY KEY, org_id INTEGER REFERENCES organizations (id),
           email TEXT NOT NULL, password_hash TEXT);",
    )
    .unwrap();
    let db = d.path().join("t.db");
    let rej = d.path().join("rejects.jsonl");
    let load = || {
        understudy("rehearse")
            .profile(&profile)
            .users(400)
            .sqlite(&db)
            .flag("--schema", &schema)
            .flag("--rejects", &rej)
            .arg("--resume")
            .arg("-q")
    };
    let users_rejects = || -> Vec<Vec<String>> {
        std::fs::read_to_string(&rej)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|v| v["table"] == "users")
            .map(|v| {
                v["labels"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| l.as_str().unwrap().to_string())
                    .collect()
            })
            .collect()
    };
    load().run().code(0);
    let first = users_rejects();
    assert!(
        !first.is_empty(),
        "no user referenced a refused organization"
    );
    for l in &first {
        assert_eq!(l, &["parent:no-edge-case:too_long"]);
    }
    // As if the first run had been killed once the organizations were in.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(
            "DELETE FROM users; DELETE FROM _understudy_progress WHERE tbl = 'users';
             DELETE FROM _understudy_rejects WHERE tbl = 'users';",
        )
        .unwrap();
    load().run().code(0);
    let second = users_rejects();
    assert!(
        second == first,
        "{} rejects, labelled {:?} after --resume",
        second.len(),
        second.iter().collect::<BTreeSet<_>>()
    );
}

/// An application whose tables live in their own schema (`app.users`):
/// its dump is refused with the way to reach them, then loads through it.
#[test]
fn postgres_dump_of_another_schema_says_how_to_reach_it() {
    let Some(pg) = Postgres::shared() else {
        return;
    };
    let d = tempdir();
    let profile = small_saas(d.path());
    let in_app = |dsn: String| format!("{dsn}?options=-csearch_path%3Dapp");
    let rehearse = |users: u32, target: &str| {
        understudy("rehearse")
            .profile(&profile)
            .users(users)
            .target(target)
    };
    let src = pg.create_db("src");
    pg.client("src").batch_execute("CREATE SCHEMA app").unwrap();
    rehearse(1, &in_app(src))
        .arg("--no-verify")
        .arg("-q")
        .run()
        .code(0);
    let dump = d.path().join("app.sql");
    pg_dump(pg, "src", &dump, "app._understudy*");
    let sql = std::fs::read_to_string(&dump).unwrap();
    assert!(sql.contains("CREATE TABLE app.users ("), "{sql}");
    let dst = pg.create_db("dst");
    rehearse(10, &dst)
        .flag("--schema", &dump)
        .run()
        .code(2)
        .text_contains("creates app.organizations")
        .text_contains("options=-csearch_path%3Dapp");
    let schemas: i64 = pg
        .client("dst")
        .query_one(
            "SELECT count(*) FROM pg_namespace WHERE nspname = 'app'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(schemas, 0, "the refused schema was left in the target");
    let rep = d.path().join("r.json");
    rehearse(200, &in_app(dst))
        .flag("--schema", &dump)
        .report(&rep)
        .run()
        .code(0);
    let r = json(&rep);
    assert_eq!(r["verify"]["ok"], true, "{}", r["verify"]);
    let n: i64 = pg
        .client("dst")
        .query_one("SELECT count(*) FROM app.users", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 200);
}
