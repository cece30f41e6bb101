//! `understudy discover`: arguments, and the call into `discover`.

use crate::error::{Error, Result};
use crate::target::Target;
use clap::Args;

pub const DISCOVER_EXAMPLES: &str = "Examples:
  # every table and column of a PostgreSQL database that holds or refers to users
  understudy discover --source postgres://reader:secret@db.internal:5432/app

  # a MySQL/MariaDB or SQLite source, the users table named, the findings as JSON
  understudy discover --source mysql://reader@127.0.0.1:3306/shop --users-table customers \\
      --json > found.json
  understudy discover --source sqlite:app.db

Found: declared foreign keys to the users table, followed transitively (users ← orders ←
order_items) with join tables marked; columns named like a user reference (user_id,
owner_id, created_by, author, login…) with no foreign key, whose values are the users'
key, email or login; copies of a user's email, name or phone (customer_email,
author_name…); JSON columns whose sampled objects have keys naming a user's fields.
Columns are confirmed by a share of their distinct values found in the users table
(at least 90 %), counted inside the database on their first 100,000 non-null rows.

Read only: the session is a read-only transaction (SQLite: a read-only file handle), a
role with SELECT is enough, and nothing is written. Only counts, shares and names leave
the database: no value is printed or written. See docs/discover.md.

Exit codes: 0 ok · 2 bad usage or no users table found · 3 source unreachable";

#[derive(Args, Debug)]
pub struct DiscoverArgs {
    /// The database to read: postgres://user:pass@host:port/db, mysql://user:pass@host:port/db or
    /// sqlite:PATH (PGPASSWORD or MYSQL_PWD supply a password the DSN does not hold).
    #[arg(short, long, value_name = "DSN")]
    pub source: String,
    /// The table of the users (default: guessed from the names and the foreign keys).
    #[arg(short, long, value_name = "TABLE")]
    pub users_table: Option<String>,
    /// Print the findings as one JSON document on stdout (`kind` discover).
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: DiscoverArgs) -> Result<()> {
    let source = Target::parse(&a.source).map_err(|e| Error {
        kind: e.kind,
        message: format!("--source: {}", e.message),
    })?;
    let found = crate::discover::run(&crate::discover::Options {
        source,
        users_table: a.users_table,
    })?;
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&found).expect("the findings serialise")
        );
    } else {
        print!("{}", crate::discover::report::terminal(&found));
    }
    Ok(())
}
