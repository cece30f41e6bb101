//! Profiles: the shipped ones load, `profiles` subcommands work, and every
//! kind of bad profile is refused with exit 2 and a message that says where
//! and what to do.

mod common;

use common::*;

fn refuse(body: &str, expect: &[&str]) {
    let d = tempdir();
    let p = d.path().join("bad.toml");
    std::fs::write(&p, body).unwrap();
    let err = understudy("generate")
        .profile(&p)
        .users(5)
        .flag("--out", d.path().join("o"))
        .run()
        .code(2)
        .err();
    assert!(err.contains("bad.toml:"), "no file:line in {err}");
    for e in expect {
        assert!(err.contains(e), "expected `{e}` in:\n{err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        !d.path().join("o").exists(),
        "nothing written for a bad profile"
    );
}

const USERS: &str = "name = \"t\"\n[tables.users.columns]\nid = { kind = \"uuid\" }\n";

#[test]
fn wrong_type() {
    refuse(
        &format!("{USERS}flag = {{ kind = \"bool\", rate = \"high\" }}\n"),
        &["bad.toml:4:", "rate", "expected a number, found string"],
    );
}

#[test]
fn rate_out_of_range() {
    refuse(
        &format!("{USERS}flag = {{ kind = \"bool\", null_rate = 1.5 }}\n"),
        &["null_rate", "0.0 to 1.0"],
    );
}

#[test]
fn unknown_kind_suggests() {
    refuse(
        &format!("{USERS}mail = {{ kind = \"emial\" }}\n"),
        &["unknown column kind `emial`", "did you mean `email`"],
    );
}

#[test]
fn unknown_top_level_key() {
    refuse(
        &format!("nmae = \"x\"\n{USERS}"),
        &["bad.toml:1:1", "unknown key `nmae`", "did you mean `name`"],
    );
}

#[test]
fn impossible_distribution() {
    refuse(
        &format!(
            "{USERS}[tables.s]\nparent = \"users\"\nper_parent = {{ dist = \"zipf\", max = 10, mean = 7 }}\n[tables.s.columns]\nid = {{ kind = \"sequence\" }}\n"
        ),
        &["bad.toml:6:", "mean = 7 is impossible"],
    );
    refuse(
        &format!(
            "{USERS}[tables.s]\nparent = \"users\"\nper_parent = {{ dist = \"uniform\", min = 5, max = 2 }}\n[tables.s.columns]\nid = {{ kind = \"sequence\" }}\n"
        ),
        &["max (2) is below min (5)"],
    );
    refuse(
        &format!(
            "{USERS}[tables.s]\nparent = \"users\"\nper_parent = {{ dist = \"histogram\", weights = {{ 0 = 3, two = 1 }} }}\n[tables.s.columns]\nid = {{ kind = \"sequence\" }}\n"
        ),
        &["bad.toml:6:", "`two` is not a count of children"],
    );
    refuse(
        &format!(
            "{USERS}[tables.s]\nparent = \"users\"\nper_parent = {{ dist = \"histogram\" }}\n[tables.s.columns]\nid = {{ kind = \"sequence\" }}\n"
        ),
        &["needs `weights`"],
    );
}

#[test]
fn foreign_key_to_missing_table() {
    refuse(
        &format!(
            "{USERS}org = {{ kind = \"reference\", table = \"orgs\" }}\n[tables.organizations]\nrows = 5\n[tables.organizations.columns]\nid = {{ kind = \"sequence\" }}\n"
        ),
        &[
            "bad.toml:4:",
            "referenced table `orgs` is not defined",
            "tables defined: users, organizations",
        ],
    );
    refuse(
        &format!(
            "{USERS}[tables.s]\nparent = \"user\"\n[tables.s.columns]\nid = {{ kind = \"sequence\" }}\n"
        ),
        &["parent table `user` is not defined", "did you mean `users`"],
    );
}

#[test]
fn reference_cycle() {
    refuse(
        "name = \"t\"\n[tables.users.columns]\nid = { kind = \"uuid\" }\norg = { kind = \"reference\", table = \"orgs\" }\n[tables.orgs]\nrows = 3\n[tables.orgs.columns]\nid = { kind = \"sequence\" }\nowner = { kind = \"reference\", table = \"users\" }\n",
        &["cycle"],
    );
}

#[test]
fn too_many_distinct_references() {
    refuse(
        &format!(
            "{USERS}[tables.roles]\nrows = 2\n[tables.roles.columns]\nid = {{ kind = \"sequence\" }}\n[tables.ur]\nparent = \"users\"\nper_parent = {{ dist = \"uniform\", min = 1, max = 3 }}\n[tables.ur.columns]\nu = {{ kind = \"parent\" }}\nr = {{ kind = \"reference\", table = \"roles\", distinct = true }}\n"
        ),
        &["only 2 rows"],
    );
}

#[test]
fn unknown_hash_format_and_parameter() {
    refuse(
        &format!(
            "{USERS}pw = {{ kind = \"password_hash\" }}\n[passwords]\nmix = [ {{ format = \"bcryp\" }} ]\n"
        ),
        &["unknown hash format `bcryp`", "did you mean `bcrypt`"],
    );
    refuse(
        &format!(
            "{USERS}pw = {{ kind = \"password_hash\" }}\n[passwords]\nmix = [ {{ format = \"bcrypt\", params = {{ cots = 10 }} }} ]\n"
        ),
        &["unknown parameter `cots`", "did you mean `cost`"],
    );
}

#[test]
fn invalid_toml() {
    refuse(
        "name = \"x\"\n[tables.users.columns]\nid = { kind = \"uuid\" \n",
        &["bad.toml:3:", "not valid TOML"],
    );
}

#[test]
fn unknown_shipped_profile() {
    let o = run(&["generate", "--profile", "sas", "--users", "5"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("did you mean `saas`"), "{err}");
}

#[test]
fn shipped_profiles_list_show_check() {
    let list = String::from_utf8(ok(&["profiles", "list"])).unwrap();
    assert!(list.contains("saas") && list.contains("bench-8"));
    let shown = ok(&["profiles", "show", "saas"]);
    assert_eq!(
        shown,
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/profiles/saas.toml")).unwrap()
    );
    let check = String::from_utf8(ok(&["profiles", "check", "saas"])).unwrap();
    assert!(
        check.contains("sessions") && check.contains("per users row"),
        "{check}"
    );
}

#[test]
fn a_path_works_from_any_directory_and_names_work_too() {
    let d = tempdir();
    understudy("generate")
        .current_dir(d.path())
        .profile("bench-8")
        .users(10)
        .flag("--out", "o")
        .arg("--quiet")
        .run()
        .success();
    assert!(d.path().join("o/users.csv").exists());
}

#[test]
fn help_has_examples() {
    let help = String::from_utf8(ok(&["generate", "--help"])).unwrap();
    assert!(help.contains("Examples:") && help.contains("--shard"));
}

#[test]
fn an_edge_cases_section_is_read_and_applied() {
    let d = tempdir();
    let p = d.path().join("edgy.toml");
    std::fs::write(
        &p,
        format!("{USERS}email = {{ kind = \"email\" }}\n[edge_cases]\nrate = 0.5\ninclude = [\"email\"]\n"),
    )
    .unwrap();
    let out = d.path().join("o");
    understudy("generate")
        .profile(&p)
        .users(200)
        .flag("--out", &out)
        .run()
        .success();
    let labels = std::fs::read_to_string(out.join("labels.csv")).unwrap();
    let n = labels.lines().filter(|l| l.contains("email.")).count();
    assert!(
        n > 50,
        "the profile's rate 0.5 on the email family: {n} labels\n{labels}"
    );
}

#[test]
fn names_equal_apart_from_case_are_refused() {
    refuse(
        &format!("{USERS}email = {{ kind = \"email\" }}\nEmail = {{ kind = \"email\" }}\n"),
        &["bad.toml:5:1", "`Email`", "`email`", "letter case"],
    );
    refuse(
        &format!(
            "{USERS}[tables.Users]\nrows = 3\n[tables.Users.columns]\nid = {{ kind = \"uuid\" }}\n"
        ),
        &["bad.toml:4:9", "`Users`", "`users`", "letter case"],
    );
    // `profiles check` refuses it too, before any rehearsal would.
    let d = tempdir();
    let p = d.path().join("bad.toml");
    std::fs::write(
        &p,
        format!("{USERS}email = {{ kind = \"email\" }}\nEMAIL = {{ kind = \"text\" }}\n"),
    )
    .unwrap();
    let o = run(&["profiles", "check", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("`EMAIL`"));
}

#[test]
fn duplicate_key_is_named() {
    refuse(
        &format!("{USERS}email = {{ kind = \"email\" }}\nemail = {{ kind = \"text\" }}\n"),
        &["bad.toml:5:1", "duplicate key `email`"],
    );
}
