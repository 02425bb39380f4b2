//! Turning static files into page content: `data:` URIs, and style sheets whose `url(...)`s
//! (images, fonts, `@import`s) are themselves inlined, relative to the sheet. Reads go
//! through [`Reader`], so this is pure given a reader (the fuzzers pass an in-memory one).

use std::cell::RefCell;
use std::sync::Arc;

use anyhow::{Context, Result, bail};

use super::css;
use crate::assets::base64;
use crate::assets::mime;
use crate::assets::url::{Located, locate};

/// How deep style sheets may `@import` each other (a cycle stops here).
pub const MAX_CSS_DEPTH: usize = 8;

/// Where inlined files come from.
pub trait Reader {
    /// The bytes of a file inside the static root, by normalised relative path.
    fn read(&self, rel: &str) -> Result<Arc<Vec<u8>>>;
    /// Notes a URL that was left alone because it is not in the static root.
    fn external(&self, url: &str);
}

/// Inlines files from a reader; `static_url` tells which absolute URLs are local.
pub struct Inliner<'a> {
    pub static_url: &'a str,
    pub reader: &'a dyn Reader,
}

impl Inliner<'_> {
    /// `data:<mime>;base64,...` of a file (style sheets with their references inlined),
    /// followed by `fragment` (`#icon`, or empty).
    pub fn data_uri(&self, rel: &str, fragment: &str, depth: usize) -> Result<String> {
        let mime = mime::of(rel);
        let bytes = self.reader.read(rel)?;
        let encoded = if mime::is_css(mime) {
            base64::encode(self.css_file(rel, &bytes, depth)?.as_bytes())
        } else {
            base64::encode(&bytes)
        };
        Ok(format!("data:{mime};base64,{encoded}{fragment}"))
    }

    /// A file's text for `inline()`: style sheets get their references inlined.
    pub fn text(&self, rel: &str) -> Result<String> {
        let bytes = self.reader.read(rel)?;
        if mime::is_css(mime::of(rel)) {
            self.css_file(rel, &bytes, 0)
        } else {
            utf8(rel, &bytes).map(str::to_string)
        }
    }

    fn css_file(&self, rel: &str, bytes: &[u8], depth: usize) -> Result<String> {
        let text = utf8(rel, bytes)?;
        let dir = rel.rsplit_once('/').map_or("", |(d, _)| d);
        self.css(text, dir, depth)
            .with_context(|| format!("in style sheet {rel}"))
    }

    /// Rewrites the references of CSS text found in folder `dir` of the static root (`""`
    /// for a page's own `<style>` and `style=""`).
    pub fn css(&self, text: &str, dir: &str, depth: usize) -> Result<String> {
        if depth >= MAX_CSS_DEPTH {
            bail!(
                "style sheets import each other more than {MAX_CSS_DEPTH} deep: is there an @import cycle?"
            );
        }
        css::rewrite(text, &mut |url| match locate(url, dir, self.static_url)? {
            Located::Local { path, fragment } => {
                self.data_uri(&path, &fragment, depth + 1).map(Some)
            }
            Located::External => {
                self.reader.external(url);
                Ok(None)
            }
            Located::Ignore => Ok(None),
        })
    }
}

/// A reader that reads through another and keeps the external URLs it is told about for
/// itself (one page's, in the order met), instead of passing them on.
pub struct Collect<'a> {
    inner: &'a dyn Reader,
    externals: RefCell<Vec<String>>,
}

impl<'a> Collect<'a> {
    pub fn new(inner: &'a dyn Reader) -> Collect<'a> {
        Collect {
            inner,
            externals: RefCell::default(),
        }
    }

    /// An inliner reading through this collector.
    pub fn inliner<'b>(&'b self, static_url: &'b str) -> Inliner<'b> {
        Inliner {
            static_url,
            reader: self,
        }
    }

    /// The external URLs met so far.
    pub fn take(&self) -> Vec<String> {
        self.externals.take()
    }
}

impl Reader for Collect<'_> {
    fn read(&self, rel: &str) -> Result<Arc<Vec<u8>>> {
        self.inner.read(rel)
    }

    fn external(&self, url: &str) {
        let mut list = self.externals.borrow_mut();
        if !list.iter().any(|u| u == url) {
            list.push(url.to_string());
        }
    }
}

fn utf8<'b>(rel: &str, bytes: &'b [u8]) -> Result<&'b str> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|_| {
        anyhow::anyhow!(
            "static file {rel} is not UTF-8 text, so it cannot be inlined as text: use data_uri(path=\"{rel}\") for binary files"
        )
    })
}

/// An in-memory static root, for tests and fuzzing: the rewriters are pure given a reader,
/// so `self_contained::inline_page(html, &Memory::new(&[...]).inliner("/static/"))` is a
/// `&str -> Result<String>` function.
#[derive(Debug, Default)]
pub struct Memory {
    pub files: Vec<(String, Vec<u8>)>,
    pub externals: RefCell<Vec<String>>,
}

impl Memory {
    pub fn new(files: &[(&str, &[u8])]) -> Memory {
        Memory {
            files: files
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_vec()))
                .collect(),
            ..Memory::default()
        }
    }

    /// An inliner reading from this root.
    pub fn inliner<'b>(&'b self, static_url: &'b str) -> Inliner<'b> {
        Inliner {
            static_url,
            reader: self,
        }
    }
}

impl Reader for Memory {
    fn read(&self, rel: &str) -> Result<Arc<Vec<u8>>> {
        self.files
            .iter()
            .find(|(name, _)| name == rel)
            .map(|(_, b)| Arc::new(b.clone()))
            .ok_or_else(|| anyhow::anyhow!("static file {rel} not found"))
    }

    fn external(&self, url: &str) {
        self.externals.borrow_mut().push(url.to_string());
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    pub fn memory(files: &[(&str, &[u8])]) -> Memory {
        Memory::new(files)
    }

    #[test]
    fn css_references_become_data_uris_relative_to_the_sheet() {
        let m = memory(&[
            ("css/site.css", b"@import \"parts/a.css\";\nbody{background:url(../img/x.png)}\n@font-face{src:url(/static/f/x.woff2)}\n.e{background:url(https://cdn.example/e.png)}"),
            ("css/parts/a.css", b"h1{background:url('../../img/x.png#frag')}"),
            ("img/x.png", b"\x89PNG"),
            ("f/x.woff2", b"wOF2"),
        ]);
        let inl = Inliner {
            static_url: "/static/",
            reader: &m,
        };
        let out = inl.text("css/site.css").unwrap();
        assert!(
            out.starts_with("@import url(\"data:text/css;charset=utf-8;base64,"),
            "{out}"
        );
        assert!(
            out.contains("body{background:url(\"data:image/png;base64,iVBORw==\")}"),
            "{out}"
        );
        assert!(
            out.contains("url(\"data:font/woff2;base64,d09GMg==\")"),
            "{out}"
        );
        assert!(out.contains("url(https://cdn.example/e.png)"), "{out}");
        assert_eq!(*m.externals.borrow(), ["https://cdn.example/e.png"]);
        assert_eq!(
            inl.data_uri("img/x.png", "#a", 0).unwrap(),
            "data:image/png;base64,iVBORw==#a"
        );
    }

    #[test]
    fn import_cycles_and_missing_files_are_errors() {
        let m = memory(&[
            ("a.css", b"@import 'b.css';"),
            ("b.css", b"@import 'a.css';"),
        ]);
        let inl = Inliner {
            static_url: "/static/",
            reader: &m,
        };
        let e = format!("{:#}", inl.text("a.css").unwrap_err());
        assert!(e.contains("@import cycle"), "{e}");
        let m = memory(&[("a.css", b"x{y:url(gone.png)}"), ("bin.png", b"\xff\xfe")]);
        let inl = Inliner {
            static_url: "/static/",
            reader: &m,
        };
        let e = format!("{:#}", inl.text("a.css").unwrap_err());
        assert_eq!(e, "in style sheet a.css: static file gone.png not found");
        let e = format!("{:#}", inl.text("bin.png").unwrap_err());
        assert!(e.contains("is not UTF-8 text"), "{e}");
    }
}
