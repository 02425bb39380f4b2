//! Finds the URLs a style sheet refers to — `url(...)` (quoted or not) and `@import "x.css"` —
//! skipping comments and other strings, and replaces them. A small scanner over CSS tokens,
//! panic-free on any input; everything it does not change is copied byte for byte.

use anyhow::Result;

/// One reference: the byte span to replace and the URL as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlRef {
    pub start: usize,
    pub end: usize,
    pub url: String,
}

/// Every URL reference in `css`, in order.
pub fn find_urls(css: &str) -> Vec<UrlRef> {
    let b = css.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = css[i + 2..].find("*/").map_or(b.len(), |j| i + 2 + j + 2);
            }
            b'"' | b'\'' => {
                let end = string_end(b, i);
                if is_import_before(css, i) {
                    out.push(UrlRef {
                        start: i,
                        end,
                        url: unquote(&css[i..end]),
                    });
                }
                i = end;
            }
            b'\\' => i += 2,
            b'u' | b'U'
                if b.len() >= i + 4
                    && b[i..i + 4].eq_ignore_ascii_case(b"url(")
                    && !(i > 0 && is_ident_byte(b[i - 1])) =>
            {
                match url_token(css, i) {
                    Some(r) => {
                        i = r.end;
                        out.push(r);
                    }
                    None => i += 4,
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// Replaces each reference with `url("<new>")` where `f` returns a new URL; others stay.
pub fn rewrite(css: &str, f: &mut dyn FnMut(&str) -> Result<Option<String>>) -> Result<String> {
    let mut out = String::with_capacity(css.len());
    let mut last = 0;
    for r in find_urls(css) {
        if let Some(new) = f(&r.url)? {
            out.push_str(&css[last..r.start]);
            out.push_str("url(\"");
            out.push_str(&new.replace('"', "%22"));
            out.push_str("\")");
            last = r.end;
        }
    }
    out.push_str(&css[last..]);
    Ok(out)
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'\\' || c >= 0x80
}

/// End (exclusive) of the string starting with a quote at `start`: after the closing quote,
/// or at an unescaped newline or the end (CSS's bad-string rule).
fn string_end(b: &[u8], start: usize) -> usize {
    let quote = b[start];
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            c if c == quote => return i + 1,
            b'\\' => i += 2,
            b'\n' => return i,
            _ => i += 1,
        }
    }
    b.len()
}

/// The text of a quoted string without its quotes (escaped quotes and newlines unescaped).
fn unquote(s: &str) -> String {
    let inner = s.get(1..).unwrap_or("");
    let inner = match (s.chars().next(), inner.chars().last()) {
        (Some(q), Some(l)) if q == l && !inner.is_empty() => &inner[..inner.len() - 1],
        _ => inner,
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('\n') | None => {}
                Some(n) => out.push(n),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether the string at `i` follows `@import` (only whitespace between).
fn is_import_before(css: &str, i: usize) -> bool {
    let before = css[..i].trim_end();
    before.len() >= 7 && before.as_bytes()[before.len() - 7..].eq_ignore_ascii_case(b"@import")
}

/// The `url(...)` token starting at `start` (at the `u`), if well-formed.
fn url_token(css: &str, start: usize) -> Option<UrlRef> {
    let b = css.as_bytes();
    let mut i = start + 4;
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    let url;
    if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
        let end = string_end(b, i);
        url = unquote(&css[i..end]);
        i = end;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b.get(i) != Some(&b')') {
            return None;
        }
    } else {
        let from = i;
        while i < b.len() && b[i] != b')' {
            if matches!(b[i], b'"' | b'\'' | b'(') {
                return None;
            }
            i += if b[i] == b'\\' { 2 } else { 1 };
        }
        if i >= b.len() {
            return None;
        }
        url = css[from..i].trim().to_string();
    }
    Some(UrlRef {
        start,
        end: i + 1,
        url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(css: &str) -> Vec<String> {
        find_urls(css).into_iter().map(|r| r.url).collect()
    }

    #[test]
    fn finds_every_form() {
        let css = r#"@import "base.css"; @import url(print.css) print;
/* url(commented.png) */ a { background: URL( '../img/a b.png' ) no-repeat; content: "url(not.png)" }
@font-face { src: url("../f/x.woff2?#iefix") format("woff2"), url(../f/x.woff) }
.x { mask: my-url(no.png); b: url(data:image/png;base64,AAA=) }"#;
        assert_eq!(
            urls(css),
            [
                "base.css",
                "print.css",
                "../img/a b.png",
                "../f/x.woff2?#iefix",
                "../f/x.woff",
                "data:image/png;base64,AAA="
            ]
        );
    }

    #[test]
    fn rewrite_keeps_the_rest_byte_for_byte() {
        let css = "a{b:url(x.png)}/* url(y) */c{d:url( \"z.png\" )}";
        let out = rewrite(css, &mut |u| {
            Ok((u == "x.png").then(|| "data:X".to_string()))
        })
        .unwrap();
        assert_eq!(out, "a{b:url(\"data:X\")}/* url(y) */c{d:url( \"z.png\" )}");
        for broken in [
            "url(",
            "url(\"a",
            "a{url(x",
            "/*",
            "\"",
            "url('a' b)",
            "\\",
            "ü url(é)",
        ] {
            let _ = find_urls(broken);
            assert_eq!(rewrite(broken, &mut |_| Ok(None)).unwrap(), broken);
        }
    }
}
