//! `understudy consistency`: a denormalized copy compared with the primary's
//! users, key by key (docs/copies.md).

use super::ExitStatus;
use super::dataset::DatasetArgs;
use super::values;
use crate::consistency::{self, CopySource};
use crate::error::{Error, Result};
use crate::profile::copies::CopyKind;
use clap::Args;
use std::path::PathBuf;

pub const CONSISTENCY_EXAMPLES: &str = "Examples:
  # the Redis cache after a migration: missing users, orphans, stale fields, by drift label
  understudy consistency --profile saas-copies --users 1000000 --copy redis://127.0.0.1:6379/0

  # against the live primary after the migration (its users table, not the
  # regenerated rows): a changed email or a deleted user shows as stale/orphan
  understudy consistency --profile saas-copies --users 100000 \\
      --primary postgres://app@db:5432/app --copy redis://127.0.0.1:6379/0

  # the RESP file itself (what the cache was loaded from), a JSON report
  understudy consistency --profile saas-copies --users 100000 --copy-file copies/cache.resp \\
      --report consistency.json

  # document copy files: the _bulk set (from its first file), MongoDB, DynamoDB
  understudy consistency --profile saas-copies --users 100000 --copy-file copies/search-00001.ndjson
  understudy consistency --profile saas-copies --users 100000 --copy-file copies/documents.json
  understudy consistency --profile saas-copies --users 100000 --copy-file copies/ --copy-name dynamo

Exit status: 0 the copy matches the primary, 1 it drifted (findings listed),
2 bad input (a corrupt file: its path and line), 3 Redis or the primary unreachable.";

#[derive(Args, Debug)]
pub struct ConsistencyArgs {
    #[command(flatten)]
    pub dataset: DatasetArgs,
    /// Users of the primary (the users the copy should hold).
    #[arg(short = 'n', long, value_parser = values::generated_users)]
    pub users: u64,
    /// The copy in a Redis server: redis://[user:password@]host:port[/db].
    #[arg(long, value_name = "URL", conflicts_with = "copy_file")]
    pub copy: Option<String>,
    /// The copy as a file generate --format copies wrote: NAME.resp (Redis),
    /// NAME-00001.ndjson (Elasticsearch: the set numbered from it),
    /// NAME.json (MongoDB), NAME.json.gz (DynamoDB), or the directory
    /// holding them (with --copy-name).
    #[arg(long, value_name = "PATH")]
    pub copy_file: Option<PathBuf>,
    /// Build the expected copy from this live primary's users table
    /// (sqlite:PATH, postgres://…, mysql://…) instead of the regenerated
    /// ground truth; the profile still maps the copy's fields and keys.
    #[arg(long, value_name = "DSN")]
    pub primary: Option<String>,
    /// With --primary: a column renamed in the primary, `old=new` or
    /// `users.old=new` (repeatable), as for rehearse and verify.
    #[arg(long = "map", value_name = "OLD=NEW", value_parser = values::column_map, requires = "primary")]
    pub maps: Vec<(String, String)>,
    /// Which copy of the profile, when it has several of the kind checked.
    #[arg(long, value_name = "NAME")]
    pub copy_name: Option<String>,
    /// Write the JSON report here.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Write the check as JUnit XML test cases (missing, orphan, stale,
    /// one per drift label), for CI.
    #[arg(long, value_name = "FILE.xml")]
    pub junit: Option<PathBuf>,
    /// Worker threads regenerating the primary's side (default: all cores).
    #[arg(short = 'j', long, value_parser = values::workers)]
    pub threads: Option<usize>,
    /// No terminal summary.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(a: ConsistencyArgs) -> Result<ExitStatus> {
    crate::util::check_outputs(&[("--report", &a.report), ("--junit", &a.junit)])?;
    let profile = a.dataset.load_profile()?;
    // The kind of copy checked: Redis for a server; for a file, the kind
    // its name says (a directory: the named copy's).
    let kind = match (&a.copy, &a.copy_file) {
        (Some(_), None) => Some(CopyKind::Redis),
        (None, Some(p)) if p.is_dir() => None,
        (None, Some(p)) => Some(consistency::docs::kind_of_file(p).ok_or_else(|| {
            Error::usage(format!(
                "--copy-file {}: not a copy file by its name (NAME.resp, NAME-00001.ndjson, NAME.json, NAME.json.gz, or the directory generate --format copies wrote)",
                p.display()
            ))
        })?),
        _ => {
            return Err(Error::usage(
                "give the copy to check: --copy redis://… or --copy-file PATH",
            ));
        }
    };
    let candidates: Vec<_> = profile
        .copies
        .iter()
        .filter(|c| kind.is_none_or(|k| c.kind == k))
        .collect();
    let what = kind.map_or("", |k| match k {
        CopyKind::Redis => "Redis ",
        CopyKind::Elasticsearch => "Elasticsearch ",
        CopyKind::Mongodb => "MongoDB ",
        CopyKind::Dynamodb => "DynamoDB ",
    });
    let copy = match &a.copy_name {
        Some(n) => candidates.iter().find(|c| c.name == *n).copied(),
        None if candidates.len() == 1 => Some(candidates[0]),
        None => None,
    }
    .cloned()
    .ok_or_else(|| {
        let names: Vec<&str> = candidates.iter().map(|c| c.name.as_str()).collect();
        Error::usage(format!(
            "profile {}: {} (its {what}copies: {}); --copy-name NAME chooses one",
            profile.name,
            match &a.copy_name {
                Some(n) => format!("no {what}copy named `{n}`"),
                None => format!("name the {what}copy to check"),
            },
            if names.is_empty() {
                "none".into()
            } else {
                names.join(", ")
            }
        ))
    })?;
    let mut src: Box<dyn CopySource> = match (&a.copy, &a.copy_file) {
        (Some(url), None) => Box::new(consistency::source_redis(url, &copy)?),
        (None, Some(p)) if copy.kind == CopyKind::Redis => {
            let p = if p.is_dir() {
                p.join(format!("{}.resp", copy.name))
            } else {
                p.clone()
            };
            Box::new(consistency::source_file(&p)?)
        }
        (None, Some(p)) => {
            if a.primary.is_some() {
                consistency::primary_supported(&copy)?;
            }
            Box::new(consistency::docs::DocFiles {
                files: consistency::docs::files_of(p, &copy)?,
                copy: copy.clone(),
            })
        }
        _ => {
            return Err(Error::usage(
                "give one copy: --copy URL or --copy-file PATH",
            ));
        }
    };
    let domains = profile.domains.clone();
    let plan = crate::dataset::Plan::new(
        profile,
        a.users,
        a.dataset.seed,
        &domains,
        a.dataset.hash_mode(),
        a.dataset.edge_rate,
    )?;
    let threads = a.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let mut primary = match &a.primary {
        Some(dsn) => Some(consistency::primary::Primary::open(
            dsn, &plan, &copy, &a.maps,
        )?),
        None => None,
    };
    let mut r = consistency::check(&plan, &copy, src.as_mut(), primary.as_mut(), threads)?;
    r.copy = src.name();
    r.primary = primary.as_ref().map(|p| p.redacted());
    r.head.command = std::env::args()
        .map(|s| crate::redact::dsn(&s))
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(p) = &a.report {
        let text = serde_json::to_string_pretty(&r).expect("serializable") + "\n";
        std::fs::write(p, text).map_err(|e| Error::io("write", p, e))?;
    }
    if let Some(p) = &a.junit {
        crate::report::junit::save(&consistency::report::junit(&r), p)?;
    }
    if !a.quiet {
        print!("{}", consistency::report::terminal(&r));
    }
    Ok(if r.ok {
        ExitStatus::Success
    } else {
        ExitStatus::Failed
    })
}
