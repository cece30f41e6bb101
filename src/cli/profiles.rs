//! `understudy profiles list|show|check`.

use crate::error::{Error, Result};
use crate::profile::{self, Profile};
use clap::Subcommand;

pub const PROFILES_EXAMPLES: &str = "Examples:
  understudy profiles list                      # the shipped profiles: saas, bench-8, ldap, shop
  understudy profiles show saas > my-app.toml   # start your own from one
  understudy profiles check my-app.toml         # validate it, see table sizes
  understudy generate --profile my-app.toml --users 1000 --out data/";

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
}

pub fn run(p: ProfilesCommand) -> Result<()> {
    match p {
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
