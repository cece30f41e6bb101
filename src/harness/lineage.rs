//! Attribution of refused rows. A row refused because a row it references
//! (its parent) was refused carries that row's labels as `parent:<label>`; a
//! row refused with no edge case of its own carries `no-edge-case:<class>`.
//! So every reject is counted under a cause, in the report's labels as in
//! rejects.jsonl and the target's reject table.

use super::{Plan, Reject};
use crate::row::FieldKind;
use crate::target::Rows;
use std::collections::HashMap;
use std::sync::Mutex;

pub use crate::report::metrics::{NO_EDGE_CASE, PARENT, fallback};

pub struct Lineage {
    /// Per table: (column, referenced table, referenced column), by index.
    links: Vec<Vec<(usize, usize, usize)>>,
    /// Per table: the columns some foreign key references.
    referenced: Vec<Vec<usize>>,
    /// Refused rows of this run: (table, column, value) → labels. Parents
    /// are loaded first (earlier groups, or earlier in the same batch).
    refused: Mutex<HashMap<(usize, usize, String), Vec<String>>>,
}

impl Lineage {
    pub fn new(plan: &Plan) -> Lineage {
        let n = plan.metas.len();
        let column =
            |t: usize, name: &str| plan.metas[t].columns.iter().position(|c| c.name == name);
        let mut links = vec![Vec::new(); n];
        let mut referenced = vec![Vec::new(); n];
        for (t, m) in plan.metas.iter().enumerate() {
            // A late key is not checked while rows load: it refuses none.
            for fk in m.foreign_keys.iter().filter(|f| !f.late) {
                let Some(rt) = plan.profile.table_index(&fk.references_table) else {
                    continue;
                };
                if let (Some(c), Some(rc)) =
                    (column(t, &fk.column), column(rt, &fk.references_column))
                {
                    links[t].push((c, rt, rc));
                    if !referenced[rt].contains(&rc) {
                        referenced[rt].push(rc);
                    }
                }
            }
        }
        Lineage {
            links,
            referenced,
            refused: Mutex::new(HashMap::new()),
        }
    }

    /// Remembers the rejects an earlier run recorded (`--resume`), by key:
    /// found again when a foreign key references a one-column primary key.
    pub fn recall(&self, plan: &Plan, rejects: &[Reject]) {
        let mut refused = self.refused.lock().unwrap_or_else(|e| e.into_inner());
        for r in rejects {
            let m = &plan.metas[r.table];
            for &c in &self.referenced[r.table] {
                if m.primary_key.len() == 1 && m.primary_key[0] == m.columns[c].name {
                    refused.insert((r.table, c, r.key.clone()), r.labels.clone());
                }
            }
        }
    }

    /// Labels the rejects found in `rows` (each with its row index) and
    /// remembers those other rows may reference.
    pub fn attribute(&self, rows: &Rows, found: Vec<(usize, Reject)>) -> Vec<Reject> {
        let t = rows.table;
        let mut refused = self.refused.lock().unwrap_or_else(|e| e.into_inner());
        found
            .into_iter()
            .map(|(r, mut reject)| {
                for &(c, rt, rc) in &self.links[t] {
                    let (kind, v) = rows.field(r, c);
                    if kind == FieldKind::Null {
                        continue;
                    }
                    if let Some(labels) = refused.get(&(rt, rc, v.to_string())) {
                        for l in labels {
                            let l = format!("{PARENT}{}", l.strip_prefix(PARENT).unwrap_or(l));
                            if !reject.labels.contains(&l) {
                                reject.labels.push(l);
                            }
                        }
                    }
                }
                if reject.labels.is_empty() {
                    reject.labels.push(fallback(reject.class.as_str()));
                }
                for &c in &self.referenced[t] {
                    let (kind, v) = rows.field(r, c);
                    if kind != FieldKind::Null {
                        refused.insert((t, c, v.to_string()), reject.labels.clone());
                    }
                }
                reject
            })
            .collect()
    }
}
