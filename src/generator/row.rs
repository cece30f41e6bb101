//! One generated row: typed fields over a reused text arena. Columns write
//! here once; sinks render it and the digest hashes its canonical form, so
//! every output format carries the same values.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Null,
    Text,
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
        self.spans.push((kind, self.open as u32, self.text.len() as u32));
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
    pub fn digest(&self) -> u128 {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for (k, s) in self.fields() {
            h.update(&[k as u8]);
            h.update(&(s.len() as u32).to_le_bytes());
            h.update(s.as_bytes());
        }
        h.digest128()
    }
}
