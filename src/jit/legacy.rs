//! The legacy store a JIT migration falls back to: an SQLite or PostgreSQL
//! database seeded with the profile's tables (the rehearsal loader), an
//! LDIF directory export (`{SSHA}`, `{CRYPT}`…), or a live LDAP server
//! (seeded by the LDAP target's loader). Lookups are by email; the password
//! is verified with the registry's real `verify`, or, for an LDAP server,
//! as a real JIT hook does it: by binding as the user's DN (found by `mail`
//! with the service bind) with the password given.

use crate::error::{Error, Result};
use crate::generator::plan::{CHUNK, rows_in};
use crate::generator::table::Scratch;
use crate::harness::{Plan, RehearseOptions};
use crate::hash::Encoded;
use crate::profile::Kind;
use crate::row::RowBuf;
use crate::sink::ldif::Directory;
use crate::target::Target;
use crate::target::ldap::{LdapTarget, Session};
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

pub enum LegacySpec {
    Db(Target),
    Ldif(PathBuf),
    Ldap(LdapTarget),
}

impl LegacySpec {
    /// `bind_dn`: `--bind-dn`, for an ldap:// store.
    pub fn parse(s: &str, bind_dn: Option<&str>) -> Result<LegacySpec> {
        if LdapTarget::is_ldap(s) {
            return Ok(LegacySpec::Ldap(LdapTarget::parse(s, bind_dn)?));
        }
        if bind_dn.is_some() {
            return Err(Error::usage("--bind-dn applies to an ldap:// legacy store"));
        }
        if let Some(p) = s.strip_prefix("ldif:") {
            if p.is_empty() {
                return Err(Error::usage("ldif: needs a path, e.g. ldif:people.ldif"));
            }
            return Ok(LegacySpec::Ldif(p.into()));
        }
        Target::parse(s)
            .map(LegacySpec::Db)
            .map_err(|e| Error::usage(format!("--legacy: {e} (or ldif:FILE)")))
    }

    pub fn redacted(&self) -> String {
        match self {
            LegacySpec::Db(t) => t.redacted(),
            LegacySpec::Ldif(p) => format!("ldif:{}", p.display()),
            LegacySpec::Ldap(t) => t.redacted(),
        }
    }
}

/// Column names of the users table that lookups need.
#[derive(Clone)]
pub struct Columns {
    pub table: String,
    pub email: usize,
    pub hash: usize,
    pub salt: Option<usize>,
    pub first_name: Option<usize>,
    pub last_name: Option<usize>,
    names: Vec<String>,
    /// Where an LDAP store's people are (the profile's `[ldap] base_dn`).
    ldap_base: String,
}

impl Columns {
    pub fn of(plan: &Plan) -> Result<Columns> {
        let t = &plan.profile.tables[plan.generator.users_table];
        let find = |f: &dyn Fn(&Kind) -> bool| t.columns.iter().position(|c| f(&c.kind));
        Ok(Columns {
            table: t.name.clone(),
            email: find(&|k| matches!(k, Kind::Email)).ok_or_else(|| {
                Error::usage("jit needs an email column in the users table (the login)")
            })?,
            hash: find(&|k| matches!(k, Kind::PasswordHash)).ok_or_else(|| {
                Error::usage("jit needs a password_hash column in the users table")
            })?,
            salt: find(&|k| matches!(k, Kind::PasswordSalt)),
            first_name: find(&|k| matches!(k, Kind::FirstName)),
            last_name: find(&|k| matches!(k, Kind::LastName)),
            names: t.columns.iter().map(|c| c.name.clone()).collect(),
            ldap_base: plan.profile.ldap.base_dn.clone(),
        })
    }
}

/// Seeds the legacy store with the plan's users (resuming a seeded database
/// when `resume`). Returns the LDIF directory when the store is LDIF.
pub fn seed(
    spec: &LegacySpec,
    plan: &Plan,
    cols: &Columns,
    resume: bool,
    quiet: bool,
    retry_for: std::time::Duration,
) -> Result<Option<Arc<HashMap<String, String>>>> {
    match spec {
        LegacySpec::Db(target) => {
            // A store that cannot be reached is reported now, with a hint;
            // the lock keeps a second run from seeding it at the same time.
            let _lock = crate::target::reach::reach_and_lock(target)?;
            let opts = RehearseOptions {
                target: Some(target.dsn()),
                resume: true,
                verify: false,
                quiet,
                retry_for,
                ..RehearseOptions::new(plan.profile.clone(), plan.users, plan.seed)
            };
            let _ = resume;
            let workers = if target.is_sqlite() { 1 } else { 2 };
            let metrics = crate::report::metrics::Metrics::new();
            let mut opts = opts;
            if target.is_sqlite() {
                opts.batch = Some(25_000);
            }
            crate::harness::load(&crate::harness::Load {
                plan,
                target,
                opts: &opts,
                workers,
                metrics: &metrics,
                schema: None,
                no_create: false,
                late_keys: true,
            })?;
            Ok(None)
        }
        LegacySpec::Ldap(target) => {
            // The LDAP target's load: resumed when the directory already
            // holds this seeding (its bookkeeping entries say so).
            let dir = Directory::new(&plan.profile)
                .map_err(|e| Error::usage(format!("--legacy ldap: {e}")))?;
            let o = crate::target::ldap::LoadOptions {
                workers: 2,
                batch: 1000,
                resume: true,
                retry_for,
                quiet,
            };
            let metrics = crate::report::metrics::Metrics::new();
            let _ = resume;
            crate::target::ldap::load(plan, &dir, target, &o, &metrics)?;
            Ok(None)
        }
        LegacySpec::Ldif(path) => {
            if !(resume && path.exists()) {
                write_ldif(path, plan, cols)?;
            }
            let text = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
            let text = String::from_utf8_lossy(&text);
            let mut dir = HashMap::new();
            for e in crate::sink::ldif::parse(&text) {
                let get = |k: &str| e.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone());
                if let (Some(mail), Some(pw)) = (get("mail"), get("userPassword")) {
                    dir.insert(mail, pw);
                }
            }
            Ok(Some(Arc::new(dir)))
        }
    }
}

/// Writes the directory beside `path`, then renames it into place: a
/// profile whose hashes have no LDAP form is refused without leaving a
/// partial file.
fn write_ldif(path: &std::path::Path, plan: &Plan, cols: &Columns) -> Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let r = write_ldif_to(&partial, plan, cols)
        .and_then(|()| std::fs::rename(&partial, path).map_err(|e| Error::io("write", path, e)));
    if r.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    r
}

fn write_ldif_to(path: &std::path::Path, plan: &Plan, _cols: &Columns) -> Result<()> {
    use crate::sink::ldif::{DEFAULT_WRAP, Ldif};
    let ldif = Ldif::new(&plan.profile, DEFAULT_WRAP, true)
        .map_err(|e| Error::usage(format!("--legacy ldif: {e}")))?;
    let f = std::fs::File::create(path).map_err(|e| Error::io("create", path, e))?;
    let mut w = std::io::BufWriter::new(f);
    let io = |e| Error::io("write", path, e);
    // The same directory `generate --format ldif` writes: base entries, then
    // one entry per user a directory can hold.
    let mut buf = Vec::new();
    for e in ldif.dir.base_entries(false) {
        Ldif::write_entry(&e, DEFAULT_WRAP, &mut buf);
    }
    let g = &plan.generator;
    let mut row = RowBuf::default();
    let mut scratch = Scratch::default();
    let mut start = 0;
    while start < plan.users {
        let end = (start + CHUNK).min(plan.users);
        rows_in(
            g,
            g.users_table,
            &[],
            start..end,
            &[],
            &mut row,
            &mut scratch,
            |_, _, row, scratch| {
                let labels: Vec<(usize, &str)> = (scratch.injections.iter())
                    .map(|i| (i.column, g.edge_label(i.case)))
                    .collect();
                if ldif.dir.refusal(row, &labels).is_none() {
                    Ldif::write_entry(&ldif.dir.entry(row), DEFAULT_WRAP, &mut buf);
                }
            },
        );
        w.write_all(&buf).map_err(io)?;
        buf.clear();
        start = end;
    }
    w.flush().map_err(io)
}

/// One worker's connection to the legacy store.
pub enum LegacyConn {
    /// A database, through its target's `Conn::lookup`: the users table,
    /// its email column, and the hash (and salt) columns read.
    Db {
        conn: Box<dyn crate::target::Conn>,
        table: String,
        email: String,
        read: Vec<String>,
    },
    Ldif(Arc<HashMap<String, String>>),
    Ldap(Box<LdapStore>),
}

/// An LDAP server: a session bound as the service DN (searches), one
/// rebound as each user (the check), and the DN found last.
pub struct LdapStore {
    service: Session,
    binder: Session,
    base_dn: String,
    dn: Option<String>,
}

impl LegacyConn {
    pub fn open(
        spec: &LegacySpec,
        cols: &Columns,
        dir: &Option<Arc<HashMap<String, String>>>,
    ) -> Result<LegacyConn> {
        match spec {
            LegacySpec::Ldif(_) => Ok(LegacyConn::Ldif(dir.clone().expect("seeded"))),
            LegacySpec::Ldap(t) => Ok(LegacyConn::Ldap(Box::new(LdapStore {
                service: t.reach()?,
                binder: t.reach()?,
                base_dn: cols.ldap_base.clone(),
                dn: None,
            }))),
            LegacySpec::Db(t) => {
                let conn = t
                    .connect()
                    .map_err(|e| Error::target(format!("legacy: {e}")))?;
                let read = std::iter::once(cols.hash)
                    .chain(cols.salt)
                    .map(|c| cols.names[c].clone())
                    .collect();
                Ok(LegacyConn::Db {
                    conn,
                    table: cols.table.clone(),
                    email: cols.names[cols.email].clone(),
                    read,
                })
            }
        }
    }

    /// The stored hash (and salt) of the user with this email.
    pub fn lookup(&mut self, email: &str) -> std::result::Result<Option<Encoded>, String> {
        match self {
            LegacyConn::Ldap(store) => {
                let LdapStore {
                    service,
                    base_dn,
                    dn,
                    ..
                } = store.as_mut();
                *dn = None;
                let filter = format!("(mail={})", ldap3::ldap_escape(email));
                let mut found: Vec<(String, Vec<String>, Option<String>)> = Vec::new();
                service
                    .search_each(base_dn, &filter, &["mail", "userPassword"], |e| {
                        let pw = e.attrs.get("userPassword").and_then(|v| v.first().cloned());
                        found.push((e.dn, e.attrs.get("mail").cloned().unwrap_or_default(), pw));
                    })
                    .map_err(|f| format!("searching {base_dn} for {email}: {f}"))?;
                // `mail` matches without case: the entry whose value is this
                // email exactly, else the only one.
                let pick = match found
                    .iter()
                    .position(|(_, m, _)| m.iter().any(|m| m == email))
                {
                    Some(i) => Some(found.swap_remove(i)),
                    None if found.len() == 1 => found.pop(),
                    None => None,
                };
                Ok(pick.map(|(d, _, pw)| {
                    *dn = Some(d);
                    Encoded::new(pw.unwrap_or_default())
                }))
            }
            LegacyConn::Ldif(dir) => Ok(dir.get(email).map(|v| {
                // `{CRYPT}` + a crypt(3) string: the registry verifies the
                // inner string for formats other than ldap-crypt.
                Encoded::new(v.clone())
            })),
            LegacyConn::Db {
                conn,
                table,
                email: key,
                read,
            } => {
                let columns: Vec<&str> = read.iter().map(String::as_str).collect();
                let row = conn
                    .lookup(table, key, &columns, email)
                    .map_err(|e| e.to_string())?;
                Ok(row.map(|mut r| {
                    let salt = if r.len() > 1 { r.pop().flatten() } else { None };
                    Encoded {
                        hash: r.pop().flatten().unwrap_or_default(),
                        salt,
                    }
                }))
            }
        }
    }
}

impl LegacyConn {
    /// Whether `password` is the user's: for an LDAP server, a bind as the
    /// DN `lookup` found; otherwise `verify` against the stored hash.
    pub fn check(&mut self, password: &str, stored: &Encoded) -> std::result::Result<bool, String> {
        match self {
            LegacyConn::Ldap(store) => {
                let dn = store.dn.as_deref().ok_or("no entry looked up")?;
                store
                    .binder
                    .bind(dn, password)
                    .map_err(|f| format!("bind as {dn}: {f}"))
            }
            _ => verify(password, stored),
        }
    }
}

/// Verifies `password` against a stored value with the registry's format
/// (`{CRYPT}` values whose inner string is not sha512-crypt are verified as
/// that inner format). `Err`: the value is in no format understudy knows.
pub fn verify(password: &str, e: &Encoded) -> std::result::Result<bool, String> {
    let (f, _) = crate::hash::identify_encoded(e)
        .or_else(|| {
            let inner = e.hash.strip_prefix("{CRYPT}")?;
            crate::hash::identify(inner)
        })
        .ok_or_else(|| "unrecognised hash format".to_string())?;
    if e.hash.starts_with("{CRYPT}") && !f.name().starts_with("ldap") {
        let inner = Encoded::new(e.hash["{CRYPT}".len()..].to_string());
        return f.verify(password.as_bytes(), &inner);
    }
    f.verify(password.as_bytes(), e)
}
