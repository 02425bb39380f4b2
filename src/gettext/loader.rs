//! The edge that reads the site's catalogs: the `DOWNPAGE_LOCALE_DIR` folders, searched in
//! order like Django's `LOCALE_PATHS`, laid out as `<dir>/<lang>/LC_MESSAGES/<domain>.mo`
//! (or `.po`; the `.mo` wins when both exist, as at run time). A language's translations
//! are its own folders' catalogs (`de_AT`), then its base language's (`de`), never another
//! language's; for each message the first catalog that translates it wins.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};

use super::{Catalog, Chain, Translations, mo, po};
use crate::config::Config;
use crate::dialect::Syntax;
use crate::language::{self, fallbacks, locale_folder};

/// Largest catalog file read (a real one is well under 1 MiB).
pub const MAX_CATALOG_BYTES: u64 = 64 << 20;

/// One `DOWNPAGE_LOCALE_DIR` folder and the language folders in it.
#[derive(Debug, Clone)]
struct Dir {
    path: PathBuf,
    /// Sub-folder names, sorted.
    folders: Vec<String>,
}

/// The site's locale folders, listed once; catalogs are read per language.
#[derive(Debug, Clone)]
pub struct Locales {
    dirs: Vec<Dir>,
    domain: String,
}

impl Locales {
    /// The catalogs `config` points at, for templates of `syntax` (its default domain unless
    /// `DOWNPAGE_LOCALE_DOMAIN` is set); `None` without `DOWNPAGE_LOCALE_DIR`.
    pub fn from_config(config: &Config, syntax: Syntax) -> Result<Option<Locales>> {
        if config.locale_dirs.is_empty() {
            return Ok(None);
        }
        let domain = config
            .locale_domain
            .as_deref()
            .unwrap_or_else(|| super::default_domain(syntax));
        Locales::open(&config.locale_dirs, domain).map(Some)
    }

    /// Lists the language folders of `dirs`; a missing folder is an error naming it.
    pub fn open(dirs: &[PathBuf], domain: &str) -> Result<Locales> {
        let mut out = Vec::new();
        for dir in dirs {
            let meta = fs::metadata(dir).with_context(|| {
                format!(
                    "DOWNPAGE_LOCALE_DIR folder {} cannot be read: check the path and the volume mount (it holds <lang>/LC_MESSAGES/{domain}.mo)",
                    dir.display()
                )
            })?;
            if !meta.is_dir() {
                bail!(
                    "DOWNPAGE_LOCALE_DIR entry {} is a file, not a folder: point it at the folder that holds <lang>/LC_MESSAGES/{domain}.mo",
                    dir.display()
                );
            }
            let mut folders = Vec::new();
            for entry in fs::read_dir(dir)
                .with_context(|| format!("listing DOWNPAGE_LOCALE_DIR folder {}", dir.display()))?
            {
                let entry = entry.with_context(|| {
                    format!("listing DOWNPAGE_LOCALE_DIR folder {}", dir.display())
                })?;
                if let Ok(name) = entry.file_name().into_string() {
                    folders.push(name);
                }
            }
            folders.sort();
            out.push(Dir {
                path: dir.clone(),
                folders,
            });
        }
        Ok(Locales {
            dirs: out,
            domain: domain.to_string(),
        })
    }

    /// The domain whose catalogs are read (`django`, `messages`).
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// Every language (Django's spelling, `de-at`) with a catalog of the domain, sorted.
    pub fn languages(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .dirs
            .iter()
            .flat_map(|d| {
                d.folders
                    .iter()
                    .filter(|f| self.catalog_file(&d.path.join(f)).is_some())
                    .filter_map(|f| language::code(f))
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The translations of `lang` (any spelling: `de_AT`, `de-at`) for the dialect engines.
    pub fn translations(&self, lang: &str) -> Result<Arc<dyn Translations>> {
        Ok(Arc::new(self.chain(lang)?))
    }

    /// The catalogs of `lang` in lookup order: its folders in every `DOWNPAGE_LOCALE_DIR`
    /// folder, then its base language's. A malformed catalog is an error naming its file.
    pub fn chain(&self, lang: &str) -> Result<Chain> {
        let mut catalogs = Vec::new();
        for level in fallbacks(lang) {
            for dir in &self.dirs {
                for folder in matching(&dir.folders, &level) {
                    let Some(file) = self.catalog_file(&dir.path.join(folder)) else {
                        continue;
                    };
                    catalogs.push(Arc::new(read(&file)?));
                }
            }
        }
        Ok(Chain::new(catalogs))
    }

    /// The catalog files [`Locales::chain`] reads for `lang` (watch mode watches them).
    pub fn files(&self, lang: &str) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for level in fallbacks(lang) {
            for dir in &self.dirs {
                for folder in matching(&dir.folders, &level) {
                    files.extend(self.catalog_file(&dir.path.join(folder)));
                }
            }
        }
        files
    }

    /// `<folder>/LC_MESSAGES/<domain>.mo`, else the `.po`, when one is a file.
    fn catalog_file(&self, folder: &Path) -> Option<PathBuf> {
        let base = folder.join("LC_MESSAGES");
        ["mo", "po"]
            .iter()
            .map(|ext| base.join(format!("{}.{ext}", self.domain)))
            .find(|p| p.is_file())
    }
}

/// The folders naming `lang` (case and `-`/`_` aside), Django's own spelling first.
fn matching<'a>(folders: &'a [String], lang: &str) -> Vec<&'a String> {
    let exact = locale_folder(lang);
    let mut out: Vec<&String> = folders.iter().filter(|f| **f == exact).collect();
    out.extend(
        folders
            .iter()
            .filter(|f| **f != exact && language::code(f).as_deref() == Some(lang)),
    );
    out
}

/// Reads and parses one catalog file.
fn read(path: &Path) -> Result<Catalog> {
    let file =
        fs::File::open(path).with_context(|| format!("reading catalog {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(MAX_CATALOG_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading catalog {}", path.display()))?;
    if bytes.len() as u64 > MAX_CATALOG_BYTES {
        bail!(
            "catalog {} is over {} MiB: is it really a gettext catalog?",
            path.display(),
            MAX_CATALOG_BYTES >> 20
        );
    }
    let name = path.display().to_string();
    if path.extension().is_some_and(|e| e == "mo") {
        mo::parse(&bytes, &name)
    } else {
        po::parse(&bytes, &name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &[u8]) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    fn po(pairs: &[(&str, &str)]) -> Vec<u8> {
        let mut s =
            String::from("msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n");
        for (id, tr) in pairs {
            s.push_str(&format!("msgid \"{id}\"\nmsgstr \"{tr}\"\n\n"));
        }
        s.into_bytes()
    }

    #[test]
    fn folders_in_order_region_then_base_never_another_language() {
        let tmp = std::env::temp_dir().join(format!("downpage-gettext-{}", std::process::id()));
        let (a, b) = (tmp.join("a"), tmp.join("b"));
        write(
            &a,
            "de/LC_MESSAGES/django.po",
            &po(&[("One", "Eins (a)"), ("Two", "Zwei (a)")]),
        );
        write(
            &b,
            "de/LC_MESSAGES/django.po",
            &po(&[("One", "Eins (b)"), ("Three", "Drei (b)")]),
        );
        write(&b, "de-at/LC_MESSAGES/django.po", &po(&[("Two", "Zwoa")]));
        write(&a, "fr/LC_MESSAGES/django.po", &po(&[("Four", "Quatre")]));
        // The .mo wins over the .po beside it.
        write(
            &a,
            "pt_BR/LC_MESSAGES/django.po",
            &po(&[("One", "from the po")]),
        );
        let mo = crate::gettext::mo::tests::build(&[(b"One", b"from the mo")], false);
        write(&a, "pt_BR/LC_MESSAGES/django.mo", &mo);
        write(&a, "zh_Hans/LC_MESSAGES/messages.po", &po(&[("One", "一")]));
        let l = Locales::open(&[a.clone(), b.clone()], "django").unwrap();
        assert_eq!(l.languages(), ["de", "de-at", "fr", "pt-br"]);
        let de_at = l.translations("de_AT").unwrap();
        assert_eq!(de_at.gettext(None, "One").as_deref(), Some("Eins (a)"));
        assert_eq!(de_at.gettext(None, "Two").as_deref(), Some("Zwoa"));
        assert_eq!(de_at.gettext(None, "Three").as_deref(), Some("Drei (b)"));
        assert_eq!(de_at.gettext(None, "Four"), None);
        let pt = l.translations("pt-br").unwrap();
        assert_eq!(pt.gettext(None, "One").as_deref(), Some("from the mo"));
        assert_eq!(l.chain("ja").unwrap().len(), 0);
        let zh = Locales::open(std::slice::from_ref(&a), "messages").unwrap();
        assert_eq!(
            zh.translations("zh-hans")
                .unwrap()
                .gettext(None, "One")
                .as_deref(),
            Some("一")
        );

        write(
            &b,
            "pl/LC_MESSAGES/django.po",
            b"msgid \"x\"\nmsgstr \"y\"\nmsgid",
        );
        let l = Locales::open(&[a.clone(), b.clone()], "django").unwrap();
        let e = format!("{:#}", l.chain("pl").unwrap_err());
        assert!(
            e.contains("b/pl/LC_MESSAGES/django.po: not a valid .po catalog: line 3"),
            "{e}"
        );

        let e = format!(
            "{:#}",
            Locales::open(&[tmp.join("nope")], "django").unwrap_err()
        );
        assert!(e.starts_with("DOWNPAGE_LOCALE_DIR folder "), "{e}");
        fs::remove_dir_all(&tmp).unwrap();
    }
}
