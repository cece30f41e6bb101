//! `rehearse --target ldap://…` against a real OpenLDAP server
//! (tests/common/slapd.rs): entries added and read back equal to the ground
//! truth, every password scheme binding with its own password and none with
//! a wrong one, rejects carrying the server's result class and the edge
//! case's label, resume exactly once after an interrupted load, and the
//! failures a directory can give (unreachable, refused bind, not empty).

mod common;

use common::slapd::{ROOT_DN, ROOT_PW};
use common::{Slapd, json, tempdir, understudy};
use std::process::Command;

const PROFILE: &str = "ldap";

/// `rehearse` into `s` as the root DN (password from LDAP_PASSWORD).
fn rehearse(s: &Slapd, users: u32, report: &std::path::Path) -> common::Understudy {
    understudy("rehearse")
        .profile(PROFILE)
        .users(users)
        .args(["--edge-rate", "0.05", "--batch", "200"])
        .target(s.url())
        .flag("--bind-dn", ROOT_DN)
        .env("LDAP_PASSWORD", ROOT_PW)
        .report(report)
}

fn ldapdelete(s: &Slapd, dns: &[String]) {
    let o = Command::new("ldapdelete")
        .args(["-x", "-c", "-H"])
        .arg(s.url())
        .args(["-D", ROOT_DN, "-w", ROOT_PW])
        .args(dns)
        .output()
        .expect("ldapdelete");
    assert!(
        o.status.success(),
        "ldapdelete: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// DNs of the entries under `base` matching `filter` (`dn::` lines decoded).
fn dns(s: &Slapd, base: &str, filter: &str) -> Vec<String> {
    use base64::Engine;
    s.search(base, filter, &["1.1"])
        .lines()
        .filter_map(|l| match l.strip_prefix("dn:: ") {
            Some(b) => Some(
                String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b).unwrap())
                    .unwrap(),
            ),
            None => l.strip_prefix("dn: ").map(str::to_string),
        })
        .collect()
}

/// The primary keys (`employeeNumber`) of users `range`, from the same
/// users generated as CSV.
fn keys(range: std::ops::Range<usize>, users: u32) -> Vec<String> {
    let d = tempdir();
    understudy("generate")
        .profile(PROFILE)
        .users(users)
        .args(["--edge-rate", "0.05", "--quiet", "--hash-mode", "shape"])
        .flag("--out", d.path())
        .run()
        .success();
    let (header, rows) = common::read_csv(&d.path().join("users.csv"));
    let id = header.iter().position(|h| h == "id").unwrap();
    rows[range]
        .iter()
        .map(|r| r[id].clone().unwrap_or_default())
        .collect()
}

#[test]
fn rehearse_adds_reads_back_and_binds_every_scheme() {
    let Some(s) = Slapd::start() else { return };
    let d = tempdir();
    let r = d.path().join("r.json");
    rehearse(&s, 1500, &r)
        .flag("--rejects", d.path().join("rejects.jsonl"))
        .run()
        .success()
        .text_lacks(ROOT_PW);
    let rep = json(&r);
    let v = &rep["verify"];
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["missing"], 0);
    assert_eq!(v["extra"], 0);
    assert_eq!(v["mismatched"], 0);
    assert!(v["expected"].as_u64().unwrap() > 1400);
    assert_eq!(
        v["expected"].as_u64().unwrap() + v["rejected"].as_u64().unwrap(),
        1500
    );
    assert_eq!(
        v["tables"][0]["digest_expected"],
        v["tables"][0]["digest_found"]
    );
    // Every scheme of the profile binds with its password, none with a wrong one.
    let pw = &v["passwords"];
    let schemes = pw["by_scheme"].as_object().unwrap();
    assert_eq!(schemes.len(), 6, "{pw}");
    for (name, sc) in schemes {
        assert!(sc["checked"].as_u64().unwrap() > 0, "{name}");
        assert_eq!(sc["verified"], sc["checked"], "{name}: {sc}");
        assert_eq!(sc["wrong_refused"], sc["checked"], "{name}: {sc}");
        assert_eq!(sc["wrong_accepted"], 0, "{name}");
    }
    assert_eq!(pw["failed"], 0);
    // The server's own refusals, with class and label: non-ASCII mail is
    // invalidAttributeSyntax (charset); each reject has its edge case.
    let rejects = std::fs::read_to_string(d.path().join("rejects.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = rejects
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len() as u64, rep["rows_rejected"].as_u64().unwrap());
    assert!(!lines.is_empty());
    for l in &lines {
        assert!(!l["labels"].as_array().unwrap().is_empty(), "{l}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l["class"] == "charset" && l["message"].as_str().unwrap().contains("LDAP 21"))
    );
    let by_label = rep["errors_by_label"].as_object().unwrap();
    assert!(
        by_label.keys().all(|k| !k.starts_with("no-edge-case")),
        "{by_label:?}"
    );
    // The entries the server holds are the regenerated ones, as slapd says.
    let people = dns(
        &s,
        "ou=people,dc=example,dc=org",
        "(objectClass=inetOrgPerson)",
    );
    assert_eq!(people.len() as u64, v["found"].as_u64().unwrap());
    assert_eq!(rep["ldap"]["base_created"].as_array().unwrap().len(), 2);
    // A second run without --resume is refused: the directory holds one.
    rehearse(&s, 1500, &d.path().join("again.json"))
        .run()
        .code(2)
        .stderr_contains("--resume");
}

#[test]
fn resume_after_an_interrupted_load_is_exactly_once() {
    let Some(s) = Slapd::start() else { return };
    let d = tempdir();
    rehearse(&s, 1000, &d.path().join("first.json"))
        .arg("--no-verify")
        .run()
        .success();
    // As if killed during batches 1 and 3: their progress entries never
    // written, and only part of their people added.
    let progress = "ou=understudy-progress,dc=example,dc=org";
    ldapdelete(
        &s,
        &[
            format!("cn=users-1,{progress}"),
            format!("cn=users-3,{progress}"),
        ],
    );
    let mut wanted: Vec<String> = keys(200..400, 1000);
    wanted.extend(keys(600..800, 1000));
    let filter: String = wanted
        .iter()
        .step_by(5)
        .map(|k| format!("(employeeNumber={k})"))
        .collect();
    let gone = dns(&s, "ou=people,dc=example,dc=org", &format!("(|{filter})"));
    assert!(gone.len() > 60, "{}", gone.len());
    ldapdelete(&s, &gone);
    let r = d.path().join("resumed.json");
    rehearse(&s, 1000, &r).arg("--resume").run().success();
    let rep = json(&r);
    let v = &rep["verify"];
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(
        (v["missing"].as_u64(), v["extra"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(v["duplicated"], 0);
    assert_eq!(rep["resumed"], true);
    // Batches 1 and 3 again (400 users): some re-added, the rest found as
    // they were, counted once; the refused users are the first run's, once.
    let first = json(&d.path().join("first.json"));
    assert_eq!(rep["rows_skipped"], 600, "{rep}");
    let loaded = rep["rows_loaded"].as_u64().unwrap();
    let present = rep["ldap"]["already_present"].as_u64().unwrap();
    assert!(present > 0 && present < loaded, "{}", rep["ldap"]);
    assert_eq!(rep["rows_rejected"], first["rows_rejected"]);
    assert_eq!(rep["errors_by_class"], first["errors_by_class"]);
    assert_eq!(rep["errors_by_label"], first["errors_by_label"]);
    assert_eq!(
        v["expected"].as_u64().unwrap() + v["rejected"].as_u64().unwrap(),
        1000
    );
    // Resuming with other parameters is refused.
    rehearse(&s, 1200, &d.path().join("other.json"))
        .arg("--resume")
        .run()
        .code(2)
        .stderr_contains("different parameters");
}

#[test]
fn unreachable_refused_bind_and_redaction() {
    let Some(s) = Slapd::start() else { return };
    let d = tempdir();
    // Nothing listening: exit 3 within seconds, with the hint.
    understudy("rehearse")
        .profile(PROFILE)
        .users(10)
        .target(format!("ldap://127.0.0.1:{}", common::closed_port()))
        .flag("--bind-dn", ROOT_DN)
        .env("LDAP_PASSWORD", ROOT_PW)
        .within(std::time::Duration::from_secs(20))
        .run()
        .code(3)
        .stderr_contains("hint:");
    // A wrong password in the URL: exit 2, the password never shown.
    let url = format!("ldap://{ROOT_DN}:Wr0ng-pa55@127.0.0.1:{}", s.port);
    understudy("rehearse")
        .profile(PROFILE)
        .users(10)
        .target(&url)
        .env_remove("LDAP_PASSWORD")
        .run()
        .code(2)
        .stderr_contains("invalidCredentials")
        .text_lacks("Wr0ng-pa55");
    // The right one in the URL: loads, and neither output nor report shows it.
    let r = d.path().join("r.json");
    let url = format!("ldap://{ROOT_DN}:{ROOT_PW}@127.0.0.1:{}", s.port);
    understudy("rehearse")
        .profile(PROFILE)
        .users(50)
        .target(&url)
        .env_remove("LDAP_PASSWORD")
        .report(&r)
        .run()
        .success()
        .text_lacks(ROOT_PW);
    let text = std::fs::read_to_string(&r).unwrap();
    assert!(!text.contains(ROOT_PW));
    assert!(
        text.contains("ldap://cn=admin,dc=example,dc=org:***@127.0.0.1"),
        "{text}"
    );
    // Flags a directory does not take.
    understudy("rehearse")
        .profile(PROFILE)
        .users(10)
        .target(&url)
        .args(["--method", "insert"])
        .run()
        .code(2)
        .text_lacks(ROOT_PW);
}
