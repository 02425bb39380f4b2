//! The asset store: the one door to the static root. Created at the edge (`lib.rs`) from the
//! config — the root checked and the manifest read there — then read lazily by the template
//! functions and the self-contained rewriter. Every path is checked before anything is read
//! (relative, no `..`, and after resolving symlinks still inside the root); every file read
//! is recorded, so watch mode knows what to watch.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Context, Result, bail};

use super::manifest::{self, CANDIDATES, Manifest};
use super::url::{Located, attribute_safe, locate};
use crate::config::Config;
use crate::self_contained::inline::{Inliner, Reader};
use crate::suggest;

/// Largest static file downpage will read (a page cannot sensibly embed more).
pub const MAX_ASSET_BYTES: u64 = 64 * 1024 * 1024;
/// How many files are listed when looking for near matches of a missing one.
const MAX_LISTED: usize = 20_000;

/// The configured static root.
#[derive(Debug, Clone)]
struct Root {
    /// As configured, for messages.
    shown: PathBuf,
    /// Canonical, for containment checks.
    real: PathBuf,
}

/// Static files and their manifest.
#[derive(Debug)]
pub struct AssetStore {
    root: Option<Root>,
    static_url: String,
    manifest: Option<Manifest>,
    /// Every file read (real paths, in the order first read), manifest included. Vectors,
    /// not sets or maps: a run reads a handful of files, and a `HashMap` for `cache` makes
    /// the release binary 2,640 bytes larger (measured for issue 16).
    read_log: Mutex<Vec<PathBuf>>,
    /// (relative path, bytes) of every file read.
    cache: Mutex<Vec<(String, Arc<Vec<u8>>)>>,
    externals: Mutex<Vec<String>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl AssetStore {
    /// Opens the static root and reads the manifest (`DOWNPAGE_STATIC_MANIFEST`, or the first
    /// known name in the root).
    pub fn open(config: &Config) -> Result<AssetStore> {
        let root = match &config.static_root {
            None => None,
            Some(dir) => {
                let meta = fs::metadata(dir).with_context(|| {
                    format!(
                        "DOWNPAGE_STATIC_ROOT folder {} cannot be read: check the path and the volume mount, and run downpage after the assets stage (collectstatic, vite build, assets:precompile)",
                        dir.display()
                    )
                })?;
                if !meta.is_dir() {
                    bail!(
                        "DOWNPAGE_STATIC_ROOT {} is a file, not a folder: point it at the folder your assets stage produced",
                        dir.display()
                    );
                }
                let real = dir
                    .canonicalize()
                    .with_context(|| format!("resolving DOWNPAGE_STATIC_ROOT {}", dir.display()))?;
                Some(Root {
                    shown: dir.clone(),
                    real,
                })
            }
        };
        let mut store = AssetStore {
            root,
            static_url: config.static_url.clone(),
            manifest: None,
            read_log: Mutex::default(),
            cache: Mutex::default(),
            externals: Mutex::default(),
        };
        let found = match &config.static_manifest {
            Some(path) => Some((path.clone(), "DOWNPAGE_STATIC_MANIFEST")),
            None => store
                .find_manifest()?
                .map(|p| (p, "found in DOWNPAGE_STATIC_ROOT")),
        };
        if let Some((path, how)) = found {
            let bytes = fs::read(&path).with_context(|| {
                format!(
                    "reading manifest {} ({how}): check the path and the volume mount, or unset DOWNPAGE_STATIC_MANIFEST to look for one in DOWNPAGE_STATIC_ROOT",
                    path.display()
                )
            })?;
            let text = String::from_utf8(bytes).map_err(|_| {
                anyhow::anyhow!(
                    "manifest {} ({how}) is not UTF-8 text: point DOWNPAGE_STATIC_MANIFEST at the JSON manifest your assets stage wrote",
                    path.display()
                )
            })?;
            store.manifest = Some(manifest::parse(&text, &path)?);
            lock(&store.read_log).push(path.canonicalize().unwrap_or(path));
        }
        Ok(store)
    }

    /// A store with no static root and no manifest: `static()` gives plain URLs.
    pub fn empty(static_url: &str) -> AssetStore {
        AssetStore {
            root: None,
            static_url: static_url.to_string(),
            manifest: None,
            read_log: Mutex::default(),
            cache: Mutex::default(),
            externals: Mutex::default(),
        }
    }

    /// The first known manifest name present in the static root.
    fn find_manifest(&self) -> Result<Option<PathBuf>> {
        let Some(root) = &self.root else {
            return Ok(None);
        };
        for name in CANDIDATES {
            if fs::symlink_metadata(root.real.join(name)).is_ok() {
                self.checked(name)?;
                return Ok(Some(root.shown.join(name)));
            }
        }
        let globbed: Vec<String> = fs::read_dir(&root.real)
            .with_context(|| format!("reading DOWNPAGE_STATIC_ROOT {}", root.shown.display()))?
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| {
                (n.starts_with(".sprockets-manifest-") || n.starts_with("manifest-"))
                    && n.ends_with(".json")
            })
            .collect();
        match globbed.iter().min() {
            Some(name) => {
                self.checked(name)?;
                Ok(Some(root.shown.join(name)))
            }
            None => Ok(None),
        }
    }

    pub fn manifest(&self) -> Option<&Manifest> {
        self.manifest.as_ref()
    }

    pub fn static_url(&self) -> &str {
        &self.static_url
    }

    /// Every file read so far (real paths, manifest first, then in the order first read):
    /// what watch mode should watch.
    pub fn files_read(&self) -> Vec<PathBuf> {
        lock(&self.read_log).clone()
    }

    /// External URLs met while inlining since the last call, in the order met.
    pub fn take_externals(&self) -> Vec<String> {
        std::mem::take(&mut *lock(&self.externals))
    }

    /// `static(path=...)`: the URL of a static file, hashed when a manifest is present.
    pub fn url_for(&self, name: &str) -> Result<String> {
        check_name(name)?;
        let target = if let Some(m) = &self.manifest {
            match m.get(name) {
                Some(t) => t.to_string(),
                None => bail!("{}", not_in_manifest(name, m)),
            }
        } else {
            if self.root.is_some() {
                self.checked(name)?;
            }
            name.to_string()
        };
        Ok(attribute_safe(&self.url_of_target(&target)))
    }

    /// The URL of a manifest target: targets that are already URLs stay as they are.
    fn url_of_target(&self, target: &str) -> String {
        if target.starts_with('/') || target.contains("://") {
            target.to_string()
        } else {
            format!("{}{target}", self.static_url)
        }
    }

    /// Vite: the style sheets an entry pulls in, as URLs.
    pub fn css_urls_for(&self, name: &str) -> Result<Vec<String>> {
        check_name(name)?;
        let Some(m) = &self.manifest else {
            bail!(
                "static_css(path=\"{name}\") needs a Vite manifest, and there is none: set DOWNPAGE_STATIC_ROOT (or DOWNPAGE_STATIC_MANIFEST)"
            );
        };
        if m.get(name).is_none() {
            bail!("{}", not_in_manifest(name, m));
        }
        Ok(m.css(name)
            .into_iter()
            .map(|t| attribute_safe(&self.url_of_target(t)))
            .collect())
    }

    /// The file inside the static root a name stands for: its manifest target when listed,
    /// else the name itself when such a file exists.
    pub fn resolve(&self, name: &str) -> Result<String> {
        check_name(name)?;
        let Some(m) = &self.manifest else {
            self.checked(name)?;
            return Ok(name.to_string());
        };
        match m.get(name) {
            Some(target) => match locate(target, "", &self.static_url)? {
                Located::Local { path, .. } => Ok(path),
                _ => bail!(
                    "static file \"{name}\" is listed in the manifest {} as {target}, which is not inside the static root, so it cannot be inlined",
                    m.path.display()
                ),
            },
            None if self
                .root
                .as_ref()
                .is_some_and(|r| r.real.join(name).is_file()) =>
            {
                Ok(name.to_string())
            }
            None => bail!("{}", not_in_manifest(name, m)),
        }
    }

    /// An inliner reading from this store.
    pub fn inliner(&self) -> Inliner<'_> {
        Inliner {
            static_url: &self.static_url,
            reader: self,
        }
    }

    /// Checks a relative path and returns the real file it names inside the root; nothing
    /// is read.
    fn checked(&self, rel: &str) -> Result<PathBuf> {
        let Some(root) = &self.root else {
            bail!(
                "static file \"{rel}\" cannot be read: DOWNPAGE_STATIC_ROOT is not set; set it to the folder your assets stage produced"
            );
        };
        check_name(rel)?;
        let path = root.real.join(rel);
        let real = match path.canonicalize() {
            Ok(real) => real,
            Err(_) if fs::symlink_metadata(&path).is_ok() => bail!(
                "static file \"{rel}\" in DOWNPAGE_STATIC_ROOT {} is a broken symlink: fix or remove it",
                root.shown.display()
            ),
            Err(_) => {
                let files = list_files(&root.real);
                let hint =
                    suggest::did_you_mean(&suggest::near(rel, files.iter().map(String::as_str)));
                bail!(
                    "static file \"{rel}\" not found in DOWNPAGE_STATIC_ROOT {}{hint}",
                    root.shown.display()
                );
            }
        };
        if !real.starts_with(&root.real) {
            bail!(
                "static file \"{rel}\" is a symlink to {}, outside DOWNPAGE_STATIC_ROOT {}: downpage reads only inside the static root; copy the file in instead",
                real.display(),
                root.shown.display()
            );
        }
        if !real.is_file() {
            bail!(
                "static file \"{rel}\" in DOWNPAGE_STATIC_ROOT {} is not a file",
                root.shown.display()
            );
        }
        Ok(real)
    }
}

impl Reader for AssetStore {
    fn read(&self, rel: &str) -> Result<Arc<Vec<u8>>> {
        if let Some((_, bytes)) = lock(&self.cache).iter().find(|(r, _)| r == rel) {
            return Ok(bytes.clone());
        }
        let real = self.checked(rel)?;
        let size = fs::metadata(&real).map_or(0, |m| m.len());
        if size > MAX_ASSET_BYTES {
            bail!(
                "static file \"{rel}\" is {size} bytes, more than downpage inlines ({MAX_ASSET_BYTES}): reference it by URL instead"
            );
        }
        let bytes = Arc::new(
            fs::read(&real).with_context(|| format!("reading static file {}", real.display()))?,
        );
        let mut log = lock(&self.read_log);
        if !log.contains(&real) {
            log.push(real);
        }
        lock(&self.cache).push((rel.to_string(), bytes.clone()));
        Ok(bytes)
    }

    fn external(&self, url: &str) {
        let mut list = lock(&self.externals);
        if !list.iter().any(|u| u == url) {
            list.push(url.to_string());
        }
    }
}

/// The error for a name the manifest lacks, with near matches.
fn not_in_manifest(name: &str, m: &Manifest) -> String {
    let hint = suggest::did_you_mean(&suggest::near(name, m.names()));
    format!(
        "static file \"{name}\" is not in the {} {} ({} entries){hint}: fix the path, or run the assets stage again so the manifest lists it",
        m.kind.describe(),
        m.path.display(),
        m.len()
    )
}

/// A name as templates give it: relative, inside the root, no `..`.
fn check_name(name: &str) -> Result<()> {
    use crate::safe_path::{Problem, relative_problem};
    let fix = "name files by their path inside DOWNPAGE_STATIC_ROOT, like css/site.css";
    match relative_problem(name) {
        Some(Problem::Empty) => bail!("static path is empty: {fix}"),
        Some(Problem::Nul) => bail!("static path {name:?} contains a NUL byte: {fix}"),
        Some(Problem::Absolute) => bail!("static path \"{name}\" is absolute: {fix}"),
        Some(Problem::Parent) => bail!(
            "static path \"{name}\" contains \"..\", which would leave the static root: {fix}"
        ),
        None => Ok(()),
    }
}

/// Relative paths of the files under `root` (bounded), for near-match hints.
fn list_files(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new(), 0usize)];
    while let Some((dir, prefix, depth)) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            if out.len() >= MAX_LISTED {
                return out;
            }
            let Ok(name) = e.file_name().into_string() else {
                continue;
            };
            let rel = format!("{prefix}{name}");
            match e.file_type() {
                Ok(t) if t.is_dir() && depth < 16 => {
                    stack.push((e.path(), format!("{rel}/"), depth + 1));
                }
                Ok(t) if t.is_file() => out.push(rel),
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_leave_the_root_are_refused() {
        for (bad, why) in [
            ("", "empty"),
            ("/etc/passwd", "absolute"),
            ("../x", "\"..\""),
            ("css/../../x", "\"..\""),
            ("a\0", "NUL"),
        ] {
            let e = check_name(bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad:?}: {e}");
        }
        check_name("css/site.css").unwrap();
    }

    #[test]
    fn without_root_static_gives_plain_urls_and_inline_explains() {
        let s = AssetStore::empty("/static/");
        assert_eq!(s.url_for("css/a b.css").unwrap(), "/static/css/a%20b.css");
        let e = s.resolve("css/a.css").unwrap_err().to_string();
        assert!(e.contains("DOWNPAGE_STATIC_ROOT is not set"), "{e}");
    }
}
