//! The output directory: refused when not empty without `--force`, written
//! through `.NAME.partial` files renamed into place once the run is complete.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// A temporary file beside the outputs, already unlinked: it disappears
/// with its handle, even when the run is interrupted.
pub(super) fn spill_file(dir: &Path, name: &str) -> Result<std::fs::File> {
    let path = dir.join(format!(".{name}.spill"));
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io("create", &path, e))?;
    std::fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
    Ok(f)
}

pub(super) fn write_err(path: &str, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Error::usage("output closed early (broken pipe)")
    } else {
        Error::usage(format!("cannot write {path}: {e}"))
    }
}

/// Output files written under temporary names (`.NAME.partial`) and renamed
/// once the run is complete, `manifest.json` last: an interrupted or failed
/// run never leaves a file that looks complete. Dropped uncommitted, it
/// removes what it wrote.
pub(super) struct Staged {
    pub(super) dir: PathBuf,
    /// Final names, in creation order.
    files: Vec<String>,
    committed: bool,
}

impl Staged {
    pub(super) fn new(dir: PathBuf) -> Staged {
        Staged {
            dir,
            files: Vec::new(),
            committed: false,
        }
    }

    fn temp(&self, name: &str) -> PathBuf {
        self.dir.join(format!(".{name}.partial"))
    }

    pub(super) fn create(&mut self, name: &str) -> Result<std::fs::File> {
        let path = self.temp(name);
        let f = std::fs::File::create(&path).map_err(|e| Error::io("create", &path, e))?;
        self.files.push(name.to_string());
        Ok(f)
    }

    pub(super) fn create_private(
        &mut self,
        name: &str,
    ) -> Result<std::io::BufWriter<std::fs::File>> {
        let w = open_private(&self.temp(name))?;
        self.files.push(name.to_string());
        Ok(w)
    }

    pub(super) fn write_err(&self, name: &str, e: std::io::Error) -> Error {
        write_err(&self.dir.join(name).display().to_string(), e)
    }

    /// Writes the manifest, removes the files an earlier run listed in its
    /// manifest that this run does not write (so `--force` leaves no stale
    /// table or sidecar), then renames everything into place.
    pub(super) fn commit(mut self, manifest: &str) -> Result<()> {
        let temp = self.temp("manifest.json");
        self.files.push("manifest.json".into());
        std::fs::write(&temp, manifest).map_err(|e| self.write_err("manifest.json", e))?;
        let old_manifest = self.dir.join("manifest.json");
        let stale = earlier_run_files(&old_manifest);
        if old_manifest.exists() {
            std::fs::remove_file(&old_manifest)
                .map_err(|e| Error::io("remove", &old_manifest, e))?;
        }
        for name in stale.iter().filter(|n| !self.files.contains(n)) {
            let path = self.dir.join(name);
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(Error::io("remove the earlier run's", &path, e));
                }
                _ => {}
            }
        }
        for name in &self.files {
            let (from, to) = (self.temp(name), self.dir.join(name));
            std::fs::rename(&from, &to).map_err(|e| Error::io("rename into", &to, e))?;
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            for name in &self.files {
                let _ = std::fs::remove_file(self.temp(name));
            }
        }
    }
}

/// The files an earlier run's manifest says it wrote (plain names only).
fn earlier_run_files(manifest: &Path) -> Vec<String> {
    let Some(m) = std::fs::read(manifest)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .filter(|m| m["tool"] == "understudy")
    else {
        return Vec::new();
    };
    let mut names: Vec<&serde_json::Value> = m["tables"]
        .as_array()
        .map(|t| t.iter().map(|t| &t["file"]).collect())
        .unwrap_or_default();
    names.extend([
        &m["edge_cases"]["labels_file"],
        &m["unrepresentable"]["file"],
        &m["passwords_file"],
    ]);
    names
        .into_iter()
        .filter_map(|v| v.as_str())
        .filter(|n| !n.is_empty() && *n != "." && *n != ".." && !n.contains(['/', '\\']))
        .map(str::to_string)
        .collect()
}

pub(super) fn prepare_dir(dir: &Path, force: bool) -> Result<()> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() && !force {
                return Err(Error::usage(format!(
                    "output directory {} is not empty\n  use --force to overwrite the files understudy writes there, or choose another --out",
                    dir.display()
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))
        }
        Err(e) => Err(Error::io("open directory", dir, e)),
    }
}

/// A file only its owner can read (0600), for plaintext passwords.
fn open_private(path: &Path) -> Result<std::io::BufWriter<std::fs::File>> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let f = o.open(path).map_err(|e| Error::io("create", path, e))?;
    #[cfg(unix)]
    {
        // An existing file keeps its old mode on open: set it explicitly.
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io("protect", path, e))?;
    }
    Ok(std::io::BufWriter::new(f))
}
