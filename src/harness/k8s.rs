//! `understudy k8s manifest`: a sharded rehearsal as a Kubernetes Indexed Job
//! (docs/kubernetes.md). Pure text: each pod runs `rehearse --shard auto`
//! (its index from `JOB_COMPLETION_INDEX`, ARCHITECTURE.md § Exactly-once
//! resume) and writes its report to a shared results volume; a second Job
//! merges the reports. Scalars are written as JSON strings, which YAML reads
//! as double-quoted scalars, so no argument can break the document.

/// What the manifest is made of.
pub struct Spec {
    pub name: String,
    pub image: String,
    pub shards: u64,
    /// Pods at once (default: every shard).
    pub parallelism: u64,
    /// Retries of one failed index before it counts as failed.
    pub backoff_per_index: u64,
    /// The results volume's claim (ReadWriteMany: every pod writes its report).
    pub claim: String,
    /// A Secret whose keys become the pods' environment (PGPASSWORD…), if any.
    pub secret: Option<String>,
    /// `rehearse`'s arguments (`--target`, `--users`, `--profile`…).
    pub args: Vec<String>,
}

fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn list(items: &[String], indent: &str) -> String {
    items
        .iter()
        .map(|a| format!("{indent}- {}\n", q(a)))
        .collect()
}

/// The flags `k8s manifest` sets itself, refused in the passed arguments.
pub const OWN_FLAGS: &[&str] = &["--shard", "--shards", "--report", "--resume", "--html"];

/// The results volume's claim.
pub fn claim(spec: &Spec) -> String {
    format!(
        "apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {claim}
spec:
  accessModes: [\"ReadWriteMany\"]
  resources:
    requests:
      storage: 1Gi
",
        claim = q(&spec.claim)
    )
}

fn env_from(spec: &Spec) -> String {
    spec.secret
        .as_ref()
        .map(|s| {
            format!(
                "          envFrom:\n            - secretRef:\n                name: {}\n",
                q(s)
            )
        })
        .unwrap_or_default()
}

/// The Indexed Job: one pod per shard, each index retried alone.
pub fn job(spec: &Spec) -> String {
    let mut args = vec!["rehearse".to_string()];
    args.extend(spec.args.iter().cloned());
    args.extend(
        [
            "--shard",
            "auto",
            "--shards",
            &spec.shards.to_string(),
            "--resume",
            "--quiet",
            "--report",
            "/results/shard-$(JOB_COMPLETION_INDEX).json",
        ]
        .map(String::from),
    );
    format!(
        "apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
  labels:
    app.kubernetes.io/name: understudy
spec:
  completionMode: Indexed
  completions: {n}
  parallelism: {p}
  backoffLimitPerIndex: {b}
  maxFailedIndexes: 0
  template:
    metadata:
      labels:
        app.kubernetes.io/name: understudy
    spec:
      restartPolicy: Never
      containers:
        - name: shard
          image: {image}
          args:
{args}          env:
            - name: JOB_COMPLETION_INDEX
              valueFrom:
                fieldRef:
                  fieldPath: \"metadata.annotations['batch.kubernetes.io/job-completion-index']\"
            - name: UNDERSTUDY_SHARDS
              value: {nq}
{env_from}          volumeMounts:
            - name: results
              mountPath: /results
      volumes:
        - name: results
          persistentVolumeClaim:
            claimName: {claim}
",
        name = q(&spec.name),
        n = spec.shards,
        nq = q(&spec.shards.to_string()),
        p = spec.parallelism,
        b = spec.backoff_per_index,
        image = q(&spec.image),
        args = list(&args, "            "),
        env_from = env_from(spec),
        claim = q(&spec.claim),
    )
}

/// The merge Job: every shard's report into one, thresholds on the whole
/// (`--fail-on` given to `k8s manifest`). Applied once the Indexed Job has
/// completed.
pub fn merge_job(spec: &Spec, fail_on: Option<&str>) -> String {
    let mut args = vec!["report".to_string(), "merge".to_string()];
    args.extend((0..spec.shards).map(|k| format!("/results/shard-{k}.json")));
    args.extend(["-o", "/results/all.json", "--html", "/results/all.html"].map(String::from));
    if let Some(f) = fail_on {
        args.extend(["--fail-on".to_string(), f.to_string()]);
    }
    format!(
        "apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
  labels:
    app.kubernetes.io/name: understudy
spec:
  backoffLimit: 0
  template:
    metadata:
      labels:
        app.kubernetes.io/name: understudy
    spec:
      restartPolicy: Never
      containers:
        - name: merge
          image: {image}
          args:
{args}          volumeMounts:
            - name: results
              mountPath: /results
      volumes:
        - name: results
          persistentVolumeClaim:
            claimName: {claim}
",
        name = q(&format!("{}-merge", spec.name)),
        image = q(&spec.image),
        args = list(&args, "            "),
        claim = q(&spec.claim),
    )
}
