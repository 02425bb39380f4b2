//! Reads the site's template folders (`DOWNPAGE_TEMPLATE_DIR`) into memory: every file, named
//! by its path inside its folder, the first folder winning on a name, like Django's `DIRS`.
//! Hidden entries are skipped (this includes a mounted ConfigMap's `..data` and timestamped
//! folders, whose files are reached through the top-level symlinks). Nothing is read from
//! outside a folder: a symlink that resolves elsewhere is an error.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// How deep folders may nest (guards against symlink loops and absurd trees).
const MAX_DEPTH: usize = 32;

/// One user template, read.
#[derive(Debug, Clone)]
pub struct Source {
    /// Name templates use for it: `myapp/downpage_502.html`.
    pub name: String,
    /// Where it was read from, for messages.
    pub path: PathBuf,
    pub text: String,
}

/// Reads every template in `dirs`, earlier folders first.
pub fn load(dirs: &[PathBuf]) -> Result<Vec<Source>> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for dir in dirs {
        let meta = fs::metadata(dir).with_context(|| {
            format!("DOWNPAGE_TEMPLATE_DIR folder {} cannot be read: check the path and the volume mount", dir.display())
        })?;
        if !meta.is_dir() {
            bail!(
                "DOWNPAGE_TEMPLATE_DIR entry {} is a file, not a folder: point it at the folder that holds the templates",
                dir.display()
            );
        }
        let root = dir
            .canonicalize()
            .with_context(|| format!("resolving template folder {}", dir.display()))?;
        walk(&root, dir, "", 0, &mut seen, &mut out)?;
    }
    Ok(out)
}

fn walk(
    root: &Path,
    dir: &Path,
    prefix: &str,
    depth: usize,
    seen: &mut BTreeSet<String>,
    out: &mut Vec<Source>,
) -> Result<()> {
    if depth > MAX_DEPTH {
        bail!(
            "template folder {} nests deeper than {MAX_DEPTH} levels: is there a symlink loop?",
            dir.display()
        );
    }
    let mut entries: Vec<_> = fs::read_dir(dir)
        .with_context(|| format!("reading template folder {}", dir.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("reading template folder {}", dir.display()))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue; // not UTF-8: cannot be named by a template
        };
        if file_name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let name = format!("{prefix}{file_name}");
        let real = path.canonicalize().with_context(|| {
            format!("resolving template {} (a broken symlink?)", path.display())
        })?;
        if !real.starts_with(root) {
            bail!(
                "template {} is a symlink to {}, outside the template folder {}: copy the file in instead",
                path.display(),
                real.display(),
                root.display()
            );
        }
        let meta =
            fs::metadata(&real).with_context(|| format!("reading template {}", path.display()))?;
        if meta.is_dir() {
            walk(root, &path, &format!("{name}/"), depth + 1, seen, out)?;
        } else if meta.is_file() && !seen.contains(&name) {
            let bytes =
                fs::read(&real).with_context(|| format!("reading template {}", path.display()))?;
            // Files that are not text (images beside templates) cannot be templates: skip them.
            if let Ok(text) = String::from_utf8(bytes) {
                seen.insert(name.clone());
                out.push(Source { name, path, text });
            }
        }
    }
    Ok(())
}
