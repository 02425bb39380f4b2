//! Watch mode's record of the pages it owns, kept in the output folder as
//! `.downpage-owned.json` (a dotfile, written atomically, under the folder's lock): every page
//! a watch pass wrote, or found already holding exactly the bytes it rendered, with a hash of
//! those bytes. The next pass — also after a restart — removes pages that are no longer
//! configured, and only those: a file whose bytes differ from what downpage wrote is left
//! alone, and so is anything that was never in the record.

use std::collections::BTreeMap;
use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{Map, Value};

use super::file;
use crate::safe_path;

/// File name of the record inside the output folder.
pub const FILE: &str = ".downpage-owned.json";

/// Pages owned by downpage: destination → FNV-1a 64 hash of the bytes written, in hex.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Owned {
    pub pages: BTreeMap<String, String>,
}

/// [`crate::hash::fnv1a64`] in hex, as the record stores it.
pub fn hash(bytes: &[u8]) -> String {
    format!("{:016x}", crate::hash::fnv1a64(bytes))
}

impl Owned {
    /// Reads the record; a missing or unreadable one owns nothing (so nothing gets removed).
    pub fn load(root: &Path) -> Owned {
        let pages = fs::read_to_string(root.join(FILE))
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
            .and_then(|v| match v.get("pages") {
                Some(Value::Object(map)) => Some(
                    map.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect(),
                ),
                _ => None,
            })
            .unwrap_or_default();
        Owned { pages }
    }

    /// Writes the record atomically (temporary file + rename, mode 0644).
    pub fn save(&self, root: &Path) -> Result<()> {
        let pages: Map<String, Value> = self
            .pages
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect();
        let mut text = serde_json::json!({ "pages": pages }).to_string();
        text.push('\n');
        let path = root.join(FILE);
        let what = format!("the record of written pages {}", path.display());
        file::replace(&path, text.as_bytes(), &what).map(|_| ())
    }

    /// Removes every page of `self` that `keep` does not have, when it is still the regular
    /// file with the bytes downpage wrote; returns the destinations removed.
    pub fn remove_stale(
        &self,
        root: &Path,
        keep: &BTreeMap<String, String>,
    ) -> Result<Vec<String>> {
        let mut removed = Vec::new();
        for (dest, hash_written) in &self.pages {
            if keep.contains_key(dest) {
                continue;
            }
            // The record is a file anyone could edit: check it like a configured destination.
            let Ok(clean) = safe_path::check_dest(dest) else {
                continue;
            };
            if clean != *dest || !real_folders(root, dest) {
                continue;
            }
            let path = root.join(dest);
            match fs::symlink_metadata(&path) {
                Ok(m) if m.file_type().is_file() => {}
                _ => continue,
            }
            if fs::read(&path).map(|b| hash(&b)).ok().as_ref() != Some(hash_written) {
                continue;
            }
            match fs::remove_file(&path) {
                Ok(()) => removed.push(dest.clone()),
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!(
                            "removing page {dest}, no longer configured, from {}",
                            root.display()
                        )
                    });
                }
            }
        }
        Ok(removed)
    }
}

/// Whether every folder on the way to `dest` is a real folder (no symlink can lead out).
fn real_folders(root: &Path, dest: &str) -> bool {
    let mut path = root.to_path_buf();
    let parts: Vec<&str> = dest.split('/').collect();
    for part in &parts[..parts.len() - 1] {
        path.push(part);
        match fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_dir() => {}
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_reference_values() {
        assert_eq!(hash(b""), "cbf29ce484222325");
        assert_eq!(hash(b"a"), "af63dc4c8601ec8c");
    }
}
