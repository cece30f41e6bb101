//! What every command does with the values and pipes a user hands it:
//! out-of-range numbers are refused (exit 2, naming the flag and the range,
//! nothing written); a closed pipe on stdout ends the process the way it ends
//! `cat` (SIGPIPE, no message); every `--help` carries examples.

mod common;

use common::*;
use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;

/// Each command with one numeric flag left as `{}`, and values it must refuse.
fn cases(dir: &Path) -> Vec<(Vec<String>, &'static str, Vec<&'static str>)> {
    let out = dir.join("out").display().to_string();
    let leaks = dir.join("log.txt").display().to_string();
    let v = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
    let rates = vec!["7", "-3", "1.0001", "NaN", "inf", "-inf", "abc"];
    let counts = vec!["0", "-1", "1.5", "abc", "1e3", "99999999999999999999999"];
    let mut users = counts.clone();
    users.push("10000000001");
    let mut days = counts.clone();
    days.push("3651");
    let positives = vec!["0", "-1", "NaN", "inf", "abc"];
    let workers = vec!["0", "-1", "100000", "abc"];
    let durations = vec![
        "-5s",
        "inf",
        "NaNs",
        "99999999999999999999h",
        "8761h",
        "5",
        "1e400s",
    ];
    let mut positive_durations = durations.clone();
    positive_durations.extend(["0s", "0ms"]);
    let gen_ = format!("generate --users 10 --out {out} --quiet");
    let reh = "rehearse --users 10 --target sqlite:r.db --quiet".to_string();
    let est = "estimate --production-users 1000 --target sqlite:e.db --quiet".to_string();
    let jit = "jit --users 10 --legacy sqlite:l.db --new http://127.0.0.1:1 --api okta".to_string();
    let scan = format!("scan-leaks {leaks} --users 10 --hash-cost light");
    let emu = "emulate okta --listen 127.0.0.1:0 --for 1s".to_string();
    vec![
        (v(&gen_), "--edge-rate", rates.clone()),
        (v(&gen_), "--threads", workers.clone()),
        (
            v(&gen_),
            "--ldif-wrap",
            vec!["1", "7", "-1", "1000001", "abc"],
        ),
        // generate streams any 64-bit count; the others plan up to 10^10.
        (
            v(&format!("generate --out {out}")),
            "--users",
            counts.clone(),
        ),
        (v(&reh), "--edge-rate", rates.clone()),
        (v(&reh), "--workers", workers.clone()),
        (v(&reh), "--rate", positives.clone()),
        (v(&reh), "--max-attempts", counts.clone()),
        (v(&reh), "--batch", counts.clone()),
        (v(&reh), "--production-users", users.clone()),
        (v("rehearse --target sqlite:r.db"), "--users", users.clone()),
        (v(&est), "--edge-rate", rates.clone()),
        (v(&est), "--sample-users", users.clone()),
        (v(&est), "--repeat", counts.clone()),
        (v(&est), "--batch", counts.clone()),
        (v(&est), "--workers", workers.clone()),
        (
            v(&est),
            "--sample",
            vec!["0", "-3", "150%", "NaN", "inf", "abc"],
        ),
        (
            v("estimate --target sqlite:e.db"),
            "--production-users",
            users.clone(),
        ),
        (v(&jit), "--edge-rate", rates.clone()),
        (v(&jit), "--days", days.clone()),
        (v(&jit), "--speed", positives.clone()),
        (v(&jit), "--workers", workers.clone()),
        (v(&jit), "--forecast-days", days.clone()),
        (
            v("jit --legacy sqlite:l.db --new http://127.0.0.1:1 --api okta"),
            "--users",
            users.clone(),
        ),
        (v(&scan), "--edge-rate", rates.clone()),
        (v(&scan), "--min-length", counts.clone()),
        (v(&format!("scan-leaks {leaks}")), "--users", users.clone()),
        (v(&emu), "--error-rate", rates.clone()),
        (v(&emu), "--burst", counts.clone()),
        (
            v(&emu),
            "--rate",
            vec!["0/s", "-5/s", "inf/s", "NaN/s", "5"],
        ),
        (
            v("emulate okta --listen 127.0.0.1:0"),
            "--for",
            positive_durations.clone(),
        ),
        (
            v(&emu),
            "--latency",
            vec!["-5ms", "8761h", "1ms±9999999999999999999h", "fast"],
        ),
        (
            v("proxy --upstream 127.0.0.1:1 --listen 127.0.0.1:0"),
            "--for",
            positive_durations.clone(),
        ),
        (v(&reh), "--retry-for", durations.clone()),
        (v(&est), "--budget", positive_durations.clone()),
    ]
}

#[test]
fn every_numeric_flag_refuses_out_of_range_values_naming_the_flag() {
    let d = tempdir();
    std::fs::write(d.path().join("log.txt"), "nothing here\n").unwrap();
    let work = d.path().join("cwd");
    std::fs::create_dir(&work).unwrap();
    for (base, flag, bad) in cases(d.path()) {
        for value in bad {
            let mut args = base.clone();
            args.push(format!("{flag}={value}"));
            let o = bin().args(&args).current_dir(&work).output().unwrap();
            let err = String::from_utf8_lossy(&o.stderr);
            let shown = args.join(" ");
            assert_eq!(o.status.code(), Some(2), "{shown}: {err}");
            assert!(
                err.contains(flag),
                "{shown}: the message does not name {flag}: {err}"
            );
            assert!(!err.contains("panicked"), "{shown}: {err}");
            assert!(
                [
                    "from 1 to",
                    "from 0.0 to 1.0",
                    "above 0",
                    "N/s",
                    "1 ≤ K ≤ N",
                    "8760h",
                    "from 8 to"
                ]
                .iter()
                .any(|r| err.contains(r)),
                "{shown}: the message gives no valid range: {err}"
            );
            assert_eq!(
                std::fs::read_dir(&work).unwrap().count(),
                0,
                "{shown} wrote into the working directory"
            );
            assert!(!d.path().join("out").exists(), "{shown} wrote its output");
        }
    }
}

#[test]
fn a_shard_count_above_the_users_is_refused() {
    let d = tempdir();
    for (shard, users) in [
        ("2/99999999999", "100"),
        ("11/11", "10"),
        ("0/3", "10"),
        ("4/3", "10"),
    ] {
        let out = d.path().join("o");
        let err = sharded(users, shard, &out).run().code(2).err();
        assert!(err.contains("--shard") || err.contains(shard), "{err}");
        assert!(!out.exists(), "--shard {shard} wrote {}", out.display());
    }
    // The largest shard count that still gives every shard a user works.
    sharded("10", "10/10", &d.path().join("ok")).run().success();
}

fn sharded(users: &str, shard: &str, out: &Path) -> Understudy {
    understudy("generate")
        .users(users)
        .flag("--shard", shard)
        .flag("--out", out)
        .arg("--quiet")
}

/// Runs understudy with stdout a pipe whose reader is already gone.
fn into_closed_pipe(args: &[&str], cwd: &Path) -> std::process::Output {
    let mut fds = [0; 2];
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(r);
    bin()
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::from(w))
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

fn assert_quiet_sigpipe(what: &str, status: std::process::ExitStatus, stderr: &[u8]) {
    let err = String::from_utf8_lossy(stderr);
    assert_eq!(
        status.signal(),
        Some(libc::SIGPIPE),
        "{what}: {status}, stderr: {err}"
    );
    for bad in ["panicked", "error", "Broken pipe"] {
        assert!(!err.contains(bad), "{what} wrote to stderr: {err}");
    }
}

#[test]
fn a_closed_stdout_ends_every_command_like_cat() {
    let d = tempdir();
    let profile = small_saas(d.path());
    let profile = profile.to_str().unwrap();
    understudy("rehearse")
        .profile(profile)
        .users(20)
        .arg("--quiet")
        .sqlite(&d.path().join("r.db"))
        .report(d.path().join("r.json"))
        .run()
        .success();
    std::fs::write(d.path().join("log.txt"), "nothing here\n").unwrap();
    let commands: Vec<Vec<&str>> = vec![
        vec!["edge-cases", "list"],
        vec!["edge-cases", "list", "--json"],
        vec!["profiles", "list"],
        vec!["profiles", "show", "saas"],
        vec!["profiles", "check", "saas"],
        vec!["report", "show", "r.json"],
        vec!["hash", "list"],
        vec!["hash", "list", "--json"],
        vec![
            "scan-leaks",
            "log.txt",
            "--profile",
            profile,
            "--users",
            "20",
            "--json",
        ],
        vec![
            "generate",
            "--profile",
            profile,
            "--users",
            "100",
            "--out",
            "-",
            "--quiet",
        ],
    ];
    for args in commands {
        let o = into_closed_pipe(&args, d.path());
        assert_quiet_sigpipe(&args.join(" "), o.status, &o.stderr);
    }
}

#[test]
fn a_reader_that_stops_early_ends_a_long_stream_quietly() {
    let d = tempdir();
    for args in [
        vec![
            "generate",
            "--users",
            "300000",
            "--out",
            "-",
            "--quiet",
            "--hash-mode",
            "shape",
        ],
        vec!["edge-cases", "list", "--json"],
    ] {
        let mut child = bin()
            .args(&args)
            .current_dir(d.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut head = [0u8; 64];
        child.stdout.take().unwrap().read_exact(&mut head).unwrap();
        let o = child.wait_with_output().unwrap();
        assert_quiet_sigpipe(&args.join(" "), o.status, &o.stderr);
    }
}

#[test]
fn every_command_help_has_examples() {
    let top = String::from_utf8(ok(&["--help"])).unwrap();
    assert!(top.contains("Examples:"), "{top}");
    let mut commands: Vec<Vec<&str>> = Vec::new();
    let section = top.split("Commands:").nth(1).expect("a Commands: section");
    let names: Vec<&str> = section
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .collect();
    assert!(names.len() >= 10, "{names:?}");
    for n in &names {
        commands.push(vec![n]);
    }
    for (parent, subs) in [
        ("report", vec!["show", "html"]),
        ("profiles", vec!["list", "show", "check"]),
        ("edge-cases", vec!["list"]),
    ] {
        for s in subs {
            commands.push(vec![parent, s]);
        }
    }
    for c in commands {
        let mut args = c.clone();
        args.push("--help");
        let help = String::from_utf8(ok(&args)).unwrap();
        assert!(
            help.contains("Examples:") && help.contains("understudy "),
            "`understudy {}` has no examples:\n{help}",
            args.join(" ")
        );
    }
}

/// A rate is checked by one validator: every command refuses 7 (which
/// would otherwise be clamped to 1.0) with exit 2 and the same message.
#[test]
fn every_rate_flag_refuses_7_with_one_message() {
    let d = tempdir();
    std::fs::write(d.path().join("log.txt"), "nothing here\n").unwrap();
    let out = d.path().join("out").display().to_string();
    let commands: Vec<Vec<&str>> = vec![
        vec![
            "generate",
            "--users",
            "10",
            "--out",
            &out,
            "--edge-rate",
            "7",
        ],
        vec![
            "rehearse",
            "--users",
            "10",
            "--target",
            "sqlite:r.db",
            "--edge-rate",
            "7",
        ],
        vec![
            "estimate",
            "--production-users",
            "1000",
            "--target",
            "sqlite:e.db",
            "--edge-rate",
            "7",
        ],
        vec![
            "jit",
            "--users",
            "10",
            "--legacy",
            "sqlite:l.db",
            "--new",
            "http://127.0.0.1:1",
            "--api",
            "okta",
            "--edge-rate",
            "7",
        ],
        vec!["scan-leaks", "log.txt", "--users", "10", "--edge-rate", "7"],
        vec![
            "emulate",
            "okta",
            "--listen",
            "127.0.0.1:0",
            "--for",
            "1s",
            "--error-rate",
            "7",
        ],
    ];
    for args in commands {
        let o = bin().args(&args).current_dir(d.path()).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        let shown = args.join(" ");
        assert_eq!(o.status.code(), Some(2), "{shown}: {err}");
        assert!(
            err.contains("'7' for '--")
                && err.contains("a rate is a number from 0.0 to 1.0 (e.g. 0.05)"),
            "{shown}: {err}"
        );
        assert!(
            !d.path().join("r.db").exists() && !Path::new(&out).exists(),
            "{shown} wrote"
        );
    }
}

/// Closed sets are refused by clap with the values they take (exit 2), for
/// every command that shares the dataset flags.
#[test]
fn a_value_outside_a_closed_set_is_refused_with_the_choices() {
    let d = tempdir();
    std::fs::write(d.path().join("log.txt"), "nothing here\n").unwrap();
    for (args, choices) in [
        (
            vec!["rehearse", "--users", "10", "--method", "merge"],
            "copy, insert, upsert",
        ),
        (
            vec![
                "estimate",
                "--production-users",
                "10",
                "--target",
                "sqlite:e.db",
                "--api",
                "x",
            ],
            "okta, auth0, generic",
        ),
        (
            vec![
                "jit",
                "--users",
                "10",
                "--legacy",
                "sqlite:l.db",
                "--new",
                "http://127.0.0.1:1",
                "--api",
                "auth0",
            ],
            "okta, generic",
        ),
        (
            vec![
                "jit",
                "--users",
                "10",
                "--legacy",
                "sqlite:l.db",
                "--new",
                "http://127.0.0.1:1",
                "--api",
                "okta",
                "--rehash",
                "md5",
            ],
            "argon2id, import",
        ),
        (
            vec![
                "scan-leaks",
                "log.txt",
                "--users",
                "10",
                "--hash-mode",
                "fast",
            ],
            "real, pool, shape",
        ),
        (
            vec![
                "scan-leaks",
                "log.txt",
                "--users",
                "10",
                "--hash-cost",
                "heavy",
            ],
            "profile, light",
        ),
        (
            vec!["generate", "--users", "10", "--encoding", "ebcdic"],
            "utf-8, utf-8-bom",
        ),
        (
            vec!["edge-cases", "list", "--family", "phone"],
            "email, name, username",
        ),
    ] {
        let o = bin().args(&args).current_dir(d.path()).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        let shown = args.join(" ");
        assert_eq!(o.status.code(), Some(2), "{shown}: {err}");
        assert!(err.contains(choices), "{shown}: {err}");
    }
    // Encodings keep their other spellings, in any case.
    let out = d.path().join("enc");
    ok(&[
        "generate",
        "--users",
        "3",
        "--quiet",
        "--encoding",
        "CP1252",
        "--out",
        out.to_str().unwrap(),
    ]);
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("windows-1252"), "{manifest}");
}

/// The dataset flags are one group: every command that regenerates users
/// takes all of them, with its own wording where the meaning differs.
#[test]
fn every_dataset_command_takes_the_dataset_flags() {
    for cmd in ["generate", "rehearse", "estimate", "jit", "scan-leaks"] {
        let help = String::from_utf8(ok(&[cmd, "--help"])).unwrap();
        for flag in [
            "--profile <PROFILE>",
            "--seed <SEED>",
            "--hash-mode <MODE>",
            "--edge-rate <RATE>",
        ] {
            assert!(help.contains(flag), "`{cmd} --help` lacks {flag}:\n{help}");
        }
        assert!(
            help.contains("[default: saas]") && help.contains("[default: 42]"),
            "{help}"
        );
    }
    let jit = String::from_utf8(ok(&["jit", "--help"])).unwrap();
    assert!(jit.contains("[activity] section"), "{jit}");
}
