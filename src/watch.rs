//! Watch mode (`DOWNPAGE_WATCH=true`): render once, then look at the inputs every
//! `DOWNPAGE_WATCH_INTERVAL` and re-render when one changed. Each pass is the pipeline's one
//! streaming pass into the outputs, the folder tracked (it takes the folder's lock for that
//! pass only, writes the pages whose bytes changed, atomically, and removes the pages it
//! wrote earlier that are no longer configured). A failed pass replaces nothing: the last
//! good pages stay, the error is logged, the ready file says so, and the next change is tried
//! again. SIGTERM/SIGINT end the loop between passes. Watch mode runs for long, so it logs
//! each pass as it goes.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use serde_json::Value;

use crate::config::Config;
use crate::inputs::{self, Scan};
use crate::log::{self, Line};
use crate::pipeline::{self, Built, Target};
use crate::report::report;
use crate::sink::ready::Ready;
use crate::stop::Stop;

/// Runs until a stop signal; returns the last line to log.
pub fn run(config: &Config) -> Result<Line> {
    let stop = Stop::install()?;
    let mut watcher = Watcher {
        config,
        ready: Ready::start(config.ready_file.as_deref())?,
        extra: Vec::new(),
    };
    let mut seen = inputs::scan(config, &[], &Scan::default());
    watcher.pass(&[], &mut seen);
    loop {
        if stop.wait(config.watch_interval) {
            return Ok(
                Line::info("stop", "stopping on a signal; the pages stay in place")
                    .with("renders", watcher.ready.state.renders)
                    .with("failures", watcher.ready.state.failures),
            );
        }
        let now = inputs::scan(config, &watcher.extra, &seen);
        let changed = now.changed_since(&seen);
        seen = now;
        if !changed.is_empty() {
            watcher.pass(&changed, &mut seen);
        }
    }
}

struct Watcher<'a> {
    config: &'a Config,
    ready: Ready,
    /// Files the last good render read besides the templates and the page list.
    extra: Vec<PathBuf>,
}

impl Watcher<'_> {
    /// One render-and-write pass; `changed` is empty for the first. Logs what happened.
    fn pass(&mut self, changed: &[String], seen: &mut Scan) {
        let config = self.config;
        let started = Instant::now();
        self.ready.attempt();
        let what = describe(changed);
        let line = match pipeline::build(config, Target::Tracked) {
            Ok(Built {
                pages,
                summary,
                inputs,
                warnings,
            }) => {
                self.ready.passed(pages);
                for warning in &warnings {
                    log::emit(warning, config.log_format);
                }
                if inputs != self.extra {
                    *seen = seen.with_files(&inputs);
                    self.extra = inputs;
                }
                let mut line = report(config, false, pages, &summary, started);
                line.msg = format!("{what}{}", line.msg);
                if changed.is_empty() {
                    line.msg.push_str(&format!(
                        "; watching {} inputs every {}",
                        seen.len(),
                        humantime(config.watch_interval.as_secs_f64())
                    ));
                }
                line
            }
            Err(err) => {
                let error = format!("{err:#}");
                self.ready.failed(error.clone());
                let keep = if self.ready.state.renders > 0 {
                    "the last good pages stay in place"
                } else {
                    "nothing was written"
                };
                Line::error(
                    "error",
                    format!("{what}{error} ({keep}; trying again when an input changes)"),
                )
            }
        };
        let line = line.with(
            "changed",
            Value::from(
                changed
                    .iter()
                    .map(|c| Value::from(c.as_str()))
                    .collect::<Vec<_>>(),
            ),
        );
        // The ready file first, then the pass's line: whoever reads the line (a person, a
        // test, a log-driven probe) finds the ready file already saying the same.
        if let Err(err) = self.ready.save() {
            log::emit(&Line::error("error", format!("{err:#}")), config.log_format);
        }
        log::emit(&line, config.log_format);
    }
}

/// "a.html changed: " or "a.html, b.html and 3 more changed: " (empty for the first pass).
fn describe(changed: &[String]) -> String {
    const SHOWN: usize = 3;
    match changed.len() {
        0 => String::new(),
        n if n <= SHOWN => format!("{} changed: ", changed.join(", ")),
        n => format!(
            "{} and {} more changed: ",
            changed[..SHOWN].join(", "),
            n - SHOWN
        ),
    }
}

fn humantime(seconds: f64) -> String {
    if seconds < 1.0 {
        format!("{:.0}ms", seconds * 1000.0)
    } else {
        format!("{seconds}s")
    }
}
