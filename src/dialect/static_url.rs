//! Django's `static()` (`django.templatetags.static`, no staticfiles app):
//! `urljoin(STATIC_URL, quote(path))`, the path first mapped through the static manifest when
//! there is one. Shared by Django's `{% static %}` and django-jinja's `static()`.

use super::Options;

/// The URL of the static file `path`.
pub fn static_url(options: &Options, path: &str) -> String {
    let mapped = options.static_names.as_ref().and_then(|names| names(path));
    let path = mapped.as_deref().unwrap_or(path);
    urljoin(&script_prefixed(&options.static_url), &quote(path, b"/"))
}

/// Django's `_add_script_prefix` on `STATIC_URL`/`MEDIA_URL`: a relative prefix gets `/`.
pub fn script_prefixed(url: &str) -> String {
    if url.starts_with("http://") || url.starts_with("https://") || url.starts_with('/') {
        url.to_string()
    } else {
        format!("/{url}")
    }
}

/// Python's `urllib.parse.quote(s, safe)`: UTF-8 bytes, all but `A-Za-z0-9_.-~` and `safe`
/// percent-encoded (upper-case hex).
pub fn quote(s: &str, safe: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) || safe.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Python's `urllib.parse.urljoin(base, url)` for the URLs `static()` makes.
pub fn urljoin(base: &str, url: &str) -> String {
    if base.is_empty() {
        return url.to_string();
    }
    if url.is_empty() {
        return base.to_string();
    }
    let (scheme, rest) = split_scheme(base);
    if let Some((s, _)) = split_scheme_opt(url)
        && s != scheme
    {
        return url.to_string();
    }
    let (netloc, path) = split_netloc(rest);
    if url.starts_with("//") {
        return format!("{}{url}", scheme_prefix(scheme));
    }
    // Query and fragment of the reference stay as they are.
    let cut = url.find(['?', '#']).unwrap_or(url.len());
    let (upath, tail) = url.split_at(cut);
    let merged = if upath.is_empty() {
        let base_cut = path.find(['?', '#']).unwrap_or(path.len());
        return format!(
            "{}{netloc}{}{tail}",
            scheme_prefix(scheme),
            &path[..base_cut]
        );
    } else if upath.starts_with('/') {
        upath.to_string()
    } else {
        let base_path = &path[..path.find(['?', '#']).unwrap_or(path.len())];
        let dir = &base_path[..base_path.rfind('/').map_or(0, |i| i + 1)];
        format!("{dir}{upath}")
    };
    let resolved = remove_dots(&merged);
    format!("{}{netloc}{resolved}{tail}", scheme_prefix(scheme))
}

fn scheme_prefix(scheme: &str) -> String {
    if scheme.is_empty() {
        String::new()
    } else {
        format!("{scheme}:")
    }
}

fn split_scheme_opt(url: &str) -> Option<(&str, &str)> {
    let i = url.find(':')?;
    let s = &url[..i];
    let ok = !s.is_empty()
        && s.as_bytes()[0].is_ascii_alphabetic()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    ok.then(|| (s, &url[i + 1..]))
}

fn split_scheme(url: &str) -> (&str, &str) {
    split_scheme_opt(url).unwrap_or(("", url))
}

fn split_netloc(rest: &str) -> (&str, &str) {
    match rest.strip_prefix("//") {
        Some(r) => {
            let end = r.find(['/', '?', '#']).unwrap_or(r.len());
            (&rest[..end + 2], &r[end..])
        }
        None => ("", rest),
    }
}

/// RFC 3986 dot-segment removal, as `urljoin` does it.
fn remove_dots(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    let mut out: Vec<&str> = Vec::new();
    let last = segments.len() - 1;
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            "." => {
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if path.starts_with('/') && !joined.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_python() {
        assert_eq!(urljoin("/static/", "css/a b.css"), "/static/css/a b.css");
        assert_eq!(urljoin("/static/", "/x.css"), "/x.css");
        assert_eq!(urljoin("/static/", "../x.css"), "/x.css");
        assert_eq!(
            urljoin("https://cdn.example/s/", "a.css"),
            "https://cdn.example/s/a.css"
        );
        assert_eq!(
            urljoin("https://cdn.example/s/", "/a.css"),
            "https://cdn.example/a.css"
        );
        assert_eq!(urljoin("/static/", "//cdn/a"), "//cdn/a");
        assert_eq!(quote("a b/é?.css", b"/"), "a%20b/%C3%A9%3F.css");
    }
}
