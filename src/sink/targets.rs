//! Adds the files of `DOWNPAGE_TARGETS` to what the sinks get: every page is checked
//! against the targets' budgets as it is staged, and at commit the targets' artifacts
//! (configurations, HAProxy responses, Cloudflare pages, Traefik copies) are made from the
//! pages and staged before anything is committed, so a page over budget or a failing
//! target replaces nothing.

use std::collections::{BTreeMap, HashMap};

use anyhow::Result;

use super::{Derived, Sink, Summary};
use crate::config::Config;
use crate::targets::{self, Input, Page, Settings};

/// `derived` as it is without `DOWNPAGE_TARGETS`, else inside a [`TargetSink`]. `codes`:
/// the status code of each page that has one ([`targets::codes`]).
pub fn wrap(
    config: &Config,
    derived: Derived,
    codes: &BTreeMap<String, u16>,
) -> Result<Box<dyn Sink>> {
    if config.targets.kinds.is_empty() {
        return Ok(Box::new(derived));
    }
    Ok(Box::new(TargetSink::new(
        derived,
        config.targets.clone(),
        targets::serve_root(config)?,
        config.gzip,
        config.lang_folders.clone(),
        codes.clone(),
    )))
}

pub struct TargetSink {
    inner: Box<Derived>,
    settings: Settings,
    root: Option<String>,
    gzip: bool,
    langs: Vec<String>,
    /// Status code of each page that has one (from the plan).
    codes: BTreeMap<String, u16>,
    /// Every page staged, in order; bytes kept only for the page each code is served with
    /// and the class fallbacks (`4xx.html`, `5xx.html`).
    pages: Vec<Page>,
    /// Index in `pages` of the page each code is served with so far.
    chosen: HashMap<u16, usize>,
}

impl TargetSink {
    pub fn new(
        inner: Derived,
        settings: Settings,
        root: Option<String>,
        gzip: bool,
        langs: Vec<String>,
        codes: BTreeMap<String, u16>,
    ) -> TargetSink {
        TargetSink {
            inner: Box::new(inner),
            settings,
            root,
            gzip,
            langs,
            codes,
            pages: Vec::new(),
            chosen: HashMap::new(),
        }
    }
}

impl Sink for TargetSink {
    fn stage(&mut self, dest: &str, bytes: &[u8]) -> Result<()> {
        let code = self.codes.get(dest).copied();
        let mut page = Page {
            dest: dest.to_string(),
            code,
            bytes: bytes.to_vec(),
        };
        targets::check_budget(&self.settings, &page)?;
        self.inner.stage(dest, bytes)?;
        // Keep the bytes only of the page each code is served with (its first HTML page,
        // else its first page) and of the class fallbacks: memory stays per code.
        let keep = match code {
            None => matches!(dest, "4xx.html" | "5xx.html"),
            Some(code) => match self.chosen.get(&code) {
                None => true,
                Some(&i) if !targets::is_html(&self.pages[i].dest) && targets::is_html(dest) => {
                    self.pages[i].bytes = Vec::new();
                    true
                }
                Some(_) => false,
            },
        };
        if let (true, Some(code)) = (keep, code) {
            self.chosen.insert(code, self.pages.len());
        }
        if !keep {
            page.bytes = Vec::new();
        }
        self.pages.push(page);
        Ok(())
    }

    // No `settle`: the artifacts come at commit and may sort anywhere, so a sink that
    // writes in path order (the tarball) holds every entry until then.

    fn commit(mut self: Box<Self>) -> Result<Summary> {
        let input = Input {
            settings: &self.settings,
            pages: &self.pages,
            root: self.root.as_deref(),
            gzip: self.gzip,
            langs: &self.langs,
        };
        for artifact in targets::artifacts(&input)? {
            if artifact.page {
                self.inner.stage(&artifact.path, &artifact.bytes)?;
            } else {
                self.inner.stage_plain(&artifact.path, &artifact.bytes)?;
            }
        }
        self.inner.commit()
    }
}
