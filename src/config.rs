//! Environment → `Config`: the only place that reads `DOWNPAGE_*` variables. Two layers, as in
//! ripgrep: [`Raw`] mirrors the environment (made from the variable table in `vars`, filled
//! by envy), `Config` is validated by one small builder per area, with every cross-variable
//! rule here and every error naming the variable, the bad value and the fix.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value};

use crate::catalog;
use crate::suggest;
use crate::theme;
use crate::vars::{self, PREFIX, Raw, VAR_PREFIX};

/// The status codes built when nothing else is configured.
pub const DEFAULT_CODES: &[u16] = &[500, 502, 503, 504];

/// The standard reproducible-builds variable for a fixed time (read besides `DOWNPAGE_*`).
pub const SOURCE_DATE_EPOCH: &str = "SOURCE_DATE_EPOCH";

/// The tarball's file time when `SOURCE_DATE_EPOCH` is unset: 2000-01-01T00:00:00Z.
pub const DEFAULT_EPOCH: u64 = 946_684_800;

/// The largest time a plain tar header holds (11 octal digits: the year 2242).
const MAX_EPOCH: u64 = 0o777_7777_7777;

/// A variant of each built-in code page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Json,
    Txt,
}

impl Format {
    /// File extension, also the suffix of its built-in template.
    pub fn ext(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Json => "json",
            Format::Txt => "txt",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.ext())
    }
}

/// What is written: the output folder, the tarball, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// `DOWNPAGE_OUTPUT_DIR` (by default `pages`).
    Folder(PathBuf),
    /// `DOWNPAGE_TARBALL` alone.
    Tarball(Tarball),
    /// Both.
    Both(PathBuf, Tarball),
}

impl Output {
    /// The output folder, when one is written.
    pub fn folder(&self) -> Option<&PathBuf> {
        match self {
            Output::Folder(dir) | Output::Both(dir, _) => Some(dir),
            Output::Tarball(_) => None,
        }
    }

    /// The tarball, when one is written.
    pub fn tarball(&self) -> Option<&Tarball> {
        match self {
            Output::Tarball(t) | Output::Both(_, t) => Some(t),
            Output::Folder(_) => None,
        }
    }
}

/// Where `DOWNPAGE_TARBALL` goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tarball {
    /// `-`: standard output.
    Stdout,
    File(PathBuf),
}

/// How the code pages are laid out (`DOWNPAGE_LAYOUT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Just the pages asked for.
    Flat,
    /// For the ingress-nginx custom error backend: `<code>.html`, `<code>.json` and the
    /// `4xx`/`5xx` fallbacks it reads when a code has no file.
    IngressNginx,
}

/// `DOWNPAGE_NGINX_CONF` and `DOWNPAGE_NGINX_ROOT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nginx {
    /// Where the snippet is written.
    pub conf: PathBuf,
    /// The folder where nginx sees the pages.
    pub root: NginxRoot,
}

/// The `root` of the nginx snippet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NginxRoot {
    /// `DOWNPAGE_NGINX_ROOT`, an absolute path.
    Given(String),
    /// The output folder, made absolute when the snippet is written.
    OutputFolder(PathBuf),
}
/// How log lines look (`DOWNPAGE_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One line of text, `downpage: ...`.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl LogFormat {
    /// The log format asked for, read leniently from the raw environment so that even an
    /// error about another variable is reported in it; an invalid value gives text (the
    /// configuration error then names it).
    pub fn from_os_vars<'a>(vars: impl IntoIterator<Item = &'a (OsString, OsString)>) -> LogFormat {
        vars.into_iter()
            .find(|(k, _)| k == "DOWNPAGE_LOG_FORMAT")
            .and_then(|(_, v)| parse_log_format(v.to_str()?).ok())
            .unwrap_or_default()
    }
}

/// Default of `DOWNPAGE_WATCH_INTERVAL`.
pub const DEFAULT_WATCH_INTERVAL: Duration = Duration::from_secs(2);

/// Where the page list comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageSource {
    /// No list: only built-in pages.
    None,
    /// `DOWNPAGE_PAGES`, inline.
    Inline(String),
    /// `DOWNPAGE_PAGES_FILE`: read by the caller (I/O stays at the edges).
    File(PathBuf),
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DOWNPAGE_OUTPUT_DIR` and `DOWNPAGE_TARBALL`.
    pub output: Output,
    pub template_dirs: Vec<PathBuf>,
    pub pages: PageSource,
    /// `DOWNPAGE_CONTEXT`, an object.
    pub context: Map<String, Value>,
    /// `DOWNPAGE_VAR_*`, names lower-cased, in name order.
    pub vars: Map<String, Value>,
    /// `DOWNPAGE_CODES`, or the defaults when no page list is given; empty when only the list.
    pub codes: Vec<u16>,
    /// `DOWNPAGE_FORMATS`: the variants written for each code (with `html` and `json`
    /// added by the ingress-nginx layout).
    pub formats: Vec<Format>,
    /// `SOURCE_DATE_EPOCH`: the time inside the tarball, in seconds.
    pub source_date_epoch: u64,
    /// `DOWNPAGE_GZIP`: a `.gz` copy beside every page.
    pub gzip: bool,
    /// `DOWNPAGE_INDEX`: `downpage.json` listing every file with its size and SHA-256.
    pub index: bool,
    /// `DOWNPAGE_NGINX_CONF` (+ `DOWNPAGE_NGINX_ROOT`).
    pub nginx: Option<Nginx>,
    /// `DOWNPAGE_LAYOUT`.
    pub layout: Layout,
    /// `DOWNPAGE_WATCH`: keep running and re-render on changes.
    pub watch: bool,
    /// `DOWNPAGE_WATCH_INTERVAL`: time between two looks at the inputs.
    pub watch_interval: Duration,
    /// `DOWNPAGE_READY_FILE`: the state file `downpage health` reads.
    pub ready_file: Option<PathBuf>,
    /// `DOWNPAGE_LOG_FORMAT`.
    pub log_format: LogFormat,
    /// `DOWNPAGE_STATIC_ROOT`: the assets stage's output folder.
    pub static_root: Option<PathBuf>,
    /// `DOWNPAGE_STATIC_URL`, always ending in `/`.
    pub static_url: String,
    /// `DOWNPAGE_STATIC_MANIFEST`; when `None` it is looked for in the static root.
    pub static_manifest: Option<PathBuf>,
    /// `DOWNPAGE_SELF_CONTAINED`.
    pub self_contained: bool,
    /// `DOWNPAGE_MAX_PAGE_BYTES`.
    pub max_page_bytes: Option<u64>,
    /// `DOWNPAGE_CODES` holds `maintenance`: build the maintenance page (a 503 variant).
    pub maintenance: bool,
    /// The language of the pages at the top of the output folder (Django's spelling,
    /// `de-at`): `DOWNPAGE_LANG`, else the first of `DOWNPAGE_LANGS`, else `en`.
    pub lang: String,
    /// `DOWNPAGE_LANGS`: one folder per language (`de/502.html`); empty when the pages go
    /// to the top of the output folder, in `lang`. A language the built-in theme lacks
    /// (`fi`) is checked against the site's catalogs when they are listed
    /// (`site_languages.rs`).
    pub lang_folders: Vec<String>,
    /// `DOWNPAGE_LOCALE_DIR`: the site's gettext locale folders, in lookup order (each is
    /// checked to exist when the catalogs are read: `gettext::Locales`).
    pub locale_dirs: Vec<PathBuf>,
    /// `DOWNPAGE_LOCALE_DOMAIN`; `None`: the dialect's default (`django` or `messages`).
    pub locale_domain: Option<String>,
    /// `DOWNPAGE_TARGETS` and the variables of each target.
    pub targets: crate::targets::Settings,
    /// `DOWNPAGE_SYNTAX`: the language of the site's templates.
    pub syntax: crate::dialect::Syntax,
    /// `DOWNPAGE_URLS`: URL name -> path, for the dialects' `{% url %}` / `url_for`.
    pub urls: std::collections::BTreeMap<String, String>,
    /// `DOWNPAGE_STRICT`: every dialect stub is an error.
    pub strict: bool,
}

impl Config {
    /// Builds the configuration from environment variables as the OS gives them.
    /// Variables outside `DOWNPAGE_*` are ignored; a `DOWNPAGE_*` one that is not UTF-8 is an error.
    pub fn from_os_vars(vars: impl IntoIterator<Item = (OsString, OsString)>) -> Result<Config> {
        let mut utf8 = Vec::new();
        for (k, v) in vars {
            let Some(name) = k.to_str() else {
                if k.as_encoded_bytes().starts_with(PREFIX.as_bytes()) {
                    bail!(
                        "a DOWNPAGE_* variable name is not valid UTF-8 ({}): unset it",
                        k.to_string_lossy()
                    );
                }
                continue;
            };
            if !name.starts_with(PREFIX) && name != SOURCE_DATE_EPOCH {
                continue;
            }
            let value = v
                .into_string()
                .map_err(|_| anyhow::anyhow!("{name} is not valid UTF-8: set it to UTF-8 text"))?;
            utf8.push((name.to_string(), value));
        }
        Config::from_vars(utf8)
    }

    /// Builds the configuration from `(name, value)` pairs (tests pass literal vectors).
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Result<Config> {
        let mut ours = Vec::new();
        let mut template_vars = Map::new();
        for (name, value) in vars {
            if name == SOURCE_DATE_EPOCH {
                ours.push((name, value));
                continue;
            }
            if !name.starts_with(PREFIX) {
                continue;
            }
            // Template variables first: `DOWNPAGE_VAR_PORT` is one, not a service link.
            if let Some(var) = name.strip_prefix(VAR_PREFIX) {
                if var.is_empty() {
                    bail!("{name} has no name after {VAR_PREFIX}: write {VAR_PREFIX}<NAME>=value");
                }
                let key = var.to_lowercase();
                theme::check(&key, &value).map_err(|e| anyhow::anyhow!("{name} {e}"))?;
                template_vars.insert(key, Value::String(value));
                continue;
            }
            if vars::is_service_link(&name) {
                continue;
            }
            if !vars::is_known(&name) {
                let known = vars::VARS
                    .iter()
                    .map(|v| v.name)
                    .filter(|n| !n.contains('<') && n.starts_with(PREFIX));
                let hint = suggest::did_you_mean(&suggest::near(&name, known));
                bail!(
                    "unknown variable {name}{hint} (downpage --help lists every variable; for a template value use {VAR_PREFIX}<NAME>)"
                );
            }
            ours.push((vars::envy_key(&name).to_string(), value));
        }
        let mut raw: Raw = envy::from_iter(ours)
            .map_err(|e| anyhow::anyhow!("reading DOWNPAGE_* variables: {e}"))?;
        raw.template_vars = template_vars;
        Config::validate(raw)
    }

    /// One builder per area, in the order their errors are reported.
    fn validate(raw: Raw) -> Result<Config> {
        let output = output(&raw)?;
        let source_date_epoch = match raw.source_date_epoch.as_deref() {
            None => DEFAULT_EPOCH,
            Some(text) => parse_epoch(text)?,
        };
        let gzip = parse_bool("DOWNPAGE_GZIP", raw.gzip.as_deref())?;
        let index = parse_bool("DOWNPAGE_INDEX", raw.index.as_deref())?;
        let targets = targets(&raw, &output)?;
        let nginx = nginx(&raw, &output, &targets)?;
        let layout = parse_layout(raw.layout.as_deref(), &targets)?;
        let template_dirs = template_dirs(raw.template_dir.as_deref());
        let pages = page_source(&raw)?;
        let context = match raw.context.as_deref() {
            None => Map::new(),
            Some(text) => parse_context(text)?,
        };
        let (codes, maintenance) = match raw.codes.as_deref() {
            Some(text) => parse_codes(text)?,
            None if pages == PageSource::None => (DEFAULT_CODES.to_vec(), false),
            None => (Vec::new(), false),
        };
        let formats = formats(raw.formats.as_deref(), layout)?;
        let (watch, watch_interval, ready_file) = watching(&raw, &output)?;
        let log_format = match raw.log_format.as_deref() {
            None => LogFormat::Text,
            Some(text) => parse_log_format(text)?,
        };
        let assets = assets(&raw)?;
        let (lang, lang_folders) = parse_langs(raw.lang.as_deref(), raw.langs.as_deref())?;
        let (locale_dirs, locale_domain) =
            parse_locale(raw.locale_dir.as_deref(), raw.locale_domain.as_deref())?;
        let syntax = crate::dialect::settings::parse_syntax(raw.syntax.as_deref())?;
        let urls = crate::dialect::settings::parse_urls(raw.urls.as_deref())?;
        let strict = parse_bool("DOWNPAGE_STRICT", raw.strict.as_deref())?;
        Ok(Config {
            output,
            template_dirs,
            pages,
            context,
            vars: raw.template_vars,
            codes,
            maintenance,
            formats,
            source_date_epoch,
            gzip,
            index,
            nginx,
            layout,
            watch,
            watch_interval,
            ready_file,
            log_format,
            static_root: assets.root,
            static_url: assets.url,
            static_manifest: assets.manifest,
            self_contained: assets.self_contained,
            max_page_bytes: assets.max_page_bytes,
            lang,
            lang_folders,
            locale_dirs,
            locale_domain,
            targets,
            syntax,
            urls,
            strict,
        })
    }

    /// The output folder, when one is written.
    pub fn output_dir(&self) -> Option<&PathBuf> {
        self.output.folder()
    }

    /// The tarball, when one is written.
    pub fn tarball(&self) -> Option<&Tarball> {
        self.output.tarball()
    }

    /// The run's languages: the `DOWNPAGE_LANGS` folders, else `lang` alone.
    pub fn languages(&self) -> Vec<&str> {
        if self.lang_folders.is_empty() {
            vec![self.lang.as_str()]
        } else {
            self.lang_folders.iter().map(String::as_str).collect()
        }
    }

    /// The variable that names the run's languages, for messages.
    pub fn languages_variable(&self) -> &'static str {
        if self.lang_folders.is_empty() {
            "DOWNPAGE_LANG"
        } else {
            "DOWNPAGE_LANGS"
        }
    }

    /// The built-in language whose words the built-in pages in `lang` use (see
    /// [`catalog::words_lang`]): `de` for `de-at`; for `fi`, which only the site's catalogs
    /// have, the first built-in language of the run, else English.
    pub fn words_lang(&self, lang: &str) -> &'static str {
        catalog::words_lang(lang, self.languages())
    }
}

/// `DOWNPAGE_OUTPUT_DIR` and `DOWNPAGE_TARBALL`: the folder (by default `pages`), the
/// tarball, or both.
fn output(raw: &Raw) -> Result<Output> {
    let tarball = match raw.tarball.as_deref() {
        None => None,
        Some("") => bail!(
            "DOWNPAGE_TARBALL is empty: set it to a file path like pages.tar.gz, or - for stdout"
        ),
        Some("-") => Some(Tarball::Stdout),
        Some(path) if path.ends_with('/') => bail!(
            "DOWNPAGE_TARBALL \"{path}\" ends with /, so names a folder: give a file path like {path}pages.tar.gz"
        ),
        Some(path) => Some(Tarball::File(PathBuf::from(path))),
    };
    let folder = match raw.output_dir.as_deref() {
        None => None,
        Some("") => {
            bail!("DOWNPAGE_OUTPUT_DIR is empty: set it to a folder, or unset it for ./pages")
        }
        Some(dir) => Some(PathBuf::from(dir)),
    };
    Ok(match (folder, tarball) {
        (Some(dir), Some(tarball)) => Output::Both(dir, tarball),
        (None, Some(tarball)) => Output::Tarball(tarball),
        (Some(dir), None) => Output::Folder(dir),
        (None, None) => Output::Folder(PathBuf::from("pages")),
    })
}

/// `DOWNPAGE_TARGETS` and the variables of each target (checked in `targets/settings.rs`).
fn targets(raw: &Raw, output: &Output) -> Result<crate::targets::Settings> {
    let targets = crate::targets::settings::parse(&crate::targets::settings::RawTargets {
        targets: raw.targets.as_deref(),
        envoy_gateway: raw.envoy_gateway.as_deref(),
        envoy_gateway_version: raw.envoy_gateway_version.as_deref(),
        haproxy_bufsize: raw.haproxy_bufsize.as_deref(),
        cloudflare_inline: raw.cloudflare_inline.as_deref(),
        traefik_status: raw.traefik_status.as_deref(),
        traefik_pages_url: raw.traefik_pages_url.as_deref(),
        serve_root: raw.serve_root.as_deref(),
        nginx_root: raw.nginx_root.as_deref(),
    })?;
    if let Some(kind) = targets.kinds.iter().find(|k| k.needs_root())
        && targets.serve_root.is_none()
        && output.folder().is_none()
    {
        bail!(
            "DOWNPAGE_TARGETS names {} but only a tarball is written (DOWNPAGE_OUTPUT_DIR unset): set DOWNPAGE_SERVE_ROOT to the folder where the server will see the pages",
            kind.name()
        );
    }
    Ok(targets)
}

/// `DOWNPAGE_NGINX_CONF` and `DOWNPAGE_NGINX_ROOT` (which, with `DOWNPAGE_TARGETS`, may be
/// set alone: it is then where the targets' configurations expect the pages).
fn nginx(raw: &Raw, output: &Output, targets: &crate::targets::Settings) -> Result<Option<Nginx>> {
    let conf = match (&raw.nginx_conf, &raw.nginx_root) {
        (None, None) => return Ok(None),
        (None, Some(_)) if !targets.kinds.is_empty() => return Ok(None),
        (None, Some(_)) => bail!(
            "DOWNPAGE_NGINX_ROOT is set but DOWNPAGE_NGINX_CONF is not: set DOWNPAGE_NGINX_CONF to the snippet's path, or unset DOWNPAGE_NGINX_ROOT"
        ),
        (Some(conf), _) if conf.is_empty() || conf.ends_with('/') => bail!(
            "DOWNPAGE_NGINX_CONF \"{conf}\" is not a file path: set it to a file like /etc/nginx/snippets/downpage.conf"
        ),
        (Some(conf), _) => PathBuf::from(conf),
    };
    let root = match (&raw.nginx_root, output.folder()) {
        (Some(root), _) => {
            crate::nginx::check_root(root)
                .map_err(|e| anyhow::anyhow!("DOWNPAGE_NGINX_ROOT {e}"))?;
            NginxRoot::Given(root.clone())
        }
        (None, Some(dir)) => NginxRoot::OutputFolder(dir.clone()),
        (None, None) => bail!(
            "DOWNPAGE_NGINX_CONF needs DOWNPAGE_NGINX_ROOT when only a tarball is written (DOWNPAGE_OUTPUT_DIR unset): set it to the folder where nginx will see the pages"
        ),
    };
    Ok(Some(Nginx { conf, root }))
}

/// `DOWNPAGE_LAYOUT`; `DOWNPAGE_TARGETS=ingress-nginx` is `DOWNPAGE_LAYOUT=ingress-nginx`.
fn parse_layout(text: Option<&str>, targets: &crate::targets::Settings) -> Result<Layout> {
    match text.map(str::trim) {
        None | Some("flat") if targets.has(crate::targets::Kind::IngressNginx) => {
            Ok(Layout::IngressNginx)
        }
        None | Some("flat") => Ok(Layout::Flat),
        Some("ingress-nginx") => Ok(Layout::IngressNginx),
        Some(other) => bail!(
            "DOWNPAGE_LAYOUT \"{other}\" is not a layout: write ingress-nginx, or flat (the default)"
        ),
    }
}

/// `DOWNPAGE_TEMPLATE_DIR`: `:`-separated folders, empty parts skipped.
fn template_dirs(text: Option<&str>) -> Vec<PathBuf> {
    text.map(|dirs| {
        dirs.split(':')
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .collect()
    })
    .unwrap_or_default()
}

/// `DOWNPAGE_PAGES` or `DOWNPAGE_PAGES_FILE`.
fn page_source(raw: &Raw) -> Result<PageSource> {
    Ok(match (&raw.pages, &raw.pages_file) {
        (Some(_), Some(_)) => {
            bail!("DOWNPAGE_PAGES and DOWNPAGE_PAGES_FILE are both set: keep one of them")
        }
        (Some(p), None) => PageSource::Inline(p.clone()),
        (None, Some(f)) if f.is_empty() => {
            bail!("DOWNPAGE_PAGES_FILE is empty: set it to a file path, or unset it")
        }
        (None, Some(f)) => PageSource::File(PathBuf::from(f)),
        (None, None) => PageSource::None,
    })
}

/// `DOWNPAGE_FORMATS`, with `html` and `json` added by the ingress-nginx layout.
fn formats(text: Option<&str>, layout: Layout) -> Result<Vec<Format>> {
    let mut formats = match text {
        None => vec![Format::Html],
        Some(text) => parse_formats(text)?,
    };
    if layout == Layout::IngressNginx {
        for needed in [Format::Html, Format::Json] {
            if !formats.contains(&needed) {
                formats.push(needed);
            }
        }
    }
    Ok(formats)
}

/// `DOWNPAGE_WATCH`, `DOWNPAGE_WATCH_INTERVAL` and `DOWNPAGE_READY_FILE`.
fn watching(raw: &Raw, output: &Output) -> Result<(bool, Duration, Option<PathBuf>)> {
    let watch = parse_bool("DOWNPAGE_WATCH", raw.watch.as_deref())?;
    if watch && output.tarball() == Some(&Tarball::Stdout) {
        bail!(
            "DOWNPAGE_TARBALL=- with DOWNPAGE_WATCH=true would append a new archive to stdout on every change: give DOWNPAGE_TARBALL a file path (replaced atomically on each change)"
        );
    }
    let interval = match raw.watch_interval.as_deref() {
        None => DEFAULT_WATCH_INTERVAL,
        Some(text) => parse_interval(text)?,
    };
    let ready_file = match raw.ready_file.as_deref() {
        None => None,
        Some("") => bail!("DOWNPAGE_READY_FILE is empty: set it to a file path, or unset it"),
        Some(path) => Some(PathBuf::from(path)),
    };
    Ok((watch, interval, ready_file))
}

/// The `DOWNPAGE_STATIC_*` settings, self-contained mode and the page size limit.
struct Assets {
    root: Option<PathBuf>,
    url: String,
    manifest: Option<PathBuf>,
    self_contained: bool,
    max_page_bytes: Option<u64>,
}

/// `DOWNPAGE_STATIC_ROOT`, `_URL`, `_MANIFEST`, `DOWNPAGE_SELF_CONTAINED` and
/// `DOWNPAGE_MAX_PAGE_BYTES`.
fn assets(raw: &Raw) -> Result<Assets> {
    let static_root = match raw.static_root.as_deref() {
        None => None,
        Some("") => bail!(
            "DOWNPAGE_STATIC_ROOT is empty: set it to the folder your assets stage produced (e.g. Django's STATIC_ROOT), or unset it"
        ),
        Some(dir) => Some(PathBuf::from(dir)),
    };
    let static_url = match raw.static_url.as_deref() {
        None => "/static/".to_string(),
        Some("") => bail!(
            "DOWNPAGE_STATIC_URL is empty: set it to the URL prefix of your static files like /static/, or unset it for /static/"
        ),
        Some(url) if url.chars().any(|c| c.is_whitespace() || c.is_control()) => bail!(
            "DOWNPAGE_STATIC_URL {url:?} contains a space or control character: write a URL prefix like /static/ or https://cdn.example.com/static/"
        ),
        Some(url) if url.ends_with('/') => url.to_string(),
        Some(url) => format!("{url}/"),
    };
    let static_manifest = match raw.static_manifest.as_deref() {
        None => None,
        Some("") => bail!(
            "DOWNPAGE_STATIC_MANIFEST is empty: set it to the manifest file, or unset it to find one in DOWNPAGE_STATIC_ROOT"
        ),
        Some(file) => Some(PathBuf::from(file)),
    };
    let self_contained = parse_bool("DOWNPAGE_SELF_CONTAINED", raw.self_contained.as_deref())?;
    if self_contained && static_root.is_none() {
        bail!(
            "DOWNPAGE_SELF_CONTAINED=true needs DOWNPAGE_STATIC_ROOT: set it to the folder your assets stage produced, so there is something to inline"
        );
    }
    let max_page_bytes = match raw.max_page_bytes.as_deref() {
        None => None,
        Some(text) => Some(parse_bytes(text, "DOWNPAGE_MAX_PAGE_BYTES")?),
    };
    Ok(Assets {
        root: static_root,
        url: static_url,
        manifest: static_manifest,
        self_contained,
        max_page_bytes,
    })
}

/// `DOWNPAGE_LOCALE_DIR` (`:`-separated folders) and `DOWNPAGE_LOCALE_DOMAIN` (a catalog
/// file name without `.mo`: no path, so it cannot reach outside the locale folders).
fn parse_locale(
    dirs: Option<&str>,
    domain: Option<&str>,
) -> Result<(Vec<PathBuf>, Option<String>)> {
    let dirs: Vec<PathBuf> = match dirs {
        None => Vec::new(),
        Some(text) => {
            let dirs: Vec<PathBuf> = text
                .split(':')
                .filter(|d| !d.is_empty())
                .map(PathBuf::from)
                .collect();
            if dirs.is_empty() {
                bail!(
                    "DOWNPAGE_LOCALE_DIR is empty: set it to the folder holding <lang>/LC_MESSAGES/<domain>.mo (Django's locale, Flask-Babel's translations), or unset it"
                );
            }
            dirs
        }
    };
    let domain = match domain.map(str::trim) {
        None => None,
        Some(d)
            if d.is_empty()
                || d.starts_with('.')
                || !d
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) =>
        {
            bail!(
                "DOWNPAGE_LOCALE_DOMAIN {d:?} is not a catalog name: write the file name without .mo, like django, djangojs or messages"
            )
        }
        Some(d) => Some(d.to_string()),
    };
    if domain.is_some() && dirs.is_empty() {
        bail!(
            "DOWNPAGE_LOCALE_DOMAIN is set but DOWNPAGE_LOCALE_DIR is not: set DOWNPAGE_LOCALE_DIR to the folder holding the catalogs, or unset DOWNPAGE_LOCALE_DOMAIN"
        );
    }
    Ok((dirs, domain))
}

/// `SOURCE_DATE_EPOCH`: whole seconds since 1970, as the reproducible-builds spec says.
fn parse_epoch(text: &str) -> Result<u64> {
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|&t| t <= MAX_EPOCH)
        .with_context(|| {
            format!(
                "SOURCE_DATE_EPOCH \"{text}\" is not a time in whole seconds since 1970: set it to an integer like $(git log -1 --format=%ct), or unset it for {DEFAULT_EPOCH} (2000-01-01)"
            )
        })
}

/// A size: bytes, or with a `k`/`kb`/`kib` or `m`/`mb`/`mib` suffix (powers of 1024).
fn parse_bytes(text: &str, var: &str) -> Result<u64> {
    let t = text.trim().to_ascii_lowercase();
    let digits_end = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(digits_end);
    let scale: u64 = match unit.trim() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        _ => 0,
    };
    let value = number
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0);
    // Whole bytes: a value that rounds down to 0 (`0.5`) would refuse every page.
    let bytes = value
        .filter(|_| scale > 0)
        .map(|v| v * scale as f64)
        .filter(|b| *b < 1e15)
        .map(|b| b as u64);
    match bytes {
        Some(b) if b > 0 => Ok(b),
        _ => bail!(
            "{var} is \"{text}\": write a size in bytes like 16384, or with a suffix like 16k or 1.5m"
        ),
    }
}

/// A yes/no variable: `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`; unset or blank is no.
fn parse_bool(name: &str, value: Option<&str>) -> Result<bool> {
    let Some(text) = value else { return Ok(false) };
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" | "" => Ok(false),
        _ => bail!("{name} \"{text}\" is not true or false: write true or false"),
    }
}

/// `DOWNPAGE_CONTEXT`: a JSON object (blank means empty).
fn parse_context(text: &str) -> Result<Map<String, Value>> {
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => {
            for (key, value) in &map {
                if let Value::String(value) = value {
                    theme::check(key, value)
                        .map_err(|e| anyhow::anyhow!("DOWNPAGE_CONTEXT {key} {e}"))?;
                }
            }
            Ok(map)
        }
        Ok(other) => bail!(
            "DOWNPAGE_CONTEXT must be a JSON object like {{\"site_name\": \"Example\"}}, found {}",
            crate::pages::json_kind(&other)
        ),
        Err(e) => bail!("DOWNPAGE_CONTEXT is not valid JSON: {e}"),
    }
}

/// `DOWNPAGE_CODES`: comma- or space-separated status codes 100–599, and `maintenance`.
fn parse_codes(text: &str) -> Result<(Vec<u16>, bool)> {
    let mut codes = Vec::new();
    let mut maintenance = false;
    for item in text
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if item.eq_ignore_ascii_case("maintenance") {
            maintenance = true;
            continue;
        }
        let code: u16 = item
            .parse()
            .ok()
            .filter(|c| (100..=599).contains(c))
            .with_context(|| {
                format!("DOWNPAGE_CODES item \"{item}\" is not an HTTP status code: write codes 100-599 like 500,502,503,504 (or maintenance)")
            })?;
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    if codes.is_empty() && !maintenance {
        bail!("DOWNPAGE_CODES is empty: list codes like 500,502,503,504, or unset it");
    }
    Ok((codes, maintenance))
}

/// `DOWNPAGE_LANG` (one language, pages at the top) or `DOWNPAGE_LANGS` (one folder per
/// language, the first one also for `DOWNPAGE_PAGES` pages): (page language, folders).
fn parse_langs(lang: Option<&str>, langs: Option<&str>) -> Result<(String, Vec<String>)> {
    match (lang, langs) {
        (Some(_), Some(_)) => bail!(
            "DOWNPAGE_LANG and DOWNPAGE_LANGS are both set: keep DOWNPAGE_LANG for one language at the top of the output folder, or DOWNPAGE_LANGS for one folder per language"
        ),
        (Some(one), None) if one.trim().is_empty() => {
            bail!("DOWNPAGE_LANG is empty: set a language like de, or unset it for en")
        }
        (Some(one), None) => Ok((parse_lang(one, "DOWNPAGE_LANG")?, Vec::new())),
        (None, Some(list)) => {
            let mut folders: Vec<String> = Vec::new();
            for item in list
                .split([',', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                let tag = parse_lang(item, "DOWNPAGE_LANGS item")?;
                if !folders.contains(&tag) {
                    folders.push(tag);
                }
            }
            let Some(first) = folders.first().cloned() else {
                bail!("DOWNPAGE_LANGS is empty: list languages like en,de,fr, or unset it");
            };
            Ok((first, folders))
        }
        (None, None) => Ok((catalog::DEFAULT_LANG.to_string(), Vec::new())),
    }
}

/// One language of `variable` (`DOWNPAGE_LANG`, an item of `DOWNPAGE_LANGS`) in Django's
/// spelling (`de_AT` → `de-at`). Whether the built-in theme or the site's catalogs have it is
/// checked once the catalogs are listed (`site_languages.rs`).
fn parse_lang(text: &str, variable: &str) -> Result<String> {
    let text = text.trim();
    crate::language::code(text).with_context(|| {
        format!(
            "{variable} \"{text}\" is not a language tag: write a language like de, de_AT or pt-br — built in: {} — or one of the site's catalogs (DOWNPAGE_LOCALE_DIR)",
            catalog::listing()
        )
    })
}

/// `DOWNPAGE_FORMATS`: comma-separated `html`, `json`, `txt`.
fn parse_formats(text: &str) -> Result<Vec<Format>> {
    let mut formats = Vec::new();
    for item in text
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let format = match item.to_ascii_lowercase().as_str() {
            "html" => Format::Html,
            "json" => Format::Json,
            "txt" | "text" => Format::Txt,
            _ => bail!(
                "DOWNPAGE_FORMATS item \"{item}\" is not a format: write a list of html, json and txt"
            ),
        };
        if !formats.contains(&format) {
            formats.push(format);
        }
    }
    if formats.is_empty() {
        bail!(
            "DOWNPAGE_FORMATS is empty: write a list of html, json and txt, or unset it for html"
        );
    }
    Ok(formats)
}

/// Shortest and longest accepted `DOWNPAGE_WATCH_INTERVAL`.
const INTERVAL_RANGE: (Duration, Duration) =
    (Duration::from_millis(10), Duration::from_secs(86400));

/// `DOWNPAGE_WATCH_INTERVAL`: seconds (`2`, `0.5`, `2s`) or milliseconds (`500ms`).
fn parse_interval(text: &str) -> Result<Duration> {
    let fix = "write seconds like 2 or 0.5, or milliseconds like 500ms (10ms to 86400s)";
    let t = text.trim();
    let (number, scale) = if let Some(ms) = t.strip_suffix("ms") {
        (ms, 0.001)
    } else {
        (t.strip_suffix('s').unwrap_or(t), 1.0)
    };
    let seconds = number
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite())
        .map(|s| s * scale)
        .with_context(|| format!("DOWNPAGE_WATCH_INTERVAL \"{text}\" is not a duration: {fix}"))?;
    let (min, max) = INTERVAL_RANGE;
    if !(min.as_secs_f64()..=max.as_secs_f64()).contains(&seconds) {
        bail!("DOWNPAGE_WATCH_INTERVAL \"{text}\" is out of range: {fix}");
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// `DOWNPAGE_LOG_FORMAT`: `text` or `json`.
fn parse_log_format(text: &str) -> Result<LogFormat> {
    match text.trim().to_ascii_lowercase().as_str() {
        "text" | "" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        _ => bail!("DOWNPAGE_LOG_FORMAT is \"{text}\": write text or json"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(vars: &[(&str, &str)]) -> Result<Config> {
        Config::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn zero_config_builds_default_codes_into_pages() {
        let c = cfg(&[("HOME", "/root"), ("PATH", "/bin")]).unwrap();
        assert_eq!(c.output_dir().cloned(), Some(PathBuf::from("pages")));
        assert_eq!(c.tarball().cloned(), None);
        assert_eq!(c.source_date_epoch, DEFAULT_EPOCH);
        assert!(!c.gzip && !c.index && c.nginx.is_none());
        assert_eq!(c.layout, Layout::Flat);
        assert_eq!(c.codes, DEFAULT_CODES);
        assert_eq!(c.pages, PageSource::None);
        assert!(c.template_dirs.is_empty());
    }

    #[test]
    fn pages_alone_builds_no_codes() {
        let c = cfg(&[("DOWNPAGE_PAGES", "a.html=b.html")]).unwrap();
        assert!(c.codes.is_empty());
    }

    #[test]
    fn template_dirs_split_on_colon() {
        let c = cfg(&[("DOWNPAGE_TEMPLATE_DIR", "a::b/c:")]).unwrap();
        assert_eq!(
            c.template_dirs,
            vec![PathBuf::from("a"), PathBuf::from("b/c")]
        );
    }

    #[test]
    fn unknown_variable_is_named_with_suggestion() {
        let e = cfg(&[("DOWNPAGE_OUTPUTDIR", "x")]).unwrap_err().to_string();
        assert!(e.contains("unknown variable DOWNPAGE_OUTPUTDIR"), "{e}");
        assert!(e.contains("did you mean \"DOWNPAGE_OUTPUT_DIR\""), "{e}");
    }

    #[test]
    fn service_links_are_ignored() {
        cfg(&[
            ("DOWNPAGE_SERVICE_HOST", "10.0.0.1"),
            ("DOWNPAGE_PORT_80_TCP", "tcp://x:80"),
        ])
        .unwrap();
    }

    #[test]
    fn vars_are_lower_cased() {
        let c = cfg(&[("DOWNPAGE_VAR_SITE_NAME", "Example")]).unwrap();
        assert_eq!(c.vars["site_name"], "Example");
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = cfg(&[("DOWNPAGE_CODES", "500,abc")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("DOWNPAGE_CODES item \"abc\""), "{e}");
        let e = cfg(&[("DOWNPAGE_FORMATS", "html,pdf")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("DOWNPAGE_FORMATS item \"pdf\""), "{e}");
        let c = cfg(&[("DOWNPAGE_FORMATS", "json, TXT,html,json")]).unwrap();
        assert_eq!(c.formats, [Format::Json, Format::Txt, Format::Html]);
        let e = cfg(&[("DOWNPAGE_CONTEXT", "[1]")]).unwrap_err().to_string();
        assert!(e.contains("DOWNPAGE_CONTEXT must be a JSON object"), "{e}");
        let e = cfg(&[("DOWNPAGE_CONTEXT", "{\"a\":\n}")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2 column 1"), "{e}");
        let e = cfg(&[("DOWNPAGE_PAGES", "x=y"), ("DOWNPAGE_PAGES_FILE", "f")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("DOWNPAGE_PAGES and DOWNPAGE_PAGES_FILE"), "{e}");
    }

    #[test]
    fn watch_settings_parse_and_name_the_variable() {
        let c = cfg(&[]).unwrap();
        assert!(!c.watch);
        assert_eq!(c.watch_interval, DEFAULT_WATCH_INTERVAL);
        assert_eq!(c.log_format, LogFormat::Text);
        let c = cfg(&[
            ("DOWNPAGE_WATCH", "TRUE"),
            ("DOWNPAGE_WATCH_INTERVAL", "250ms"),
            ("DOWNPAGE_READY_FILE", "/tmp/ready"),
            ("DOWNPAGE_LOG_FORMAT", "json"),
        ])
        .unwrap();
        assert!(c.watch);
        assert_eq!(c.watch_interval, Duration::from_millis(250));
        assert_eq!(c.ready_file, Some(PathBuf::from("/tmp/ready")));
        assert_eq!(c.log_format, LogFormat::Json);
        for (text, ms) in [("2", 2000), ("0.5", 500), ("3s", 3000), (" 10ms ", 10)] {
            assert_eq!(
                parse_interval(text).unwrap(),
                Duration::from_millis(ms),
                "{text}"
            );
        }
        for text in ["", "fast", "0", "-1", "5ms", "1e9", "NaN", "2m"] {
            let e = parse_interval(text).unwrap_err().to_string();
            assert!(e.starts_with("DOWNPAGE_WATCH_INTERVAL \""), "{e}");
        }
        let e = cfg(&[("DOWNPAGE_WATCH", "sometimes")])
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "DOWNPAGE_WATCH \"sometimes\" is not true or false: write true or false"
        );
        let e = cfg(&[("DOWNPAGE_LOG_FORMAT", "xml")])
            .unwrap_err()
            .to_string();
        assert_eq!(e, "DOWNPAGE_LOG_FORMAT is \"xml\": write text or json");
        let env = [(
            OsString::from("DOWNPAGE_LOG_FORMAT"),
            OsString::from("JSON"),
        )];
        assert_eq!(LogFormat::from_os_vars(&env), LogFormat::Json);
        let env = [(OsString::from("DOWNPAGE_LOG_FORMAT"), OsString::from("xml"))];
        assert_eq!(LogFormat::from_os_vars(&env), LogFormat::Text);
    }

    #[test]
    fn static_settings() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.static_url, "/static/");
        assert!(!c.self_contained && c.static_root.is_none() && c.max_page_bytes.is_none());
        let c = cfg(&[
            ("DOWNPAGE_STATIC_URL", "https://cdn.example.com/s"),
            ("DOWNPAGE_STATIC_ROOT", "dist"),
            ("DOWNPAGE_SELF_CONTAINED", "Yes"),
            ("DOWNPAGE_MAX_PAGE_BYTES", "16k"),
        ])
        .unwrap();
        assert_eq!(c.static_url, "https://cdn.example.com/s/");
        assert!(c.self_contained);
        assert_eq!(c.max_page_bytes, Some(16384));
        assert_eq!(parse_bytes("1.5m", "X").unwrap(), 1572864);
        assert_eq!(parse_bytes("1000", "X").unwrap(), 1000);
        for bad in ["", "0", "-1", "12q", "k", "1e400", "0.5", "0.9b", "0.0001k"] {
            let e = parse_bytes(bad, "X").unwrap_err().to_string();
            assert!(e.contains("write a size"), "{bad}: {e}");
        }
        let e = cfg(&[("DOWNPAGE_SELF_CONTAINED", "true")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("needs DOWNPAGE_STATIC_ROOT"), "{e}");
        let e = cfg(&[("DOWNPAGE_SELF_CONTAINED", "maybe")])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("DOWNPAGE_SELF_CONTAINED \"maybe\" is not true or false"),
            "{e}"
        );
    }

    #[test]
    fn languages_one_or_folders_never_both() {
        let c = cfg(&[]).unwrap();
        assert_eq!((c.lang.as_str(), c.lang_folders.len()), ("en", 0));
        let c = cfg(&[("DOWNPAGE_LANG", "DE")]).unwrap();
        assert_eq!((c.lang.as_str(), c.lang_folders.len()), ("de", 0));
        let c = cfg(&[("DOWNPAGE_LANGS", "fr, en,fr,de")]).unwrap();
        assert_eq!(c.lang, "fr");
        assert_eq!(c.lang_folders, ["fr", "en", "de"]);
        let c = cfg(&[("DOWNPAGE_LANGS", "de_AT,de-at,de-AT,pt_BR,zh_Hans,ar")]).unwrap();
        assert_eq!(c.lang_folders, ["de-at", "pt-br", "zh-hans", "ar"]);
        let e = cfg(&[("DOWNPAGE_LANG", "de"), ("DOWNPAGE_LANGS", "de")]).unwrap_err();
        assert!(e.to_string().contains("both set"), "{e}");
        let e = cfg(&[("DOWNPAGE_LANGS", "en,klingon")])
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("DOWNPAGE_LANGS item \"klingon\" is not a language tag: write a language like de, de_AT or pt-br — built in: ar (العربية), cs (Čeština)"),
            "{e}"
        );
        for bad in ["xx yy", "de at", "ü"] {
            let e = cfg(&[("DOWNPAGE_LANG", bad)]).unwrap_err().to_string();
            assert!(e.contains("is not a language tag"), "{bad}: {e}");
        }
        // A language the theme lacks is the site's to have: checked when its catalogs are read.
        let c = cfg(&[("DOWNPAGE_LANGS", "en,FI,dee")]).unwrap();
        assert_eq!(c.lang_folders, ["en", "fi", "dee"]);
        assert_eq!((c.words_lang("fi"), c.words_lang("de-at")), ("en", "de"));
    }

    #[test]
    fn locale_settings() {
        let c = cfg(&[]).unwrap();
        assert!(c.locale_dirs.is_empty() && c.locale_domain.is_none());
        let c = cfg(&[
            ("DOWNPAGE_LOCALE_DIR", "app/locale::/srv/locale"),
            ("DOWNPAGE_LOCALE_DOMAIN", "djangojs"),
        ])
        .unwrap();
        assert_eq!(
            c.locale_dirs,
            [PathBuf::from("app/locale"), PathBuf::from("/srv/locale")]
        );
        assert_eq!(c.locale_domain.as_deref(), Some("djangojs"));
        let e = cfg(&[("DOWNPAGE_LOCALE_DIR", ":")])
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("DOWNPAGE_LOCALE_DIR is empty"), "{e}");
        for bad in ["", "../x", "a/b", ".hidden"] {
            let e = cfg(&[
                ("DOWNPAGE_LOCALE_DIR", "l"),
                ("DOWNPAGE_LOCALE_DOMAIN", bad),
            ])
            .unwrap_err()
            .to_string();
            assert!(e.contains("is not a catalog name"), "{bad}: {e}");
        }
        let e = cfg(&[("DOWNPAGE_LOCALE_DOMAIN", "django")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("DOWNPAGE_LOCALE_DIR is not"), "{e}");
    }

    #[test]
    fn maintenance_is_a_code_list_item() {
        let c = cfg(&[("DOWNPAGE_CODES", "502,maintenance")]).unwrap();
        assert_eq!((c.codes.as_slice(), c.maintenance), (&[502][..], true));
        let c = cfg(&[("DOWNPAGE_CODES", "Maintenance")]).unwrap();
        assert!(c.codes.is_empty() && c.maintenance);
        assert!(!cfg(&[]).unwrap().maintenance);
    }

    #[test]
    fn theme_settings_are_checked_where_they_are_set() {
        let e = cfg(&[("DOWNPAGE_VAR_BRAND_COLOR", "red;}</style><script>")])
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("DOWNPAGE_VAR_BRAND_COLOR \"red;}</style><script>\" is not a hex colour"),
            "{e}"
        );
        let e = cfg(&[("DOWNPAGE_VAR_LOGO", "https://x/logo.png")])
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("DOWNPAGE_VAR_LOGO \"https://x/logo.png\" is neither inline SVG"),
            "{e}"
        );
        let e = cfg(&[("DOWNPAGE_VAR_RETRY_AFTER", "soon")])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("DOWNPAGE_VAR_RETRY_AFTER \"soon\" is not a number of seconds"),
            "{e}"
        );
        cfg(&[("DOWNPAGE_VAR_BRAND_COLOR", "#0A7")]).unwrap();
    }

    #[test]
    fn non_utf8_value_is_named() {
        use std::os::unix::ffi::OsStringExt;
        let e = Config::from_os_vars([(
            OsString::from("DOWNPAGE_OUTPUT_DIR"),
            OsString::from_vec(vec![0xff, 0xfe]),
        )])
        .unwrap_err()
        .to_string();
        assert!(e.contains("DOWNPAGE_OUTPUT_DIR is not valid UTF-8"), "{e}");
    }

    #[test]
    fn tarball_alone_writes_no_folder() {
        let c = cfg(&[("DOWNPAGE_TARBALL", "-")]).unwrap();
        assert_eq!(c.tarball().cloned(), Some(Tarball::Stdout));
        assert_eq!(c.output_dir().cloned(), None);
        let c = cfg(&[
            ("DOWNPAGE_TARBALL", "out/p.tar.gz"),
            ("DOWNPAGE_OUTPUT_DIR", "www"),
        ])
        .unwrap();
        assert_eq!(
            c.tarball().cloned(),
            Some(Tarball::File("out/p.tar.gz".into()))
        );
        assert_eq!(c.output_dir().cloned(), Some(PathBuf::from("www")));
        let e = cfg(&[("DOWNPAGE_TARBALL", "")]).unwrap_err().to_string();
        assert!(e.contains("DOWNPAGE_TARBALL is empty"), "{e}");
        let e = cfg(&[("DOWNPAGE_TARBALL", "-"), ("DOWNPAGE_WATCH", "true")])
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("DOWNPAGE_TARBALL=- with DOWNPAGE_WATCH=true"),
            "{e}"
        );
        cfg(&[("DOWNPAGE_TARBALL", "p.tgz"), ("DOWNPAGE_WATCH", "true")]).unwrap();
    }

    #[test]
    fn source_date_epoch_is_read_and_checked() {
        let c = cfg(&[("SOURCE_DATE_EPOCH", "1700000000")]).unwrap();
        assert_eq!(c.source_date_epoch, 1_700_000_000);
        for bad in ["", "yesterday", "-1", "1.5", "99999999999999"] {
            let e = cfg(&[("SOURCE_DATE_EPOCH", bad)]).unwrap_err().to_string();
            assert!(
                e.starts_with(&format!("SOURCE_DATE_EPOCH \"{bad}\" is not a time")),
                "{e}"
            );
        }
        let c = Config::from_os_vars([(OsString::from("SOURCE_DATE_EPOCH"), OsString::from("12"))])
            .unwrap();
        assert_eq!(c.source_date_epoch, 12);
    }

    #[test]
    fn switches_and_layout() {
        let c = cfg(&[
            ("DOWNPAGE_GZIP", "TRUE"),
            ("DOWNPAGE_INDEX", "1"),
            ("DOWNPAGE_LAYOUT", "ingress-nginx"),
        ])
        .unwrap();
        assert!(c.gzip && c.index);
        assert_eq!(c.layout, Layout::IngressNginx);
        assert_eq!(c.formats, [Format::Html, Format::Json]);
        let e = cfg(&[("DOWNPAGE_GZIP", "maybe")]).unwrap_err().to_string();
        assert_eq!(
            e,
            "DOWNPAGE_GZIP \"maybe\" is not true or false: write true or false"
        );
        let e = cfg(&[("DOWNPAGE_LAYOUT", "k8s")]).unwrap_err().to_string();
        assert!(e.contains("DOWNPAGE_LAYOUT \"k8s\" is not a layout"), "{e}");
    }

    #[test]
    fn nginx_rules() {
        let c = cfg(&[("DOWNPAGE_NGINX_CONF", "e.conf")]).unwrap();
        assert_eq!(
            c.nginx,
            Some(Nginx {
                conf: "e.conf".into(),
                root: NginxRoot::OutputFolder("pages".into())
            })
        );
        let e = cfg(&[("DOWNPAGE_NGINX_ROOT", "/srv")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("DOWNPAGE_NGINX_CONF is not"), "{e}");
        let e = cfg(&[("DOWNPAGE_NGINX_CONF", "e.conf"), ("DOWNPAGE_TARBALL", "-")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("needs DOWNPAGE_NGINX_ROOT"), "{e}");
        let e = cfg(&[
            ("DOWNPAGE_NGINX_CONF", "e.conf"),
            ("DOWNPAGE_NGINX_ROOT", "srv/pages"),
        ])
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("DOWNPAGE_NGINX_ROOT \"srv/pages\" is not an absolute path"),
            "{e}"
        );
    }
}
