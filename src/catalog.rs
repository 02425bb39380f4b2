//! The status catalog: for each language, the words of every known status code (title,
//! message, hint), of the maintenance page and of the theme's buttons and labels. Read from
//! the data files `src/builtin/catalog/<lang>.json`, which `build.rs` embeds (deflated) at
//! build time, so a language is added by adding one file.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::language;

include!(concat!(env!("OUT_DIR"), "/catalogs.rs"));

/// The language used when none is configured, and the reference every other file must match.
pub const DEFAULT_LANG: &str = "en";

/// One status code's words (or the maintenance page's).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub title: String,
    pub message: String,
    pub hint: String,
}

/// One language's catalog file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// BCP 47 tag, as written in `<html lang>`: the file's name without `.json`.
    pub lang: String,
    /// The language's own name for itself (`Deutsch`).
    pub name: String,
    /// The theme's labels and sentences; `{code}`, `{until}`, `{n}` are filled in by the theme.
    pub ui: BTreeMap<String, String>,
    /// The maintenance page (a 503 whose words the site can replace).
    pub maintenance: Entry,
    /// Pages for a whole class of codes, `4xx` and `5xx` (the ingress-nginx fallbacks).
    pub classes: BTreeMap<String, Entry>,
    pub codes: BTreeMap<u16, Entry>,
}

impl Catalog {
    /// The words for `code`, when this catalog knows it.
    pub fn lookup(&self, code: u16) -> Option<&Entry> {
        self.codes.get(&code)
    }

    /// One UI string (empty when missing; a unit test checks none is).
    pub fn ui(&self, key: &str) -> &str {
        self.ui.get(key).map_or("", String::as_str)
    }
}

/// The built-in language tags (the catalog files' names), sorted, without parsing any.
pub fn tags() -> impl Iterator<Item = &'static str> + Clone {
    CATALOGS.iter().map(|(stem, _)| *stem)
}

/// One built-in catalog, inflated and parsed on first use: a run parses only its own
/// languages (parsing all 20 at start doubled a zero-config run's instructions, 5.7 M to
/// 11.6 M, measured with callgrind).
fn parsed(index: usize) -> &'static Catalog {
    static SLOTS: OnceLock<Vec<OnceLock<Catalog>>> = OnceLock::new();
    let slots = SLOTS.get_or_init(|| CATALOGS.iter().map(|_| OnceLock::new()).collect());
    slots[index].get_or_init(|| {
        let (stem, packed) = CATALOGS[index];
        let mut text = String::new();
        flate2::read::DeflateDecoder::new(packed)
            .read_to_string(&mut text)
            .unwrap_or_else(|e| panic!("src/builtin/catalog/{stem}.json as built: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!("src/builtin/catalog/{stem}.json (checked by a unit test): {e}")
        })
    })
}

/// The built-in catalog named exactly `tag` (a file stem), parsed on first use.
fn by_tag(tag: &str) -> Option<&'static Catalog> {
    CATALOGS
        .binary_search_by(|(stem, _)| (*stem).cmp(tag))
        .ok()
        .map(parsed)
}

/// Every built-in catalog by tag (parses them all: for listing and for tests).
pub fn all() -> BTreeMap<&'static str, &'static Catalog> {
    (0..CATALOGS.len())
        .map(|i| (CATALOGS[i].0, parsed(i)))
        .collect()
}

/// The catalog of `lang` (any spelling), or of the nearest built-in language
/// (`de-AT` → `de`, see [`crate::language`]); config has checked there is one (English
/// otherwise). The theme asks it for every page, nearly always for the same language, and
/// the lookup compares spellings of 20 tags: each thread remembers its last answer (at
/// 10,000 pages the lookups were 3% of the instructions: tests/bench/ab.sh).
pub fn get(lang: &str) -> &'static Catalog {
    use std::cell::RefCell;
    thread_local!(static LAST: RefCell<Option<(String, &'static Catalog)>> = const { RefCell::new(None) });
    LAST.with_borrow_mut(|last| match last {
        Some((tag, catalog)) if tag == lang => *catalog,
        _ => {
            let catalog = nearest(lang)
                .and_then(by_tag)
                .or_else(|| by_tag(DEFAULT_LANG))
                .expect("the English catalog is built in");
            *last = Some((lang.to_string(), catalog));
            catalog
        }
    })
}

/// The built-in language for `tag` (any spelling): its own, or the nearest one
/// (`de-at` → `de`, `pt-br` → `pt`, `zh` → `zh-Hans`).
pub fn nearest(tag: &str) -> Option<&'static str> {
    language::nearest(tag, tags())
}

/// The built-in language whose words the built-in pages in `lang` use: its own or the
/// nearest one (`de-at` → `de`); for a language only the site's catalogs have (`fi`), that of
/// the first of `langs` (the run's languages, the site's source language first) that has
/// one, else English.
pub fn words_lang<'a>(lang: &str, langs: impl IntoIterator<Item = &'a str>) -> &'static str {
    nearest(lang)
        .or_else(|| langs.into_iter().find_map(nearest))
        .unwrap_or(DEFAULT_LANG)
}

/// A language's name in itself, for `{% get_available_languages %}`: the built-in theme's
/// (`Deutsch` for `de-at`), else the language code (`fi`).
pub fn name(lang: &str) -> String {
    nearest(lang)
        .and_then(by_tag)
        .map_or_else(|| lang.to_string(), |c| c.name.clone())
}

/// The built-in languages as error messages list them: `ar (العربية), cs (Čeština), …`.
pub fn listing() -> String {
    all()
        .values()
        .map(|c| format!("{} ({})", c.lang, c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The English catalog.
#[cfg(test)]
pub fn english() -> &'static Catalog {
    get(DEFAULT_LANG)
}

/// The words for `code` in English, when the catalog knows it.
#[cfg(test)]
pub fn lookup(code: u16) -> Option<&'static Entry> {
    english().lookup(code)
}

/// The words of the ingress-nginx fallback pages `4xx` and `5xx` (pages for a whole class
/// of codes), in `lang`.
pub fn class_words(class: u8, lang: &str) -> &'static Entry {
    let key = if class == 4 { "4xx" } else { "5xx" };
    &get(lang).classes[key]
}

/// A status code set in a page's context (`code`), as a number or a numeric string: the one
/// answer for the plan and the theme.
pub fn code_in(context: &serde_json::Map<String, serde_json::Value>) -> Option<u16> {
    use serde_json::Value;
    match context.get("code")? {
        Value::Number(n) => n.as_u64().and_then(|c| u16::try_from(c).ok()),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// The status code a destination names: its file stem is three digits 100–599
/// (`502.html`, `errors/de/503.html`, `504`).
pub fn code_from_dest(dest: &str) -> Option<u16> {
    let file = dest.rsplit('/').next()?;
    let stem = file.split('.').next()?;
    if stem.len() != 3 || !stem.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    stem.parse().ok().filter(|c| (100..=599).contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 9110's 4xx and 5xx, plus the common extras.
    fn required() -> impl Iterator<Item = u16> {
        (400..=418)
            .chain([421, 422, 423, 424, 425, 426, 428, 429, 431, 451])
            .chain(500..=508)
            .chain([510, 511])
    }

    #[test]
    fn english_covers_rfc_9110_and_the_common_extras() {
        for code in required() {
            let e = lookup(code).unwrap_or_else(|| panic!("{code} missing"));
            assert!(!e.title.is_empty() && !e.message.is_empty() && !e.hint.is_empty());
        }
        assert_eq!(english().lang, "en");
        assert_eq!(lookup(502).unwrap().title, "Bad Gateway");
    }

    #[test]
    fn every_language_has_every_word_english_has_and_nothing_else() {
        let en = english();
        assert!(all().len() >= 20, "at least 20 languages");
        for (stem, c) in all() {
            assert_eq!(&c.lang, stem, "{stem}.json: \"lang\" must be the file name");
            let codes: Vec<_> = c.codes.keys().collect();
            assert_eq!(
                codes,
                en.codes.keys().collect::<Vec<_>>(),
                "{stem}.json codes"
            );
            let keys: Vec<_> = c.ui.keys().collect();
            assert_eq!(
                keys,
                en.ui.keys().collect::<Vec<_>>(),
                "{stem}.json ui keys"
            );
            let classes: Vec<_> = c.classes.keys().collect();
            assert_eq!(classes, ["4xx", "5xx"], "{stem}.json classes");
            let entries = c
                .codes
                .values()
                .chain([&c.maintenance])
                .chain(c.classes.values());
            for e in entries {
                for text in [&e.title, &e.message, &e.hint] {
                    assert!(!text.trim().is_empty(), "{stem}.json has an empty text");
                    assert_eq!(text.trim(), text, "{stem}.json: {text:?} has spaces");
                }
            }
            for (key, text) in &c.ui {
                assert!(!text.trim().is_empty(), "{stem}.json ui.{key} is empty");
                let placeholders = |s: &str| s.matches('{').count();
                assert_eq!(
                    placeholders(text),
                    placeholders(en.ui(key)),
                    "{stem}.json ui.{key} must keep the placeholders of en.json"
                );
                for p in ["{code}", "{until}", "{n}", "{duration}"] {
                    assert_eq!(
                        text.contains(p),
                        en.ui(key).contains(p),
                        "{stem} ui.{key} {p}"
                    );
                }
            }
        }
    }

    #[test]
    fn regional_forms_of_built_in_languages() {
        assert_eq!(nearest("de-at"), Some("de"));
        assert_eq!(nearest("pt-BR"), Some("pt"));
        assert_eq!(nearest("zh_Hans"), Some("zh-Hans"));
        assert_eq!(nearest("zh"), Some("zh-Hans"));
        assert_eq!(nearest("xx"), None);
        assert_eq!(get("de-AT").lang, "de");
        assert_eq!(get("ar-EG").lang, "ar");
        assert_eq!(name("de-at"), "Deutsch");
        assert_eq!(name("fi"), "fi");
        let listing = listing();
        assert!(
            listing.starts_with("ar (العربية), cs (Čeština), de (Deutsch)"),
            "{listing}"
        );
    }

    #[test]
    fn a_language_only_the_site_has_takes_the_first_built_in_words_of_the_run() {
        assert_eq!(words_lang("de-at", ["fi", "de-at"]), "de");
        assert_eq!(words_lang("fi", ["fi", "de-at", "fr"]), "de");
        assert_eq!(words_lang("fi", ["ar", "fi"]), "ar");
        assert_eq!(words_lang("fi", ["fi", "ga"]), "en");
        assert_eq!(words_lang("fi", []), "en");
    }

    #[test]
    fn codes_from_destinations() {
        assert_eq!(code_from_dest("502.html"), Some(502));
        assert_eq!(code_from_dest("errors/de/503.html"), Some(503));
        assert_eq!(code_from_dest("504"), Some(504));
        assert_eq!(code_from_dest("5023.html"), None);
        assert_eq!(code_from_dest("index.html"), None);
        assert_eq!(code_from_dest("999.html"), None);
    }
}
