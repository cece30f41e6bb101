//! Reading LDIF back (`jit --legacy ldif:FILE`): entries as `(attribute,
//! value)` lists, base64 values decoded, folded lines joined.

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
    fn reads_plain_base64_and_folded_values() {
        let text = "version: 1\n\ndn: uid=a,dc=x\nuid: a\ngivenName:: Wm/Dqw==\ndescription: xx\n x\n\n# c\ndn: uid=b,dc=x\nsn: b\n";
        let e = parse(text);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0][2], ("givenName".into(), "Zoë".into()));
        assert_eq!(e[0][3], ("description".into(), "xxx".into()));
        assert_eq!(e[1][1], ("sn".into(), "b".into()));
    }
}
