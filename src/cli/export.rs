//! `understudy export` and `understudy assess`: arguments, and the calls into
//! `export`.

use super::choices::HashCost;
use super::dataset::DatasetArgs;
use super::values;
use crate::dataset::Plan;
use crate::error::{Error, Result};
use crate::export::Provider;
use crate::export::assess::AssessReport;
use crate::generator::plan::PoolChoice;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

pub const EXPORT_EXAMPLES: &str = "Examples:
  # Okta create-user bodies (NDJSON) for 100,000 saas users, hashes re-encoded
  understudy export --to okta --users 100000 --out export/

  # Auth0 import files (each under 500 KB), and the plaintexts for sign-in tests (0600)
  understudy export --to auth0 --profile my-app.toml --users 50000 --out export/ --emit-passwords

  # Firebase: one auth:import file per algorithm and parameter set, commands in import.sh
  understudy export --to firebase --out export/ && cat export/firebase/import.sh

Writes DIR/<provider>/: the import files, import.sh (the provider's import commands),
not-importable.csv (every user whose password cannot go, with reason and consequence)
and summary.json (the counts `assess` prints). See docs/export.md.

Exit codes: 0 ok · 2 bad usage, profile or output directory";

pub const ASSESS_EXAMPLES: &str = "Examples:
  # every provider's verdict for the saas profile's hash mix
  understudy assess --users 100000

  # your profile, as JSON
  understudy assess --profile my-app.toml --users 1000000 --json > assess.json

  # two providers only
  understudy assess --to okta --to cognito

  # your live database's users, counted by hash prefix (aggregates only, read-only)
  understudy assess --source postgres://reader@db.internal/app
  understudy assess --source sqlite:app.db --users-table accounts --hash-column pw

Each user's verdict is the one `export` applies: assess and export agree user for user.
See docs/assess.md.";

/// The providers `export --to` and `assess --to` name.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum To {
    Auth0,
    Okta,
    Firebase,
    Keycloak,
    Cognito,
    Clerk,
    Supabase,
}

impl From<To> for Provider {
    fn from(t: To) -> Provider {
        match t {
            To::Auth0 => Provider::Auth0,
            To::Okta => Provider::Okta,
            To::Firebase => Provider::Firebase,
            To::Keycloak => Provider::Keycloak,
            To::Cognito => Provider::Cognito,
            To::Clerk => Provider::Clerk,
            To::Supabase => Provider::Supabase,
        }
    }
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The identity provider whose import files to write.
    #[arg(long, value_enum)]
    pub to: To,
    #[command(flatten)]
    pub dataset: DatasetArgs,
    /// Number of users.
    #[arg(short = 'n', long, default_value_t = 10_000, value_parser = values::users)]
    pub users: u64,
    /// Output directory: files go in DIR/<provider>/.
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,
    /// `light`: the smallest work factors (quick; the verdicts follow the cost).
    #[arg(long, value_enum, default_value_t = HashCost::Profile)]
    pub hash_cost: HashCost,
    /// Worker threads (default: all cores). Never changes the output.
    #[arg(short = 'j', long, value_parser = values::workers)]
    pub threads: Option<usize>,
    /// Replace DIR/<provider>/ when it is not empty.
    #[arg(long)]
    pub force: bool,
    /// Also write DIR/passwords-<provider>.csv (user key, plaintext), mode 0600.
    #[arg(long)]
    pub emit_passwords: bool,
    /// No summary.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct AssessArgs {
    #[command(flatten)]
    pub dataset: DatasetArgs,
    /// Number of users.
    #[arg(short = 'n', long, default_value_t = 10_000, value_parser = values::users)]
    pub users: u64,
    /// Only these providers (repeatable; default: all).
    #[arg(long, value_enum)]
    pub to: Vec<To>,
    /// `light`: the smallest work factors (the verdicts follow the cost).
    #[arg(long, value_enum, default_value_t = HashCost::Profile)]
    pub hash_cost: HashCost,
    /// Worker threads (default: all cores).
    #[arg(short = 'j', long, value_parser = values::workers)]
    pub threads: Option<usize>,
    /// Print the report as JSON (`kind` assess).
    #[arg(long)]
    pub json: bool,
    /// Count a live database's users by hash prefix instead of a profile's:
    /// postgres://…, mysql://… or sqlite:PATH (read-only, aggregates only).
    #[arg(long, value_name = "DSN", conflicts_with_all = ["profile", "users", "hash_cost", "seed"])]
    pub source: Option<String>,
    /// With --source: the users table (default: guessed as `profiles infer` does).
    #[arg(long, value_name = "TABLE", requires = "source")]
    pub users_table: Option<String>,
    /// With --source: the password-hash column (default: named like one).
    #[arg(long, value_name = "COLUMN", requires = "source")]
    pub hash_column: Option<String>,
}

fn threads(t: Option<usize>) -> usize {
    t.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    })
}

fn plan(d: &DatasetArgs, users: u64, cost: HashCost) -> Result<Plan> {
    let profile = d.load_profile()?;
    let domains = profile.domains.clone();
    let choice = PoolChoice {
        mode: d.hash_mode(),
        light: cost.light(),
        cache: true,
    };
    Plan::with_pools(profile, users, d.seed, &domains, choice, d.edge_rate)
}

pub fn run_export(a: ExportArgs) -> Result<()> {
    let plan = plan(&a.dataset, a.users, a.hash_cost)?;
    let provider: Provider = a.to.into();
    let w = crate::export::run::run(
        &plan,
        &crate::export::run::Options {
            provider,
            out: a.out,
            emit_passwords: a.emit_passwords,
            threads: threads(a.threads),
            force: a.force,
        },
    )?;
    if !a.quiet {
        let t = w.tally.total();
        let files: usize = w.groups.iter().map(|g| g.files.len()).sum();
        eprintln!(
            "export --to {}: {} users, {} importable, {} not importable (not-importable.csv), {files} file(s) in {}",
            provider.name(),
            t.users,
            t.importable,
            t.users - t.importable,
            w.dir.display()
        );
        eprintln!("{}", crate::export::assess::verdict(provider, &w.tally));
    }
    Ok(())
}

fn assess_source(a: &AssessArgs, dsn: &str, providers: &[Provider]) -> Result<AssessReport> {
    let source = crate::target::Target::parse(dsn).map_err(|e| Error {
        kind: e.kind,
        message: format!("--source: {}", e.message),
    })?;
    let c =
        crate::infer::census::census(&source, a.users_table.as_deref(), a.hash_column.as_deref())?;
    let counted = crate::export::assess::Counted {
        mix: &c.mix,
        nulls: c.nulls,
        unknown: c.unknown,
    };
    let about = serde_json::json!({"dsn": c.source, "table": c.table, "column": c.column,
        "basis": "hash prefixes; parameters other than bcrypt's cost taken at the format's defaults; field limits and second factors not read"});
    Ok(crate::export::assess::run_counted(
        &counted, about, c.rows, providers,
    ))
}

pub fn run_assess(a: AssessArgs) -> Result<()> {
    let providers: Vec<Provider> = if a.to.is_empty() {
        Provider::ALL.to_vec()
    } else {
        a.to.iter().map(|t| (*t).into()).collect()
    };
    let r = match &a.source {
        Some(dsn) => assess_source(&a, dsn, &providers)?,
        None => {
            let plan = plan(&a.dataset, a.users, a.hash_cost)?;
            crate::export::assess::run(&plan, &a.dataset.profile, &providers, threads(a.threads))?
        }
    };
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&r).map_err(|e| Error::usage(e.to_string()))?
        );
    } else {
        print!("{}", crate::export::assess::terminal(&r));
    }
    Ok(())
}
