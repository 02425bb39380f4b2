//! downpage renders a site's own Tera templates into static error pages for nginx.
//!
//! Data flows one way: environment → [`config`] → [`plan`] → [`render`] → [`sink`].
//! Only `config` reads variables, only the sinks write files; `plan` and `render` are pure.

pub mod assets;
pub mod catalog;
pub mod config;
pub mod dialect;
pub mod gzip;
pub mod health;
pub mod html;
pub mod index;
pub mod inputs;
pub mod log;
pub mod nginx;
pub mod pages;
pub mod parse_guard;
pub mod plan;
pub mod prerendered;
pub mod render;
pub mod safe_path;
pub mod self_contained;
pub mod sha256;
pub mod sink;
pub mod stop;
pub mod suggest;
pub mod template_dirs;
pub mod template_loops;
pub mod templates;
pub mod theme;
pub mod vars;
pub mod watch;

use std::ffi::OsString;
use std::fs;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use assets::AssetStore;
use config::{Config, PageSource, Tarball};
use log::Line;
use sink::file::{self, Written};
use sink::{Derived, Discard, Fanout, Sink, Summary, dir::DirSink, ready, tar::TarSink};

/// What the command line asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Render and write the pages.
    Render,
    /// Render everything in memory, write nothing.
    Check,
    /// Exit 0 when the ready file says the last render succeeded (a probe).
    Health,
    Help,
    Version,
}

impl Command {
    /// Parses the arguments after the program name.
    pub fn parse(args: &[String]) -> Result<Command> {
        match args {
            [] => Ok(Command::Render),
            [a] if a == "check" => Ok(Command::Check),
            [a] if a == "health" => Ok(Command::Health),
            [a] if a == "--help" || a == "-h" || a == "help" => Ok(Command::Help),
            [a] if a == "--version" || a == "-V" => Ok(Command::Version),
            [a, ..] => bail!(
                "unknown argument \"{a}\": downpage takes only check, health, --help or --version; configure it with DOWNPAGE_* variables (downpage --help lists them)"
            ),
        }
    }
}

/// What a successful run has to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Text the user asked for (help, version): goes to stdout.
    Print(String),
    /// A log line about the work done: goes to stderr (stdout may carry a tarball).
    Log(String),
}

/// Runs downpage: `args` are the arguments after the program name, `env` the environment.
pub fn run(
    args: &[String],
    env: impl IntoIterator<Item = (OsString, OsString)>,
) -> Result<Outcome> {
    match Command::parse(args)? {
        Command::Help => Ok(Outcome::Print(vars::help_text())),
        Command::Version => Ok(Outcome::Print(format!(
            "downpage {}",
            env!("CARGO_PKG_VERSION")
        ))),
        Command::Health => {
            let config = Config::from_os_vars(env)?;
            Ok(Outcome::Print(health::check(&config)?))
        }
        command @ (Command::Render | Command::Check) => {
            let started = Instant::now();
            let config = Config::from_os_vars(env)?;
            let check = command == Command::Check;
            if !check && config.watch {
                let line = watch::run(&config)?;
                return Ok(Outcome::Log(line.format(config.log_format)));
            }
            if let (Some(path), false) = (&config.ready_file, check) {
                ready::remove(path)?;
            }
            let (count, summary) = build(&config, check)?;
            if let (Some(path), false) = (&config.ready_file, check) {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                let state = ready::State {
                    ok: true,
                    pid: std::process::id(),
                    renders: 1,
                    failures: 0,
                    last_attempt: now,
                    last_success: now,
                    pages: count,
                    error: None,
                };
                ready::write(path, &state)?;
            }
            let line = report(&config, check, count, &summary, started);
            Ok(Outcome::Log(line.format(config.log_format)))
        }
    }
}

/// Every page of a render pass, in memory, and what the pass read.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// (destination, bytes), in plan order.
    pub pages: Vec<(String, Vec<u8>)>,
    /// Files the render read besides the template folders and the page-list file (watch
    /// mode watches them too). Whatever reads a file while rendering (e.g. an asset manifest
    /// or an inlined asset) adds its path here.
    pub inputs: Vec<PathBuf>,
    /// The nginx snippet's text, when `DOWNPAGE_NGINX_CONF` is set.
    pub snippet: Option<String>,
}

/// The compiled templates and the plan of a render pass, before any page is rendered.
pub struct Prepared {
    pub engine: templates::Engine,
    pub plan: plan::Plan,
    /// The nginx snippet's text, when `DOWNPAGE_NGINX_CONF` is set.
    pub snippet: Option<String>,
    /// The static files the asset functions and self-contained mode read.
    pub store: Arc<AssetStore>,
}

/// Reads the page list and the templates, and plans every page.
pub fn prepare(config: &Config) -> Result<Prepared> {
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
    let mut engine = templates::Engine::new(sources, config.template_dirs.clone())?;
    let store = Arc::new(AssetStore::open(config)?);
    engine.use_assets(store.clone());
    let plan = plan::plan(config, specs, &source, &engine)?;
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

/// Reads the page list and the templates, plans and renders every page, in memory.
pub fn render_all(config: &Config) -> Result<Rendered> {
    let prepared = prepare(config)?;
    let mut out = Rendered {
        snippet: prepared.snippet.clone(),
        ..Rendered::default()
    };
    out.pages.reserve(prepared.plan.pages.len());
    render_pages(config, &prepared, &mut |page, mut bytes| {
        bytes.shrink_to_fit(); // kept until written: no spare capacity per page
        out.pages.push((page.dest.clone(), bytes));
        Ok(())
    })?;
    out.inputs.extend(prepared.store.files_read());
    Ok(out)
}

/// Renders every page, gives each to `each` in plan order after the asset steps
/// ([`finish`]), and logs the asset warnings when all went well.
fn render_pages(
    config: &Config,
    prepared: &Prepared,
    each: &mut dyn FnMut(&plan::Page, Vec<u8>) -> Result<()>,
) -> Result<()> {
    let mut warnings = Vec::new();
    render::render_all(&prepared.engine, &prepared.plan.pages, |page, bytes| {
        let bytes = finish(config, &prepared.store, page, bytes, &mut warnings)?;
        each(page, bytes)
    })?;
    // External URLs met by inline() in style sheets (pages render in parallel, so these are
    // not told by page; self-contained pages name their own).
    let store = &prepared.store;
    warnings.extend(externals_warning(
        "inlined style sheets",
        &store.take_externals(),
    ));
    for line in &warnings {
        log::emit(line, config.log_format);
    }
    Ok(())
}

/// The last steps of a rendered page, in plan order: `DOWNPAGE_SELF_CONTAINED` inlining,
/// then `DOWNPAGE_MAX_PAGE_BYTES`. Not inlined into `render_all`'s closure (binary size):
/// it is big and runs once per page.
#[inline(never)]
fn finish(
    config: &Config,
    store: &AssetStore,
    page: &plan::Page,
    bytes: Vec<u8>,
    warnings: &mut Vec<log::Line>,
) -> Result<Vec<u8>> {
    let mut bytes = bytes;
    if config.self_contained && is_html(&page.dest) {
        let html = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("page {}: rendered HTML is not UTF-8", page.dest))?;
        let externals = assets::inline::Collect::new(store);
        bytes = self_contained::inline_page(&html, &externals.inliner(store.static_url()))
            .with_context(|| {
                format!(
                    "page {} ({}): DOWNPAGE_SELF_CONTAINED",
                    page.dest, page.origin
                )
            })?
            .into_bytes();
        warnings.extend(externals_warning(
            &format!("page {}", page.dest),
            &externals.take(),
        ));
    }
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

/// Whether a destination is an HTML page (self-contained mode rewrites only those).
fn is_html(dest: &str) -> bool {
    let lower = dest.to_ascii_lowercase();
    lower.ends_with(".html") || lower.ends_with(".htm") || lower.ends_with(".shtml")
}

/// A warning about external URLs left in pages (they need the network), emitted when the
/// render succeeds.
fn externals_warning(what: &str, urls: &[String]) -> Option<log::Line> {
    if urls.is_empty() {
        return None;
    }
    let one = urls.len() == 1;
    let msg = format!(
        "{what}: {} external URL{} left as {} (the page needs the network for {}): {}",
        urls.len(),
        if one { "" } else { "s" },
        if one { "it is" } else { "they are" },
        if one { "it" } else { "them" },
        urls.join(", ")
    );
    let line = log::Line {
        level: "warn",
        ..log::Line::info("assets", msg)
    };
    Some(line.with("external_urls", urls.to_vec()))
}

/// Where a write pass goes.
/// Largest `DOWNPAGE_PAGES_FILE` read (100,000 pages take about 4 MB): a wrong path such as
/// `/dev/zero` must not fill the memory.
pub const MAX_PAGES_FILE_BYTES: u64 = 64 << 20;

/// Reads the page list file: at most [`MAX_PAGES_FILE_BYTES`], UTF-8.
fn read_pages_file(path: &std::path::Path, source: &str) -> Result<String> {
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
        anyhow::anyhow!(
            "{source} is not UTF-8 text (bad byte at offset {}): save it as UTF-8",
            e.utf8_error().valid_up_to()
        )
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Nowhere: `downpage check`.
    Discard,
    /// The configured outputs.
    Outputs,
    /// The configured outputs, the folder tracked for removals (watch mode).
    Tracked,
}

/// Stages every rendered page (and the files derived from them) into the configured sinks,
/// then commits them and the nginx snippet.
pub fn write(config: &Config, rendered: &Rendered, target: Target) -> Result<Summary> {
    write_with(config, rendered.snippet.as_deref(), target, |sink| {
        for (dest, bytes) in &rendered.pages {
            sink.stage(dest, bytes)?;
        }
        Ok(())
    })
}

/// Opens the configured sinks, lets `stage` give them the pages, then commits them and the
/// nginx snippet.
fn write_with(
    config: &Config,
    snippet: Option<&str>,
    target: Target,
    stage: impl FnOnce(&mut dyn Sink) -> Result<()>,
) -> Result<Summary> {
    let outputs: Box<dyn Sink> = match target {
        Target::Discard => Box::new(Discard::default()),
        Target::Outputs => open_sinks(config, false)?,
        Target::Tracked => open_sinks(config, true)?,
    };
    let mut sink: Box<dyn Sink> = Box::new(Derived::new(outputs, config.gzip, config.index));
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

/// Plans, renders and commits every page; returns the page count and the sinks' summary.
/// Each page goes to the sinks as soon as it is rendered (the folder sink writes it to its
/// temporary file at once), so memory stays flat whatever the page count; a failure still
/// replaces nothing.
pub fn build(config: &Config, check: bool) -> Result<(usize, Summary)> {
    let target = if check {
        Target::Discard
    } else {
        Target::Outputs
    };
    let mut prepared = prepare(config)?;
    // The tarball holds its entries in path order: rendered in that order, each page goes
    // into it at once instead of waiting in memory for the end.
    if config.tarball.is_some() && !check {
        prepared.plan.pages.sort_by(|a, b| a.dest.cmp(&b.dest));
    }
    let sorted = prepared.plan.pages.is_sorted_by(|a, b| a.dest < b.dest);
    let summary = write_with(config, prepared.snippet.as_deref(), target, |sink| {
        render_pages(config, &prepared, &mut |page, bytes| {
            sink.stage(&page.dest, &bytes)?;
            if sorted {
                sink.settle(&page.dest)?;
            }
            Ok(())
        })
    })?;
    Ok((prepared.plan.pages.len(), summary))
}

/// The tarball first (the likeliest to fail, on a full disk), then the output folder.
fn open_sinks(config: &Config, tracked: bool) -> Result<Box<dyn Sink>> {
    let mut fanout = Fanout::default();
    if let Some(target) = &config.tarball {
        fanout.push(Box::new(TarSink::new(
            target.clone(),
            config.source_date_epoch,
        )));
    }
    if let Some(dir) = &config.output_dir {
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
fn nginx_snippet(config: &Config, nginx: &config::Nginx, plan: &plan::Plan) -> Result<String> {
    let root = match (&nginx.root, &config.output_dir) {
        (Some(root), _) => root.clone(),
        (None, Some(dir)) => {
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
                anyhow::anyhow!(
                    "DOWNPAGE_OUTPUT_DIR as nginx root: {e}; or set DOWNPAGE_NGINX_ROOT"
                )
            })?;
            root
        }
        (None, None) => {
            unreachable!("config requires DOWNPAGE_NGINX_ROOT without an output folder")
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

/// The line a render or check pass logs: text, and the numbers as JSON fields.
pub fn report(
    config: &Config,
    check: bool,
    count: usize,
    summary: &Summary,
    started: Instant,
) -> Line {
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let plural = if count == 1 { "page" } else { "pages" };
    let tarball = config.tarball.as_ref().map(|t| match t {
        Tarball::Stdout => "stdout".to_string(),
        Tarball::File(p) => p.display().to_string(),
    });
    let fields = |line: Line| {
        line.with("pages", count)
            .with("bytes", summary.bytes)
            .with(
                "output",
                config.output_dir.as_ref().map(|d| d.display().to_string()),
            )
            .with("tarball", tarball.clone())
            .with("ms", (ms * 10.0).round() / 10.0)
    };
    if check {
        let mut places: Vec<String> = config
            .output_dir
            .iter()
            .map(|d| d.display().to_string())
            .collect();
        places.extend(tarball.as_ref().map(|t| format!("tarball {t}")));
        return fields(Line::info(
            "check",
            format!(
                "check ok: {count} {plural} ({} bytes) would be written to {}, in {ms:.1} ms",
                summary.bytes,
                places.join(" and ")
            ),
        ));
    }
    let mut parts = Vec::new();
    if let Some(dir) = &config.output_dir {
        let files = summary.written + summary.unchanged;
        let files = if files == count {
            String::new()
        } else {
            format!("{files} files, ")
        };
        let removed = if summary.removed.is_empty() {
            String::new()
        } else {
            format!(", removed {}", summary.removed.join(" "))
        };
        parts.push(format!(
            "({files}{} changed, {} unchanged{removed}, {} bytes) to {}",
            summary.written,
            summary.unchanged,
            summary.bytes,
            dir.display()
        ));
    }
    if let (Some(t), Some((bytes, written))) = (&tarball, summary.archive) {
        let same = if written == Written::Unchanged {
            ", unchanged"
        } else {
            ""
        };
        parts.push(format!("to tarball {t} ({bytes} bytes{same})"));
    }
    if let (Some(nginx), Some(written)) = (&config.nginx, summary.snippet) {
        let same = if written == Written::Unchanged {
            " (unchanged)"
        } else {
            ""
        };
        parts.push(format!("nginx snippet to {}{same}", nginx.conf.display()));
    }
    fields(
        Line::info(
            "render",
            format!("wrote {count} {plural} {} in {ms:.1} ms", parts.join(", ")),
        )
        .with("written", summary.written)
        .with("unchanged", summary.unchanged)
        .with("removed", summary.removed.clone()),
    )
}
