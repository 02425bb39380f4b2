//! `downpage health`: the probe. Reads the ready file (`DOWNPAGE_READY_FILE`) that the
//! running process writes and succeeds exactly when a render has succeeded since it started
//! and its last attempt succeeded. Needs no shell, so it works as an exec probe in the
//! `FROM scratch` image.

use anyhow::{Result, bail};

use crate::config::Config;
use crate::sink::ready;

/// Checks the ready file; the text says what it found.
pub fn check(config: &Config) -> Result<String> {
    let Some(path) = &config.ready_file else {
        bail!(
            "downpage health reads DOWNPAGE_READY_FILE, which is not set: set it to the same path for the running downpage and for the probe"
        );
    };
    let state = ready::read(path)?;
    if !state.ok {
        bail!(
            "unhealthy: the last render failed ({}); the pages of the last good render (unix time {}) are still in place",
            state.error.as_deref().unwrap_or("no error recorded"),
            state.last_success
        );
    }
    Ok(format!(
        "downpage: healthy: {} pages, {} successful renders, {} failed, last success at unix time {}",
        state.pages, state.renders, state.failures, state.last_success
    ))
}
