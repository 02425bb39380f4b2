//! The tarball sink (`DOWNPAGE_TARBALL`): every page into one reproducible `.tar.gz`, written
//! atomically to a file (or to stdout for `-`). Reproducible by construction, as cargo
//! packages are: sorted entries with their folders, modes 0644/0755, uid/gid 0 without user
//! or group names, every time `SOURCE_DATE_EPOCH`, and a gzip header without name or time.

use std::io::{IsTerminal, Write};
use std::os::fd::AsFd;

use anyhow::{Context, Result, bail};

use super::file::{self, Written};
use super::{Sink, Summary};
use crate::config::Tarball;
use crate::gzip;

/// Collects pages; `commit` writes the archive.
pub struct TarSink {
    target: Tarball,
    mtime: u64,
    files: Vec<(String, Vec<u8>)>,
    /// After `prepare`: the archive's size and, for a file, its pending replacement.
    prepared: Option<(u64, Option<file::Pending>)>,
}

impl TarSink {
    pub fn new(target: Tarball, mtime: u64) -> TarSink {
        TarSink {
            target,
            mtime,
            files: Vec::new(),
            prepared: None,
        }
    }
}

/// The `.tar.gz` bytes of `files` (relative `/`-separated paths), with every folder they
/// need as an entry of its own (`name/`), all in byte order of their names. Headers are
/// built by hand, as cargo does for its packages: GNU format (a name longer than 100 bytes
/// gets a `././@LongLink` entry), modes 0644/0755, uid/gid 0, empty user and group names,
/// every mtime `mtime`.
pub fn archive(files: &[(String, Vec<u8>)], mtime: u64) -> Result<Vec<u8>> {
    let mut entries: Vec<(&str, Option<&[u8]>)> = Vec::new();
    for (path, bytes) in files {
        entries.push((path, Some(bytes)));
        for (i, _) in path.match_indices('/') {
            entries.push((&path[..=i], None));
        }
    }
    entries.sort_unstable_by_key(|e| e.0);
    entries.dedup_by_key(|e| e.0);
    let mut tar = tar::Builder::new(Vec::new());
    for (path, bytes) in entries {
        let mut header = tar::Header::new_gnu();
        let (kind, mode, data) = match bytes {
            Some(data) => (tar::EntryType::Regular, 0o644, data),
            None => (tar::EntryType::Directory, 0o755, &[][..]),
        };
        header.set_entry_type(kind);
        header.set_mode(mode);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(mtime);
        header.set_size(data.len() as u64);
        tar.append_data(&mut header, path, data)
            .with_context(|| format!("adding {path} to the tarball"))?;
    }
    let tar = tar.into_inner().context("finishing the tarball")?;
    Ok(gzip::compress(&tar))
}

impl Sink for TarSink {
    fn stage(&mut self, dest: &str, bytes: &[u8]) -> Result<()> {
        self.files.push((dest.to_string(), bytes.to_vec()));
        Ok(())
    }

    /// Builds the archive and writes it: to stdout, or to a temporary file beside the target.
    fn prepare(&mut self) -> Result<()> {
        if self.prepared.is_some() {
            return Ok(());
        }
        let bytes = archive(&self.files, self.mtime)?;
        let pending = match &self.target {
            Tarball::Stdout => {
                write_stdout(&bytes)?;
                None
            }
            Tarball::File(path) => Some(file::prepare(
                path,
                &bytes,
                &format!("DOWNPAGE_TARBALL {}", path.display()),
            )?),
        };
        self.prepared = Some((bytes.len() as u64, pending));
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> Result<Summary> {
        self.prepare()?;
        let (size, pending) = self.prepared.take().expect("prepared above");
        let written = match pending {
            Some(p) => p.commit()?,
            None => Written::Changed,
        };
        Ok(Summary {
            archive: Some((size, written)),
            ..Summary::default()
        })
    }
}

/// Writes the archive to stdout through a duplicate of fd 1 as a plain file, so every write
/// error comes back (std's stdout buffers lines and treats a closed descriptor as success).
/// A terminal is refused, and so is /dev/null: the Rust runtime puts /dev/null on a closed
/// stdout (`>&-`), and the archive would be lost while the run reported success.
fn write_stdout(bytes: &[u8]) -> Result<()> {
    let what = "the tarball to stdout (DOWNPAGE_TARBALL=-)";
    let stdout = std::io::stdout();
    if stdout.is_terminal() {
        bail!(
            "DOWNPAGE_TARBALL=- writes a binary archive to stdout, which is a terminal: redirect it (> pages.tar.gz) or set a file path"
        );
    }
    let fd = stdout
        .as_fd()
        .try_clone_to_owned()
        .map_err(|e| file::explain(e, what))?;
    let mut out = std::fs::File::from(fd);
    if is_dev_null(&out) {
        bail!(
            "DOWNPAGE_TARBALL=- but stdout is closed or /dev/null, so the archive would be lost: redirect stdout to a file (> pages.tar.gz), or use downpage check to only test the pages"
        );
    }
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| file::explain(e, what))
}

fn is_dev_null(f: &std::fs::File) -> bool {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    match (f.metadata(), std::fs::metadata("/dev/null")) {
        (Ok(out), Ok(null)) => out.file_type().is_char_device() && out.rdev() == null.rdev(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use tar::EntryType;

    #[test]
    fn entries_are_sorted_with_folders_and_fixed_metadata() {
        let long = format!("{}/x.html", "d".repeat(150));
        let files = [
            ("b.html".to_string(), b"b".to_vec()),
            ("errors/de/504.html".to_string(), b"504".to_vec()),
            ("a.html".to_string(), b"a".to_vec()),
            (long.clone(), b"x".to_vec()),
        ];
        let gz = archive(&files, 1_700_000_000).unwrap();
        assert_eq!(gz, archive(&files, 1_700_000_000).unwrap());
        assert_ne!(gz, archive(&files, 1).unwrap());
        let mut tar = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut tar)
            .unwrap();
        let mut archive = tar::Archive::new(&tar[..]);
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let entry = entry.unwrap();
            let h = entry.header();
            let path = entry.path().unwrap().to_string_lossy().into_owned();
            let dir = h.entry_type() == EntryType::Directory;
            assert_eq!(h.mode().unwrap(), if dir { 0o755 } else { 0o644 }, "{path}");
            assert_eq!((h.uid().unwrap(), h.gid().unwrap()), (0, 0));
            assert_eq!(h.mtime().unwrap(), 1_700_000_000);
            assert_eq!(h.username().unwrap(), Some(""));
            assert_eq!(h.groupname().unwrap(), Some(""));
            seen.push(path);
        }
        let mut d = "d".repeat(150);
        d.push('/');
        assert_eq!(
            seen,
            [
                "a.html",
                "b.html",
                &d,
                &long,
                "errors/",
                "errors/de/",
                "errors/de/504.html"
            ]
        );
    }
}
