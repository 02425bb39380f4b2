//! downpage renders a site's own Tera templates into static error pages for nginx.
//!
//! Data flows one way: environment → [`config`] → [`plan`] → [`render`] → [`sink`].
//! Only `config` reads variables, only the sinks write files; `plan` and `render` are pure.

pub mod catalog;
pub mod config;
pub mod pages;
pub mod plan;
pub mod render;
pub mod safe_path;
pub mod sink;
pub mod suggest;
pub mod template_dirs;
pub mod templates;
pub mod vars;

use std::ffi::OsString;
use std::fs;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use config::{Config, PageSource};
use sink::{Discard, Sink, Summary, dir::DirSink};

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
    let mut sink: Box<dyn Sink> = if check {
        Box::new(Discard::default())
    } else {
        Box::new(DirSink::open(&config.output_dir)?)
    };
    for page in &plan.pages {
        let bytes = render::render(&engine, page)?;
        sink.stage(&page.dest, &bytes)?;
    }
    Ok((plan.pages.len(), sink.commit()?))
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
    if check {
        format!(
            "downpage: check ok: {count} {plural} ({} bytes) would be written to {}, in {ms:.1} ms",
            summary.bytes,
            config.output_dir.display()
        )
    } else {
        format!(
            "downpage: wrote {count} {plural} ({} changed, {} unchanged, {} bytes) to {} in {ms:.1} ms",
            summary.written,
            summary.unchanged,
            summary.bytes,
            config.output_dir.display()
        )
    }
}
