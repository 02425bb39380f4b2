//! Rendered HTML → a single-file page (`DOWNPAGE_SELF_CONTAINED`): every local style sheet,
//! script, image and icon — pointing into the static root by `DOWNPAGE_STATIC_URL` prefix or
//! by a relative path — is inlined, with the [`html`](super::html) tokenizer (not regular
//! expressions). External URLs are left alone and reported to the reader. Pure given an
//! [`Inliner`]; everything not rewritten is copied byte for byte.

use anyhow::{Context, Result};

use super::html::{self, Tag, Token, escape_attr};
use super::inline::Inliner;
use crate::assets::url::{Located, locate};

/// What to do with one attribute of a tag being rewritten.
enum Edit {
    Keep,
    Drop,
    Set(String),
}

/// Inlines a page's local assets.
pub fn inline_page(page: &str, inliner: &Inliner) -> Result<String> {
    let tokens = html::tokenize(page);
    let mut out = String::with_capacity(page.len());
    // The raw-text element we are in, and whether its content is being replaced.
    let mut in_style = false;
    let mut skip_script_body = false;
    for token in &tokens {
        match token {
            Token::StartTag(tag) => {
                in_style = tag.is("style");
                skip_script_body = false;
                let what = || format!("<{} ...> in the page", tag.name);
                let rewritten = rewrite_tag(tag, inliner, &mut skip_script_body)
                    .with_context(|| format!("inlining {}", what()))?;
                out.push_str(rewritten.as_deref().unwrap_or(tag.raw));
            }
            Token::RawText(text) if in_style => {
                out.push_str(
                    &inliner
                        .css(text, "", 0)
                        .context("inlining a <style> element")?,
                );
            }
            Token::RawText(text) => {
                if !skip_script_body {
                    out.push_str(text);
                }
            }
            other => {
                if matches!(other, Token::EndTag(_)) {
                    in_style = false;
                    skip_script_body = false;
                }
                out.push_str(other.raw());
            }
        }
    }
    Ok(out)
}

/// The local file a URL attribute points at, noting external ones.
fn local(url: &str, inliner: &Inliner) -> Result<Option<(String, String)>> {
    match locate(url, "", inliner.static_url)? {
        Located::Local { path, fragment } => Ok(Some((path, fragment))),
        Located::External => {
            inliner.reader.external(url);
            Ok(None)
        }
        Located::Ignore => Ok(None),
    }
}

fn data_uri_of(url: &str, inliner: &Inliner) -> Result<Option<String>> {
    match local(url, inliner)? {
        Some((path, fragment)) => inliner.data_uri(&path, &fragment, 0).map(Some),
        None => Ok(None),
    }
}

/// The replacement for a start tag, or `None` to keep it as written.
fn rewrite_tag(tag: &Tag, inliner: &Inliner, skip_body: &mut bool) -> Result<Option<String>> {
    if tag.is("link") {
        let rel = tag.attr("rel").unwrap_or_default().to_ascii_lowercase();
        let rels: Vec<&str> = rel.split_ascii_whitespace().collect();
        let Some(href) = tag.attr("href") else {
            return Ok(None);
        };
        if rels.contains(&"stylesheet") && !rels.contains(&"alternate") {
            let Some((path, _)) = local(&href, inliner)? else {
                return Ok(None);
            };
            let css = inliner.text(&path)?;
            let media = tag
                .attr("media")
                .map(|m| format!(" media=\"{}\"", escape_attr(&m)))
                .unwrap_or_default();
            return Ok(Some(format!(
                "<style{media}>{}</style>",
                neutralise(&css, "</style")
            )));
        }
        if rels
            .iter()
            .any(|r| matches!(*r, "preload" | "modulepreload" | "prefetch"))
        {
            // A hint to fetch a file that is now inlined: drop it.
            return Ok(local(&href, inliner)?.map(|_| String::new()));
        }
        return edit_attrs(tag, &mut |name, value| {
            Ok(match name {
                "href" => data_uri_of(value, inliner)?.map_or(Edit::Keep, Edit::Set),
                _ => Edit::Keep,
            })
        });
    }
    if tag.is("script") {
        let Some(src) = tag.attr("src") else {
            return Ok(None);
        };
        let Some((path, _)) = local(&src, inliner)? else {
            return Ok(None);
        };
        let js = inliner.text(&path)?;
        let Some(open) = edit_attrs(tag, &mut |name, _| {
            Ok(match name {
                "src" | "integrity" | "async" | "defer" => Edit::Drop,
                _ => Edit::Keep,
            })
        })?
        else {
            return Ok(None);
        };
        *skip_body = true;
        return Ok(Some(format!("{open}{}", neutralise(&js, "</script"))));
    }
    let url_attrs: &[&str] = if tag.is("img") || tag.is("source") {
        &["src", "srcset"]
    } else if tag.is("input") {
        &["src"]
    } else if tag.is("video") {
        &["poster"]
    } else {
        &[]
    };
    edit_attrs(tag, &mut |name, value| {
        if name == "style" {
            let css = inliner.css(value, "", 0)?;
            return Ok(if css == value {
                Edit::Keep
            } else {
                Edit::Set(css)
            });
        }
        if !url_attrs.contains(&name) {
            return Ok(Edit::Keep);
        }
        if name == "srcset" {
            let set = rewrite_srcset(value, inliner)?;
            return Ok(if set == value {
                Edit::Keep
            } else {
                Edit::Set(set)
            });
        }
        Ok(data_uri_of(value, inliner)?.map_or(Edit::Keep, Edit::Set))
    })
}

/// Rebuilds a start tag with edited attributes; `None` when nothing changed. `edit` gets
/// the lower-cased name and the decoded value.
fn edit_attrs(
    tag: &Tag,
    edit: &mut dyn FnMut(&str, &str) -> Result<Edit>,
) -> Result<Option<String>> {
    let mut out = format!("<{}", tag.name);
    let mut changed = false;
    for attr in &tag.attrs {
        let name = attr.name.to_ascii_lowercase();
        match edit(&name, &attr.decoded())? {
            Edit::Keep => {
                out.push(' ');
                out.push_str(attr.raw);
            }
            Edit::Drop => changed = true,
            Edit::Set(value) => {
                changed = true;
                out.push_str(&format!(" {}=\"{}\"", attr.name, escape_attr(&value)));
            }
        }
    }
    out.push_str(if tag.self_closing { " />" } else { ">" });
    Ok(changed.then_some(out))
}

/// `srcset` with each local candidate URL replaced by a data URI, descriptors kept.
fn rewrite_srcset(set: &str, inliner: &Inliner) -> Result<String> {
    let mut out = Vec::new();
    let mut rest = set;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == ',');
        if rest.is_empty() {
            break;
        }
        let url_end = rest
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(rest.len());
        let mut url = &rest[..url_end];
        rest = &rest[url_end..];
        let mut descriptor = "";
        if url.ends_with(',') {
            url = url.trim_end_matches(',');
        } else {
            let mut depth = 0i32;
            let end = rest
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        ',' if depth <= 0 => return true,
                        _ => {}
                    }
                    false
                })
                .map_or(rest.len(), |(i, _)| i);
            descriptor = rest[..end].trim();
            rest = &rest[end..];
        }
        let new = data_uri_of(url, inliner)?.unwrap_or_else(|| url.to_string());
        out.push(if descriptor.is_empty() {
            new
        } else {
            format!("{new} {descriptor}")
        });
    }
    Ok(out.join(", "))
}

/// Breaks up `</style` or `</script` (any case) inside inlined text so it cannot end the
/// element early: `<\/style` means the same in CSS strings and JavaScript strings.
fn neutralise(text: &str, end: &str) -> String {
    let lower = text.to_ascii_lowercase();
    if !lower.contains(end) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut last = 0;
    for (i, _) in lower.match_indices(end) {
        out.push_str(&text[last..i]);
        out.push_str("<\\/");
        last = i + 2;
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::self_contained::inline::tests::memory;

    const PNG: &[u8] = b"\x89PNG\r\n";

    fn run(page: &str) -> (String, Vec<String>) {
        let m = memory(&[
            ("css/site.css", b"body{background:url(../img/bg.png)}"),
            ("img/bg.png", PNG),
            ("img/logo.png", PNG),
            ("js/app.js", b"console.log('</script>')"),
            ("favicon.ico", b"ICO"),
        ]);
        let inliner = Inliner {
            static_url: "/static/",
            reader: &m,
        };
        let out = inline_page(page, &inliner).unwrap();
        let externals = m.externals.borrow().clone();
        (out, externals)
    }

    #[test]
    fn inlines_local_assets_and_leaves_the_rest() {
        let page = concat!(
            "<!DOCTYPE html><html><head>",
            "<link rel=\"stylesheet\" href=\"/static/css/site.css\" media=\"screen\">",
            "<link rel=stylesheet href=https://fonts.example/css>",
            "<link rel=\"icon\" href=\"favicon.ico\">",
            "<link rel=\"preload\" href=\"/static/img/logo.png\" as=\"image\">",
            "<script src='/static/js/app.js' defer></script>",
            "<style>h1{background:url(\"/static/img/bg.png\")}</style>",
            "</head><body><!-- <img src=\"/static/nope.png\"> -->",
            "<img src=\"/static/img/logo.png?v=1\" alt=\"&amp; logo\" srcset=\"/static/img/logo.png 2x, https://cdn.example/x.png 3x\">",
            "<p style=\"background: url('img/bg.png')\">x</p>",
            "<a href=\"/static/img/logo.png\">link</a>",
            "</body></html>"
        );
        let (out, externals) = run(page);
        let bg = "data:image/png;base64,iVBORw0K";
        assert!(
            out.contains(&format!(
                "<style media=\"screen\">body{{background:url(\"{bg}\")}}</style>"
            )),
            "{out}"
        );
        assert!(
            out.contains("<link rel=stylesheet href=https://fonts.example/css>"),
            "{out}"
        );
        assert!(
            out.contains("<link rel=\"icon\" href=\"data:image/x-icon;base64,SUNP\">"),
            "{out}"
        );
        assert!(!out.contains("preload"), "{out}");
        assert!(
            out.contains("<script>console.log('<\\/script>')</script>"),
            "{out}"
        );
        assert!(
            out.contains(&format!("<style>h1{{background:url(\"{bg}\")}}</style>")),
            "{out}"
        );
        assert!(
            out.contains("<!-- <img src=\"/static/nope.png\"> -->"),
            "comments stay: {out}"
        );
        assert!(out.contains(&format!("<img src=\"{bg}\" alt=\"&amp; logo\" srcset=\"{bg} 2x, https://cdn.example/x.png 3x\">")), "{out}");
        assert!(
            out.contains(&format!("<p style=\"background: url(&quot;{bg}&quot;)\">")),
            "{out}"
        );
        assert!(
            out.contains("<a href=\"/static/img/logo.png\">"),
            "links are navigation: {out}"
        );
        assert_eq!(
            externals,
            ["https://fonts.example/css", "https://cdn.example/x.png"]
        );
    }

    #[test]
    fn missing_and_escaping_files_are_errors() {
        let m = memory(&[]);
        let inliner = Inliner {
            static_url: "/static/",
            reader: &m,
        };
        let e = format!(
            "{:#}",
            inline_page("<img src=\"/static/gone.png\">", &inliner).unwrap_err()
        );
        assert_eq!(
            e,
            "inlining <img ...> in the page: static file gone.png not found"
        );
        let e = format!(
            "{:#}",
            inline_page("<img src=\"/static/../etc/passwd\">", &inliner).unwrap_err()
        );
        assert!(e.contains("climbs out of the static root"), "{e}");
    }

    /// A small deterministic fuzz: pages made of HTML-significant pieces never panic the
    /// tokenizer or the rewriter, and the tokens always give the page back.
    #[test]
    fn random_pages_never_panic() {
        const PIECES: &[&str] = &[
            "<",
            ">",
            "</",
            "/>",
            "<!--",
            "-->",
            "--!>",
            "<!DOCTYPE html>",
            "<![CDATA[",
            "]]>",
            "<script>",
            "</script>",
            "<script src=/static/a.js>",
            "<style>",
            "</style >",
            "<svg>",
            "</svg>",
            "<img src=\"/static/i.png\" srcset=\"/static/i.png 2x,x 1x\">",
            "<link rel=stylesheet href='/static/a.css'>",
            "<link rel=icon href=i.png>",
            "<p style=\"background:url(i.png)\">",
            "url(",
            ")",
            "\"",
            "'",
            "=",
            " ",
            "\n",
            "&amp;",
            "&#x",
            ";",
            "é",
            "ß",
            "<title>",
            "</title>",
            "<plaintext>",
            "<?x",
            "<a",
            "href=",
            "/static/../x",
            "data:",
            "#",
            "@import 'a.css';",
        ];
        let m = memory(&[
            ("a.css", b"x{y:url(i.png)} @import 'a.css';"),
            ("a.js", b"1"),
            ("i.png", PNG),
        ]);
        let inliner = m.inliner("/static/");
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..3000 {
            let mut page = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            for k in 0..(seed % 24) {
                let r = seed.rotate_left(k as u32 * 5);
                page.push_str(PIECES[(r % PIECES.len() as u64) as usize]);
            }
            assert_eq!(html::roundtrip(&page), page);
            let _ = inline_page(&page, &inliner);
        }
    }

    #[test]
    fn unchanged_pages_are_byte_identical() {
        for page in [
            "",
            "<p>x</p>",
            "<img src=x",
            "<script>a</script>",
            "<a href=/x>",
            "<img alt=x/>",
        ] {
            let m = memory(&[]);
            let inliner = Inliner {
                static_url: "/static/",
                reader: &m,
            };
            assert_eq!(inline_page(page, &inliner).unwrap(), page);
        }
    }
}
