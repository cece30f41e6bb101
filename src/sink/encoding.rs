//! Output encodings for file formats (`--encoding`). Files are rendered in
//! UTF-8, then transcoded chunk by chunk. A value an encoding cannot hold is
//! never silently replaced: callers check `unrepresentable` first and skip
//! the row (or replace explicitly, labelled).

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Encoding {
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "utf-8-bom")]
    Utf8Bom,
    #[serde(rename = "utf-16le")]
    Utf16Le,
    #[serde(rename = "utf-16be")]
    Utf16Be,
    #[serde(rename = "windows-1252")]
    Windows1252,
    /// ISO-8859-1 proper (U+0000–U+00FF), not the WHATWG alias of windows-1252.
    #[serde(rename = "latin1")]
    Latin1,
}

pub const NAMES: &[&str] = &[
    "utf-8",
    "utf-8-bom",
    "utf-16le",
    "utf-16be",
    "windows-1252",
    "latin1",
];

impl std::str::FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Encoding::Utf8,
            "utf-8-bom" | "utf8-bom" => Encoding::Utf8Bom,
            "utf-16le" | "utf16le" => Encoding::Utf16Le,
            "utf-16be" | "utf16be" => Encoding::Utf16Be,
            "windows-1252" | "cp1252" => Encoding::Windows1252,
            "latin1" | "iso-8859-1" => Encoding::Latin1,
            o => {
                return Err(format!(
                    "unknown encoding `{o}`: use one of {}",
                    NAMES.join(", ")
                ));
            }
        })
    }
}

impl Encoding {
    /// UTF-8 in, UTF-8 out: no transcoding step.
    pub fn is_utf8(self) -> bool {
        matches!(self, Encoding::Utf8 | Encoding::Utf8Bom)
    }

    pub fn bom(self) -> &'static [u8] {
        match self {
            Encoding::Utf8Bom => b"\xEF\xBB\xBF",
            Encoding::Utf16Le => b"\xFF\xFE",
            Encoding::Utf16Be => b"\xFE\xFF",
            _ => b"",
        }
    }

    /// The first character this encoding cannot represent, if any.
    pub fn unrepresentable(self, s: &str) -> Option<char> {
        match self {
            Encoding::Latin1 => s.chars().find(|&c| c as u32 > 0xFF),
            Encoding::Windows1252 => s
                .chars()
                .find(|&c| !(c.is_ascii() || cp1252_byte(c).is_some())),
            _ => None,
        }
    }

    /// `s` with every unrepresentable character replaced by `?`.
    pub fn replace(self, s: &str) -> String {
        s.chars()
            .map(|c| {
                if self.unrepresentable(c.encode_utf8(&mut [0; 4])).is_some() {
                    '?'
                } else {
                    c
                }
            })
            .collect()
    }

    /// Transcodes rendered UTF-8 (already checked representable) in place.
    pub fn transcode(self, buf: &mut Vec<u8>) {
        if self.is_utf8() || buf.is_empty() {
            return;
        }
        // Raw non-UTF-8 bytes only come from file.* cases, which are not
        // injected into non-UTF-8 outputs.
        let text = String::from_utf8_lossy(buf).into_owned();
        buf.clear();
        match self {
            Encoding::Utf16Le => text
                .encode_utf16()
                .for_each(|u| buf.extend_from_slice(&u.to_le_bytes())),
            Encoding::Utf16Be => text
                .encode_utf16()
                .for_each(|u| buf.extend_from_slice(&u.to_be_bytes())),
            Encoding::Latin1 => buf.extend(text.chars().map(|c| c as u32 as u8)),
            Encoding::Windows1252 => buf.extend(text.chars().map(|c| {
                if c.is_ascii() {
                    c as u8
                } else {
                    cp1252_byte(c).unwrap_or(b'?')
                }
            })),
            Encoding::Utf8 | Encoding::Utf8Bom => unreachable!(),
        }
    }
}

/// The windows-1252 byte for a non-ASCII character (WHATWG mapping; the five
/// undefined bytes 0x81 0x8D 0x8F 0x90 0x9D map to the same C1 controls).
fn cp1252_byte(c: char) -> Option<u8> {
    let mut tmp = [0u8; 4];
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(c.encode_utf8(&mut tmp));
    // The five bytes Microsoft's table leaves undefined do not round-trip
    // through common decoders (Python's cp1252): treat them as unmappable.
    (!unmappable && bytes.len() == 1 && !matches!(bytes[0], 0x81 | 0x8D | 0x8F | 0x90 | 0x9D))
        .then(|| bytes[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_byte_encodings() {
        assert_eq!(Encoding::Latin1.unrepresentable("Müller"), None);
        assert_eq!(Encoding::Latin1.unrepresentable("€"), Some('€'));
        assert_eq!(Encoding::Windows1252.unrepresentable("€ Müller"), None);
        assert_eq!(Encoding::Windows1252.unrepresentable("Łukasz"), Some('Ł'));
        let mut b = "€ü".as_bytes().to_vec();
        Encoding::Windows1252.transcode(&mut b);
        assert_eq!(b, [0x80, 0xFC]);
        let mut b = "a€".as_bytes().to_vec();
        Encoding::Utf16Be.transcode(&mut b);
        assert_eq!(b, [0, b'a', 0x20, 0xAC]);
        assert_eq!(Encoding::Latin1.replace("Ł x"), "? x");
    }
}
