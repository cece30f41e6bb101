//! Fault plans: `outage@20s+60s; latency@90s+30s=200ms; reset@150s;
//! blackhole@3m+10s; bandwidth@200s+60s=64kbps`. Times count from the start of
//! the proxy (the start of the rehearsal).

use std::fmt;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// The network is down: open connections are reset, new ones refused.
    Outage,
    /// Packets vanish: connections stay open but nothing gets through.
    Blackhole,
    /// Every chunk of data is delayed by this much.
    Latency(Duration),
    /// Open connections are reset at that instant.
    Reset,
    /// Throughput capped at this many bytes per second, each way.
    Bandwidth(u64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub kind: FaultKind,
    pub at: Duration,
    pub duration: Duration,
}

impl Fault {
    pub fn end(&self) -> Duration {
        self.at + self.duration
    }

    pub fn active(&self, t: Duration) -> bool {
        t >= self.at && t < self.end()
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultPlan {
    pub faults: Vec<Fault>,
}

impl fmt::Display for FaultPlan {
    /// In the plan syntax's own units (`outage@20s+1m`), so that what is
    /// echoed reads as what was written, and parses back to the same plan.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .faults
            .iter()
            .map(|x| {
                let w = show_duration;
                match &x.kind {
                    FaultKind::Outage => format!("outage@{}+{}", w(x.at), w(x.duration)),
                    FaultKind::Blackhole => format!("blackhole@{}+{}", w(x.at), w(x.duration)),
                    FaultKind::Latency(l) => {
                        format!("latency@{}+{}={}", w(x.at), w(x.duration), w(*l))
                    }
                    FaultKind::Reset => format!("reset@{}", w(x.at)),
                    FaultKind::Bandwidth(b) => {
                        format!("bandwidth@{}+{}={}", w(x.at), w(x.duration), show_rate(*b))
                    }
                }
            })
            .collect();
        f.write_str(&parts.join("; "))
    }
}

/// The largest unit of `parse_duration` that shows `d` exactly: `1h`, `2m`,
/// `20s`, `500ms` (else seconds with decimals).
fn show_duration(d: Duration) -> String {
    if !d.subsec_nanos().is_multiple_of(1_000_000) {
        return format!("{}s", d.as_secs_f64());
    }
    let ms = d.as_millis();
    match ms {
        0 => "0s".into(),
        _ if ms.is_multiple_of(3_600_000) => format!("{}h", ms / 3_600_000),
        _ if ms.is_multiple_of(60_000) => format!("{}m", ms / 60_000),
        _ if ms.is_multiple_of(1000) => format!("{}s", ms / 1000),
        _ => format!("{ms}ms"),
    }
}

/// A rate in bits (`64kbps`, `1mbps`) when that is exact, else `B/s`.
fn show_rate(bytes: u64) -> String {
    let bits = bytes * 8;
    if bits.is_multiple_of(1_000_000) {
        format!("{}mbps", bits / 1_000_000)
    } else if bits.is_multiple_of(1000) {
        format!("{}kbps", bits / 1000)
    } else {
        format!("{bytes}B/s")
    }
}

const HELP: &str = "fault plan syntax: KIND@START[+DURATION][=VALUE] separated by `;`, e.g.\n  \
    outage@20s+60s; latency@90s+30s=200ms; reset@150s; blackhole@3m+10s; bandwidth@200s+60s=64kbps\n  \
    kinds: outage, blackhole, latency (=delay), reset (instant), bandwidth (=rate: bps, kbps, mbps, B/s, kB/s, MB/s)\n  \
    times: 500ms, 20s, 2m, 1h";

/// `20s`, `1.5s`, `500ms`, `2m`, `1h`.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic())?);
    let v: f64 = num.trim().parse().ok()?;
    if !(v >= 0.0 && v.is_finite()) {
        return None;
    }
    let secs = match unit {
        "ms" => v / 1000.0,
        "s" => v,
        "m" | "min" => v * 60.0,
        "h" => v * 3600.0,
        _ => return None,
    };
    // Beyond Duration's range is not a duration (from_secs_f64 would panic).
    Duration::try_from_secs_f64(secs).ok()
}

/// `64kbps` (bits), `1mbps`, `500B/s`, `2MB/s` → bytes per second.
fn parse_rate(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic())?);
    let v: f64 = num.trim().parse().ok()?;
    let bytes = match unit {
        "bps" => v / 8.0,
        "kbps" => v * 1000.0 / 8.0,
        "mbps" => v * 1_000_000.0 / 8.0,
        "B/s" => v,
        "kB/s" | "KB/s" => v * 1000.0,
        "MB/s" => v * 1_000_000.0,
        _ => return None,
    };
    (bytes >= 1.0).then_some(bytes as u64)
}

impl std::str::FromStr for FaultPlan {
    type Err = String;

    fn from_str(s: &str) -> Result<FaultPlan, String> {
        let mut faults = Vec::new();
        for item in s.split(';').map(str::trim).filter(|x| !x.is_empty()) {
            let bad = |why: &str| format!("bad fault `{item}`: {why}\n  {HELP}");
            let (kind, rest) = item
                .split_once('@')
                .ok_or_else(|| bad("missing `@START`"))?;
            let (when, value) = match rest.split_once('=') {
                Some((w, v)) => (w, Some(v)),
                None => (rest, None),
            };
            let (start, dur) = match when.split_once('+') {
                Some((a, d)) => (a, Some(d)),
                None => (when, None),
            };
            let at = parse_duration(start).ok_or_else(|| bad("START is not a time"))?;
            let duration = match dur {
                Some(d) => parse_duration(d).ok_or_else(|| bad("DURATION is not a time"))?,
                None => Duration::ZERO,
            };
            let needs_window = |k: &str| {
                if duration.is_zero() {
                    Err(bad(&format!("{k} needs a duration: {k}@START+DURATION")))
                } else {
                    Ok(())
                }
            };
            let kind = match kind.trim() {
                "outage" => {
                    needs_window("outage")?;
                    FaultKind::Outage
                }
                "blackhole" => {
                    needs_window("blackhole")?;
                    FaultKind::Blackhole
                }
                "latency" => {
                    needs_window("latency")?;
                    let v = value
                        .ok_or_else(|| bad("latency needs `=DELAY`, e.g. latency@90s+30s=200ms"))?;
                    FaultKind::Latency(parse_duration(v).ok_or_else(|| bad("DELAY is not a time"))?)
                }
                "bandwidth" => {
                    needs_window("bandwidth")?;
                    let v = value.ok_or_else(|| {
                        bad("bandwidth needs `=RATE`, e.g. bandwidth@10s+20s=1mbps")
                    })?;
                    FaultKind::Bandwidth(parse_rate(v).ok_or_else(|| bad("RATE is not a rate"))?)
                }
                "reset" => FaultKind::Reset,
                other => {
                    let kinds = ["outage", "blackhole", "latency", "reset", "bandwidth"];
                    let hint = crate::util::did_you_mean(other, kinds)
                        .map(|h| format!(" (did you mean `{h}`?)"))
                        .unwrap_or_default();
                    return Err(bad(&format!("unknown kind `{other}`{hint}")));
                }
            };
            faults.push(Fault { kind, at, duration });
        }
        faults.sort_by_key(|f| f.at);
        Ok(FaultPlan { faults })
    }
}

impl FaultPlan {
    /// Outage and blackhole windows: the downtime the plan causes.
    pub fn downtime(&self) -> Vec<(Duration, Duration)> {
        self.faults
            .iter()
            .filter(|f| matches!(f.kind, FaultKind::Outage | FaultKind::Blackhole))
            .map(|f| (f.at, f.end()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let p: FaultPlan =
            "outage@20s+60s; latency@90s+30s=200ms; reset@150s; bandwidth@3m+1m=64kbps"
                .parse()
                .unwrap();
        assert_eq!(p.faults.len(), 4);
        assert_eq!(
            p.faults[0],
            Fault {
                kind: FaultKind::Outage,
                at: Duration::from_secs(20),
                duration: Duration::from_secs(60)
            }
        );
        assert_eq!(
            p.faults[1].kind,
            FaultKind::Latency(Duration::from_millis(200))
        );
        assert_eq!(p.faults[2].kind, FaultKind::Reset);
        assert_eq!(p.faults[3].kind, FaultKind::Bandwidth(8000));
        assert_eq!(p.faults[3].at, Duration::from_secs(180));
        assert_eq!(
            p.downtime(),
            vec![(Duration::from_secs(20), Duration::from_secs(80))]
        );
        assert_eq!("".parse::<FaultPlan>().unwrap().faults.len(), 0);
    }

    #[test]
    fn echoes_in_the_units_it_was_written_in_and_parses_back() {
        let written = "outage@20s+1m; latency@90s+500ms=200ms; reset@2h; bandwidth@3m+1m=64kbps; blackhole@1.5s+10s; bandwidth@1s+1s=333B/s";
        let p: FaultPlan = written.parse().unwrap();
        let shown = p.to_string();
        assert_eq!(
            shown,
            "bandwidth@1s+1s=333B/s; blackhole@1500ms+10s; outage@20s+1m; latency@90s+500ms=200ms; bandwidth@3m+1m=64kbps; reset@2h"
        );
        assert_eq!(shown.parse::<FaultPlan>().unwrap(), p);
    }

    #[test]
    fn explains_mistakes() {
        for (plan, want) in [
            ("outage@20s", "needs a duration"),
            ("otage@1s+1s", "did you mean `outage`"),
            ("latency@1s+1s", "needs `=DELAY`"),
            ("outage@soon+1s", "START is not a time"),
            ("outage 20s", "missing `@START`"),
        ] {
            let e = plan.parse::<FaultPlan>().unwrap_err();
            assert!(e.contains(want), "{plan}: {e}");
        }
    }
}
