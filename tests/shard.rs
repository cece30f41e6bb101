//! Sharded rehearsals (`rehearse --shard`), `verify` on its own, and
//! `report merge`: N processes exactly as an Indexed Job runs them, against
//! one PostgreSQL, one of them killed and resumed.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

const USERS: u64 = 12_000;
const BATCH: &str = "500";

/// Per table: (name, rows found, digest found) of a report's verification.
fn found(r: &Value) -> Vec<(String, u64, String)> {
    let mut v: Vec<_> = r["verify"]["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["found"].as_u64().unwrap(),
                t["digest_found"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn shard(profile: &Path, dsn: &str, index: u64, report: &Path) -> Understudy {
    understudy("rehearse")
        .profile(profile)
        .users(USERS)
        .target(dsn)
        .flag("--batch", BATCH)
        .flag("--workers", "1")
        .flag("--shard", "auto")
        .flag("--shards", "3")
        .env("JOB_COMPLETION_INDEX", index.to_string())
        .report(report)
        .arg("--quiet")
}

#[test]
fn three_shards_one_killed_merge_to_the_unsharded_run() {
    let Some(pg) = Postgres::shared() else { return };
    let d = tempdir();
    let profile = small_saas(d.path());
    let whole = d.path().join("whole.json");
    let whole_dsn = pg.create_db("sh_whole");
    understudy("rehearse")
        .profile(&profile)
        .users(USERS)
        .target(&whole_dsn)
        .flag("--batch", BATCH)
        .report(&whole)
        .arg("--quiet")
        .run()
        .success();
    let whole = json(&whole);
    assert_eq!(whole["verify"]["ok"], true);

    let dsn = pg.create_db("sh_shards");
    let reps: Vec<_> = (0..3)
        .map(|k| d.path().join(format!("s{k}.json")))
        .collect();
    // Shard 2 (index 1) first, so that it waits for shard 1's tables and lookups.
    let mut killed = shard(&profile, &dsn, 1, &reps[1]).spawn_quiet();
    let others: Vec<_> = [0, 2]
        .iter()
        .map(|&k| shard(&profile, &dsn, k, &reps[k as usize]).spawn_quiet())
        .collect();
    // Killed (kill -9) once it has committed a batch of its own (8..16).
    let started = Instant::now();
    let mut client = pg.client("sh_shards");
    loop {
        let n: i64 = client
            .query_one(
                "SELECT count(*) FROM _understudy_progress WHERE tbl = 'users' AND batch >= 8 AND batch < 16",
                &[],
            )
            .map(|r| r.get(0))
            .unwrap_or(0);
        if n > 0 || started.elapsed() > Duration::from_secs(60) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let was_running = killed.try_wait().unwrap().is_none();
    killed.kill().unwrap();
    killed.wait().unwrap();
    for mut o in others {
        assert!(o.wait().unwrap().success());
    }
    // Re-run without --resume: refused, its batches are there.
    shard(&profile, &dsn, 1, &reps[1])
        .run()
        .code(2)
        .stderr_contains("--resume");
    shard(&profile, &dsn, 1, &reps[1])
        .arg("--resume")
        .run()
        .success();
    let shards: Vec<Value> = reps.iter().map(|p| json(p)).collect();
    for (k, s) in shards.iter().enumerate() {
        assert_eq!(s["verify"]["ok"], true, "shard {k}: {}", s["verify"]);
        assert_eq!(s["shard"]["index"], k as u64 + 1);
        assert_eq!(s["shard"]["lookup_tables"], k == 0);
    }
    assert!(was_running, "shard 2 ended before it could be killed");
    assert_eq!(shards[1]["resumed"], true);
    assert!(shards[1]["rows_skipped"].as_u64().unwrap() > 0);

    // The merged report: the unsharded run's rows and digests.
    let all = d.path().join("all.json");
    let mut merge = understudy("report").args(["merge"]);
    for p in &reps {
        merge = merge.arg(p);
    }
    merge.flag("-o", &all).run().success();
    let all = json(&all);
    assert_eq!(all["verify"]["ok"], true, "{}", all["verify"]);
    let expect: Vec<_> = found(&whole);
    assert_eq!(found(&all), expect);
    assert_eq!(all["rows_expected"], whole["rows_expected"]);
    assert_eq!(all["merged"]["missing"], serde_json::json!([]));
    let counts: u64 = shards
        .iter()
        .map(|s| s["latency_ms"]["count"].as_u64().unwrap())
        .sum();
    assert_eq!(all["latency_ms"]["count"], counts);
    // Percentiles of the merged report equal those of the shards' raw
    // histograms added by an independent decoder (tests/oracles/hdr_merge.py).
    let oracle = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/hdr_merge.py");
    let out = std::process::Command::new("python3")
        .arg(&oracle)
        .arg(d.path().join("all.json"))
        .args(&reps)
        .output()
        .expect("python3 runs");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("p99"), "{said}");
    // The oracle can fail: an average of the shards' p99s is not the merged p99.
    let mut wrong = all.clone();
    let avg: f64 = shards
        .iter()
        .map(|s| s["latency_ms"]["p99"].as_f64().unwrap())
        .sum::<f64>()
        / 3.0;
    wrong["latency_ms"]["p99"] = serde_json::json!(avg + 0.001);
    let wrong_path = d.path().join("wrong.json");
    std::fs::write(&wrong_path, wrong.to_string()).unwrap();
    let out = std::process::Command::new("python3")
        .arg(&oracle)
        .arg(&wrong_path)
        .args(&reps)
        .output()
        .expect("python3 runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // verify alone, on the whole sharded target and on one slice.
    let v = d.path().join("v.json");
    understudy("verify")
        .profile(&profile)
        .users(USERS)
        .target(&dsn)
        .report(&v)
        .arg("--quiet")
        .run()
        .success();
    assert_eq!(found(&json(&v)), expect);
    let v2 = d.path().join("v2.json");
    understudy("verify")
        .profile(&profile)
        .users(USERS)
        .target(&dsn)
        .flag("--batch", BATCH)
        .flag("--shard", "2/3")
        .report(&v2)
        .arg("--quiet")
        .run()
        .success();
    assert_eq!(found(&json(&v2)), found(&shards[1]));
}

#[test]
fn merge_refuses_other_runs_and_reports_missing_and_duplicate_shards() {
    let Some(pg) = Postgres::shared() else { return };
    let d = tempdir();
    let profile = small_saas(d.path());
    let dsn = pg.create_db("sh_merge");
    let reps: Vec<_> = (0..2)
        .map(|k| d.path().join(format!("m{k}.json")))
        .collect();
    for (k, rep) in reps.iter().enumerate() {
        understudy("rehearse")
            .profile(&profile)
            .users(2000)
            .target(&dsn)
            .flag("--batch", "200")
            .flag("--shard", format!("{}/3", k + 1))
            .report(rep)
            .arg("--quiet")
            .run()
            .success();
    }
    let all = d.path().join("all.json");
    // Shard 3 never ran: merged, said missing, verification not OK (exit 1).
    understudy("report")
        .args(["merge"])
        .arg(&reps[0])
        .arg(&reps[1])
        .arg(&reps[1])
        .flag("-o", &all)
        .run()
        .code(1)
        .stderr_contains("missing");
    let r = json(&all);
    assert_eq!(r["merged"]["missing"], serde_json::json!([3]));
    assert_eq!(r["merged"]["duplicate"], serde_json::json!([2]));
    // Another run (other seed) is refused.
    let mut other = json(&reps[1]);
    other["seed"] = 7.into();
    let o = d.path().join("other.json");
    std::fs::write(&o, other.to_string()).unwrap();
    understudy("report")
        .args(["merge"])
        .arg(&reps[0])
        .arg(&o)
        .flag("-o", d.path().join("x.json"))
        .run()
        .code(2)
        .stderr_contains("seed");
}

#[test]
fn shard_flags_are_checked_before_anything_is_written() {
    let d = tempdir();
    let db = d.path().join("t.db");
    for (args, env_index, says) in [
        (vec!["--shard", "2/3"], None, "one writer"),
        (vec!["--shard", "4/3"], None, "not a shard"),
        (
            vec!["--shard", "auto", "--shards", "3"],
            None,
            "JOB_COMPLETION_INDEX",
        ),
        (
            vec!["--shard", "auto", "--shards", "3"],
            Some("3"),
            "not below",
        ),
        (vec!["--shard", "auto"], Some("0"), "UNDERSTUDY_SHARDS"),
        (vec!["--shard", "1/20"], None, "shards for 10 users"),
    ] {
        let mut u = understudy("rehearse")
            .users(10)
            .sqlite(&db)
            .env_remove("UNDERSTUDY_SHARDS")
            .env_remove("JOB_COMPLETION_INDEX")
            .args(args.clone());
        if let Some(i) = env_index {
            u = u.env("JOB_COMPLETION_INDEX", i);
        }
        u.run().code(2).stderr_contains(says);
        assert!(!db.exists(), "{args:?} created the database");
    }
}

const COPY_SCRIPT: &str = r#"set -e
sqlite3 "$UNDERSTUDY_TARGET_PATH" <<SQL
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

#[test]
fn verify_agrees_with_rehearse_on_a_target_filled_by_exec() {
    if !have("sqlite3") {
        skip("sqlite3 CLI not installed (.ci/run installs it)");
        return;
    }
    for (name, fixup, code) in [
        ("good", "", 0),
        (
            "bad",
            "DELETE FROM sessions WHERE rowid % 7 = 0; UPDATE users SET email = 'x' || email WHERE rowid % 11 = 0;",
            1,
        ),
    ] {
        let d = tempdir();
        let profile = small_saas(d.path());
        let script = d.path().join("migrate.sh");
        std::fs::write(&script, COPY_SCRIPT.replace("$FIXUP", fixup)).unwrap();
        let (rep, ver) = (d.path().join("r.json"), d.path().join("v.json"));
        let dst = d.path().join("dst.db");
        understudy("rehearse")
            .profile(&profile)
            .users(1500)
            .flag(
                "--source",
                format!("sqlite:{}", d.path().join("src.db").display()),
            )
            .sqlite(&dst)
            .flag("--exec", format!("sh {}", script.display()))
            .report(&rep)
            .arg("--quiet")
            .run()
            .code(code);
        understudy("verify")
            .profile(&profile)
            .users(1500)
            .target(format!("sqlite:{}", dst.display()))
            .report(&ver)
            .arg("--quiet")
            .run()
            .code(code);
        let (r, v) = (json(&rep), json(&ver));
        for k in ["ok", "expected", "found", "missing", "extra", "mismatched"] {
            assert_eq!(r["verify"][k], v["verify"][k], "{name}: {k}");
        }
        assert_eq!(found(&r), found(&v), "{name}");
    }
}
