//! The tarball sink (`DOWNPAGE_TARBALL`): every page into one reproducible `.tar.gz`, written
//! atomically to a file (or to stdout for `-`). Reproducible by construction, as cargo
//! packages are: sorted entries with their folders, modes 0644/0755, uid/gid 0 without user
//! or group names, every time `SOURCE_DATE_EPOCH`, and a gzip header without name or time.
//! Streamed: each entry is compressed and written as soon as no entry sorting before it can
//! still come ([`Sink::settle`]), so memory stays flat whatever the page count. A file is
//! written beside its target and renamed at commit; stdout gets the bytes as they are made,
//! so a run that fails half-way leaves a truncated gzip stream there (and exits non-zero).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::os::fd::AsFd;

use anyhow::{Result, bail};
use flate2::write::GzEncoder;
use flate2::{Compression, GzBuilder};

use super::file::{self, Written};
use super::{Sink, Summary};
use crate::config::Tarball;

/// The compressed bytes' way out: counts them, and drops them once the run has failed (so
/// the encoders' clean-up writes no gzip or tar trailer after a truncated archive).
struct Out {
    inner: BufWriter<File>,
    written: u64,
    live: bool,
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !self.live {
            return Ok(buf.len());
        }
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.live {
            self.inner.flush()
        } else {
            Ok(())
        }
    }
}

/// The archive being written.
struct Stream {
    tar: tar::Builder<GzEncoder<Out>>,
    /// The temporary file's replacement of the target; `None` for stdout or a device.
    started: Option<file::Started>,
    /// The last file written, to tell which folders the next one still needs.
    last: String,
}

/// Writes entries as soon as they are known to come next in path order.
pub struct TarSink {
    target: Tarball,
    mtime: u64,
    /// Staged entries not written yet, by path.
    waiting: BTreeMap<String, Vec<u8>>,
    /// Opened with the first entry written.
    stream: Option<Stream>,
    /// After `prepare`: the archive's size and, for a file, its pending replacement.
    prepared: Option<(u64, Option<file::Pending>)>,
}

impl TarSink {
    pub fn new(target: Tarball, mtime: u64) -> TarSink {
        TarSink {
            target,
            mtime,
            waiting: BTreeMap::new(),
            stream: None,
            prepared: None,
        }
    }

    /// Names the archive in errors.
    fn what(&self) -> String {
        match &self.target {
            Tarball::Stdout => "the tarball to stdout (DOWNPAGE_TARBALL=-)".to_string(),
            Tarball::File(path) => format!("DOWNPAGE_TARBALL {}", path.display()),
        }
    }

    fn open(&mut self) -> Result<&mut Stream> {
        if self.stream.is_none() {
            let (file, started) = match &self.target {
                Tarball::Stdout => (open_stdout()?, None),
                Tarball::File(path) => {
                    let (file, started) = file::start(path, &self.what())?;
                    (file, Some(started))
                }
            };
            let out = Out {
                inner: BufWriter::with_capacity(64 * 1024, file),
                written: 0,
                live: true,
            };
            let gz = GzBuilder::new()
                .mtime(0)
                .operating_system(3)
                .write(out, Compression::best());
            self.stream = Some(Stream {
                tar: tar::Builder::new(gz),
                started,
                last: String::new(),
            });
        }
        Ok(self.stream.as_mut().expect("opened above"))
    }

    /// Writes the waiting entries that sort before `bound` (all of them without one).
    fn write_ready(&mut self, bound: Option<&str>) -> Result<()> {
        let what = self.what();
        let mtime = self.mtime;
        while let Some(entry) = self.waiting.first_entry() {
            if bound.is_some_and(|b| entry.key().as_str() >= b) {
                break;
            }
            let (path, bytes) = entry.remove_entry();
            let stream = self.open()?;
            if path <= stream.last {
                bail!(
                    "internal error: tarball entry {path} came after {}; please report it",
                    stream.last
                );
            }
            for (i, _) in path.match_indices('/') {
                let folder = &path[..=i];
                if !stream.last.starts_with(folder) {
                    append(&mut stream.tar, folder, None, mtime)
                        .map_err(|e| file::explain(e, &what))?;
                }
            }
            append(&mut stream.tar, &path, Some(&bytes), mtime)
                .map_err(|e| file::explain(e, &what))?;
            stream.last = path;
        }
        Ok(())
    }
}

impl Drop for TarSink {
    /// Not committed: nothing more goes out (no trailer after a truncated archive); a
    /// temporary file is removed by its `Started`.
    fn drop(&mut self) {
        if let Some(stream) = &mut self.stream {
            stream.tar.get_mut().get_mut().live = false;
        }
    }
}

/// One entry: a file (`Some(bytes)`) or a folder (`name/`). Headers are built by hand, as
/// cargo does for its packages: GNU format (a name longer than 100 bytes gets a
/// `././@LongLink` entry), modes 0644/0755, uid/gid 0, empty user and group names, every
/// mtime `mtime`.
fn append<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &str,
    bytes: Option<&[u8]>,
    mtime: u64,
) -> std::io::Result<()> {
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
}

impl Sink for TarSink {
    fn stage(&mut self, dest: &str, bytes: &[u8]) -> Result<()> {
        self.waiting.insert(dest.to_string(), bytes.to_vec());
        Ok(())
    }

    fn settle(&mut self, bound: &str) -> Result<()> {
        self.write_ready(Some(bound))
    }

    /// Writes what is left and closes the archive: stdout has it all, a file is complete
    /// beside its target.
    fn prepare(&mut self) -> Result<()> {
        if self.prepared.is_some() {
            return Ok(());
        }
        self.write_ready(None)?;
        let what = self.what();
        self.open()?;
        let stream = self.stream.take().expect("opened above");
        let finish = || -> std::io::Result<Out> {
            let mut out = stream.tar.into_inner()?.finish()?;
            out.flush()?;
            Ok(out)
        };
        let out = finish().map_err(|e| file::explain(e, &what))?;
        let size = out.written;
        let Out { inner, .. } = out;
        let file = inner
            .into_inner()
            .map_err(|e| file::explain(e.into_error(), &what))?;
        drop(file);
        let pending = match stream.started {
            Some(started) => Some(started.finish()?),
            None => None,
        };
        self.prepared = Some((size, pending));
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

/// Stdout as a plain file (a duplicate of fd 1), so every write error comes back (std's
/// stdout buffers lines and treats a closed descriptor as success). A terminal is refused,
/// and so is /dev/null: the Rust runtime puts /dev/null on a closed stdout (`>&-`), and the
/// archive would be lost while the run reported success.
fn open_stdout() -> Result<File> {
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
    let out = File::from(fd);
    if is_dev_null(&out) {
        bail!(
            "DOWNPAGE_TARBALL=- but stdout is closed or /dev/null, so the archive would be lost: redirect stdout to a file (> pages.tar.gz), or use downpage check to only test the pages"
        );
    }
    Ok(out)
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

    /// The archive of `files` staged in that order; `settle` after each when `settled`.
    fn archive_of(files: &[(String, Vec<u8>)], mtime: u64, settled: bool) -> Result<Vec<u8>> {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("downpage-tar-{}-{n}.tgz", std::process::id()));
        let mut sink = Box::new(TarSink::new(Tarball::File(path.clone()), mtime));
        for (dest, bytes) in files {
            sink.stage(dest, bytes)?;
            if settled {
                sink.settle(dest)?;
            }
        }
        sink.commit()?;
        let bytes = std::fs::read(&path)?;
        std::fs::remove_file(&path)?;
        Ok(bytes)
    }

    fn archive(files: &[(String, Vec<u8>)], mtime: u64) -> Result<Vec<u8>> {
        archive_of(files, mtime, false)
    }

    #[test]
    fn streamed_in_sorted_order_is_the_same_archive() {
        let mut files: Vec<(String, Vec<u8>)> = [
            "b.html",
            "a/x.html",
            "a.html",
            "a/b/c.html",
            "a-b.html",
            "a.html.gz",
        ]
        .iter()
        .map(|p| (p.to_string(), p.as_bytes().to_vec()))
        .collect();
        let buffered = archive(&files, 7).unwrap();
        files.sort();
        assert_eq!(archive_of(&files, 7, true).unwrap(), buffered);
        // Out of order after a settle: refused, never an unsorted archive.
        let path =
            std::env::temp_dir().join(format!("downpage-tar-{}-bad.tgz", std::process::id()));
        let mut sink = Box::new(TarSink::new(Tarball::File(path.clone()), 7));
        sink.stage("b", b"").unwrap();
        sink.settle("c").unwrap();
        sink.stage("a", b"").unwrap();
        let e = sink.commit().unwrap_err().to_string();
        assert!(
            e.contains("internal error: tarball entry a came after b"),
            "{e}"
        );
        assert!(!path.exists());
    }

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
