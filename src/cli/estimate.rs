//! `understudy estimate`: arguments, and the call into the estimator.

use super::choices::Api;
use super::dataset::DatasetArgs;
use super::values;
use crate::error::Result;
use clap::Args;
use std::path::PathBuf;

pub const ESTIMATE_EXAMPLES: &str = "Examples:
  # 10M users into PostgreSQL: samples of 100k users at 1, 2, 4 and 8 workers
  understudy estimate --production-users 10000000 --target postgres://app:secret@localhost/rehearsal \\
      --workers 1,2,4,8 --report estimate.json --html estimate.html

  # 1M users into SQLite from a 2 % sample, at most 5 minutes of sampling
  understudy estimate --production-users 1000000 --target sqlite:app.db --sample 2% --budget 5m

  # 1M users into MySQL or MariaDB (scratch databases on the same server)
  understudy estimate --production-users 1000000 --target mysql://app:secret@localhost/rehearsal

  # the size effect measured at 21 % and 79 % of N instead of small sizes: a quarter to most
  # of the load's time and twice its disk, for comparison
  understudy estimate --production-users 1000000 --target sqlite:app.db --size-method quadrature

  # in CI: fail (exit 1) when the projection, or its range's high end, misses the window;
  # the thresholds, the samples and the scratch disk as JUnit XML test cases
  understudy estimate --production-users 1000000 --target sqlite:app.db \\
      --fail-on 'duration>4h, high{workers:1}>6h' --junit estimate.xml

  # then check it: the full rehearsal, timed
  understudy rehearse --users 1000000 --target sqlite:full.db --no-verify --report full.json

Samples go to a scratch copy (SQLite: a file in a temporary directory beside the target;
PostgreSQL: a schema understudy_estimate_<pid>_<k>; MySQL: a database of that name on the
same server, which needs GRANT ALL ON `understudy\\_estimate\\_%`.*), dropped afterwards;
the target itself is not touched. The projection is of rehearse's load phase (its
`duration_s`), not of hash-pool building or verification. The size effect is measured at sizes
up to 12.5 % of N (--size-method geometric, the default) or at 21 % and 79 % of N
(quadrature), and the report states the estimate's own cost (seconds, disk). See docs/estimate.md for the method and its limits.

Exit codes: 0 ok · 1 a --fail-on threshold missed · 2 bad usage or configuration · 3 target
unreachable";

#[derive(Args, Debug)]
#[command(mut_arg("seed", |a| a.help("Seed of the sample users")))]
pub struct EstimateArgs {
    #[command(flatten)]
    pub dataset: DatasetArgs,
    /// How many users the real migration moves (N).
    #[arg(short = 'n', long, value_name = "N", value_parser = values::users)]
    pub production_users: u64,
    /// sqlite:PATH, postgres://user:pass@host:port/db or mysql://user:pass@host:port/db
    /// (samples go to a scratch copy).
    #[arg(short, long)]
    pub target: String,
    /// Users per sample rehearsal (default: 0.5 % of N, at least 1,000, at most 100,000).
    #[arg(long, value_name = "S", conflicts_with = "sample", value_parser = values::users)]
    pub sample_users: Option<u64>,
    /// Users per sample as a share of N, e.g. 2% (or 0.02).
    #[arg(long, value_name = "P%", value_parser = values::share)]
    pub sample: Option<f64>,
    /// Worker counts to measure and project, e.g. 1,2,4,8 (default: 1,2,4; SQLite 1,2).
    #[arg(short, long, value_name = "LIST", value_delimiter = ',', value_parser = values::worker_list_item)]
    pub workers: Option<Vec<usize>>,
    /// Identity API of an http:// target: okta, auth0 or generic (not yet wired into estimate).
    #[arg(long, value_enum)]
    pub api: Option<Api>,
    /// Most time to spend sampling, e.g. 10m; repeats are dropped to fit.
    #[arg(long, default_value = "10m", value_parser = values::positive_duration)]
    pub budget: std::time::Duration,
    /// Samples per worker count (their spread widens or narrows the range).
    #[arg(long, default_value_t = 3, value_parser = values::count_usize)]
    pub repeat: usize,
    /// Rows of the driving table per batch in the real load (default: rehearse's, 5000 for
    /// PostgreSQL, 25000 for SQLite).
    #[arg(short, long, value_parser = values::count)]
    pub batch: Option<u64>,
    /// copy (PostgreSQL COPY), insert (multi-row INSERT), upsert (ON CONFLICT DO NOTHING);
    /// or quadrature: the load method copy, the size effect as --size-method quadrature.
    #[arg(short, long, value_enum, default_value_t = EstimateMethod::Copy)]
    pub method: EstimateMethod,
    /// How the size effect is measured: geometric (samples at small sizes up to 12.5 % of N,
    /// a fitted model; cheap) or quadrature (samples at 21 % and 79 % of N; costly).
    /// Default: geometric.
    #[arg(long, value_enum)]
    pub size_method: Option<SizeMethodArg>,
    /// Write the JSON report (versioned; `projections`, `recommended_workers`, `bottleneck`, `model`).
    #[arg(long, value_name = "FILE.json")]
    pub report: Option<PathBuf>,
    /// Write a self-contained HTML report with the throughput-vs-workers curve and its fit.
    #[arg(long, value_name = "FILE.html")]
    pub html: Option<PathBuf>,
    /// Thresholds on the projection, e.g. 'duration>8h, high{workers:4}>6h': duration
    /// (projected), high and low (its range's ends), in seconds or as 90s, 30m, 8h; tag
    /// {workers:W} (default: the recommended count). Exit 1 when one is missed.
    #[arg(long, value_name = "EXPR")]
    pub fail_on: Option<String>,
    /// Write the thresholds, the samples and the estimate's cost checks (scratch disk
    /// within 25 % of the target's projected size, --budget) as JUnit XML test cases.
    #[arg(long, value_name = "FILE.xml")]
    pub junit: Option<PathBuf>,
    /// No progress and no summary.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `--method`: the load method, or `quadrature` (the old size method,
/// with the load method copy).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EstimateMethod {
    Copy,
    Insert,
    Upsert,
    Quadrature,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeMethodArg {
    Geometric,
    Quadrature,
}

impl EstimateArgs {
    /// The load method and the size method `--method` and `--size-method`
    /// name together.
    pub fn methods(
        &self,
    ) -> (
        crate::target::Method,
        Option<crate::estimate::geometric::SizeMethod>,
    ) {
        use crate::estimate::geometric::SizeMethod;
        use crate::target::Method as M;
        let load = match self.method {
            EstimateMethod::Copy | EstimateMethod::Quadrature => M::Copy,
            EstimateMethod::Insert => M::Insert,
            EstimateMethod::Upsert => M::Upsert,
        };
        let size = match (self.method, self.size_method) {
            (EstimateMethod::Quadrature, _) | (_, Some(SizeMethodArg::Quadrature)) => {
                Some(SizeMethod::Quadrature)
            }
            (_, Some(SizeMethodArg::Geometric)) => Some(SizeMethod::Geometric),
            (_, None) => None,
        };
        (load, size)
    }
}

pub fn run(a: EstimateArgs) -> Result<()> {
    let (method, size_method) = a.methods();
    let profile = a.dataset.load_profile()?;
    let domains = profile.domains.clone();
    crate::estimate::estimate(crate::estimate::EstimateOptions {
        profile,
        production_users: a.production_users,
        target: a.target,
        sample_users: a.sample_users,
        sample_share: a.sample,
        workers: a.workers,
        api: a.api.map(Into::into),
        budget: a.budget,
        repeat: a.repeat,
        seed: a.dataset.seed,
        batch: a.batch,
        method,
        size_method,
        hash_mode: a.dataset.hash_mode(),
        edge_rate: a.dataset.edge_rate,
        domains,
        report: a.report,
        html: a.html,
        fail_on: a.fail_on,
        junit: a.junit,
        quiet: a.quiet,
    })
    .map(|_| ())
}
