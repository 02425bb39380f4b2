//! The command line: the arguments after the program name → a [`Command`], and [`run`], which
//! carries it out through the pipeline and says what to print in an [`Outcome`]. Watch mode
//! keeps running and logs each pass as it goes; everything else prints only through `main`.

use std::ffi::OsString;
use std::time::Instant;

use anyhow::{Result, bail};

use crate::config::Config;
use crate::pipeline::{self, Target};
use crate::sink::ready::Ready;
use crate::{health, report, vars, watch};

/// What the command line asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Render and write the pages.
    Render,
    /// Render everything, write nothing.
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
    /// Log lines about the work done, formatted, in order: the warnings, then the summary
    /// line. They go to stderr (stdout may carry a tarball).
    Log(Vec<String>),
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
        Command::Check => {
            let started = Instant::now();
            let config = Config::from_os_vars(env)?;
            let built = pipeline::build(&config, Target::Discard)?;
            let line = report::report(&config, true, built.pages, &built.summary, started);
            Ok(log(&config, built.warnings, line))
        }
        Command::Render => {
            let started = Instant::now();
            let config = Config::from_os_vars(env)?;
            if config.watch {
                let line = watch::run(&config)?;
                return Ok(Outcome::Log(vec![line.format(config.log_format)]));
            }
            let mut ready = Ready::start(config.ready_file.as_deref())?;
            ready.attempt();
            let built = pipeline::build(&config, Target::Outputs)?;
            ready.passed(built.pages);
            ready.save()?;
            let line = report::report(&config, false, built.pages, &built.summary, started);
            Ok(log(&config, built.warnings, line))
        }
    }
}

/// The warnings, then the summary line, formatted.
fn log(config: &Config, warnings: Vec<crate::log::Line>, line: crate::log::Line) -> Outcome {
    let lines = warnings.into_iter().chain([line]);
    Outcome::Log(lines.map(|l| l.format(config.log_format)).collect())
}
