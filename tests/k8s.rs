//! `understudy k8s manifest` and `deploy/kubernetes/`: the manifests validate
//! offline against the Kubernetes schemas (the `kubernetes-validate` package,
//! an independent oracle), and the shipped ones are what the command prints.

mod common;

use common::*;
use std::path::Path;

const VERSIONS: &[&str] = &["1.33.0", "1.37.0"];

fn validate(py: &Path, files: &[&Path]) {
    let bin = py.with_file_name("kubernetes-validate");
    for v in VERSIONS {
        let o = std::process::Command::new(&bin)
            .args(["--strict", "-k", v])
            .args(files)
            .output()
            .expect("kubernetes-validate");
        let text =
            String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "Kubernetes {v}: {text}");
        assert!(!text.contains("failed"), "Kubernetes {v}: {text}");
    }
}

fn shipped(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy/kubernetes")
        .join(name)
}

/// The file without its comment lines.
fn body(p: &Path) -> String {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn manifests_validate_against_the_kubernetes_schemas() {
    let Some(py) = python_venv(&["kubernetes-validate"]) else {
        return;
    };
    let d = tempdir();
    let job = d.path().join("job.yaml");
    let out = understudy("k8s")
        .args([
            "manifest",
            "--shards",
            "3",
            "--image",
            "registry.example/u:1",
            "--parallelism",
            "2",
        ])
        .args([
            "--name",
            "rehearsal-7",
            "--",
            "--users",
            "5000",
            "--target",
            "postgres://app@db/x",
        ])
        .run()
        .success()
        .out();
    assert!(
        out.contains("completionMode: Indexed") && out.contains("completions: 3"),
        "{out}"
    );
    assert!(
        out.contains("parallelism: 2") && out.contains("backoffLimitPerIndex: 3"),
        "{out}"
    );
    std::fs::write(&job, &out).unwrap();
    let merge = d.path().join("merge.yaml");
    let out = understudy("k8s")
        .args([
            "manifest",
            "--shards",
            "3",
            "--image",
            "u:1",
            "--merge",
            "--fail-on",
            "p99>500",
        ])
        .run()
        .success()
        .out();
    assert!(
        out.contains("/results/shard-2.json") && !out.contains("shard-3.json"),
        "{out}"
    );
    std::fs::write(&merge, out).unwrap();
    let (a, b) = (shipped("job.yaml"), shipped("merge-job.yaml"));
    validate(&py, &[&job, &merge, &a, &b]);
}

#[test]
fn shipped_manifests_are_what_the_command_prints() {
    let job = understudy("k8s")
        .args([
            "manifest",
            "--shards",
            "4",
            "--image",
            "understudy:latest",
            "--secret",
            "understudy-target",
        ])
        .args([
            "--",
            "--profile",
            "saas",
            "--users",
            "1000000",
            "--seed",
            "42",
        ])
        .args(["--target", "postgres://app@postgres:5432/rehearsal"])
        .run()
        .success()
        .out();
    assert_eq!(body(&shipped("job.yaml")), job);
    let merge = understudy("k8s")
        .args([
            "manifest",
            "--shards",
            "4",
            "--image",
            "understudy:latest",
            "--merge",
        ])
        .args(["--fail-on", "p99>500"])
        .run()
        .success()
        .out();
    assert_eq!(body(&shipped("merge-job.yaml")), merge);
}

#[test]
fn passwords_and_the_manifests_own_flags_are_refused() {
    let base = ["manifest", "--shards", "2", "--image", "u:1", "--"];
    understudy("k8s")
        .args(base)
        .args(["--users", "10", "--target", "postgres://app:hunter2@db/x"])
        .run()
        .code(2)
        .stderr_contains("Secret")
        .text_lacks("hunter2");
    understudy("k8s")
        .args(base)
        .args(["--users", "10", "--shard", "1/2"])
        .run()
        .code(2)
        .stderr_contains("--shard");
    understudy("k8s")
        .args(base)
        .run()
        .code(2)
        .stderr_contains("--users");
}
