//! The pipeline's side of the dialects (render step): which pages a dialect engine renders
//! (those whose template is one of the site's), the context they see (only
//! `DOWNPAGE_CONTEXT`, `DOWNPAGE_VAR_*`, the page's own and the catalog's
//! `code`/`title`/`message`), and the stubs met, merged in plan order into one warning each.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use anyhow::{Result, anyhow};
use serde_json::{Map, Value};

use super::{Engine, Options, Stub, StubKind, Syntax};
use crate::config::Config;
use crate::plan::Page;
use crate::template_dirs::Source;

/// The catalog values a site template sees (the destination being a status code).
const CATALOG_KEYS: &[&str] = &["code", "title", "message"];

/// Whether a template belongs to the built-in theme's namespace (`downpage/…`): Tera, whatever
/// the syntax (a site's `downpage/base.html` restyles the built-in pages).
pub fn is_theme(name: &str) -> bool {
    name.starts_with("downpage/")
}

/// A dialect engine over the site's templates, with the stubs its pages met.
pub struct Site {
    engine: Box<dyn Engine>,
    /// The site's template names: the pages this engine renders.
    names: HashSet<String>,
    /// Keys set by `DOWNPAGE_CONTEXT` and `DOWNPAGE_VAR_*`.
    user_keys: HashSet<String>,
    /// Stubs met by each page (by destination), until taken in plan order.
    stubs: Mutex<HashMap<String, Vec<Stub>>>,
}

impl Site {
    /// The engine for `config.syntax` (`None` for Tera).
    pub fn new(
        config: &Config,
        sources: &[Source],
        static_names: Option<super::StaticNames>,
    ) -> Option<Site> {
        if config.syntax == Syntax::Tera {
            return None;
        }
        let catalog = crate::catalog::get(&config.lang);
        let options = Options {
            urls: config.urls.clone(),
            strict: config.strict,
            static_url: config.static_url.clone(),
            static_names,
            lang: config.lang.to_ascii_lowercase(),
            lang_name: catalog.name.clone(),
            now: config.source_date_epoch,
            translations: Arc::new(super::NullTranslations),
        };
        let texts = sources
            .iter()
            .filter(|s| !is_theme(&s.name))
            .map(|s| (s.name.clone(), s.text.clone()))
            .collect();
        let engine = super::engine(config.syntax, texts, options)?;
        Some(Site {
            engine,
            names: sources
                .iter()
                .filter(|s| !is_theme(&s.name))
                .map(|s| s.name.clone())
                .collect(),
            user_keys: config
                .context
                .keys()
                .chain(config.vars.keys())
                .cloned()
                .collect(),
            stubs: Mutex::new(HashMap::new()),
        })
    }

    /// Whether this engine renders `template` (one of the site's).
    pub fn has(&self, template: &str) -> bool {
        self.names.contains(template)
    }

    /// The context a site template sees for `page`.
    pub fn context(&self, page: &Page) -> Map<String, Value> {
        let mut ctx = Map::new();
        let status = crate::catalog::code_from_dest(&page.dest).is_some();
        for (key, value) in page.shared.iter() {
            if self.user_keys.contains(key) || (status && CATALOG_KEYS.contains(&key.as_str())) {
                ctx.insert(key.clone(), value.clone());
            }
        }
        ctx.extend(page.own.iter().map(|(k, v)| (k.clone(), v.clone())));
        ctx
    }

    /// Renders `page`; its stubs wait for [`Site::take_stubs`].
    pub fn render(&self, page: &Page) -> Result<Vec<u8>> {
        let rendered = self
            .engine
            .render(&page.template, &self.context(page))
            .map_err(|e| anyhow!("page {} ({}): {e:#}", page.dest, page.origin))?;
        if !rendered.stubs.is_empty() {
            lock(&self.stubs).insert(page.dest.clone(), rendered.stubs);
        }
        Ok(rendered.text.into_bytes())
    }

    /// The stubs `dest`'s page met (empty once taken).
    pub fn take_stubs(&self, dest: &str) -> Vec<Stub> {
        lock(&self.stubs).remove(dest).unwrap_or_default()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Stubs of every page, each (kind, name) once, the first met in plan order.
#[derive(Debug, Default)]
pub struct StubReport {
    seen: BTreeSet<(StubKind, String)>,
    stubs: Vec<Stub>,
}

impl StubReport {
    pub fn add(&mut self, stubs: Vec<Stub>) {
        for stub in stubs {
            if self.seen.insert((stub.kind, stub.name.clone())) {
                self.stubs.push(stub);
            }
        }
    }

    /// One warning line per stub.
    pub fn lines(&self) -> Vec<crate::log::Line> {
        self.stubs
            .iter()
            .map(|s| {
                let line = crate::log::Line {
                    level: "warn",
                    ..crate::log::Line::info("stub", message(s))
                };
                line.with("kind", format!("{:?}", s.kind).to_lowercase())
                    .with("name", s.name.as_str())
                    .with("template", s.template.as_str())
                    .with("line", s.line)
            })
            .collect()
    }
}

/// `base.html line 3: unknown tag "x" stubbed (renders …); …`
pub fn message(stub: &Stub) -> String {
    let what = match stub.kind {
        StubKind::Library => "loads nothing",
        StubKind::Tag => "renders its body or nothing",
        StubKind::Filter => "returns its input",
        StubKind::Test => "is false",
        StubKind::Function => "gives undefined",
        StubKind::Url => "renders #",
    };
    if stub.kind == StubKind::Url {
        return format!(
            "{} line {}: URL name \"{}\" is not in DOWNPAGE_URLS, rendered as #: add it to DOWNPAGE_URLS",
            stub.template, stub.line, stub.name
        );
    }
    let fix = "see docs/dialects.md; DOWNPAGE_STRICT=true makes this an error";
    format!(
        "{} line {}: {} \"{}\" stubbed ({what}): {fix}",
        stub.template,
        stub.line,
        stub.kind.describe(),
        stub.name
    )
}

/// The strict-mode error for a stub (`DOWNPAGE_STRICT=true`), one line:
/// `base.html line 3: unknown tag "x" (DOWNPAGE_STRICT=true; …how to fix)`.
pub fn strict_error(stub: &Stub) -> anyhow::Error {
    if stub.kind == StubKind::Url {
        return anyhow!(
            "{} line {}: URL name \"{}\" is not in DOWNPAGE_URLS (DOWNPAGE_STRICT=true; add it to DOWNPAGE_URLS)",
            stub.template,
            stub.line,
            stub.name
        );
    }
    let fix = "downpage cannot run the project's own code: take it out of the template, or unset DOWNPAGE_STRICT to stub it";
    anyhow!(
        "{} line {}: {} \"{}\" (DOWNPAGE_STRICT=true; {fix})",
        stub.template,
        stub.line,
        stub.kind.describe(),
        stub.name
    )
}
