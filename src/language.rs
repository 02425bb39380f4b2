//! Language tags: `de_AT`, `de-at` and `de-AT` name one language. Config keeps Django's
//! spelling (`de-at`: the language folder); pages get the BCP 47 spelling (`de-AT`, for
//! `<html lang>`); a tag without a catalog of its own finds the nearest one (`de-at` → `de`,
//! `pt-br` → `pt`, `zh` → `zh-Hans`); and right-to-left languages are known by their tag.
//! A leaf: pure string work, the catalog asks it.

/// Languages written right to left: Django's `LANGUAGES_BIDI` (ar, ckb, fa, he, ug, ur) and
/// the other common ones (dv, ps, sd, yi), by their primary subtag.
const RIGHT_TO_LEFT: &[&str] = &["ar", "ckb", "dv", "fa", "he", "ps", "sd", "ug", "ur", "yi"];

/// Django's spelling of a tag (`de_AT`, `de-AT` → `de-at`; `zh_Hans` → `zh-hans`), or `None`
/// when `text` is not a language tag: a primary subtag of 2 or 3 letters, then subtags of 1
/// to 8 letters or digits, joined by `-` or `_`.
pub fn django(text: &str) -> Option<String> {
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

/// The BCP 47 spelling of a tag, as `<html lang>` wants it: the language in lower case, a
/// script in title case, a region in upper case (`de-at` → `de-AT`, `zh-hans` → `zh-Hans`,
/// `sr-latn-rs` → `sr-Latn-RS`).
pub fn bcp47(tag: &str) -> String {
    let mut out = String::with_capacity(tag.len());
    for (i, sub) in tag.split(['-', '_']).enumerate() {
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

/// Out of `tags` (any spelling), the one for `tag`: itself (`zh-hans` → `zh-Hans`), else a
/// shorter form of it (`de-at` → `de`, `zh-hans-cn` → `zh-Hans`), else the first with its
/// language (`zh` → `zh-Hans`, `pt-br` → `pt`).
pub fn nearest<'a>(tag: &str, tags: impl IntoIterator<Item = &'a str> + Clone) -> Option<&'a str> {
    let wanted = django(tag)?;
    let find = |t: &str| {
        tags.clone()
            .into_iter()
            .find(|k| django(k).as_deref() == Some(t))
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

/// Whether `tag` (any spelling) is written right to left (`ar`, `he`, `fa-IR`…).
pub fn is_rtl(tag: &str) -> bool {
    let primary = tag.split(['-', '_']).next().unwrap_or("");
    RIGHT_TO_LEFT
        .iter()
        .any(|rtl| rtl.eq_ignore_ascii_case(primary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_spellings_are_one_language() {
        for text in ["de_AT", "de-at", "de-AT", " DE_at "] {
            assert_eq!(django(text).as_deref(), Some("de-at"), "{text}");
        }
        assert_eq!(django("zh_Hans").as_deref(), Some("zh-hans"));
        assert_eq!(django("pt_BR").as_deref(), Some("pt-br"));
        for bad in [
            "",
            "x",
            "klingon",
            "de--at",
            "de at",
            "d3",
            "de-toolongsubtag",
            "ü",
        ] {
            assert_eq!(django(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn bcp47_cases_script_and_region() {
        assert_eq!(bcp47("de-at"), "de-AT");
        assert_eq!(bcp47("zh-hans"), "zh-Hans");
        assert_eq!(bcp47("sr-latn-rs"), "sr-Latn-RS");
        assert_eq!(bcp47("es-419"), "es-419");
        assert_eq!(bcp47("EN"), "en");
        assert_eq!(bcp47("ca-valencia"), "ca-valencia");
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
        assert_eq!(near("x"), None);
    }

    #[test]
    fn right_to_left_by_language() {
        for rtl in ["ar", "he", "ar-EG", "fa_IR", "HE"] {
            assert!(is_rtl(rtl), "{rtl}");
        }
        for ltr in ["en", "de-at", "zh-Hans", "hi", "arn"] {
            assert!(!is_rtl(ltr), "{ltr}");
        }
    }
}
