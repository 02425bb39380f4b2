//! Language names in their three spellings, as Django writes them: the language code
//! (`de-at`, `zh-hans`: output folders, `{% get_current_language %}`), the locale folder name
//! (`de_AT`, `zh_Hans`: `locale/<name>/LC_MESSAGES`) and the BCP 47 tag (`de-AT`, `zh-Hans`:
//! `<html lang>`). `de_AT`, `de-at` and `de-AT` are one language.

/// Django's language code: lower case, `-` between parts (`de_AT` → `de-at`), like
/// `django.utils.translation.to_language`.
pub fn language_code(tag: &str) -> String {
    tag.trim().replace('_', "-").to_lowercase()
}

/// Django's locale folder name (`de-at` → `de_AT`, `zh-hans` → `zh_Hans`, `sr-latn` →
/// `sr_Latn`), like `django.utils.translation.to_locale`.
pub fn locale_folder(tag: &str) -> String {
    let code = language_code(tag);
    let Some((lang, rest)) = code.split_once('-') else {
        return code;
    };
    let (region, tail) = match rest.split_once('-') {
        Some((r, t)) => (r, Some(t)),
        None => (rest, None),
    };
    let region = if region.len() > 2 {
        title(region)
    } else {
        region.to_uppercase()
    };
    match tail {
        Some(t) => format!("{lang}_{region}-{t}"),
        None => format!("{lang}_{region}"),
    }
}

/// The BCP 47 tag for `<html lang>`: `de-AT`, `zh-Hans`, `sr-Latn-RS`.
pub fn bcp47(tag: &str) -> String {
    let code = language_code(tag);
    let mut parts = code.split('-');
    let mut out = parts.next().unwrap_or_default().to_string();
    for p in parts {
        out.push('-');
        out.push_str(&match p.len() {
            2 => p.to_uppercase(),
            4 => title(p),
            _ => p.to_string(),
        });
    }
    out
}

fn title(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The key a locale folder name is matched by: case and `-`/`_` do not matter
/// (`de_AT`, `de-at` and `DE_at` are the same folder).
pub fn folder_key(name: &str) -> String {
    language_code(name)
}

/// The languages looked in for `tag`, most specific first: `de-at` → `de-at`, `de`.
pub fn fallbacks(tag: &str) -> Vec<String> {
    let code = language_code(tag);
    let mut out = vec![code.clone()];
    if let Some((base, _)) = code.split_once('-') {
        out.push(base.to_string());
    }
    out
}

/// The nearest of `available` languages to `tag` (itself, else its base language), compared
/// in Django's spelling: for the built-in pages of a language only the site's catalogs have
/// (`de-at` → `de`).
pub fn nearest<'a>(tag: &str, available: &[&'a str]) -> Option<&'a str> {
    fallbacks(tag).iter().find_map(|want| {
        available
            .iter()
            .find(|a| language_code(a) == *want)
            .copied()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn django_spellings() {
        for (tag, code, folder, html) in [
            ("de_AT", "de-at", "de_AT", "de-AT"),
            ("de-AT", "de-at", "de_AT", "de-AT"),
            ("pt-br", "pt-br", "pt_BR", "pt-BR"),
            ("zh-hans", "zh-hans", "zh_Hans", "zh-Hans"),
            ("sr-latn", "sr-latn", "sr_Latn", "sr-Latn"),
            ("en", "en", "en", "en"),
        ] {
            assert_eq!(language_code(tag), code, "{tag}");
            assert_eq!(locale_folder(tag), folder, "{tag}");
            assert_eq!(bcp47(tag), html, "{tag}");
        }
        assert_eq!(fallbacks("de_AT"), ["de-at", "de"]);
        assert_eq!(fallbacks("ja"), ["ja"]);
        assert_eq!(folder_key("de_AT"), folder_key("DE-at"));
        let built_in = ["en", "de", "pt-BR"];
        assert_eq!(nearest("de_AT", &built_in), Some("de"));
        assert_eq!(nearest("pt_br", &built_in), Some("pt-BR"));
        assert_eq!(nearest("pt-PT", &built_in), None);
        assert_eq!(nearest("fr", &built_in), None);
    }
}
