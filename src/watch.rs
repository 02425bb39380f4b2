//! Watch mode (`DOWNPAGE_WATCH=true`): render once, then look at the inputs every
//! `DOWNPAGE_WATCH_INTERVAL` and re-render when one changed. Each pass renders everything in
//! memory first; only a pass that fully succeeds opens the output folder (taking its lock for
//! that pass only) and writes the pages whose bytes changed, atomically, then removes the
//! pages it wrote earlier that are no longer configured. A failed pass writes nothing: the
//! last good pages stay, the error is logged, the ready file says so, and the next change is
//! tried again. SIGTERM/SIGINT end the loop between passes.

use std::path::PathBuf;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::Result;
use serde_json::Value;

use crate::config::Config;
use crate::inputs::{self, Scan};
use crate::log::{self, Line};
use crate::sink::ready::{self, State};
use crate::stop::Stop;
use crate::{Rendered, Target, render_all, report, write};

/// Runs until a stop signal; returns the last line to log.
pub fn run(config: &Config) -> Result<Line> {
    let stop = Stop::install()?;
    if let Some(path) = &config.ready_file {
        ready::remove(path)?;
    }
    let mut watcher = Watcher {
        config,
        state: State {
            pid: std::process::id(),
            ..State::default()
        },
        extra: Vec::new(),
    };
    let mut seen = inputs::scan(config, &[], &Scan::default());
    watcher.pass(&[], &mut seen);
    loop {
        if stop.wait(config.watch_interval) {
            return Ok(
                Line::info("stop", "stopping on a signal; the pages stay in place")
                    .with("renders", watcher.state.renders)
                    .with("failures", watcher.state.failures),
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
    state: State,
    /// Files the last good render read besides the templates and the page list.
    extra: Vec<PathBuf>,
}

impl Watcher<'_> {
    /// One render-and-write pass; `changed` is empty for the first. Logs what happened.
    fn pass(&mut self, changed: &[String], seen: &mut Scan) {
        let config = self.config;
        let started = Instant::now();
        self.state.last_attempt = unix_now();
        let result = render_all(config).and_then(|rendered| {
            let summary = write(config, &rendered, Target::Tracked)?;
            Ok((rendered, summary))
        });
        let what = describe(changed);
        let line = match result {
            Ok((Rendered { pages, inputs, .. }, summary)) => {
                self.state.ok = true;
                self.state.renders += 1;
                self.state.last_success = self.state.last_attempt;
                self.state.pages = pages.len();
                self.state.error = None;
                if inputs != self.extra {
                    *seen = seen.with_files(&inputs);
                    self.extra = inputs;
                }
                let mut line = report(config, false, pages.len(), &summary, started);
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
                self.state.ok = false;
                self.state.failures += 1;
                let error = format!("{err:#}");
                self.state.error = Some(error.clone());
                let keep = if self.state.renders > 0 {
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
        log::emit(&line, config.log_format);
        if let (Some(path), true) = (&config.ready_file, self.state.renders > 0)
            && let Err(err) = ready::write(path, &self.state)
        {
            log::emit(&Line::error("error", format!("{err:#}")), config.log_format);
        }
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

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
