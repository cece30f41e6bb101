//! A group's records into numbered files, each opened with the layout's head,
//! closed with its tail, and split before it would pass the provider's limit
//! on bytes or records. Records arrive in user order, so the split (and every
//! byte) is the same at any thread count.

use super::Layout;
use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct Splitter {
    dir: PathBuf,
    /// Sub-directory of the group ("" for providers with one group).
    group: String,
    pub note: String,
    layout: Layout,
    head: String,
    file: Option<std::io::BufWriter<std::fs::File>>,
    bytes: u64,
    records: u64,
    pub files: Vec<String>,
    pub users: u64,
}

fn io(path: &Path, e: std::io::Error) -> Error {
    Error::io("write", path, e)
}

impl Splitter {
    pub fn new(dir: &Path, group: &str, note: String, layout: Layout, head: String) -> Splitter {
        Splitter {
            dir: dir.to_path_buf(),
            group: group.to_string(),
            note,
            layout,
            head,
            file: None,
            bytes: 0,
            records: 0,
            files: Vec::new(),
            users: 0,
        }
    }

    fn open(&mut self) -> Result<()> {
        let name = format!(
            "{}-{:04}.{}",
            self.layout.stem,
            self.files.len() + 1,
            self.layout.extension
        );
        let rel = if self.group.is_empty() {
            name
        } else {
            format!("{}/{name}", self.group)
        };
        let path = self.dir.join(&rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).map_err(|e| io(p, e))?;
        }
        let f = std::fs::File::create(&path).map_err(|e| io(&path, e))?;
        let mut w = std::io::BufWriter::with_capacity(1 << 16, f);
        w.write_all(self.head.as_bytes())
            .map_err(|e| io(&path, e))?;
        self.file = Some(w);
        self.bytes = self.head.len() as u64;
        self.records = 0;
        self.files.push(rel);
        Ok(())
    }

    pub fn close(&mut self) -> Result<()> {
        if let Some(mut w) = self.file.take() {
            let path = self.dir.join(self.files.last().map_or("", |s| s.as_str()));
            w.write_all(self.layout.tail.as_bytes())
                .and_then(|_| w.flush())
                .map_err(|e| io(&path, e))?;
        }
        Ok(())
    }

    pub fn push(&mut self, record: &[u8]) -> Result<()> {
        let l = self.layout;
        let sep = l.separator.len() as u64;
        let tail = l.tail.len() as u64;
        let len = record.len() as u64;
        if self.file.is_some() {
            let over_bytes = l
                .max_bytes
                .is_some_and(|m| self.bytes + sep + len + tail > m);
            let over_records = l.max_records.is_some_and(|m| self.records >= m);
            if over_bytes || over_records {
                self.close()?;
            }
        }
        if self.file.is_none() {
            self.open()?;
            if let Some(m) = l.max_bytes.filter(|m| self.bytes + len + tail > *m) {
                return Err(Error::usage(format!(
                    "one record of {len} bytes does not fit the provider's {m}-byte file limit"
                )));
            }
        }
        let path = self.dir.clone();
        let w = self.file.as_mut().expect("open");
        if self.records > 0 {
            w.write_all(l.separator.as_bytes())
                .map_err(|e| io(&path, e))?;
            self.bytes += sep;
        }
        w.write_all(record).map_err(|e| io(&path, e))?;
        self.bytes += len;
        self.records += 1;
        self.users += 1;
        Ok(())
    }
}
