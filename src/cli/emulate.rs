//! `understudy emulate`: arguments, and running the emulator until `--for` ends.

use super::choices::{Api, HashCost};
use super::values;
use crate::error::{Error, Result};
use clap::Args;
use std::path::PathBuf;

pub const EMULATE_EXAMPLES: &str = "Examples:
  # Okta's Users API at 600 requests/s, 5 % server errors, 20 ms ± 10 ms latency
  understudy emulate okta --listen 127.0.0.1:8080 --rate 600/s --error-rate 0.05 --latency 20ms±10ms

  # Auth0 bulk imports (500 KB files, 2 concurrent jobs)
  understudy emulate auth0 --listen 127.0.0.1:8081

  # a generic API whose users outlive the process (and can be inspected with sqlite3)
  understudy emulate generic --listen 127.0.0.1:8082 --store sqlite:tenant.db

  # then rehearse into it
  understudy rehearse --users 20000 --target http://127.0.0.1:8080 --api okta

  # counters (requests by status, 429s, early requests, users, logins)
  curl -s 127.0.0.1:8080/_understudy/stats

Endpoints: okta: POST/GET /api/v1/users, POST /api/v1/authn · auth0: POST
/api/v2/jobs/users-imports, GET /api/v2/jobs/{id}[/errors], GET /api/v2/users ·
generic: POST/GET /users, GET /users/{email} · okta also GET /api/v1/users/{login}
and creates with credentials.password.value (hashed with argon2id) or .hook · all:
POST /login {login, password}.

  # JIT target with an Okta password import inline hook (see examples/jit_hook.rs)
  understudy emulate okta --listen 127.0.0.1:8080 --hash-cost light --password-import-hook http://127.0.0.1:9090/hook";

#[derive(Args, Debug)]
pub struct EmulateArgs {
    /// Which API: okta, auth0 or generic.
    #[arg(value_enum)]
    pub api: Api,
    /// Address to listen on (loopback unless you name another; port 0 picks one, printed on stdout).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Rate limit, e.g. 600/s or 600/min (429 beyond it, with Retry-After / X-Rate-Limit-*).
    #[arg(long)]
    pub rate: Option<crate::emulate::Rate>,
    /// Requests allowed in a burst (default: one second's worth).
    #[arg(long, value_parser = values::count_u32)]
    pub burst: Option<u32>,
    /// Share of requests answered with a 5xx (0.0–1.0).
    #[arg(long, default_value_t = 0.0, value_parser = values::rate)]
    pub error_rate: f64,
    /// Added latency, e.g. 20ms±10ms.
    #[arg(long, value_parser = values::latency)]
    pub latency: Option<(std::time::Duration, std::time::Duration)>,
    /// Stop after this long (default: until interrupted).
    #[arg(long = "for", value_name = "DURATION", value_parser = values::positive_duration)]
    pub run_for: Option<std::time::Duration>,
    /// Seed for injected errors and latency.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Keep the users in a SQLite file (sqlite:FILE): they survive a restart,
    /// and you can inspect what was imported (default: in memory).
    #[arg(long, value_name = "sqlite:FILE", value_parser = parse_store_arg)]
    pub store: Option<PathBuf>,
    /// How passwords received in plaintext (JIT creates) are hashed: argon2id at
    /// its defaults (`profile`) or at m=1024 t=1 (`light`).
    #[arg(long, value_enum, default_value_t = HashCost::Profile)]
    pub hash_cost: HashCost,
    /// Okta: the URL of your password import inline hook, called at sign-in for
    /// users created with `credentials.password.hook` (VERIFIED: the password is
    /// stored; UNVERIFIED: the sign-in fails).
    #[arg(long, value_name = "URL")]
    pub password_import_hook: Option<String>,
}

/// `--store sqlite:FILE`.
fn parse_store_arg(s: &str) -> std::result::Result<PathBuf, String> {
    s.strip_prefix("sqlite:")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| format!("`{s}`: use sqlite:FILE"))
}

pub fn run(a: EmulateArgs) -> Result<()> {
    let cfg = crate::emulate::Config {
        api: a.api.into(),
        rate: a.rate,
        burst: a.burst,
        error_rate: a.error_rate,
        latency: a.latency,
        seed: a.seed,
        store: a.store,
        hash_cost_light: a.hash_cost.light(),
        password_import_hook: a.password_import_hook,
    };
    let e = crate::emulate::Emulator::start(&a.listen, cfg)
        .map_err(|err| Error::usage(format!("cannot start on {}: {err}", a.listen)))?;
    println!("{}", e.addr);
    use std::io::Write;
    let _ = std::io::stdout().flush();
    eprintln!(
        "understudy emulate {:?}: listening on http://{}",
        a.api, e.addr
    );
    let start = std::time::Instant::now();
    while a.run_for.is_none_or(|d| start.elapsed() < d) {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    eprintln!(
        "{}",
        serde_json::to_string(&e.stats()).expect("serialisable")
    );
    Ok(())
}
