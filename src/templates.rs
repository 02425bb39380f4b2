//! The template set: built-in templates (embedded, under `downpage/`) plus the site's own,
//! the site's winning on the same name, compiled once into one Tera instance. Also turns
//! Tera's errors into one line with the template, line and cause.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::{Result, anyhow};
use tera::Tera;

use crate::assets::{AssetStore, functions};
use crate::template_dirs::Source;

/// Embeds `src/builtin/templates/downpage/<file>` as the template `downpage/<file>`.
macro_rules! builtin {
    ($file:literal) => {
        (
            concat!("downpage/", $file),
            include_str!(concat!("builtin/templates/downpage/", $file)),
        )
    };
}

/// Built-in templates, named as users override them.
pub const BUILTINS: &[(&str, &str)] = &[
    builtin!("base.html"),
    builtin!("error.html"),
    builtin!("error.json"),
    builtin!("error.txt"),
];

/// The template for built-in code pages: `downpage/<code>.html` when the site provides one,
/// else this; other formats use `downpage/error.<ext>` the same way.
pub const BUILTIN_PAGE: &str = "downpage/error.html";

/// The built-in template for a code page in `format` (`html`, `json`, `txt`): the site's
/// `downpage/<stem>.<format>` when it has one (`stem` is the code or `maintenance`), else
/// `downpage/error.<format>`.
pub fn builtin_page(engine: &Engine, stem: &str, format: &str) -> String {
    let own = format!("downpage/{stem}.{format}");
    if engine.has(&own) {
        own
    } else {
        format!("downpage/error.{format}")
    }
}

/// The compiled templates and what is needed to explain errors about them.
pub struct Engine {
    /// Compiled by [`Engine::check`] (the pipeline calls it once the pages are planned, so a
    /// syntax error can name the page), or on first use; for the built-ins alone only when a
    /// page needs it, since a zero-config run's pages come ready-made (see `prerendered`).
    tera: OnceLock<Tera>,
    /// Every template name, sorted.
    pub names: Vec<String>,
    /// The folders searched, for "not found" messages.
    pub dirs: Vec<PathBuf>,
    /// The site's sources, for locating errors by line.
    sources: Vec<Source>,
    /// What the asset functions (`static`, `inline`, `data_uri`...) read.
    assets: Arc<AssetStore>,
    /// How long parsing the site's templates may take ([`crate::parse_guard`]).
    parse_limit: Duration,
    /// The dialect engine of the site's templates (`DOWNPAGE_SYNTAX=django|jinja2`): Tera
    /// then compiles only the theme's namespace (`downpage/…`).
    pub site: Option<crate::dialect::site::Site>,
}

/// A template set that does not compile: the template at fault when known, and why.
#[derive(Debug)]
pub struct Broken {
    pub template: Option<String>,
    pub message: String,
}

impl Engine {
    /// The built-ins and the site's templates, with the asset store the asset functions
    /// read; nothing is compiled yet.
    pub fn new(
        sources: Vec<Source>,
        dirs: Vec<PathBuf>,
        assets: Arc<AssetStore>,
        parse_limit: Duration,
    ) -> Engine {
        let mut names: Vec<String> = BUILTINS
            .iter()
            .map(|(name, _)| name.to_string())
            .chain(sources.iter().map(|s| s.name.clone()))
            .collect();
        names.sort();
        names.dedup();
        Engine {
            tera: OnceLock::new(),
            names,
            dirs,
            sources,
            assets,
            parse_limit,
            site: None,
        }
    }

    /// An engine on its own (tests, the fuzzer): no static files, the pipeline's parse limit,
    /// compiled at once.
    pub fn standalone(sources: Vec<Source>, dirs: Vec<PathBuf>) -> Result<Engine> {
        let assets = Arc::new(AssetStore::empty("/static/"));
        let engine = Engine::new(sources, dirs, assets, crate::parse_guard::PARSE_LIMIT);
        engine.check().map_err(|b| anyhow!("{}", b.message))?;
        Ok(engine)
    }

    /// Compiles the site's templates now (nothing to do for the built-ins alone), so that
    /// their errors stop a run before any page is rendered.
    pub fn check(&self) -> std::result::Result<(), Broken> {
        if self.theme_sources().next().is_none() || self.tera.get().is_some() {
            return Ok(());
        }
        let tera = self.compile().map_err(|e| {
            let message = format!("{e:#}");
            let template = message
                .strip_prefix("template ")
                .and_then(|rest| rest.split([' ', ':']).next())
                .map(str::to_string)
                .or_else(|| quoted_name(&message));
            Broken { template, message }
        })?;
        let _ = self.tera.set(tera);
        Ok(())
    }

    /// The site's templates Tera compiles: all of them, or with a dialect engine only the
    /// theme's namespace (`downpage/…`, Tera whatever the syntax).
    fn theme_sources(&self) -> impl Iterator<Item = &Source> {
        self.sources
            .iter()
            .filter(|s| self.site.is_none() || crate::dialect::site::is_theme(&s.name))
    }

    fn compile(&self) -> Result<Tera> {
        let sources: Vec<Source> = self.theme_sources().cloned().collect();
        let sources = sources.as_slice();
        if !sources.is_empty() {
            crate::parse_guard::check(sources, self.parse_limit)?;
        }
        let mut all: Vec<(&str, &str)> = BUILTINS
            .iter()
            .filter(|(name, _)| !sources.iter().any(|s| s.name == *name))
            .copied()
            .collect();
        all.extend(sources.iter().map(|s| (s.name.as_str(), s.text.as_str())));
        let mut tera = Tera::default();
        tera.add_raw_templates(all.iter().copied())
            .map_err(|e| anyhow!("{}", flatten(&e, sources)))?;
        crate::template_loops::check(&tera)?;
        crate::template_loops::check_macros(&tera)?;
        functions::register(&mut tera, self.assets.clone());
        Ok(tera)
    }

    /// The compiled templates.
    pub fn tera(&self) -> Result<&Tera> {
        if let Some(tera) = self.tera.get() {
            return Ok(tera);
        }
        let tera = self.compile()?;
        Ok(self.tera.get_or_init(|| tera))
    }

    /// Whether only the built-in templates are there, as shipped: the built-in pages then
    /// render exactly as `prerendered` has them.
    pub fn builtin_only(&self) -> bool {
        self.sources.is_empty()
    }

    /// Whether a template of that name exists.
    pub fn has(&self, name: &str) -> bool {
        self.names
            .binary_search_by(|n| n.as_str().cmp(name))
            .is_ok()
    }

    /// One-line description of a Tera error, with the line where it can be found.
    pub fn explain(&self, err: &tera::Error) -> String {
        flatten(err, &self.sources)
    }

    /// Whether the site's template `name` names `other` in quotes (`{% extends "base.html" %}`,
    /// an include or an import): how a syntax error in a base template finds a page to name.
    pub fn mentions(&self, name: &str, other: &str) -> bool {
        self.sources
            .iter()
            .find(|s| s.name == name)
            .is_some_and(|s| {
                s.text.contains(&format!("\"{other}\"")) || s.text.contains(&format!("'{other}'"))
            })
    }

    /// Where a template was read from (`built-in` for the embedded ones).
    pub fn origin(&self, name: &str) -> String {
        self.sources
            .iter()
            .find(|s| s.name == name)
            .map_or_else(|| "built-in".to_string(), |s| s.path.display().to_string())
    }
}

/// Joins Tera's error chain into one line. Parse errors carry a multi-line pest report
/// (` --> 3:10 ... = expected ...`): keep its position and its expectation. Render errors
/// about a missing variable get the first line that uses it.
fn flatten(err: &tera::Error, sources: &[Source]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    let mut template: Option<String> = None;
    while let Some(e) = current {
        let text = e.to_string();
        if template.is_none() {
            template = quoted_name(&text);
        }
        if let Some(pos) = text.find("--> ") {
            let position = text[pos + 4..].split_whitespace().next().unwrap_or("");
            let (line, col) = position.split_once(':').unwrap_or((position, "?"));
            let expected = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("= "))
                .unwrap_or("syntax error");
            parts.push(format!("line {line} column {col}: {expected}"));
        } else {
            let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if let Some(var) = missing_variable(&one_line) {
                let in_template = quoted_name(&one_line).or_else(|| template.clone());
                if let Some((name, line)) = locate(var, in_template.as_deref(), sources) {
                    parts.push(format!("{one_line} (first used in {name} line {line})"));
                    current = e.source();
                    continue;
                }
            }
            parts.push(one_line);
        }
        current = e.source();
    }
    parts.dedup();
    parts.join(": ")
}

/// The first `'quoted'` name in a Tera message ("Failed to render 'x.html'").
fn quoted_name(text: &str) -> Option<String> {
    let start = text.find('\'')? + 1;
    let len = text[start..].find('\'')?;
    Some(text[start..start + len].to_string())
}

/// The variable in "Variable `foo.bar` not found in context while rendering 'x'".
fn missing_variable(text: &str) -> Option<&str> {
    let rest = text.strip_prefix("Variable `")?;
    let end = rest.find('`')?;
    Some(&rest[..end])
}

/// The template and 1-based line where `var` is first used inside `{{ }}` or `{% %}`,
/// looking in `preferred` first, then in every other source.
fn locate(var: &str, preferred: Option<&str>, sources: &[Source]) -> Option<(String, usize)> {
    let head = var.split(['.', '[']).next().unwrap_or(var);
    let ordered = sources
        .iter()
        .filter(|s| Some(s.name.as_str()) == preferred)
        .chain(
            sources
                .iter()
                .filter(|s| Some(s.name.as_str()) != preferred),
        );
    for source in ordered {
        for (i, line) in source.text.lines().enumerate() {
            if uses_identifier(line, head) {
                return Some((source.name.clone(), i + 1));
            }
        }
    }
    None
}

/// Whether `line` has `ident` as a whole word inside a tag.
fn uses_identifier(line: &str, ident: &str) -> bool {
    if !(line.contains("{{") || line.contains("{%")) {
        return false;
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    line.match_indices(ident).any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let after = line[i + ident.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(name: &str, text: &str) -> Source {
        Source {
            name: name.into(),
            path: PathBuf::from(format!("/t/{name}")),
            text: text.into(),
        }
    }

    #[test]
    fn builtins_compile() {
        let e = Engine::standalone(vec![], vec![]).unwrap();
        assert!(e.has("downpage/base.html") && e.has(BUILTIN_PAGE));
        let mut compiled: Vec<&str> = e.tera().unwrap().get_template_names().collect();
        compiled.sort_unstable();
        assert_eq!(compiled, e.names);
    }

    #[test]
    fn user_template_overrides_builtin() {
        let e = Engine::standalone(
            vec![src(
                "downpage/base.html",
                "MINE {% block content %}{% endblock %}",
            )],
            vec![],
        )
        .unwrap();
        let (theme, t) =
            crate::theme::context(&serde_json::Map::default(), crate::catalog::english(), None)
                .unwrap();
        let mut ctx = tera::Context::new();
        ctx.insert("theme", &theme);
        ctx.insert("t", &t);
        let out = e.tera().unwrap().render(BUILTIN_PAGE, &ctx).unwrap();
        assert!(out.starts_with("MINE"), "{out}");
        assert_eq!(e.origin("downpage/base.html"), "/t/downpage/base.html");
        assert_eq!(e.origin(BUILTIN_PAGE), "built-in");
    }

    #[test]
    fn syntax_error_is_one_line_with_position() {
        let err = Engine::standalone(vec![src("bad.html", "ok\n{{ foo( }}\n")], vec![])
            .err()
            .unwrap()
            .to_string();
        assert!(!err.contains('\n'), "{err}");
        assert!(
            err.contains("bad.html") && err.contains("line 2 column"),
            "{err}"
        );
    }

    #[test]
    fn missing_variable_gets_its_line() {
        let e = Engine::standalone(vec![src("p.html", "a\nb {{ user.name }}\n")], vec![]).unwrap();
        let err = e
            .tera()
            .unwrap()
            .render("p.html", &tera::Context::new())
            .unwrap_err();
        let text = e.explain(&err);
        assert!(text.contains("first used in p.html line 2"), "{text}");
        assert!(!text.contains('\n'));
    }

    #[test]
    fn identifier_matching_is_whole_word() {
        assert!(uses_identifier("{{ name }}", "name"));
        assert!(!uses_identifier("{{ surname }}", "name"));
        assert!(!uses_identifier("name", "name"));
    }
}
