//! The load's connection: a plain socket to Redis that writes the copy's
//! already-packed commands and skips their replies; and `consistency`'s,
//! which reads replies as `redis_protocol` decodes them in place
//! (`Replies`), without a `redis::Value` and its allocations per element.
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
use redis_protocol::resp2::{decode::decode_range, types::RangeFrame};
use std::borrow::Cow;
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
    /// Bytes read past the last reply `read_replies` returned.
    rest: Vec<u8>,
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
            rest: Vec::new(),
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

/// Replies read in one go: their bytes, and each reply's span in them with
/// its frame as `redis_protocol` decodes it (ranges into the reply's own
/// bytes, nothing copied), for `consistency` to read the copy back.
#[derive(Default)]
pub struct Replies {
    bytes: Vec<u8>,
    frames: Vec<(std::ops::Range<usize>, RangeFrame)>,
}

impl Replies {
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Reply `i`: its bytes and frame; an error reply is the crate's error.
    pub fn get(&self, i: usize) -> RedisResult<(&[u8], &RangeFrame)> {
        let (span, frame) = &self.frames[i];
        let bytes = &self.bytes[span.clone()];
        if let RangeFrame::Error(_) = frame {
            redis::parse_redis_value(bytes)?.extract_error()?;
        }
        Ok((bytes, frame))
    }
}

/// A bulk or simple string's bytes within its reply's bytes.
pub fn text<'a>(bytes: &'a [u8], f: &RangeFrame) -> Option<&'a [u8]> {
    match f {
        RangeFrame::BulkString(r) | RangeFrame::SimpleString(r) => Some(&bytes[r.0..r.1]),
        _ => None,
    }
}

/// An element of a reply as text (an integer in decimal; any other
/// non-string element as the frame's debug form, as no copy writes one).
pub fn frame_text<'a>(bytes: &'a [u8], f: &RangeFrame) -> Cow<'a, str> {
    match (text(bytes, f), f) {
        (Some(b), _) => String::from_utf8_lossy(b),
        (None, RangeFrame::Integer(i)) => Cow::Owned(i.to_string()),
        (None, other) => Cow::Owned(format!("{other:?}")),
    }
}

/// An `HGETALL` reply's elements as (field, value) pairs, sorted.
pub fn hash_pairs<'a>(bytes: &'a [u8], items: &[RangeFrame]) -> Vec<(Cow<'a, str>, Cow<'a, str>)> {
    let mut h: Vec<_> = items
        .chunks(2)
        .map(|c| {
            let v = c.get(1).map_or(Cow::Borrowed(""), |v| frame_text(bytes, v));
            (frame_text(bytes, &c[0]), v)
        })
        .collect();
    h.sort();
    h
}

impl Raw {
    /// Reads the next `n` replies into `out`, whatever their shape.
    pub fn read_replies(&mut self, n: usize, out: &mut Replies) -> RedisResult<()> {
        out.frames.clear();
        out.bytes.clear();
        out.bytes.append(&mut self.rest);
        let mut at = 0;
        while out.frames.len() < n {
            match decode_range(&out.bytes[at..]) {
                Ok(Some((frame, used))) => {
                    out.frames.push((at..at + used, frame));
                    at += used;
                }
                Ok(None) => {
                    let len = out.bytes.len();
                    out.bytes.resize(len + 64 * 1024, 0);
                    let got = self.input.read(&mut out.bytes[len..]);
                    out.bytes.truncate(len + got.as_ref().map_or(0, |g| *g));
                    if got? == 0 {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "Redis closed the connection",
                        )
                        .into());
                    }
                }
                Err(e) => {
                    return Err(RedisError::from((
                        ErrorKind::Parse,
                        "unreadable reply",
                        e.to_string(),
                    )));
                }
            }
        }
        self.rest.extend_from_slice(&out.bytes[at..]);
        out.bytes.truncate(at);
        Ok(())
    }
}
