//! Database passwords never show: not on the terminal, in error messages, in
//! the JSON or HTML report nor in any file a run writes, whatever characters
//! they hold and however they are written in the DSN. A real server with a
//! role whose password holds every printable ASCII character proves the DSN
//! reaches the driver intact (a wrong parse would fail authentication).

mod common;

use common::*;
use std::path::Path;
use understudy::emulate::{Api, Config, Emulator};

/// Every printable ASCII character, each followed by `Q`, so that any
/// leaked piece of 8 characters is recognisable and cannot occur by chance.
fn all_ascii() -> String {
    (0x20u8..0x7f).map(|b| format!("{}Q", b as char)).collect()
}

fn non_ascii() -> String {
    "Zé-ß€🔑中Ω\u{301}x?/@#".to_string()
}

/// As most users write it: raw, except `@` and `%`, which the driver needs encoded.
fn encode_needed(p: &str) -> String {
    p.chars()
        .map(|c| match c {
            '@' => "%40".to_string(),
            '%' => "%25".to_string(),
            c => c.to_string(),
        })
        .collect()
}

fn encode_all(p: &str) -> String {
    p.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// The text with JSON string escapes and HTML entities undone, so an escaped
/// password is found too.
fn unescaped(text: &str) -> Vec<String> {
    let json = text
        .replace("\\\"", "\"")
        .replace("\\\\", "\\")
        .replace("\\/", "/");
    let html = |s: &str| {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&#x27;", "'")
            .replace("&amp;", "&")
    };
    vec![text.to_string(), html(text), json.clone(), html(&json)]
}

/// Fails when any 8-character piece of `secret` (or the whole, if shorter)
/// shows in `text`.
fn assert_no_piece(text: &str, secret: &str, whence: &str) {
    let chars: Vec<char> = secret.chars().collect();
    let w = chars.len().min(8);
    for variant in unescaped(text) {
        for piece in chars.windows(w) {
            let piece: String = piece.iter().collect();
            assert!(
                !variant.contains(&piece),
                "{whence} shows {piece:?} of the password:\n{text}"
            );
        }
    }
}

/// Searches stdout, stderr and every file under `dir` for every spelling of
/// each secret.
fn assert_hidden(o: &Ran, dir: &Path, secrets: &[String]) {
    let mut texts = vec![
        (
            "stdout".to_string(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        ),
        (
            "stderr".to_string(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        ),
    ];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_none_or(|x| x != "db") {
                let bytes = std::fs::read(&p).unwrap();
                texts.push((
                    p.display().to_string(),
                    String::from_utf8_lossy(&bytes).into_owned(),
                ));
            }
        }
    }
    for (whence, text) in &texts {
        for s in secrets {
            assert_no_piece(text, s, whence);
        }
    }
}

fn spellings(p: &str) -> Vec<String> {
    vec![p.to_string(), encode_needed(p), encode_all(p)]
}

fn sql_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[test]
fn unreachable_and_malformed_targets_never_show_the_password() {
    let d = tempdir();
    let profile = small_saas(d.path());
    let port = closed_port();
    for p in [all_ascii(), non_ascii()] {
        for written in [encode_needed(&p), encode_all(&p)] {
            for dsn in [
                format!("postgres://qpw:{written}@127.0.0.1:{port}/qdb"),
                format!("postgresql://qpw:{written}@127.0.0.1:{port}/qdb?sslmode=disable"),
                format!(
                    "postgres://qpw@127.0.0.1:{port}/qdb?password={}",
                    encode_all(&p)
                ),
            ] {
                let out = d.path().join("out");
                std::fs::create_dir_all(&out).unwrap();
                let rehearse = || understudy("rehearse").users(5).flag("--retry-for", "2s");
                for run in [
                    rehearse().target(&dsn),
                    rehearse()
                        .target("sqlite:a.db")
                        .flag("--exec", "true")
                        .flag("--source", &dsn),
                    rehearse()
                        .target(&dsn)
                        .flag("--faults", "latency@0s+1s=1ms"),
                    understudy("estimate")
                        .flag("--production-users", "1000")
                        .target(&dsn),
                    understudy("jit")
                        .users(5)
                        .flag("--legacy", &dsn)
                        .flag("--new", "http://127.0.0.1:1")
                        .flag("--api", "okta"),
                ] {
                    let o = run.profile(&profile).current_dir(&out).run();
                    assert_ne!(o.status.code(), Some(0), "{dsn}: {}", o.err());
                    assert_hidden(&o, &out, &spellings(&p));
                }
            }
        }
        // The password as the driver would misread it (an unencoded `@`),
        // and in the other DSN forms: refused, not shown.
        for dsn in [
            format!(
                "postgres://qpw:{}@127.0.0.1:{port}/qdb",
                p.replace('%', "%25")
            ),
            format!(
                "host=127.0.0.1 port={port} password='{}'",
                p.replace('\\', "\\\\").replace('\'', "\\'")
            ),
            format!("https://qpw:{}@127.0.0.1:{port}/", encode_needed(&p)),
        ] {
            let o = understudy("rehearse")
                .users(5)
                .target(&dsn)
                .current_dir(d.path())
                .run()
                .code(2);
            assert_hidden(&o, d.path(), &spellings(&p));
        }
    }
}

#[test]
fn a_password_of_every_character_connects_and_never_shows() {
    let Some(pg) = Postgres::shared() else { return };
    let d = tempdir();
    let profile = small_saas(d.path());
    let secrets_all: Vec<String> = [all_ascii(), non_ascii()]
        .iter()
        .flat_map(|p| spellings(p))
        .collect();
    let mut admin = pg.client("postgres");
    for (i, p) in [all_ascii(), non_ascii()].iter().enumerate() {
        let role = format!("qpw{i}");
        admin
            .batch_execute(&format!(
                "CREATE ROLE {role} LOGIN PASSWORD {}",
                sql_literal(p)
            ))
            .unwrap();
        for db in ["qdb", "qsrc", "qjit"] {
            for k in 0..2 {
                admin
                    .batch_execute(&format!("CREATE DATABASE {db}{i}{k} OWNER {role}"))
                    .unwrap();
            }
        }
        for (k, written) in [encode_needed(p), encode_all(p)].iter().enumerate() {
            let dsn = |db: &str| format!("postgres://{role}:{written}@127.0.0.1:{}/{db}", pg.port);
            let target = dsn(&format!("qdb{i}{k}"));
            let source = dsn(&format!("qsrc{i}{k}"));
            let out = d.path().join(format!("run{i}{k}"));
            std::fs::create_dir_all(&out).unwrap();
            let base = || {
                understudy("rehearse")
                    .profile(&profile)
                    .users(40)
                    .report("r.json")
                    .html("r.html")
                    .current_dir(&out)
            };
            // A plain load, verified: the password reached the server intact.
            let o = base().target(&target).run().code(0);
            assert!(out.join("r.json").exists() && out.join("r.html").exists());
            let report = std::fs::read_to_string(out.join("r.json")).unwrap();
            assert!(
                report.contains(&format!("{role}:***@127.0.0.1")),
                "{report}"
            );
            assert_hidden(&o, &out, &secrets_all);
            // Through the fault proxy, and with --exec from a source (a
            // command that prints its environment and the source's DSN, and
            // repeats that DSN when shell quoting allows).
            let echo = "env; echo \"$UNDERSTUDY_SOURCE\" >&2";
            let exec_cmd = if source.contains('\'') {
                echo.to_string()
            } else {
                format!("{echo}; : '{source}'")
            };
            for extra in [
                vec![
                    "--target",
                    &target,
                    "--faults",
                    "latency@0s+1s=1ms",
                    "--resume",
                ],
                vec![
                    "--target",
                    "sqlite:t.db",
                    "--source",
                    &source,
                    "--exec",
                    &exec_cmd,
                ],
            ] {
                let o = base().args(&extra).run();
                assert!(
                    matches!(o.status.code(), Some(0 | 1)),
                    "{extra:?}: {}",
                    o.err()
                );
                assert_hidden(&o, &out, &secrets_all);
            }
            // estimate's scratch schemas go through a DSN built from this one
            // (a `?` in the password is not the start of a query).
            let o = understudy("estimate")
                .profile(&profile)
                .flag("--production-users", "4000")
                .flag("--sample-users", "200")
                .flag("--workers", "1")
                .flag("--repeat", "1")
                .report("e.json")
                .html("e.html")
                .target(&target)
                .current_dir(&out)
                .run()
                .code(0);
            assert_hidden(&o, &out, &secrets_all);
            // A JIT rehearsal whose legacy store is this database.
            let e = Emulator::start("127.0.0.1:0", {
                let mut c = Config::new(Api::Generic);
                c.hash_cost_light = true;
                c
            })
            .unwrap();
            let o = understudy("jit")
                .profile("ldap")
                .users(100)
                .flag("--days", "2")
                .flag("--hash-cost", "light")
                .flag("--api", "generic")
                .report("j.json")
                .html("j.html")
                .flag("--new", format!("http://{}", e.addr))
                .flag("--legacy", dsn(&format!("qjit{i}{k}")))
                .current_dir(&out)
                .run()
                .code(0);
            assert!(out.join("j.json").exists());
            assert_hidden(&o, &out, &secrets_all);
            // A wrong password: the server's refusal, redacted.
            let wrong = target.replacen(&format!(":{written}@"), &format!(":{written}X@"), 1);
            let o = base().target(&wrong).run().code(3);
            assert_hidden(&o, &out, &secrets_all);
        }
    }
}

#[test]
fn a_dsn_without_password_uses_pgpassword_and_says_so_when_it_is_missing() {
    let Some(pg) = Postgres::shared() else { return };
    let d = tempdir();
    let profile = small_saas(d.path());
    pg.client("postgres")
        .batch_execute("CREATE DATABASE nopw")
        .unwrap();
    let dsn = format!("postgres://understudy@127.0.0.1:{}/nopw", pg.port);
    let load = || {
        understudy("rehearse")
            .profile(&profile)
            .users(20)
            .target(&dsn)
            .current_dir(d.path())
    };
    load()
        .env_remove("PGPASSWORD")
        .run()
        .code(3)
        .stderr_contains("password")
        .stderr_contains("PGPASSWORD");
    let o = load().env("PGPASSWORD", &pg.password).run().code(0);
    assert_hidden(&o, d.path(), std::slice::from_ref(&pg.password));
}

#[test]
fn report_show_and_html_redact_a_report_that_holds_a_password() {
    let d = tempdir();
    let profile = small_saas(d.path());
    let rep = d.path().join("r.json");
    let db = format!("sqlite:{}", d.path().join("r.db").display());
    understudy("rehearse")
        .profile(&profile)
        .users(10)
        .arg("--quiet")
        .target(&db)
        .report(&rep)
        .run()
        .success();
    let p = all_ascii();
    let mut r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&rep).unwrap()).unwrap();
    r["target"] = format!("postgres://qpw:{}@db.example/app", encode_needed(&p)).into();
    r["source"] = format!("postgres://qpw:{}@db.example/src", encode_all(&p)).into();
    std::fs::write(&rep, serde_json::to_string(&r).unwrap()).unwrap();
    let out = d.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let report = |how: &str| understudy("report").arg(how).arg(&rep).current_dir(&out);
    let o = report("show")
        .run()
        .code(0)
        .stdout_contains("qpw:***@db.example");
    assert_hidden(&o, &out, &spellings(&p));
    let o = report("html").flag("--out", "r.html").run().code(0);
    assert!(out.join("r.html").exists());
    assert_hidden(&o, &out, &spellings(&p));
}
