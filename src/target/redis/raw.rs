//! The load's connection: a plain socket to Redis that writes the copy's
//! already-packed commands and skips their replies.
//!
//! Why not `redis::Connection` here: it parses every reply into a
//! `redis::Value` (a parser state machine and allocations per reply, three
//! replies per user), a sixth of the load's client time, while a write
//! command's reply is one line (`+OK`, `:1`) the load only counts. The
//! `redis` crate still does everything else: the URL, the commands packed
//! (`copies::redis::pack`, `redis::Cmd`), the handshake's and every error
//! reply's parsing (`redis::parse_redis_value`), so error codes and
//! messages are the crate's own; this file only finds where a reply ends.

use redis::{ConnectionAddr, ErrorKind, RedisError, RedisResult};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::time::Duration;

enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Stream {
    fn try_clone(&self) -> io::Result<Stream> {
        Ok(match self {
            Stream::Tcp(s) => Stream::Tcp(s.try_clone()?),
            Stream::Unix(s) => Stream::Unix(s.try_clone()?),
        })
    }

    fn set_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => {
                s.set_read_timeout(t)?;
                s.set_write_timeout(t)
            }
            Stream::Unix(s) => {
                s.set_read_timeout(t)?;
                s.set_write_timeout(t)
            }
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Unix(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One connection: commands written as they are, replies read through a
/// buffer.
pub struct Raw {
    out: Stream,
    input: BufReader<Stream>,
    line: Vec<u8>,
}

impl Raw {
    /// Connects to the client's address and authenticates and selects the
    /// database as `redis::Client` would (RESP2: the replies of write
    /// commands are single lines).
    pub fn open(client: &redis::Client, timeout: Duration) -> RedisResult<Raw> {
        let info = client.get_connection_info();
        let out = match info.addr() {
            ConnectionAddr::Tcp(host, port) => {
                let mut last = None;
                let mut found = None;
                for a in (host.as_str(), *port).to_socket_addrs()? {
                    match TcpStream::connect_timeout(&a, timeout) {
                        Ok(s) => {
                            found = Some(s);
                            break;
                        }
                        Err(e) => last = Some(e),
                    }
                }
                let s = match (found, last) {
                    (Some(s), _) => s,
                    (None, Some(e)) => return Err(e.into()),
                    (None, None) => {
                        return Err(io::Error::new(
                            io::ErrorKind::NotFound,
                            format!("{host} resolves to no address"),
                        )
                        .into());
                    }
                };
                s.set_nodelay(true)?;
                Stream::Tcp(s)
            }
            ConnectionAddr::Unix(p) => Stream::Unix(UnixStream::connect(p)?),
            _ => {
                return Err(RedisError::from((
                    ErrorKind::InvalidClientConfig,
                    "TLS connections are not supported",
                )));
            }
        };
        out.set_timeout(Some(timeout))?;
        let mut raw = Raw {
            input: BufReader::with_capacity(64 * 1024, out.try_clone()?),
            out,
            line: Vec::new(),
        };
        let settings = info.redis_settings();
        if let Some(password) = settings.password() {
            let mut auth = redis::cmd("AUTH");
            if let Some(user) = settings.username() {
                auth.arg(user);
            }
            auth.arg(password);
            raw.query(&auth)?;
        }
        if settings.db() != 0 {
            raw.query(redis::cmd("SELECT").arg(settings.db()))?;
        }
        raw.query(&redis::cmd("PING"))?;
        raw.out.set_timeout(None)?;
        Ok(raw)
    }

    /// One command of the handshake, its reply parsed by the crate.
    fn query(&mut self, cmd: &redis::Cmd) -> RedisResult<redis::Value> {
        self.send(&cmd.get_packed_command())?;
        self.next_line()?;
        redis::parse_redis_value(&self.line)?.extract_error()
    }

    pub fn send(&mut self, bytes: &[u8]) -> RedisResult<()> {
        Ok(self.out.write_all(bytes)?)
    }

    /// The next reply line, `\r\n` included, into `self.line`.
    fn next_line(&mut self) -> RedisResult<()> {
        self.line.clear();
        self.input.read_until(b'\n', &mut self.line)?;
        if self.line.last() != Some(&b'\n') {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "Redis closed the connection",
            )
            .into());
        }
        Ok(())
    }

    /// Reads `n` replies of write commands: the ones that failed, by
    /// position, as the crate parses them. A write command's reply is a
    /// status (`+OK`) or an integer (`:1`), skipped without a copy; any
    /// other reply is a protocol error.
    pub fn replies(&mut self, n: usize) -> RedisResult<Vec<(usize, RedisError)>> {
        let mut errors = Vec::new();
        let mut i = 0;
        while i < n {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "Redis closed the connection",
                )
                .into());
            }
            // Whole simple replies within the buffer.
            let mut at = 0;
            while i < n && at < buf.len() && matches!(buf[at], b'+' | b':') {
                match buf[at..].iter().position(|&c| c == b'\n') {
                    Some(p) => {
                        at += p + 1;
                        i += 1;
                    }
                    None => break,
                }
            }
            let head = buf.get(at).copied();
            self.input.consume(at);
            match head {
                _ if i == n => break,
                None => {}
                // A reply cut by the buffer's end.
                Some(b'+' | b':') => {
                    self.next_line()?;
                    i += 1;
                }
                Some(b'-') => {
                    self.next_line()?;
                    if let Err(e) = redis::parse_redis_value(&self.line)?.extract_error() {
                        errors.push((i, e));
                    }
                    i += 1;
                }
                Some(c) => {
                    return Err(RedisError::from((
                        ErrorKind::Parse,
                        "unexpected reply to a write command",
                        format!("a reply starting with {:?}", c as char),
                    )));
                }
            }
        }
        Ok(errors)
    }
}
