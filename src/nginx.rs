//! Plan → the nginx snippet (`DOWNPAGE_NGINX_CONF`): text for `include` inside a
//! `server {}`, mapping every status code to its page with `error_page` and an `internal`
//! exact-match location. With one folder per language (`DOWNPAGE_LANGS`), the page's
//! language is picked from the visitor's `Accept-Language` (see [`crate::accept_language`]). Pure; every path put into the
//! text is checked to be safe there.

use std::fmt::Write;

use anyhow::{Result, bail};

/// Checks `DOWNPAGE_NGINX_ROOT`: an absolute path that can sit in a double-quoted nginx
/// string without changing meaning (no quote, backslash, `$` variable or control character).
pub fn check_root(root: &str) -> Result<()> {
    if !root.starts_with('/') {
        bail!(
            "\"{root}\" is not an absolute path: nginx would read it relative to its own prefix; write the folder as nginx sees it, like /usr/share/nginx/errors"
        );
    }
    if let Some(c) = root
        .chars()
        .find(|&c| matches!(c, '"' | '\\' | '$') || c.is_control())
    {
        bail!(
            "{root:?} contains {c:?}, which nginx would read as syntax or a variable: use a folder path without quotes, backslashes, $ or control characters"
        );
    }
    Ok(())
}

/// Whether a destination can be written as a URI in nginx config as it is: letters, digits
/// and `. _ - ~ /` only (no spaces, quotes, `;`, braces, `$` variables or `#` comments).
fn uri_safe(dest: &str) -> bool {
    dest.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'~' | b'/'))
}

/// One page as the snippet sees it.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub dest: &'a str,
    pub code: Option<u16>,
}

/// The snippet for `pages` served from `root` (already checked with [`check_root`]).
/// Each code gets one page: its first `.html` page, else its first page. `langs` are the
/// language folders (`DOWNPAGE_LANGS`, the first is the fallback): a page that exists in
/// every one of them is served in the visitor's language.
pub fn snippet(pages: &[Entry], root: &str, gzip: bool, langs: &[String]) -> Result<String> {
    let html = crate::pages::is_html;
    // (code, dest), one per code, in code order.
    let mut by_code: Vec<(u16, &str)> = Vec::new();
    for page in pages {
        let Some(code) = page.code else { continue };
        match by_code.iter_mut().find(|(c, _)| *c == code) {
            None => by_code.push((code, page.dest)),
            Some((_, chosen)) if !html(chosen) && html(page.dest) => *chosen = page.dest,
            Some(_) => {}
        }
    }
    by_code.sort_unstable_by_key(|&(code, _)| code);
    let root = match root.trim_end_matches('/') {
        "" => "/",
        r => r,
    };
    let mut out = String::from(
        "# Error pages made by downpage: include this file inside a server { } block.\n\
         # Each page keeps its real status code and is served only as an error (internal).\n\
         # When the app behind proxy_pass answers errors itself, add to its location:\n\
         #     proxy_intercept_errors on;\n",
    );
    let localized = |dest: &str| -> Option<String> {
        let rest = dest
            .strip_prefix(langs.first()?.as_str())?
            .strip_prefix('/')?;
        langs
            .iter()
            .all(|lang| {
                let there = format!("{lang}/{rest}");
                pages.iter().any(|p| p.dest == there)
            })
            .then(|| rest.to_string())
    };
    let mut locations: Vec<String> = Vec::new();
    let mut errors = String::new();
    for &(code, dest) in &by_code {
        if !uri_safe(dest) {
            bail!(
                "page {dest} (status {code}): its destination has characters that are not safe in nginx config (only letters, digits and . _ - ~ / are): rename it for DOWNPAGE_NGINX_CONF"
            );
        }
        if let Some(rest) = localized(dest) {
            let _ = writeln!(errors, "error_page {code} /$downpage_lang/{rest};");
            locations.extend(langs.iter().map(|lang| format!("{lang}/{rest}")));
        } else {
            let _ = writeln!(errors, "error_page {code} /{dest};");
            locations.push(dest.to_string());
        }
    }
    if errors.contains("$downpage_lang") {
        out.push_str(&crate::accept_language::nginx_lines(langs));
    }
    out.push_str(&errors);
    for dest in &locations {
        let _ = write!(
            out,
            "location = /{dest} {{\n    root \"{root}\";\n    internal;\n"
        );
        if gzip {
            out.push_str("    gzip_static on;\n");
        }
        out.push_str("}\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(dest: &str, code: Option<u16>) -> Entry<'_> {
        Entry { dest, code }
    }

    #[test]
    fn one_page_per_code_html_first_and_codeless_pages_skipped() {
        let pages = [
            e("502.json", Some(502)),
            e("502.html", Some(502)),
            e("errors/503.html", Some(503)),
            e("about.html", None),
            e("503.txt", Some(503)),
        ];
        let text = snippet(&pages, "/srv/pages/", true, &[]).unwrap();
        let body: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            body,
            [
                "error_page 502 /502.html;",
                "error_page 503 /errors/503.html;",
                "location = /502.html {",
                "    root \"/srv/pages\";",
                "    internal;",
                "    gzip_static on;",
                "}",
                "location = /errors/503.html {",
                "    root \"/srv/pages\";",
                "    internal;",
                "    gzip_static on;",
                "}",
            ]
        );
        assert!(text.contains("proxy_intercept_errors on;"));
        let plain = snippet(&pages[..1], "/", false, &[]).unwrap();
        assert!(plain.contains("location = /502.json {\n    root \"/\";\n    internal;\n}\n"));
    }

    #[test]
    fn unsafe_paths_are_refused() {
        for dest in [
            "a b/502.html",
            "502;.html",
            "$x/502.html",
            "{502}.html",
            "5\"02.html",
        ] {
            let err = snippet(&[e(dest, Some(502))], "/srv", false, &[]).unwrap_err();
            assert!(
                err.to_string().contains("not safe in nginx config"),
                "{err}"
            );
        }
        snippet(&[e("a b.html", None)], "/srv", false, &[]).unwrap();
        for root in ["srv", "/srv/$host", "/a\"b", "/a\\b", "/a\nb"] {
            assert!(check_root(root).is_err(), "{root:?}");
        }
        check_root("/srv/my pages;{x}").unwrap();
    }

    #[test]
    fn language_folders_pick_the_page_by_accept_language() {
        let langs = ["en".to_string(), "de".to_string()];
        let pages = [
            e("en/502.html", Some(502)),
            e("de/502.html", Some(502)),
            e("en/only.html", Some(404)),
        ];
        let text = snippet(&pages, "/srv", false, &langs).unwrap();
        let choice = crate::accept_language::nginx_lines(&langs);
        assert!(text.contains(&choice), "{text}");
        assert!(choice.contains("if ($http_accept_language ~* "), "{choice}");
        let body: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("if ("))
            .collect();
        assert_eq!(
            body,
            [
                "set $downpage_lang en;",
                "error_page 404 /en/only.html;",
                "error_page 502 /$downpage_lang/502.html;",
                "location = /en/only.html {",
                "    root \"/srv\";",
                "    internal;",
                "}",
                "location = /en/502.html {",
                "    root \"/srv\";",
                "    internal;",
                "}",
                "location = /de/502.html {",
                "    root \"/srv\";",
                "    internal;",
                "}",
            ]
        );
    }
}
