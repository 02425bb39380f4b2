//! One file written atomically (the tarball, the nginx snippet, the ready file, the
//! owned-pages record) with [`super::atomic`]: a temporary file beside the target, renamed
//! over it, so a reader sees the old file or the new one, never a part.
//! Same bytes already there: the file and its mtime are left alone. A device or pipe
//! (`/dev/stdout`, a FIFO) cannot be renamed over, so it is written in place.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::atomic::{AtomicFile, FILE_MODE, Staged, WRITABLE_FIX};

/// What writing a file did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// New bytes went in.
    Changed,
    /// The same bytes were already there.
    Unchanged,
}

/// A file written beside its target and not yet moved into place; dropping it removes the
/// temporary file, so a failed run leaves the old file and no leftovers.
#[must_use = "call commit to move the file into place"]
pub struct Pending {
    /// The rename still to do, when there is one.
    staged: Option<Staged>,
    outcome: Written,
}

impl Pending {
    /// Moves the file into place.
    pub fn commit(self) -> Result<Written> {
        if let Some(staged) = self.staged {
            staged.commit()?;
        }
        Ok(self.outcome)
    }
}

/// Writes `bytes` to `path` atomically; `what` names the file in errors (`DOWNPAGE_TARBALL
/// pages.tar.gz`).
pub fn replace(path: &Path, bytes: &[u8], what: &str) -> Result<Written> {
    prepare(path, bytes, what)?.commit()
}

/// Does all the writing that can fail on a full disk or a bad path, without replacing
/// anything yet: the bytes go to a temporary file beside the target (or, for a device or
/// pipe, straight into it). Same bytes already there: nothing to do.
pub fn prepare(path: &Path, bytes: &[u8], what: &str) -> Result<Pending> {
    let done = |outcome| Pending {
        staged: None,
        outcome,
    };
    let target = match fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            bail!("{what} is a folder: give a file path")
        }
        Ok(m) if m.is_file() => {
            if m.len() == bytes.len() as u64
                && m.permissions().mode() & 0o777 == FILE_MODE
                && fs::read(path).is_ok_and(|old| old == bytes)
            {
                return Ok(done(Written::Unchanged));
            }
            // Through a symbolic link, replace the file it points to (not the link).
            fs::canonicalize(path).with_context(|| format!("resolving {what}"))?
        }
        Ok(m) if is_special(m.file_type()) => {
            write_in_place(path, bytes, what)?;
            return Ok(done(Written::Changed));
        }
        Ok(_) => path.to_path_buf(),
        Err(e) if e.kind() == ErrorKind::NotFound => path.to_path_buf(),
        Err(e) => return Err(e).with_context(|| format!("reading {what}")),
    };
    let mut file = AtomicFile::beside(&target, what)?;
    file.write_all(bytes)?;
    Ok(Pending {
        staged: Some(file.close()?),
        outcome: Written::Changed,
    })
}

/// A file being written piece by piece (the tarball): [`start`] opens it and gives the file
/// to write into; once it is written and closed, [`Started::finish`] gives the [`Pending`]
/// replacement. Dropped before: the temporary file goes.
pub struct Started {
    pending: Pending,
    /// The file to compare with at the end (same bytes: left alone), if any.
    compare: Option<PathBuf>,
}

/// Opens `path` for writing as [`prepare`] does: a temporary file beside it, or a device or
/// pipe in place.
pub fn start(path: &Path, what: &str) -> Result<(fs::File, Started)> {
    let (target, compare) = match fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            bail!("{what} is a folder: give a file path")
        }
        Ok(m) if m.is_file() => {
            let target = fs::canonicalize(path).with_context(|| format!("resolving {what}"))?;
            (target.clone(), Some(target))
        }
        Ok(m) if is_special(m.file_type()) => {
            let file = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| explain(e, what))?;
            let started = Started {
                pending: Pending {
                    staged: None,
                    outcome: Written::Changed,
                },
                compare: None,
            };
            return Ok((file, started));
        }
        Ok(_) => (path.to_path_buf(), None),
        Err(e) if e.kind() == ErrorKind::NotFound => (path.to_path_buf(), None),
        Err(e) => return Err(e).with_context(|| format!("reading {what}")),
    };
    let (file, staged) = AtomicFile::beside(&target, what)?.into_parts();
    let pending = Pending {
        staged: Some(staged),
        outcome: Written::Changed,
    };
    Ok((file, Started { pending, compare }))
}

impl Started {
    /// After the last write: the replacement, or nothing to do when the old file has the
    /// same bytes and mode (the temporary file goes).
    pub fn finish(self) -> Result<Pending> {
        let Started {
            mut pending,
            compare,
        } = self;
        let temp = pending
            .staged
            .as_ref()
            .and_then(Staged::paths)
            .map(|(temp, _)| temp.to_path_buf());
        if let (Some(old), Some(temp)) = (compare, temp)
            && fs::metadata(&old).is_ok_and(|m| m.permissions().mode() & 0o777 == FILE_MODE)
            && same_bytes(&old, &temp)
        {
            if let Some(staged) = pending.staged.take() {
                staged.discard();
            }
            pending.outcome = Written::Unchanged;
        }
        Ok(pending)
    }
}

/// Whether two files hold the same bytes, read in chunks (a tarball can be big).
fn same_bytes(a: &Path, b: &Path) -> bool {
    use std::io::Read;
    let (Ok(fa), Ok(fb)) = (fs::File::open(a), fs::File::open(b)) else {
        return false;
    };
    match (fa.metadata(), fb.metadata()) {
        (Ok(ma), Ok(mb)) if ma.len() == mb.len() => {}
        _ => return false,
    }
    let (mut ra, mut rb) = (
        std::io::BufReader::with_capacity(64 * 1024, fa),
        std::io::BufReader::with_capacity(64 * 1024, fb),
    );
    let (mut ba, mut bb) = (vec![0; 64 * 1024], vec![0; 64 * 1024]);
    loop {
        let Ok(n) = ra.read(&mut ba) else {
            return false;
        };
        if n == 0 {
            return rb.read(&mut bb[..1]).is_ok_and(|m| m == 0);
        }
        if rb.read_exact(&mut bb[..n]).is_err() || ba[..n] != bb[..n] {
            return false;
        }
    }
}

fn is_special(t: fs::FileType) -> bool {
    t.is_char_device() || t.is_fifo() || t.is_socket() || t.is_block_device()
}

/// A device or pipe: opened and written, no temporary file.
fn write_in_place(path: &Path, bytes: &[u8], what: &str) -> Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| explain(e, what))?;
    f.write_all(bytes)
        .and_then(|()| f.flush())
        .map_err(|e| explain(e, what))
}

/// An I/O error while writing `what`, with the fix for the usual causes.
pub fn explain(e: std::io::Error, what: &str) -> anyhow::Error {
    super::atomic::explain(e, what, WRITABLE_FIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("downpage-file-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn writes_then_leaves_same_bytes_alone_and_leaves_no_temp() {
        let dir = scratch("replace");
        let path = dir.join("a.tar.gz");
        assert_eq!(replace(&path, b"one", "x").unwrap(), Written::Changed);
        assert_eq!(replace(&path, b"one", "x").unwrap(), Written::Unchanged);
        assert_eq!(replace(&path, b"two", "x").unwrap(), Written::Changed);
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        // A prepared file that is dropped replaces nothing and leaves nothing.
        drop(prepare(&path, b"three", "x").unwrap());
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        let e = replace(&dir, b"x", "DOWNPAGE_TARBALL d").unwrap_err();
        assert_eq!(
            e.to_string(),
            "DOWNPAGE_TARBALL d is a folder: give a file path"
        );
        let e = replace(&dir.join("no/such.tar.gz"), b"x", "T").unwrap_err();
        assert!(
            format!("{e:#}").contains("its folder does not exist"),
            "{e:#}"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_full_device_is_an_error() {
        let e = replace(Path::new("/dev/full"), b"x", "T /dev/full").unwrap_err();
        assert!(format!("{e:#}").contains("the disk is full"), "{e:#}");
    }
}
