//! One generated row: typed fields over a reused text arena. Columns write
//! here once; sinks render it and the digest hashes its canonical form, so
//! every output format carries the same values.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Null,
    Text,
    /// Text known to hold no byte that any format escapes (`,` `"` `\\`
    /// controls), such as ids, emails and names: sinks copy it as is.
    Plain,
    /// Text to be written as windows-1252 bytes even in a UTF-8 file
    /// (`file.mixed-encoding`): the value is the decoded string.
    Cp1252,
    Int,
    Bool,
    Json,
    Timestamp,
}

#[derive(Debug, Default, Clone)]
pub struct RowBuf {
    pub text: String,
    spans: Vec<(FieldKind, u32, u32)>,
    open: usize,
}

impl RowBuf {
    pub fn clear(&mut self) {
        self.text.clear();
        self.spans.clear();
    }

    /// Starts a field: write its text into `self.text`, then call `end`.
    #[inline]
    pub fn begin(&mut self) {
        self.open = self.text.len();
    }

    #[inline]
    pub fn end(&mut self, kind: FieldKind) {
        self.spans
            .push((kind, self.open as u32, self.text.len() as u32));
    }

    #[inline]
    pub fn null(&mut self) {
        let at = self.text.len() as u32;
        self.spans.push((FieldKind::Null, at, at));
    }

    #[inline]
    pub fn push(&mut self, kind: FieldKind, s: &str) {
        self.begin();
        self.text.push_str(s);
        self.end(kind);
    }

    /// Replaces field `i` (rebuilds the arena: rare, edge rows only).
    pub fn set(&mut self, i: usize, kind: FieldKind, value: &str) {
        let old: Vec<(FieldKind, String)> =
            self.fields().map(|(k, s)| (k, s.to_string())).collect();
        self.clear();
        for (j, (k, s)) in old.into_iter().enumerate() {
            if j == i {
                self.push(kind, value);
            } else if k == FieldKind::Null {
                self.null();
            } else {
                self.push(k, &s);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    #[inline]
    pub fn get(&self, i: usize) -> (FieldKind, &str) {
        let (k, a, b) = self.spans[i];
        (k, &self.text[a as usize..b as usize])
    }

    pub fn fields(&self) -> impl Iterator<Item = (FieldKind, &str)> {
        (0..self.spans.len()).map(|i| self.get(i))
    }

    /// Order-independent table digests add up these per-row hashes (wrapping).
    /// The row is canonical as (field kinds and lengths, concatenated text):
    /// the first seeds the xxh3-128 of the second.
    pub fn digest(&self) -> u128 {
        let mut layout = 0x243f_6a88_85a3_08d3u64;
        for &(k, a, b) in &self.spans {
            // Plain is Text with a promise: the same value, the same digest.
            let k = if k == FieldKind::Plain {
                FieldKind::Text
            } else {
                k
            };
            layout = crate::rng::mix64(layout ^ ((k as u64) << 32 | (b - a) as u64));
        }
        xxhash_rust::xxh3::xxh3_128_with_seed(self.text.as_bytes(), layout)
    }
}

/// Appends bytes known to be ASCII (formatting buffers built from digit and
/// hex tables).
#[inline]
pub fn push_ascii(out: &mut String, bytes: &[u8]) {
    debug_assert!(bytes.is_ascii());
    // ASCII is UTF-8; the check is a few cycles and keeps this safe code.
    if let Ok(s) = std::str::from_utf8(bytes) {
        out.push_str(s);
    }
}
