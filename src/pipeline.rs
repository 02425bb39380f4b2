//! The one render-and-write pass, for a one-shot run, `downpage check` and every pass of
//! watch mode: read the page list and the templates (the edge), plan, render page by page
//! (the self-contained and size steps after each), and stream each page into the sinks at
//! once, so memory stays flat whatever the page count. A failure anywhere replaces nothing;
//! warnings come back in [`Built`] for the caller to print.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};

use crate::assets::AssetStore;
use crate::config::{Config, Nginx, NginxRoot, PageSource};
use crate::gettext::Locales;
use crate::log::Line;
use crate::parse_guard::PARSE_LIMIT;
use crate::plan::{Page, Plan};
use crate::sink::dir::DirSink;
use crate::sink::tar::TarSink;
use crate::sink::{Derived, Discard, Fanout, Sink, Summary, file};
use crate::template_dirs::Source;
use crate::templates::Engine;
use crate::{
    catalog, dialect, nginx, pages, plan, render, self_contained, site_languages, targets,
    template_dirs,
};

/// Where a pass writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Nowhere: `downpage check`.
    Discard,
    /// The configured outputs.
    Outputs,
    /// The configured outputs, the folder tracked for removals (watch mode).
    Tracked,
}

/// What a successful pass did.
#[derive(Debug, Clone)]
pub struct Built {
    /// Pages planned and written (or counted, for `check`).
    pub pages: usize,
    /// What the sinks did.
    pub summary: Summary,
    /// Files the pass read besides the template folders and the page-list file (an asset
    /// manifest, inlined assets): watch mode watches them too.
    pub inputs: Vec<PathBuf>,
    /// Warnings to print (external URLs left in pages), in the order met.
    pub warnings: Vec<Line>,
}

/// Largest `DOWNPAGE_PAGES_FILE` read (100,000 pages take about 4 MB): a wrong path such as
/// `/dev/zero` must not fill the memory.
pub const MAX_PAGES_FILE_BYTES: u64 = 64 << 20;

/// The compiled templates and the plan of a pass, before any page is rendered.
struct Prepared {
    engine: Engine,
    plan: Plan,
    /// The nginx snippet's text, when `DOWNPAGE_NGINX_CONF` is set.
    snippet: Option<String>,
    /// The static files the asset functions and self-contained mode read.
    store: Arc<AssetStore>,
}

/// Plans, renders and commits every page into `target`. Each page goes to the sinks as soon
/// as it is rendered (the folder sink writes it to its temporary file at once); the sinks
/// make them visible only when all succeeded.
pub fn build(config: &Config, target: Target) -> Result<Built> {
    let mut prepared = prepare(config)?;
    // The tarball holds its entries in path order: rendered in that order, each page goes
    // into it at once instead of waiting in memory for the end.
    if config.tarball().is_some() && target != Target::Discard {
        prepared.plan.pages.sort_by(|a, b| a.dest.cmp(&b.dest));
    }
    let sorted = prepared.plan.pages.is_sorted_by(|a, b| a.dest < b.dest);
    // The built-in pages of a language only the site's catalogs have are in another one.
    let mut warnings = site_languages::warnings(config, &prepared.plan);
    let codes = targets::codes(config, &prepared.plan);
    let mut stubs = dialect::site::StubReport::default();
    let summary = write_with(
        config,
        prepared.snippet.as_deref(),
        &codes,
        target,
        |sink| {
            render::render_all(&prepared.engine, &prepared.plan.pages, |page, bytes| {
                if let Some(site) = &prepared.engine.site {
                    stubs.add(site.take_stubs(&page.dest));
                }
                let bytes = finish(config, &prepared.store, page, bytes, &mut warnings)?;
                sink.stage(&page.dest, &bytes)
                    .with_context(|| format!("page {} ({})", page.dest, page.origin))?;
                if sorted {
                    sink.settle(&page.dest)?;
                }
                Ok(())
            })
        },
    )?;
    // The stubs the dialect engine went through, each once, in plan order.
    warnings.extend(stubs.stubs().iter().map(stub_line));
    // External URLs met by inline() in style sheets (pages render in parallel, so these are
    // not told by page; self-contained pages name their own).
    warnings.extend(self_contained::externals_warning(
        "inlined style sheets",
        &prepared.store.take_externals(),
    ));
    Ok(Built {
        pages: prepared.plan.pages.len(),
        summary,
        inputs: {
            let mut inputs = prepared.store.files_read();
            if let Some(site) = &prepared.engine.site {
                inputs.extend(site.catalogs.iter().cloned());
            }
            inputs
        },
        warnings,
    })
}

/// Reads the page list and the templates, compiles the templates and plans every page (a
/// syntax error names the page whose template it is).
fn prepare(config: &Config) -> Result<Prepared> {
    let (specs, source) = match &config.pages {
        PageSource::None => (Vec::new(), "DOWNPAGE_PAGES".to_string()),
        PageSource::Inline(text) => (
            pages::parse(text, "DOWNPAGE_PAGES")?,
            "DOWNPAGE_PAGES".to_string(),
        ),
        PageSource::File(path) => {
            let source = format!("DOWNPAGE_PAGES_FILE {}", path.display());
            let text = read_pages_file(path, &source)?;
            (pages::parse(&text, &source)?, source)
        }
    };
    let sources = template_dirs::load(&config.template_dirs)?;
    let store = Arc::new(AssetStore::open(config)?);
    // The site's gettext catalogs (DOWNPAGE_LOCALE_DIR), read by the dialect engines only.
    let locales = if config.syntax == dialect::Syntax::Tera {
        None
    } else {
        Locales::from_config(config, config.syntax)?
    };
    site_languages::check(config, locales.as_ref(), !specs.is_empty())?;
    let site = dialect_site(config, locales.as_ref(), &sources, &store)?;
    let mut engine = Engine::new(
        sources,
        config.template_dirs.clone(),
        store.clone(),
        PARSE_LIMIT,
    );
    engine.site = site;
    // Compiled before planning, so a syntax error is reported before any planning error (as
    // always), naming a page when the plan can be made.
    let checked = engine.check();
    let plan = match (plan::plan(config, specs, &source, &engine), &checked) {
        (Ok(plan), _) => plan,
        (Err(_), Err(broken)) => bail!("{}", broken.message),
        (Err(e), Ok(())) => return Err(e),
    };
    checked.map_err(|broken| {
        // The page whose template is the broken one, else the first that names it (a base
        // template it extends, a partial it includes).
        let Some(t) = broken.template.as_deref() else {
            return anyhow!("{}", broken.message);
        };
        let pages = &plan.pages;
        if let Some(p) = pages.iter().find(|p| p.template == t) {
            anyhow!("page {} ({}): {}", p.dest, p.origin, broken.message)
        } else if let Some(p) = pages.iter().find(|p| engine.mentions(&p.template, t)) {
            anyhow!(
                "page {} ({}) through template {}: {}",
                p.dest,
                p.origin,
                p.template,
                broken.message
            )
        } else {
            anyhow!("{}", broken.message)
        }
    })?;
    let snippet = match &config.nginx {
        Some(nginx) => Some(nginx_snippet(config, nginx, &plan)?),
        None => None,
    };
    Ok(Prepared {
        engine,
        plan,
        snippet,
        store,
    })
}

/// The dialect engine of the site's templates (`DOWNPAGE_SYNTAX=django|jinja2`), `None` for
/// Tera. `locales`: the site's catalogs, when `DOWNPAGE_LOCALE_DIR` is set.
fn dialect_site(
    config: &Config,
    locales: Option<&Locales>,
    sources: &[Source],
    store: &Arc<AssetStore>,
) -> Result<Option<dialect::site::Site>> {
    if config.syntax == dialect::Syntax::Tera {
        return Ok(None);
    }
    let translated = locales.is_some() || !config.lang_folders.is_empty();
    // One engine per language of the run: the DOWNPAGE_LANGS folders, else DOWNPAGE_LANG.
    let langs = config.languages();
    // Django's LANGUAGES for {% get_available_languages %}: the run's languages, when several.
    let languages: Vec<(String, String)> = if langs.len() > 1 {
        langs
            .iter()
            .map(|l| ((*l).to_string(), catalog::name(l)))
            .collect()
    } else {
        Vec::new()
    };
    let mut options = Vec::new();
    // The catalog files read: watch mode watches them.
    let mut catalogs = Vec::new();
    for lang in langs {
        let translations: Arc<dyn dialect::Translations> = match locales {
            Some(locales) => {
                catalogs.extend(locales.files(lang));
                locales.translations(lang)?
            }
            None => Arc::new(dialect::NullTranslations),
        };
        // The static manifest's mapping, for the dialects' `static`.
        let manifest = store.clone();
        let lang_options = dialect::Options {
            urls: config.urls.clone(),
            strict: config.strict,
            static_url: config.static_url.clone(),
            static_names: Some(Arc::new(move |name: &str| {
                Some(manifest.manifest()?.get(name)?.to_string())
            })),
            lang_name: catalog::name(lang),
            lang: lang.to_string(),
            languages: languages.clone(),
            now: config.source_date_epoch,
            translations,
        };
        options.push((lang.to_string(), lang_options));
    }
    let user_keys = config
        .context
        .keys()
        .chain(config.vars.keys())
        .cloned()
        .collect();
    Ok(
        dialect::site::Site::new(config.syntax, options, sources, user_keys).map(|mut site| {
            site.catalogs = catalogs;
            site.language_context = translated;
            site
        }),
    )
}

/// A stub's warning: the sentence, and its kind, name, template and line as JSON fields.
fn stub_line(stub: &dialect::Stub) -> Line {
    let line = Line {
        level: "warn",
        ..Line::info("stub", dialect::site::message(stub))
    };
    line.with("kind", format!("{:?}", stub.kind).to_lowercase())
        .with("name", stub.name.as_str())
        .with("template", stub.template.as_str())
        .with("line", stub.line)
}

/// The last steps of a rendered page, in plan order: `DOWNPAGE_SELF_CONTAINED` inlining,
/// then `DOWNPAGE_MAX_PAGE_BYTES`.
fn finish(
    config: &Config,
    store: &AssetStore,
    page: &Page,
    bytes: Vec<u8>,
    warnings: &mut Vec<Line>,
) -> Result<Vec<u8>> {
    let bytes = if config.self_contained {
        self_contained::finish(store, page, bytes, warnings)?
    } else {
        bytes
    };
    match config.max_page_bytes {
        Some(max) if bytes.len() as u64 > max => bail!(
            "page {} ({}) is {} bytes, more than DOWNPAGE_MAX_PAGE_BYTES={max}: make it smaller (fewer or smaller inlined images and fonts) or raise the limit",
            page.dest,
            page.origin,
            bytes.len()
        ),
        _ => Ok(bytes),
    }
}

/// Reads the page list file: at most [`MAX_PAGES_FILE_BYTES`], UTF-8.
fn read_pages_file(path: &Path, source: &str) -> Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    fs::File::open(path)
        .and_then(|f| f.take(MAX_PAGES_FILE_BYTES + 1).read_to_end(&mut bytes))
        .with_context(|| format!("reading {source}: check the path and the volume mount"))?;
    if bytes.len() as u64 > MAX_PAGES_FILE_BYTES {
        bail!(
            "{source} is larger than {} MiB: point it at the page list file",
            MAX_PAGES_FILE_BYTES >> 20
        );
    }
    String::from_utf8(bytes).map_err(|e| {
        anyhow!(
            "{source} is not UTF-8 text (bad byte at offset {}): save it as UTF-8",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Opens the sinks of `target`, lets `stage` give them the pages, then commits them and the
/// nginx snippet.
fn write_with(
    config: &Config,
    snippet: Option<&str>,
    codes: &BTreeMap<String, u16>,
    target: Target,
    stage: impl FnOnce(&mut dyn Sink) -> Result<()>,
) -> Result<Summary> {
    let outputs: Box<dyn Sink> = match target {
        Target::Discard => Box::new(Discard::default()),
        Target::Outputs => open_sinks(config, false)?,
        Target::Tracked => open_sinks(config, true)?,
    };
    let derived = Derived::new(outputs, config.gzip, config.index);
    let mut sink = crate::sink::targets::wrap(config, derived, codes)?;
    stage(sink.as_mut())?;
    // The snippet is written beside its place before the pages are committed, and moved
    // into place after them: it never names pages that are not there yet.
    let snippet = match (&config.nginx, snippet, target) {
        (Some(nginx), Some(text), Target::Outputs | Target::Tracked) => {
            let what = format!("DOWNPAGE_NGINX_CONF {}", nginx.conf.display());
            Some(file::prepare(&nginx.conf, text.as_bytes(), &what)?)
        }
        _ => None,
    };
    let mut summary = sink.commit()?;
    if let Some(pending) = snippet {
        summary.snippet = Some(pending.commit()?);
    }
    Ok(summary)
}

/// The tarball first (the likeliest to fail, on a full disk), then the output folder.
fn open_sinks(config: &Config, tracked: bool) -> Result<Box<dyn Sink>> {
    let mut fanout = Fanout::default();
    if let Some(target) = config.tarball() {
        fanout.push(Box::new(TarSink::new(
            target.clone(),
            config.source_date_epoch,
        )));
    }
    if let Some(dir) = config.output_dir() {
        let sink = if tracked {
            DirSink::open_tracked(dir)?
        } else {
            DirSink::open(dir)?
        };
        fanout.push(Box::new(sink));
    }
    Ok(Box::new(fanout))
}

/// The nginx snippet's text, with the root nginx sees (by default the output folder, absolute).
fn nginx_snippet(config: &Config, nginx: &Nginx, plan: &Plan) -> Result<String> {
    // DOWNPAGE_SERVE_ROOT wins over DOWNPAGE_NGINX_ROOT.
    let root = match (&config.targets.serve_root, &nginx.root) {
        (Some(root), _) | (None, NginxRoot::Given(root)) => root.clone(),
        (None, NginxRoot::OutputFolder(dir)) => {
            let abs = std::path::absolute(dir).with_context(|| {
                format!("making DOWNPAGE_OUTPUT_DIR {} absolute", dir.display())
            })?;
            let root = abs.to_str().map(str::to_string).with_context(|| {
                format!(
                    "DOWNPAGE_OUTPUT_DIR {} is not UTF-8: set DOWNPAGE_NGINX_ROOT",
                    abs.display()
                )
            })?;
            nginx::check_root(&root).map_err(|e| {
                anyhow!("DOWNPAGE_OUTPUT_DIR as nginx root: {e}; or set DOWNPAGE_NGINX_ROOT")
            })?;
            root
        }
    };
    let entries: Vec<nginx::Entry> = plan
        .pages
        .iter()
        .map(|p| nginx::Entry {
            dest: &p.dest,
            code: p.code,
        })
        .collect();
    nginx::snippet(&entries, &root, config.gzip, &config.lang_folders)
}
