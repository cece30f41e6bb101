//! LDIF (RFC 2849) of the users, as an OpenLDAP directory export holds
//! them: one `inetOrgPerson` entry per user under `ou=people`, the password
//! hash in `userPassword` (`{SSHA}`, `{CRYPT}$6$…`, …). Values that are not
//! "safe strings" (non-ASCII, leading space, colon or `<`, trailing space,
//! control characters) are written base64-encoded after `::`.

use std::io::Write;

pub const BASE_DN: &str = "ou=people,dc=understudy,dc=example";

fn safe(v: &str) -> bool {
    let b = v.as_bytes();
    if b.is_empty() {
        return true;
    }
    if matches!(b[0], b' ' | b':' | b'<') || b[b.len() - 1] == b' ' {
        return false;
    }
    b.iter()
        .all(|&c| (0x01..0x80).contains(&c) && c != b'\n' && c != b'\r')
}

/// Writes `attr: value` (or `attr:: base64`), folded at 76 columns.
pub fn attr(out: &mut Vec<u8>, name: &str, value: &str) {
    use base64::Engine;
    let line = if safe(value) {
        format!("{name}: {value}")
    } else {
        format!(
            "{name}:: {}",
            base64::engine::general_purpose::STANDARD.encode(value.as_bytes())
        )
    };
    let b = line.as_bytes();
    let mut i = 0;
    let mut first = true;
    while i < b.len() {
        let width = if first { 76 } else { 75 };
        let end = (i + width).min(b.len());
        if !first {
            out.push(b' ');
        }
        out.extend_from_slice(&b[i..end]);
        out.push(b'\n');
        i = end;
        first = false;
    }
}

/// One user entry. `uid` is the user's key in the directory.
pub fn entry(
    out: &mut Vec<u8>,
    uid: &str,
    mail: &str,
    given: Option<&str>,
    sn: Option<&str>,
    user_password: &str,
) {
    attr(out, "dn", &format!("uid={uid},{BASE_DN}"));
    out.extend_from_slice(b"objectClass: inetOrgPerson\n");
    attr(out, "uid", uid);
    attr(out, "mail", mail);
    let sn = sn.filter(|s| !s.is_empty()).unwrap_or(uid);
    let cn = match given {
        Some(g) if !g.is_empty() => format!("{g} {sn}"),
        _ => sn.to_string(),
    };
    attr(out, "cn", &cn);
    attr(out, "sn", sn);
    if let Some(g) = given.filter(|g| !g.is_empty()) {
        attr(out, "givenName", g);
    }
    attr(out, "userPassword", user_password);
    out.push(b'\n');
}

pub fn header(w: &mut impl Write) -> std::io::Result<()> {
    w.write_all(b"version: 1\n\n")
}

/// Reads entries back: `(attribute, value)` lists, base64 values decoded,
/// folded lines joined. Bytes that are not UTF-8 are replaced.
pub fn parse(text: &str) -> Vec<Vec<(String, String)>> {
    use base64::Engine;
    let mut entries = Vec::new();
    let mut cur: Vec<(String, String)> = Vec::new();
    let mut logical: Vec<String> = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(cont) = line.strip_prefix(' ') {
            if let Some(last) = logical.last_mut() {
                last.push_str(cont);
            }
            continue;
        }
        if line.is_empty() {
            for l in logical.drain(..) {
                if let Some(kv) = split(&l) {
                    cur.push(kv);
                }
            }
            if !cur.is_empty() {
                entries.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        logical.push(line.to_string());
    }
    for l in logical.drain(..) {
        if let Some(kv) = split(&l) {
            cur.push(kv);
        }
    }
    if !cur.is_empty() {
        entries.push(cur);
    }
    fn split(l: &str) -> Option<(String, String)> {
        let (k, v) = l.split_once(':')?;
        if let Some(b) = v.strip_prefix(':') {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()?;
            Some((k.to_string(), String::from_utf8_lossy(&bytes).into_owned()))
        } else {
            Some((k.to_string(), v.strip_prefix(' ').unwrap_or(v).to_string()))
        }
    }
    entries.retain(|e| e.first().is_some_and(|(k, _)| k != "version"));
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut out = Vec::new();
        let long = "x".repeat(200);
        entry(
            &mut out,
            "u1",
            "a@example.com",
            Some("Zoë"),
            Some(" lead"),
            &long,
        );
        entry(&mut out, "u2", "b@example.com", None, None, "{SSHA}abc=");
        let text = String::from_utf8(out).unwrap();
        assert!(text.lines().all(|l| l.len() <= 77));
        assert!(text.contains("givenName:: "));
        let e = parse(&text);
        assert_eq!(e.len(), 2);
        let get = |i: usize, k: &str| e[i].iter().find(|(a, _)| a == k).unwrap().1.clone();
        assert_eq!(get(0, "givenName"), "Zoë");
        assert_eq!(get(0, "sn"), " lead");
        assert_eq!(get(0, "userPassword"), long);
        assert_eq!(get(1, "userPassword"), "{SSHA}abc=");
        assert_eq!(get(1, "dn"), format!("uid=u2,{BASE_DN}"));
    }
}
