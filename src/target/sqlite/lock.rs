//! The writer lock of an SQLite target: an exclusive lock on a file beside
//! the database, holding the holder's pid. It vanishes with its process,
//! even a killed one, so a crash never leaves a stale lock behind.

use crate::error::{Error, Result};
use crate::target::{Lock, Target, busy};

/// The lock file, removed on release; the lock is the open file's.
struct Held(#[allow(dead_code)] std::fs::File, std::path::PathBuf);

impl Drop for Held {
    fn drop(&mut self) {
        // Removed while still locked: a run that opened the old file
        // finds it unlinked after locking it, and starts over.
        let _ = std::fs::remove_file(&self.1);
    }
}

pub fn lock_file(target: &Target, db: &std::path::Path) -> Result<Lock> {
    use std::io::{Read, Seek, Write};
    let mut name = db.as_os_str().to_owned();
    name.push("-understudy-lock");
    let path = std::path::PathBuf::from(name);
    let cannot = |e: std::io::Error| {
        Error::target(format!(
            "cannot lock {} ({}): {e}\n  hint: {}",
            target.redacted(),
            path.display(),
            target.hint()
        ))
    };
    loop {
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(cannot)?;
        match f.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut pid = String::new();
                let _ = f.read_to_string(&mut pid);
                let pid = pid.trim();
                let holder = if pid.is_empty() {
                    String::new()
                } else {
                    format!(" (pid {pid})")
                };
                return Err(busy(&target.redacted(), &holder));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(cannot(e)),
        }
        // The holder before us may have removed the file between our open
        // and our lock: then the lock is on a file nobody else will see.
        if !same_file(&f, &path) {
            continue;
        }
        f.set_len(0).map_err(cannot)?;
        f.rewind().map_err(cannot)?;
        write!(f, "{}", std::process::id()).map_err(cannot)?;
        return Ok(Lock::new(Held(f, path)));
    }
}

#[cfg(unix)]
fn same_file(f: &std::fs::File, path: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (f.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::File, path: &std::path::Path) -> bool {
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn a_second_writer_of_an_sqlite_target_is_refused_until_the_first_is_done() {
        let d = tempfile::tempdir().unwrap();
        let t = super::super::target(d.path().join("x.db"));
        let first = lock_file(&t, &d.path().join("x.db")).expect("first lock");
        let e = lock_file(&t, &d.path().join("x.db"))
            .err()
            .expect("refused");
        assert_eq!(e.kind, ErrorKind::Usage);
        assert!(
            e.message.contains(&format!(
                "another rehearsal (pid {}) is writing to this target",
                std::process::id()
            )),
            "{e}"
        );
        drop(first);
        assert!(!d.path().join("x.db-understudy-lock").exists());
        lock_file(&t, &d.path().join("x.db")).expect("free again");
    }
}
