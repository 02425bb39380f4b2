//! Language tags, in the three spellings Django writes them: the language code (`de-at`,
//! `zh-hans`: `DOWNPAGE_LANGS`, the output folders, `{% get_current_language %}`), the locale
//! folder name (`de_AT`, `zh_Hans`: `<dir>/<name>/LC_MESSAGES`) and the BCP 47 tag (`de-AT`,
//! `zh-Hans`: `<html lang>`); `de_AT`, `de-at` and `de-AT` are one language. And the questions
//! asked of a tag: the languages its catalogs fall back to (`de-at` → `de`), the nearest of a
//! set of languages (`zh` → `zh-Hans`), whether it is written right to left. A leaf: pure
//! string work, asked by config, the built-in catalog, the gettext loader, the plan, the theme
//! and the dialects.

/// Languages written right to left, for the built-in theme's `dir`: Django's
/// `LANGUAGES_BIDI` and the other common ones (dv, ps, sd, yi), by their primary subtag.
const RIGHT_TO_LEFT: &[&str] = &["ar", "ckb", "dv", "fa", "he", "ps", "sd", "ug", "ur", "yi"];

/// Django's `LANGUAGES_BIDI` (less `ar-dz`, which a primary subtag never is): what
/// `get_language_bidi` and `LANGUAGE_BIDI` say.
const DJANGO_BIDI: &[&str] = &["he", "ar", "ckb", "fa", "ug", "ur"];

/// Django's language code for a tag (`de_AT`, `de-AT` → `de-at`; `zh_Hans` → `zh-hans`), or
/// `None` when `text` is not a language tag: a primary subtag of 2 or 3 letters, then subtags
/// of 1 to 8 letters or digits, joined by `-` or `_`. A locale folder's name read this way is
/// Django's `to_language` (`pt_BR` → `pt-br`); one with an encoding or a modifier
/// (`de_AT.UTF-8`, `sr@latin`) is no tag.
pub fn code(text: &str) -> Option<String> {
    let mut subtags = text.trim().split(['-', '_']);
    let primary = subtags.next()?;
    if !(2..=3).contains(&primary.len()) || !primary.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let mut out = primary.to_ascii_lowercase();
    for sub in subtags {
        if !(1..=8).contains(&sub.len()) || !sub.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        out.push('-');
        out.push_str(&sub.to_ascii_lowercase());
    }
    Some(out)
}

/// Django's locale folder name for a language code, like
/// `django.utils.translation.to_locale`: the second part in upper case when it has 2
/// characters, in title case when longer, the rest as it is (`de-at` → `de_AT`, `zh-hans` →
/// `zh_Hans`, `sr-latn-rs` → `sr_Latn-rs`, `es-419` → `es_419`).
pub fn locale_folder(code: &str) -> String {
    let code = code.trim().replace('_', "-").to_ascii_lowercase();
    let Some((lang, rest)) = code.split_once('-') else {
        return code;
    };
    let (region, tail) = match rest.split_once('-') {
        Some((region, tail)) => (region, Some(tail)),
        None => (rest, None),
    };
    let region = if region.len() > 2 {
        let (first, others) = region.split_at(1);
        format!("{}{others}", first.to_ascii_uppercase())
    } else {
        region.to_ascii_uppercase()
    };
    match tail {
        Some(tail) => format!("{lang}_{region}-{tail}"),
        None => format!("{lang}_{region}"),
    }
}

/// The BCP 47 spelling of a tag, as `<html lang>` wants it: the language in lower case, a
/// script in title case, a region in upper case (`de-at` → `de-AT`, `zh-hans` → `zh-Hans`,
/// `sr-latn-rs` → `sr-Latn-RS`, `es-419` → `es-419`), any other subtag in lower case
/// (`ca-valencia`).
pub fn bcp47(tag: &str) -> String {
    let mut out = String::with_capacity(tag.len());
    for (i, sub) in tag.trim().split(['-', '_']).enumerate() {
        if i > 0 {
            out.push('-');
        }
        let alpha = sub.bytes().all(|b| b.is_ascii_alphabetic());
        let digits = sub.bytes().all(|b| b.is_ascii_digit());
        if i > 0 && sub.len() == 4 && alpha {
            out.push_str(&sub[..1].to_ascii_uppercase());
            out.push_str(&sub[1..].to_ascii_lowercase());
        } else if i > 0 && ((sub.len() == 2 && alpha) || (sub.len() == 3 && digits)) {
            out.push_str(&sub.to_ascii_uppercase());
        } else {
            out.push_str(&sub.to_ascii_lowercase());
        }
    }
    out
}

/// The language codes whose catalogs translate `tag` (any spelling), most specific first:
/// itself, then its primary language (`de_AT` → `de-at`, `de`); never another language.
/// Empty when `tag` is no language tag.
pub fn fallbacks(tag: &str) -> Vec<String> {
    let Some(code) = code(tag) else {
        return Vec::new();
    };
    let base = code.split('-').next().map(str::to_string);
    let mut out = vec![code];
    out.extend(base.filter(|b| *b != out[0]));
    out
}

/// Out of `tags` (any spelling), the one for `tag`, by the built-in theme's rule: itself
/// (`zh-hans` → `zh-Hans`), else a shorter form of it (`de-at` → `de`, `zh-hans-cn` →
/// `zh-Hans`), else the first with its primary language (`zh` → `zh-Hans`, `pt-pt` →
/// `pt-BR` when only `pt-BR` is there). `None` when no tag has its language (`fi`).
pub fn nearest<'a>(tag: &str, tags: impl IntoIterator<Item = &'a str> + Clone) -> Option<&'a str> {
    let wanted = code(tag)?;
    let find = |t: &str| {
        tags.clone()
            .into_iter()
            .find(|k| code(k).as_deref() == Some(t))
    };
    let mut prefix = wanted.as_str();
    loop {
        if let Some(found) = find(prefix) {
            return Some(found);
        }
        match prefix.rfind('-') {
            Some(cut) => prefix = &prefix[..cut],
            None => break,
        }
    }
    tags.into_iter().find(|k| {
        k.split(['-', '_'])
            .next()
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    })
}

/// Whether the built-in theme writes `tag` (any spelling) right to left (`ar`, `he`,
/// `fa-IR`…): its primary subtag is a right-to-left language.
pub fn is_rtl(tag: &str) -> bool {
    let primary = tag.split(['-', '_']).next().unwrap_or("");
    RIGHT_TO_LEFT
        .iter()
        .any(|rtl| rtl.eq_ignore_ascii_case(primary))
}

/// Whether Django calls the language code `code` right to left, as `get_language_bidi` does:
/// its primary subtag is in `LANGUAGES_BIDI` (`ar`, `ar-eg`, `he`, `fa`, `ur`, `ckb`, `ug`;
/// not `yi`, which the theme writes right to left).
pub fn django_bidi(code: &str) -> bool {
    let base = code.split('-').next().unwrap_or(code);
    DJANGO_BIDI.contains(&base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_spellings_are_one_language() {
        for text in ["de_AT", "de-at", "de-AT", " DE_at "] {
            assert_eq!(code(text).as_deref(), Some("de-at"), "{text}");
        }
        assert_eq!(code("zh_Hans").as_deref(), Some("zh-hans"));
        assert_eq!(code("pt_BR").as_deref(), Some("pt-br"));
        for bad in [
            "",
            "x",
            "klingon",
            "de--at",
            "de at",
            "d3",
            "de-toolongsubtag",
            "ü",
            "de_AT.UTF-8",
            "sr@latin",
        ] {
            assert_eq!(code(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn django_spellings_of_codes_folders_and_html() {
        for (tag, folder, html) in [
            ("de_AT", "de_AT", "de-AT"),
            ("de-AT", "de_AT", "de-AT"),
            ("pt-br", "pt_BR", "pt-BR"),
            ("zh-hans", "zh_Hans", "zh-Hans"),
            ("sr-latn", "sr_Latn", "sr-Latn"),
            ("sr-latn-rs", "sr_Latn-rs", "sr-Latn-RS"),
            ("es-419", "es_419", "es-419"),
            ("ca-valencia", "ca_Valencia", "ca-valencia"),
            ("en", "en", "en"),
            ("EN", "en", "en"),
        ] {
            let code = code(tag).unwrap();
            assert_eq!(locale_folder(&code), folder, "{tag}");
            assert_eq!(bcp47(tag), html, "{tag}");
            // A folder's name reads back as the code (Django's to_language).
            assert_eq!(super::code(folder).as_deref(), Some(code.as_str()), "{tag}");
        }
    }

    #[test]
    fn catalogs_fall_back_to_the_primary_language_only() {
        assert_eq!(fallbacks("de_AT"), ["de-at", "de"]);
        assert_eq!(fallbacks("zh-hans-cn"), ["zh-hans-cn", "zh"]);
        assert_eq!(fallbacks("ja"), ["ja"]);
        assert!(fallbacks("de at").is_empty());
    }

    #[test]
    fn regional_forms_find_the_nearest_tag() {
        let tags = ["ar", "de", "en", "pt", "zh-Hans"];
        let near = |t| nearest(t, tags);
        assert_eq!(near("de-at"), Some("de"));
        assert_eq!(near("de_CH"), Some("de"));
        assert_eq!(near("pt-br"), Some("pt"));
        assert_eq!(near("pt"), Some("pt"));
        assert_eq!(near("zh-hans"), Some("zh-Hans"));
        assert_eq!(near("zh_Hans_CN"), Some("zh-Hans"));
        assert_eq!(near("zh"), Some("zh-Hans"));
        assert_eq!(near("ar-eg"), Some("ar"));
        assert_eq!(near("xx"), None);
        assert_eq!(near("fi"), None);
        assert_eq!(near("x"), None);
        let regional = ["en", "de", "pt-BR"];
        assert_eq!(nearest("de_AT", regional), Some("de"));
        assert_eq!(nearest("pt_br", regional), Some("pt-BR"));
        assert_eq!(nearest("pt-PT", regional), Some("pt-BR"));
        assert_eq!(nearest("fr", regional), None);
    }

    #[test]
    fn right_to_left_by_language() {
        for rtl in ["ar", "he", "ar-EG", "fa_IR", "HE", "yi"] {
            assert!(is_rtl(rtl), "{rtl}");
        }
        for ltr in ["en", "de-at", "zh-Hans", "hi", "arn"] {
            assert!(!is_rtl(ltr), "{ltr}");
        }
        for rtl in ["ar", "ar-eg", "he", "fa", "ur", "ckb", "ug"] {
            assert!(django_bidi(rtl), "{rtl}");
        }
        for ltr in ["en", "de-at", "yi", "dv", "arn"] {
            assert!(!django_bidi(ltr), "{ltr}");
        }
    }
}
