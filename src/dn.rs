//! LDAP distinguished names as RFC 4514 strings: escaping an attribute value
//! into an RDN, and parsing a DN back into its RDNs (the profile's base DN,
//! DNs read from a directory).

/// One `type=value` of an RDN (a multi-valued RDN has several, joined by `+`).
pub type Ava = (String, String);

/// Appends `value` escaped as an RDN value (RFC 4514 § 2.4): `"` `+` `,` `;`
/// `<` `>` `\` behind a backslash, a leading space or `#` and a trailing
/// space escaped, NUL as `\00`. Everything else (non-ASCII included) is
/// written as it is.
pub fn escape_value(value: &str, out: &mut String) {
    let last = value.len().saturating_sub(1);
    for (i, c) in value.char_indices() {
        match c {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\0' => out.push_str("\\00"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            '#' if i == 0 => out.push_str("\\#"),
            _ => out.push(c),
        }
    }
}

/// `value` escaped as an RDN value.
pub fn escaped(value: &str) -> String {
    let mut s = String::with_capacity(value.len() + 4);
    escape_value(value, &mut s);
    s
}

/// Parses an RFC 4514 DN into its RDNs, leftmost first; each RDN is one or
/// more `(type, value)` pairs with the values unescaped (`\,`, `\2C`, UTF-8
/// written as `\C3\A9`). Attribute types are lowercased. Spaces around the
/// separators are tolerated; `#`-BER values are refused.
pub fn parse(dn: &str) -> Result<Vec<Vec<Ava>>, String> {
    let b = dn.as_bytes();
    let mut rdns: Vec<Vec<Ava>> = Vec::new();
    let mut rdn: Vec<Ava> = Vec::new();
    let mut i = 0;
    if dn.trim().is_empty() {
        return Ok(rdns);
    }
    loop {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i] != b'=' {
            i += 1;
        }
        if i >= b.len() {
            return Err(format!("`{}` has no `=`", &dn[start..]));
        }
        let ty = dn[start..i].trim();
        if ty.is_empty()
            || !ty
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
        {
            return Err(format!("`{ty}` is not an attribute type"));
        }
        i += 1;
        if b.get(i) == Some(&b'#') {
            return Err(format!(
                "{ty}=#…: BER-encoded values are not supported (escape the `#` as `\\#`)"
            ));
        }
        let (value, next) = value_at(dn, i)?;
        if value.is_empty() {
            return Err(format!("`{ty}=` has an empty value"));
        }
        rdn.push((ty.to_ascii_lowercase(), value));
        i = next;
        match b.get(i) {
            None => {
                rdns.push(rdn);
                return Ok(rdns);
            }
            Some(b'+') => {}
            Some(_) => rdns.push(std::mem::take(&mut rdn)),
        }
        i += 1;
    }
}

/// The value starting at byte `i`, unescaped, and the index of the `,` `;`
/// or `+` that ends it (or the end). Unescaped trailing spaces are dropped.
fn value_at(dn: &str, mut i: usize) -> Result<(String, usize), String> {
    let b = dn.as_bytes();
    let mut out: Vec<u8> = Vec::new();
    // Bytes of `out` that came from escapes: trailing spaces there are kept.
    let mut kept = 0;
    while i < b.len() {
        match b[i] {
            b',' | b';' | b'+' => break,
            b'\\' => {
                let hex = |k: usize| b.get(k).filter(|c| c.is_ascii_hexdigit()).copied();
                match (hex(i + 1), hex(i + 2)) {
                    (Some(h), Some(l)) => {
                        let v = u8::from_str_radix(&format!("{}{}", h as char, l as char), 16)
                            .expect("hex digits");
                        out.push(v);
                        i += 3;
                    }
                    _ => {
                        let c = *b.get(i + 1).ok_or("a DN ends in a lone `\\`")?;
                        out.push(c);
                        i += 2;
                    }
                }
                kept = out.len();
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    while out.len() > kept && out.last() == Some(&b' ') {
        out.pop();
    }
    let s = String::from_utf8(out).map_err(|_| "a DN value is not UTF-8 once unescaped")?;
    Ok((s, i))
}

/// Writes RDNs back as a DN string, each value escaped.
pub fn join(rdns: &[Vec<Ava>]) -> String {
    let mut s = String::new();
    for (k, rdn) in rdns.iter().enumerate() {
        if k > 0 {
            s.push(',');
        }
        for (j, (ty, v)) in rdn.iter().enumerate() {
            if j > 0 {
                s.push('+');
            }
            s.push_str(ty);
            s.push('=');
            escape_value(v, &mut s);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_rfc_4514_requires() {
        assert_eq!(escaped("Doe, John"), "Doe\\, John");
        assert_eq!(escaped("a+b\"c\\d<e>f;g"), "a\\+b\\\"c\\\\d\\<e\\>f\\;g");
        assert_eq!(escaped("#x#"), "\\#x#");
        assert_eq!(escaped(" lead"), "\\ lead");
        assert_eq!(escaped("trail "), "trail\\ ");
        assert_eq!(escaped(" "), "\\ ");
        assert_eq!(escaped("  two"), "\\  two");
        assert_eq!(escaped("a\0b"), "a\\00b");
        assert_eq!(escaped("x=y Zoë"), "x=y Zoë");
    }

    #[test]
    fn parses_what_it_escapes_and_what_servers_write() {
        for v in [
            "Doe, John",
            " lead",
            "trail ",
            " ",
            "  two  ",
            "#hash",
            "a+b",
            "q\"x",
            "<>;",
            "back\\slash",
            "a\0b",
            "Zoë 佐藤",
            "x=y",
        ] {
            let dn = format!("uid={},ou=people,dc=example,dc=org", escaped(v));
            let p = parse(&dn).unwrap();
            assert_eq!(p[0], vec![("uid".to_string(), v.to_string())], "{dn}");
            assert_eq!(p.len(), 4);
            assert_eq!(join(&p), dn);
        }
        // slapd's own form: hex escapes, UTF-8 as hex pairs.
        let p = parse("uid=Doe\\2C John,OU=people, dc=example").unwrap();
        assert_eq!(p[0][0].1, "Doe, John");
        assert_eq!(p[1][0], ("ou".into(), "people".into()));
        assert_eq!(p[2][0], ("dc".into(), "example".into()));
        assert_eq!(parse("cn=Z\\C3\\AB").unwrap()[0][0].1, "Zë");
        let multi = parse("cn=A B+uid=ab,dc=x").unwrap();
        assert_eq!(multi[0].len(), 2);
        assert_eq!(multi[0][1], ("uid".into(), "ab".into()));
        for bad in ["uid", "=x", "uid=", "cn=#04", "cn=a\\", "cn=\\C3"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse("").unwrap().is_empty());
    }
}
