//! The tarball sink (`DOWNPAGE_TARBALL`): every page into one reproducible `.tar.gz`, written
//! atomically to a file (or to stdout for `-`). Reproducible by construction, as cargo
//! packages are: sorted entries with their folders, modes 0644/0755, uid/gid 0 without user
//! or group names, every time `SOURCE_DATE_EPOCH`, and a gzip header without name or time.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::os::fd::AsFd;

use anyhow::{Context, Result};
use tar::{Builder, EntryType, Header};

use super::file::{self, Written};
use super::{Sink, Summary};
use crate::config::Tarball;
use crate::gzip;

/// Collects pages; `commit` writes the archive.
pub struct TarSink {
    target: Tarball,
    mtime: u64,
    files: BTreeMap<String, Vec<u8>>,
}

impl TarSink {
    pub fn new(target: Tarball, mtime: u64) -> TarSink {
        TarSink {
            target,
            mtime,
            files: BTreeMap::new(),
        }
    }
}

/// The `.tar.gz` bytes of `files` (relative `/`-separated paths), with every folder they
/// need as an entry of its own, all in byte order of their names.
pub fn archive(files: &BTreeMap<String, Vec<u8>>, mtime: u64) -> Result<Vec<u8>> {
    let mut entries: BTreeMap<String, Option<&[u8]>> = BTreeMap::new();
    let mut dirs = BTreeSet::new();
    for (path, bytes) in files {
        let mut end = 0;
        while let Some(i) = path[end..].find('/') {
            end += i + 1;
            dirs.insert(path[..end].to_string());
        }
        entries.insert(path.clone(), Some(bytes));
    }
    for dir in dirs {
        entries.insert(dir, None);
    }
    let mut builder = Builder::new(Vec::new());
    for (path, bytes) in &entries {
        let mut header = Header::new_gnu();
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(mtime);
        let data: &[u8] = match bytes {
            Some(b) => {
                header.set_entry_type(EntryType::Regular);
                header.set_mode(0o644);
                b
            }
            None => {
                header.set_entry_type(EntryType::Directory);
                header.set_mode(0o755);
                &[]
            }
        };
        header.set_size(data.len() as u64);
        builder
            .append_data(&mut header, path, data)
            .with_context(|| format!("adding {path} to the tarball"))?;
    }
    let tar = builder.into_inner().context("finishing the tarball")?;
    Ok(gzip::compress(&tar))
}

impl Sink for TarSink {
    fn stage(&mut self, dest: &str, bytes: &[u8]) -> Result<()> {
        self.files.insert(dest.to_string(), bytes.to_vec());
        Ok(())
    }

    fn commit(self: Box<Self>) -> Result<Summary> {
        let bytes = archive(&self.files, self.mtime)?;
        let written = match &self.target {
            Tarball::Stdout => {
                // A duplicate of fd 1 as a plain file: std's stdout would hide a closed
                // descriptor, and a short or failed write must be an error here.
                let what = "the tarball to stdout (DOWNPAGE_TARBALL=-)";
                let mut out = std::fs::File::from(
                    std::io::stdout()
                        .as_fd()
                        .try_clone_to_owned()
                        .map_err(|e| file::explain(e, what))?,
                );
                out.write_all(&bytes)
                    .and_then(|()| out.flush())
                    .map_err(|e| file::explain(e, what))?;
                Written::Changed
            }
            Tarball::File(path) => file::replace(
                path,
                &bytes,
                &format!("DOWNPAGE_TARBALL {}", path.display()),
            )?,
        };
        Ok(Summary {
            archive: Some((bytes.len() as u64, written)),
            ..Summary::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn entries_are_sorted_with_folders_and_fixed_metadata() {
        let mut files = BTreeMap::new();
        files.insert("b.html".to_string(), b"b".to_vec());
        files.insert("errors/de/504.html".to_string(), b"504".to_vec());
        files.insert("a.html".to_string(), b"a".to_vec());
        let long = format!("{}/x.html", "d".repeat(150));
        files.insert(long.clone(), b"x".to_vec());
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
            ["a.html", "b.html", &d, &long, "errors/", "errors/de/", "errors/de/504.html"]
        );
    }
}
