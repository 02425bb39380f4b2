//! Languages only the site's catalogs have (`fi`, where the built-in theme has no Finnish
//! and nothing near it), checked once the catalogs are listed: valid when the site's Django
//! or Jinja2 pages are translated into them by a catalog of `DOWNPAGE_LOCALE_DIR`, refused
//! otherwise (a typo such as `dee`, or no page that could be in that language); and the
//! warning that the built-in pages in such a language use another one's words.

use anyhow::{Result, bail};

use crate::catalog;
use crate::config::Config;
use crate::gettext::Locales;
use crate::language;
use crate::log::Line;
use crate::plan::Plan;
use crate::suggest;

/// Checks every language of the run that no built-in language is near: it must be one the
/// site's catalogs translate (`locales`: the listed `DOWNPAGE_LOCALE_DIR`, `None` when the
/// catalogs are not read), for the pages of `DOWNPAGE_PAGES` (`site_pages`) to be in it.
pub fn check(config: &Config, locales: Option<&Locales>, site_pages: bool) -> Result<()> {
    for lang in config.languages() {
        if catalog::nearest(lang).is_some() {
            continue;
        }
        let item = match config.languages_variable() {
            "DOWNPAGE_LANGS" => format!("DOWNPAGE_LANGS item \"{lang}\""),
            variable => format!("{variable} \"{lang}\""),
        };
        let Some(locales) = locales else {
            let (why, fix) = if config.locale_dirs.is_empty() {
                (
                    "no site catalog is read (DOWNPAGE_LOCALE_DIR is not set)",
                    "or set DOWNPAGE_LOCALE_DIR to the site's catalogs that translate it",
                )
            } else {
                (
                    "Tera templates do not read the site's catalogs",
                    "or set DOWNPAGE_SYNTAX=django or jinja2 for templates that translate with DOWNPAGE_LOCALE_DIR",
                )
            };
            bail!(
                "{item} is not a built-in language and {why}: {}use one of {}, a regional form of one (de-at, pt_BR), {fix}",
                did_you_mean(lang, &[]),
                catalog::listing()
            );
        };
        if locales.files(lang).is_empty() {
            let site = locales.languages();
            let has = if site.is_empty() {
                "none".to_string()
            } else {
                site.join(", ")
            };
            let first = &config.locale_dirs[0];
            bail!(
                "{item} is neither a built-in language nor one of the site's catalogs (DOWNPAGE_LOCALE_DIR has {has}): {}use one of {}, a regional form of one (de-at, pt_BR), one of the site's, or add {}/LC_MESSAGES/{}.po",
                did_you_mean(lang, &site),
                catalog::listing(),
                first.join(language::locale_folder(lang)).display(),
                locales.domain()
            );
        }
        if !site_pages {
            bail!(
                "{item} is not a built-in language and DOWNPAGE_PAGES lists no page of the site to translate into it with its catalogs, so no page would be in {lang}: list the site's pages in DOWNPAGE_PAGES, or use one of {}",
                catalog::listing()
            );
        }
    }
    Ok(())
}

/// `did you mean "de"? Otherwise, ` for a tag one edit away from a built-in or a site
/// language (`dee`, `deu` → `de`), or nothing: two-letter tags are all one edit from several
/// others.
fn did_you_mean(lang: &str, site: &[String]) -> String {
    if lang.len() < 3 {
        return String::new();
    }
    let built_in: Vec<String> = catalog::tags().filter_map(language::code).collect();
    let mut near: Vec<&str> = built_in
        .iter()
        .chain(site)
        .map(String::as_str)
        .filter(|c| suggest::distance(lang, c) == 1)
        .collect();
    near.sort_unstable();
    near.dedup();
    match suggest::did_you_mean(&near).strip_prefix("; ") {
        Some(question) => format!("{question} Otherwise, "),
        None => String::new(),
    }
}

/// One warning per language the built-in theme lacks (`fi`) whose folder gets built-in
/// pages: their words are another language's ([`Config::words_lang`]), and so is their
/// `<html lang>`.
pub fn warnings(config: &Config, plan: &Plan) -> Vec<Line> {
    let mut lines = Vec::new();
    let languages = config.languages();
    let variable = config.languages_variable();
    for lang in &languages {
        if catalog::nearest(lang).is_some() {
            continue;
        }
        // Pages of the built-in theme: their words are the built-in catalog's.
        let pages: Vec<&str> = plan
            .pages
            .iter()
            .filter(|p| p.lang == *lang && crate::dialect::site::is_theme(&p.template))
            .map(|p| p.dest.as_str())
            .collect();
        let Some(first) = pages.first() else {
            continue;
        };
        let words = config.words_lang(lang);
        let why = if languages.iter().any(|l| catalog::nearest(l).is_some()) {
            format!("the first built-in language of {variable}")
        } else if languages.len() > 1 {
            format!("the default, as no language of {variable} is built in")
        } else {
            "the default".to_string()
        };
        let which = match pages.len() {
            1 => format!("its built-in page {first} is"),
            n => format!("its {n} built-in pages ({first}, …) are"),
        };
        let name = &catalog::get(words).name;
        let msg = format!(
            "{variable} \"{lang}\" is not a built-in language: {which} in {words} ({name}), {why}, with lang=\"{words}\"; only the site's pages (DOWNPAGE_PAGES) are in {lang}, from its catalogs"
        );
        lines.push(
            Line {
                level: "warn",
                ..Line::info("language", msg)
            }
            .with("lang", *lang)
            .with("words", words)
            .with("pages", pages.len()),
        );
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_one_edit_away_are_named_but_not_two_letter_tags() {
        assert_eq!(did_you_mean("dee", &[]), "did you mean \"de\"? Otherwise, ");
        assert_eq!(did_you_mean("deu", &[]), "did you mean \"de\"? Otherwise, ");
        assert_eq!(
            did_you_mean("fin", &["fi".to_string()]),
            "did you mean \"fi\"? Otherwise, "
        );
        // `fi` is one edit from `hi`, but likely no typo: nothing is suggested.
        assert_eq!(did_you_mean("fi", &[]), "");
        assert_eq!(did_you_mean("vie", &[]), "");
    }
}
