//! The site's gettext catalogs (`DOWNPAGE_LOCALE_DIR`): compiled `.mo` and source `.po`
//! files read into [`Catalog`]s, chained per language into the [`Translations`] the dialect
//! engines call for `{% trans %}`, `_()`, `ngettext`…
//!
//! Pure parsing ([`po`], [`mo`], [`plural`], [`header`]) takes bytes and a name for messages;
//! [`loader`] is the edge that finds and reads the files. Lookups follow Python's
//! `GNUTranslations` (what Django and Babel use): a context is `ctxt\x04msgid`, a plural
//! entry's form is chosen by the catalog's own `Plural-Forms`, `gettext` of a plural entry
//! gives its `plural(1)` form, and a message no catalog has is left to the engine (msgid, or
//! gettext's `n == 1` rule for plurals).
//!
//! The pipeline calls [`Locales::from_config`] once per run (it lists the folders; a missing
//! one is an error naming it) and [`Locales::translations`] for each language of the run,
//! which reads that language's catalogs (a malformed one is an error naming the file and
//! the line or byte offset) and gives the `Arc<dyn Translations>` of `dialect::Options`.
//!
//! What stays with the engines, as Django 5.2 does it on top of these lookups: `gettext`
//! turns `\r\n` and `\r` in the msgid into `\n` and gives `""` for an empty msgid (not the
//! header); `npgettext` whose contextual message is missing falls back to `ngettext` without
//! the context, while `pgettext` does not. Jinja2 with Babel does none of these.

pub mod header;
pub mod loader;
pub mod mo;
pub mod plural;
pub mod po;

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context, Result};

pub use crate::dialect::Translations;
use header::{Charset, Header};
pub use loader::Locales;
use plural::Plural;

/// Separates a context from its msgid in a catalog key (gettext's convention).
pub const CONTEXT_SEPARATOR: char = '\u{4}';

/// The default domain (catalog file name) for a dialect: `django` for Django templates,
/// `messages` (Flask-Babel's) for Jinja2; `DOWNPAGE_LOCALE_DOMAIN` overrides it.
pub fn default_domain(syntax: crate::dialect::Syntax) -> &'static str {
    match syntax {
        crate::dialect::Syntax::Django => "django",
        _ => "messages",
    }
}

/// One message as a reader found it, before the charset is known.
#[derive(Debug, Clone)]
pub struct RawEntry {
    /// `ctxt\x04msgid` or `msgid`, bytes in the catalog's charset.
    pub key: Vec<u8>,
    /// A plural entry (`msgid_plural`): `forms` holds `msgstr[0]`, `msgstr[1]`…
    pub plural: bool,
    pub forms: Vec<Vec<u8>>,
    /// Where it is, for messages: `line 12` or `byte offset 28`.
    pub at: String,
}

/// One catalog file's messages.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    singles: HashMap<String, String>,
    plurals: HashMap<String, Vec<String>>,
    plural: Plural,
}

impl Catalog {
    /// Builds a catalog from a reader's entries: the header (the empty msgid) gives the
    /// charset and plural rule; later entries of the same key win, as in a Python dict.
    pub fn build(entries: Vec<RawEntry>) -> Result<Catalog> {
        let mut header = Header::default();
        for e in entries.iter().filter(|e| e.key.is_empty() && !e.plural) {
            let text = std::str::from_utf8(&e.forms[0])
                .map_err(|_| anyhow::anyhow!("the header ({}) is not valid UTF-8", e.at))?;
            header = Header::parse(text).with_context(|| format!("the header ({})", e.at))?;
        }
        let charset_name = header.charset.as_deref();
        let charset = Charset::of(charset_name);
        let mut catalog = Catalog {
            plural: header.plural.clone().unwrap_or_default(),
            ..Catalog::default()
        };
        for e in entries {
            let decode = |b: &[u8]| {
                charset
                    .decode(b, charset_name)
                    .with_context(|| format!("the message at {}", e.at))
            };
            let key = decode(&e.key)?;
            if e.plural {
                let forms = e.forms.iter().map(|f| decode(f)).collect::<Result<_>>()?;
                catalog.plurals.insert(key, forms);
            } else {
                let text = decode(&e.forms[0])?;
                catalog.singles.insert(key, text);
            }
        }
        Ok(catalog)
    }

    /// Number of messages (the header counts, as in Python's catalog).
    pub fn len(&self) -> usize {
        self.singles.len() + self.plurals.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every message: its key (`ctxt\x04msgid`), whether it is a plural entry, its forms.
    pub fn messages(&self) -> impl Iterator<Item = (&str, bool, &[String])> {
        let singles = self
            .singles
            .iter()
            .map(|(k, v)| (k.as_str(), false, std::slice::from_ref(v)));
        let plurals = self
            .plurals
            .iter()
            .map(|(k, v)| (k.as_str(), true, v.as_slice()));
        singles.chain(plurals)
    }

    /// The catalog's plural rule (`n != 1` without a `Plural-Forms`).
    pub fn plural(&self) -> &Plural {
        &self.plural
    }

    fn key(context: Option<&str>, msgid: &str) -> String {
        match context {
            Some(c) => format!("{c}{CONTEXT_SEPARATOR}{msgid}"),
            None => msgid.to_string(),
        }
    }

    /// `gettext`/`pgettext` in this catalog alone.
    pub fn lookup(&self, context: Option<&str>, msgid: &str) -> Option<&str> {
        let key = Catalog::key(context, msgid);
        if let Some(s) = self.singles.get(&key) {
            return Some(s);
        }
        let forms = self.plurals.get(&key)?;
        forms.get(self.plural.index(1)?).map(String::as_str)
    }

    /// `ngettext`/`npgettext` in this catalog alone.
    pub fn lookup_plural(&self, context: Option<&str>, singular: &str, n: u64) -> Option<&str> {
        let forms = self.plurals.get(&Catalog::key(context, singular))?;
        forms.get(self.plural.index(n)?).map(String::as_str)
    }
}

/// A language's catalogs in lookup order (`de_AT` folders in `DOWNPAGE_LOCALE_DIR` order,
/// then `de` ones): the first that translates a message wins.
#[derive(Debug, Clone, Default)]
pub struct Chain {
    catalogs: Vec<Arc<Catalog>>,
}

impl Chain {
    pub fn new(catalogs: Vec<Arc<Catalog>>) -> Chain {
        Chain { catalogs }
    }

    /// How many catalogs the language has (0: every message stays as written).
    pub fn len(&self) -> usize {
        self.catalogs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.catalogs.is_empty()
    }
}

impl Translations for Chain {
    fn gettext(&self, context: Option<&str>, msgid: &str) -> Option<String> {
        self.catalogs
            .iter()
            .find_map(|c| c.lookup(context, msgid))
            .map(str::to_string)
    }

    fn ngettext(
        &self,
        context: Option<&str>,
        singular: &str,
        _plural: &str,
        n: u64,
    ) -> Option<String> {
        self.catalogs
            .iter()
            .find_map(|c| c.lookup_plural(context, singular, n))
            .map(str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, forms: &[&str]) -> RawEntry {
        RawEntry {
            key: key.as_bytes().to_vec(),
            plural: forms.len() > 1,
            forms: forms.iter().map(|f| f.as_bytes().to_vec()).collect(),
            at: "line 1".into(),
        }
    }

    /// Thousands of corrupted catalogs (bytes flipped, cut, duplicated): each is a value or
    /// an error, never a panic. (The libFuzzer target `gettext` goes further.)
    #[test]
    fn mutated_catalogs_never_panic() {
        let mo = mo::tests::build(
            &[
                (b"", b"Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=3; plural=n%10==1 && n%100!=11 ? 0 : n ? 1 : 2;\n"),
                (b"a\x04b", b"c"),
                (b"day\0days", b"x\0y\0z"),
            ],
            false,
        );
        let po = b"#, fuzzy\nmsgid \"\"\nmsgstr \"Plural-Forms: nplurals=2; plural=n>1;\\n\"\n\nmsgctxt \"c\"\nmsgid \"a\"\nmsgid_plural \"b\"\nmsgstr[0] \"\\x41\\101\"\nmsgstr[1] \"\" \"d\"\n".to_vec();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..4000 {
            let mut bytes = if round % 2 == 0 {
                mo.clone()
            } else {
                po.clone()
            };
            for _ in 0..=(next() % 4) {
                let at = (next() as usize) % bytes.len();
                match next() % 4 {
                    0 => bytes[at] = next() as u8,
                    1 => bytes.truncate(at),
                    2 => bytes.insert(at, b"\"\\\n#\x00\x04[]"[(next() % 8) as usize]),
                    _ => bytes[at] ^= 1 << (next() % 8),
                }
                if bytes.is_empty() {
                    bytes.push(b'm');
                }
            }
            let parsed = if round % 2 == 0 {
                mo::parse(&bytes, "m.mo")
            } else {
                po::parse(&bytes, "p.po")
            };
            if let Ok(c) = parsed {
                let chain = Chain::new(vec![Arc::new(c)]);
                for n in [0, 1, 2, 11, u64::MAX] {
                    let _ = chain.ngettext(None, "day", "days", n);
                    let _ = chain.ngettext(Some("c"), "a", "b", n);
                }
                let _ = chain.gettext(Some("a"), "b");
            }
        }
    }

    #[test]
    fn first_catalog_that_translates_wins() {
        let fr = Catalog::build(vec![
            entry("", &["Plural-Forms: nplurals=2; plural=(n > 1);\n"]),
            entry("Hello", &["Bonjour"]),
            entry("menu\u{4}Open", &["Ouvrir"]),
            entry("file", &["fichier", "fichiers"]),
        ])
        .unwrap();
        let fr_ca = Catalog::build(vec![entry("Hello", &["Allô"])]).unwrap();
        let chain = Chain::new(vec![Arc::new(fr_ca), Arc::new(fr)]);
        assert_eq!(chain.gettext(None, "Hello").as_deref(), Some("Allô"));
        assert_eq!(
            chain.gettext(Some("menu"), "Open").as_deref(),
            Some("Ouvrir")
        );
        assert_eq!(chain.gettext(None, "Open"), None);
        assert_eq!(
            chain.ngettext(None, "file", "files", 0).as_deref(),
            Some("fichier")
        );
        assert_eq!(
            chain.ngettext(None, "file", "files", 2).as_deref(),
            Some("fichiers")
        );
        // gettext of a plural entry: its plural(1) form, as Python does.
        assert_eq!(chain.gettext(None, "file").as_deref(), Some("fichier"));
        assert_eq!(chain.ngettext(None, "Hello", "Hellos", 1), None);
    }
}
