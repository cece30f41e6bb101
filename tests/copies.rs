//! Denormalized copies (docs/copies.md): the profile's `[copies.NAME]`, the
//! files each store's bulk tool reads (the RESP file through a real
//! `redis-cli --pipe`, the others through independent readers in
//! tests/oracles/copies_oracle.py), `rehearse --copies` into a real Redis,
//! and `consistency`.

mod common;

use common::{Redis, understudy};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const SAAS_COPIES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/profiles/saas-copies.toml");

/// `saas-copies` with cheap hashes and the cache's drift set to `share`.
fn profile(dir: &Path, share: f64) -> PathBuf {
    let text = std::fs::read_to_string(SAAS_COPIES).unwrap();
    let text = text
        .replace("[passwords]\npool_size = 256", "[passwords]\npool_size = 8")
        .replace("params = { cost = 10 }", "params = { cost = 4 }")
        .replace(
            "drift = { share = 0.005,",
            &format!("drift = {{ share = {share},"),
        );
    assert!(text.contains(&format!("share = {share},")));
    let p = dir.join(format!("copies-{share}.toml"));
    std::fs::write(&p, text).unwrap();
    p
}

fn generate(profile: &Path, users: u64, format: &str, out: &Path, extra: &[&str]) {
    understudy("generate")
        .profile(profile)
        .users(users)
        .args(["--format", format, "--quiet", "--edge-rate", "0.05"])
        .arg("--out")
        .arg(out)
        .args(extra)
        .run()
        .success();
}

/// users.jsonl as parsed objects (windows-1252 cases excluded by the callers).
fn users(dir: &Path) -> Vec<serde_json::Map<String, serde_json::Value>> {
    std::fs::read_to_string(dir.join("users.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A JSONL value as Redis holds it (`None`: NULL, left out of the hash).
fn as_redis(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

const CACHE_FIELDS: [&str; 7] = [
    "email",
    "first_name",
    "last_name",
    "username",
    "password_hash",
    "status",
    "created_at",
];

fn connect(r: &Redis) -> redis::Connection {
    redis::Client::open(r.url())
        .unwrap()
        .get_connection()
        .unwrap()
}

#[test]
fn resp_file_through_redis_cli_pipe_holds_every_user() {
    let Some(r) = Redis::start() else { return };
    let dir = common::tempdir();
    let p = profile(dir.path(), 0.0);
    let exclude = ["--edge-exclude", "file.mixed-encoding"];
    generate(&p, 3000, "copies", &dir.path().join("c"), &exclude);
    generate(&p, 3000, "jsonl", &dir.path().join("j"), &exclude);
    let report = r.pipe(&dir.path().join("c/cache.resp"));
    assert!(report.contains("errors: 0,"), "{report}");
    let users = users(&dir.path().join("j"));
    let mut con = connect(&r);
    let keys: u64 = redis::cmd("DBSIZE").query(&mut con).unwrap();
    assert_eq!(
        keys,
        2 * users.len() as u64,
        "a hash and an email key per user"
    );
    for u in &users {
        let key = format!("user:{}", u["id"].as_str().unwrap());
        let got: Vec<(Vec<u8>, Vec<u8>)> = redis::cmd("HGETALL").arg(&key).query(&mut con).unwrap();
        let want: Vec<(Vec<u8>, Vec<u8>)> = CACHE_FIELDS
            .iter()
            .filter_map(|f| as_redis(&u[*f]).map(|v| (f.as_bytes().to_vec(), v.into_bytes())))
            .collect();
        let mut got_sorted = got.clone();
        got_sorted.sort();
        let mut want_sorted = want.clone();
        want_sorted.sort();
        assert_eq!(got_sorted, want_sorted, "{key}");
        let email = u["email"].as_str().unwrap();
        let by_email: Option<String> = redis::cmd("GET")
            .arg(format!("user:email:{email}"))
            .query(&mut con)
            .unwrap();
        assert_eq!(by_email.as_deref(), Some(key.as_str()));
        let ttl: i64 = redis::cmd("TTL").arg(&key).query(&mut con).unwrap();
        assert!(ttl > 604_000 && ttl <= 604_800, "{key}: ttl {ttl}");
    }
}

#[test]
fn store_files_read_back_by_independent_readers() {
    let Some(py) =
        common::oracle_python("copies-venv", &["pymongo==4.*", "boto3==1.*"], |_| Ok(()))
    else {
        return;
    };
    let dir = common::tempdir();
    let p = profile(dir.path(), 0.005);
    let (c, j) = (dir.path().join("c"), dir.path().join("j"));
    generate(
        &p,
        3000,
        "copies",
        &c,
        &["--copies-split", "65536", "-j", "1"],
    );
    generate(&p, 3000, "jsonl", &j, &[]);
    let out = std::process::Command::new(&py)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/oracles/copies_oracle.py"
        ))
        .arg(&p)
        .arg(&j)
        .arg(&c)
        .arg("65536")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("search: 3000 documents in"), "{text}");
    assert!(text.contains("documents: 3000 documents match"), "{text}");
    assert!(text.contains("dynamo: 3000 users' items match"), "{text}");
    // Several _bulk files, each under the split; the same bytes at any -j.
    let bulk = std::fs::read_dir(&c)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".ndjson")
        })
        .count();
    assert!(bulk > 3, "{bulk} _bulk files");
    let c3 = dir.path().join("c3");
    generate(
        &p,
        3000,
        "copies",
        &c3,
        &["--copies-split", "65536", "-j", "3"],
    );
    for e in std::fs::read_dir(&c).unwrap() {
        let name = e.unwrap().file_name();
        assert_eq!(
            common::sha256(&c.join(&name)),
            common::sha256(&c3.join(&name)),
            "{name:?} differs between -j 1 and -j 3"
        );
    }
}

#[test]
fn drift_is_labelled_and_deterministic() {
    let dir = common::tempdir();
    let p = profile(dir.path(), 0.05);
    let c = dir.path().join("c");
    generate(&p, 4000, "copies", &c, &[]);
    let m = common::json(&c.join("copies.json"));
    let cache = &m["copies"][0];
    assert_eq!(cache["name"], "cache");
    let drift: HashMap<String, u64> = cache["drift_by_label"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect();
    for l in [
        "copy.stale-email",
        "copy.missing-user",
        "copy.orphan-key",
        "copy.old-hash",
        "copy.email-case",
    ] {
        let n = drift.get(l).copied().unwrap_or(0);
        // 4000 users × 5 % / 5 kinds = 40 expected each.
        assert!((15..=70).contains(&n), "{l}: {n}");
    }
    let missing = drift["copy.missing-user"];
    let orphans = drift["copy.orphan-key"];
    assert_eq!(cache["documents"], 4000 - missing + orphans);
    // The other copies have no drift.
    assert!(
        m["copies"][1]["drift_by_label"]
            .as_object()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn copies_profile_errors_are_explained() {
    let dir = common::tempdir();
    let base = "name = \"x\"\n[tables.users.columns]\nid = { kind = \"uuid\" }\nemail = { kind = \"email\" }\npassword_hash = { kind = \"password_hash\" }\n";
    for (section, want) in [
        (
            "[copies.c]\nkind = \"memcache\"\n",
            "unknown copy kind `memcache`",
        ),
        (
            "[copies.c]\nkind = \"redis\"\nkey = \"user:{idd}\"\n",
            "did you mean `id`?",
        ),
        (
            "[copies.c]\nkind = \"redis\"\nkey = \"user\"\n",
            "names no column",
        ),
        (
            "[copies.c]\nkind = \"redis\"\nembed = [\"x\"]\n",
            "applies to kind elasticsearch",
        ),
        (
            "[copies.c]\nkind = \"mongodb\"\nindex = \"u\"\n",
            "applies to kind elasticsearch",
        ),
        (
            "[copies.c]\nkind = \"redis\"\nfields = [\"id\"]\ndrift = { share = 0.1, kinds = [\"stale_email\"] }\n",
            "needs an email column among the copy's fields",
        ),
        (
            "[copies.c]\nkind = \"redis\"\ndrift = { share = 0.1, kinds = [\"stale\"] }\n",
            "unknown drift kind `stale`",
        ),
        (
            "[copies.c]\nkind = \"redis\"\nkey = \"u:{email}\"\ndrift = { share = 0.1, kinds = [\"orphan_key\"] }\n",
            "needs the key to hold the primary key",
        ),
        ("[copies.c]\nkind = \"redis\"\nttl = 0\n", "a TTL of 0"),
    ] {
        let p = dir.path().join("p.toml");
        std::fs::write(&p, format!("{base}{section}")).unwrap();
        understudy("profiles")
            .arg("check")
            .arg(&p)
            .run()
            .code(2)
            .stderr_contains(want);
    }
    // Profiles without copies write what they always wrote: the shipped
    // saas profile has no [copies].
    understudy("generate")
        .profile("saas")
        .users(10)
        .args(["--format", "copies", "--out"])
        .arg(dir.path().join("none"))
        .run()
        .code(2)
        .stderr_contains("declares no copies");
}

/// The first user's id (independent of the user count: a bijection of the index).
fn first_id(p: &Path, dir: &Path) -> String {
    let j = dir.join("first");
    understudy("generate")
        .profile(p)
        .users(1)
        .args(["--format", "jsonl", "--quiet", "--out"])
        .arg(&j)
        .run()
        .success();
    users(&j)[0]["id"].as_str().unwrap().to_string()
}

#[test]
fn rehearse_copies_loads_verifies_resumes_and_rejects_with_labels() {
    let Some(r) = Redis::start() else { return };
    let dir = common::tempdir();
    let p = profile(dir.path(), 0.02);
    let run = |extra: &[&str], report: &str| {
        understudy("rehearse")
            .profile(&p)
            .users(3000)
            .args(["--batch", "500", "--quiet", "--copies", &r.url()])
            .report(dir.path().join(report))
            .args(extra)
    };
    run(&[], "a.json").run().success();
    let a = common::json(&dir.path().join("a.json"));
    assert_eq!(a["verify"]["ok"], true, "{}", a["verify"]);
    assert_eq!(a["method"], "redis:pipeline");
    assert_eq!(a["copy"]["progress_key"], "understudy:progress:cache");
    assert_eq!(
        r.cli(&["HLEN", "understudy:progress:cache"]).trim(),
        "(integer) 7"
    );
    // Every key written is there, with the progress hash beside them.
    assert_eq!(
        r.cli(&["DBSIZE"]).trim(),
        format!("(integer) {}", a["copy"]["keys"].as_u64().unwrap() + 1)
    );
    // Again without --resume: refused, nothing written.
    run(&[], "b.json")
        .run()
        .code(2)
        .stderr_contains("--resume to continue it");
    // A run killed after 4 of its 6 batches: two batches' progress gone.
    r.cli(&["HDEL", "understudy:progress:cache", "4", "5"]);
    run(&["--resume"], "c.json").run().success();
    let c = common::json(&dir.path().join("c.json"));
    assert_eq!(c["resumed"], true);
    assert_eq!(c["rows_skipped"], 2000);
    assert_eq!(c["rows_loaded"], 1000);
    assert_eq!(c["verify"]["ok"], true);
    // A key of the wrong type: that user is refused with its class.
    r.cli(&["FLUSHALL"]);
    let id = first_id(&p, dir.path());
    r.cli(&["SET", &format!("user:{id}"), "not a hash"]);
    // The copy then holds a key that is not the user's hash (not ours: it
    // stays, extra); the refused user's other keys (its email key) were
    // deleted after the refusal, and the run exits 1.
    run(&["--edge-rate", "0"], "d.json").run().code(1);
    let d = common::json(&dir.path().join("d.json"));
    assert_eq!(d["verify"]["extra"], 1, "{}", d["verify"]);
    assert_eq!(d["rows_rejected"], 1, "{d}");
    assert_eq!(d["errors_by_class"]["wrong_type"], 1);
    assert_eq!(d["errors_by_label"]["no-edge-case:wrong_type"], 1);
    assert_eq!(
        r.cli(&["GET", &format!("user:{id}")]).trim(),
        "\"not a hash\""
    );
    // The loaded users' keys, the progress hash and the foreign key: nothing else.
    assert_eq!(
        r.cli(&["DBSIZE"]).trim(),
        format!("(integer) {}", d["copy"]["keys"].as_u64().unwrap() + 2)
    );
    let rejects = std::fs::read_to_string(d["rejects_file"].as_str().unwrap()).unwrap();
    assert!(
        rejects.contains(&format!("\"key\":\"user:{id}\"")),
        "{rejects}"
    );
    assert!(rejects.contains("\"class\":\"wrong_type\""), "{rejects}");
}

/// The load's own connection authenticates and selects the URL's database
/// as the `redis` crate's does: the copy lands in database 3 only, and a
/// wrong password is refused before anything is written.
#[test]
fn rehearse_copies_with_a_password_and_a_database() {
    let Some(r) = Redis::start_with(Some("S3cret-pw")) else {
        return;
    };
    let dir = common::tempdir();
    let p = profile(dir.path(), 0.02);
    let run = |url: String, report: &str| {
        understudy("rehearse")
            .profile(&p)
            .users(2000)
            .args(["--batch", "500", "--quiet", "--copies", &url])
            .report(dir.path().join(report))
            .within(std::time::Duration::from_secs(120))
            .run()
    };
    run(
        format!("redis://:wrong@127.0.0.1:{}/3", r.port),
        "wrong.json",
    )
    .code(3)
    .stderr_contains("cannot reach Redis at redis://:***@127.0.0.1")
    .text_lacks("wrong@");
    assert_eq!(r.cli(&["-n", "3", "DBSIZE"]).trim(), "(integer) 0");
    run(
        format!("redis://:S3cret-pw@127.0.0.1:{}/3", r.port),
        "a.json",
    )
    .success();
    let a = common::json(&dir.path().join("a.json"));
    assert_eq!(a["verify"]["ok"], true, "{}", a["verify"]);
    assert_eq!(a["rows_loaded"], 2000);
    assert_eq!(
        r.cli(&["-n", "3", "DBSIZE"]).trim(),
        format!("(integer) {}", a["copy"]["keys"].as_u64().unwrap() + 1)
    );
    assert_eq!(r.cli(&["-n", "0", "DBSIZE"]).trim(), "(integer) 0");
}

#[test]
fn rehearse_copies_unreachable_is_exit_3_and_redacted() {
    let port = common::closed_port();
    understudy("rehearse")
        .profile("saas-copies")
        .users(10)
        .args([
            "--copies",
            &format!("redis://:S3cret-pw@127.0.0.1:{port}/0"),
        ])
        .within(std::time::Duration::from_secs(20))
        .run()
        .code(3)
        .stderr_contains("cannot reach Redis at redis://:***@127.0.0.1")
        .text_lacks("S3cret-pw");
}

/// `consistency` against the loaded cache finds exactly the drift the
/// copy was generated with, per label, and a clean copy reports nothing.
#[test]
fn consistency_finds_every_drifted_key_and_only_those() {
    let Some(r) = Redis::start() else { return };
    let dir = common::tempdir();
    let p = profile(dir.path(), 0.05);
    let c = dir.path().join("c");
    generate(&p, 4000, "copies", &c, &[]);
    let drift = common::json(&c.join("copies.json"))["copies"][0]["drift_by_label"].clone();
    assert!(r.pipe(&c.join("cache.resp")).contains("errors: 0,"));
    let check = |from: &[&str], report: &str| {
        understudy("consistency")
            .profile(&p)
            .users(4000)
            .args(["--edge-rate", "0.05", "--quiet"])
            .args(from)
            .arg("--report")
            .arg(dir.path().join(report))
            .run()
    };
    check(&["--copy", &r.url()], "redis.json").code(1);
    // The same check as JUnit: one failing case per drifted label, plus
    // missing, orphan and stale; "every finding explained" passes.
    let xml = dir.path().join("c.xml");
    understudy("consistency")
        .profile(&p)
        .users(4000)
        .args(["--edge-rate", "0.05", "--quiet", "--copy", &r.url()])
        .arg("--junit")
        .arg(&xml)
        .run()
        .code(1);
    let x = std::fs::read_to_string(&xml).unwrap();
    let labels = drift.as_object().unwrap().len();
    assert_eq!(x.matches("<testcase ").count(), 4 + labels, "{x}");
    assert_eq!(x.matches("<failure ").count(), 3 + labels, "{x}");
    assert!(x.contains(r#"<testcase name="every finding explained by a drift label" classname="understudy.consistency" time="0.000"/>"#), "{x}");
    let resp = c.join("cache.resp");
    check(&["--copy-file", resp.to_str().unwrap()], "file.json").code(1);
    for name in ["redis.json", "file.json"] {
        let j = common::json(&dir.path().join(name));
        assert_eq!(j["kind"], "consistency");
        assert_eq!(j["unexplained"], 0, "{name}: {j}");
        let by = j["by_label"].as_object().unwrap();
        assert_eq!(by.len(), drift.as_object().unwrap().len(), "{name}: {j}");
        for (label, n) in drift.as_object().unwrap() {
            assert_eq!(by[label]["users"], *n, "{name} {label}");
        }
        // Each kind shows as what it is.
        assert_eq!(
            by["copy.missing-user"]["missing"],
            by["copy.missing-user"]["users"].as_u64().unwrap() * 2
        );
        assert_eq!(
            by["copy.orphan-key"]["orphan"],
            by["copy.orphan-key"]["users"]
        );
        assert_eq!(by["copy.old-hash"]["stale"], by["copy.old-hash"]["users"]);
        assert!(
            j["by_field"]["password_hash"].as_u64().unwrap()
                >= by["copy.old-hash"]["users"].as_u64().unwrap()
        );
        assert!(j["by_field"]["email"].as_u64().unwrap() > 0);
    }
    // A clean copy: nothing found, exit 0.
    let clean = profile(dir.path(), 0.0);
    let c0 = dir.path().join("c0");
    generate(&clean, 4000, "copies", &c0, &[]);
    r.cli(&["FLUSHALL"]);
    assert!(r.pipe(&c0.join("cache.resp")).contains("errors: 0,"));
    understudy("consistency")
        .profile(&clean)
        .users(4000)
        .args(["--edge-rate", "0.05", "--copy", &r.url()])
        .run()
        .code(0)
        .stdout_contains("consistent");
}

/// Keys a copy should not hold, of every shape the reader meets: a set, a
/// string under the hash keys' pattern, a hash under the secondary keys'
/// (each read by its type after the guessed command's `WRONGTYPE`), and a
/// user's hash with a 300 KB field (a reply longer than one socket read).
/// Each is one unexplained finding; every other key stays consistent.
#[test]
fn consistency_reads_keys_of_unexpected_types_and_long_values() {
    let Some(r) = Redis::start() else { return };
    let dir = common::tempdir();
    let p = profile(dir.path(), 0.0);
    let c = dir.path().join("c");
    generate(&p, 300, "copies", &c, &[]);
    assert!(r.pipe(&c.join("cache.resp")).contains("errors: 0,"));
    let id = first_id(&p, dir.path());
    let long = "x".repeat(300_000);
    r.cli(&["SADD", "user:odd-set", "a", "b"]);
    r.cli(&["SET", "user:odd-string", "s"]);
    r.cli(&["HSET", "user:email:odd@example.com", "f", "v"]);
    redis::cmd("HSET")
        .arg(format!("user:{id}"))
        .arg("first_name")
        .arg(&long)
        .exec(&mut connect(&r))
        .unwrap();
    let report = dir.path().join("r.json");
    understudy("consistency")
        .profile(&p)
        .users(300)
        .args(["--edge-rate", "0.05", "--quiet", "--copy", &r.url()])
        .arg("--report")
        .arg(&report)
        .run()
        .code(1);
    let j = common::json(&report);
    assert_eq!(
        (&j["orphan"], &j["stale"], &j["missing"], &j["unexplained"]),
        (&3.into(), &1.into(), &0.into(), &4.into()),
        "{j}"
    );
    assert_eq!(j["by_field"]["first_name"], 1, "{j}");
    assert_eq!(
        j["copy_keys"],
        j["expected_keys"].as_u64().unwrap() + 3,
        "{j}"
    );
    let shown = j["examples"].to_string();
    assert!(shown.contains(&long), "the long value read whole");
    for k in [
        "user:odd-set",
        "user:odd-string",
        "user:email:odd@example.com",
    ] {
        assert!(shown.contains(k), "{k} in {shown}");
    }
}

/// Sets up a primary (`target`) and its Redis copy of the same 300 users,
/// checks them clean, runs `change` on the primary (an email changed, a
/// user deleted, both by SQL), and checks that `consistency --primary`
/// reports exactly those keys. Returns nothing: asserts.
fn primary_changes_found(
    target: &str,
    secret: Option<&str>,
    change: &dyn Fn(&str, &str),
    read_two: &dyn Fn() -> [(String, String); 2],
) {
    let Some(r) = Redis::start() else { return };
    let dir = common::tempdir();
    let p = profile(dir.path(), 0.0);
    let base = |cmd: &str| {
        understudy(cmd)
            .profile(&p)
            .users(300)
            .args(["--edge-rate", "0", "--quiet"])
    };
    base("rehearse").target(target).run().success();
    base("rehearse")
        .args(["--batch", "100", "--copies", &r.url()])
        .run()
        .success();
    let check = |report: &str| {
        base("consistency")
            .args(["--primary", target, "--copy", &r.url(), "--report"])
            .arg(dir.path().join(report))
    };
    let clean = check("clean.json").run().code(0);
    if let Some(s) = secret {
        clean.text_lacks(s);
    }
    let c = common::json(&dir.path().join("clean.json"));
    assert_eq!(c["expected_keys"], 600, "{c}");
    assert!(
        !c["primary"]
            .as_str()
            .unwrap()
            .contains(secret.unwrap_or("\u{0}"))
    );
    let [(a, a_email), (b, b_email)] = read_two();
    change(&a, &b);
    let run = check("changed.json").run().code(1);
    if let Some(s) = secret {
        run.text_lacks(s);
    }
    let j = common::json(&dir.path().join("changed.json"));
    let mut got: Vec<(String, String)> = (j["examples"].as_array().unwrap().iter())
        .map(|f| {
            (
                f["kind"].as_str().unwrap().into(),
                f["key"].as_str().unwrap().into(),
            )
        })
        .collect();
    got.sort();
    let mut want = vec![
        (
            "missing".to_string(),
            format!("user:email:changed.{a_email}"),
        ),
        ("orphan".to_string(), format!("user:email:{a_email}")),
        ("orphan".to_string(), format!("user:email:{b_email}")),
        ("orphan".to_string(), format!("user:{b}")),
        ("stale".to_string(), format!("user:{a}")),
    ];
    want.sort();
    assert_eq!(got, want, "{j}");
    assert_eq!(j["by_field"]["email"], 1, "{j}");
    assert_eq!(j["unexplained"], 5, "{j}");
}

const CHANGE: &str = "UPDATE users SET email = 'changed.' || email WHERE id = '{a}';
    DELETE FROM sessions WHERE user_id = '{b}'; DELETE FROM user_roles WHERE user_id = '{b}';
    DELETE FROM user_profiles WHERE user_id = '{b}'; DELETE FROM users WHERE id = '{b}';";

#[test]
fn consistency_against_a_sqlite_primary_reports_its_changed_rows() {
    let dir = common::tempdir();
    let db = dir.path().join("primary.db");
    let open = || rusqlite::Connection::open(&db).unwrap();
    primary_changes_found(
        &format!("sqlite:{}", db.display()),
        None,
        &|a, b| {
            open()
                .execute_batch(&CHANGE.replace("{a}", a).replace("{b}", b))
                .unwrap()
        },
        &|| {
            let c = open();
            let mut st = c
                .prepare("SELECT id, email FROM users ORDER BY id LIMIT 2")
                .unwrap();
            let v: Vec<(String, String)> = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            [v[0].clone(), v[1].clone()]
        },
    );
}

#[test]
fn consistency_against_a_postgres_primary_reports_its_changed_rows() {
    let Some(pg) = common::Postgres::shared() else {
        return;
    };
    let dsn = pg.create_db("copies_primary");
    let secret = dsn
        .split(':')
        .nth(2)
        .unwrap()
        .split('@')
        .next()
        .unwrap()
        .to_string();
    primary_changes_found(
        &dsn,
        Some(&secret),
        &|a, b| {
            pg.client("copies_primary")
                .batch_execute(&CHANGE.replace("{a}", a).replace("{b}", b))
                .unwrap()
        },
        &|| {
            let rows = pg
                .client("copies_primary")
                .query("SELECT id::text, email FROM users ORDER BY id LIMIT 2", &[])
                .unwrap();
            [
                (rows[0].get(0), rows[0].get(1)),
                (rows[1].get(0), rows[1].get(1)),
            ]
        },
    );
}

#[test]
fn consistency_against_a_mysql_primary_reports_its_changed_rows() {
    let Some(db) = common::Mariadb::start_tcp() else {
        return;
    };
    let dsn = db.create_db("copies_primary");
    primary_changes_found(
        &dsn,
        Some(common::MARIADB_PASSWORD),
        &|a, b| {
            // MySQL's `||` is OR: CONCAT, as the same change.
            let sql = CHANGE
                .replace("'changed.' || email", "CONCAT('changed.', email)")
                .replace("{a}", a)
                .replace("{b}", b);
            db.query("copies_primary", &sql);
        },
        &|| {
            let out = db.query(
                "copies_primary",
                "SELECT id, email FROM users ORDER BY id LIMIT 2",
            );
            let mut rows = out.lines().map(|l| {
                let (id, email) = l.split_once('\t').unwrap();
                (id.to_string(), email.to_string())
            });
            [rows.next().unwrap(), rows.next().unwrap()]
        },
    );
}

/// A primary whose `email` column was renamed: refused with the `--map`
/// it needs (exit 2), then consistent with it (exit 0).
#[test]
fn consistency_primary_follows_map() {
    let Some(r) = Redis::start() else { return };
    let dir = common::tempdir();
    let p = profile(dir.path(), 0.0);
    let db = dir.path().join("primary.db");
    let target = format!("sqlite:{}", db.display());
    let base = |cmd: &str| {
        understudy(cmd)
            .profile(&p)
            .users(200)
            .args(["--edge-rate", "0", "--quiet"])
    };
    base("rehearse").target(&target).run().success();
    base("rehearse")
        .args(["--copies", &r.url()])
        .run()
        .success();
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("ALTER TABLE users RENAME COLUMN email TO mail")
        .unwrap();
    let check = || base("consistency").args(["--primary", &target, "--copy", &r.url()]);
    check()
        .run()
        .code(2)
        .stderr_contains("no column `email`")
        .stderr_contains("--map email=NEW");
    check().args(["--map", "users.email=mail"]).run().code(0);
    check()
        .args(["--map", "email"])
        .run()
        .code(2)
        .stderr_contains("OLD=NEW");
}
