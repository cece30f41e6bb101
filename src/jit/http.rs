//! A small blocking HTTP/1.1 client (keep-alive, Content-Length or chunked
//! bodies) for the new system's API on `http://host:port`. One per worker
//! thread: a JIT login is a handful of sequential requests, and blocking
//! sockets keep the worker model as plain as the rehearsal loader's.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
    /// `Retry-After` in seconds, when sent.
    pub retry_after: Option<u64>,
}

pub struct Client {
    /// `host:port`.
    addr: String,
    conn: Option<BufReader<TcpStream>>,
    timeout: Duration,
}

/// `http://host:port[/]` → `host:port`.
pub fn parse_base(url: &str) -> Result<String, String> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        let url = crate::redact::dsn(url);
        format!("`{url}`: only http:// URLs are supported (the emulators and local hook services)")
    })?;
    if rest.contains('@') {
        return Err(
            "credentials in the URL are not supported: they would end up in reports".to_string(),
        );
    }
    let host = rest.trim_end_matches('/');
    if host.is_empty() || host.contains('/') {
        return Err(format!(
            "`{url}`: give the base URL, e.g. http://127.0.0.1:8080"
        ));
    }
    Ok(if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:80")
    })
}

impl Client {
    pub fn new(addr: &str) -> Client {
        Client {
            addr: addr.to_string(),
            conn: None,
            timeout: Duration::from_secs(30),
        }
    }

    pub fn with_timeout(mut self, t: Duration) -> Client {
        self.timeout = t;
        self
    }

    /// One request; a stale keep-alive connection is retried once on a new one.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> std::io::Result<Response> {
        let fresh = self.conn.is_none();
        match self.try_request(method, path, body) {
            Ok(r) => Ok(r),
            Err(_) if !fresh => {
                self.conn = None;
                self.try_request(method, path, body)
            }
            Err(e) => {
                self.conn = None;
                Err(e)
            }
        }
    }

    fn try_request(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> std::io::Result<Response> {
        if self.conn.is_none() {
            let s = TcpStream::connect(&self.addr)?;
            s.set_nodelay(true)?;
            s.set_read_timeout(Some(self.timeout))?;
            s.set_write_timeout(Some(self.timeout))?;
            self.conn = Some(BufReader::new(s));
        }
        let conn = self.conn.as_mut().expect("connected");
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nhost: {}\r\naccept: application/json\r\n",
            self.addr
        );
        if let Some(b) = body {
            req.push_str(&format!(
                "content-type: application/json\r\ncontent-length: {}\r\n",
                b.len()
            ));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        if let Some(b) = body {
            bytes.extend_from_slice(b);
        }
        conn.get_mut().write_all(&bytes)?;
        let mut line = String::new();
        if conn.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line: {line:?}")))?;
        let mut length: Option<usize> = None;
        let mut chunked = false;
        let mut close = false;
        let mut retry_after = None;
        loop {
            line.clear();
            conn.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                let v = v.trim();
                match k.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = v.parse().ok(),
                    "transfer-encoding" => chunked = v.eq_ignore_ascii_case("chunked"),
                    "connection" => close = v.eq_ignore_ascii_case("close"),
                    "retry-after" => retry_after = v.parse().ok(),
                    _ => {}
                }
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                conn.read_line(&mut line)?;
                let n = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                    .map_err(|_| std::io::Error::other("bad chunk size"))?;
                if n == 0 {
                    line.clear();
                    conn.read_line(&mut line)?;
                    break;
                }
                let start = body.len();
                body.resize(start + n, 0);
                conn.read_exact(&mut body[start..])?;
                let mut crlf = [0u8; 2];
                conn.read_exact(&mut crlf)?;
            }
        } else if let Some(n) = length {
            body.resize(n, 0);
            conn.read_exact(&mut body)?;
        } else {
            conn.read_to_end(&mut body)?;
            close = true;
        }
        if close {
            self.conn = None;
        }
        Ok(Response {
            status,
            body,
            retry_after,
        })
    }
}

/// Percent-encodes a path segment (emails: `+`, `@` and non-ASCII).
pub fn segment(s: &str) -> String {
    let mut out = String::new();
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
