//! One parser per kind of value, shared by every command's flags: clap names
//! the flag and the value; the message gives the valid range. A rate is a
//! rate everywhere: `--edge-rate` and `--error-rate` go through [`rate`].

use std::time::Duration;

/// Most worker threads or connections any command will open.
pub const MAX_WORKERS: usize = 1024;

fn number<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("not a number: {what}"))
}

/// A share of rows or requests: 0.0 to 1.0.
pub fn rate(s: &str) -> Result<f64, String> {
    let what = "a rate is a number from 0.0 to 1.0 (e.g. 0.05)";
    let r: f64 = number(s, what)?;
    if r.is_finite() && (0.0..=1.0).contains(&r) {
        Ok(r)
    } else {
        Err(what.to_string())
    }
}

/// A positive, finite quantity (requests per second, a speed-up factor).
pub fn positive(s: &str) -> Result<f64, String> {
    let what = "use a finite number above 0 (e.g. 600)";
    let r: f64 = number(s, what)?;
    if r.is_finite() && r > 0.0 {
        Ok(r)
    } else {
        Err(what.to_string())
    }
}

/// A count of users, rows, attempts or days: a whole number, at least 1.
pub fn count(s: &str) -> Result<u64, String> {
    let what = format!("use a whole number from 1 to {}", u64::MAX);
    match number::<u64>(s, &what)? {
        0 => Err(what),
        n => Ok(n),
    }
}

/// `count` for flags held in a u32 (days, attempts).
pub fn count_u32(s: &str) -> Result<u32, String> {
    let what = format!("use a whole number from 1 to {}", u32::MAX);
    match number::<u32>(s, &what)? {
        0 => Err(what),
        n => Ok(n),
    }
}

/// `count` for lengths and repeats held in a usize.
pub fn count_usize(s: &str) -> Result<usize, String> {
    let what = format!("use a whole number from 1 to {}", usize::MAX);
    match number::<usize>(s, &what)? {
        0 => Err(what),
        n => Ok(n),
    }
}

/// Most users a command that plans its work up front (rehearse,
/// estimate, jit, scan-leaks) takes: the edge cases' 10-digit row tokens
/// (and their labelled lengths) hold up to here. `generate` streams, and
/// checks its own limits against the profile.
pub const MAX_USERS: u64 = 10_000_000_000;

/// A number of users: 1 to MAX_USERS.
pub fn users(s: &str) -> Result<u64, String> {
    let what = "use a whole number from 1 to 10,000,000,000 (at most 10,000,000,000 users)";
    match number::<u64>(s, what)? {
        n @ 1..=MAX_USERS => Ok(n),
        _ => Err(what.to_string()),
    }
}

/// The users `generate` streams: any positive 64-bit count (the profile's
/// own limits are checked once it is loaded).
pub fn generated_users(s: &str) -> Result<u64, String> {
    let what = format!("use a whole number from 1 to {}", u64::MAX);
    match number::<u64>(s, &what)? {
        0 => Err(what),
        n => Ok(n),
    }
}

/// Most simulated days (ten years).
pub const MAX_DAYS: u32 = 3650;

/// A number of days: 1 to MAX_DAYS.
pub fn days(s: &str) -> Result<u32, String> {
    let what = format!("use a whole number from 1 to {MAX_DAYS}");
    match number::<u32>(s, &what)? {
        n @ 1..=MAX_DAYS => Ok(n),
        _ => Err(what),
    }
}

/// Worker threads or connections: 1 to MAX_WORKERS.
pub fn workers(s: &str) -> Result<usize, String> {
    let what = format!("use a whole number from 1 to {MAX_WORKERS}");
    match number::<usize>(s, &what)? {
        n @ 1..=MAX_WORKERS => Ok(n),
        _ => Err(what),
    }
}

/// An LDIF line width: 0 (never fold) or 8 to 1,000,000 bytes.
pub fn ldif_wrap(s: &str) -> Result<usize, String> {
    let what = "use 0 (never fold) or a width from 8 to 1000000 bytes";
    match number::<usize>(s, what)? {
        n @ (0 | 8..=1_000_000) => Ok(n),
        _ => Err(what.to_string()),
    }
}

/// `--copies-split`: a `_bulk` file's largest size, 64 KiB to 100 MiB
/// (Elasticsearch's default `http.max_content_length`).
pub fn copies_split(s: &str) -> Result<u64, String> {
    let what = "use a size in bytes from 65536 to 104857600 (100 MiB, Elasticsearch's default request limit)";
    match number::<u64>(s, what)? {
        n @ 65_536..=104_857_600 => Ok(n),
        _ => Err(what.to_string()),
    }
}

/// `--map`: a renamed column, `OLD=NEW` or `TABLE.OLD=NEW`.
pub fn column_map(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((old, new)) if !old.trim().is_empty() && !new.trim().is_empty() => {
            Ok((old.trim().to_string(), new.trim().to_string()))
        }
        _ => Err("use OLD=NEW or TABLE.OLD=NEW".to_string()),
    }
}

/// The longest duration any flag takes: beyond it, deadlines computed
/// from the clock would overflow long before they meant anything.
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);

/// A duration from 0 to a year: 500ms, 30s, 10m, 2h.
pub fn duration(s: &str) -> Result<Duration, String> {
    crate::faults::plan::parse_duration(s)
        .filter(|d| *d <= MAX_DURATION)
        .ok_or_else(|| "use a duration from 0s to 8760h (e.g. 500ms, 30s, 10m)".to_string())
}

/// A duration above 0, at most a year.
pub fn positive_duration(s: &str) -> Result<Duration, String> {
    duration(s)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| "use a duration above 0s, up to 8760h (e.g. 500ms, 30s, 10m)".to_string())
}

/// Added latency: a mean and a jitter, e.g. 20ms or 20ms±10ms.
pub fn latency(s: &str) -> Result<(Duration, Duration), String> {
    crate::emulate::parse_latency(s)
        .filter(|(m, j)| *m <= MAX_DURATION && *j <= MAX_DURATION)
        .ok_or_else(|| "use a latency from 0s to 8760h, e.g. 20ms or 20ms±10ms".to_string())
}

/// A share of the users: 2% or 0.02, above 0 and at most 100 %.
pub fn share(s: &str) -> Result<f64, String> {
    crate::estimate::parse_share(s).ok_or_else(|| {
        format!("`{s}` is not a share of the users (e.g. 2% or 0.02; above 0, at most 100%)")
    })
}

/// One count of a list of worker counts (`1,2,4,8`: clap splits on the
/// commas): `workers`, with a message that shows the list.
pub fn worker_list_item(s: &str) -> Result<usize, String> {
    workers(s).map_err(|_| {
        format!("`{s}` is not a worker count: a list like 1,2,4,8, each from 1 to {MAX_WORKERS}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_list_item_is_a_worker_count() {
        assert_eq!(worker_list_item(" 4"), Ok(4));
        assert_eq!(worker_list_item("1024"), Ok(MAX_WORKERS));
        for bad in ["0", "1025", "", "two"] {
            let e = worker_list_item(bad).unwrap_err();
            assert!(e.contains("1,2,4,8") && e.contains("from 1 to 1024"), "{e}");
        }
    }
}
