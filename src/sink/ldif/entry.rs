//! A users row as an LDAP entry: the one mapping from rows to a directory,
//! shared by the LDIF writer, `jit --legacy ldif:` and any LDAP target.
//!
//! `Directory::new(profile)` resolves the users table's columns by kind;
//! `entry(row)` is then a pure function of the row:
//!
//! | attribute | value |
//! |---|---|
//! | `objectClass` | `top`, `person`, `organizationalPerson`, `inetOrgPerson` |
//! | `uid` | the `username` column, or the primary key when there is none or it is NULL/empty |
//! | `employeeNumber` | the primary key (the row's key in `passwords.csv` and `labels.csv`) |
//! | `cn` | first and last name joined by a space (the non-empty ones), else the `full_name`, else `uid` |
//! | `sn` | the last name, else the first name, else `uid` (`sn` is required) |
//! | `givenName`, `displayName`, `mail` | the `first_name`, `full_name` and `email` columns, when not NULL or empty |
//! | `userPassword` | the hash in its LDAP form (`ldap_value`) |
//!
//! The DN is `<rdn>,<base DN>`, its value escaped per RFC 4514. Empty values
//! are left out: LDAP has no empty attribute value.

use crate::dn;
use crate::profile::{Kind, Profile, Rdn};
use crate::row::{FieldKind, RowBuf};

/// One directory entry: its DN (an RFC 4514 string) and its attributes in
/// the order they are written; a multi-valued attribute repeats its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub dn: String,
    pub attrs: Vec<(&'static str, String)>,
}

impl Entry {
    /// The values of attribute `name`.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.attrs
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn first<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.values(name).next()
    }
}

pub const PERSON_CLASSES: [&str; 4] = ["top", "person", "organizationalPerson", "inetOrgPerson"];

/// Users-table columns an entry is made of (indices into the row).
#[derive(Debug, Clone)]
struct Cols {
    key: usize,
    username: Option<usize>,
    email: Option<usize>,
    first: Option<usize>,
    last: Option<usize>,
    full: Option<usize>,
    hash: Option<usize>,
}

/// The profile's users as a directory: where entries go, how they are named,
/// which columns make which attributes.
#[derive(Debug, Clone)]
pub struct Directory {
    pub rdn: Rdn,
    /// The base DN as entries end with it (values re-escaped).
    pub base_dn: String,
    base: Vec<Vec<dn::Ava>>,
    /// How many RDNs, from the right, are the suffix (the first entry written).
    suffix: usize,
    cols: Cols,
    /// The users table's name.
    pub users: String,
}

/// Labels whose value copies another user's so that the two are equal under
/// the directory's matching rules (case, NFKC, spaces): as RDN values they
/// would name one entry twice.
const COLLIDING: &[(&str, &str)] = &[
    ("uid", "username.case-duplicate"),
    ("mail", "email.case-duplicate"),
    ("mail", "email.nfd-duplicate"),
];

impl Directory {
    pub fn new(profile: &Profile) -> Result<Directory, String> {
        let t = &profile.tables[profile.users_table];
        let find = |f: &dyn Fn(&Kind) -> bool| t.columns.iter().position(|c| f(&c.kind));
        let cols = Cols {
            key: t.primary_key[0],
            username: find(&|k| matches!(k, Kind::Username)),
            email: find(&|k| matches!(k, Kind::Email)),
            first: find(&|k| matches!(k, Kind::FirstName)),
            last: find(&|k| matches!(k, Kind::LastName)),
            full: find(&|k| matches!(k, Kind::FullName)),
            hash: find(&|k| matches!(k, Kind::PasswordHash)),
        };
        let ldap = &profile.ldap;
        if ldap.rdn == Rdn::Mail && cols.email.is_none() {
            return Err(format!(
                "[ldap] rdn = \"mail\" needs an email column in the `{}` table",
                t.name
            ));
        }
        if cols.hash.is_some() {
            let none: Vec<&str> = profile
                .passwords
                .mix
                .iter()
                .filter_map(|m| crate::hash::lookup(&m.format))
                .filter(|f| ldap_value(f.example()).is_none())
                .map(|f| f.name())
                .collect();
            if !none.is_empty() {
                return Err(format!(
                    "{} cannot be an LDAP userPassword: LDAP stores {{SSHA}}-style schemes, \
                     crypt(3) strings as {{CRYPT}}, argon2 as {{ARGON2}} and passlib PBKDF2 as {{PBKDF2-…}}; \
                     use such formats (as the ldap profile does) or another --format",
                    none.join(", ")
                ));
            }
        }
        let base = dn::parse(&ldap.base_dn).map_err(|e| format!("[ldap] base_dn: {e}"))?;
        let dcs = base.iter().rev().take_while(|r| r[0].0 == "dc").count();
        Ok(Directory {
            rdn: ldap.rdn,
            base_dn: dn::join(&base),
            suffix: dcs.max(1),
            base,
            cols,
            users: t.name.clone(),
        })
    }

    /// The entries above the people: the suffix, then each RDN down to the
    /// base DN, then `ou=groups` under the suffix when `groups`.
    pub fn base_entries(&self, groups: bool) -> Vec<Entry> {
        let n = self.base.len();
        let mut out = Vec::new();
        for depth in self.suffix..=n {
            let rdns = &self.base[n - depth..];
            let (ty, v) = &rdns[0][0];
            out.push(container(dn::join(rdns), ty, v));
        }
        if groups {
            let g = self.groups_dn();
            if !out.iter().any(|e| e.dn == g) {
                out.push(container(g, "ou", "groups"));
            }
        }
        out
    }

    /// The suffix: the topmost entry `base_entries` writes.
    pub fn suffix_dn(&self) -> String {
        dn::join(&self.base[self.base.len() - self.suffix..])
    }

    /// Where groups go: `ou=groups,<suffix>`.
    pub fn groups_dn(&self) -> String {
        let n = self.base.len();
        format!("ou=groups,{}", dn::join(&self.base[n - self.suffix..]))
    }

    /// The entry of a users row.
    pub fn entry(&self, row: &RowBuf) -> Entry {
        let c = &self.cols;
        let get = |i: Option<usize>| {
            i.map(|i| row.get(i))
                .filter(|(k, v)| *k != FieldKind::Null && !v.is_empty())
                .map(|(_, v)| v)
        };
        let uid = get(c.username).unwrap_or(row.get(c.key).1);
        let (first, last, full) = (get(c.first), get(c.last), get(c.full));
        let cn = match (first, last) {
            (Some(f), Some(l)) => format!("{f} {l}"),
            (Some(n), None) | (None, Some(n)) => n.to_string(),
            (None, None) => full.unwrap_or(uid).to_string(),
        };
        let sn = last.or(first).unwrap_or(uid);
        let mail = get(c.email);
        let mut rdn = String::new();
        match self.rdn {
            Rdn::Uid => push_ava(&mut rdn, "uid", uid),
            Rdn::Mail => push_ava(&mut rdn, "mail", mail.unwrap_or("")),
            Rdn::CnUid => {
                push_ava(&mut rdn, "cn", &cn);
                rdn.push('+');
                push_ava(&mut rdn, "uid", uid);
            }
        }
        rdn.push(',');
        rdn.push_str(&self.base_dn);
        let mut attrs: Vec<(&'static str, String)> = PERSON_CLASSES
            .iter()
            .map(|c| ("objectClass", c.to_string()))
            .collect();
        attrs.push(("uid", uid.to_string()));
        attrs.push(("employeeNumber", row.get(c.key).1.to_string()));
        attrs.push(("cn", cn));
        attrs.push(("sn", sn.to_string()));
        let mut opt = |name: &'static str, v: Option<&str>| {
            if let Some(v) = v {
                attrs.push((name, v.to_string()));
            }
        };
        opt("givenName", first);
        opt("displayName", full);
        opt("mail", mail);
        opt("userPassword", get(c.hash).and_then(ldap_value).as_deref());
        Entry { dn: rdn, attrs }
    }

    /// Why a users row cannot be an entry of a valid directory, as (column,
    /// reason); `labels` are its edge cases as (column, label).
    pub fn refusal(&self, row: &RowBuf, labels: &[(usize, &str)]) -> Option<(usize, String)> {
        if let Some(r) = self.not_utf8(row) {
            return Some(r);
        }
        let c = &self.cols;
        if let Some(e) = c.email {
            let (k, v) = row.get(e);
            if k != FieldKind::Null && !v.is_ascii() {
                return Some((
                    e,
                    "mail is an IA5String (RFC 4524): ASCII only; a directory refuses it (invalidAttributeSyntax)".into(),
                ));
            }
            if self.rdn == Rdn::Mail && (k == FieldKind::Null || v.is_empty()) {
                return Some((e, "no email to name the entry (rdn = mail)".into()));
            }
        }
        self.clash(labels)
    }

    /// A mapped column holding windows-1252 bytes, as (column, reason): an
    /// LDAP value is UTF-8.
    pub fn not_utf8(&self, row: &RowBuf) -> Option<(usize, String)> {
        let c = &self.cols;
        let mapped = [
            c.username,
            c.email,
            c.first,
            c.last,
            c.full,
            c.hash,
            Some(c.key),
        ];
        for col in mapped.into_iter().flatten() {
            if row.get(col).0 == FieldKind::Cp1252 {
                return Some((
                    col,
                    "windows-1252 bytes: LDAP values are UTF-8 (RFC 4517 Directory String)".into(),
                ));
            }
        }
        None
    }

    /// The edge case whose RDN value equals another user's under the
    /// directory's matching rules, as (column, reason): the entry it names
    /// already exists. `labels` are the row's edge cases as (column, label).
    pub fn clash(&self, labels: &[(usize, &str)]) -> Option<(usize, String)> {
        let c = &self.cols;
        let rdn_attrs: &[&str] = match self.rdn {
            Rdn::Uid | Rdn::CnUid => &["uid"],
            Rdn::Mail => &["mail"],
        };
        for &(col, label) in labels {
            let attr = if Some(col) == c.username {
                "uid"
            } else if Some(col) == c.email {
                "mail"
            } else {
                continue;
            };
            if rdn_attrs.contains(&attr) && COLLIDING.contains(&(attr, label)) {
                return Some((
                    col,
                    format!(
                        "{label}: its {attr} equals another user's under the directory's matching rule \
                         (case, NFKC, spaces), so the DN would name an existing entry"
                    ),
                ));
            }
        }
        None
    }
}

fn push_ava(out: &mut String, ty: &str, v: &str) {
    out.push_str(ty);
    out.push('=');
    dn::escape_value(v, out);
}

/// A container entry (`dc`, `o`, `ou`, `c`, `l`) with its structural class.
fn container(dn: String, ty: &str, value: &str) -> Entry {
    let class = match ty {
        "dc" => "domain",
        "o" => "organization",
        "c" => "country",
        "l" => "locality",
        _ => "organizationalUnit",
    };
    let name: &'static str = match ty {
        "dc" => "dc",
        "o" => "o",
        "c" => "c",
        "l" => "l",
        _ => "ou",
    };
    Entry {
        dn,
        attrs: vec![
            ("objectClass", "top".into()),
            ("objectClass", class.into()),
            (name, value.into()),
        ],
    }
}

/// The LDAP `userPassword` form of a stored hash: LDAP schemes as they are,
/// crypt(3) strings behind `{CRYPT}`, argon2 PHC strings behind `{ARGON2}`,
/// passlib PBKDF2 with a 16-byte salt behind `{PBKDF2-SHA256}`/`{PBKDF2-SHA512}`
/// (OpenLDAP's pw-pbkdf2 layout); `None` for the formats LDAP has no scheme for.
pub fn ldap_value(hash: &str) -> Option<String> {
    if hash.starts_with('{') {
        return Some(hash.to_string());
    }
    if ["$1$", "$5$", "$6$", "$2a$", "$2b$", "$2y$", "$y$", "$7$"]
        .iter()
        .any(|p| hash.starts_with(p))
    {
        return Some(format!("{{CRYPT}}{hash}"));
    }
    if ["$argon2id$", "$argon2i$", "$argon2d$"]
        .iter()
        .any(|p| hash.starts_with(p))
    {
        return Some(format!("{{ARGON2}}{hash}"));
    }
    for (prefix, scheme) in [
        ("$pbkdf2-sha256$", "{PBKDF2-SHA256}"),
        ("$pbkdf2-sha512$", "{PBKDF2-SHA512}"),
    ] {
        let fields: Vec<&str> = hash.strip_prefix(prefix).unwrap_or("").split('$').collect();
        if let [rounds, salt, _] = fields[..]
            && !rounds.is_empty()
            && rounds.bytes().all(|b| b.is_ascii_digit())
            && salt.len() == 22
        {
            let rest = &hash[prefix.len()..];
            return Some(format!("{scheme}{rest}"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(ldap: &str) -> Directory {
        let text = format!(
            "name = \"t\"\n[passwords]\nmix = [ {{ format = \"ldap-ssha\", share = 1 }} ]\n{ldap}\n\
             [tables.users.columns]\nid = {{ kind = \"uuid\" }}\nusername = {{ kind = \"username\" }}\n\
             email = {{ kind = \"email\" }}\nfirst_name = {{ kind = \"first_name\" }}\n\
             last_name = {{ kind = \"last_name\" }}\npassword_hash = {{ kind = \"password_hash\" }}\n"
        );
        Directory::new(&Profile::from_str(&text, "t.toml").unwrap()).unwrap()
    }

    fn row(fields: &[Option<&str>]) -> RowBuf {
        let mut r = RowBuf::default();
        for f in fields {
            match f {
                Some(v) => r.push(FieldKind::Text, v),
                None => r.null(),
            }
        }
        r
    }

    #[test]
    fn maps_a_row_and_escapes_its_dn() {
        let d = dir("");
        let e = d.entry(&row(&[
            Some("k1"),
            Some("doe, john"),
            Some("j@example.com"),
            Some("John"),
            None,
            Some("$2b$04$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyzABCDE"),
        ]));
        assert_eq!(e.dn, "uid=doe\\, john,ou=people,dc=example,dc=org");
        assert_eq!(e.first("uid"), Some("doe, john"));
        assert_eq!(e.first("employeeNumber"), Some("k1"));
        assert_eq!(e.first("cn"), Some("John"));
        assert_eq!(
            e.first("sn"),
            Some("John"),
            "sn falls back to the first name"
        );
        assert_eq!(e.first("displayName"), None);
        assert!(e.first("userPassword").unwrap().starts_with("{CRYPT}$2b$"));
        // No username: uid is the key; no names: cn and sn are the uid.
        let e = d.entry(&row(&[Some("k2"), None, None, Some(""), None, None]));
        assert_eq!(e.dn, "uid=k2,ou=people,dc=example,dc=org");
        assert_eq!((e.first("cn"), e.first("sn")), (Some("k2"), Some("k2")));
        assert_eq!(e.first("givenName"), None, "empty values are left out");
        assert_eq!(e.first("mail"), None);
        let e = dir("[ldap]\nrdn = \"cn+uid\"").entry(&row(&[
            Some("k3"),
            Some("#ann "),
            None,
            Some("Doe,"),
            Some("Ann"),
            None,
        ]));
        assert_eq!(
            e.dn,
            "cn=Doe\\, Ann+uid=\\#ann\\ ,ou=people,dc=example,dc=org"
        );
    }

    #[test]
    fn refuses_what_a_directory_cannot_hold() {
        let d = dir("");
        let ok = row(&[Some("k"), Some("u"), Some("a@x.example"), None, None, None]);
        assert_eq!(d.refusal(&ok, &[]), None);
        let idn = row(&[Some("k"), Some("u"), Some("a@bü.example"), None, None, None]);
        assert_eq!(d.refusal(&idn, &[]).unwrap().0, 2);
        assert_eq!(
            d.refusal(&ok, &[(1, "username.case-duplicate")]).unwrap().0,
            1
        );
        assert_eq!(d.refusal(&ok, &[(2, "email.case-duplicate")]), None);
        let m = dir("[ldap]\nrdn = \"mail\"");
        assert_eq!(m.refusal(&ok, &[(2, "email.case-duplicate")]).unwrap().0, 2);
        assert_eq!(m.refusal(&ok, &[(1, "username.case-duplicate")]), None);
    }

    #[test]
    fn base_entries_run_from_the_suffix_down() {
        let d = dir("[ldap]\nbase_dn = \"ou=staff,ou=people,o=Corp\\\\, Inc.,c=DE\"");
        let dns: Vec<String> = d.base_entries(true).into_iter().map(|e| e.dn).collect();
        assert_eq!(
            dns,
            [
                "c=DE",
                "o=Corp\\, Inc.,c=DE",
                "ou=people,o=Corp\\, Inc.,c=DE",
                "ou=staff,ou=people,o=Corp\\, Inc.,c=DE",
                "ou=groups,c=DE",
            ]
        );
        let d = dir("");
        let e = d.base_entries(false);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].first("objectClass"), Some("top"));
        assert_eq!(e[0].values("objectClass").nth(1), Some("domain"));
        assert_eq!(e[0].first("dc"), Some("example"));
        assert_eq!(e[1].first("ou"), Some("people"));
    }

    #[test]
    fn ldap_forms_of_other_formats() {
        for (h, want) in [
            ("{SSHA}abc", Some("{SSHA}abc")),
            ("$6$s$h", Some("{CRYPT}$6$s$h")),
            ("$y$j9T$s$h", Some("{CRYPT}$y$j9T$s$h")),
            (
                "$argon2i$v=19$m=8,t=1,p=1$s$h",
                Some("{ARGON2}$argon2i$v=19$m=8,t=1,p=1$s$h"),
            ),
            (
                "$pbkdf2-sha256$29000$AAAAAAAAAAAAAAAAAAAAAA$h",
                Some("{PBKDF2-SHA256}29000$AAAAAAAAAAAAAAAAAAAAAA$h"),
            ),
            ("$pbkdf2-sha512$i=1,l=64$AAAAAAAAAAAAAAAAAAAAAA$h", None),
            ("$pbkdf2-sha256$29000$AAAA$h", None),
            ("pbkdf2_sha256$1$s$h", None),
            ("*A0F874BC7F54EE086FCE60A37CE7887D8B31086B", None),
        ] {
            assert_eq!(ldap_value(h).as_deref(), want, "{h}");
        }
    }
}
