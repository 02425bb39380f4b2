//! The pipeline's side of the dialects (render step): which pages a dialect engine renders
//! (those whose template is one of the site's), the context they see (only
//! `DOWNPAGE_CONTEXT`, `DOWNPAGE_VAR_*`, the page's own and the catalog's
//! `code`/`title`/`message`), and the stubs met, merged in plan order into one warning each.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Mutex;

use anyhow::{Result, anyhow};
use serde_json::{Map, Value};

use super::{Engine, Options, Stub, StubKind, Syntax};
use crate::template_dirs::Source;

/// The catalog values a site template sees (the destination being a status code).
const CATALOG_KEYS: &[&str] = &["code", "title", "message"];

/// Whether a template belongs to the built-in theme's namespace (`downpage/…`): Tera, whatever
/// the syntax (a site's `downpage/base.html` restyles the built-in pages).
pub fn is_theme(name: &str) -> bool {
    name.starts_with("downpage/")
}

/// What a dialect engine needs of a planned page (the plan's `Page`, borrowed field by field:
/// `plan` comes after this in the data flow).
pub struct PageRef<'a> {
    pub dest: &'a str,
    pub origin: &'a str,
    pub template: &'a str,
    /// The page's language, Django's spelling (`de-at`).
    pub lang: &'a str,
    /// The shared context layers, then the page's own.
    pub shared: &'a Map<String, Value>,
    pub own: &'a Map<String, Value>,
}

/// A dialect engine over the site's templates for each language of the run, with the stubs
/// their pages met.
pub struct Site {
    /// One engine per language (Django's spelling), each with that language's translations.
    engines: Vec<(String, Box<dyn Engine>)>,
    /// The site's template names: the pages this engine renders.
    names: HashSet<String>,
    /// Keys set by `DOWNPAGE_CONTEXT` and `DOWNPAGE_VAR_*`.
    user_keys: HashSet<String>,
    /// Stubs met by each page (by destination), until taken in plan order.
    stubs: Mutex<HashMap<String, Vec<Stub>>>,
    /// The catalog files read (watch mode watches them); set by the pipeline.
    pub catalogs: Vec<std::path::PathBuf>,
    /// Whether pages get `LANGUAGE_CODE` and `LANGUAGE_BIDI` (Django's i18n context
    /// processor): only in a translated run (`DOWNPAGE_LANGS` or `DOWNPAGE_LOCALE_DIR`), so a
    /// plain run keeps issue 12's contract (the site's values and the catalog words only).
    pub language_context: bool,
}

impl Site {
    /// The engines for `syntax` over the site's templates (`None` for Tera), one per language
    /// of the run (`(language, options)`, each with that language's translations);
    /// `user_keys` are the keys of `DOWNPAGE_CONTEXT` and `DOWNPAGE_VAR_*`.
    pub fn new(
        syntax: Syntax,
        options: Vec<(String, Options)>,
        sources: &[Source],
        user_keys: HashSet<String>,
    ) -> Option<Site> {
        let texts: Vec<(String, String)> = sources
            .iter()
            .filter(|s| !is_theme(&s.name))
            .map(|s| (s.name.clone(), s.text.clone()))
            .collect();
        let mut engines = Vec::new();
        for (lang, options) in options {
            engines.push((lang, super::engine(syntax, texts.clone(), options)?));
        }
        Some(Site {
            engines,
            names: sources
                .iter()
                .filter(|s| !is_theme(&s.name))
                .map(|s| s.name.clone())
                .collect(),
            user_keys,
            stubs: Mutex::new(HashMap::new()),
            catalogs: Vec::new(),
            language_context: false,
        })
    }

    /// Whether this engine renders `template` (one of the site's).
    pub fn has(&self, template: &str) -> bool {
        self.names.contains(template)
    }

    /// The context a site template sees for `page`.
    pub fn context(&self, page: &PageRef) -> Map<String, Value> {
        let mut ctx = Map::new();
        // What Django's i18n context processor adds (under everything else, as a processor's
        // values are under the render's context).
        if self.language_context {
            ctx.insert("LANGUAGE_CODE".into(), Value::from(page.lang));
            ctx.insert(
                "LANGUAGE_BIDI".into(),
                Value::from(crate::language::django_bidi(page.lang)),
            );
        }
        let status = crate::catalog::code_from_dest(page.dest).is_some();
        for (key, value) in page.shared {
            if self.user_keys.contains(key) || (status && CATALOG_KEYS.contains(&key.as_str())) {
                ctx.insert(key.clone(), value.clone());
            }
        }
        ctx.extend(page.own.iter().map(|(k, v)| (k.clone(), v.clone())));
        ctx
    }

    /// Renders `page`; its stubs wait for [`Site::take_stubs`].
    pub fn render(&self, page: &PageRef) -> Result<Vec<u8>> {
        let engine = self
            .engines
            .iter()
            .find(|(lang, _)| lang == page.lang)
            .or(self.engines.first())
            .map(|(_, e)| e)
            .ok_or_else(|| anyhow!("page {}: no engine for its language", page.dest))?;
        let rendered = engine
            .render(page.template, &self.context(page))
            .map_err(|e| anyhow!("page {} ({}): {e:#}", page.dest, page.origin))?;
        if !rendered.stubs.is_empty() {
            lock(&self.stubs).insert(page.dest.to_string(), rendered.stubs);
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

    /// The stubs, each once, the first met in plan order.
    pub fn stubs(&self) -> &[Stub] {
        &self.stubs
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
