//! An LDIF reader and an RFC 4514 DN parser written for the tests, apart
//! from the product's writers: entries as (DN, attributes) with values as
//! bytes, folded lines joined, `::` values base64-decoded.

use base64::Engine;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rec {
    pub dn: String,
    pub attrs: Vec<(String, Vec<u8>)>,
}

impl Rec {
    pub fn get(&self, name: &str) -> Vec<&[u8]> {
        self.attrs
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
            .collect()
    }

    pub fn one(&self, name: &str) -> Option<String> {
        self.get(name)
            .first()
            .map(|v| String::from_utf8(v.to_vec()).expect("UTF-8 value"))
    }
}

/// Every entry of an LDIF text (a `version:` line and comments skipped).
pub fn read(text: &str) -> Vec<Rec> {
    let mut logical: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let flush = |logical: &mut Vec<String>, out: &mut Vec<Rec>| {
        let mut rec: Option<Rec> = None;
        for l in logical.drain(..) {
            let (name, value) = split(&l);
            if name.eq_ignore_ascii_case("version") && rec.is_none() {
                continue;
            }
            match rec.as_mut() {
                None => {
                    assert_eq!(name, "dn", "an entry starts with dn: {l}");
                    rec = Some(Rec {
                        dn: String::from_utf8(value).expect("UTF-8 DN"),
                        attrs: Vec::new(),
                    });
                }
                Some(r) => r.attrs.push((name, value)),
            }
        }
        out.extend(rec);
    };
    for line in text.split('\n') {
        if let Some(rest) = line.strip_prefix(' ') {
            logical
                .last_mut()
                .expect("a continuation follows a line")
                .push_str(rest);
        } else if line.is_empty() {
            flush(&mut logical, &mut out);
        } else if !line.starts_with('#') {
            logical.push(line.to_string());
        }
    }
    flush(&mut logical, &mut out);
    out
}

fn split(l: &str) -> (String, Vec<u8>) {
    let (name, rest) = l
        .split_once(':')
        .unwrap_or_else(|| panic!("no `:` in {l:?}"));
    let value = if let Some(b64) = rest.strip_prefix(':') {
        base64::engine::general_purpose::STANDARD
            .decode(b64.trim_start())
            .unwrap_or_else(|e| panic!("bad base64 in {l:?}: {e}"))
    } else {
        rest.strip_prefix(' ').unwrap_or(rest).as_bytes().to_vec()
    };
    (name.to_string(), value)
}

/// RDNs of a DN, leftmost first: each a sorted list of (lowercased type,
/// unescaped value); hex escapes (`\2C`, UTF-8 as `\C3\A9`) and `\,`-style
/// escapes are undone, unescaped spaces around separators dropped.
pub fn dn(s: &str) -> Vec<Vec<(String, String)>> {
    let mut rdns = Vec::new();
    let mut rdn = Vec::new();
    let mut ty = String::new();
    let mut val: Vec<u8> = Vec::new();
    let mut in_value = false;
    let mut escaped_upto = 0;
    let b = s.as_bytes();
    let mut i = 0;
    let end_ava = |ty: &mut String, val: &mut Vec<u8>, escaped_upto: usize| {
        while val.len() > escaped_upto && val.last() == Some(&b' ') {
            val.pop();
        }
        let v = String::from_utf8(std::mem::take(val)).expect("UTF-8 DN value");
        (ty.trim().to_ascii_lowercase(), v)
    };
    while i < b.len() {
        let c = b[i];
        if !in_value {
            if c == b'=' {
                in_value = true;
                escaped_upto = 0;
                while b.get(i + 1) == Some(&b' ') {
                    i += 1;
                }
            } else {
                ty.push(c as char);
            }
            i += 1;
            continue;
        }
        match c {
            b'\\' => {
                let h = std::str::from_utf8(&b[i + 1..(i + 3).min(b.len())]).unwrap_or("");
                if h.len() == 2 && h.bytes().all(|x| x.is_ascii_hexdigit()) {
                    val.push(u8::from_str_radix(h, 16).unwrap());
                    i += 3;
                } else {
                    val.push(b[i + 1]);
                    i += 2;
                }
                escaped_upto = val.len();
                continue;
            }
            b',' | b'+' => {
                rdn.push(end_ava(&mut ty, &mut val, escaped_upto));
                ty.clear();
                in_value = false;
                if c == b',' {
                    rdn.sort();
                    rdns.push(std::mem::take(&mut rdn));
                }
            }
            _ => val.push(c),
        }
        i += 1;
    }
    rdn.push(end_ava(&mut ty, &mut val, escaped_upto));
    rdn.sort();
    rdns.push(rdn);
    rdns
}
