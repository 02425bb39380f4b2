//! The status catalog: title, message and hint for every known status code, from the JSON
//! data files in `catalog/` (embedded at build time), so a page whose code is known gets
//! `code`, `title`, `message` and `hint` in its context without the user writing them.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// One status code's words.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Entry {
    pub title: String,
    pub message: String,
    pub hint: String,
}

/// One language's catalog file.
#[derive(Debug, Deserialize)]
pub struct Catalog {
    pub lang: String,
    pub name: String,
    pub codes: BTreeMap<u16, Entry>,
}

const EN: &str = include_str!("builtin/catalog/en.json");

/// The English catalog, parsed once.
pub fn english() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        serde_json::from_str(EN).expect("catalog/en.json is checked by a unit test")
    })
}

/// The words for `code`, when the catalog knows it.
pub fn lookup(code: u16) -> Option<&'static Entry> {
    english().codes.get(&code)
}

/// Words for a whole class of codes (`4` for 4xx, `5` for 5xx), for fallback pages that are
/// shown for any code of the class without their own page.
pub fn class_words(class: u8) -> Entry {
    let (title, message, hint) = if class == 4 {
        (
            "Request Error",
            "The request could not be handled.",
            "Check the address, or go back and try again.",
        )
    } else {
        (
            "Server Error",
            "The server could not complete the request.",
            "Please try again in a few minutes.",
        )
    };
    Entry {
        title: title.into(),
        message: message.into(),
        hint: hint.into(),
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

    #[test]
    fn catalog_parses_and_covers_the_required_codes() {
        let required = (400..=418).chain([429, 500]).chain(502..=505);
        for code in required {
            let e = lookup(code).unwrap_or_else(|| panic!("{code} missing"));
            assert!(!e.title.is_empty() && !e.message.is_empty() && !e.hint.is_empty());
        }
        assert_eq!(english().lang, "en");
        assert_eq!(lookup(502).unwrap().title, "Bad Gateway");
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
