//! Where a URL found in a page or a style sheet points: a file inside the static root (by
//! `DOWNPAGE_STATIC_URL` prefix or a relative path), somewhere else (external), or nowhere
//! to fetch (`data:`, `#fragment`). Pure string work; a relative path that climbs out of the
//! static root is an error here, before anything is read.

use anyhow::{Result, bail};

/// What a URL points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    /// A file inside the static root: normalised relative path, and `#fragment` (with the
    /// `#`, or empty) to keep on the inlined URL.
    Local { path: String, fragment: String },
    /// Another origin, or a path on the site outside the static URL: left alone.
    External,
    /// Nothing to fetch: empty, `#fragment`, `data:`, `javascript:`, `mailto:`...
    Ignore,
}

/// Classifies `url`, found in a file whose folder inside the static root is `base_dir`
/// (`""` for pages and the root itself).
pub fn locate(url: &str, base_dir: &str, static_url: &str) -> Result<Located> {
    let url = url.trim_matches(|c: char| c.is_ascii_whitespace());
    if url.is_empty() || url.starts_with('#') {
        return Ok(Located::Ignore);
    }
    let (rel, base) = if let Some(rest) = url
        .strip_prefix(static_url)
        .filter(|_| !static_url.is_empty())
    {
        (rest, "")
    } else if let Some(scheme) = scheme(url) {
        return Ok(
            if matches!(
                scheme.to_ascii_lowercase().as_str(),
                "data" | "about" | "javascript" | "mailto" | "tel" | "blob"
            ) {
                Located::Ignore
            } else {
                Located::External
            },
        );
    } else if url.starts_with('/') || url.starts_with('\\') {
        return Ok(Located::External);
    } else {
        (url, base_dir)
    };
    let (rest, fragment) = match rel.find('#') {
        Some(i) => (&rel[..i], &rel[i..]),
        None => (rel, ""),
    };
    let rest = rest.split('?').next().unwrap_or(rest);
    let decoded = percent_decode(rest)
        .ok_or_else(|| anyhow::anyhow!("URL \"{url}\" is not valid UTF-8 once %-decoded"))?;
    let mut parts: Vec<&str> = base_dir.split('/').filter(|p| !p.is_empty()).collect();
    if base.is_empty() {
        parts.clear();
    }
    for part in decoded.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    bail!(
                        "URL \"{url}\" climbs out of the static root with \"..\": reference files inside DOWNPAGE_STATIC_ROOT only"
                    );
                }
            }
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        return Ok(Located::Ignore);
    }
    Ok(Located::Local {
        path: parts.join("/"),
        fragment: fragment.to_string(),
    })
}

/// The scheme of an absolute URL (`https` in `https://x`), per the URL standard's syntax.
fn scheme(url: &str) -> Option<&str> {
    let colon = url.find(':')?;
    let s = &url[..colon];
    let mut chars = s.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    (first_ok && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
        .then_some(s)
}

/// `%XX` decoding; `None` when the result is not UTF-8. A `%` not followed by two hex digits
/// stays as it is.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).and_then(|b| (*b as char).to_digit(16)),
                bytes.get(i + 2).and_then(|b| (*b as char).to_digit(16)),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Percent-encodes the characters that could end an HTML attribute or break out of markup
/// (`"`, `'`, `<`, `>`, `&`, backtick, backslash, spaces and controls), so a URL can be
/// printed unescaped in any template.
pub fn attribute_safe(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        if matches!(c, '"' | '\'' | '<' | '>' | '&' | '`' | '\\')
            || c.is_whitespace()
            || c.is_control()
        {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(path: &str, fragment: &str) -> Located {
        Located::Local {
            path: path.into(),
            fragment: fragment.into(),
        }
    }

    #[test]
    fn locates() {
        let s = "/static/";
        assert_eq!(
            locate("/static/css/a.css", "", s).unwrap(),
            local("css/a.css", "")
        );
        assert_eq!(
            locate(" css/a.css?v=1 ", "", s).unwrap(),
            local("css/a.css", "")
        );
        assert_eq!(
            locate("../img/x.png", "css", s).unwrap(),
            local("img/x.png", "")
        );
        assert_eq!(
            locate("../fonts/f.woff2?#iefix", "css/sub", s).unwrap(),
            local("css/fonts/f.woff2", "#iefix")
        );
        assert_eq!(
            locate("icons.svg#home", "", s).unwrap(),
            local("icons.svg", "#home")
        );
        assert_eq!(
            locate("my%20logo.png", "img", s).unwrap(),
            local("img/my logo.png", "")
        );
        assert!(
            locate("/static/../x", "", s)
                .unwrap_err()
                .to_string()
                .contains("climbs out")
        );
        assert!(locate("../../x", "css", s).is_err());
        assert!(locate("%2e%2e/x", "", s).is_err());
        assert_eq!(
            locate("https://fonts.example/x.css", "", s).unwrap(),
            Located::External
        );
        assert_eq!(
            locate("//cdn.example/x.css", "", s).unwrap(),
            Located::External
        );
        assert_eq!(locate("/other/x.css", "", s).unwrap(), Located::External);
        for nothing in [
            "",
            "#a",
            "data:image/png;base64,xx",
            "JavaScript:void(0)",
            "mailto:a@b",
        ] {
            assert_eq!(
                locate(nothing, "", s).unwrap(),
                Located::Ignore,
                "{nothing}"
            );
        }
        let cdn = "https://cdn.example.com/s/";
        assert_eq!(
            locate("https://cdn.example.com/s/a.css", "", cdn).unwrap(),
            local("a.css", "")
        );
    }

    #[test]
    fn encodes_for_attributes() {
        assert_eq!(
            attribute_safe("/static/a b\"<&'.css"),
            "/static/a%20b%22%3C%26%27.css"
        );
        assert_eq!(attribute_safe("/static/é.css"), "/static/é.css");
        assert_eq!(percent_decode("a%20b%zz%4"), Some("a b%zz%4".into()));
        assert_eq!(percent_decode("%ff"), None);
    }
}
