//! The identity-API emulators: request shapes, validation and error bodies,
//! rate limits with their headers, injected errors, Auth0 import jobs, and
//! logins that verify imported hashes against the known passwords.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sha2::Digest;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;
use understudy::emulate::{Api, Config, Emulator};

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A minimal HTTP/1.1 client (Connection: close), so the test judges the
/// emulator with nothing of the product's own HTTP code.
fn http(addr: SocketAddr, method: &str, path: &str, content_type: &str, body: &[u8]) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v == "chunked")
    {
        body = dechunk(&body);
    }
    Resp {
        status,
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let nl = b.windows(2).position(|w| w == b"\r\n").unwrap();
        let n = usize::from_str_radix(std::str::from_utf8(&b[..nl]).unwrap().trim(), 16).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[nl + 2..nl + 2 + n]);
        b = &b[nl + 2 + n + 2..];
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn post(addr: SocketAddr, path: &str, body: Value) -> Resp {
    http(
        addr,
        "POST",
        path,
        "application/json",
        body.to_string().as_bytes(),
    )
}

fn get(addr: SocketAddr, path: &str) -> Resp {
    http(addr, "GET", path, "application/json", b"")
}

fn start(api: Api) -> Emulator {
    Emulator::start("127.0.0.1:0", Config::new(api)).unwrap()
}

fn bcrypt4(pw: &str) -> String {
    bcrypt::hash_with_salt(pw, 4, [7u8; 16])
        .unwrap()
        .format_for_version(bcrypt::Version::TwoB)
}

#[test]
fn generic_creates_lists_and_logs_in() {
    let e = start(Api::Generic);
    let a = e.addr;
    let r = post(
        a,
        "/users",
        json!({"email": "jane@example.com", "password_hash": bcrypt4("s3cret")}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        post(a, "/users", json!({"email": "JANE@example.com"})).status,
        409,
        "duplicates are case-insensitive"
    );
    let salted = hex(&sha2::Sha256::digest(b"saltpw"));
    let r = post(
        a,
        "/users",
        json!({"email": "bob@example.com", "password_hash": salted, "password_salt": "salt", "hash_format": "salted-sha256-hex"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        post(
            a,
            "/login",
            json!({"login": "jane@example.com", "password": "s3cret"})
        )
        .status,
        200
    );
    assert_eq!(
        post(
            a,
            "/login",
            json!({"login": "jane@example.com", "password": "wrong"})
        )
        .status,
        401
    );
    assert_eq!(
        post(
            a,
            "/login",
            json!({"login": "bob@example.com", "password": "pw"})
        )
        .status,
        200
    );
    let page = get(a, "/users?limit=1");
    assert_eq!(page.body["users"].as_array().unwrap().len(), 1);
    let next = page.body["next"].as_str().unwrap();
    let page2 = get(a, &format!("/users?limit=1&after={next}"));
    assert_eq!(page2.body["users"][0]["email"], "bob@example.com");
    assert!(page2.body["next"].is_null());
    let stats = get(a, "/_understudy/stats").body;
    assert_eq!(stats["users"], 2);
    assert_eq!(stats["logins_ok"], 2);
}

#[test]
fn okta_imports_each_supported_hash_and_refuses_the_rest() {
    let e = start(Api::Okta);
    let a = e.addr;
    let user = |login: &str, hash: Value| json!({"profile": {"login": login, "email": login, "firstName": "A", "lastName": "B"}, "credentials": {"password": {"hash": hash}}});
    // BCRYPT, split as Okta wants it.
    let b = bcrypt4("pw-bcrypt");
    let r = post(
        a,
        "/api/v1/users?activate=false",
        user(
            "b@example.com",
            json!({"algorithm": "BCRYPT", "workFactor": 4, "salt": &b[7..29], "value": &b[29..]}),
        ),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "STAGED");
    // SHA-256 with a prefix salt, base64 of raw bytes.
    let digest = sha2::Sha256::digest(b"NaClpw-sha");
    let r = post(
        a,
        "/api/v1/users?activate=false",
        user(
            "s@example.com",
            json!({"algorithm": "SHA-256", "salt": STANDARD.encode("NaCl"), "saltOrder": "PREFIX", "value": STANDARD.encode(digest)}),
        ),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // PBKDF2.
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(b"pw-pbkdf2", b"saltsalt", 4096, &mut key);
    let r = post(
        a,
        "/api/v1/users?activate=false",
        user(
            "p@example.com",
            json!({"algorithm": "PBKDF2", "digestAlgorithm": "SHA256_HMAC", "iterationCount": 4096, "keySize": 32, "salt": STANDARD.encode("saltsalt"), "value": STANDARD.encode(key)}),
        ),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    for (login, pw) in [
        ("b@example.com", "pw-bcrypt"),
        ("s@example.com", "pw-sha"),
        ("p@example.com", "pw-pbkdf2"),
    ] {
        assert_eq!(
            post(
                a,
                "/api/v1/authn",
                json!({"username": login, "password": pw})
            )
            .status,
            200,
            "{login}"
        );
        let bad = post(
            a,
            "/api/v1/authn",
            json!({"username": login, "password": "nope"}),
        );
        assert_eq!(
            (bad.status, bad.body["errorCode"].as_str()),
            (401, Some("E0000004"))
        );
    }
    // What Okta refuses, with Okta-shaped bodies.
    let r = post(
        a,
        "/api/v1/users",
        user("not-an-email", json!({"algorithm": "BCRYPT"})),
    );
    assert_eq!(
        (r.status, r.body["errorCode"].as_str()),
        (400, Some("E0000001"))
    );
    assert!(
        r.body["errorCauses"][0]["errorSummary"]
            .as_str()
            .unwrap()
            .contains("email")
    );
    let r = post(
        a,
        "/api/v1/users",
        user(
            "B@example.com",
            json!({"algorithm": "BCRYPT", "workFactor": 4, "salt": &b[7..29], "value": &b[29..]}),
        ),
    );
    assert!(
        r.body["errorCauses"][0]["errorSummary"]
            .as_str()
            .unwrap()
            .contains("already exists"),
        "{}",
        r.body
    );
    let r = post(
        a,
        "/api/v1/users",
        user(
            "x@example.com",
            json!({"algorithm": "ARGON2", "value": "$argon2id$…"}),
        ),
    );
    assert_eq!(r.status, 400);
    assert!(
        r.body["errorCauses"][0]["errorSummary"]
            .as_str()
            .unwrap()
            .contains("not supported")
    );
    let r = post(
        a,
        "/api/v1/users",
        user(
            "h@example.com",
            json!({"algorithm": "SHA-256", "value": hex(&digest)}),
        ),
    );
    assert_eq!(r.status, 400, "hex where base64 is wanted is refused");
    // Listing with a cursor.
    let page = get(a, "/api/v1/users?limit=2");
    assert_eq!(page.body.as_array().unwrap().len(), 2);
    assert!(page.header("link").unwrap().contains("rel=\"next\""));
}

#[test]
fn rate_limits_announce_themselves_and_count_early_requests() {
    let mut cfg = Config::new(Api::Okta);
    cfg.rate = Some("4/s".parse().unwrap());
    cfg.burst = Some(4);
    let e = Emulator::start("127.0.0.1:0", cfg).unwrap();
    // Okta's windows are whole seconds: start just after one begins.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    std::thread::sleep(Duration::from_nanos(
        1_010_000_000 - now.subsec_nanos() as u64,
    ));
    let statuses: Vec<Resp> = (0..8).map(|_| get(e.addr, "/api/v1/users")).collect();
    let limited: Vec<&Resp> = statuses.iter().filter(|r| r.status == 429).collect();
    assert!(
        !limited.is_empty() && limited.len() <= 4,
        "{:?}",
        statuses.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    let r = limited[0];
    assert_eq!(r.body["errorCode"], "E0000047");
    // Okta announces its fixed window; the wait is until X-Rate-Limit-Reset.
    assert!(
        r.header("x-rate-limit-reset").is_some() && r.header("x-rate-limit-limit") == Some("4")
    );
    assert_eq!(r.header("x-rate-limit-remaining"), Some("0"));
    // Requests in flight when the 429 left are not early; one sent after the
    // client could have read it, and before the time it named, is.
    assert_eq!(e.stats().early_requests, 0);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(get(e.addr, "/api/v1/users").status, 429);
    let early = e.stats().early_requests;
    assert!(
        early >= 1,
        "a request after the 429 could be read, before Retry-After, is early"
    );
    // Waiting as told is not early.
    let reset: u64 = limited
        .last()
        .unwrap()
        .header("x-rate-limit-reset")
        .unwrap()
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    std::thread::sleep(Duration::from_secs_f64((reset as f64 - now).max(0.0)));
    assert_eq!(get(e.addr, "/api/v1/users").status, 200);
    assert_eq!(e.stats().early_requests, early);
}

#[test]
fn injected_errors_sometimes_commit_first() {
    let mut cfg = Config::new(Api::Generic);
    cfg.error_rate = 0.5;
    let e = Emulator::start("127.0.0.1:0", cfg).unwrap();
    let mut failed = 0;
    for i in 0..40 {
        let r = post(
            e.addr,
            "/users",
            json!({"email": format!("u{i}@example.com")}),
        );
        assert!(r.status == 201 || r.status == 503, "{}", r.status);
        failed += (r.status == 503) as u32;
    }
    let st = e.stats();
    assert_eq!(st.injected_errors, failed as u64);
    assert!(failed > 5 && failed < 35);
    assert!(
        st.users > 40 - failed as u64,
        "some failed creates were committed before the error"
    );
}

fn multipart(file: &[u8], upsert: bool) -> (String, Vec<u8>) {
    let boundary = "understudyboundary";
    let mut b = Vec::new();
    b.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"connection_id\"\r\n\r\ncon_1\r\n").as_bytes());
    b.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"upsert\"\r\n\r\n{upsert}\r\n"
        )
        .as_bytes(),
    );
    b.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"users\"; filename=\"users.json\"\r\nContent-Type: application/json\r\n\r\n").as_bytes());
    b.extend_from_slice(file);
    b.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), b)
}

#[test]
fn auth0_import_jobs_validate_hashes_and_limit_concurrency() {
    let e = start(Api::Auth0);
    let a = e.addr;
    let ssha = {
        let mut h = sha1::Sha1::new();
        h.update(b"pw-ldap");
        h.update(b"salt");
        let mut raw = h.finalize().to_vec();
        raw.extend_from_slice(b"salt");
        format!("{{SSHA}}{}", STANDARD.encode(raw))
    };
    let users = json!([
        {"email": "b@example.com", "password_hash": bcrypt4("pw-bcrypt")},
        {"email": "s@example.com", "custom_password_hash": {"algorithm": "sha256", "hash": {"value": hex(&sha2::Sha256::digest(b"pw-shaabc123")), "encoding": "hex"}, "salt": {"value": "abc123", "position": "suffix"}}},
        {"email": "l@example.com", "custom_password_hash": {"algorithm": "ldap", "hash": {"value": ssha}}},
        {"email": "c@example.com", "custom_password_hash": {"algorithm": "ldap", "hash": {"value": "{CRYPT}$6$abc$def"}}},
    ]);
    let (ct, body) = multipart(users.to_string().as_bytes(), false);
    let r = http(a, "POST", "/api/v2/jobs/users-imports", &ct, &body);
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_string();
    let mut job = get(a, &format!("/api/v2/jobs/{id}")).body;
    for _ in 0..100 {
        if job["status"] == "completed" {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        job = get(a, &format!("/api/v2/jobs/{id}")).body;
    }
    assert_eq!(job["summary"]["inserted"], 3, "{job}");
    assert_eq!(job["summary"]["failed"], 1);
    let errors = get(a, &format!("/api/v2/jobs/{id}/errors")).body;
    assert!(
        errors[0]["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("{CRYPT}")
    );
    for (login, pw) in [
        ("b@example.com", "pw-bcrypt"),
        ("s@example.com", "pw-sha"),
        ("l@example.com", "pw-ldap"),
    ] {
        assert_eq!(
            post(a, "/login", json!({"username": login, "password": pw})).status,
            200,
            "{login}"
        );
    }
    assert_eq!(
        post(
            a,
            "/login",
            json!({"username": "b@example.com", "password": "x"})
        )
        .status,
        403
    );
    assert_eq!(get(a, "/api/v2/users?per_page=2").body["total"], 3);
    // At most two jobs at once.
    let big: Vec<Value> = (0..3000)
        .map(|i| json!({"email": format!("bulk{i}@example.com")}))
        .collect();
    let (ct, body) = multipart(serde_json::to_vec(&big).unwrap().as_slice(), true);
    let statuses: Vec<u16> = (0..3)
        .map(|_| http(a, "POST", "/api/v2/jobs/users-imports", &ct, &body).status)
        .collect();
    assert_eq!(statuses, [201, 201, 429]);
    // Files over 500 KB are refused.
    let huge: Vec<Value> = (0..20000)
        .map(|i| json!({"email": format!("huge-user-number-{i}@example.com")}))
        .collect();
    let (ct, body) = multipart(serde_json::to_vec(&huge).unwrap().as_slice(), false);
    assert_eq!(
        http(a, "POST", "/api/v2/jobs/users-imports", &ct, &body).status,
        413
    );
}

#[test]
fn cli_serves_until_told_to_stop() {
    let o = common::run(&[
        "emulate",
        "generic",
        "--listen",
        "127.0.0.1:0",
        "--for",
        "300ms",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        String::from_utf8(o.stdout)
            .unwrap()
            .starts_with("127.0.0.1:")
    );
    let o = common::run(&["emulate", "okta", "--rate", "fast"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("600/s"));
}

/// Light cost, but Okta's PBKDF2 floor of 4096 iterations.
fn test_params(f: &dyn understudy::hash::HashFormat) -> understudy::hash::Params {
    understudy::hash::light_params(f)
        .into_iter()
        .map(|(k, v)| match k.as_str() {
            "iterations" | "rounds" | "i"
                if f.name().contains("pbkdf2") || f.name().starts_with("aspnet") =>
            {
                (k, "4096".to_string())
            }
            _ => (k, v),
        })
        .collect()
}

/// Creates one user through `api` over HTTP; true when the API took it.
fn create_over_the_wire(e: &Emulator, api: Api, body: &Value) -> bool {
    match api {
        Api::Okta => post(e.addr, "/api/v1/users?activate=false", body.clone()).status == 200,
        Api::Generic => post(e.addr, "/users", body.clone()).status == 201,
        Api::Auth0 => {
            let (ct, b) = multipart(json!([body]).to_string().as_bytes(), false);
            let r = http(e.addr, "POST", "/api/v2/jobs/users-imports", &ct, &b);
            let id = r.body["id"].as_str().unwrap().to_string();
            let mut job = get(e.addr, &format!("/api/v2/jobs/{id}")).body;
            while job["status"] != "completed" {
                std::thread::sleep(Duration::from_millis(5));
                job = get(e.addr, &format!("/api/v2/jobs/{id}")).body;
            }
            job["summary"]["inserted"] == 1
        }
    }
}

/// Every format, hashed for real: the request body the rehearsal would send
/// exists exactly for the formats the export rules say the provider imports
/// (the rest are jit_only), the emulator accepts it over HTTP, and the user
/// then signs in with the password and not with a wrong one.
#[test]
fn every_importable_format_is_accepted_over_the_wire_and_signs_in() {
    use understudy::export::{Provider, rules};
    use understudy::target::http::{ApiUser, UserHash, body};
    let password = "Pässword-123 ok";
    for (api, target) in [
        (Api::Okta, "okta"),
        (Api::Auth0, "auth0"),
        (Api::Generic, ""),
    ] {
        let e = start(api);
        let provider = Provider::parse(target);
        let (mut sent, mut jit) = (0, 0);
        for (i, f) in understudy::hash::all().iter().enumerate() {
            let params = test_params(*f);
            let encoded = f
                .hash(
                    password.as_bytes(),
                    &params,
                    &mut understudy::rng::Rng::at(7, i as u64),
                )
                .unwrap();
            let email = format!("user{i}@example.com");
            let user = ApiUser {
                email: Some(&email),
                first_name: Some("Ada"),
                last_name: Some("Lovelace"),
                hash: Some(UserHash {
                    format: *f,
                    encoded: &encoded,
                    params: &params,
                }),
                ..ApiUser::default()
            };
            let got = body(api, &user);
            let imports = provider
                .is_none_or(|p| rules::hash_verdict(p, user.hash.as_ref().unwrap()).is_ok());
            match (imports, &got) {
                (false, Ok(b)) => {
                    panic!("{target}: {} is jit-only but was sent: {b}", f.name())
                }
                (true, Err(_)) => {
                    panic!("{target}: {} is importable but marked jit_only", f.name())
                }
                (_, Err(_)) => {
                    jit += 1;
                    continue;
                }
                _ => {}
            }
            let b = got.unwrap();
            assert!(
                create_over_the_wire(&e, api, &b),
                "{target}: {} refused: {b}",
                f.name()
            );
            sent += 1;
            let login = |pw: &str| {
                post(
                    e.addr,
                    "/login",
                    json!({"login": email, "username": email, "password": pw}),
                )
                .status
            };
            assert_eq!(
                login(password),
                200,
                "{target}: {} does not sign in: {b}",
                f.name()
            );
            assert_ne!(
                login("wrong"),
                200,
                "{target}: {} takes a wrong password",
                f.name()
            );
        }
        assert!(sent >= 8, "{target}: only {sent} formats sent");
        if api == Api::Generic {
            assert_eq!(jit, 0, "the generic API takes every format");
        }
    }
}

/// A child process killed when dropped (also when an assertion fails).
struct Killed(std::process::Child);

impl Killed {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `understudy emulate API --store sqlite:FILE` as its own process; returns
/// it and the address it printed.
fn spawn_stored(api: &str, store: &std::path::Path) -> (Killed, SocketAddr) {
    use std::io::BufRead;
    let mut child = common::bin()
        .args([
            "emulate",
            api,
            "--listen",
            "127.0.0.1:0",
            "--hash-cost",
            "light",
        ])
        .arg("--store")
        .arg(format!("sqlite:{}", store.display()))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (Killed(child), line.trim().parse().unwrap())
}

fn wait_for_job(a: SocketAddr, id: &str) -> Value {
    for _ in 0..200 {
        let job = get(a, &format!("/api/v2/jobs/{id}")).body;
        if job["status"] == "completed" {
            return job;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("job {id} never completed");
}

#[test]
fn stored_users_sign_in_after_a_kill_and_restart_whether_imported_hashed_or_plaintext() {
    let dir = common::tempdir();
    let b = bcrypt4("hashed-pw-1");
    // (API, login path, creates as (path, body), the users and their passwords).
    type Case = (
        &'static str,
        &'static str,
        Vec<(&'static str, Value)>,
        Vec<(&'static str, &'static str)>,
    );
    let cases: [Case; 3] = [
        (
            "okta",
            "/api/v1/authn",
            vec![
                (
                    "/api/v1/users?activate=false",
                    json!({"profile": {"login": "h@example.com", "email": "h@example.com"}, "credentials": {"password": {"hash": {"algorithm": "BCRYPT", "workFactor": 4, "salt": &b[7..29], "value": &b[29..]}}}}),
                ),
                (
                    "/api/v1/users",
                    json!({"profile": {"login": "p@example.com", "email": "p@example.com"}, "credentials": {"password": {"value": "Plain-okta-Secret-77"}}}),
                ),
            ],
            vec![
                ("h@example.com", "hashed-pw-1"),
                ("p@example.com", "Plain-okta-Secret-77"),
            ],
        ),
        (
            "generic",
            "/login",
            vec![
                (
                    "/users",
                    json!({"email": "h@example.com", "password_hash": b}),
                ),
                (
                    "/users",
                    json!({"email": "p@example.com", "password": "Plain-generic-Secret-88"}),
                ),
            ],
            vec![
                ("h@example.com", "hashed-pw-1"),
                ("p@example.com", "Plain-generic-Secret-88"),
            ],
        ),
        (
            "auth0",
            "/login",
            vec![],
            vec![("h@example.com", "hashed-pw-1")],
        ),
    ];
    for (api, login_path, creates, users) in cases {
        let store = dir.path().join(format!("{api}.db"));
        let (mut child, a) = spawn_stored(api, &store);
        for (path, body) in &creates {
            let r = post(a, path, body.clone());
            assert!(r.status < 300, "{api} {path}: {} {}", r.status, r.body);
        }
        if api == "auth0" {
            // Auth0's import takes hashes only: a plaintext record is refused.
            let file = json!([
                {"email": "h@example.com", "password_hash": b},
                {"email": "p@example.com", "password": "Plain-auth0-Secret-99"},
            ]);
            let (ct, body) = multipart(file.to_string().as_bytes(), false);
            let r = http(a, "POST", "/api/v2/jobs/users-imports", &ct, &body);
            assert_eq!(r.status, 201, "{}", r.body);
            let id = r.body["id"].as_str().unwrap().to_string();
            let job = wait_for_job(a, &id);
            assert_eq!(job["summary"]["inserted"], 1, "{job}");
            let errors = get(a, &format!("/api/v2/jobs/{id}/errors")).body;
            assert!(
                errors[0]["errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .contains("password"),
                "{errors}"
            );
            assert!(!errors.to_string().contains("Plain-auth0-Secret-99"));
        }
        // Killed, not stopped: every create must already be on disk.
        child.kill();
        let (mut child, a) = spawn_stored(api, &store);
        for (login, password) in &users {
            let ok = post(
                a,
                login_path,
                json!({"username": login, "login": login, "password": password}),
            );
            assert_eq!(ok.status, 200, "{api} {login} after a restart: {}", ok.body);
            let wrong = post(
                a,
                login_path,
                json!({"username": login, "login": login, "password": "not-it"}),
            );
            assert!(
                wrong.status >= 400,
                "{api} {login} signs in with a wrong password"
            );
        }
        child.kill();
        // Neither the database nor its write-ahead log holds a plaintext.
        for file in std::fs::read_dir(dir.path()).unwrap() {
            let bytes = std::fs::read(file.unwrap().path()).unwrap();
            for secret in [
                "Plain-okta-Secret-77",
                "Plain-generic-Secret-88",
                "Plain-auth0-Secret-99",
            ] {
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "{api}: the store holds the plaintext {secret}"
                );
            }
        }
    }
}

/// The files `export --to okta` writes are what the Okta emulator takes: every
/// create-user body of the file is accepted over HTTP, and for a sample of
/// each hash encoding (algorithm, digest, salt order) the user then signs in
/// with the plaintext `--emit-passwords` wrote, and not with a wrong one.
#[test]
fn exported_okta_bodies_are_accepted_and_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let profile = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/profiles/every-format.toml");
    common::ok(&[
        "export",
        "--to",
        "okta",
        "--profile",
        profile.to_str().unwrap(),
        "--users",
        "300",
        "--emit-passwords",
        "-q",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    let password_of: std::collections::HashMap<String, String> =
        std::fs::read_to_string(dir.path().join("passwords-okta.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .filter_map(|l| {
                let mut r = csv_line(l);
                let email = r.pop()?;
                let pw = r.pop()?;
                Some((email, pw))
            })
            .collect();
    let e = start(Api::Okta);
    let bodies = std::fs::read_to_string(dir.path().join("okta/users-0001.ndjson")).unwrap();
    let mut samples: std::collections::BTreeMap<String, usize> = Default::default();
    let mut sent = 0;
    for line in bodies.lines() {
        let b: Value = serde_json::from_str(line).unwrap();
        assert_eq!(
            post(e.addr, "/api/v1/users?activate=false", b.clone()).status,
            200,
            "refused: {line}"
        );
        sent += 1;
        let h = &b["credentials"]["password"]["hash"];
        let key = format!(
            "{} {} {} {}",
            h["algorithm"],
            h["digestAlgorithm"],
            h.get("salt").is_some(),
            h["saltOrder"]
        );
        let n = samples.entry(key.clone()).or_default();
        if *n >= 2 || h.is_null() {
            continue;
        }
        *n += 1;
        let login = b["profile"]["login"].as_str().unwrap();
        let pw = &password_of[login];
        let sign_in = |pw: &str| {
            post(
                e.addr,
                "/api/v1/authn",
                json!({"username": login, "password": pw}),
            )
            .status
        };
        assert_eq!(sign_in(pw), 200, "{key}: {login} does not sign in: {line}");
        assert_ne!(
            sign_in("not the password"),
            200,
            "{key}: a wrong password signs in"
        );
    }
    assert!(sent > 100, "only {sent} bodies");
    // BCRYPT, PBKDF2 (SHA256_HMAC and SHA512_HMAC), SHA-*/MD5 with and without salt.
    assert!(samples.len() >= 8, "{samples:?}");
    assert!(samples.keys().any(|k| k.starts_with("\"BCRYPT\"")));
    assert!(
        samples.keys().any(|k| k.contains("SHA512_HMAC")),
        "{samples:?}"
    );
    assert!(
        samples.keys().any(|k| k.contains("SHA256_HMAC")),
        "{samples:?}"
    );
    assert!(samples.keys().any(|k| k.contains("PREFIX")));
}

/// One line of a CSV file (RFC 4180 quoting).
fn csv_line(l: &str) -> Vec<String> {
    let (mut out, mut f, mut q) = (Vec::new(), String::new(), false);
    let mut it = l.chars().peekable();
    while let Some(c) = it.next() {
        match (c, q) {
            ('"', true) if it.peek() == Some(&'"') => {
                f.push('"');
                it.next();
            }
            ('"', _) => q = !q,
            (',', false) => out.push(std::mem::take(&mut f)),
            (c, _) => f.push(c),
        }
    }
    out.push(f);
    out
}

/// `s` percent-encoded for a URL path segment (RFC 3986 unreserved kept).
fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An Okta export's users and factors go through the emulator as import.sh
/// sends them (each user created, its id looked up by login, each factor
/// enrolled with `activate=true` and the org's Custom TOTP profile id), and the
/// emulator then holds, per user, exactly the factors the export wrote.
#[test]
fn exported_okta_factors_are_enrolled_per_user() {
    let dir = tempfile::tempdir().unwrap();
    common::ok(&[
        "export",
        "--to",
        "okta",
        "--profile",
        "saas-mfa",
        "--users",
        "400",
        "--hash-cost",
        "light",
        "-q",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    let read = |f: &str| std::fs::read_to_string(dir.path().join("okta").join(f)).unwrap();
    let e = start(Api::Okta);
    let mut logins = Vec::new();
    for line in read("users-0001.ndjson").lines() {
        let b: Value = serde_json::from_str(line).unwrap();
        assert_eq!(
            post(e.addr, "/api/v1/users?activate=false", b.clone()).status,
            200,
            "{line}"
        );
        logins.push(b["profile"]["login"].as_str().unwrap().to_string());
    }
    let mut want: std::collections::HashMap<String, Vec<Value>> = Default::default();
    for line in read("factors-0001.ndjson").lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let login = v["login"].as_str().unwrap();
        let id = get(e.addr, &format!("/api/v1/users/{}", pct(login))).body["id"]
            .as_str()
            .unwrap()
            .to_string();
        let mut f = v["factor"].clone();
        if f["factorType"] == "token:hotp" {
            f["factorProfileId"] = json!("fpr1emulated0TOTP");
        }
        let r = post(
            e.addr,
            &format!("/api/v1/users/{id}/factors?activate=true"),
            f.clone(),
        );
        assert_eq!(r.status, 200, "{line}: {:?}", r.body);
        assert_eq!(r.body["status"], "ACTIVE", "{:?}", r.body);
        // Enrolled once: the same factor again is refused.
        assert_eq!(
            post(
                e.addr,
                &format!("/api/v1/users/{id}/factors?activate=true"),
                f.clone()
            )
            .status,
            400
        );
        want.entry(login.to_string())
            .or_default()
            .push(v["factor"].clone());
    }
    let (mut totp, mut sms) = (0, 0);
    for login in &logins {
        let have = get(e.addr, &format!("/api/v1/users/{}/factors", pct(login)));
        assert_eq!(have.status, 200);
        let have = have.body.as_array().unwrap().clone();
        let mine = want.remove(login).unwrap_or_default();
        assert_eq!(have.len(), mine.len(), "{login}: {have:?} for {mine:?}");
        for f in &mine {
            let h = have
                .iter()
                .find(|h| h["factorType"] == f["factorType"])
                .unwrap();
            match f["factorType"].as_str().unwrap() {
                "sms" => {
                    sms += 1;
                    assert_eq!(h["profile"]["phoneNumber"], f["profile"]["phoneNumber"]);
                }
                _ => {
                    totp += 1;
                    assert!(
                        h["profile"].get("sharedSecret").is_none(),
                        "a listed secret: {h:?}"
                    );
                }
            }
        }
    }
    assert!(want.is_empty(), "factors of users never created: {want:?}");
    assert!(totp > 40 && sms > 20, "{totp} TOTP and {sms} SMS factors");
    // What Okta refuses: TOTP without activate=true, a phone not E.164, no profile id, no user.
    let id = get(e.addr, &format!("/api/v1/users/{}", pct(&logins[0]))).body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let totp_body = json!({"factorType": "token:hotp", "provider": "CUSTOM", "factorProfileId": "fpr1", "profile": {"sharedSecret": "JBSWY3DPEHPK3PXP"}});
    let at = |q: &str| format!("/api/v1/users/{id}/factors{q}");
    assert_eq!(post(e.addr, &at(""), totp_body.clone()).status, 400);
    let mut no_profile = totp_body.clone();
    no_profile
        .as_object_mut()
        .unwrap()
        .remove("factorProfileId");
    assert_eq!(post(e.addr, &at("?activate=true"), no_profile).status, 400);
    let sms_body =
        json!({"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": "555 0100"}});
    assert_eq!(post(e.addr, &at("?activate=true"), sms_body).status, 400);
    assert_eq!(
        post(
            e.addr,
            "/api/v1/users/00unobody/factors?activate=true",
            totp_body
        )
        .status,
        404
    );
}
