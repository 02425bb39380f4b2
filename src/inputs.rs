//! Watch mode's view of its inputs: every file a render reads (the template folders, walked
//! by `template_dirs::walk` exactly as they are read, the page-list file, and files a render reports reading), each
//! with its metadata and a hash of its content. A look (`scan`) only stats files whose
//! metadata is unchanged; it reads a file when its metadata changed (a ConfigMap `..data`
//! swap gives every file a new inode) or its mtime is too recent to trust, so a change is
//! reported only when content really changed, appeared or went away.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::config::{Config, PageSource};
use crate::hash::fnv1a64;
use crate::template_dirs;

/// A file whose mtime is younger than this is re-read even when its metadata looks
/// unchanged: file system clocks are coarse, and two writes in one tick keep one mtime.
const RACY: Duration = Duration::from_secs(2);

/// Metadata that changes when a file is replaced or written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stat {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

/// What one input looked like.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    File {
        stat: Stat,
        hash: u64,
    },
    /// Missing, unreadable, or a folder where a file was expected: the render will say why.
    Absent(String),
}

impl Seen {
    /// The part that matters for "did it change".
    fn content(&self) -> Result<u64, &str> {
        match self {
            Seen::File { hash, .. } => Ok(*hash),
            Seen::Absent(why) => Err(why.as_str()),
        }
    }
}

/// Every input, by the path it is reached through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    files: BTreeMap<PathBuf, Seen>,
}

impl Scan {
    /// How many inputs were seen.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// This scan plus `paths` where it has not seen them yet (files a render just reported
    /// reading), so they count as changed only when they change later.
    pub fn with_files(&self, paths: &[PathBuf]) -> Scan {
        let mut out = self.clone();
        let now = SystemTime::now();
        for path in paths {
            if !out.files.contains_key(path) {
                file(path, now, self, &mut out);
            }
        }
        out
    }

    /// Inputs whose content changed, appeared or went away since `before`, sorted.
    pub fn changed_since(&self, before: &Scan) -> Vec<String> {
        let mut out = Vec::new();
        for (path, seen) in &self.files {
            match before.files.get(path) {
                Some(old) if old.content() == seen.content() => {}
                _ => out.push(path.display().to_string()),
            }
        }
        for path in before.files.keys() {
            if !self.files.contains_key(path) {
                out.push(path.display().to_string());
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// Looks at every input of `config` plus `extra` (files the last render read), reusing the
/// hashes of `before` for files whose metadata did not change.
pub fn scan(config: &Config, extra: &[PathBuf], before: &Scan) -> Scan {
    let mut scan = Scan::default();
    let now = SystemTime::now();
    for dir in &config.template_dirs {
        match fs::metadata(dir) {
            Ok(m) if m.is_dir() => walk(dir, now, before, &mut scan),
            Ok(_) => absent(&mut scan, dir, "not a folder"),
            Err(e) => absent(&mut scan, dir, &e.kind().to_string()),
        }
    }
    if let PageSource::File(path) = &config.pages {
        file(path, now, before, &mut scan);
    }
    for path in extra {
        file(path, now, before, &mut scan);
    }
    scan
}

fn absent(scan: &mut Scan, path: &Path, why: &str) {
    scan.files
        .insert(path.to_path_buf(), Seen::Absent(why.to_string()));
}

/// Walks a template folder with [`template_dirs::walk`], as `load` reads it; a folder that
/// cannot be walked is recorded as absent (so it counts as changed when it comes back).
fn walk(dir: &Path, now: SystemTime, before: &Scan, scan: &mut Scan) {
    let walked = template_dirs::walk(dir, &mut |_, path, meta| {
        if !meta.as_ref().is_ok_and(fs::Metadata::is_dir) {
            looked_at(path.to_path_buf(), meta, now, before, scan);
        }
        Ok(())
    });
    if let Err(e) = walked {
        absent(scan, dir, &format!("{e:#}"));
    }
}

/// Looks at one file (through symlinks).
fn file(path: &Path, now: SystemTime, before: &Scan, scan: &mut Scan) {
    looked_at(path.to_path_buf(), fs::metadata(path), now, before, scan);
}

/// Records a file from its metadata, reading it only when that changed or is too recent.
fn looked_at(
    path: PathBuf,
    meta: std::io::Result<fs::Metadata>,
    now: SystemTime,
    before: &Scan,
    scan: &mut Scan,
) {
    let meta = match meta {
        Ok(m) if m.is_file() => m,
        Ok(_) => return absent(scan, &path, "not a file"),
        Err(e) => return absent(scan, &path, &e.kind().to_string()),
    };
    let stat = Stat {
        dev: meta.dev(),
        ino: meta.ino(),
        size: meta.len(),
        mtime: (meta.mtime(), meta.mtime_nsec()),
        ctime: (meta.ctime(), meta.ctime_nsec()),
    };
    let recent = meta
        .modified()
        .ok()
        .and_then(|m| now.duration_since(m).ok())
        .is_none_or(|age| age < RACY);
    if !recent
        && let Some(Seen::File { stat: old, hash }) = before.files.get(&path)
        && *old == stat
    {
        let hash = *hash;
        scan.files.insert(path, Seen::File { stat, hash });
        return;
    }
    let seen = match fs::read(&path) {
        Ok(bytes) => Seen::File {
            stat,
            hash: fnv1a64(&bytes),
        },
        Err(e) => Seen::Absent(e.kind().to_string()),
    };
    scan.files.insert(path, seen);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn config(dir: &Path) -> Config {
        Config::from_vars([(
            "DOWNPAGE_TEMPLATE_DIR".to_string(),
            dir.display().to_string(),
        )])
        .unwrap()
    }

    #[test]
    fn configmap_swap_with_new_content_is_seen_and_same_content_is_not() {
        let root = std::env::temp_dir().join(format!("downpage-inputs-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let cm = root.join("cm");
        fs::create_dir_all(cm.join("..v1")).unwrap();
        fs::write(cm.join("..v1/a.html"), "one").unwrap();
        symlink("..v1", cm.join("..data")).unwrap();
        symlink("..data/a.html", cm.join("a.html")).unwrap();
        let c = config(&cm);
        let first = scan(&c, &[], &Scan::default());
        assert_eq!(
            first.len(),
            1,
            "hidden ..data and ..v1 are not walked: {first:?}"
        );
        let swap = |version: &str, text: &str| {
            fs::create_dir_all(cm.join(version)).unwrap();
            fs::write(cm.join(version).join("a.html"), text).unwrap();
            let _ = fs::remove_file(cm.join("..data_tmp"));
            symlink(version, cm.join("..data_tmp")).unwrap();
            fs::rename(cm.join("..data_tmp"), cm.join("..data")).unwrap();
        };
        swap("..v2", "one");
        let second = scan(&c, &[], &first);
        assert!(second.changed_since(&first).is_empty());
        swap("..v3", "two");
        let third = scan(&c, &[], &second);
        assert_eq!(
            third.changed_since(&second),
            [cm.join("a.html").display().to_string()]
        );
        fs::remove_file(cm.join("a.html")).unwrap();
        let fourth = scan(&c, &[], &third);
        assert_eq!(fourth.changed_since(&third).len(), 1);
        fs::remove_dir_all(&root).unwrap();
    }
}
