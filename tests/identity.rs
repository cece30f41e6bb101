//! The identity graph of the `saas-mfa` profile: TOTP secrets judged by
//! pyotp and by an RFC 6238 implementation written here, MFA phones by
//! Python's `phonenumbers` (libphonenumber's metadata), subjects against
//! each provider's shape, determinism across thread counts, every output
//! format and database target, and `IdentityGraph` against the files.

mod common;

use common::*;
use hmac::{KeyInit, Mac};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::Path;

const SEED: &str = "19";

fn generate(dir: &Path, users: &str, extra: &[&str]) {
    understudy("generate")
        .arg("--quiet")
        .profile("saas-mfa")
        .users(users)
        .flag("--seed", SEED)
        .flag("--hash-mode", "shape")
        .flag("--out", dir)
        .args(extra)
        .run()
        .success();
}

fn jsonl(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// RFC 4648 base32 decoding, padding and case tolerated (written here, not
/// the product's encoder).
fn unbase32(s: &str) -> Option<Vec<u8>> {
    let mut bits = 0u64;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.trim_end_matches('=').bytes() {
        let v = match c.to_ascii_uppercase() {
            b'A'..=b'Z' => c.to_ascii_uppercase() - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        bits = bits << 5 | v as u64;
        n += 5;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    Some(out)
}

/// RFC 6238 with HMAC-SHA1 and 30-second steps.
fn totp(key: &[u8], t: u64, digits: u32) -> String {
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(key).unwrap();
    mac.update(&(t / 30).to_be_bytes());
    let h = mac.finalize().into_bytes();
    let o = (h[19] & 15) as usize;
    let v = u32::from_be_bytes([h[o] & 0x7f, h[o + 1], h[o + 2], h[o + 3]]);
    format!("{:0w$}", v % 10u32.pow(digits), w = digits as usize)
}

fn python(py: &Path, script: &str, input: &str) -> String {
    let mut child = std::process::Command::new(py)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn totp_secrets_give_the_rfc_6238_codes_pyotp_gives() {
    // The implementation here first meets RFC 6238's own vectors.
    let rfc = b"12345678901234567890";
    for (t, code) in [
        (59, "94287082"),
        (1111111109, "07081804"),
        (2000000000, "69279037"),
    ] {
        assert_eq!(totp(rfc, t, 8), code);
    }
    let d = tempdir();
    generate(d.path(), "400", &["--format", "jsonl"]);
    let secrets: Vec<String> = jsonl(&d.path().join("users.jsonl"))
        .iter()
        .filter_map(|u| u["totp_secret"].as_str().map(str::to_string))
        .collect();
    assert!(secrets.len() > 60, "{} secrets", secrets.len());
    let mut lines = String::new();
    let times = [59u64, 1_111_111_109, 1_234_567_890, 2_000_000_000];
    for s in &secrets {
        assert_eq!(s.len(), 32, "{s}: 20 bytes are 32 base32 characters");
        assert!(
            s.bytes().all(|c| matches!(c, b'A'..=b'Z' | b'2'..=b'7')),
            "{s}"
        );
        let key = unbase32(s).unwrap();
        assert_eq!(key.len(), 20, "{s}");
        let codes: Vec<String> = times.iter().map(|&t| totp(&key, t, 6)).collect();
        lines.push_str(
            &serde_json::json!({"secret": s, "key": hex(&key), "codes": codes}).to_string(),
        );
        lines.push('\n');
    }
    assert_eq!(HashSet::<&String>::from_iter(&secrets).len(), secrets.len());
    let Some(py) = python_venv(&["pyotp==2.9.0"]) else {
        return;
    };
    let script = r#"
import sys, json, base64, pyotp
times = [59, 1111111109, 1234567890, 2000000000]
assert pyotp.TOTP(base64.b32encode(b"12345678901234567890").decode(), digits=8).at(59) == "94287082"
bad = n = 0
for line in sys.stdin:
    c = json.loads(line)
    raw = base64.b32decode(c["secret"])
    t = pyotp.TOTP(c["secret"])
    got = [t.at(x) for x in times]
    ok = raw.hex() == c["key"] and base64.b32encode(raw).decode().rstrip("=") == c["secret"] and got == c["codes"]
    ok = ok and t.verify(t.at(1234567890), for_time=1234567890)
    n += 1
    if not ok:
        bad += 1
        print("MISMATCH", c, got)
print("checked", n, "bad", bad)
"#;
    let out = python(&py, script, &lines);
    assert!(
        out.trim_end()
            .ends_with(&format!("checked {} bad 0", secrets.len())),
        "{out}"
    );
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn mfa_phones_are_valid_e164_numbers_in_ranges_reserved_for_fiction() {
    let d = tempdir();
    generate(d.path(), "3000", &["--format", "jsonl"]);
    let users = jsonl(&d.path().join("users.jsonl"));
    let mut input = String::new();
    let mut n = 0;
    let mut followed = 0;
    for u in &users {
        let Some(p) = u["mfa_phone"].as_str() else {
            continue;
        };
        n += 1;
        assert!(
            p.starts_with('+') && p[1..].bytes().all(|b| b.is_ascii_digit()) && p.len() <= 16,
            "{p}"
        );
        // Reserved ranges: NANPA 555-0100..0199, Ofcom drama, ACMA 5550, ARCEP.
        let fictional = (p.starts_with("+1") && &p[5..10] == "55501")
            || (p.starts_with("+44")
                && [
                    "2079460", "1134960", "1144960", "1164960", "1174960", "1184960", "1214960",
                    "1314960", "1414960", "1514960", "1614960", "1914980", "2896496", "2920180",
                ]
                .iter()
                .any(|r| p[3..].starts_with(r)))
            || (p.starts_with("+61") && &p[4..8] == "5550")
            || (p.starts_with("+33")
                && ["19900", "26191", "35301", "46571", "53649"]
                    .iter()
                    .any(|r| p[3..].starts_with(r)));
        assert!(fictional, "{p} is not in a fictional range");
        let country = u["country"].as_str().unwrap();
        if matches!(country, "US" | "GB" | "FR" | "AU" | "CA") {
            followed += 1;
        }
        input.push_str(&serde_json::json!({"phone": p, "country": country}).to_string());
        input.push('\n');
    }
    assert!(n > 300, "{n} phones");
    assert!(followed > 100);
    let Some(py) = python_venv(&["phonenumbers==9.0.13"]) else {
        return;
    };
    // A user whose country has a reserved range gets a number there.
    let script = r#"
import sys, json, phonenumbers as p
bad = n = 0
for line in sys.stdin:
    c = json.loads(line)
    x = p.parse(c["phone"], None)
    region = p.region_code_for_number(x)
    ok = p.is_valid_number(x) and p.format_number(x, p.PhoneNumberFormat.E164) == c["phone"]
    if c["country"] in ("US", "GB", "FR", "AU", "CA"):
        ok = ok and region == c["country"]
    n += 1
    if not ok:
        bad += 1
        print("BAD", c, region)
print("checked", n, "bad", bad)
"#;
    let out = python(&py, script, &input);
    assert!(
        out.trim_end().ends_with(&format!("checked {n} bad 0")),
        "{out}"
    );
}

fn shaped(provider: &str, s: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let hex = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    };
    match provider {
        "google.com" => s.len() == 21 && digits(s) && s.starts_with('1'),
        "facebook.com" => s.len() == 17 && digits(s),
        "twitter.com" => s.len() == 19 && digits(s),
        "github.com" => {
            digits(s) && !s.starts_with('0') && s.parse::<u64>().unwrap() <= 200_000_000
        }
        "apple.com" => {
            let p: Vec<&str> = s.split('.').collect();
            p.len() == 3
                && p[0].len() == 6
                && digits(p[0])
                && p[1].len() == 32
                && hex(p[1])
                && p[2].len() == 4
                && digits(p[2])
        }
        "microsoft.com" => {
            let p: Vec<&str> = s.split('-').collect();
            p.iter().map(|g| g.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
                && p.iter().all(|g| hex(g))
        }
        _ => false,
    }
}

#[test]
fn linked_identities_have_each_providers_shape_once_per_user() {
    let d = tempdir();
    generate(d.path(), "2000", &["--format", "jsonl"]);
    let users: HashMap<String, Value> = jsonl(&d.path().join("users.jsonl"))
        .into_iter()
        .map(|u| (u["id"].as_str().unwrap().to_string(), u))
        .collect();
    let links = jsonl(&d.path().join("user_identities.jsonl"));
    assert!(links.len() > 800, "{} links", links.len());
    let mut seen = HashSet::new();
    let mut per_user: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut providers: HashMap<&str, usize> = HashMap::new();
    for l in &links {
        let (p, s) = (
            l["provider"].as_str().unwrap(),
            l["subject"].as_str().unwrap(),
        );
        assert!(shaped(p, s), "{p}: {s}");
        assert!(seen.insert((p, s)), "{p} {s} repeats");
        let uid = l["user_id"].as_str().unwrap();
        assert!(
            per_user.entry(uid).or_default().insert(p),
            "{uid} links {p} twice"
        );
        assert_eq!(
            l["email"], users[uid]["email"],
            "the identity's email is the user's"
        );
        *providers.entry(p).or_default() += 1;
    }
    assert_eq!(providers.len(), 6, "{providers:?}");
    assert!(
        providers["google.com"] > providers["twitter.com"] * 3,
        "{providers:?}"
    );
}

#[test]
fn backup_codes_are_distinct_codes_of_the_declared_shape() {
    let d = tempdir();
    let profile = d.path().join("p.toml");
    std::fs::write(
        &profile,
        "name = \"codes\"\n[tables.users.columns]\nid = { kind = \"uuid\" }\nemail = { kind = \"email\" }\n\
         digits = { kind = \"backup_codes\" }\n\
         groups = { kind = \"backup_codes\", count = 16, format = \"groups\", length = 10 }\n\
         totp = { kind = \"totp_secret\", bytes = 16 }\n\
         phone = { kind = \"mfa_phone\", countries = { GB = 1 } }\n",
    )
    .unwrap();
    let out = d.path().join("o");
    understudy("generate")
        .arg("--quiet")
        .profile(&profile)
        .users(300)
        .flag("--format", "jsonl")
        .flag("--out", &out)
        .run()
        .success();
    for u in jsonl(&out.join("users.jsonl")) {
        let digits: Vec<&str> = u["digits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert_eq!(digits.len(), 10);
        assert!(
            digits
                .iter()
                .all(|c| c.len() == 8 && c.bytes().all(|b| b.is_ascii_digit()))
        );
        assert_eq!(HashSet::<&&str>::from_iter(&digits).len(), 10);
        let groups: Vec<&str> = u["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert_eq!(groups.len(), 16);
        for g in &groups {
            let (a, b) = g.split_once('-').unwrap();
            assert!(
                a.len() == 5
                    && b.len() == 5
                    && g.bytes()
                        .all(|c| c == b'-' || c.is_ascii_digit() || c.is_ascii_lowercase()),
                "{g}"
            );
        }
        let t = u["totp"].as_str().unwrap();
        assert_eq!(t.len(), 26, "16 bytes, unpadded");
        assert_eq!(unbase32(t).unwrap().len(), 16);
        assert!(u["phone"].as_str().unwrap().starts_with("+44"));
    }
}

#[test]
fn output_is_the_same_at_1_and_4_threads() {
    let d = tempdir();
    for (dir, threads) in [("t1", "1"), ("t4", "4")] {
        generate(
            &d.path().join(dir),
            "9000",
            &[
                "--format",
                "jsonl",
                "--threads",
                threads,
                "--edge-rate",
                "0.05",
            ],
        );
    }
    for f in ["users.jsonl", "user_identities.jsonl", "manifest.json"] {
        let a = std::fs::read(d.path().join("t1").join(f)).unwrap();
        let b = std::fs::read(d.path().join("t4").join(f)).unwrap();
        if f == "manifest.json" {
            let strip = |v: &[u8]| {
                let mut m: Value = serde_json::from_slice(v).unwrap();
                m.as_object_mut()
                    .unwrap()
                    .retain(|k, _| k == "tables" || k == "edge_cases");
                m
            };
            assert_eq!(strip(&a), strip(&b));
        } else {
            assert!(a == b, "{f} differs between 1 and 4 threads");
        }
    }
}

/// The edge cases of the `mfa` family land in their columns.
#[test]
fn mfa_edge_cases_land_in_their_columns() {
    let d = tempdir();
    generate(
        d.path(),
        "400",
        &[
            "--format",
            "jsonl",
            "--edge-rate",
            "1.0",
            "--edge-include",
            "mfa",
        ],
    );
    let labels = read_labels(d.path());
    let users: HashMap<String, Value> = jsonl(&d.path().join("users.jsonl"))
        .into_iter()
        .map(|u| (u["id"].as_str().unwrap().to_string(), u))
        .collect();
    let mut hit = HashSet::new();
    for (table, key, field, label) in &labels {
        assert_eq!(table, "users");
        let v = users[key][field.as_str()].as_str().unwrap();
        match label.as_str() {
            "mfa.totp-padded" => assert!(v.ends_with('=') && unbase32(v).unwrap().len() == 16),
            "mfa.totp-lowercase" | "mfa.totp-spaced" => {
                assert_eq!(unbase32(&v.replace(' ', "")).unwrap().len(), 20, "{v}")
            }
            "mfa.phone-no-plus" => {
                assert!(!v.starts_with('+') && v.bytes().all(|b| b.is_ascii_digit()))
            }
            "mfa.phone-national-format" | "mfa.phone-spaced" => assert!(v.contains(' ')),
            other => panic!("unexpected label {other}"),
        }
        hit.insert(label.clone());
    }
    assert_eq!(hit.len(), 6, "{hit:?}");
}

#[test]
fn csv_and_sql_files_carry_backup_codes_as_json() {
    let d = tempdir();
    generate(&d.path().join("csv"), "200", &["--format", "csv"]);
    let (h, rows) = read_csv(&d.path().join("csv/users.csv"));
    let c = h.iter().position(|x| x == "backup_codes").unwrap();
    let with: Vec<&String> = rows.iter().filter_map(|r| r[c].as_ref()).collect();
    assert!(!with.is_empty());
    for v in with {
        let codes: Vec<String> = serde_json::from_str(v).unwrap();
        assert_eq!(codes.len(), 10);
    }
    // SQLite dialect, loaded by SQLite itself.
    generate(
        &d.path().join("sql"),
        "200",
        &["--format", "sql", "--sql-dialect", "sqlite"],
    );
    let db = rusqlite::Connection::open_in_memory().unwrap();
    for t in [
        "organizations",
        "users",
        "roles",
        "user_profiles",
        "sessions",
        "user_roles",
        "user_identities",
    ] {
        let sql = std::fs::read_to_string(d.path().join(format!("sql/{t}.sql"))).unwrap();
        db.execute_batch(&sql)
            .unwrap_or_else(|e| panic!("{t}.sql: {e}"));
    }
    let n: i64 = db
        .query_row(
            "SELECT count(*) FROM users WHERE json_array_length(backup_codes) = 10",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(n > 20, "{n}");
    let bad: i64 = db
        .query_row(
            "SELECT count(*) FROM user_identities i JOIN users u ON u.id = i.user_id WHERE i.email IS NOT u.email",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(bad, 0);
}

/// `saas-mfa` with the second-factor edge cases on: all storable, so every
/// row loads.
fn with_mfa_edges(dir: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/profiles/saas-mfa.toml"
    ))
    .unwrap();
    let p = dir.join("saas-mfa-edges.toml");
    std::fs::write(
        &p,
        format!("{text}\n[edge_cases]\nrate = 0.05\ninclude = [\"mfa\"]\n"),
    )
    .unwrap();
    p
}

fn rehearse_ok(target: &str, report: &Path) {
    understudy("rehearse")
        .profile(with_mfa_edges(report.parent().unwrap()))
        .users(600)
        .flag("--seed", SEED)
        .flag("--hash-mode", "shape")
        .target(target)
        .report(report)
        .arg("-q")
        .run()
        .code(0);
    let r = json(report);
    assert_eq!(r["verify"]["ok"], true, "{}", r["verify"]);
    assert_eq!(r["verify"]["found"], r["rows_expected"]);
}

#[test]
fn rehearsal_into_sqlite_verifies() {
    let d = tempdir();
    let db = d.path().join("t.db");
    rehearse_ok(
        &format!("sqlite:{}", db.display()),
        &d.path().join("r.json"),
    );
    assert!(sqlite_count(&db, "user_identities") > 100);
}

#[test]
fn rehearsal_into_postgres_verifies_and_keeps_codes_as_jsonb() {
    let Some(pg) = Postgres::shared() else { return };
    let d = tempdir();
    let dsn = pg.create_db("identity_graph");
    rehearse_ok(&dsn, &d.path().join("r.json"));
    let mut c = pg.client("identity_graph");
    let n: i64 = c
        .query_one(
            "SELECT count(*) FROM users WHERE jsonb_array_length(backup_codes) = 10",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(n > 50, "{n}");
    // The generated SQL file in the PostgreSQL dialect loads too.
    generate(
        &d.path().join("sql"),
        "100",
        &["--format", "sql", "--sql-dialect", "postgres"],
    );
    // Loaded by psql as a user would run it: stop at the first error.
    pg.create_db("identity_sql");
    let psql = pg_bin().unwrap().join("psql");
    for t in [
        "organizations",
        "users",
        "roles",
        "user_profiles",
        "sessions",
        "user_roles",
        "user_identities",
    ] {
        let o = std::process::Command::new(&psql)
            .args([
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                &pg.dsn("identity_sql"),
                "-f",
            ])
            .arg(d.path().join(format!("sql/{t}.sql")))
            .output()
            .unwrap();
        assert!(
            o.status.success() && o.stderr.is_empty(),
            "psql {t}.sql: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let n: i64 = pg
        .client("identity_sql")
        .query_one("SELECT count(*) FROM user_identities i JOIN users u ON u.id = i.user_id WHERE i.email = u.email", &[])
        .unwrap()
        .get(0);
    assert!(n > 20, "{n}");
}

#[test]
fn rehearsal_into_mariadb_verifies_and_the_mysql_dialect_loads() {
    let Some(db) = Mariadb::start_tcp() else {
        return;
    };
    let d = tempdir();
    let dsn = db.create_db("idg");
    rehearse_ok(&dsn, &d.path().join("r.json"));
    let n = db.query(
        "idg",
        "SELECT count(*) FROM users WHERE JSON_LENGTH(backup_codes) = 10",
    );
    assert!(n.trim().parse::<u64>().unwrap() > 50, "{n}");
    generate(
        &d.path().join("sql"),
        "100",
        &["--format", "sql", "--sql-dialect", "mysql"],
    );
    db.create_db("idg_sql");
    for t in [
        "organizations",
        "users",
        "roles",
        "user_profiles",
        "sessions",
        "user_roles",
        "user_identities",
    ] {
        let o = db.load("idg_sql", &d.path().join(format!("sql/{t}.sql")));
        assert!(
            o.status.success(),
            "{t}.sql: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// The helper an exporter calls: the same factors and links as the files,
/// for a range starting anywhere.
#[test]
fn identity_graph_reads_what_generate_wrote() {
    use understudy::generator::identity::IdentityGraph;
    let d = tempdir();
    generate(
        d.path(),
        "300",
        &["--format", "jsonl", "--edge-rate", "0.2"],
    );
    let users = jsonl(&d.path().join("users.jsonl"));
    let links = jsonl(&d.path().join("user_identities.jsonl"));
    let profile = understudy::profile::Profile::load("saas-mfa").unwrap();
    let domains = profile.domains.clone();
    let plan = understudy::dataset::Plan::new(
        profile,
        300,
        SEED.parse().unwrap(),
        &domains,
        Some(understudy::hash::HashMode::Shape),
        Some(0.2),
    )
    .unwrap();
    let graph = IdentityGraph::new(&plan.profile);
    assert!(!graph.is_empty());
    let mut seen = 0;
    graph.for_users(&plan.generator, 37..300, |user, id| {
        let u = &users[user.index as usize];
        assert_eq!(user.row.get(0).1, u["id"].as_str().unwrap());
        assert_eq!(id.totp_secret.as_deref(), u["totp_secret"].as_str());
        assert_eq!(id.mfa_phone.as_deref(), u["mfa_phone"].as_str());
        let codes: Vec<String> = u["backup_codes"]
            .as_array()
            .map(|a| a.iter().map(|c| c.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        assert_eq!(id.backup_codes, codes);
        let mine: Vec<(String, String)> = links
            .iter()
            .filter(|l| l["user_id"] == u["id"])
            .map(|l| {
                (
                    l["provider"].as_str().unwrap().into(),
                    l["subject"].as_str().unwrap().into(),
                )
            })
            .collect();
        let got: Vec<(String, String)> = id
            .linked
            .iter()
            .map(|l| (l.provider.clone(), l.subject.clone()))
            .collect();
        assert_eq!(got, mine, "user {}", user.index);
        assert!(
            id.linked
                .iter()
                .all(|l| l.email.as_deref() == u["email"].as_str())
        );
        assert!(!user.password.is_empty());
        seen += 1;
    });
    assert_eq!(seen, 263);
}

#[test]
fn identity_kinds_explain_their_mistakes() {
    let d = tempdir();
    let cases: &[(&str, &str)] = &[
        ("t = { kind = \"totp_secret\", bytes = 4 }", "use 10 to 64"),
        (
            "c = { kind = \"backup_codes\", format = \"words\" }",
            "unknown backup-code format",
        ),
        (
            "c = { kind = \"backup_codes\", format = \"groups\", length = 7 }",
            "even number",
        ),
        (
            "p = { kind = \"mfa_phone\", countries = { DE = 1 } }",
            "reserved for fiction",
        ),
        (
            "s = { kind = \"identity_subject\" }",
            "follows the identity_provider column",
        ),
        (
            "p = { kind = \"identity_provider\", providers = { \"gogle.com\" = 1 } }",
            "did you mean `google.com`",
        ),
    ];
    for (i, (col, msg)) in cases.iter().enumerate() {
        let p = d.path().join(format!("p{i}.toml"));
        std::fs::write(
            &p,
            format!("name = \"x\"\n[tables.users.columns]\nid = {{ kind = \"uuid\" }}\n{col}\n"),
        )
        .unwrap();
        understudy("profiles")
            .arg("check")
            .arg(&p)
            .run()
            .code(2)
            .stderr_contains(msg)
            .stderr_contains(":4:");
    }
    // A child table: too many links per user for the providers, and an
    // email copied from a parent without one.
    let p = d.path().join("child.toml");
    std::fs::write(
        &p,
        "name = \"x\"\n[tables.users.columns]\nid = { kind = \"uuid\" }\n\
         [tables.links]\nparent = \"users\"\nper_parent = { dist = \"uniform\", min = 0, max = 3 }\n\
         [tables.links.columns]\nuser_id = { kind = \"parent\" }\n\
         provider = { kind = \"identity_provider\", providers = { \"google.com\" = 1, \"apple.com\" = 1 } }\n",
    )
    .unwrap();
    understudy("profiles")
        .arg("check")
        .arg(&p)
        .run()
        .code(2)
        .stderr_contains("only 2 providers");
    let p = d.path().join("email.toml");
    std::fs::write(
        &p,
        "name = \"x\"\n[tables.users.columns]\nid = { kind = \"uuid\" }\n\
         [tables.links]\nparent = \"users\"\n[tables.links.columns]\nuser_id = { kind = \"parent\" }\n\
         email = { kind = \"identity_email\" }\n",
    )
    .unwrap();
    understudy("profiles")
        .arg("check")
        .arg(&p)
        .run()
        .code(2)
        .stderr_contains("has no email column");
}
