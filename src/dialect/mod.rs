//! Template dialects for the site's own templates (`DOWNPAGE_SYNTAX=django|jinja2`): the
//! contract between the pipeline and each dialect engine. The built-in theme always renders
//! with Tera; a dialect engine renders only templates of `DOWNPAGE_TEMPLATE_DIR`.
//!
//! Each engine is built once per run from the site's sources and [`Options`], and renders a
//! page from a template name and a JSON context. It is pure: it reads no file (the sources are
//! given), writes nothing, and returns the stubs it met instead of printing them.

use std::collections::BTreeMap;
use std::sync::Arc;

/// Which language the site's templates are written in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Syntax {
    /// Tera (the default; also the built-in theme's language).
    #[default]
    Tera,
    /// The Django template language (Django 5.2).
    Django,
    /// Jinja2 3.1.
    Jinja2,
}

/// Maps an asset name to its hashed name through the static manifest (`None`: not in it, or
/// no manifest), as Django's `ManifestStaticFilesStorage` does.
pub type StaticNames = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Everything a dialect engine needs from the run besides the templates.
#[derive(Clone)]
pub struct Options {
    /// `DOWNPAGE_URLS`: URL name -> path. A name not in it renders `#`.
    pub urls: BTreeMap<String, String>,
    /// `DOWNPAGE_STRICT`: every stub is an error naming it, its template and line.
    pub strict: bool,
    /// `DOWNPAGE_STATIC_URL` (Django's `STATIC_URL`).
    pub static_url: String,
    /// The static manifest's mapping.
    pub static_names: Option<StaticNames>,
    /// The current language, Django's spelling (`en`, `de-at`).
    pub lang: String,
    /// Its name in itself (`English`, `Deutsch`).
    pub lang_name: String,
    /// Every language of the run, `(code, name)` (Django's `LANGUAGES`, for
    /// `{% get_available_languages %}`); empty: the current one alone.
    pub languages: Vec<(String, String)>,
    /// "Now" for `{% now %}` and dates: `SOURCE_DATE_EPOCH`, seconds, UTC.
    pub now: u64,
    /// The translations of the current language.
    pub translations: Arc<dyn Translations>,
}

/// A language's translations (gettext semantics). `None` means "not translated": the engine
/// then uses the msgid, and for plurals gettext's `n == 1` rule.
pub trait Translations: Send + Sync {
    /// `pgettext(context, msgid)` when `context` is given, else `gettext(msgid)`.
    fn gettext(&self, context: Option<&str>, msgid: &str) -> Option<String>;
    /// `npgettext(context, singular, plural, n)` when `context` is given, else `ngettext`.
    fn ngettext(
        &self,
        context: Option<&str>,
        singular: &str,
        plural: &str,
        n: u64,
    ) -> Option<String>;
}

/// No translations: every msgid stays as written.
#[derive(Debug, Clone, Copy, Default)]
pub struct NullTranslations;

impl Translations for NullTranslations {
    fn gettext(&self, _: Option<&str>, _: &str) -> Option<String> {
        None
    }
    fn ngettext(&self, _: Option<&str>, _: &str, _: &str, _: u64) -> Option<String> {
        None
    }
}

/// What kind of project code a stub stands in for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StubKind {
    /// `{% load x %}` of a library downpage does not have.
    Library,
    Tag,
    Filter,
    Test,
    /// A called function that is no global (Jinja2).
    Function,
    /// A URL name missing from `DOWNPAGE_URLS`.
    Url,
}

impl StubKind {
    /// The word used in messages: `unknown tag`, `URL name`.
    pub fn describe(self) -> &'static str {
        match self {
            StubKind::Library => "unknown library",
            StubKind::Tag => "unknown tag",
            StubKind::Filter => "unknown filter",
            StubKind::Test => "unknown test",
            StubKind::Function => "unknown function",
            StubKind::Url => "URL name missing from DOWNPAGE_URLS",
        }
    }
}

/// One stub met, where it was first met.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stub {
    pub kind: StubKind,
    pub name: String,
    /// The template (name inside the template folder) and 1-based line.
    pub template: String,
    pub line: usize,
}

/// A page rendered by a dialect engine, and the stubs it went through (in the order met).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    pub stubs: Vec<Stub>,
}

/// A dialect engine: built once per run, shared by the render threads.
pub trait Engine: Send + Sync {
    /// Renders the site template `name` with `context`. An error is one line naming the
    /// template and line (`errors/500.html line 4: …`); the caller adds the page. In strict
    /// mode a stub is such an error.
    fn render(
        &self,
        name: &str,
        context: &serde_json::Map<String, serde_json::Value>,
    ) -> anyhow::Result<Rendered>;
}

/// The engine for `syntax` over the site's templates, `(name, text)` with the first folder's
/// winning on a name (as `template_dirs::load` reads them). `None` for Tera, which the
/// pipeline's own engine renders.
pub fn engine(
    syntax: Syntax,
    sources: Vec<(String, String)>,
    options: Options,
) -> Option<Box<dyn Engine>> {
    match syntax {
        Syntax::Tera => None,
        Syntax::Django => Some(Box::new(django::Engine::new(sources, options))),
        Syntax::Jinja2 => Some(Box::new(jinja2::Engine::new(sources, options))),
    }
}

pub mod django;
pub mod jinja2;
pub mod python;
pub mod settings;
pub mod site;
pub mod static_url;
