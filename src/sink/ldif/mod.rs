//! LDIF (RFC 2849): the users as an OpenLDAP directory export, loadable by
//! `slapadd -l` or `ldapadd -f` on its own. `users.ldif` opens with the
//! entries above the people (the suffix, each RDN down to the base DN,
//! `ou=groups`), then one `inetOrgPerson` entry per user
//! (`entry.rs`: the row → entry mapping). The profile's join table, when it
//! has one (`[ldap] groups`), becomes `<join table>.ldif`: one `groupOfNames`
//! per referenced row, its members the DNs of the users that reference it.
//!
//! Values are plain only when RFC 2849 allows it (`line.rs`), else base64.
//! There is no `version: 1` line: slapadd (OpenLDAP 2.5) reads it as an entry
//! without a DN and stops, and slapcat writes none. With `--shard K/N`, only
//! shard 1 writes the base entries, so the shards' `users.ldif` files
//! concatenate into the whole.

mod entry;
mod line;
mod read;

pub use entry::{Directory, Entry, PERSON_CLASSES, ldap_value};
pub use line::{attr, is_plain};
pub use read::parse;

use super::{Format, TableMeta};
use crate::generator::table::Gen;
use crate::profile::{Kind, Profile};
use crate::row::RowBuf;
use std::cell::RefCell;
use std::io::{Read, Seek, Write};
use std::path::Path;

/// OpenLDAP's tools fold at 76 columns.
pub const DEFAULT_WRAP: usize = 76;

pub struct Ldif {
    pub dir: Directory,
    /// Fold lines longer than this (0: never).
    wrap: usize,
    /// Shard 1 (or unsharded): writes the base entries.
    first_shard: bool,
    groups: Option<Groups>,
}

/// `groupOfNames` entries from a join table of the users table.
struct Groups {
    /// The join table and its reference column.
    table: String,
    reference: usize,
    /// The referenced root table, its key column, and a `cycle` column whose
    /// values name its rows uniquely (else groups are named `<table>-<key>`).
    lookup: usize,
    key: usize,
    name: Option<usize>,
}

thread_local! {
    /// The DN of the users row rendered last on this thread. A worker renders
    /// a chunk's rows in generation order, each user before its child rows
    /// (`generator::plan::rows_in`), so a join row reads its user's DN here.
    static USER_DN: RefCell<String> = const { RefCell::new(String::new()) };
}

impl Ldif {
    pub fn new(profile: &Profile, wrap: usize, first_shard: bool) -> Result<Ldif, String> {
        let dir = Directory::new(profile)?;
        let groups = profile.ldap.groups.map(|j| {
            let t = &profile.tables[j];
            let (reference, lookup) = t
                .columns
                .iter()
                .enumerate()
                .find_map(|(i, c)| match c.kind {
                    Kind::Reference {
                        table,
                        distinct: true,
                        ..
                    } => Some((i, table)),
                    _ => None,
                })
                .expect("[ldap] groups is a table with a distinct reference");
            let lt = &profile.tables[lookup];
            let rows = profile.max_rows(lookup, 0).unwrap_or(u64::MAX);
            let name = lt.columns.iter().position(|c| match &c.kind {
                Kind::Cycle { values } => {
                    let mut v: Vec<&String> = values.iter().collect();
                    v.sort();
                    v.dedup();
                    v.len() == values.len() && values.len() as u64 >= rows
                }
                _ => false,
            });
            Groups {
                table: t.name.clone(),
                reference,
                lookup,
                key: lt.primary_key[0],
                name,
            }
        });
        Ok(Ldif {
            dir,
            wrap,
            first_shard,
            groups,
        })
    }

    /// Writes one entry, its attributes in order, and the blank line after it.
    pub fn write_entry(e: &Entry, wrap: usize, out: &mut Vec<u8>) {
        attr(out, "dn", e.dn.as_bytes(), wrap);
        for (name, v) in &e.attrs {
            attr(out, name, v.as_bytes(), wrap);
        }
        out.push(b'\n');
    }

    fn is_groups(&self, t: &TableMeta) -> bool {
        self.groups.as_ref().is_some_and(|g| g.table == t.name)
    }
}

impl Format for Ldif {
    fn name(&self) -> &'static str {
        "ldif"
    }

    fn extension(&self) -> &'static str {
        "ldif"
    }

    fn writes(&self, t: &TableMeta) -> bool {
        t.name == self.dir.users || self.is_groups(t)
    }

    fn header(&self, t: &TableMeta, out: &mut Vec<u8>) {
        if t.name == self.dir.users && self.first_shard {
            for e in self.dir.base_entries(self.groups.is_some()) {
                Self::write_entry(&e, self.wrap, out);
            }
        }
    }

    fn row(&self, t: &TableMeta, row: &RowBuf, _nth: usize, out: &mut Vec<u8>) {
        if t.name == self.dir.users {
            let e = self.dir.entry(row);
            Self::write_entry(&e, self.wrap, out);
            USER_DN.with(|d| {
                let mut d = d.borrow_mut();
                d.clear();
                d.push_str(&e.dn);
            });
        } else if let Some(g) = self.groups.as_ref().filter(|g| g.table == t.name) {
            // A spill record for `collate`: the referenced key, then the
            // member line, each behind its length.
            let key = row.get(g.reference).1;
            let mut line = Vec::new();
            USER_DN.with(|d| attr(&mut line, "member", d.borrow().as_bytes(), self.wrap));
            for part in [key.as_bytes(), &line] {
                out.extend_from_slice(&(part.len() as u32).to_le_bytes());
                out.extend_from_slice(part);
            }
        }
    }

    fn refuse(
        &self,
        t: &TableMeta,
        row: &RowBuf,
        labels: &[(usize, &str)],
    ) -> Option<(usize, String)> {
        (t.name == self.dir.users)
            .then(|| self.dir.refusal(row, labels))
            .flatten()
    }

    fn collates(&self, t: &TableMeta) -> bool {
        self.is_groups(t)
    }

    fn collate(
        &self,
        t: &TableMeta,
        g: &Gen,
        spill: &mut std::fs::File,
        out: &mut dyn Write,
        scratch: &Path,
    ) -> std::io::Result<()> {
        let Some(groups) = self.groups.as_ref().filter(|gr| gr.table == t.name) else {
            return Ok(());
        };
        let names = group_names(groups, g);
        let index: std::collections::HashMap<&str, usize> = names
            .iter()
            .enumerate()
            .map(|(i, (k, _))| (k.as_str(), i))
            .collect();
        let under = self.dir.groups_dn();
        // A spill file per group of a batch: members are gathered group by
        // group, with memory bounded by the batch, not by the users.
        const BATCH: usize = 64;
        for first in (0..names.len()).step_by(BATCH) {
            let batch = first..(first + BATCH).min(names.len());
            let mut files = (batch.clone())
                .map(|i| scratch_file(scratch, i))
                .collect::<std::io::Result<Vec<_>>>()?;
            spill.rewind()?;
            let mut r = std::io::BufReader::with_capacity(1 << 16, &mut *spill);
            while let Some((key, line)) = record(&mut r)? {
                if let Some(&i) = index.get(String::from_utf8_lossy(&key).as_ref())
                    && batch.contains(&i)
                {
                    files[i - first].write_all(&line)?;
                }
            }
            for (k, w) in files.into_iter().enumerate() {
                let mut f = w.into_inner().map_err(|e| e.into_error())?;
                if f.stream_position()? == 0 {
                    continue; // groupOfNames needs a member: an empty group is left out
                }
                let cn = &names[first + k].1;
                let mut head = Vec::new();
                let e = Entry {
                    dn: format!("cn={},{under}", crate::dn::escaped(cn)),
                    attrs: vec![
                        ("objectClass", "top".into()),
                        ("objectClass", "groupOfNames".into()),
                        ("cn", cn.clone()),
                    ],
                };
                Self::write_entry(&e, self.wrap, &mut head);
                head.pop();
                out.write_all(&head)?;
                f.rewind()?;
                std::io::copy(&mut f, out)?;
                out.write_all(b"\n")?;
            }
        }
        Ok(())
    }
}

/// Each referenced row's key and its group's name.
fn group_names(groups: &Groups, g: &Gen) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut row = RowBuf::default();
    let mut scratch = crate::generator::table::Scratch::default();
    let lookup = groups.lookup;
    let name = &g.tables[lookup].name;
    crate::generator::plan::rows_in(
        g,
        lookup,
        &[],
        0..g.tables[lookup].rows,
        &[],
        &mut row,
        &mut scratch,
        |_, _, row, _| {
            let key = row.get(groups.key).1.to_string();
            let cn = match groups.name {
                Some(c) => row.get(c).1.to_string(),
                None => format!("{name}-{key}"),
            };
            out.push((key, cn));
        },
    );
    out
}

/// The next spill record, or `None` at the end.
fn record(r: &mut impl Read) -> std::io::Result<Option<(Vec<u8>, Vec<u8>)>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len) {
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        other => other?,
    }
    let mut key = vec![0u8; u32::from_le_bytes(len) as usize];
    r.read_exact(&mut key)?;
    r.read_exact(&mut len)?;
    let mut line = vec![0u8; u32::from_le_bytes(len) as usize];
    r.read_exact(&mut line)?;
    Ok(Some((key, line)))
}

/// A scratch file in `dir`, already unlinked: it disappears with its handle.
fn scratch_file(dir: &Path, i: usize) -> std::io::Result<std::io::BufWriter<std::fs::File>> {
    let p = dir.join(format!(".ldif-group-{}-{i}.partial", std::process::id()));
    let f = std::fs::OpenOptions::new()
        .create_new(true)
        .read(true)
        .write(true)
        .open(&p)?;
    std::fs::remove_file(&p)?;
    Ok(std::io::BufWriter::with_capacity(1 << 13, f))
}
