//! `understudy k8s manifest`: arguments, checks, and the manifest printed
//! (the text is `harness::k8s`'s).

use super::values;
use crate::error::{Error, Result};
use crate::harness::k8s::{self, Spec};
use clap::{Args, Subcommand};

pub const K8S_EXAMPLES: &str = "Examples:
  # 8 shards of 10M users into PostgreSQL; the password comes from a Secret (PGPASSWORD)
  kubectl create secret generic understudy-target --from-literal=PGPASSWORD=…
  understudy k8s manifest --shards 8 --image registry.example/understudy:0.1 \\
      --secret understudy-target -- --users 10000000 --target postgres://app@db:5432/rehearsal \\
      > job.yaml
  kubectl apply -f job.yaml
  kubectl wait --for=condition=complete --timeout=24h job/understudy

  # then the merge Job: every shard's report into /results/all.json, thresholds on the whole
  understudy k8s manifest --shards 8 --image registry.example/understudy:0.1 --merge \\
      --fail-on 'p99>500' | kubectl apply -f -

docs/kubernetes.md walks through a run end to end.";

#[derive(Subcommand, Debug)]
pub enum K8sCommand {
    /// Print a sharded rehearsal as a Kubernetes Indexed Job (with its results
    /// volume), or with --merge the Job that merges the shards' reports.
    #[command(after_help = K8S_EXAMPLES)]
    Manifest(ManifestArgs),
}

#[derive(Args, Debug)]
pub struct ManifestArgs {
    /// Shards: the Job's completions; each pod runs `rehearse --shard auto`.
    #[arg(long, value_name = "N", value_parser = values::count)]
    pub shards: u64,
    /// The container image (deploy/Dockerfile builds one).
    #[arg(long, value_name = "IMG")]
    pub image: String,
    /// The Job's name (the merge Job is NAME-merge).
    #[arg(long, default_value = "understudy")]
    pub name: String,
    /// Pods at once (default: every shard).
    #[arg(long, value_name = "P", value_parser = values::count)]
    pub parallelism: Option<u64>,
    /// Retries of one failed shard, alone, before the Job fails (backoffLimitPerIndex).
    #[arg(long, value_name = "K", default_value_t = 3)]
    pub backoff_per_index: u64,
    /// The PersistentVolumeClaim every pod writes its report to (ReadWriteMany).
    #[arg(long, value_name = "CLAIM", default_value = "understudy-results")]
    pub claim: String,
    /// A Secret whose keys become the pods' environment (PGPASSWORD, MYSQL_PWD).
    #[arg(long, value_name = "SECRET")]
    pub secret: Option<String>,
    /// Print the merge Job instead (apply it once the shards' Job has completed).
    #[arg(long)]
    pub merge: bool,
    /// With --merge: thresholds on the merged report (exit 1: the Job fails).
    #[arg(long, value_name = "EXPR", requires = "merge")]
    pub fail_on: Option<String>,
    /// `rehearse`'s arguments, after `--` (--users, --target, --profile, --batch…).
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

pub fn run(c: K8sCommand) -> Result<()> {
    let K8sCommand::Manifest(a) = c;
    if let Some(f) = a.args.iter().find(|x| {
        k8s::OWN_FLAGS
            .iter()
            .any(|o| *x == o || x.starts_with(&format!("{o}=")))
    }) {
        return Err(Error::usage(format!(
            "`{f}` is set by the manifest itself (each pod: --shard auto --shards N --resume --report /results/shard-K.json)"
        )));
    }
    if let Some(dsn) = a.args.iter().find(|x| crate::redact::dsn(x) != **x) {
        return Err(Error::usage(format!(
            "{} holds a password, which the manifest would show to anyone who can read the Job: \
             put it in a Secret (PGPASSWORD or MYSQL_PWD) and give --secret NAME",
            crate::redact::dsn(dsn)
        )));
    }
    if !a.merge
        && !a
            .args
            .iter()
            .any(|x| x == "--users" || x == "-n" || x.starts_with("--users="))
    {
        return Err(Error::usage(
            "give rehearse's arguments after `--`, at least --users N and --target DSN",
        ));
    }
    if let Some(f) = &a.fail_on {
        crate::report::parse_conditions(f)?;
    }
    let spec = Spec {
        parallelism: a.parallelism.unwrap_or(a.shards).min(a.shards),
        name: a.name,
        image: a.image,
        shards: a.shards,
        backoff_per_index: a.backoff_per_index,
        claim: a.claim,
        secret: a.secret,
        args: a.args,
    };
    if a.merge {
        print!("{}", k8s::merge_job(&spec, a.fail_on.as_deref()));
    } else {
        print!("{}---\n{}", k8s::claim(&spec), k8s::job(&spec));
    }
    Ok(())
}
