//! The ready file (`DOWNPAGE_READY_FILE`): a small JSON state that watch mode (and a one-shot
//! run) writes atomically after the first successful render and after every later attempt,
//! and that `downpage health` reads. It is removed when a run starts, so a file left by an
//! earlier process never vouches for this one.

use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use super::file;

/// What the ready file holds.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct State {
    /// Whether the last attempt succeeded (`downpage health` succeeds exactly when true).
    pub ok: bool,
    /// Process id of the writer.
    pub pid: u32,
    /// Successful renders since the writer started (at least 1: the file is only written
    /// after the first one).
    pub renders: u64,
    /// Failed attempts since the writer started.
    pub failures: u64,
    /// Unix time (seconds) of the last attempt.
    pub last_attempt: u64,
    /// Unix time (seconds) of the last successful render.
    pub last_success: u64,
    /// Pages the last successful render produced.
    pub pages: usize,
    /// The last attempt's error, when it failed.
    pub error: Option<String>,
}

impl State {
    /// The file's JSON, by hand rather than with `#[derive(Serialize, Deserialize)]`, which
    /// makes the release binary 8,120 bytes larger (measured for issue 16).
    pub fn to_json(&self) -> String {
        json!({
            "ok": self.ok,
            "pid": self.pid,
            "renders": self.renders,
            "failures": self.failures,
            "last_attempt": self.last_attempt,
            "last_success": self.last_success,
            "pages": self.pages,
            "error": self.error,
        })
        .to_string()
    }

    /// Parses the file's JSON; `None` when it is not an object with a boolean `ok`.
    pub fn from_json(text: &str) -> Option<State> {
        let v: Value = serde_json::from_str(text).ok()?;
        let num = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
        Some(State {
            ok: v.get("ok")?.as_bool()?,
            pid: u32::try_from(num("pid")).unwrap_or(0),
            renders: num("renders"),
            failures: num("failures"),
            last_attempt: num("last_attempt"),
            last_success: num("last_success"),
            pages: usize::try_from(num("pages")).unwrap_or(0),
            error: v.get("error").and_then(Value::as_str).map(str::to_string),
        })
    }
}

/// Removes the ready file, if any.
pub fn remove(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(e).with_context(|| {
            format!(
                "removing the old ready file {} (DOWNPAGE_READY_FILE): make its folder writable",
                path.display()
            )
        }),
        _ => Ok(()),
    }
}

/// Writes `state` atomically: a temporary file beside it, then a rename.
pub fn write(path: &Path, state: &State) -> Result<()> {
    let mut text = state.to_json();
    text.push('\n');
    let what = format!("the ready file {} (DOWNPAGE_READY_FILE)", path.display());
    file::replace(path, text.as_bytes(), &what).map(|_| ())
}

/// The ready-file bookkeeping of a process, one-shot or watching: [`Ready::start`] removes
/// an old file, each attempt is recorded with [`Ready::passed`] or [`Ready::failed`], and
/// [`Ready::save`] writes the state once a render has succeeded.
#[derive(Debug)]
pub struct Ready {
    path: Option<std::path::PathBuf>,
    /// The state as last recorded.
    pub state: State,
}

impl Ready {
    /// Removes the ready file at `path` (when set): a file left by an earlier process never
    /// vouches for this one.
    pub fn start(path: Option<&Path>) -> Result<Ready> {
        if let Some(path) = path {
            remove(path)?;
        }
        Ok(Ready {
            path: path.map(Path::to_path_buf),
            state: State {
                pid: std::process::id(),
                ..State::default()
            },
        })
    }

    /// Records the start of an attempt (its time).
    pub fn attempt(&mut self) {
        self.state.last_attempt = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
    }

    /// Records a successful render of `pages` pages.
    pub fn passed(&mut self, pages: usize) {
        let s = &mut self.state;
        s.ok = true;
        s.renders += 1;
        s.last_success = s.last_attempt;
        s.pages = pages;
        s.error = None;
    }

    /// Records a failed attempt.
    pub fn failed(&mut self, error: String) {
        let s = &mut self.state;
        s.ok = false;
        s.failures += 1;
        s.error = Some(error);
    }

    /// Writes the state, once a render has succeeded (before that there is no file).
    pub fn save(&self) -> Result<()> {
        match &self.path {
            Some(path) if self.state.renders > 0 => write(path, &self.state),
            _ => Ok(()),
        }
    }
}

/// Reads the ready file for `downpage health`.
pub fn read(path: &Path) -> Result<State> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == ErrorKind::NotFound => bail!(
            "not ready: {} does not exist: no render has succeeded since downpage started (its log says why), or the probe's DOWNPAGE_READY_FILE differs from the watcher's",
            path.display()
        ),
        Err(e) => {
            return Err(e).with_context(|| format!("reading the ready file {}", path.display()));
        }
    };
    State::from_json(&text).with_context(|| {
        format!(
            "the ready file {} is not downpage's state: point DOWNPAGE_READY_FILE at a file only downpage writes",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_and_junk_is_refused() {
        let state = State {
            ok: false,
            pid: 7,
            renders: 2,
            failures: 1,
            last_attempt: 20,
            last_success: 10,
            pages: 4,
            error: Some("bad \"template\"".into()),
        };
        assert_eq!(State::from_json(&state.to_json()), Some(state));
        assert_eq!(State::from_json("ok"), None);
        assert_eq!(State::from_json("{\"ok\": 1}"), None);
    }
}
