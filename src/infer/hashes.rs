//! The password-hash mix from format prefixes counted in the database
//! (`Catalog::hash_prefixes`), mapped to the catalogue's formats by the
//! prefix and length of each format's example (`hash::example_of`).

/// The prefix the database groups by (`Catalog::hash_prefixes`), in Rust:
/// bcrypt's `$2y$10$`, `{SCHEME}`, `$id$`, `name$`, or empty.
pub fn prefix(h: &str) -> &str {
    let head = |n: usize| h.get(..n.min(h.len())).unwrap_or(h);
    if h.starts_with("$2") && h.as_bytes().get(3) == Some(&b'$') {
        return head(7);
    }
    if h.starts_with('{') {
        if let Some(i) = head(24).find('}') {
            return &h[..=i];
        }
    } else if h.starts_with('$')
        && let Some(i) = h.get(1..24.min(h.len())).and_then(|t| t.find('$'))
    {
        return &h[..i + 2];
    }
    match head(24).find('$') {
        Some(i) if !h.starts_with('{') && !h.starts_with('$') => &h[..=i],
        _ => "",
    }
}

/// bcrypt's `$2y$10$` → (`$2y$`, Some(10)); any other prefix as it is.
fn split_cost(p: &str) -> (&str, Option<u32>) {
    if p.starts_with("$2") && p.len() == 7 && p.ends_with('$') {
        return (&p[..4], p[4..6].parse().ok());
    }
    (p, None)
}

/// The format (and parameters read from the prefix) of hashes with this
/// prefix and length: the format whose example has the same prefix and
/// length, else the first with the same prefix.
pub fn format_of(p: &str, len: u64) -> Option<(&'static str, Vec<(String, String)>)> {
    let (p, cost) = split_cost(p);
    let mut by_prefix = None;
    for f in crate::hash::all() {
        let ex = f.example();
        let ex = ex.split('\t').next().unwrap_or("");
        if ex.is_empty() || f.salt_in_column() {
            continue;
        }
        let (ep, _) = split_cost(prefix(ex));
        if ep != p {
            continue;
        }
        let params = match cost {
            Some(c) => vec![("cost".to_string(), c.to_string())],
            None => Vec::new(),
        };
        if ex.chars().count() as u64 == len {
            return Some((f.name(), params));
        }
        by_prefix.get_or_insert((f.name(), params));
    }
    by_prefix
}

/// (format, users, parameters read from the prefix), the largest first.
pub type Mix = Vec<(String, u64, Vec<(String, String)>)>;

/// `Catalog::hash_prefixes`' (prefix, length, count) rows as a mix of the
/// catalogue's formats, and the count of hashes of no known format.
pub fn mix(prefixes: Vec<(String, u64, u64)>) -> (Mix, u64) {
    let mut mix: Mix = Vec::new();
    let mut unknown = 0;
    for (p, len, n) in prefixes {
        match format_of(&p, len) {
            Some((f, params)) => match mix.iter_mut().find(|m| m.0 == f && m.2 == params) {
                Some(m) => m.1 += n,
                None => mix.push((f.to_string(), n, params)),
            },
            None => unknown += n,
        }
    }
    mix.sort_by_key(|m| std::cmp::Reverse(m.1));
    (mix, unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_keep_the_format_only() {
        let bc = "$2y$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234";
        assert_eq!(prefix(bc), "$2y$10$");
        assert_eq!(
            prefix("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"),
            "$argon2id$"
        );
        assert_eq!(prefix("{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g="), "{SSHA}");
        assert_eq!(prefix("pbkdf2_sha256$1000000$salt$hash"), "pbkdf2_sha256$");
        assert_eq!(prefix("5f4dcc3b5aa765d61d8327deb882cf99"), "");
        assert_eq!(format_of("$2y$10$", 60).unwrap().0, "bcrypt-2y");
        assert_eq!(
            format_of("$2b$12$", 60).unwrap().1,
            [("cost".into(), "12".into())]
        );
        assert_eq!(format_of("$argon2id$", 97).unwrap().0, "argon2id");
        assert_eq!(format_of("", 32).unwrap().0, "md5-hex");
        assert_eq!(format_of("", 40).unwrap().0, "sha1-hex");
        assert!(format_of("$zz$", 10).is_none());
        for f in crate::hash::all() {
            let ex = f.example().split('\t').next().unwrap();
            if !f.salt_in_column() && !ex.is_empty() {
                let got = format_of(prefix(ex), ex.chars().count() as u64).unwrap().0;
                assert!(
                    got == f.name()
                        || prefix(ex).is_empty()
                        || got.starts_with("bcrypt")
                        || got.starts_with("argon2")
                        || got.starts_with("ldap"),
                    "{} → {got}",
                    f.name()
                );
            }
        }
    }
}
