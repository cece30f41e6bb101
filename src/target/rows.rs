//! The rows a connection loads: one table's generated rows in a flat arena
//! (no allocation per row), with their edge-case labels beside them.

use crate::row::{FieldKind, RowBuf};

/// Rows of one table: `ncols` spans per row over one text arena.
#[derive(Debug, Default, Clone)]
pub struct Rows {
    pub table: usize,
    pub ncols: usize,
    text: String,
    spans: Vec<(FieldKind, u32, u32)>,
    /// Edge-case labels by row (rows without cases have none).
    labels: Vec<(u32, String)>,
}

impl Rows {
    pub fn new(table: usize, ncols: usize) -> Rows {
        Rows {
            table,
            ncols,
            ..Rows::default()
        }
    }

    pub fn clear(&mut self) {
        self.text.clear();
        self.spans.clear();
        self.labels.clear();
    }

    /// Labels the row pushed last.
    pub fn label_last(&mut self, label: &str) {
        let r = (self.len() - 1) as u32;
        self.labels.push((r, label.to_string()));
    }

    pub fn labels_of(&self, row: usize) -> Vec<String> {
        self.labels
            .iter()
            .filter(|(r, _)| *r as usize == row)
            .map(|(_, l)| l.clone())
            .collect()
    }

    pub fn push(&mut self, row: &RowBuf) {
        for (k, s) in row.fields() {
            let a = self.text.len() as u32;
            self.text.push_str(s);
            self.spans.push((k, a, self.text.len() as u32));
        }
    }

    pub fn len(&self) -> usize {
        self.spans.len().checked_div(self.ncols).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    #[inline]
    pub fn field(&self, row: usize, col: usize) -> (FieldKind, &str) {
        let (k, a, b) = self.spans[row * self.ncols + col];
        (k, &self.text[a as usize..b as usize])
    }

    /// The row's key: its primary-key fields joined by U+001F.
    pub fn key(&self, row: usize, pk: &[usize]) -> String {
        let mut out = String::new();
        for (i, &c) in pk.iter().enumerate() {
            if i > 0 {
                out.push('\u{1f}');
            }
            out.push_str(self.field(row, c).1);
        }
        out
    }
}
