//! `understudy profiles list|show|check|infer` (`profile` is an alias).

use crate::error::{Error, Result};
use crate::profile::{self, Profile};
use clap::Subcommand;

pub const PROFILES_EXAMPLES: &str = "Examples:
  understudy profiles list                      # the shipped profiles: saas, bench-8, ldap, shop
  understudy profiles show saas > my-app.toml   # start your own from one
  understudy profiles check my-app.toml         # validate it, see table sizes
  understudy generate --profile my-app.toml --users 1000 --out data/
  understudy profiles infer --source postgres://reader@db/app --out my-app.toml";

pub const INFER_EXAMPLES: &str = "Examples:
  # a profile shaped like a live database, from statistics computed inside it
  understudy profiles infer --source postgres://reader:secret@db.internal/app --out my-app.toml
  understudy profile infer --source sqlite:app.db --users-table accounts > my-app.toml
  # keep the real values of two enum columns (others become status_1, status_2…)
  understudy profiles infer --source mysql://reader@127.0.0.1/shop --allow-values users.status,plan
  # then
  understudy profiles check my-app.toml
  understudy rehearse --profile my-app.toml --users 100000 --target sqlite:rehearsal.db

Read only (a read-only transaction; SQLite: a read-only file handle). Only aggregates
leave the database: counts, lengths, rounded numbers, month-rounded times, hash format
prefixes (`$2y$10$`). Text values become tokens, email domains domainN.example by rank.
The profile opens with what was read per column, and the warnings (also on stderr).
See docs/profiles.md § Inferring a profile.

Exit codes: 0 ok · 2 bad usage or no users table found · 3 source unreachable";

#[derive(Subcommand, Debug)]
pub enum ProfilesCommand {
    /// List the shipped profiles.
    #[command(after_help = PROFILES_EXAMPLES)]
    List,
    /// Print a shipped profile (a starting point for your own).
    #[command(after_help = PROFILES_EXAMPLES)]
    Show { name: String },
    /// Check a profile and summarise it.
    #[command(after_help = PROFILES_EXAMPLES)]
    Check { profile: String },
    /// Write a profile shaped like a live database (PostgreSQL, MySQL/MariaDB,
    /// SQLite), from aggregates computed inside it: no value is copied.
    #[command(after_help = INFER_EXAMPLES)]
    Infer(InferArgs),
}

#[derive(clap::Args, Debug)]
pub struct InferArgs {
    /// The database to read: postgres://user:pass@host:port/db, mysql://user:pass@host:port/db or
    /// sqlite:PATH (PGPASSWORD or MYSQL_PWD supply a password the DSN does not hold).
    #[arg(short, long, value_name = "DSN")]
    pub source: String,
    /// The table of the users (default: guessed from the names and the foreign keys).
    #[arg(short, long, value_name = "TABLE")]
    pub users_table: Option<String>,
    /// Write the profile here (default: stdout). An existing file is replaced.
    #[arg(short, long, value_name = "FILE.toml")]
    pub out: Option<std::path::PathBuf>,
    /// Columns (`col` or `table.col`) whose values may be written into the
    /// profile as enum values; every other column's values become tokens.
    #[arg(long, value_name = "COL,…", value_delimiter = ',')]
    pub allow_values: Vec<String>,
}

fn infer(a: InferArgs) -> Result<()> {
    let source = crate::target::Target::parse(&a.source).map_err(|e| Error {
        kind: e.kind,
        message: format!("--source: {}", e.message),
    })?;
    let got = crate::infer::run(&crate::infer::Options {
        source,
        users_table: a.users_table,
        allow_values: a.allow_values,
    })?;
    for w in &got.warnings {
        eprintln!("warning: {w}");
    }
    match &a.out {
        Some(path) => {
            std::fs::write(path, &got.text).map_err(|e| Error::io("write", path, e))?;
            eprintln!(
                "wrote {} ({} tables; the users table has {} rows: --users {})",
                path.display(),
                got.tables,
                got.users,
                got.users
            );
        }
        None => print!("{}", got.text),
    }
    Ok(())
}

pub fn run(p: ProfilesCommand) -> Result<()> {
    match p {
        ProfilesCommand::Infer(a) => return infer(a),
        ProfilesCommand::List => {
            for name in profile::shipped::names() {
                let p = Profile::load(name)?;
                println!(
                    "{name:10} {}: {}",
                    crate::util::count(p.tables.len() as u64, "table", "tables"),
                    p.tables
                        .iter()
                        .map(|t| t.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        }
        ProfilesCommand::Show { name } => match profile::shipped::get(&name) {
            Some(text) => print!("{text}"),
            None => {
                return Err(Error::usage(format!(
                    "no shipped profile `{name}`; shipped: {}",
                    profile::shipped::names().join(", ")
                )));
            }
        },
        ProfilesCommand::Check { profile } => {
            let p = Profile::load(&profile)?;
            println!("{}: ok ({})", p.name, p.source);
            for t in &p.tables {
                let size = match &t.size {
                    profile::Size::Users => "--users".to_string(),
                    profile::Size::Rows(n) => format!("{n} rows"),
                    profile::Size::PerParent { parent, count } => {
                        format!(
                            "{:.2} per {} row (max {})",
                            count.mean(),
                            p.tables[*parent].name,
                            count.max()
                        )
                    }
                };
                println!("  {:16} {:3} columns  {}", t.name, t.columns.len(), size);
            }
        }
    }
    Ok(())
}
