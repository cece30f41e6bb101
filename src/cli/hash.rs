//! `understudy hash …`: arguments, which flags go with which operation, and
//! the call into `hash::stdio`.

use crate::error::{Error, Result};
use crate::hash::Params;
use crate::hash::stdio::{format_named, hash, identify, list, matrix_markdown, verify};
use clap::Args;

pub const HASH_EXAMPLES: &str = "Examples:
  # bcrypt ($2b$, cost 10) of each stdin line (the line without its \\n is the password)
  printf 'hunter2\\ncorrect horse\\n' | understudy hash bcrypt

  # PHP 8.4's bcrypt ($2y$, cost 12), Django 4.2's PBKDF2 (600,000 iterations)
  understudy hash bcrypt-2y --param php=8.4 < passwords.txt
  understudy hash pbkdf2-sha256-django --param django=4.2 < passwords.txt

  # salt in its own column: prints HASH<TAB>SALT
  echo secret | understudy hash salted-sha256-hex --param salt_position=suffix

  # passwords with any character: JSON Lines {\"password\": …}
  understudy hash argon2id --jsonl < passwords.jsonl

  # the lowest work parameters (same format and encoding), for quick rehearsals
  understudy hash sha512-crypt --light < passwords.txt

  # check hashes: JSONL {\"password\", \"hash\", \"salt\"?, \"format\"?, \"params\"?} → ok | mismatch
  understudy hash verify < records.jsonl

  # name the format and parameters of each hash (HASH or HASH<TAB>SALT per line)
  understudy hash identify --json < hashes.txt

  # every format: example, defaults, encoding, import matrix, notes (and cost per hash)
  understudy hash list --json --bench

  # the import matrix alone (format × provider → imports / jit / reset), as Markdown
  understudy hash list --matrix";

#[derive(Args, Debug)]
pub struct HashArgs {
    /// A format name (see `hash list`), or one of: verify, identify, list.
    #[arg(value_name = "NAME|verify|identify|list")]
    pub target: String,
    /// A format parameter, e.g. `cost=12`, `django=4.2`, `salt_position=suffix` (repeatable).
    #[arg(short = 'p', long = "param", value_name = "K=V")]
    pub params: Vec<String>,
    /// hash: read JSON Lines `{"password": …}` instead of raw lines.
    #[arg(long)]
    pub jsonl: bool,
    /// identify, list: JSON output.
    #[arg(long)]
    pub json: bool,
    /// list: measure the cost of one hash with default parameters on this machine.
    #[arg(long)]
    pub bench: bool,
    /// list: only the import matrix (format × provider → imports / jit / reset), as Markdown.
    #[arg(long)]
    pub matrix: bool,
    /// hash: the format's lowest work parameters (`--hash-cost light`); --param still applies.
    #[arg(long)]
    pub light: bool,
    /// hash: seed for the salts (default: from the clock), for reproducible output.
    #[arg(long)]
    pub seed: Option<u64>,
}

/// A flag given to an operation it does not apply to is a usage error.
pub fn run(a: HashArgs) -> Result<()> {
    let only = |flag: bool, name: &str, allowed: &str| -> Result<()> {
        if flag {
            Err(Error::usage(format!(
                "{name} only applies to `understudy hash {allowed}`"
            )))
        } else {
            Ok(())
        }
    };
    match a.target.as_str() {
        "verify" => {
            only(!a.params.is_empty(), "--param", "NAME")?;
            only(
                a.json || a.bench || a.matrix || a.light || a.jsonl || a.seed.is_some(),
                "--json/--bench/--matrix/--light/--jsonl/--seed",
                "NAME, identify or list",
            )?;
            verify()
        }
        "identify" => {
            only(
                !a.params.is_empty()
                    || a.bench
                    || a.matrix
                    || a.light
                    || a.jsonl
                    || a.seed.is_some(),
                "--param/--bench/--matrix/--light/--jsonl/--seed",
                "NAME or list",
            )?;
            identify(a.json)
        }
        "list" => {
            only(
                !a.params.is_empty() || a.light || a.jsonl || a.seed.is_some(),
                "--param/--light/--jsonl/--seed",
                "NAME",
            )?;
            if a.matrix {
                only(a.json || a.bench, "--json/--bench", "list without --matrix")?;
                print!("{}", matrix_markdown(&crate::export::rules::matrix));
                return Ok(());
            }
            list(a.json, a.bench, &crate::export::rules::matrix)
        }
        name => {
            only(a.json || a.bench, "--json/--bench", "identify or list")?;
            only(a.matrix, "--matrix", "list")?;
            let f = format_named(name)?;
            let given = parse_params(&a.params)?;
            f.check_params(&given)
                .map_err(|e| Error::usage(format!("{name}: {e}")))?;
            let base = if a.light {
                f.light_params()
            } else {
                f.default_params()
            };
            let params = overlay(base, &given);
            hash(f, &params, a.jsonl, a.seed)
        }
    }
}

fn parse_params(list: &[String]) -> Result<Params> {
    list.iter()
        .map(|kv| {
            kv.split_once('=')
                .filter(|(k, _)| !k.is_empty())
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| Error::usage(format!("--param `{kv}`: expected K=V, e.g. cost=12")))
        })
        .collect()
}

fn overlay(mut base: Params, given: &Params) -> Params {
    for (k, v) in given {
        match base.iter_mut().find(|(bk, _)| bk == k) {
            Some(slot) => slot.1 = v.clone(),
            None => base.push((k.clone(), v.clone())),
        }
    }
    base
}
