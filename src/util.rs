//! Small helpers shared across modules.

/// The closest candidate to a mistyped word, if it is close enough to be a
/// plausible typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Hex of a byte slice (lowercase).
pub fn hex(bytes: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(H[(b >> 4) as usize] as char);
        s.push(H[(b & 15) as usize] as char);
    }
    s
}

/// Bytes of a hex string (either case); `None` if it is not hex.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// `check_output` for each `(flag, path)` given.
pub fn check_outputs(outputs: &[(&str, &Option<std::path::PathBuf>)]) -> crate::error::Result<()> {
    for (flag, path) in outputs {
        if let Some(p) = path {
            check_output(flag, p)?;
        }
    }
    Ok(())
}

/// Refuses an output path that cannot be written (its directory missing, or
/// the path a directory), so a run is refused before it writes anything
/// rather than after its work is done.
pub fn check_output(flag: &str, path: &std::path::Path) -> crate::error::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    if path.is_dir() {
        return Err(crate::error::Error::usage(format!(
            "{flag} {}: is a directory; give a file name",
            path.display()
        )));
    }
    if !dir.is_dir() {
        return Err(crate::error::Error::usage(format!(
            "{flag} {}: directory {} does not exist; create it first",
            path.display(),
            dir.display()
        )));
    }
    Ok(())
}

/// `1 row`, `2 rows`, `0 rows`: a count with its noun in the right number.
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Fixes glibc's mmap threshold at 128 KiB. By default glibc raises it to the
/// size of the largest freed mmapped block, after which every argon2
/// computation's ~1 MiB of blocks comes from the heap, interleaved with
/// long-lived allocations (each new user): the heap fragments and RSS grows
/// by hundreds of KB per sign-in (10 GB in a 100k-user emulator run). With
/// the threshold fixed those blocks are mmapped and returned at once.
pub fn fixed_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before heavy allocation.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// `27 d 4 h`, `1 h 02 min`, `3 min 10 s`, `4.2 s`: the one style of every duration a person reads.
pub fn human_duration(s: f64) -> String {
    if s < 59.95 {
        return format!("{s:.1} s");
    }
    let t = s.round() as u64;
    let (d, h, m, sec) = (t / 86_400, (t % 86_400) / 3600, (t % 3600) / 60, t % 60);
    if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m:02} min")
    } else {
        format!("{m} min {sec:02} s")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_take_the_right_number() {
        assert_eq!(super::count(1u64, "table", "tables"), "1 table");
        assert_eq!(super::count(0u64, "table", "tables"), "0 tables");
        assert_eq!(super::count(2u64, "batch", "batches"), "2 batches");
    }
}
