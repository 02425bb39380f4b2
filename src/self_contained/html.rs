//! A small HTML tokenizer for rewriting rendered pages: a state machine after the HTML
//! standard's tokenizer for what rewriting needs — start and end tags with attributes in
//! every quoting form, comments (including `<!-->` and `--!>`), doctypes, bogus comments,
//! CDATA in SVG/MathML, and the raw-text elements (`script` with its escape states,
//! `style`, `textarea`, `title`, `xmp`, `iframe`, `noembed`, `noframes`, `noscript`,
//! `plaintext`). Character references are left exactly as written.
//!
//! Every token keeps its raw text and the raw texts concatenate to the input, so a rewriter
//! changes only the tokens it means to. Panic-free on any `&str` (fuzzed): see [`roundtrip`].

use std::borrow::Cow;

/// One piece of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token<'a> {
    /// Text between tags, character references intact; also a `<` that starts no tag, and an
    /// unfinished tag at the end of the input.
    Text(&'a str),
    /// The content of a raw-text or RCDATA element (`script`, `style`, `title`...).
    RawText(&'a str),
    /// `<!-- ... -->`, a bogus comment (`<?x>`, `<!x>`, `</ x>`), `</>` or CDATA.
    Comment(&'a str),
    /// `<!DOCTYPE ...>`.
    Doctype(&'a str),
    StartTag(Tag<'a>),
    EndTag(Tag<'a>),
}

impl<'a> Token<'a> {
    /// The token exactly as written.
    pub fn raw(&self) -> &'a str {
        match self {
            Token::Text(s) | Token::RawText(s) | Token::Comment(s) | Token::Doctype(s) => s,
            Token::StartTag(t) | Token::EndTag(t) => t.raw,
        }
    }
}

/// A start or end tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag<'a> {
    /// The whole tag, `<` to `>`.
    pub raw: &'a str,
    /// The name as written (compare with `eq_ignore_ascii_case`).
    pub name: &'a str,
    pub attrs: Vec<Attr<'a>>,
    /// Ends with `/>`.
    pub self_closing: bool,
}

impl Tag<'_> {
    /// Whether the tag is named `name` (ASCII lower-case).
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// The first attribute of that name (ASCII case-insensitive), decoded.
    pub fn attr(&self, name: &str) -> Option<Cow<'_, str>> {
        self.attrs
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .map(Attr::decoded)
    }
}

/// An attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr<'a> {
    /// The attribute exactly as written, name to end of value (quotes included).
    pub raw: &'a str,
    pub name: &'a str,
    /// The value as written, without quotes; `None` for a bare attribute.
    pub value: Option<&'a str>,
}

impl Attr<'_> {
    /// The value with the common character references decoded (empty for a bare attribute).
    pub fn decoded(&self) -> Cow<'_, str> {
        decode_refs(self.value.unwrap_or(""))
    }
}

/// Elements whose content is not markup.
const RAW_TEXT: &[&str] = &[
    "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
];

/// Splits a document into tokens; their raw texts concatenate to `html`.
pub fn tokenize(html: &str) -> Vec<Token<'_>> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut text_start = 0;
    let mut i = 0;
    // Depth of <svg>/<math>: there, CDATA sections exist and no element is raw text.
    let mut foreign = 0usize;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        let Some((token, end)) = markup_at(html, i, foreign > 0) else {
            i += 1;
            continue;
        };
        if text_start < i {
            out.push(Token::Text(&html[text_start..i]));
        }
        i = end;
        text_start = end;
        let raw_kind = match &token {
            Token::StartTag(t) if t.is("svg") || t.is("math") => {
                if !t.self_closing {
                    foreign += 1;
                }
                None
            }
            Token::EndTag(t) if t.is("svg") || t.is("math") => {
                foreign = foreign.saturating_sub(1);
                None
            }
            Token::StartTag(t) if foreign == 0 => {
                if t.is("script") {
                    Some(RawKind::Script)
                } else if t.is("plaintext") {
                    Some(RawKind::Plaintext)
                } else {
                    RAW_TEXT.iter().find(|n| t.is(n)).map(|n| RawKind::Until(n))
                }
            }
            _ => None,
        };
        out.push(token);
        if let Some(kind) = raw_kind {
            let end = match kind {
                RawKind::Script => script_end(b, i),
                RawKind::Plaintext => b.len(),
                RawKind::Until(name) => find_end_tag(b, i, name).unwrap_or(b.len()),
            };
            if end > i {
                out.push(Token::RawText(&html[i..end]));
            }
            i = end;
            text_start = end;
        }
    }
    if text_start < b.len() {
        out.push(Token::Text(&html[text_start..]));
    }
    out
}

/// Tokenizes and joins the raw texts again: always equal to the input (the fuzz property).
pub fn roundtrip(html: &str) -> String {
    tokenize(html).iter().map(Token::raw).collect()
}

#[derive(Clone, Copy)]
enum RawKind {
    Script,
    Plaintext,
    Until(&'static str),
}

fn is_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

fn starts_with_ci(b: &[u8], at: usize, what: &[u8]) -> bool {
    b.get(at..at + what.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(what))
}

/// The markup starting with the `<` at `i`, and where it ends; `None` when the `<` is text.
fn markup_at(html: &str, i: usize, foreign: bool) -> Option<(Token<'_>, usize)> {
    let b = html.as_bytes();
    let next = *b.get(i + 1)?;
    if next == b'!' {
        if starts_with_ci(b, i + 2, b"--") {
            let end = comment_end(b, i + 4);
            return Some((Token::Comment(&html[i..end]), end));
        }
        if starts_with_ci(b, i + 2, b"doctype") {
            let end = until_gt(b, i + 2);
            return Some((Token::Doctype(&html[i..end]), end));
        }
        if foreign && starts_with_ci(b, i + 2, b"[CDATA[") {
            let end = find(b, i + 9, b"]]>").map_or(b.len(), |j| j + 3);
            return Some((Token::Comment(&html[i..end]), end));
        }
        let end = until_gt(b, i + 2);
        return Some((Token::Comment(&html[i..end]), end));
    }
    if next == b'?' {
        let end = until_gt(b, i + 2);
        return Some((Token::Comment(&html[i..end]), end));
    }
    if next == b'/' {
        match b.get(i + 2) {
            Some(c) if c.is_ascii_alphabetic() => {
                return Some(match tag_at(html, i, i + 2) {
                    Some((tag, end)) => (Token::EndTag(tag), end),
                    None => (Token::Text(&html[i..]), b.len()),
                });
            }
            Some(b'>') => return Some((Token::Comment(&html[i..i + 3]), i + 3)),
            Some(_) => {
                let end = until_gt(b, i + 2);
                return Some((Token::Comment(&html[i..end]), end));
            }
            None => return None,
        }
    }
    if next.is_ascii_alphabetic() {
        // The input ends inside the tag: the standard drops it and everything after it.
        return Some(match tag_at(html, i, i + 1) {
            Some((tag, end)) => (Token::StartTag(tag), end),
            None => (Token::Text(&html[i..]), b.len()),
        });
    }
    None
}

/// Index just after the `>` ending a bogus comment or doctype begun before `from`.
fn until_gt(b: &[u8], from: usize) -> usize {
    b.get(from..)
        .and_then(|s| s.iter().position(|&c| c == b'>'))
        .map_or(b.len(), |j| from + j + 1)
}

fn find(b: &[u8], from: usize, what: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(what.len())
        .position(|w| w == what)
        .map(|j| from + j)
}

/// End of a comment whose `<!--` ends at `from`: `<!-->` and `<!--->` end at once, others at
/// the first `-->` or `--!>`, unterminated ones at the end of input.
fn comment_end(b: &[u8], from: usize) -> usize {
    match b.get(from) {
        Some(b'>') => return from + 1,
        Some(b'-') if b.get(from + 1) == Some(&b'>') => return from + 2,
        _ => {}
    }
    let mut i = from;
    while i < b.len() {
        if b[i] == b'-' && b.get(i + 1) == Some(&b'-') {
            if b.get(i + 2) == Some(&b'>') {
                return i + 3;
            }
            if b.get(i + 2) == Some(&b'!') && b.get(i + 3) == Some(&b'>') {
                return i + 4;
            }
        }
        i += 1;
    }
    b.len()
}

/// Parses a tag whose `<` is at `lt` and whose name starts at `name_start`; `None` when the
/// input ends inside it.
fn tag_at(html: &str, lt: usize, name_start: usize) -> Option<(Tag<'_>, usize)> {
    let b = html.as_bytes();
    let mut i = name_start;
    while i < b.len() && !is_space(b[i]) && b[i] != b'/' && b[i] != b'>' {
        i += 1;
    }
    let name = &html[name_start..i];
    let mut attrs = Vec::new();
    let mut self_closing = false;
    loop {
        // Before attribute name: spaces and stray `/` are skipped.
        while i < b.len() && (is_space(b[i]) || b[i] == b'/') {
            if b[i] == b'/' && b.get(i + 1) == Some(&b'>') {
                self_closing = true;
                i += 1;
                break;
            }
            i += 1;
        }
        let c = *b.get(i)?;
        if c == b'>' {
            let end = i + 1;
            return Some((
                Tag {
                    raw: &html[lt..end],
                    name,
                    attrs,
                    self_closing,
                },
                end,
            ));
        }
        self_closing = false;
        // Attribute name: the first character may be `=`.
        let attr_start = i;
        i += 1;
        while i < b.len() && !is_space(b[i]) && !matches!(b[i], b'/' | b'>' | b'=') {
            i += 1;
        }
        let attr_name = &html[attr_start..i];
        let mut j = i;
        while j < b.len() && is_space(b[j]) {
            j += 1;
        }
        if b.get(j) != Some(&b'=') {
            attrs.push(Attr {
                raw: attr_name,
                name: attr_name,
                value: None,
            });
            continue;
        }
        j += 1;
        while j < b.len() && is_space(b[j]) {
            j += 1;
        }
        let q = *b.get(j)?;
        let (value, end) = if q == b'"' || q == b'\'' {
            let close = b.get(j + 1..)?.iter().position(|&c| c == q)? + j + 1;
            (&html[j + 1..close], close + 1)
        } else if q == b'>' {
            ("", j)
        } else {
            let mut k = j;
            while k < b.len() && !is_space(b[k]) && b[k] != b'>' {
                k += 1;
            }
            (&html[j..k], k)
        };
        attrs.push(Attr {
            raw: &html[attr_start..end],
            name: attr_name,
            value: Some(value),
        });
        i = end;
    }
}

/// Whether `</name` followed by a space, `/` or `>` starts at `at`.
fn is_end_tag_at(b: &[u8], at: usize, name: &str) -> bool {
    b.get(at) == Some(&b'<')
        && b.get(at + 1) == Some(&b'/')
        && starts_with_ci(b, at + 2, name.as_bytes())
        && b.get(at + 2 + name.len())
            .is_some_and(|&c| is_space(c) || c == b'/' || c == b'>')
}

/// Start of the end tag closing a raw-text element whose content starts at `from`.
fn find_end_tag(b: &[u8], from: usize, name: &str) -> Option<usize> {
    (from..b.len()).find(|&i| b[i] == b'<' && is_end_tag_at(b, i, name))
}

/// End of script content starting at `from`, following the standard's script data states:
/// inside `<!--` a `<script>` opens a double-escaped section whose `</script>` does not end
/// the element.
fn script_end(b: &[u8], from: usize) -> usize {
    #[derive(PartialEq)]
    enum State {
        Data,
        Escaped,
        DoubleEscaped,
    }
    let delimiter = |at: usize| {
        b.get(at)
            .is_some_and(|&c| is_space(c) || c == b'/' || c == b'>')
    };
    let mut state = State::Data;
    let mut dashes = 0usize;
    let mut i = from;
    while i < b.len() {
        let c = b[i];
        if state == State::Data {
            if c == b'<' {
                if is_end_tag_at(b, i, "script") {
                    return i;
                }
                if starts_with_ci(b, i + 1, b"!--") {
                    state = State::Escaped;
                    dashes = 2;
                    i += 4;
                    continue;
                }
            }
            i += 1;
            continue;
        }
        if c == b'-' {
            dashes += 1;
            i += 1;
            continue;
        }
        if c == b'>' && dashes >= 2 {
            state = State::Data;
            dashes = 0;
            i += 1;
            continue;
        }
        dashes = 0;
        if c == b'<' {
            if state == State::Escaped {
                if is_end_tag_at(b, i, "script") {
                    return i;
                }
                if starts_with_ci(b, i + 1, b"script") && delimiter(i + 7) {
                    state = State::DoubleEscaped;
                    i += 7;
                    continue;
                }
            } else if b.get(i + 1) == Some(&b'/')
                && starts_with_ci(b, i + 2, b"script")
                && delimiter(i + 8)
            {
                state = State::Escaped;
                i += 8;
                continue;
            }
        }
        i += 1;
    }
    b.len()
}

/// Decodes `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;` and numeric references (what
/// templates and autoescaping produce in URLs); other references stay as written.
pub fn decode_refs(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest[1..].find(';').map(|j| j + 1).filter(|&j| j <= 12) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let body = &rest[1..semi];
        let decoded = match body {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => body.strip_prefix('#').and_then(|num| {
                let n = match num.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => num.parse().ok(),
                };
                n.and_then(char::from_u32)
            }),
        };
        if let Some(c) = decoded {
            out.push(c);
            rest = &rest[semi + 1..];
        } else {
            out.push('&');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Escapes a value for a double-quoted attribute.
pub fn escape_attr(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '"']) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.replace('&', "&amp;").replace('"', "&quot;"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(html: &str) -> Vec<String> {
        let toks = tokenize(html);
        assert_eq!(roundtrip(html), html);
        toks.iter()
            .map(|t| match t {
                Token::Text(s) => format!("T({s})"),
                Token::RawText(s) => format!("R({s})"),
                Token::Comment(s) => format!("C({s})"),
                Token::Doctype(s) => format!("D({s})"),
                Token::StartTag(t) => format!("<{}>", t.name),
                Token::EndTag(t) => format!("</{}>", t.name),
            })
            .collect()
    }

    #[test]
    fn attributes_in_every_quoting_form() {
        let html = r#"<img SRC="/a.png" alt='it"s' width=10 hidden data-x = "y>z" =odd/>"#;
        let toks = tokenize(html);
        let Token::StartTag(t) = &toks[0] else {
            panic!("{toks:?}")
        };
        assert!(t.is("img") && t.self_closing);
        let attrs: Vec<_> = t.attrs.iter().map(|a| (a.name, a.value)).collect();
        assert_eq!(
            attrs,
            [
                ("SRC", Some("/a.png")),
                ("alt", Some("it\"s")),
                ("width", Some("10")),
                ("hidden", None),
                ("data-x", Some("y>z")),
                ("=odd", None)
            ]
        );
        assert_eq!(t.attr("src").as_deref(), Some("/a.png"));
        assert_eq!(t.attrs[4].raw, "data-x = \"y>z\"");
    }

    #[test]
    fn comments_doctype_and_bogus_markup() {
        assert_eq!(
            kinds("<!DOCTYPE html><!-- a <b> --><!--><!---><p>x</p><? pi ><!x></ y></>a < b"),
            [
                "D(<!DOCTYPE html>)",
                "C(<!-- a <b> -->)",
                "C(<!-->)",
                "C(<!--->)",
                "<p>",
                "T(x)",
                "</p>",
                "C(<? pi >)",
                "C(<!x>)",
                "C(</ y>)",
                "C(</>)",
                "T(a < b)"
            ]
        );
        assert_eq!(kinds("<!-- a --!> b"), ["C(<!-- a --!>)", "T( b)"]);
        assert_eq!(kinds("<!-- open"), ["C(<!-- open)"]);
    }

    #[test]
    fn raw_text_elements_hide_markup() {
        assert_eq!(
            kinds("<style>a>b{x:url(</stylex>)}</STYLE ><title><b>&amp;</title>"),
            [
                "<style>",
                "R(a>b{x:url(</stylex>)})",
                "</STYLE>",
                "<title>",
                "R(<b>&amp;)",
                "</title>"
            ]
        );
        assert_eq!(
            kinds("<script>if (a<b) x = '</scrip'; </script>"),
            ["<script>", "R(if (a<b) x = '</scrip'; )", "</script>"]
        );
        assert_eq!(
            kinds("<script><!-- <script> </script> --></script>x"),
            [
                "<script>",
                "R(<!-- <script> </script> -->)",
                "</script>",
                "T(x)"
            ]
        );
        assert_eq!(
            kinds("<script><!-- </script>x"),
            ["<script>", "R(<!-- )", "</script>", "T(x)"]
        );
        assert_eq!(
            kinds("<plaintext></plaintext>"),
            ["<plaintext>", "R(</plaintext>)"]
        );
        assert_eq!(
            kinds("<svg><style>a{}</style><![CDATA[ <x> ]]></svg>"),
            [
                "<svg>",
                "<style>",
                "T(a{})",
                "</style>",
                "C(<![CDATA[ <x> ]]>)",
                "</svg>"
            ]
        );
    }

    #[test]
    fn unfinished_markup_stays_text() {
        for html in [
            "<a href=\"x",
            "<a href=",
            "<a",
            "<",
            "</",
            "</a",
            "<!",
            "<!--",
            "<script>",
            "<style>a",
            "a<b c='d",
            "ü<é>ß",
            "<a\u{0}>",
            "<img src=x /",
            "<script><!--<script>",
        ] {
            assert_eq!(roundtrip(html), html);
        }
        assert_eq!(kinds("x<a href=\"y"), ["T(x)", "T(<a href=\"y)"]);
    }

    #[test]
    fn references_decode_for_urls_only_when_known() {
        assert_eq!(
            decode_refs("/a?b=1&amp;c=2&#x2F;&#47;&copy;&;&"),
            "/a?b=1&c=2//&copy;&;&"
        );
        assert_eq!(escape_attr("a\"&b"), "a&quot;&amp;b");
    }
}
