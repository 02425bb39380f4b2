//! The output folder sink: each page goes to a temporary file beside its destination, and
//! only `commit` renames them into place, so nginx serving the folder never sees a partial
//! page and a failed run replaces nothing. Pages whose bytes are already there are left
//! alone (their mtime too). Files end up 0644 and folders 0755 whatever the umask. Nothing
//! is written through a symlink, so nothing lands outside the folder. An exclusive lock on
//! the folder makes concurrent runs take turns; it is held from `open` to the end of `commit`
//! (watch mode opens one sink per write pass, so it holds the lock only while writing).
//! A tracked sink (watch mode) also keeps the record of the pages it owns (`owned`) and
//! removes owned pages that are no longer configured.

use std::collections::{BTreeMap, HashSet};
use std::fs::{self, DirBuilder, File};
use std::io::ErrorKind;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::atomic::{AtomicFile, FILE_MODE, Staged};
use super::owned::{self, Owned};
use super::{Sink, Summary};
use crate::safe_path::TEMP_PREFIX;

const DIR_MODE: u32 = 0o755;

/// The fix said when the output folder is not writable.
const WRITABLE_FIX: &str = "make the output folder writable by this user, or point DOWNPAGE_OUTPUT_DIR at a writable volume";

/// Writes pages into a folder, atomically, on commit.
pub struct DirSink {
    root: PathBuf,
    /// Held for the sink's life: concurrent runs into one folder take turns.
    _lock: File,
    /// Folders already checked (and swept of old temporary files), relative to `root`.
    ready_dirs: HashSet<String>,
    /// Every entry found in the folders swept so far: a destination not in here does not
    /// exist, so it needs no `lstat` (we hold the lock; a link made since would only be
    /// replaced by the rename, never written through).
    present: HashSet<PathBuf>,
    /// Every changed page, written to its temporary file, in order.
    staged: Vec<Staged>,
    summary: Summary,
    seq: u64,
    /// Tracked sinks: the record as it was when the lock was taken.
    owned: Option<Owned>,
    /// Every staged page (changed or not) → hash of its bytes.
    hashes: BTreeMap<String, String>,
    pid: u32,
    /// Whether files created with mode 0644 come out 0644 (the umask keeps those bits): then
    /// no `fchmod` is needed. Learnt from the first file.
    umask_keeps_mode: Option<bool>,
}

impl DirSink {
    /// Opens (creating when missing) and locks the output folder.
    pub fn open(root: &Path) -> Result<DirSink> {
        match fs::metadata(root) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => bail!(
                "output folder {} is a file, not a folder: set DOWNPAGE_OUTPUT_DIR to a folder",
                root.display()
            ),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                DirBuilder::new()
                    .recursive(true)
                    .mode(DIR_MODE)
                    .create(root)
                    .with_context(|| {
                        format!("creating output folder {} (DOWNPAGE_OUTPUT_DIR): check that its parent exists and is writable", root.display())
                    })?;
                fs::set_permissions(root, fs::Permissions::from_mode(DIR_MODE))
                    .with_context(|| format!("setting mode 0755 on {}", root.display()))?;
            }
            Err(e) => {
                return Err(e).with_context(|| {
                    format!(
                        "reading output folder {} (DOWNPAGE_OUTPUT_DIR)",
                        root.display()
                    )
                });
            }
        }
        let lock = File::open(root)
            .with_context(|| format!("opening output folder {}", root.display()))?;
        lock.lock()
            .with_context(|| format!("locking output folder {}", root.display()))?;
        Ok(DirSink {
            root: root.to_path_buf(),
            _lock: lock,
            ready_dirs: HashSet::new(),
            present: HashSet::new(),
            staged: Vec::new(),
            summary: Summary::default(),
            seq: 0,
            owned: None,
            hashes: BTreeMap::new(),
            pid: std::process::id(),
            umask_keeps_mode: None,
        })
    }

    /// Like [`DirSink::open`], and `commit` also removes the pages of the record
    /// ([`owned::FILE`]) that were not staged this time, then records the staged ones.
    pub fn open_tracked(root: &Path) -> Result<DirSink> {
        let mut sink = DirSink::open(root)?;
        sink.owned = Some(Owned::load(root));
        Ok(sink)
    }

    /// Makes sure the folder `rel` (relative, `/`-separated, may be empty) exists as a real
    /// folder under the root, creating what is missing, and sweeps old temporary files from it.
    fn ready_dir(&mut self, rel: &str) -> Result<PathBuf> {
        let mut path = self.root.clone();
        let mut so_far = String::new();
        for part in rel.split('/').filter(|p| !p.is_empty()) {
            path.push(part);
            if !so_far.is_empty() {
                so_far.push('/');
            }
            so_far.push_str(part);
            if self.ready_dirs.contains(&so_far) {
                continue;
            }
            match fs::symlink_metadata(&path) {
                Ok(m) if m.file_type().is_symlink() => bail!(
                    "{} is a symbolic link: downpage never writes through links (they can lead outside the output folder); remove it",
                    path.display()
                ),
                Ok(m) if !m.is_dir() => bail!(
                    "{} is a file where a folder is needed: remove it or choose another destination",
                    path.display()
                ),
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    DirBuilder::new()
                        .mode(DIR_MODE)
                        .create(&path)
                        .with_context(|| format!("creating folder {}", path.display()))?;
                    fs::set_permissions(&path, fs::Permissions::from_mode(DIR_MODE))
                        .with_context(|| format!("setting mode 0755 on {}", path.display()))?;
                }
                Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
            }
            self.ready_dirs.insert(so_far.clone());
            sweep(&path, &mut self.present)?;
        }
        if rel.is_empty() && self.ready_dirs.insert(String::new()) {
            sweep(&path, &mut self.present)?;
        }
        Ok(path)
    }
}

/// Removes temporary files left by a run that died (we hold the folder's lock, so no live
/// run owns them), and notes every other entry in `present`.
fn sweep(dir: &Path, present: &mut HashSet<PathBuf>) -> Result<()> {
    let entries = fs::read_dir(dir).with_context(|| format!("reading folder {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("reading folder {}", dir.display()))?;
        let path = entry.path();
        if entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(TEMP_PREFIX))
        {
            fs::remove_file(&path)
                .with_context(|| format!("removing leftover temporary file {}", path.display()))?;
        } else {
            present.insert(path);
        }
    }
    Ok(())
}

impl Sink for DirSink {
    fn stage(&mut self, dest: &str, bytes: &[u8]) -> Result<()> {
        let (parent, file) = dest.rsplit_once('/').unwrap_or(("", dest));
        let dir = self.ready_dir(parent)?;
        let target = dir.join(file);
        self.summary.bytes += bytes.len() as u64;
        if self.owned.is_some() {
            self.hashes.insert(dest.to_string(), owned::hash(bytes));
        }
        let existing = if self.present.contains(&target) {
            Some(fs::symlink_metadata(&target))
        } else {
            None
        };
        match existing {
            Some(Ok(m)) if m.file_type().is_symlink() => bail!(
                "{} is a symbolic link: downpage never writes through links (they can lead outside the output folder); remove it",
                target.display()
            ),
            Some(Ok(m)) if m.is_dir() => bail!(
                "{} is a folder: remove it or choose another destination",
                target.display()
            ),
            Some(Ok(m))
                if m.len() == bytes.len() as u64
                    && fs::read(&target).is_ok_and(|old| old == bytes) =>
            {
                let mode = m.permissions().mode() & 0o777;
                if mode == FILE_MODE {
                    self.summary.unchanged += 1;
                    return Ok(());
                }
            }
            _ => {}
        }
        self.seq += 1;
        let temp = dir.join(format!("{TEMP_PREFIX}{}-{}", self.pid, self.seq));
        let what = format!("page {dest} to {}", dir.display());
        let chmod = self.umask_keeps_mode == Some(false);
        let mut file = AtomicFile::create(&temp, target, &what, WRITABLE_FIX, chmod)?;
        if self.umask_keeps_mode.is_none() {
            let keeps = file.mode_is_right();
            self.umask_keeps_mode = Some(keeps);
            if !keeps {
                file.fix_mode()?;
            }
        }
        file.write_all(bytes)?;
        self.staged.push(file.close()?);
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> Result<Summary> {
        let old = self.owned.take();
        let mut union = None;
        if let Some(old) = &old {
            // Record new pages before they appear, so a crash right after cannot orphan them.
            let mut all = old.clone();
            all.pages
                .extend(self.hashes.iter().map(|(k, v)| (k.clone(), v.clone())));
            if all != *old {
                all.save(&self.root)?;
            }
            union = Some(all);
        }
        let staged = std::mem::take(&mut self.staged);
        self.summary.written = staged.len();
        // A failed rename drops the rest, which removes their temporary files.
        for page in staged {
            page.commit()?;
        }
        if let (Some(old), Some(union)) = (old, union) {
            self.summary.removed = old.remove_stale(&self.root, &self.hashes)?;
            let now = Owned {
                pages: std::mem::take(&mut self.hashes),
            };
            if now != union {
                now.save(&self.root)?;
            }
        }
        Ok(self.summary.clone())
    }
}
