//! An Okta password import inline hook that checks passwords against the
//! legacy store: the service a team writes for Okta's "hooked" users, here
//! small enough to read in one sitting and to rehearse with
//! `understudy emulate okta --password-import-hook http://127.0.0.1:9090/hook`.
//!
//! ```sh
//! cargo run --release --example jit_hook -- --legacy sqlite:legacy.db --listen 127.0.0.1:9090
//! cargo run --release --example jit_hook -- --legacy ldif:people.ldif
//! ```
//!
//! Okta POSTs `{"data": {"context": {"credential": {"username", "password"}}, …}}`;
//! the hook answers `{"commands": [{"type": "com.okta.action.update",
//! "value": {"credential": "VERIFIED"}}]}` (or `UNVERIFIED`). It never logs
//! the password: only the username and the verdict.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

enum Legacy {
    Sqlite(Mutex<rusqlite::Connection>, String),
    Ldif(HashMap<String, String>),
}

impl Legacy {
    fn open(spec: &str, table: &str, email: &str, hash: &str) -> Result<Legacy, String> {
        if let Some(p) = spec.strip_prefix("sqlite:") {
            let c = rusqlite::Connection::open(p).map_err(|e| format!("{p}: {e}"))?;
            let sql = format!("SELECT \"{hash}\" FROM \"{table}\" WHERE \"{email}\" = ?1");
            return Ok(Legacy::Sqlite(Mutex::new(c), sql));
        }
        if let Some(p) = spec.strip_prefix("ldif:") {
            let text = std::fs::read(p).map_err(|e| format!("{p}: {e}"))?;
            let mut dir = HashMap::new();
            for e in understudy::sink::ldif::parse(&String::from_utf8_lossy(&text)) {
                let get = |k: &str| e.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone());
                if let (Some(m), Some(pw)) = (get("mail"), get("userPassword")) {
                    dir.insert(m, pw);
                }
            }
            return Ok(Legacy::Ldif(dir));
        }
        Err(format!("--legacy {spec}: use sqlite:FILE or ldif:FILE"))
    }

    fn stored(&self, username: &str) -> Option<String> {
        match self {
            Legacy::Ldif(d) => d.get(username).cloned(),
            Legacy::Sqlite(c, sql) => c
                .lock()
                .ok()?
                .query_row(sql, [username], |r| r.get::<_, Option<String>>(0))
                .ok()
                .flatten(),
        }
    }

    fn check(&self, username: &str, password: &str) -> bool {
        self.stored(username).is_some_and(|h| {
            understudy::jit::legacy::verify(password, &understudy::hash::Encoded::new(h))
                .unwrap_or(false)
        })
    }
}

fn answer(verified: bool) -> String {
    serde_json::json!({"commands": [{"type": "com.okta.action.update",
        "value": {"credential": if verified { "VERIFIED" } else { "UNVERIFIED" }}}]})
    .to_string()
}

fn serve(stream: TcpStream, legacy: Arc<Legacy>) -> std::io::Result<()> {
    let mut r = BufReader::new(stream.try_clone()?);
    let mut w = stream;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut length = 0usize;
        loop {
            let mut h = String::new();
            r.read_line(&mut h)?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; length];
        r.read_exact(&mut body)?;
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let cred = &v["data"]["context"]["credential"];
        let username = cred["username"].as_str().unwrap_or("");
        let ok = legacy.check(username, cred["password"].as_str().unwrap_or(""));
        eprintln!(
            "hook: {username}: {}",
            if ok { "VERIFIED" } else { "UNVERIFIED" }
        );
        let out = answer(ok);
        write!(
            w,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{out}",
            out.len()
        )?;
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
            .unwrap_or_else(|| default.to_string())
    };
    let legacy = match Legacy::open(
        &arg("--legacy", "sqlite:legacy.db"),
        &arg("--table", "users"),
        &arg("--email-column", "email"),
        &arg("--hash-column", "password_hash"),
    ) {
        Ok(l) => Arc::new(l),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let listen = arg("--listen", "127.0.0.1:9090");
    let listener = TcpListener::bind(&listen).unwrap_or_else(|e| {
        eprintln!("error: cannot listen on {listen}: {e}");
        std::process::exit(2);
    });
    println!("{}", listener.local_addr().expect("bound"));
    let _ = std::io::stdout().flush();
    for s in listener.incoming().flatten() {
        let legacy = legacy.clone();
        std::thread::spawn(move || {
            let _ = serve(s, legacy);
        });
    }
}
