//! `understudy proxy`: arguments, and running the fault proxy until `--for` ends.

use super::values;
use crate::error::{Error, Result};
use clap::Args;

pub const PROXY_EXAMPLES: &str = "Examples:
  # PostgreSQL behind a proxy that drops the network for a minute after 20 s
  understudy proxy --listen 127.0.0.1:6543 --upstream 127.0.0.1:5432 --faults \"outage@20s+60s\"
  psql \"postgres://app@127.0.0.1:6543/app\"   # your migration connects here

  # latency, a reset and a slow link
  understudy proxy --upstream 127.0.0.1:5432 --faults \"latency@10s+30s=200ms; reset@60s; bandwidth@90s+30s=1mbps\"

Plan syntax: KIND@START[+DURATION][=VALUE]; kinds: outage (open connections reset,
new ones refused), blackhole (nothing gets through), latency=DELAY, reset (instant),
bandwidth=RATE. Times count from the proxy's start.";

#[derive(Args, Debug)]
pub struct ProxyArgs {
    /// Address to listen on (port 0 picks a free port; printed on stdout).
    #[arg(long, default_value = "127.0.0.1:6543")]
    pub listen: String,
    /// Where to forward connections, e.g. 127.0.0.1:5432.
    #[arg(long)]
    pub upstream: String,
    /// The fault plan (empty: a transparent proxy).
    #[arg(long, default_value = "")]
    pub faults: crate::faults::FaultPlan,
    /// Stop after this long (e.g. 10m); default: until interrupted.
    #[arg(long = "for", value_name = "DURATION", value_parser = values::positive_duration)]
    pub run_for: Option<std::time::Duration>,
}

pub fn run(a: ProxyArgs) -> Result<()> {
    let p = crate::faults::Proxy::start(&a.listen, &a.upstream, a.faults.clone())
        .map_err(|e| Error::usage(format!("cannot listen on {}: {e}", a.listen)))?;
    println!("{}", p.addr);
    use std::io::Write;
    let _ = std::io::stdout().flush();
    eprintln!(
        "understudy proxy: {} → {}; plan: {}",
        p.addr,
        a.upstream,
        if a.faults.faults.is_empty() {
            "none".to_string()
        } else {
            a.faults.to_string()
        }
    );
    let start = std::time::Instant::now();
    let mut announced = vec![(false, false); a.faults.faults.len()];
    loop {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let t = start.elapsed();
        for (f, seen) in a.faults.faults.iter().zip(announced.iter_mut()) {
            if !seen.0 && t >= f.at {
                seen.0 = true;
                eprintln!("[{:>7.1}s] {:?} starts", t.as_secs_f64(), f.kind);
            }
            if !seen.1 && !f.duration.is_zero() && t >= f.end() {
                seen.1 = true;
                eprintln!("[{:>7.1}s] {:?} ends", t.as_secs_f64(), f.kind);
            }
        }
        if a.run_for.is_some_and(|d| t >= d) {
            break;
        }
    }
    let s = p.stats.snapshot();
    eprintln!(
        "understudy proxy: {} connections, {} refused, {} killed; {} bytes up, {} down",
        s.connections_accepted,
        s.connections_refused,
        s.connections_killed,
        s.bytes_to_upstream,
        s.bytes_to_client
    );
    Ok(())
}
