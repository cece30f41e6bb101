//! `generate --format ldif` against a real OpenLDAP server (tests/common/slapd.rs):
//! every file loads with `slapadd` with zero errors, `ldapsearch` returns every
//! entry byte-identical to the file (read by the tests' own LDIF and DN
//! parsers), the entries are the generated rows (the same seed as CSV), every
//! password scheme binds with its password and not with a wrong one, and a
//! Python oracle checks RFC 2849's plain/base64 choice and the folding.

mod common;

use common::ldif::{self, Rec};
use common::slapd::SUFFIX;
use common::{Slapd, read_csv, read_labels, tempdir, understudy};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

type Dn = Vec<Vec<(String, String)>>;

/// `generate --format ldif` into `out` (light hash costs, plaintexts kept).
fn generate(out: &Path, profile: &str, users: u32, extra: &[&str]) {
    understudy("generate")
        .profile(profile)
        .users(users)
        .args(["--format", "ldif", "--quiet", "--hash-cost", "light"])
        .arg("--emit-passwords")
        .args(extra)
        .flag("--out", out)
        .run()
        .success();
}

/// The same users as CSV (the generated rows, for the mapping).
fn generate_csv(out: &Path, profile: &str, users: u32, extra: &[&str]) {
    understudy("generate")
        .profile(profile)
        .users(users)
        .args(["--quiet", "--hash-cost", "light"])
        .args(extra)
        .flag("--out", out)
        .run()
        .success();
}

/// A fresh server loaded with `files` by slapadd, which must report no
/// error; `None` when OpenLDAP is not installed here.
fn load(files: &[PathBuf]) -> Option<Slapd> {
    let mut s = Slapd::new()?;
    let all = s.dir.path().join("all.ldif");
    let mut bytes = Vec::new();
    for f in files {
        bytes.extend(std::fs::read(f).unwrap());
    }
    std::fs::write(&all, bytes).unwrap();
    let o = s.slapadd(&all);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success() && !err.contains("could not") && !err.contains("error"),
        "slapadd: {err}"
    );
    s.serve();
    Some(s)
}

fn read(path: &Path) -> Vec<Rec> {
    ldif::read(&std::fs::read_to_string(path).unwrap())
}

/// Entries by parsed DN, each as its sorted (lowercased name, value) list;
/// DN-valued `member`s compared parsed (a server re-escapes DNs).
fn by_dn(recs: &[Rec]) -> BTreeMap<Dn, Vec<(String, Vec<u8>)>> {
    recs.iter()
        .map(|r| {
            let mut attrs: Vec<(String, Vec<u8>)> = r
                .attrs
                .iter()
                .map(|(n, v)| {
                    let n = n.to_ascii_lowercase();
                    let v = if n == "member" {
                        format!("{:?}", ldif::dn(std::str::from_utf8(v).unwrap())).into_bytes()
                    } else {
                        v.clone()
                    };
                    (n, v)
                })
                .collect();
            attrs.sort();
            (ldif::dn(&r.dn), attrs)
        })
        .collect()
}

/// What slapd holds under the suffix, as `by_dn`.
fn served(s: &Slapd) -> BTreeMap<Dn, Vec<(String, Vec<u8>)>> {
    by_dn(&ldif::read(&s.search(SUFFIX, "(objectClass=*)", &["*"])))
}

fn people(recs: &[Rec]) -> Vec<&Rec> {
    recs.iter()
        .filter(|r| r.get("objectClass").contains(&&b"inetOrgPerson"[..]))
        .collect()
}

fn column(h: &[String], name: &str) -> usize {
    h.iter().position(|c| c == name).unwrap()
}

#[test]
fn ldap_profile_with_edge_cases_loads_and_reads_back_byte_identical() {
    let d = tempdir();
    let (out, csv) = (d.path().join("ldif"), d.path().join("csv"));
    let args = ["--seed", "7", "--edge-rate", "0.2"];
    generate(&out, "ldap", 3000, &args);
    generate_csv(&csv, "ldap", 3000, &args);
    let m = common::manifest(&out);
    assert_eq!(m["format"], "ldif");
    assert_eq!(m["tables"].as_array().unwrap().len(), 1);
    let written = read(&out.join("users.ldif"));
    let skipped = std::fs::read_to_string(out.join("unrepresentable.jsonl")).unwrap();
    let skipped: Vec<serde_json::Value> = skipped
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let persons = people(&written);
    assert_eq!(persons.len() + skipped.len(), 3000);
    assert_eq!(
        written.len(),
        persons.len() + 2,
        "dc=example and ou=people first"
    );
    assert_eq!(written[0].dn, SUFFIX);

    // The entries are the rows: same seed as CSV, mapped attribute by attribute.
    let (h, rows) = read_csv(&csv.join("users.csv"));
    let col = |n: &str| column(&h, n);
    let rows: HashMap<String, &Vec<Option<String>>> = rows
        .iter()
        .map(|r| (r[col("id")].clone().unwrap(), r))
        .collect();
    let text = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    for p in &persons {
        let key = p.one("employeeNumber").unwrap();
        let r = rows[&key];
        let uid = text(&r[col("username")]).unwrap_or(key.clone());
        assert_eq!(p.one("uid").as_ref(), Some(&uid), "{key}");
        assert_eq!(ldif::dn(&p.dn)[0], vec![("uid".into(), uid.clone())]);
        assert_eq!(p.one("mail"), text(&r[col("email")]), "{key}");
        assert_eq!(p.one("givenName"), text(&r[col("first_name")]), "{key}");
        assert_eq!(p.one("displayName"), text(&r[col("display_name")]), "{key}");
        let sn = text(&r[col("last_name")])
            .or(text(&r[col("first_name")]))
            .unwrap_or(uid.clone());
        assert_eq!(p.one("sn"), Some(sn), "{key}");
        // The ldap profile's formats are LDAP schemes already.
        assert_eq!(
            p.one("userPassword"),
            text(&r[col("password_hash")]),
            "{key}"
        );
    }
    // Every row left out is labelled and explained, and is not in the file.
    let keys: HashSet<String> = persons
        .iter()
        .map(|p| p.one("employeeNumber").unwrap())
        .collect();
    for s in &skipped {
        assert!(!s["labels"].as_array().unwrap().is_empty(), "{s}");
        assert!(!s["reason"].as_str().unwrap().is_empty(), "{s}");
        assert!(!keys.contains(s["row_key"].as_str().unwrap()), "{s}");
    }
    // The DN edge cases reach the directory.
    let labels = read_labels(&out);
    let dn_cases: HashSet<&str> = labels
        .iter()
        .filter(|l| l.3.starts_with("username.") && keys.contains(&l.1))
        .map(|l| l.3.as_str())
        .collect();
    for want in [
        "username.dn-comma",
        "username.dn-plus",
        "username.leading-space",
        "username.non-ascii",
    ] {
        assert!(dn_cases.contains(want), "{want} not in {dn_cases:?}");
    }

    let Some(s) = load(&[out.join("users.ldif")]) else {
        return;
    };
    let back = served(&s);
    let want = by_dn(&written);
    assert_eq!(back.len(), want.len());
    for (dn, attrs) in &want {
        let got = back
            .get(dn)
            .unwrap_or_else(|| panic!("{dn:?} is not served"));
        // slapd adds no user attributes: the entry is exactly what was written.
        assert_eq!(got, attrs, "{dn:?}");
    }
}

/// The scheme of a userPassword value: `{SSHA}`, `{CRYPT}$2b`, `{ARGON2}$argon2i`…
fn scheme(v: &str) -> String {
    let s = &v[..=v.find('}').unwrap()];
    match s {
        "{CRYPT}" | "{ARGON2}" => format!("{s}${}", v[s.len() + 1..].split('$').next().unwrap()),
        _ => s.to_string(),
    }
}

/// The directory's people with their plaintext passwords and labels.
fn with_passwords(out: &Path) -> Vec<(Rec, String, Option<String>)> {
    let (_, pw) = read_csv(&out.join("passwords.csv"));
    let pw: HashMap<String, String> = pw
        .into_iter()
        .map(|r| (r[0].clone().unwrap(), r[1].clone().unwrap_or_default()))
        .collect();
    let labels: HashMap<String, String> = if out.join("labels.csv").exists() {
        read_labels(out)
            .into_iter()
            .filter(|l| l.2 == "password_hash")
            .map(|l| (l.1, l.3))
            .collect()
    } else {
        HashMap::new()
    };
    people(&read(&out.join("users.ldif")))
        .into_iter()
        .map(|p| {
            let k = p.one("employeeNumber").unwrap();
            (p.clone(), pw[&k].clone(), labels.get(&k).cloned())
        })
        .collect()
}

const EVERY_LDAP_FORM: &str = r#"name = "every-scheme"
[passwords]
pool_size = 4
mix = [
  { format = "ldap-ssha", share = 1 }, { format = "ldap-ssha256", share = 1 },
  { format = "ldap-ssha512", share = 1 }, { format = "ldap-smd5", share = 1 },
  { format = "ldap-sha", share = 1 }, { format = "ldap-md5", share = 1 },
  { format = "ldap-crypt", share = 1 }, { format = "ldap-crypt-bcrypt", share = 1 },
  { format = "ldap-argon2", share = 1 }, { format = "ldap-pbkdf2-sha256", share = 1 },
  { format = "ldap-pbkdf2-sha512", share = 1 },
  { format = "bcrypt", share = 1 }, { format = "bcrypt-2a", share = 1 }, { format = "bcrypt-2y", share = 1 },
  { format = "sha512-crypt", share = 1 }, { format = "sha256-crypt", share = 1 },
  { format = "md5-crypt", share = 1 }, { format = "yescrypt", share = 1 },
  { format = "scrypt-mcf", share = 1 }, { format = "argon2id", share = 1 },
  { format = "argon2i", share = 1 }, { format = "pbkdf2-sha256", share = 1 },
  { format = "pbkdf2-sha512", share = 1 },
]
[tables.users.columns]
id            = { kind = "uuid" }
username      = { kind = "username", unique = true }
email         = { kind = "email", unique = true }
first_name    = { kind = "first_name" }
last_name     = { kind = "last_name" }
password_hash = { kind = "password_hash" }
"#;

#[test]
fn every_scheme_binds_with_its_password_and_not_with_a_wrong_one() {
    let d = tempdir();
    let profile = d.path().join("every.toml");
    std::fs::write(&profile, EVERY_LDAP_FORM).unwrap();
    let out = d.path().join("out");
    generate(
        &out,
        profile.to_str().unwrap(),
        400,
        &["--hash-mode", "real"],
    );
    let users = with_passwords(&out);
    assert_eq!(users.len(), 400);
    let Some(s) = load(&[out.join("users.ldif")]) else {
        return;
    };
    let mut tried: BTreeMap<String, usize> = BTreeMap::new();
    for (p, pw, _) in &users {
        let sc = scheme(&p.one("userPassword").unwrap());
        let n = tried.entry(sc.clone()).or_default();
        if *n == 3 {
            continue;
        }
        *n += 1;
        assert!(s.bind(&p.dn, pw.as_bytes()), "{sc}: {} does not bind", p.dn);
        let wrong = format!("{pw}!");
        assert!(
            !s.bind(&p.dn, wrong.as_bytes()),
            "{sc}: binds with a wrong password"
        );
    }
    let schemes: Vec<&str> = tried.keys().map(String::as_str).collect();
    assert_eq!(
        schemes,
        [
            "{ARGON2}$argon2i",
            "{ARGON2}$argon2id",
            "{CRYPT}$1",
            "{CRYPT}$2a",
            "{CRYPT}$2b",
            "{CRYPT}$2y",
            "{CRYPT}$5",
            "{CRYPT}$6",
            "{CRYPT}$7",
            "{CRYPT}$y",
            "{MD5}",
            "{PBKDF2-SHA256}",
            "{PBKDF2-SHA512}",
            "{SHA}",
            "{SMD5}",
            "{SSHA256}",
            "{SSHA512}",
            "{SSHA}",
        ]
    );
    assert!(tried.values().all(|n| *n == 3), "{tried:?}");
}

/// What a bind does for a password edge case under a scheme, as slapd 2.5
/// on Debian (libxcrypt) answers: (binds with the password, binds with the
/// password plus one character).
fn expected(label: &str, scheme: &str) -> (bool, bool) {
    let crypt = scheme.starts_with("{CRYPT}");
    match label {
        // RFC 4513: a DN with an empty password is an unauthenticated bind, refused.
        "password.empty" => (false, false),
        // crypt(3) takes a C string (slapd refuses a NUL inside) and libxcrypt
        // refuses passphrases over 512 bytes.
        "password.nul-byte" | "password.1kib" if crypt => (false, false),
        // bcrypt reads 72 bytes: the 73rd changes nothing.
        "password.bcrypt-72-bytes" | "password.bcrypt-over-72-bytes"
            if scheme.starts_with("{CRYPT}$2") =>
        {
            (true, true)
        }
        _ => (true, false),
    }
}

#[test]
fn password_edge_cases_bind_as_each_scheme_allows() {
    let d = tempdir();
    let profile = d.path().join("pw.toml");
    std::fs::write(
        &profile,
        r#"name = "pw"
[passwords]
pool_size = 4
mix = [
  { format = "ldap-ssha", share = 1 }, { format = "ldap-crypt", share = 1 },
  { format = "ldap-crypt-bcrypt", share = 1 }, { format = "ldap-argon2", share = 1 },
  { format = "ldap-pbkdf2-sha256", share = 1 },
]
[tables.users.columns]
id            = { kind = "uuid" }
username      = { kind = "username", unique = true }
email         = { kind = "email", unique = true }
password_hash = { kind = "password_hash" }
"#,
    )
    .unwrap();
    let out = d.path().join("out");
    let args = [
        "--edge-rate",
        "1",
        "--edge-include",
        "password",
        "--hash-mode",
        "real",
    ];
    generate(&out, profile.to_str().unwrap(), 250, &args);
    let users = with_passwords(&out);
    let Some(s) = load(&[out.join("users.ldif")]) else {
        return;
    };
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (p, pw, label) in &users {
        let label = label.clone().expect("every password is an edge case");
        let sc = scheme(&p.one("userPassword").unwrap());
        let (ok, wrong_ok) = expected(&label, &sc);
        let wrong = format!("{pw}!");
        assert_eq!(s.bind(&p.dn, pw.as_bytes()), ok, "{label} {sc}: {}", p.dn);
        assert_eq!(
            s.bind(&p.dn, wrong.as_bytes()),
            wrong_ok,
            "{label} {sc}: a wrong password"
        );
        *seen.entry((label, sc)).or_default() += 1;
    }
    for want in [
        ("password.bcrypt-over-72-bytes", "{CRYPT}$2b"),
        ("password.nul-byte", "{CRYPT}$6"),
        ("password.nul-byte", "{SSHA}"),
        ("password.1kib", "{ARGON2}$argon2id"),
        ("password.empty", "{PBKDF2-SHA256}"),
    ] {
        assert!(
            seen.contains_key(&(want.0.to_string(), want.1.to_string())),
            "{want:?} not tried: {seen:?}"
        );
    }
}

#[test]
fn saas_groups_hold_exactly_the_join_rows_of_the_users_in_the_directory() {
    let d = tempdir();
    let (out, csv) = (d.path().join("ldif"), d.path().join("csv"));
    let args = ["--seed", "3", "--edge-rate", "0.2"];
    generate(&out, "saas", 2000, &args);
    generate_csv(&csv, "saas", 2000, &args);
    let m = common::manifest(&out);
    let files: Vec<&str> = (m["tables"].as_array().unwrap().iter())
        .map(|t| t["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["users.ldif", "user_roles.ldif"]);
    let written = read(&out.join("users.ldif"));
    let groups = read(&out.join("user_roles.ldif"));
    // The users' keys by DN, and the join rows from the CSV.
    let key_of: HashMap<Dn, String> = people(&written)
        .iter()
        .map(|p| (ldif::dn(&p.dn), p.one("employeeNumber").unwrap()))
        .collect();
    let (rh, roles) = read_csv(&csv.join("roles.csv"));
    let role_name: HashMap<String, String> = roles
        .iter()
        .map(|r| {
            (
                r[column(&rh, "id")].clone().unwrap(),
                r[column(&rh, "name")].clone().unwrap(),
            )
        })
        .collect();
    let (jh, join) = read_csv(&csv.join("user_roles.csv"));
    let keys: HashSet<&String> = key_of.values().collect();
    let mut want: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &join {
        let user = r[column(&jh, "user_id")].clone().unwrap();
        if keys.contains(&user) {
            let role = &role_name[r[column(&jh, "role_id")].as_ref().unwrap()];
            want.entry(role.clone()).or_default().push(user);
        }
    }
    let mut got: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for g in &groups {
        assert_eq!(
            ldif::dn(&g.dn)[1..],
            ldif::dn(&format!("ou=groups,{SUFFIX}"))[..]
        );
        let members = g
            .get("member")
            .iter()
            .map(|m| key_of[&ldif::dn(std::str::from_utf8(m).unwrap())].clone())
            .collect();
        got.insert(g.one("cn").unwrap(), members);
    }
    assert_eq!(got, want, "members in user order, as the join rows are");
    let Some(s) = load(&[out.join("users.ldif"), out.join("user_roles.ldif")]) else {
        return;
    };
    let back = served(&s);
    let all: Vec<Rec> = written.into_iter().chain(groups).collect();
    assert_eq!(back, by_dn(&all));
}

#[test]
fn rfc_2849_plain_or_base64_and_folding_checked_by_python() {
    let d = tempdir();
    let (narrow, wide) = (d.path().join("w40"), d.path().join("w0"));
    let args = ["--seed", "11", "--edge-rate", "0.3"];
    generate(
        &narrow,
        "ldap",
        1500,
        &[&args[..], &["--ldif-wrap", "40"]].concat(),
    );
    generate(
        &wide,
        "ldap",
        1500,
        &[&args[..], &["--ldif-wrap", "0"]].concat(),
    );
    let oracle = r#"
import base64, sys
SAFE = lambda c: 0x01 <= c <= 0x7f and c not in (0x0a, 0x0d)
def safe_string(v):
    return (not v or (v[0] not in b' :<' and all(SAFE(c) for c in v) and v[-1:] != b' '))
def check(path, width):
    data = open(path, 'rb').read()
    assert data.isascii(), path
    assert data.endswith(b'\n\n'), 'an entry ends with a blank line'
    logical, plain, b64 = [], 0, 0
    for raw in data.split(b'\n'):
        if width:
            assert len(raw) <= width, (path, raw)
        if raw.startswith(b' '):
            logical[-1] += raw[1:]
        else:
            logical.append(raw)
    if not width:
        assert all(not l.startswith(b' ') for l in data.split(b'\n')), 'no folding at 0'
    for l in logical:
        if not l or l.startswith(b'#'):
            continue
        name, sep, rest = l.partition(b':')
        assert sep and name.replace(b'-', b'').replace(b';', b'').isalnum(), l
        if rest.startswith(b':'):
            v = base64.b64decode(rest[1:].strip(), validate=True)
            assert not safe_string(v), ('base64 for a SAFE-STRING', l, v)
            v.decode('utf-8')
            b64 += 1
        else:
            assert rest.startswith(b' '), l
            v = rest[1:]
            assert safe_string(v), ('plain value that is not a SAFE-STRING', l)
            plain += 1
    return [l for l in logical if l]
narrow, wide = check(sys.argv[1], 40), check(sys.argv[2], 0)
assert narrow == wide, 'folding changes nothing once unfolded'
print(len(narrow))
"#;
    let o = std::process::Command::new("python3")
        .arg("-c")
        .arg(oracle)
        .arg(narrow.join("users.ldif"))
        .arg(wide.join("users.ldif"))
        .output();
    let Ok(o) = o else {
        common::skip("python3 not found");
        return;
    };
    assert!(
        o.status.success(),
        "the RFC 2849 oracle: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let lines: usize = String::from_utf8_lossy(&o.stdout).trim().parse().unwrap();
    assert!(lines > 1500 * 8, "{lines} logical lines");
    let text = std::fs::read_to_string(narrow.join("users.ldif")).unwrap();
    assert!(text.contains("\ndn:: "), "a DN in base64");
    assert!(text.contains("\n "), "folded lines");
}

#[test]
fn shards_concatenate_and_groups_refuse_shards() {
    let d = tempdir();
    let whole = d.path().join("whole");
    generate(&whole, "ldap", 900, &["--edge-rate", "0.1"]);
    let mut cat = Vec::new();
    for k in 1..=3 {
        let o = d.path().join(format!("s{k}"));
        generate(
            &o,
            "ldap",
            900,
            &["--edge-rate", "0.1", "--shard", &format!("{k}/3")],
        );
        cat.extend(std::fs::read(o.join("users.ldif")).unwrap());
    }
    assert_eq!(cat, std::fs::read(whole.join("users.ldif")).unwrap());
    understudy("generate")
        .profile("saas")
        .users(90)
        .args(["--format", "ldif", "--shard", "1/3"])
        .flag("--out", d.path().join("refused"))
        .run()
        .code(2)
        .stderr_contains("[ldap] groups = \"\"");
}

#[test]
fn refusals_explain_themselves() {
    let d = tempdir();
    let bad = |name: &str, extra: &str| {
        let p = d.path().join(format!("{name}.toml"));
        let saas =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/profiles/ldap.toml"))
                .unwrap()
                .replace(
                    "[ldap]\nbase_dn = \"ou=people,dc=example,dc=org\"\nrdn = \"uid\"\n",
                    extra,
                );
        std::fs::write(&p, saas).unwrap();
        understudy("generate")
            .profile(&p)
            .users(10)
            .args(["--format", "ldif"])
            .flag("--out", d.path().join(name))
            .run()
            .code(2)
    };
    bad("cn", "[ldap]\nbase_dn = \"cn=people,dc=example,dc=org\"\n")
        .stderr_contains("invalid profile")
        .stderr_contains("`cn=` in a base DN");
    bad("rdn", "[ldap]\nrdn = \"cn\"\n").stderr_contains("use cn+uid");
    bad("groups", "[ldap]\ngroups = \"users\"\n").stderr_contains("not a join table");
    understudy("generate")
        .users(10)
        .args(["--format", "ldif", "--encoding", "windows-1252"])
        .flag("--out", d.path().join("enc"))
        .run()
        .code(2)
        .stderr_contains("UTF-8");
    let mysql = d.path().join("mysql.toml");
    std::fs::write(
        &mysql,
        "name = \"m\"\n[passwords]\nmix = [ { format = \"mysql41\", share = 1 } ]\n[tables.users.columns]\nid = { kind = \"uuid\" }\npassword_hash = { kind = \"password_hash\" }\n",
    )
    .unwrap();
    understudy("generate")
        .profile(&mysql)
        .users(10)
        .args(["--format", "ldif"])
        .flag("--out", d.path().join("m"))
        .run()
        .code(2)
        .stderr_contains("mysql41 cannot be an LDAP userPassword");
}
