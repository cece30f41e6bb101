//! Reading a table back for verification (`Conn::scan`): `COPY … TO STDOUT`
//! in binary, so the server runs no output function. The types the
//! generator writes (booleans, integers, text, UUIDs, timestamps, JSON) are
//! turned into text here, exactly as `::text` (and, for timestamps,
//! `to_char(…, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')` in UTC) would render them;
//! any other type is cast to text by the server. The binary format itself
//! is the `postgres` crate's (`binary_copy`).

use super::{DbError, DbResult, ErrorClass, ReadColumn, classify, ident};
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{FromSql, Type};

/// How a column's binary value becomes the text `::text` would give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decode {
    Bool,
    Int2,
    Int4,
    Int8,
    /// text, varchar, json: the bytes are the text.
    Text,
    Uuid,
    /// timestamp, timestamptz: microseconds since 2000-01-01 (UTC session).
    Timestamp,
    /// jsonb: a version byte, then the text.
    Jsonb,
    /// Cast to text by the server (any other type).
    Server,
}

fn decode_of(ty: &Type) -> Decode {
    match *ty {
        Type::BOOL => Decode::Bool,
        Type::INT2 => Decode::Int2,
        Type::INT4 => Decode::Int4,
        Type::INT8 => Decode::Int8,
        Type::TEXT | Type::VARCHAR | Type::JSON => Decode::Text,
        Type::UUID => Decode::Uuid,
        Type::TIMESTAMP | Type::TIMESTAMPTZ => Decode::Timestamp,
        Type::JSONB => Decode::Jsonb,
        _ => Decode::Server,
    }
}

/// A value's bytes as the binary COPY holds them.
struct Raw<'a>(&'a [u8]);

impl<'a> FromSql<'a> for Raw<'a> {
    fn from_sql(
        _: &Type,
        raw: &'a [u8],
    ) -> Result<Raw<'a>, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(raw))
    }
    fn accepts(_: &Type) -> bool {
        true
    }
}

/// Streams every row of `table` (the given columns, as text) to `f`.
pub(super) fn scan(
    client: &mut postgres::Client,
    table: &str,
    cols: &[ReadColumn],
    f: &mut dyn FnMut(&[Option<&str>]),
) -> DbResult<()> {
    let names: Vec<String> = cols.iter().map(|c| ident(&c.name)).collect();
    let probe = format!("SELECT {} FROM {} LIMIT 0", names.join(", "), ident(table));
    let st = client.prepare(&probe).map_err(|e| classify(&e))?;
    let decodes: Vec<Decode> = st.columns().iter().map(|c| decode_of(c.type_())).collect();
    let exprs: Vec<String> = names
        .iter()
        .zip(cols)
        .zip(&decodes)
        .map(|((q, c), d)| match d {
            Decode::Server if c.declared.starts_with("timestamp") => {
                format!("to_char({q}, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
            }
            Decode::Server => format!("{q}::text"),
            _ => q.clone(),
        })
        .collect();
    let types: Vec<Type> = st
        .columns()
        .iter()
        .zip(&decodes)
        .map(|(c, d)| match d {
            Decode::Server => Type::TEXT,
            _ => c.type_().clone(),
        })
        .collect();
    let sql = format!(
        "COPY (SELECT {} FROM {}) TO STDOUT (FORMAT binary)",
        exprs.join(", "),
        ident(table)
    );
    let reader = client.copy_out(&sql).map_err(|e| classify(&e))?;
    let mut rows = postgres::binary_copy::BinaryCopyOutIter::new(reader, &types);
    let mut text = String::with_capacity(1024);
    let mut spans: Vec<Option<(usize, usize)>> = vec![None; cols.len()];
    while let Some(row) = rows.next().map_err(|e| classify(&e))? {
        text.clear();
        for (i, d) in decodes.iter().enumerate() {
            let raw: Option<Raw> = row.try_get(i).map_err(|e| classify(&e))?;
            spans[i] = match raw {
                None => None,
                Some(Raw(b)) => {
                    let at = text.len();
                    push_text(*d, b, &mut text)
                        .map_err(|why| malformed(table, &cols[i], why))?
                        .then_some((at, text.len()))
                }
            };
        }
        let vals: Vec<Option<&str>> = spans.iter().map(|s| s.map(|(a, b)| &text[a..b])).collect();
        f(&vals);
    }
    Ok(())
}

fn malformed(table: &str, col: &ReadColumn, why: &str) -> DbError {
    DbError {
        class: ErrorClass::Other,
        message: format!("column {}.{} read back: {why}", table, col.name),
    }
}

/// Appends the text of one binary value; false when it reads as NULL (an
/// infinite timestamp, as `to_char` gives it).
fn push_text(d: Decode, b: &[u8], out: &mut String) -> Result<bool, &'static str> {
    fn int<const N: usize>(b: &[u8]) -> Result<[u8; N], &'static str> {
        b.try_into().map_err(|_| "an integer of the wrong width")
    }
    let mut num = itoa::Buffer::new();
    match d {
        Decode::Bool => out.push_str(if b.first() == Some(&1) {
            "true"
        } else {
            "false"
        }),
        Decode::Int2 => out.push_str(num.format(i16::from_be_bytes(int(b)?))),
        Decode::Int4 => out.push_str(num.format(i32::from_be_bytes(int(b)?))),
        Decode::Int8 => out.push_str(num.format(i64::from_be_bytes(int(b)?))),
        Decode::Text | Decode::Server => out.push_str(&String::from_utf8_lossy(b)),
        Decode::Jsonb => match b.split_first() {
            Some((1, text)) => out.push_str(&String::from_utf8_lossy(text)),
            _ => return Err("a jsonb value of an unknown version"),
        },
        Decode::Uuid => push_uuid(int::<16>(b).map_err(|_| "a UUID not 16 bytes long")?, out),
        Decode::Timestamp => {
            let micros = i64::from_be_bytes(int(b)?);
            if micros == i64::MAX || micros == i64::MIN {
                return Ok(false);
            }
            push_timestamp(micros, out);
        }
    }
    Ok(true)
}

fn push_uuid(u: [u8; 16], out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [b'-'; 36];
    let mut at = 0;
    for (i, byte) in u.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            at += 1;
        }
        buf[at] = HEX[(byte >> 4) as usize];
        buf[at + 1] = HEX[(byte & 15) as usize];
        at += 2;
    }
    crate::row::push_ascii(out, &buf);
}

/// `to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')` in UTC: fractions dropped,
/// at least four year digits, a year BC as its number (1 BC is 0001).
fn push_timestamp(micros: i64, out: &mut String) {
    const EPOCH_2000: i64 = 946_684_800;
    /// 0001-01-01 and 10000-01-01 in Unix seconds: the years of four digits.
    const FOUR_DIGITS: std::ops::Range<i64> = -62_135_596_800..253_402_300_800;
    let secs = micros.div_euclid(1_000_000) + EPOCH_2000;
    if FOUR_DIGITS.contains(&secs) {
        return crate::time::push_rfc3339(out, secs);
    }
    let (y, m, d) = crate::time::civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    let year = if y <= 0 { 1 - y } else { y };
    use std::fmt::Write;
    let _ = write!(
        out,
        "{year:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(d: Decode, b: &[u8]) -> Option<String> {
        let mut s = String::new();
        push_text(d, b, &mut s).unwrap().then_some(s)
    }

    #[test]
    fn binary_values_read_as_their_text() {
        assert_eq!(text(Decode::Int8, &(-42i64).to_be_bytes()).unwrap(), "-42");
        assert_eq!(text(Decode::Bool, &[0]).unwrap(), "false");
        assert_eq!(
            text(Decode::Jsonb, b"\x01{\"a\": 1}").unwrap(),
            "{\"a\": 1}"
        );
        let u = 0x0123_4567_89ab_cdef_0011_2233_4455_6677u128.to_be_bytes();
        assert_eq!(
            text(Decode::Uuid, &u).unwrap(),
            "01234567-89ab-cdef-0011-223344556677"
        );
        let ts = |m: i64| text(Decode::Timestamp, &m.to_be_bytes());
        assert_eq!(ts(0).unwrap(), "2000-01-01T00:00:00Z");
        assert_eq!(ts(-1).unwrap(), "1999-12-31T23:59:59Z");
        assert_eq!(ts(i64::MAX), None);
        // Outside four-digit years, as to_char writes them.
        let at = |y: i64, m: u32, d: u32| {
            (crate::time::days_from_civil(y, m, d) * 86_400 - 946_684_800) * 1_000_000
        };
        assert_eq!(ts(at(1, 1, 1)).unwrap(), "0001-01-01T00:00:00Z");
        assert_eq!(
            ts(at(0, 3, 1) + 43_200_999_000).unwrap(),
            "0001-03-01T12:00:00Z"
        );
        assert_eq!(ts(at(-1, 3, 1)).unwrap(), "0002-03-01T00:00:00Z");
        assert_eq!(
            ts(at(9999, 12, 31) + 86_399_999_999).unwrap(),
            "9999-12-31T23:59:59Z"
        );
        assert_eq!(ts(at(12345, 1, 1)).unwrap(), "12345-01-01T00:00:00Z");
        assert!(push_text(Decode::Int4, &[1, 2], &mut String::new()).is_err());
    }
}
