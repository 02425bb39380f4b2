//! The one atomic-write primitive every sink uses (the output folder's pages, the tarball,
//! the nginx snippet, the ready file, the owned-pages record): a temporary file
//! `.downpage-tmp-<pid>-…` in the target's own folder, created mode 0644 whatever the umask,
//! written, then renamed over the target, so a reader sees the old file or the new one, never
//! a part. Until the rename, dropping it removes the temporary file: a failed run leaves the
//! old file and no leftovers. I/O errors carry the usual fix ([`explain`]).

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::safe_path::TEMP_PREFIX;

/// The mode of every file downpage writes.
pub const FILE_MODE: u32 = 0o644;

/// What to say when a folder is not writable, by default.
pub const WRITABLE_FIX: &str = "make its folder writable by this user, or choose a writable path";

/// A temporary file being written beside its target.
pub struct AtomicFile {
    file: File,
    staged: Staged,
    /// The fix named when writing fails because the folder is not writable.
    writable_fix: &'static str,
}

/// A written temporary file waiting to be renamed over its target ([`Staged::commit`]);
/// dropped before, it is removed.
#[must_use = "call commit to move the file into place"]
#[derive(Debug)]
pub struct Staged {
    /// (temporary file, target); `None` once committed.
    paths: Option<(PathBuf, PathBuf)>,
    what: String,
}

impl AtomicFile {
    /// Creates `.downpage-tmp-<pid>-<file name>` beside `target`; `what` names the file in
    /// errors (`DOWNPAGE_TARBALL pages.tar.gz`).
    pub fn beside(target: &Path, what: &str) -> Result<AtomicFile> {
        let name = target
            .file_name()
            .with_context(|| format!("{} has no file name", target.display()))?;
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let mut temp_name = format!("{TEMP_PREFIX}{}-", std::process::id());
        temp_name.push_str(&name.to_string_lossy());
        let temp = dir.join(temp_name);
        // Ours by name (this pid): only a killed run that had the same pid can have left it.
        let _ = fs::remove_file(&temp);
        AtomicFile::create(&temp, target.to_path_buf(), what, WRITABLE_FIX, true)
    }

    /// Creates the temporary file `temp` (in `target`'s folder, named by the caller) for
    /// `target`. `chmod`: set the mode explicitly (needed unless the umask is known to keep
    /// 0644). `writable_fix` is said when the folder is not writable.
    pub fn create(
        temp: &Path,
        target: PathBuf,
        what: &str,
        writable_fix: &'static str,
        chmod: bool,
    ) -> Result<AtomicFile> {
        let staged = Staged {
            paths: Some((temp.to_path_buf(), target)),
            what: what.to_string(),
        };
        let open = || -> std::io::Result<File> {
            let f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(FILE_MODE)
                .open(temp)?;
            if chmod {
                f.set_permissions(fs::Permissions::from_mode(FILE_MODE))?;
            }
            Ok(f)
        };
        // On failure `staged` is dropped: a half-created temporary file goes too.
        let file = open().map_err(|e| explain(e, what, writable_fix))?;
        Ok(AtomicFile {
            file,
            staged,
            writable_fix,
        })
    }

    /// Whether the file came out 0644 (the umask kept those bits), so later files need no
    /// `chmod`.
    pub fn mode_is_right(&self) -> bool {
        self.file
            .metadata()
            .is_ok_and(|m| m.permissions().mode() & 0o777 == FILE_MODE)
    }

    /// Sets the mode to 0644 (when the umask took bits away).
    pub fn fix_mode(&self) -> Result<()> {
        self.file
            .set_permissions(fs::Permissions::from_mode(FILE_MODE))
            .map_err(|e| explain(e, &self.staged.what, self.writable_fix))
    }

    /// Appends `bytes`.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        self.file
            .write_all(bytes)
            .map_err(|e| explain(e, &self.staged.what, self.writable_fix))
    }

    /// The open file, for writers that stream into it (the tarball's encoder).
    pub fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// The temporary file's path.
    pub fn temp(&self) -> &Path {
        self.staged.paths.as_ref().map_or(Path::new(""), |(t, _)| t)
    }

    /// The open file and the pending rename, for a writer that takes the file (the
    /// tarball's encoder); the caller closes the file before committing.
    pub fn into_parts(self) -> (File, Staged) {
        (self.file, self.staged)
    }

    /// Closes the file: written, waiting for the rename.
    pub fn close(mut self) -> Result<Staged> {
        self.file
            .flush()
            .map_err(|e| explain(e, &self.staged.what, self.writable_fix))?;
        Ok(self.staged)
    }
}

impl Staged {
    /// Renames the temporary file over the target.
    pub fn commit(mut self) -> Result<()> {
        if let Some((temp, target)) = self.paths.take()
            && let Err(e) = fs::rename(&temp, &target)
        {
            let _ = fs::remove_file(&temp);
            return Err(e).with_context(|| {
                format!("moving {} into place from {}", self.what, temp.display())
            });
        }
        Ok(())
    }

    /// The temporary file and the target, until committed.
    pub fn paths(&self) -> Option<(&Path, &Path)> {
        self.paths.as_ref().map(|(t, p)| (t.as_path(), p.as_path()))
    }

    /// Gives up: removes the temporary file now.
    pub fn discard(mut self) {
        if let Some((temp, _)) = self.paths.take() {
            let _ = fs::remove_file(temp);
        }
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some((temp, _)) = &self.paths {
            let _ = fs::remove_file(temp);
        }
    }
}

/// An I/O error while writing `what`, with the fix for the usual causes; `writable_fix` is
/// the fix for a folder that is not writable.
pub fn explain(e: std::io::Error, what: &str, writable_fix: &str) -> anyhow::Error {
    let hint = match e.kind() {
        ErrorKind::NotFound => ": its folder does not exist; create it or fix the path".to_string(),
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => format!(": {writable_fix}"),
        ErrorKind::StorageFull => {
            ": the disk is full; free space or choose another volume".to_string()
        }
        ErrorKind::BrokenPipe => {
            ": the reading end closed early (nothing was written completely)".to_string()
        }
        _ => String::new(),
    };
    anyhow::Error::new(e).context(format!("writing {what}{hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_then_renamed_0644_and_dropped_leaves_nothing() {
        let dir = std::env::temp_dir().join(format!("downpage-atomic-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let target = dir.join("a.html");
        let mut f = AtomicFile::beside(&target, "page a.html").unwrap();
        f.write_all(b"one").unwrap();
        let staged = f.close().unwrap();
        assert!(!target.exists(), "nothing visible before commit");
        staged.commit().unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"one");
        let mode = fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, FILE_MODE);
        let mut f = AtomicFile::beside(&target, "page a.html").unwrap();
        f.write_all(b"two").unwrap();
        drop(f.close().unwrap());
        assert_eq!(fs::read(&target).unwrap(), b"one");
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file left"
        );
        let Err(e) = AtomicFile::beside(&dir.join("no/such.html"), "page x") else {
            panic!("a file in a missing folder was created");
        };
        assert_eq!(
            format!("{e}"),
            "writing page x: its folder does not exist; create it or fix the path"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
