//! Civil-time conversions for timestamp columns (UTC, proleptic Gregorian),
//! after Howard Hinnant's `days_from_civil` algorithms.

pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS[Z]` into Unix seconds.
pub fn parse(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (num(0..4)?, num(5..7)? as u32, num(8..10)? as u32);
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let mut secs = days_from_civil(y, m, d) * 86_400;
    let rest = &s[10..];
    if !rest.is_empty() {
        let rest = rest.strip_suffix('Z').unwrap_or(rest);
        let rb = rest.as_bytes();
        if rb.len() != 9 || !(rb[0] == b'T' || rb[0] == b' ') || rb[3] != b':' || rb[6] != b':' {
            return None;
        }
        let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if h > 23 || mi > 59 || se > 59 {
            return None;
        }
        secs += h * 3600 + mi * 60 + se;
    }
    Some(secs)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

#[inline]
fn put2(buf: &mut [u8], at: usize, v: u32) {
    let i = (v as usize % 100) * 2;
    buf[at] = PAIRS[i];
    buf[at + 1] = PAIRS[i + 1];
}

/// Appends `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339, read as-is by PostgreSQL,
/// SQLite's date functions and every JSON consumer).
pub fn push_rfc3339(out: &mut String, secs: i64) {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400) as u32;
    let mut buf = *b"0000-00-00T00:00:00Z";
    let y = y.clamp(0, 9999) as u32;
    put2(&mut buf, 0, y / 100);
    put2(&mut buf, 2, y % 100);
    put2(&mut buf, 5, m);
    put2(&mut buf, 8, d);
    put2(&mut buf, 11, s / 3600);
    put2(&mut buf, 14, s / 60 % 60);
    put2(&mut buf, 17, s % 60);
    crate::row::push_ascii(out, &buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for z in [-1_000_000i64, -1, 0, 1, 10_957, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(parse("1970-01-01"), Some(0));
        assert_eq!(parse("2000-03-01T00:00:01Z"), Some(951_868_801));
        assert_eq!(parse("2023-02-29"), None);
        assert_eq!(parse("2024-02-29"), Some(1_709_164_800));
        let mut s = String::new();
        push_rfc3339(&mut s, 951_868_801);
        assert_eq!(s, "2000-03-01T00:00:01Z");
    }
}
