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
        walk(dir, &mut |name, path, meta| {
            read_entry(&root, name, path, meta, &mut seen, &mut out)
        })?;
    }
    Ok(out)
}

/// What [`walk`] calls for every entry: its name, path and metadata (through symlinks).
pub type Visit<'a> = dyn FnMut(&str, &Path, std::io::Result<fs::Metadata>) -> Result<()> + 'a;

/// The one walk of a template folder, for reading it ([`load`]) and for watching it
/// (`inputs`): entries in name order; hidden names (a ConfigMap's `..data`) and names that
/// are not UTF-8 (no template can name them) skipped; symlinks followed. `each` gets every
/// entry's name (`prefix` + file name), path and metadata (through symlinks), and the walk
/// goes into the folders `each` accepted. A folder that cannot be listed, or nesting deeper
/// than [`MAX_DEPTH`] (a symlink loop), is an error.
pub fn walk(dir: &Path, each: &mut Visit<'_>) -> Result<()> {
    walk_in(dir, "", 0, each)
}

fn walk_in(dir: &Path, prefix: &str, depth: usize, each: &mut Visit<'_>) -> Result<()> {
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
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        if file_name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let name = format!("{prefix}{file_name}");
        let meta = fs::metadata(&path);
        let is_dir = meta.as_ref().is_ok_and(fs::Metadata::is_dir);
        each(&name, &path, meta)?;
        if is_dir {
            walk_in(&path, &format!("{name}/"), depth + 1, each)?;
        }
    }
    Ok(())
}

/// Reads one entry of a template folder into `out`; refuses a symlink that leads outside.
fn read_entry(
    root: &Path,
    name: &str,
    path: &Path,
    meta: std::io::Result<fs::Metadata>,
    seen: &mut BTreeSet<String>,
    out: &mut Vec<Source>,
) -> Result<()> {
    let real = path
        .canonicalize()
        .with_context(|| format!("resolving template {} (a broken symlink?)", path.display()))?;
    if !real.starts_with(root) {
        bail!(
            "template {} is a symlink to {}, outside the template folder {}: copy the file in instead",
            path.display(),
            real.display(),
            root.display()
        );
    }
    let meta = meta.with_context(|| format!("reading template {}", path.display()))?;
    if meta.is_file() && !seen.contains(name) {
        let bytes =
            fs::read(&real).with_context(|| format!("reading template {}", path.display()))?;
        // Files that are not text (images beside templates) cannot be templates: skip them.
        if let Ok(text) = String::from_utf8(bytes) {
            seen.insert(name.to_string());
            out.push(Source {
                name: name.to_string(),
                path: path.to_path_buf(),
                text,
            });
        }
    }
    Ok(())
}
