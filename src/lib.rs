//! downpage renders a site's own Tera templates into static error pages for nginx.
//!
//! Data flows one way: environment → [`config`] → [`plan`] → [`render`] → [`sink`].
//! Only `config` reads variables, only the sinks write files; `plan` and `render` are pure.

pub mod catalog;
pub mod config;
pub mod gzip;
pub mod index;
pub mod nginx;
pub mod pages;
pub mod plan;
pub mod render;
pub mod safe_path;
pub mod sha256;
pub mod sink;
pub mod suggest;
pub mod template_dirs;
pub mod templates;
pub mod vars;

use std::ffi::OsString;
use std::fs;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use config::{Config, PageSource, Tarball};
use sink::file::{self, Written};
use sink::{Derived, Discard, Fanout, Sink, Summary, dir::DirSink, tar::TarSink};

/// What the command line asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Render and write the pages.
    Render,
    /// Render everything in memory, write nothing.
    Check,
    Help,
    Version,
}

impl Command {
    /// Parses the arguments after the program name.
    pub fn parse(args: &[String]) -> Result<Command> {
        match args {
            [] => Ok(Command::Render),
            [a] if a == "check" => Ok(Command::Check),
            [a] if a == "--help" || a == "-h" || a == "help" => Ok(Command::Help),
            [a] if a == "--version" || a == "-V" => Ok(Command::Version),
            [a, ..] => bail!(
                "unknown argument \"{a}\": downpage takes only check, --help or --version; configure it with DOWNPAGE_* variables (downpage --help lists them)"
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
        command @ (Command::Render | Command::Check) => {
            let started = Instant::now();
            let config = Config::from_os_vars(env)?;
            let check = command == Command::Check;
            let (count, summary) = build(&config, check)?;
            Ok(Outcome::Log(report(
                &config, check, count, &summary, started,
            )))
        }
    }
}

/// Plans, renders and commits every page; returns the page count and the sink's summary.
pub fn build(config: &Config, check: bool) -> Result<(usize, Summary)> {
    let (specs, source) = match &config.pages {
        PageSource::None => (Vec::new(), "DOWNPAGE_PAGES".to_string()),
        PageSource::Inline(text) => (
            pages::parse(text, "DOWNPAGE_PAGES")?,
            "DOWNPAGE_PAGES".to_string(),
        ),
        PageSource::File(path) => {
            let source = format!("DOWNPAGE_PAGES_FILE {}", path.display());
            let text = fs::read_to_string(path).with_context(|| {
                format!("reading {source}: check the path and the volume mount")
            })?;
            (pages::parse(&text, &source)?, source)
        }
    };
    let sources = template_dirs::load(&config.template_dirs)?;
    let engine = templates::Engine::new(sources, config.template_dirs.clone())?;
    let plan = plan::plan(config, specs, &source, &engine)?;
    let snippet = match &config.nginx {
        Some(nginx) => Some(nginx_snippet(config, nginx, &plan)?),
        None => None,
    };
    let outputs: Box<dyn Sink> = if check {
        Box::new(Discard::default())
    } else {
        open_sinks(config)?
    };
    let mut sink: Box<dyn Sink> = Box::new(Derived::new(outputs, config.gzip, config.index));
    for page in &plan.pages {
        let bytes = render::render(&engine, page)?;
        sink.stage(&page.dest, &bytes)?;
    }
    // The snippet is written beside its place before the pages are committed, and moved
    // into place after them: it never names pages that are not there yet.
    let snippet = match (&config.nginx, snippet, check) {
        (Some(nginx), Some(text), false) => {
            let what = format!("DOWNPAGE_NGINX_CONF {}", nginx.conf.display());
            Some(file::prepare(&nginx.conf, text.as_bytes(), &what)?)
        }
        _ => None,
    };
    let mut summary = sink.commit()?;
    if let Some(pending) = snippet {
        summary.snippet = Some(pending.commit()?);
    }
    Ok((plan.pages.len(), summary))
}

/// The tarball first (the likeliest to fail, on a full disk), then the output folder.
fn open_sinks(config: &Config) -> Result<Box<dyn Sink>> {
    let mut fanout = Fanout::default();
    if let Some(target) = &config.tarball {
        fanout.push(Box::new(TarSink::new(
            target.clone(),
            config.source_date_epoch,
        )));
    }
    if let Some(dir) = &config.output_dir {
        fanout.push(Box::new(DirSink::open(dir)?));
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
    nginx::snippet(&entries, &root, config.gzip)
}

fn report(
    config: &Config,
    check: bool,
    count: usize,
    summary: &Summary,
    started: Instant,
) -> String {
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let plural = if count == 1 { "page" } else { "pages" };
    let tarball = config.tarball.as_ref().map(|t| match t {
        Tarball::Stdout => "stdout".to_string(),
        Tarball::File(p) => p.display().to_string(),
    });
    if check {
        let mut places: Vec<String> = config
            .output_dir
            .iter()
            .map(|d| d.display().to_string())
            .collect();
        places.extend(tarball.map(|t| format!("tarball {t}")));
        return format!(
            "downpage: check ok: {count} {plural} ({} bytes) would be written to {}, in {ms:.1} ms",
            summary.bytes,
            places.join(" and ")
        );
    }
    let mut parts = Vec::new();
    if let Some(dir) = &config.output_dir {
        let files = summary.written + summary.unchanged;
        let files = if files == count {
            String::new()
        } else {
            format!("{files} files, ")
        };
        parts.push(format!(
            "({files}{} changed, {} unchanged, {} bytes) to {}",
            summary.written,
            summary.unchanged,
            summary.bytes,
            dir.display()
        ));
    }
    if let (Some(t), Some((bytes, written))) = (tarball, summary.archive) {
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
    format!(
        "downpage: wrote {count} {plural} {} in {ms:.1} ms",
        parts.join(", ")
    )
}
