//! `understudy dossier`: arguments, and the call into `dossier`.

use crate::error::Result;
use clap::Args;
use std::path::PathBuf;

pub const DOSSIER_EXAMPLES: &str = "Examples:
  # one page from a rehearsal, an estimate and a JIT rehearsal
  understudy rehearse --users 10000 --edge-rate 0.05 --faults 'outage@5s+10s' --report run.json
  understudy estimate --production-users 2000000 --target sqlite:app.db --report estimate.json
  understudy jit --users 2000 --days 30 --report jit.json
  understudy dossier run.json estimate.json jit.json -o dossier.html --json dossier.json

  # with the hash assessment (which providers import the hashes, who must reset)
  understudy assess --to auth0,okta --users 10000 --json > assess.json
  understudy dossier assess.json run.json -o dossier.html

Reads rehearse, verify and `report merge` reports, estimate, jit, assess and consistency
reports (every version `report show` reads). The page is self-contained (no network,
fonts or scripts), prints well, and links every figure of its verdict to the section of
the report it came from.";

#[derive(Args, Debug)]
pub struct DossierArgs {
    /// Report files (JSON: rehearse, verify, report merge, estimate, jit, assess, consistency).
    #[arg(required = true, value_name = "REPORT.json")]
    pub files: Vec<PathBuf>,
    /// The page to write.
    #[arg(short, long, value_name = "FILE.html")]
    pub out: PathBuf,
    /// Also write the verdict's figures as JSON (`kind` "dossier").
    #[arg(long, value_name = "FILE.json")]
    pub json: Option<PathBuf>,
}

pub fn run(a: DossierArgs) -> Result<()> {
    crate::dossier::run(&crate::dossier::Options {
        files: a.files,
        out: a.out,
        json: a.json,
    })
    .map(|_| ())
}
