//! `understudy estimate --target mysql://…` against a real MariaDB server
//! started here: the report's shape, the projection checked loosely against
//! the full run (the ±15 % goal at 1M users lives in
//! benches/compare/estimate_vs_full_mysql.sh), scratch databases removed,
//! the server's setting put back, the DSN's password never shown, and a user
//! who may not create the scratch databases told what to grant (exit 2).

mod common;

use common::*;
use serde_json::Value;

/// The test user's password as it may appear: decoded, percent-encoded, or in part.
fn leaks(text: &str) -> bool {
    ["Se/cr3t", "Se%2Fcr3t", "p%40ss", "cr3t:p@ss"]
        .iter()
        .any(|s| text.contains(s))
}

fn estimate(profile: &std::path::Path, dsn: &str) -> Understudy {
    understudy("estimate")
        .profile(profile)
        .flag("--production-users", "20000")
        .flag("--sample-users", "2000")
        .flag("--batch", "200")
        .flag("--repeat", "1")
        .target(dsn)
}

/// Databases named like estimate's scratch copies.
fn scratch_databases(db: &Mariadb) -> String {
    db.query(
        "",
        "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'understudy\\_estimate\\_%'",
    )
}

#[test]
fn mysql_estimate_then_the_full_run() {
    let Some(db) = Mariadb::start_tcp() else {
        return;
    };
    let d = tempdir();
    let profile = small_saas(d.path());
    let dsn = db.create_db("est");
    let (rep, html) = (d.path().join("est.json"), d.path().join("est.html"));
    // The samples at 21 % and 79 % (the size method before the geometric
    // one): what MySQL's copies need (sorted builds 70 % full) is the same.
    let o = estimate(&profile, &dsn)
        .flag("--workers", "1,2")
        .flag("--size-method", "quadrature")
        .report(&rep)
        .html(&html)
        .run()
        .code(0)
        .text_contains("recommended");
    let mut outputs = o.text();
    outputs.push_str(&std::fs::read_to_string(&rep).unwrap());
    outputs.push_str(&std::fs::read_to_string(&html).unwrap());
    assert!(!leaks(&outputs), "the DSN's password leaked:\n{outputs}");

    let r = json(&rep);
    assert_eq!(r["kind"], "estimate");
    assert_eq!(r["schema_version"], 2);
    assert_eq!(
        r["target"].as_str().unwrap(),
        format!("mysql://understudy:***@127.0.0.1:{}/est", db.port)
    );
    assert_eq!(r["production_users"], 20_000);
    let workers: Vec<u64> = r["projections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["workers"].as_u64().unwrap())
        .collect();
    assert_eq!(workers, [1, 2]);
    for p in r["projections"].as_array().unwrap() {
        let (s, lo, hi) = (
            p["seconds"].as_f64().unwrap(),
            p["low_seconds"].as_f64().unwrap(),
            p["high_seconds"].as_f64().unwrap(),
        );
        assert!(s > 0.0 && lo < s && s < hi, "{p}");
    }
    // The size effect from samples at 21 % and 79 % of the production
    // size, each half the sample (five batches) at 2 workers.
    let m = &r["model"];
    assert_eq!(m["size"]["method"], "quadrature");
    assert!(m["size"]["factor"].as_f64().unwrap() >= 1.0);
    let rows = r["production_rows"].as_f64().unwrap();
    let mut at: Vec<f64> = r["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "at_size")
        .map(|s| {
            assert_eq!(s["users"], 1000, "{s}");
            assert_eq!(s["workers"], 2, "{s}");
            (s["at_rows"].as_f64().unwrap() + s["rows"].as_f64().unwrap() / 2.0) / rows
        })
        .collect();
    at.sort_by(f64::total_cmp);
    assert_eq!(at.len(), 2, "{at:?}");
    assert!(
        (0.17..0.25).contains(&at[0]) && (0.75..0.83).contains(&at[1]),
        "{at:?}"
    );
    // The copy's indexes were built 70 % full, and the server's setting put back.
    let notes = r["notes"].to_string();
    assert!(notes.contains("innodb_fill_factor = 70"), "{notes}");
    assert_eq!(
        db.query("", "SELECT @@GLOBAL.innodb_fill_factor").trim(),
        "100"
    );
    // Scratch databases dropped; nothing created in the target database.
    assert_eq!(scratch_databases(&db), "");
    assert_eq!(
        db.query(
            "",
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'est'"
        )
        .trim(),
        "0"
    );

    // The projection for 2 workers vs the full load (loosely: a machine
    // running other tests is noisy).
    let full = d.path().join("full.json");
    understudy("rehearse")
        .profile(&profile)
        .users(20_000)
        .target(db.create_db("full_run"))
        .flag("--batch", "200")
        .flag("--workers", "2")
        .arg("--no-verify")
        .arg("-q")
        .report(&full)
        .run()
        .code(0);
    let actual = json(&full)["duration_s"].as_f64().unwrap();
    let projected = r["projections"][1]["seconds"].as_f64().unwrap();
    println!(
        "mysql 20k: projected {projected:.2} s, actual {actual:.2} s, error {:+.1} %",
        (projected - actual) / actual * 100.0
    );
    assert!(
        projected > actual / 4.0 && projected < actual * 4.0,
        "projected {projected} vs actual {actual}"
    );
}

/// A user who may not create databases is refused before any sample, told
/// which grant estimate needs; with that grant but no right to SET GLOBAL,
/// the samples are taken and a note says the indexes were built full.
#[test]
fn mysql_estimate_without_the_privileges_it_needs() {
    let Some(db) = Mariadb::start_tcp() else {
        return;
    };
    let d = tempdir();
    let profile = small_saas(d.path());
    db.create_db("app");
    db.query(
        "",
        &format!(
            "CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY '{MARIADB_PASSWORD}'; \
             GRANT ALL ON app.* TO 'app'@'127.0.0.1'"
        ),
    );
    let dsn = format!("mysql://app:Se%2Fcr3t%3Ap%40ss@127.0.0.1:{}/app", db.port);
    let o = estimate(&profile, &dsn)
        .flag("--workers", "2")
        .run()
        .code(2)
        .text_contains("GRANT ALL ON `understudy\\_estimate\\_%`.* TO 'app'@'127.0.0.1'");
    assert!(!leaks(&o.text()), "{}", o.text());
    assert_eq!(scratch_databases(&db), "");

    // The grant it named; still no SET GLOBAL.
    db.query(
        "",
        "GRANT ALL ON `understudy\\_estimate\\_%`.* TO 'app'@'127.0.0.1'",
    );
    let rep = d.path().join("est.json");
    let o = estimate(&profile, &dsn)
        .flag("--workers", "2")
        .report(&rep)
        .run()
        .code(0);
    assert!(!leaks(&o.text()), "{}", o.text());
    let r: Value = json(&rep);
    let notes = r["notes"].to_string();
    assert!(
        notes.contains("indexes were built full") && notes.contains("was refused"),
        "{notes}"
    );
    // Nor may it cut the redo log: the window runs under the server's own.
    assert!(
        notes.contains(
            "redo log could not be cut for the window (SET GLOBAL innodb_log_file_size was refused"
        ) && notes.contains("likely low"),
        "{notes}"
    );
    assert_eq!(
        db.query("", "SELECT @@GLOBAL.innodb_log_file_size").trim(),
        (96u64 << 20).to_string()
    );
    assert!(!leaks(&notes), "{notes}");
    assert_eq!(
        db.query("", "SELECT @@GLOBAL.innodb_fill_factor").trim(),
        "100"
    );
    assert_eq!(scratch_databases(&db), "");
}

/// The profile's tables created with their keys deferred, then the keys and
/// foreign keys added back as estimate does, have the indexes (columns,
/// uniqueness) and foreign keys of the tables rehearse creates.
#[test]
fn mysql_deferred_keys_come_back_as_rehearse_creates_them() {
    use understudy::sink::{
        TableMeta,
        sql::{Dialect, create_table, create_table_deferred},
    };
    let Some(db) = Mariadb::start_tcp() else {
        return;
    };
    let profile = understudy::profile::Profile::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/profiles/saas.toml"
    ))
    .unwrap();
    let metas = TableMeta::all(&profile);
    db.create_db("direct");
    db.create_db("deferred");
    let direct: String = metas
        .iter()
        .map(|m| create_table(Dialect::Mysql, m))
        .collect();
    let dd: Vec<_> = metas
        .iter()
        .map(|m| create_table_deferred(Dialect::Mysql, m))
        .collect();
    let cat = |f: &dyn Fn(&understudy::sink::sql::Deferred) -> String| -> String {
        dd.iter().map(f).collect()
    };
    db.query("direct", &direct);
    db.query("deferred", &cat(&|x| x.table.clone()));
    let indexes = |name: &str| {
        db.query(
            "",
            &format!(
                "SELECT table_name, non_unique, index_name = 'PRIMARY', \
                 group_concat(column_name ORDER BY seq_in_index) FROM information_schema.statistics \
                 WHERE table_schema = '{name}' GROUP BY table_name, index_name ORDER BY 1, 2, 3, 4"
            ),
        )
    };
    let fks = |name: &str| {
        db.query(
            "",
            &format!(
                "SELECT table_name, column_name, referenced_table_name, referenced_column_name \
                 FROM information_schema.key_column_usage WHERE table_schema = '{name}' \
                 AND referenced_table_name IS NOT NULL ORDER BY 1, 2"
            ),
        )
    };
    assert_eq!(indexes("deferred"), "", "a key before its time");
    let add = format!(
        "{}{}",
        cat(&|x| x.keys.concat()),
        cat(&|x| x.foreign_keys.concat())
    );
    db.query("deferred", &add);
    let want = indexes("direct");
    assert!(want.contains("users\t0\t1\tid"), "{want}");
    assert_eq!(indexes("deferred"), want);
    assert_eq!(fks("deferred"), fks("direct"));
    // Dropped again (to append more rows), and added back once more.
    db.query(
        "deferred",
        &format!(
            "{}{}",
            cat(&|x| x.drop_foreign_keys.concat()),
            cat(&|x| x.drop_keys.concat())
        ),
    );
    assert_eq!(indexes("deferred"), "");
    assert_eq!(fks("deferred"), "");
    db.query("deferred", &add);
    assert_eq!(indexes("deferred"), want);
}

/// MySQL's samples at size (the default geometric method): one window of 12
/// batches at 2 workers into a copy at a sixteenth of the load, under the
/// server's redo log cut in proportion and put back after it. Interrupted
/// while the log is cut, the estimate still puts it back (exit 130).
#[test]
fn mysql_window_under_a_cut_redo_log_then_the_log_put_back() {
    use std::io::BufRead;
    let Some(db) = Mariadb::start_tcp() else {
        return;
    };
    let d = tempdir();
    let profile = small_saas(d.path());
    let dsn = db.create_db("est");
    let log_size = || db.query("", "SELECT @@GLOBAL.innodb_log_file_size");
    let before = log_size();
    assert_eq!(before.trim(), (96u64 << 20).to_string());
    let rep = d.path().join("est.json");
    let o = estimate(&profile, &dsn)
        .flag("--workers", "1,2")
        .report(&rep)
        .run()
        .code(0);
    assert!(
        o.text()
            .contains("redo log is cut from 96 MiB to 23 MiB for one window"),
        "{}",
        o.text()
    );
    let r = json(&rep);
    assert_eq!(r["model"]["size"]["method"], "geometric");
    let at: Vec<&Value> = r["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "at_size")
        .collect();
    assert_eq!(at.len(), 1, "{at:?}");
    // 12 batches of 200 users after 6 of the load's 100.
    assert_eq!(at[0]["workers"], 2);
    assert_eq!(at[0]["users"], 2400);
    let per_user = r["production_rows"].as_f64().unwrap() / 20_000.0;
    let held = at[0]["at_rows"].as_f64().unwrap() / per_user;
    // 1,200 users, read from rows: the profile's small tables come first.
    assert!((1000.0..1800.0).contains(&held), "{held} users held");
    // 96 MiB × 6 % ÷ `REDO_LIKE` (a quarter), in whole MiB.
    let notes = r["notes"].to_string();
    assert!(
        notes.contains("innodb_log_file_size) was cut from 96 MiB to 23 MiB for the window at 6.0 % of the load")
            && notes.contains("of the full load at 25 % of it"),
        "{notes}"
    );
    assert_eq!(log_size(), before);
    assert_eq!(scratch_databases(&db), "");

    // SIGINT once the log is being cut (the copy is being filled): the fill
    // finishes, the log is put back.
    let mut child = bin()
        .args(["estimate", "--production-users", "20000"])
        .args(["--sample-users", "2000", "--batch", "200", "--repeat", "1"])
        .arg("--profile")
        .arg(&profile)
        .args(["--target", &dsn])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut text = String::new();
    while !text.contains("redo log is cut") {
        assert!(err.read_line(&mut text).unwrap() > 0, "{text}");
    }
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    std::io::Read::read_to_string(&mut err, &mut text).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status:?} {text}");
    assert!(
        text.contains("interrupted: the server's redo log is back at 96 MiB"),
        "{text}"
    );
    assert_eq!(log_size(), before);
}
