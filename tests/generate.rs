//! `understudy generate`: the acceptance points of the generator foundation,
//! scaled down (the full sizes run as `#[ignore]` tests and in benches/).

mod common;

use common::*;
use std::collections::{HashMap, HashSet};
use std::path::Path;

const RESERVED_SUFFIXES: &[&str] = &[
    ".test",
    ".example",
    ".invalid",
    ".localhost",
    "example.com",
    "example.net",
    "example.org",
];

/// `generate --quiet` into `dir`, to add flags to.
fn gen_into(dir: &Path) -> Understudy {
    understudy("generate").arg("--quiet").flag("--out", dir)
}

fn run_gen(dir: &Path, extra: &[&str]) {
    gen_into(dir).args(extra).run().success();
}

fn saas(dir: &Path, users: &str, extra: &[&str]) {
    gen_into(dir)
        .profile("saas")
        .users(users)
        .flag("--hash-mode", "shape")
        .args(extra)
        .run()
        .success();
}

/// The checks of the 1M-user acceptance run, on any directory.
fn check_dataset(dir: &Path, users: usize) {
    let m = manifest(dir);
    let mut pks: HashMap<String, HashSet<String>> = HashMap::new();
    let mut tables = HashMap::new();
    for t in m["tables"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap().to_string();
        let (header, rows) = read_csv(&dir.join(t["file"].as_str().unwrap()));
        assert_eq!(
            rows.len() as u64,
            t["rows"].as_u64().unwrap(),
            "manifest rows of {name}"
        );
        let pk: Vec<usize> = t["primary_key"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                header
                    .iter()
                    .position(|h| h == k.as_str().unwrap())
                    .unwrap()
            })
            .collect();
        let keys: HashSet<String> = rows
            .iter()
            .map(|r| {
                pk.iter()
                    .map(|&i| r[i].clone().expect("pk not null"))
                    .collect::<Vec<_>>()
                    .join("\u{1}")
            })
            .collect();
        assert_eq!(keys.len(), rows.len(), "primary key of {name} is unique");
        pks.insert(name.clone(), keys);
        tables.insert(name, (header, rows, t.clone()));
    }
    let (uh, urows, _) = &tables["users"];
    assert_eq!(urows.len(), users);
    let ei = uh.iter().position(|h| h == "email").unwrap();
    let mut seen = HashSet::new();
    for r in urows {
        let e = r[ei].as_ref().unwrap();
        assert!(
            seen.insert(e.to_lowercase()),
            "duplicate email (case-insensitive): {e}"
        );
        let domain = e.rsplit('@').next().unwrap();
        assert!(
            RESERVED_SUFFIXES.iter().any(|s| domain.ends_with(s)),
            "non-reserved domain: {e}"
        );
        let local = e.split('@').next().unwrap();
        assert!(
            !local.is_empty() && local.len() <= 64 && e.len() <= 254,
            "email too long: {e}"
        );
    }
    for (name, (header, rows, t)) in &tables {
        for fk in t["foreign_keys"].as_array().unwrap() {
            let col = header
                .iter()
                .position(|h| h == fk["column"].as_str().unwrap())
                .unwrap();
            let target = &pks[fk["references_table"].as_str().unwrap()];
            for r in rows {
                if let Some(v) = &r[col] {
                    assert!(
                        target.contains(v),
                        "{name}.{} = {v} has no parent",
                        fk["column"]
                    );
                }
            }
        }
    }
}

#[test]
fn saas_dataset_is_consistent() {
    let d = tempdir();
    saas(d.path(), "20000", &[]);
    check_dataset(d.path(), 20_000);
    let m = manifest(d.path());
    let names: Vec<&str> = m["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for t in [
        "users",
        "organizations",
        "user_profiles",
        "sessions",
        "roles",
        "user_roles",
    ] {
        assert!(names.contains(&t), "{t} in {names:?}");
    }
    // Parents load before children.
    let at = |n: &str| names.iter().position(|x| *x == n).unwrap();
    assert!(
        at("organizations") < at("users")
            && at("users") < at("sessions")
            && at("roles") < at("user_roles")
    );
    assert_eq!(m["seed"], 42);
    assert_eq!(m["profile"]["name"], "saas");
    assert_eq!(m["hashes"][0]["mode"], "shape");
    assert_eq!(m["hashes"][0]["verifiable"], false);
}

#[test]
#[ignore = "full size: 1M saas users (about a minute); run with --ignored"]
fn saas_one_million_users() {
    let d = tempdir();
    run_gen(
        d.path(),
        &["--profile", "saas", "--users", "1000000", "--seed", "7"],
    );
    check_dataset(d.path(), 1_000_000);
}

fn data_rows(path: &Path, header_lines: usize) -> Vec<u8> {
    let text = std::fs::read(path).unwrap();
    let mut at = 0;
    for _ in 0..header_lines {
        at += text[at..].iter().position(|&b| b == b'\n').unwrap() + 1;
    }
    text[at..].to_vec()
}

#[test]
fn thread_count_never_changes_bytes() {
    for format in ["csv", "jsonl", "sql"] {
        let (a, b) = (tempdir(), tempdir());
        saas(a.path(), "15000", &["--threads", "1", "--format", format]);
        saas(b.path(), "15000", &["--threads", "2", "--format", format]);
        let files: Vec<_> = std::fs::read_dir(a.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(files.len() >= 7);
        for f in files {
            assert_eq!(
                sha256(&a.path().join(&f)),
                sha256(&b.path().join(&f)),
                "{format}: {f:?} differs between 1 and 2 threads"
            );
        }
    }
}

#[test]
fn shards_concatenate_to_the_whole() {
    // Not a multiple of the chunk size, so shard edges fall inside chunks.
    let users = "20011";
    let whole = tempdir();
    saas(whole.path(), users, &[]);
    let shards: Vec<_> = (1..=3).map(|_| tempdir()).collect();
    for (k, d) in shards.iter().enumerate() {
        saas(d.path(), users, &["--shard", &format!("{}/3", k + 1)]);
    }
    let m = manifest(whole.path());
    for t in m["tables"].as_array().unwrap() {
        let file = t["file"].as_str().unwrap();
        let mut joined = Vec::new();
        let mut digest = 0u128;
        for d in &shards {
            joined.extend(data_rows(&d.path().join(file), 1));
            let sm = manifest(d.path());
            let st = sm["tables"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["file"] == file)
                .unwrap();
            digest = digest
                .wrapping_add(u128::from_str_radix(st["digest"].as_str().unwrap(), 16).unwrap());
        }
        assert!(
            joined == data_rows(&whole.path().join(file), 1),
            "{file}: shards differ from the whole"
        );
        assert_eq!(
            format!("{digest:032x}"),
            t["digest"].as_str().unwrap(),
            "{file}: shard digests add up"
        );
    }
}

#[test]
fn csv_and_jsonl_carry_the_same_values() {
    let (c, j) = (tempdir(), tempdir());
    saas(c.path(), "3000", &[]);
    saas(j.path(), "3000", &["--format", "jsonl"]);
    let m = manifest(c.path());
    for t in m["tables"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        let (header, rows) = read_csv(&c.path().join(format!("{name}.csv")));
        let text = std::fs::read_to_string(j.path().join(format!("{name}.jsonl"))).unwrap();
        let objs: Vec<serde_json::Map<String, serde_json::Value>> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
            .collect();
        assert_eq!(objs.len(), rows.len(), "{name}");
        for (r, o) in rows.iter().zip(&objs) {
            assert_eq!(
                o.keys().collect::<Vec<_>>(),
                header.iter().collect::<Vec<_>>(),
                "{name}: column order"
            );
            for (h, v) in header.iter().zip(r) {
                let jv = &o[h];
                match (v, jv) {
                    (None, serde_json::Value::Null) => {}
                    (Some(s), serde_json::Value::String(js)) => assert_eq!(s, js, "{name}.{h}"),
                    (
                        Some(s),
                        other @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_)),
                    ) => {
                        assert_eq!(s, &other.to_string(), "{name}.{h}")
                    }
                    (Some(s), obj @ serde_json::Value::Object(_)) => {
                        let parsed: serde_json::Value =
                            serde_json::from_str(s).expect("JSON column in CSV");
                        assert_eq!(&parsed, obj, "{name}.{h}");
                    }
                    (a, b) => panic!("{name}.{h}: CSV {a:?} vs JSONL {b:?}"),
                }
            }
        }
    }
}

#[test]
fn sql_scripts_load_into_sqlite_with_the_csv_values() {
    let (s, c) = (tempdir(), tempdir());
    saas(
        s.path(),
        "2000",
        &["--format", "sql", "--sql-dialect", "sqlite"],
    );
    saas(c.path(), "2000", &[]);
    let db = rusqlite::Connection::open_in_memory().unwrap();
    db.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
    let m = manifest(s.path());
    for t in m["tables"].as_array().unwrap() {
        let sql = std::fs::read_to_string(s.path().join(t["file"].as_str().unwrap())).unwrap();
        db.execute_batch(&sql)
            .unwrap_or_else(|e| panic!("{}: {e}", t["file"]));
    }
    let (header, rows) = read_csv(&c.path().join("users.csv"));
    let cols = header
        .iter()
        .map(|h| format!("CAST(\"{h}\" AS TEXT)"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = db.prepare(&format!("SELECT {cols} FROM users")).unwrap();
    let got: Vec<Vec<Option<String>>> = stmt
        .query_map([], |r| {
            (0..header.len())
                .map(|i| r.get::<_, Option<String>>(i))
                .collect()
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(got.len(), rows.len());
    let bool_col = header.iter().position(|h| h == "email_verified").unwrap();
    for (g, r) in got.iter().zip(&rows) {
        for (i, (a, b)) in g.iter().zip(r).enumerate() {
            if i == bool_col {
                // SQLite stores TRUE/FALSE as 1/0.
                assert_eq!(
                    a.as_deref().map(|v| v == "1"),
                    b.as_deref().map(|v| v == "true")
                );
            } else {
                assert_eq!(a, b, "column {}", header[i]);
            }
        }
    }
}

#[test]
fn postgres_sql_uses_copy_and_mysql_uses_inserts() {
    let (p, my) = (tempdir(), tempdir());
    saas(p.path(), "50", &["--format", "sql"]);
    saas(
        my.path(),
        "50",
        &["--format", "sql", "--sql-dialect", "mysql"],
    );
    let pg = std::fs::read_to_string(p.path().join("users.sql")).unwrap();
    assert!(pg.contains("CREATE TABLE IF NOT EXISTS \"users\""));
    assert!(pg.contains("COPY \"users\" ("));
    assert!(pg.trim_end().ends_with("\\."));
    assert!(pg.contains("\"id\" uuid NOT NULL"));
    let ms = std::fs::read_to_string(my.path().join("users.sql")).unwrap();
    assert!(ms.contains("INSERT INTO `users` ("));
    assert!(ms.contains("utf8mb4"));
    assert!(
        !ms.contains("T12:") || !ms.contains("Z'"),
        "MySQL DATETIME literals have no T/Z"
    );
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let (a, b, c) = (tempdir(), tempdir(), tempdir());
    saas(a.path(), "500", &["--seed", "9"]);
    saas(b.path(), "500", &["--seed", "9"]);
    saas(c.path(), "500", &["--seed", "10"]);
    assert_eq!(
        sha256(&a.path().join("users.csv")),
        sha256(&b.path().join("users.csv"))
    );
    assert_ne!(
        sha256(&a.path().join("users.csv")),
        sha256(&c.path().join("users.csv"))
    );
    assert_eq!(
        sha256(&a.path().join("manifest.json")),
        sha256(&b.path().join("manifest.json"))
    );
}

#[test]
fn stdout_streams_the_users_table_alone() {
    let out = gen_into(Path::new("-"))
        .profile("bench-8")
        .users(1234)
        .run()
        .success();
    let text = String::from_utf8(out.stdout).unwrap();
    let rows = parse_csv(&text);
    assert_eq!(rows.len(), 1235);
    assert_eq!(
        rows[0]
            .iter()
            .map(|f| f.clone().unwrap())
            .collect::<Vec<_>>(),
        [
            "id",
            "email",
            "first_name",
            "last_name",
            "username",
            "created_at",
            "country",
            "phone"
        ]
    );
}

#[test]
fn bench8_stays_small_in_memory() {
    let (status, kib) = run_peak_rss(
        bin()
            .args([
                "generate",
                "--profile",
                "bench-8",
                "--users",
                "2000000",
                "--out",
                "-",
                "--quiet",
            ])
            .stdout(std::process::Stdio::null()),
    );
    assert!(status.success());
    assert!(kib < 100 * 1024, "peak RSS {kib} KiB for 2M users");
}

#[test]
#[ignore = "full size: 10M users; run with --ignored"]
fn bench8_ten_million_users_under_100_mb() {
    let (status, kib) = run_peak_rss(
        bin()
            .args([
                "generate",
                "--profile",
                "bench-8",
                "--users",
                "10000000",
                "--out",
                "-",
                "--quiet",
            ])
            .stdout(std::process::Stdio::null()),
    );
    assert!(status.success());
    println!("peak RSS {kib} KiB");
    assert!(kib < 100 * 1024, "peak RSS {kib} KiB for 10M users");
}

#[test]
fn refuses_a_non_empty_directory_without_force() {
    let d = tempdir();
    std::fs::write(d.path().join("keep.txt"), "mine").unwrap();
    understudy("generate")
        .users(10)
        .flag("--hash-mode", "shape")
        .flag("--out", d.path())
        .run()
        .code(2)
        .stderr_contains("--force");
    assert!(!d.path().join("users.csv").exists());
    saas(d.path(), "10", &["--force"]);
    assert!(d.path().join("users.csv").exists() && d.path().join("keep.txt").exists());
}

#[test]
fn passwords_only_on_request_and_private() {
    let d = tempdir();
    saas(d.path(), "100", &[]);
    assert!(!d.path().join("passwords.csv").exists());
    let e = tempdir();
    saas(e.path(), "100", &["--emit-passwords"]);
    let p = e.path().join("passwords.csv");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let (header, rows) = read_csv(&p);
    assert_eq!(header, ["id", "password"]);
    assert_eq!(rows.len(), 100);
    let (_, users) = read_csv(&e.path().join("users.csv"));
    for (u, p) in users.iter().zip(&rows) {
        assert_eq!(u[0], p[0]);
        assert!(!p[1].as_ref().unwrap().is_empty());
    }
    assert_eq!(manifest(e.path())["passwords_file"], "passwords.csv");
}

#[test]
fn pooled_hashes_verify_against_emitted_passwords() {
    let d = tempdir();
    let profile = d.path().join("p.toml");
    std::fs::write(
        &profile,
        r#"name = "pool-test"
[passwords]
pool_size = 8
mix = [ { format = "bcrypt", share = 1, params = { cost = 4 } }, { format = "argon2id", share = 1, params = { m = 1024, t = 1 } } ]
[tables.users.columns]
id = { kind = "sequence" }
email = { kind = "email" }
password_hash = { kind = "password_hash" }
"#,
    )
    .unwrap();
    let out = d.path().join("out");
    gen_into(&out)
        .profile(&profile)
        .users(60)
        .arg("--emit-passwords")
        .run()
        .success();
    let (_, users) = read_csv(&out.join("users.csv"));
    let (_, pw) = read_csv(&out.join("passwords.csv"));
    let mut formats = HashSet::new();
    for (u, p) in users.iter().zip(&pw) {
        let (hash, password) = (u[2].as_ref().unwrap(), p[1].as_ref().unwrap());
        if hash.starts_with("$2b$04$") {
            assert!(
                bcrypt::verify(password, hash).unwrap(),
                "{password} / {hash}"
            );
            formats.insert("bcrypt");
        } else {
            assert!(hash.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{hash}");
            use argon2::PasswordVerifier;
            let parsed = argon2::PasswordHash::new(hash).unwrap();
            assert!(
                argon2::Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            );
            formats.insert("argon2id");
        }
    }
    assert_eq!(formats.len(), 2);
    let m = manifest(&out);
    assert_eq!(m["hashes"][0]["mode"], "pool");
    assert_eq!(m["hashes"][0]["pool_size"], 8);
    assert_eq!(m["hashes"][0]["verifiable"], true);
}

#[test]
fn real_email_domains_need_permission() {
    let d = tempdir();
    let dir = d.path().join("o");
    understudy("generate")
        .users(5)
        .flag("--hash-mode", "shape")
        .flag("--domains", "gmail.com=3,example.com")
        .flag("--out", &dir)
        .run()
        .code(2)
        .stderr_contains("gmail.com");
    gen_into(&dir)
        .users(50)
        .flag("--hash-mode", "shape")
        .flag("--domains", "acme.test")
        .run()
        .success();
    let (h, rows) = read_csv(&dir.join("users.csv"));
    let ei = h.iter().position(|x| x == "email").unwrap();
    assert!(
        rows.iter()
            .all(|r| r[ei].as_ref().unwrap().ends_with("@acme.test"))
    );
}

#[test]
fn unknown_profile_key_is_explained() {
    let d = tempdir();
    let p = d.path().join("typo.toml");
    std::fs::write(&p, "name = \"t\"\n[tables.users.columns]\nid = { kind = \"uuid\" }\nemail = { kind = \"email\", nul_rate = 0.1 }\n").unwrap();
    let err = understudy("generate")
        .profile(&p)
        .users(5)
        .flag("--out", d.path().join("o"))
        .run()
        .code(2)
        .err();
    assert!(err.contains("typo.toml:4:27"), "{err}");
    assert!(err.contains("nul_rate"), "{err}");
    assert!(err.contains("did you mean `null_rate`"), "{err}");
    assert!(err.contains("valid keys here"), "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn light_cost_keeps_formats_and_salt_columns_verify() {
    let d = tempdir();
    let profile = d.path().join("salted.toml");
    std::fs::write(
        &profile,
        r#"name = "salted"
[passwords]
pool_size = 8
mix = [ { format = "salted-sha256-hex", share = 1, params = { salt_position = "suffix" } }, { format = "pbkdf2-sha256-django", share = 1 }, { format = "bcrypt-2y", share = 1 } ]
[tables.users.columns]
id = { kind = "sequence" }
password_hash = { kind = "password_hash" }
password_salt = { kind = "password_salt" }
"#,
    )
    .unwrap();
    let out = d.path().join("o");
    gen_into(&out)
        .profile(&profile)
        .users(60)
        .flag("--hash-cost", "light")
        .arg("--emit-passwords")
        .run()
        .success();
    let m = manifest(&out);
    for h in m["hashes"].as_array().unwrap() {
        assert_eq!(h["cost"], "light");
    }
    assert_eq!(
        m["hashes"][0]["params"]["salt_position"], "suffix",
        "light mode keeps non-work parameters"
    );
    let (_, users) = read_csv(&out.join("users.csv"));
    let (_, pw) = read_csv(&out.join("passwords.csv"));
    let mut jsonl = String::new();
    let mut kinds = HashSet::new();
    for (u, p) in users.iter().zip(&pw) {
        let hash = u[1].clone().unwrap();
        let mut rec = serde_json::json!({"password": p[1].clone().unwrap(), "hash": hash});
        if let Some(salt) = &u[2] {
            rec["salt"] = salt.clone().into();
            rec["format"] = "salted-sha256-hex".into();
            rec["params"] = serde_json::json!({"salt_position": "suffix"});
            kinds.insert("salted");
        } else if hash.starts_with("$2y$04$") {
            kinds.insert("bcrypt-2y");
        } else {
            assert!(hash.starts_with("pbkdf2_sha256$1000$"), "{hash}");
            kinds.insert("pbkdf2");
        }
        jsonl.push_str(&rec.to_string());
        jsonl.push('\n');
    }
    assert_eq!(kinds.len(), 3);
    let o = understudy("hash")
        .arg("verify")
        .stdin(jsonl)
        .run()
        .success();
    assert_eq!(
        String::from_utf8(o.stdout)
            .unwrap()
            .lines()
            .filter(|l| *l == "ok")
            .count(),
        60
    );
}

#[test]
fn pools_are_cached_unless_told_not_to() {
    let d = tempdir();
    let cache = d.path().join("cache");
    let gen_with_cache = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "generate",
            "--quiet",
            "--profile",
            "saas",
            "--users",
            "300",
            "--hash-cost",
            "light",
            "--out",
        ];
        let out = d.path().join(out);
        args.push(out.to_str().unwrap());
        args.extend_from_slice(extra);
        let o = bin()
            .env("XDG_CACHE_HOME", &cache)
            .args(&args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out
    };
    let a = gen_with_cache("nocache", &["--no-cache"]);
    assert!(
        !cache.exists()
            || std::fs::read_dir(cache.join("understudy"))
                .map(|d| d.count())
                .unwrap_or(0)
                == 0
    );
    let b = gen_with_cache("cold", &[]);
    let cached = std::fs::read_dir(cache.join("understudy")).unwrap().count();
    assert_eq!(cached, 2, "one cache file per format and parameter set");
    let c = gen_with_cache("warm", &[]);
    for f in ["users.csv", "manifest.json"] {
        assert_eq!(
            sha256(&a.join(f)),
            sha256(&b.join(f)),
            "{f}: cache changes nothing"
        );
        assert_eq!(
            sha256(&b.join(f)),
            sha256(&c.join(f)),
            "{f}: warm cache changes nothing"
        );
    }
}

#[test]
fn light_cost_changes_work_factors_never_passwords() {
    let d = tempdir();
    let profile = d.path().join("costly.toml");
    std::fs::write(
        &profile,
        r#"name = "costly"
[passwords]
pool_size = 16
mix = [ { format = "bcrypt", share = 3, params = { cost = 6 } }, { format = "pbkdf2-sha256-django", share = 1, params = { iterations = 5000 } } ]
[tables.users.columns]
id = { kind = "sequence" }
password_hash = { kind = "password_hash" }
"#,
    )
    .unwrap();
    let run_at = |cost: &str| {
        let out = d.path().join(cost);
        gen_into(&out)
            .arg("--no-cache")
            .profile(&profile)
            .users(300)
            .flag("--seed", "5")
            .flag("--hash-cost", cost)
            .arg("--emit-passwords")
            .run()
            .success();
        let (_, users) = read_csv(&out.join("users.csv"));
        let (_, pw) = read_csv(&out.join("passwords.csv"));
        (users, pw)
    };
    let (full_users, full_pw) = run_at("profile");
    let (light_users, light_pw) = run_at("light");
    assert_eq!(full_pw.len(), 300);
    let differ = full_pw
        .iter()
        .zip(&light_pw)
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(
        differ, 0,
        "{differ} of 300 passwords differ with --hash-cost light"
    );
    // The cost did change: the work factors, and so every hash.
    let hash = |u: &[Field]| u[1].clone().unwrap();
    assert!(full_users.iter().any(|u| hash(u).starts_with("$2b$06$")));
    assert!(light_users.iter().any(|u| hash(u).starts_with("$2b$04$")));
    assert!(
        full_users
            .iter()
            .zip(&light_users)
            .all(|(a, b)| hash(a) != hash(b))
    );
}

#[test]
fn child_tables_may_hold_unique_usernames_and_emails() {
    let d = tempdir();
    let profile = d.path().join("logins.toml");
    std::fs::write(
        &profile,
        r#"name = "logins"
[tables.users.columns]
id = { kind = "sequence" }
email = { kind = "email" }
[tables.logins]
parent = "users"
per_parent = { dist = "uniform", min = 0, max = 6 }
[tables.logins.columns]
id = { kind = "sequence" }
user_id = { kind = "parent" }
username = { kind = "username" }
email = { kind = "email" }
"#,
    )
    .unwrap();
    let out = d.path().join("o");
    let started = std::time::Instant::now();
    let mut child = bin()
        .args(["generate", "--quiet", "--profile"])
        .arg(&profile)
        .args(["--users", "500", "--out"])
        .arg(&out)
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > std::time::Duration::from_secs(20) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("generate hangs on a username column in a child table");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success());
    let (h, rows) = read_csv(&out.join("logins.csv"));
    assert!(rows.len() > 1000, "{}", rows.len());
    for col in ["username", "email"] {
        let c = h.iter().position(|x| x == col).unwrap();
        let distinct: HashSet<String> = rows.iter().map(|r| r[c].clone().unwrap()).collect();
        assert_eq!(
            distinct.len(),
            rows.len(),
            "{col} unique in the child table"
        );
    }
}

/// Peak RSS (VmHWM) of a running process, in KiB.
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[test]
fn a_hundred_trillion_users_stream_at_flat_memory() {
    use std::io::Read;
    let mut child = bin()
        .args([
            "generate",
            "--quiet",
            "--hash-mode",
            "shape",
            "--users",
            "99999999999999",
            "--out",
            "-",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0usize;
        while total < 96 << 20 {
            match stdout.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
        let _ = tx.send(total);
        stdout
    });
    let started = std::time::Instant::now();
    let mut peak = 0;
    let read = loop {
        if let Some(k) = vm_hwm_kib(pid) {
            peak = peak.max(k);
        }
        assert!(peak < 150 * 1024, "peak RSS {peak} KiB and growing");
        if let Ok(n) = rx.try_recv() {
            break n;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "no 96 MiB of output in 120 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    // Still running (it has 10^14 users to go), still small.
    let hwm = vm_hwm_kib(pid).expect("still running");
    child.kill().unwrap();
    child.wait().unwrap();
    drop(reader.join().unwrap());
    assert!(read >= 96 << 20, "{read} bytes");
    assert!(hwm < 150 * 1024, "peak RSS {hwm} KiB after 96 MiB");
}

#[test]
fn sizes_past_the_index_space_are_refused_at_once() {
    let d = tempdir();
    let out = d.path().join("o");
    let cases: &[(&[&str], &str)] = &[
        (&["generate", "--users", "9999999999999999999"], "2^62"),
        (
            &[
                "generate",
                "--users",
                "99999999999999",
                "--edge-rate",
                "0.1",
            ],
            "at most 9,999,999,999 rows",
        ),
        (
            &["generate", "--users", "10", "--threads", "100000"],
            "from 1 to 1024",
        ),
        // Children: users × up to 200 sessions each.
        (&["generate", "--users", "40000000000000000"], "sessions"),
        (
            &["generate", "--users", "99999999999999", "--shard", "2/2"],
            "starts at user 49,999,999,999,999",
        ),
        (
            &["rehearse", "--users", "99999999999999"],
            "at most 10,000,000,000",
        ),
        (
            &["estimate", "--production-users", "99999999999999"],
            "at most 10,000,000,000",
        ),
    ];
    for (args, want) in cases {
        let started = std::time::Instant::now();
        let target = format!("sqlite:{}", d.path().join("t.db").display());
        let o = bin()
            .args(*args)
            .args(if args[0] == "generate" {
                vec!["--out", out.to_str().unwrap()]
            } else {
                vec!["--target", &target]
            })
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("memory allocation"),
            "{err}"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{args:?} not at once"
        );
        assert!(
            !out.exists() && !d.path().join("t.db").exists(),
            "{args:?} left files"
        );
    }
}

/// Every entry of a directory, hidden ones included.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn sigint_leaves_no_file_that_looks_complete() {
    let d = tempdir();
    let out = d.path().join("o");
    let child = bin()
        .args([
            "generate",
            "--hash-mode",
            "shape",
            "--users",
            "20000000",
            "--out",
        ])
        .arg(&out)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until output has started: some file in the directory has bytes.
    let started = std::time::Instant::now();
    loop {
        let writing = std::fs::read_dir(&out).is_ok_and(|r| {
            r.flatten()
                .any(|e| e.metadata().is_ok_and(|m| m.len() > 1 << 20))
        });
        if writing {
            break;
        }
        assert!(started.elapsed().as_secs() < 60, "no output after 60 s");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{:?} {err}", o.status);
    assert!(err.contains("interrupted"), "{err}");
    assert!(
        err.contains("manifest.json"),
        "says what is incomplete: {err}"
    );
    assert_eq!(entries(&out), Vec::<String>::new(), "files left behind");
}

#[test]
fn a_full_disk_names_the_file_and_leaves_no_partial_files() {
    use std::os::unix::process::CommandExt;
    let d = tempdir();
    // A file-size limit: writes past 1 MiB fail as on a full disk (EFBIG),
    // without needing a small filesystem.
    let out = d.path().join("o");
    let mut cmd = bin();
    cmd.args([
        "generate",
        "--quiet",
        "--hash-mode",
        "shape",
        "--users",
        "30000",
        "--out",
    ])
    .arg(&out);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit {
                rlim_cur: 1 << 20,
                rlim_max: 1 << 20,
            };
            libc::setrlimit(libc::RLIMIT_FSIZE, &lim);
            Ok(())
        });
    }
    let o = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("{}/", out.display())) && err.contains(".csv"),
        "{err}"
    );
    assert_eq!(entries(&out), Vec::<String>::new(), "files left behind");

    // A real full disk, where a small tmpfs can be mounted (root).
    let mnt = d.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let mounted = unsafe { libc::geteuid() } == 0
        && std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
            .arg(&mnt)
            .status()
            .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("note: no tmpfs could be mounted; the file-size limit stood in for a full disk");
        return;
    }
    let out = mnt.join("o");
    let o = gen_into(&out)
        .flag("--hash-mode", "shape")
        .users(30000)
        .run();
    let left = entries(&out);
    let _ = std::process::Command::new("umount").arg(&mnt).status();
    let err = o.err();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    assert!(err.contains(&format!("{}/", out.display())), "{err}");
    assert_eq!(left, Vec::<String>::new(), "files left behind");
}

#[test]
fn force_removes_what_the_earlier_run_wrote() {
    let d = tempdir();
    let out = d.path().join("o");
    saas(&out, "200", &["--edge-rate", "0.5", "--emit-passwords"]);
    assert!(out.join("labels.csv").exists() && out.join("passwords.csv").exists());
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    saas(&out, "200", &["--format", "jsonl", "--force"]);
    assert_eq!(
        entries(&out),
        [
            "manifest.json",
            "notes.txt",
            "organizations.jsonl",
            "roles.jsonl",
            "sessions.jsonl",
            "unrepresentable.jsonl",
            "user_profiles.jsonl",
            "user_roles.jsonl",
            "users.jsonl"
        ]
    );
}
