//! One chunk of rows, rendered by a worker: each row checked against the
//! output encoding and dialect, labelled, formatted and digested.

use super::pipeline::{ChunkOut, Driver};
use crate::generator::plan::rows_in;
use crate::generator::table::Scratch;
use crate::row::RowBuf;

impl Driver<'_> {
    /// Fills `out` (a recycled chunk, cleared here) with one chunk of rows.
    pub(super) fn work(&self, range: std::ops::Range<u64>, child_base: &[u64], out: &mut ChunkOut) {
        let n = self.metas.len();
        out.bufs.resize_with(n, Vec::new);
        out.bufs.iter_mut().for_each(Vec::clear);
        out.rows = vec![0; n];
        out.digests = vec![0; n];
        out.passwords.clear();
        out.labels.clear();
        out.unrepresentable.clear();
        out.edge_counts = vec![0; self.generator.edge.as_ref().map_or(0, |e| e.cases.len()) + 1];
        out.skipped = 0;
        out.skipped_keys.clear();
        out.replaced = 0;
        let mut row = RowBuf::default();
        let mut scratch = Scratch::default();
        scratch.want_password = self.emit_passwords;
        let mut key = String::new();
        let mut nth = vec![0usize; n];
        let root = self.table;
        // Rows set aside under the current root row, (table, index): their
        // children follow them, at any depth. Rare, and cleared per root row.
        let mut dropped: Vec<(usize, u64)> = Vec::new();
        rows_in(
            self.generator,
            root,
            &self.children,
            range,
            child_base,
            &mut row,
            &mut scratch,
            |t, id, row, scratch| {
                if t == root {
                    dropped.clear();
                    let kept = self.emit(t, row, scratch, &mut nth, out, None);
                    if !kept {
                        dropped.push((t, id.index));
                    } else if self.emit_passwords {
                        key.clear();
                        self.generator.push_key(t, id.index, &mut key);
                        sink_csv_pair(&mut out.passwords, &key, &scratch.password);
                    }
                } else {
                    // A skipped parent takes its children with it: no dangling keys.
                    let cascade = (!dropped.is_empty()
                        && (self.generator.tables[t].parent)
                            .is_some_and(|p| dropped.contains(&(p, id.parent))))
                    .then_some("its parent row was unrepresentable");
                    if !self.emit(t, row, scratch, &mut nth, out, cascade) {
                        dropped.push((t, id.index));
                    }
                }
            },
        );
        for (t, &k) in nth.iter().enumerate() {
            out.rows[t] = k as u64;
            if k > 0 {
                self.format.end_chunk(&self.metas[t], k, &mut out.bufs[t]);
            }
            self.encoding.transcode(&mut out.bufs[t]);
        }
    }

    /// Checks, labels, renders and digests one generated row. Returns false
    /// when the row was set aside as unrepresentable.
    fn emit(
        &self,
        t: usize,
        row: &mut RowBuf,
        scratch: &Scratch,
        nth: &mut [usize],
        out: &mut ChunkOut,
        skip: Option<&str>,
    ) -> bool {
        let meta = &self.metas[t];
        let pk = &self.generator.tables[t].pk;
        let field_name = |c: usize| meta.columns.get(c).map_or("password", |m| m.name.as_str());
        let mut reason = skip.map(|r| (usize::MAX, r.to_string()));
        if reason.is_none() && !self.skipped_refs.is_empty() {
            for fk in &meta.foreign_keys {
                let target = self
                    .metas
                    .iter()
                    .position(|m| m.name == fk.references_table);
                let col = meta.columns.iter().position(|c| c.name == fk.column);
                if let (Some(target), Some(col)) = (target, col)
                    && self
                        .skipped_refs
                        .get(&target)
                        .is_some_and(|keys| keys.contains(row.get(col).1))
                {
                    reason = Some((
                        col,
                        format!(
                            "it refers to {} row {}, which was unrepresentable",
                            fk.references_table,
                            row.get(col).1
                        ),
                    ));
                    break;
                }
            }
        }
        if reason.is_none() && self.check_representable {
            for c in 0..row.len() {
                let (_, v) = row.get(c);
                if let Some(why) = crate::sink::unrepresentable(
                    self.format.name(),
                    self.dialect,
                    self.encoding,
                    meta.columns.get(c).map(|m| m.sql),
                    v,
                ) {
                    if self.replace_unrepresentable && self.encoding.unrepresentable(v).is_some() {
                        let (kind, v) = row.get(c);
                        let fixed = self.encoding.replace(v);
                        row.set(c, kind, &fixed);
                        out.replaced += 1;
                        push_label(
                            &mut out.labels,
                            &meta.name,
                            &row_key(row, pk),
                            field_name(c),
                            "encoding.replaced",
                        );
                        continue;
                    }
                    reason = Some((c, why));
                    break;
                }
            }
        }
        let labels = || {
            scratch
                .injections
                .iter()
                .map(|i| (i.column, self.generator.edge_label(i.case)))
        };
        if reason.is_none() {
            let found: Vec<(usize, &str)> = labels().collect();
            reason = self.format.refuse(meta, row, &found);
        }
        if let Some((col, why)) = reason {
            let rec = serde_json::json!({
                "table": meta.name,
                "row_key": row_key(row, pk),
                "field": (col != usize::MAX).then(|| field_name(col)),
                "labels": labels().map(|(_, l)| l).collect::<Vec<_>>(),
                "reason": why,
            });
            out.unrepresentable
                .extend_from_slice(rec.to_string().as_bytes());
            out.unrepresentable.push(b'\n');
            out.skipped += 1;
            out.skipped_keys.push((t, row_key(row, pk)));
            return false;
        }
        for inj in &scratch.injections {
            let slot = if inj.case == crate::generator::table::NFC_TWIN {
                out.edge_counts.len() - 1
            } else {
                inj.case
            };
            out.edge_counts[slot] += 1;
            push_label(
                &mut out.labels,
                &meta.name,
                &row_key(row, pk),
                field_name(inj.column),
                self.generator.edge_label(inj.case),
            );
        }
        self.format.row(meta, row, nth[t], &mut out.bufs[t]);
        nth[t] += 1;
        out.digests[t] = out.digests[t].wrapping_add(row.digest());
        true
    }
}

/// The row's primary key as text (`|` between the parts of a composite key).
fn row_key(row: &RowBuf, pk: &[usize]) -> String {
    pk.iter()
        .map(|&c| row.get(c).1)
        .collect::<Vec<_>>()
        .join("|")
}

fn push_label(out: &mut Vec<u8>, table: &str, key: &str, field: &str, label: &str) {
    for (i, v) in [table, key, field, label].iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        crate::sink::csv_field(out, v);
    }
    out.push(b'\n');
}

fn sink_csv_pair(out: &mut Vec<u8>, key: &str, password: &str) {
    crate::sink::csv_field(out, key);
    out.push(b',');
    crate::sink::csv_field(out, password);
    out.push(b'\n');
}
