//! A throwaway OpenLDAP server (Debian `slapd`, `slapd-contrib` for
//! pw-pbkdf2): `slapd.conf` in a temp dir (core, cosine, inetorgperson;
//! modules argon2, pw-sha2, pw-pbkdf2; an mdb database for
//! `dc=example,dc=org`), converted to `slapd.d` with `slaptest`, loaded
//! offline with `slapadd`, served on a free port of 127.0.0.1 as an
//! unprivileged user, stopped on drop. The package's own daemon (port 389,
//! /etc/ldap) is never used.

use super::{closed_port, skip};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};

pub const SUFFIX: &str = "dc=example,dc=org";
pub const ROOT_DN: &str = "cn=admin,dc=example,dc=org";
pub const ROOT_PW: &str = "Adm1n-secret";
const MODULES: &str = "/usr/lib/ldap";

pub struct Slapd {
    pub dir: tempfile::TempDir,
    child: Option<Child>,
    pub port: u16,
    as_nobody: bool,
}

impl Slapd {
    /// A configured server with an empty database, not running yet (load it
    /// with `slapadd`, then `serve`). `None` (printing why) when OpenLDAP
    /// is not installed.
    pub fn new() -> Option<Slapd> {
        for (tool, pkg) in [
            ("/usr/sbin/slapd", "slapd"),
            ("/usr/sbin/slapadd", "slapd"),
            ("/usr/lib/ldap/pw-pbkdf2.so", "slapd-contrib"),
        ] {
            if !Path::new(tool).exists() {
                skip(&format!(
                    "{tool} not found; apt-get install {pkg} slapd-contrib ldap-utils"
                ));
                return None;
            }
        }
        if !super::have("ldapsearch") {
            skip("ldapsearch not found; apt-get install ldap-utils");
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("understudy-slapd")
            .tempdir()
            .expect("tempdir");
        let as_nobody = unsafe { libc::geteuid() } == 0;
        let d = dir.path().to_path_buf();
        std::fs::create_dir(d.join("db")).unwrap();
        std::fs::create_dir(d.join("slapd.d")).unwrap();
        std::fs::write(
            d.join("slapd.conf"),
            format!(
                "include /etc/ldap/schema/core.schema\n\
                 include /etc/ldap/schema/cosine.schema\n\
                 include /etc/ldap/schema/inetorgperson.schema\n\
                 modulepath {MODULES}\n\
                 moduleload back_mdb\n\
                 moduleload argon2\n\
                 moduleload pw-sha2\n\
                 moduleload pw-pbkdf2\n\
                 pidfile {pid}\n\
                 database mdb\n\
                 maxsize 4294967296\n\
                 suffix \"{SUFFIX}\"\n\
                 rootdn \"{ROOT_DN}\"\n\
                 rootpw {ROOT_PW}\n\
                 directory {db}\n\
                 dbnosync\n\
                 index objectClass eq\n",
                pid = d.join("slapd.pid").display(),
                db = d.join("db").display(),
            ),
        )
        .unwrap();
        if as_nobody {
            for p in [d.clone(), d.join("db"), d.join("slapd.d")] {
                std::os::unix::fs::chown(&p, Some(65534), Some(65534)).expect("chown");
            }
        }
        let s = Slapd {
            dir,
            child: None,
            port: 0,
            as_nobody,
        };
        // `-n 0`: convert and check the configuration only (the mdb
        // database has no files yet, which slaptest would count as an error).
        let o = s
            .tool("slaptest")
            .arg("-f")
            .arg(d.join("slapd.conf"))
            .arg("-F")
            .arg(d.join("slapd.d"))
            .args(["-n", "0"])
            .output()
            .expect("slaptest");
        assert!(o.status.success(), "slaptest: {}", text(&o));
        Some(s)
    }

    /// A running server with an empty directory.
    pub fn start() -> Option<Slapd> {
        let mut s = Slapd::new()?;
        s.serve();
        Some(s)
    }

    /// An OpenLDAP tool, run as `nobody` when the tests run as root.
    fn tool(&self, exe: &str) -> Command {
        let path = PathBuf::from("/usr/sbin").join(exe);
        if self.as_nobody {
            let mut c = Command::new("runuser");
            c.args(["-u", "nobody", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    /// `slapadd` of `ldif` into the (stopped) server's database: checks
    /// schema and syntax, one error line per refused entry.
    pub fn slapadd(&self, ldif: &Path) -> Output {
        assert!(self.child.is_none(), "slapadd needs the server stopped");
        // The file must be readable by `nobody`.
        let copy = self.dir.path().join("load.ldif");
        std::fs::copy(ldif, &copy).expect("copy the LDIF");
        if self.as_nobody {
            std::os::unix::fs::chown(&copy, Some(65534), Some(65534)).unwrap();
        }
        self.tool("slapadd")
            .arg("-F")
            .arg(self.dir.path().join("slapd.d"))
            .arg("-l")
            .arg(&copy)
            .output()
            .expect("slapadd")
    }

    /// Starts the server on a free port and waits until it answers.
    pub fn serve(&mut self) {
        self.port = closed_port();
        let child = self
            .tool("slapd")
            .arg("-F")
            .arg(self.dir.path().join("slapd.d"))
            .arg("-h")
            .arg(self.url())
            .args(["-d", "0"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start slapd");
        self.child = Some(child);
        for _ in 0..200 {
            if self.bind(ROOT_DN, ROOT_PW.as_bytes()) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("slapd did not answer on {}", self.url());
    }

    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}/", self.port)
    }

    /// `ldapsearch` as the root DN: LDIF, unfolded, without comments.
    pub fn search(&self, base: &str, filter: &str, attrs: &[&str]) -> String {
        let o = Command::new("ldapsearch")
            .args(["-x", "-LLL", "-o", "ldif-wrap=no", "-z", "0", "-H"])
            .arg(self.url())
            .args(["-D", ROOT_DN, "-w", ROOT_PW, "-b", base])
            .arg(filter)
            .args(attrs)
            .output()
            .expect("ldapsearch");
        assert!(o.status.success(), "ldapsearch: {}", text(&o));
        String::from_utf8(o.stdout).expect("ldapsearch writes ASCII LDIF")
    }

    /// Whether a simple bind as `dn` with `password` (any bytes, read by
    /// `ldapwhoami -y` from a file) succeeds.
    pub fn bind(&self, dn: &str, password: &[u8]) -> bool {
        let f = tempfile::NamedTempFile::new().expect("password file");
        std::fs::write(f.path(), password).unwrap();
        Command::new("ldapwhoami")
            .args(["-x", "-H"])
            .arg(self.url())
            .args(["-D", dn, "-y"])
            .arg(f.path())
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

impl Drop for Slapd {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            // SIGTERM to slapd itself (its pidfile; under runuser the child
            // is runuser): it closes its database and exits.
            let pid = std::fs::read_to_string(self.dir.path().join("slapd.pid"))
                .ok()
                .and_then(|p| p.trim().parse::<i32>().ok())
                .unwrap_or(c.id() as i32);
            unsafe { libc::kill(pid, libc::SIGTERM) };
            for _ in 0..100 {
                if c.try_wait().ok().flatten().is_some() {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
