//! LDAP directories as targets (`ldap://host:port`), through the `ldap3`
//! client. A directory has no tables or transactions: users become
//! `inetOrgPerson` entries (`sink::ldif::Directory::entry`, the mapping the
//! LDIF file uses), added one operation at a time over `--workers`
//! connections (`load.rs`); resume bookkeeping lives in the directory itself
//! (`progress.rs`); verification reads the entries back and binds as a
//! sample of users (`verify.rs`).
//!
//! The DSN names the server; the bind DN comes from `--bind-dn` (as
//! `ldapadd -D`) or the URL's user part (`ldap://cn=admin,dc=example,dc=org:secret@host:389`,
//! percent-encoded where a DN holds `@`, `:` or `/`); the password from the
//! URL, else `UNDERSTUDY_LDAP_PASSWORD`, else `LDAP_PASSWORD`. It is never
//! printed: the URL form is redacted like every DSN (`crate::redact`).
//!
//! In the registry (`target::KINDS`) for parsing and the usage messages;
//! the SQL-shaped `Conn` does not apply, so `open` says which commands take
//! a directory (`rehearse`, `jit --legacy`).

pub mod load;
mod progress;
pub mod verify;

pub use load::{LdapLoad, LoadOptions, load};
pub use progress::{PROGRESS_RDN, dn as progress_dn};

use super::{ConnectError, Driver, ErrorClass, Kind, Loading, Lock, Target};
use crate::error::{Error, Result};
use crate::sink::ldif::Entry;
use ldap3::{LdapConn, LdapConnSettings, LdapError, Scope, SearchEntry};
use std::collections::HashSet;
use std::time::Duration;

pub const KIND_NAME: &str = "ldap";

pub const KIND: Kind = Kind {
    prefixes: &["ldap://", "ldaps://"],
    form: "ldap://host:port (with --bind-dn DN and LDAP_PASSWORD)",
    parse: |dsn| Ok(Target::new(LdapTarget::parse(dsn, None)?)),
};

/// The environment variables a bind password is read from, in order.
pub const PASSWORD_VARS: [&str; 2] = ["UNDERSTUDY_LDAP_PASSWORD", "LDAP_PASSWORD"];

/// An LDAP server and who binds to it.
#[derive(Clone)]
pub struct LdapTarget {
    dsn: String,
    pub host: String,
    pub port: u16,
    pub bind_dn: Option<String>,
    password: Option<String>,
}

impl std::fmt::Debug for LdapTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LdapTarget({})", self.redacted())
    }
}

impl LdapTarget {
    pub fn is_ldap(dsn: &str) -> bool {
        KIND.prefixes.iter().any(|p| dsn.starts_with(p))
    }

    /// Reads `ldap://[DN[:PASSWORD]@]host[:port][/]`; `bind_dn` is
    /// `--bind-dn` (it must agree with a DN in the URL).
    pub fn parse(dsn: &str, bind_dn: Option<&str>) -> Result<LdapTarget> {
        if dsn.starts_with("ldaps://") {
            return Err(Error::usage(
                "ldaps:// is not supported by this build (no TLS in its LDAP client): use ldap:// on a trusted network or through a TLS tunnel (stunnel)",
            ));
        }
        let rest = dsn
            .strip_prefix("ldap://")
            .ok_or_else(|| Error::usage(format!("`{}` is not an ldap:// URL", redact(dsn))))?;
        let (userinfo, hostpart) = match rest.rfind('@') {
            Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
            None => (None, rest),
        };
        let (authority, path) = match hostpart.find(['/', '?']) {
            Some(i) => (&hostpart[..i], &hostpart[i..]),
            None => (hostpart, ""),
        };
        if !matches!(path, "" | "/") {
            return Err(Error::usage(format!(
                "`{}`: an LDAP target is the server alone (ldap://host:port); the base DN comes from the profile's [ldap] base_dn",
                redact(dsn)
            )));
        }
        let (host, port) = host_port(authority).ok_or_else(|| {
            Error::usage(format!(
                "`{}`: expected ldap://host:port (port 1-65535, default 389)",
                redact(dsn)
            ))
        })?;
        let (url_dn, url_pw) = match userinfo {
            Some(u) => match u.split_once(':') {
                Some((d, p)) => (Some(percent_decode(d)), Some(percent_decode(p))),
                None => (Some(percent_decode(u)), None),
            },
            None => (None, None),
        };
        let url_dn = url_dn.filter(|d| !d.is_empty());
        let bind_dn = match (bind_dn, url_dn) {
            (Some(a), Some(b)) if crate::dn::parse(a).ok() != crate::dn::parse(&b).ok() => {
                return Err(Error::usage(format!(
                    "--bind-dn `{a}` differs from the DN in the URL (`{b}`): give one"
                )));
            }
            (Some(a), _) => Some(a.to_string()),
            (None, b) => b,
        };
        if let Some(d) = &bind_dn
            && let Err(e) = crate::dn::parse(d)
        {
            return Err(Error::usage(format!("bind DN `{d}`: {e}")));
        }
        let password = url_pw.or_else(|| {
            PASSWORD_VARS
                .iter()
                .find_map(|v| std::env::var(v).ok().filter(|p| !p.is_empty()))
        });
        Ok(LdapTarget {
            dsn: dsn.to_string(),
            host,
            port,
            bind_dn,
            password,
        })
    }

    /// The DSN with its password as `***`, and the bind DN when it came from `--bind-dn`.
    pub fn redacted(&self) -> String {
        redact(&self.dsn)
    }

    /// The server's URL for the client: no user, no password.
    pub fn url(&self) -> String {
        if self.host.contains(':') {
            format!("ldap://[{}]:{}", self.host, self.port)
        } else {
            format!("ldap://{}:{}", self.host, self.port)
        }
    }

    /// Who binds, as messages say it.
    pub fn who(&self) -> String {
        match &self.bind_dn {
            Some(d) => format!("{} as {d}", self.url()),
            None => format!("{} (anonymous)", self.url()),
        }
    }

    pub fn hint(&self) -> String {
        format!(
            "is an LDAP server (slapd) listening on {}:{}? `ldapwhoami -x -H {} -D DN -W` should answer",
            self.host,
            self.port,
            self.url()
        )
    }

    /// A bound session, within `timeout`, saying whether a failure is one
    /// that waiting may cure.
    pub fn session(&self, timeout: Duration) -> std::result::Result<Session, ConnectError> {
        let settings = LdapConnSettings::new().set_conn_timeout(timeout);
        let mut conn =
            LdapConn::with_settings(settings, &self.url()).map_err(|e| ConnectError {
                error: Error::target(format!("cannot reach {}: {e}", self.url())),
                transient: true,
            })?;
        let dn = self.bind_dn.as_deref().unwrap_or("");
        let pw = self.password.as_deref().unwrap_or("");
        let r = conn.simple_bind(dn, pw).map_err(|e| ConnectError {
            error: Error::target(format!("bind to {} failed: {e}", self.url())),
            transient: true,
        })?;
        match r.rc {
            0 => Ok(Session { conn }),
            49 => Err(ConnectError {
                error: Error::usage(format!(
                    "{} refused the bind as {} (invalidCredentials, LDAP 49): check --bind-dn and the password ({} or the URL)",
                    self.url(),
                    if dn.is_empty() { "anonymous" } else { dn },
                    PASSWORD_VARS.join(" / ")
                )),
                transient: false,
            }),
            rc => Err(ConnectError {
                error: Error::target(format!(
                    "bind to {} as {dn}: {} (LDAP {rc}) {}",
                    self.url(),
                    code_name(rc),
                    r.text
                )),
                transient: matches!(rc, 51 | 52),
            }),
        }
    }

    /// First contact: a bound session within seconds, or the error with the hint.
    pub fn reach(&self) -> Result<Session> {
        self.session(Duration::from_secs(5))
            .map_err(|e| match e.error.kind {
                crate::error::ErrorKind::Target => {
                    Error::target(format!("{}\n  hint: {}", e.error, self.hint()))
                }
                _ => e.error,
            })
    }

    /// Whether `dn` binds with `password` (a fresh connection: a bind
    /// changes who the session is). `Err` when the server cannot say.
    pub fn binds(&self, dn: &str, password: &str) -> std::result::Result<bool, String> {
        if password.is_empty() {
            return Ok(false);
        }
        let mut conn = LdapConn::with_settings(
            LdapConnSettings::new().set_conn_timeout(Duration::from_secs(10)),
            &self.url(),
        )
        .map_err(|e| e.to_string())?;
        let r = conn.simple_bind(dn, password).map_err(|e| e.to_string())?;
        let _ = conn.unbind();
        match r.rc {
            0 => Ok(true),
            49 => Ok(false),
            rc => Err(format!("{} (LDAP {rc}) {}", code_name(rc), r.text)),
        }
    }
}

/// `host[:port]` or `[v6]:port`.
fn host_port(s: &str) -> Option<(String, u16)> {
    let (host, port) = if let Some(v6) = s.strip_prefix('[') {
        let (h, rest) = v6.split_once(']')?;
        (h, rest.strip_prefix(':'))
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    let port = match port {
        Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0)?,
        None => 389,
    };
    Some((host.to_string(), port))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            let v = (h * 16 + l) as u8;
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn redact(dsn: &str) -> String {
    crate::redact::dsn(dsn)
}

/// A failed operation: the server's result code (None: the connection
/// failed) and its text.
#[derive(Debug, Clone)]
pub struct Failure {
    pub rc: Option<u32>,
    pub text: String,
}

impl Failure {
    fn io(e: LdapError) -> Failure {
        Failure {
            rc: None,
            text: e.to_string(),
        }
    }

    /// The reject class of a refused entry.
    pub fn class(&self) -> ErrorClass {
        match self.rc {
            None => ErrorClass::Connection,
            Some(rc) => classify(rc),
        }
    }

    /// Waiting may cure it: the connection, or a busy server.
    pub fn is_transient(&self) -> bool {
        matches!(self.class(), ErrorClass::Connection | ErrorClass::Timeout)
    }

    /// Every entry would fail the same way: the bind's rights, a base DN
    /// outside the server's suffixes.
    pub fn is_fatal(&self) -> bool {
        matches!(self.rc, Some(8 | 10 | 13 | 48 | 49 | 50 | 53 | 71))
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.rc {
            Some(rc) => write!(f, "{} (LDAP {rc})", code_name(rc))?,
            None => f.write_str("connection lost")?,
        }
        if !self.text.is_empty() {
            write!(f, ": {}", self.text)?;
        }
        Ok(())
    }
}

/// LDAP result code (RFC 4511 § A.1) → reject class. A refused value is
/// `charset` when its syntax refuses its characters (21: a non-ASCII `mail`,
/// an IA5String), `constraint` for the schema and naming rules (19, 34, 64,
/// 65, 67, 69), `duplicate` for a name or value already there (20, 68);
/// busy or unavailable servers are waited out (`connection`, `timeout`).
pub fn classify(rc: u32) -> ErrorClass {
    match rc {
        21 => ErrorClass::Charset,
        19 | 34 | 64 | 65 | 67 | 69 => ErrorClass::Constraint,
        20 | 68 => ErrorClass::Duplicate,
        51 | 52 => ErrorClass::Connection,
        3 => ErrorClass::Timeout,
        _ => ErrorClass::Other,
    }
}

/// The RFC 4511 name of a result code.
pub fn code_name(rc: u32) -> &'static str {
    match rc {
        0 => "success",
        1 => "operationsError",
        2 => "protocolError",
        3 => "timeLimitExceeded",
        4 => "sizeLimitExceeded",
        8 => "strongerAuthRequired",
        10 => "referral",
        11 => "adminLimitExceeded",
        13 => "confidentialityRequired",
        16 => "noSuchAttribute",
        17 => "undefinedAttributeType",
        18 => "inappropriateMatching",
        19 => "constraintViolation",
        20 => "attributeOrValueExists",
        21 => "invalidAttributeSyntax",
        32 => "noSuchObject",
        34 => "invalidDNSyntax",
        48 => "inappropriateAuthentication",
        49 => "invalidCredentials",
        50 => "insufficientAccessRights",
        51 => "busy",
        52 => "unavailable",
        53 => "unwillingToPerform",
        64 => "namingViolation",
        65 => "objectClassViolation",
        66 => "notAllowedOnNonLeaf",
        67 => "notAllowedOnRDN",
        68 => "entryAlreadyExists",
        69 => "objectClassModsProhibited",
        71 => "affectsMultipleDSAs",
        _ => "other",
    }
}

/// The attributes `Directory::entry` writes: what verification reads back.
pub const READ_ATTRS: [&str; 9] = [
    "objectClass",
    "uid",
    "employeeNumber",
    "cn",
    "sn",
    "givenName",
    "displayName",
    "mail",
    "userPassword",
];

/// A bound connection.
pub struct Session {
    conn: LdapConn,
}

impl Session {
    /// Adds `e`: its attributes grouped by name (LDAP values are sets).
    pub fn add(&mut self, e: &Entry) -> std::result::Result<(), Failure> {
        let mut attrs: Vec<(&str, HashSet<&str>)> = Vec::with_capacity(e.attrs.len());
        for (name, v) in &e.attrs {
            match attrs.iter_mut().find(|(n, _)| n == name) {
                Some((_, set)) => {
                    set.insert(v.as_str());
                }
                None => attrs.push((name, HashSet::from([v.as_str()]))),
            }
        }
        let r = self.conn.add(&e.dn, attrs).map_err(Failure::io)?;
        match r.rc {
            0 => Ok(()),
            rc => Err(Failure {
                rc: Some(rc),
                text: r.text,
            }),
        }
    }

    /// The entry named `dn` (attributes `attrs`), or None.
    pub fn get(
        &mut self,
        dn: &str,
        attrs: &[&str],
    ) -> std::result::Result<Option<SearchEntry>, Failure> {
        let r = self
            .conn
            .search(dn, Scope::Base, "(objectClass=*)", attrs)
            .map_err(Failure::io)?;
        match r.1.rc {
            0 => Ok(r.0.into_iter().next().map(SearchEntry::construct)),
            32 => Ok(None),
            rc => Err(Failure {
                rc: Some(rc),
                text: r.1.text,
            }),
        }
    }

    /// Every entry under `base` (its subtree) matching `filter`, page by
    /// page (RFC 2696), to `each`; a missing base is an empty subtree.
    pub fn search_each(
        &mut self,
        base: &str,
        filter: &str,
        attrs: &[&str],
        mut each: impl FnMut(SearchEntry),
    ) -> std::result::Result<u64, Failure> {
        let adapters: Vec<Box<dyn ldap3::adapters::Adapter<_, _>>> = vec![
            Box::new(ldap3::adapters::EntriesOnly::new()),
            Box::new(ldap3::adapters::PagedResults::new(1000)),
        ];
        let mut s = self
            .conn
            .streaming_search_with(adapters, base, Scope::Subtree, filter, attrs.to_vec())
            .map_err(Failure::io)?;
        let mut n = 0;
        while let Some(re) = s.next().map_err(Failure::io)? {
            n += 1;
            each(SearchEntry::construct(re));
        }
        let r = s.result();
        match r.rc {
            0 | 32 => Ok(n),
            rc => Err(Failure {
                rc: Some(rc),
                text: r.text,
            }),
        }
    }

    /// Whether any entry under `base` matches `filter` (a missing base: no).
    pub fn any(&mut self, base: &str, filter: &str) -> std::result::Result<bool, Failure> {
        let r = self
            .conn
            .with_search_options(ldap3::SearchOptions::new().sizelimit(1))
            .search(base, Scope::Subtree, filter, vec!["1.1"])
            .map_err(Failure::io)?;
        match r.1.rc {
            0 | 4 => Ok(!r.0.is_empty()),
            32 => Ok(false),
            rc => Err(Failure {
                rc: Some(rc),
                text: r.1.text,
            }),
        }
    }

    /// Rebinds this connection as `dn` with `password`: whether it holds.
    /// An empty password is refused here: LDAP reads it as an
    /// unauthenticated bind, which succeeds (RFC 4513 § 5.1.2).
    pub fn bind(&mut self, dn: &str, password: &str) -> std::result::Result<bool, Failure> {
        if password.is_empty() {
            return Ok(false);
        }
        let r = self.conn.simple_bind(dn, password).map_err(Failure::io)?;
        match r.rc {
            0 => Ok(true),
            49 => Ok(false),
            rc => Err(Failure {
                rc: Some(rc),
                text: r.text,
            }),
        }
    }

    pub fn modify_add(
        &mut self,
        dn: &str,
        attr: &str,
        values: &[String],
    ) -> std::result::Result<(), Failure> {
        let set: HashSet<&str> = values.iter().map(String::as_str).collect();
        let r = self
            .conn
            .modify(dn, vec![ldap3::Mod::Add(attr, set)])
            .map_err(Failure::io)?;
        match r.rc {
            0 => Ok(()),
            rc => Err(Failure {
                rc: Some(rc),
                text: r.text,
            }),
        }
    }
}

/// The registry's view of an LDAP target: parsed and named; connections
/// are `Session`s, not `Conn`s.
impl Driver for LdapTarget {
    fn kind(&self) -> &'static str {
        KIND_NAME
    }
    fn dsn(&self) -> String {
        self.dsn.clone()
    }
    fn redacted(&self) -> String {
        LdapTarget::redacted(self)
    }
    fn open(&self, _: Option<Duration>) -> std::result::Result<Box<dyn super::Conn>, ConnectError> {
        Err(ConnectError {
            error: not_sql(),
            transient: false,
        })
    }
    fn hint(&self) -> String {
        LdapTarget::hint(self)
    }
    fn reach_and_lock(&self) -> Result<Lock> {
        Err(not_sql())
    }
    fn loading(&self) -> Loading {
        Loading {
            batch: 1000,
            workers: 4,
            writers: None,
        }
    }
    fn address(&self) -> Result<String> {
        Err(Error::usage(
            "--faults applies to PostgreSQL, MySQL and HTTP targets, not to an LDAP directory",
        ))
    }
    fn via(&self, _: &str) -> Target {
        Target::new(self.clone())
    }
}

/// What a SQL-shaped command says about a directory.
fn not_sql() -> Error {
    Error::usage(
        "an LDAP directory takes `rehearse --target ldap://…` and `jit --legacy ldap://…`; this command needs a database (sqlite:, postgres://, mysql://)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_dsn_and_hides_the_password() {
        let t = LdapTarget::parse(
            "ldap://cn=admin,dc=example,dc=org:s3cr%40t@127.0.0.1:3890/",
            None,
        )
        .unwrap();
        assert_eq!(t.bind_dn.as_deref(), Some("cn=admin,dc=example,dc=org"));
        assert_eq!(t.password.as_deref(), Some("s3cr@t"));
        assert_eq!((t.host.as_str(), t.port), ("127.0.0.1", 3890));
        assert_eq!(t.url(), "ldap://127.0.0.1:3890");
        assert!(!t.redacted().contains("s3cr"), "{}", t.redacted());
        let t = LdapTarget::parse("ldap://db.example", Some("cn=x,dc=y")).unwrap();
        assert_eq!((t.port, t.bind_dn.as_deref()), (389, Some("cn=x,dc=y")));
        for bad in [
            "ldap://h:0",
            "ldap://h:99999",
            "ldap://h/ou=people",
            "ldaps://h",
            "ldap://",
        ] {
            assert!(LdapTarget::parse(bad, None).is_err(), "{bad}");
        }
        assert!(LdapTarget::parse("ldap://cn=a:p@h", Some("cn=b")).is_err());
        assert!(LdapTarget::parse("ldap://cn=a:p@h", Some("CN=a")).is_ok());
    }

    #[test]
    fn result_codes_map_to_classes() {
        for (rc, class) in [
            (34, ErrorClass::Constraint),
            (19, ErrorClass::Constraint),
            (65, ErrorClass::Constraint),
            (21, ErrorClass::Charset),
            (68, ErrorClass::Duplicate),
            (51, ErrorClass::Connection),
            (3, ErrorClass::Timeout),
            (80, ErrorClass::Other),
        ] {
            assert_eq!(classify(rc), class, "{rc}");
        }
        let f = Failure {
            rc: Some(50),
            text: String::new(),
        };
        assert!(f.is_fatal() && !f.is_transient());
        assert!(
            Failure {
                rc: None,
                text: String::new()
            }
            .is_transient()
        );
    }
}
