//! Site templates → each parsed once under a time limit, before the real compile (in
//! `templates`). Tera's grammar backtracks exponentially on some unbalanced tags: 150 bytes
//! such as `{{ a(n=b(n=c(n=d(n=e(n=f(n=x )( }}` take minutes, so one typo must not hang a run
//! (or a watch loop). Parse errors are left to the real compile, which explains them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use anyhow::{Result, bail};

use crate::template_dirs::Source;

/// How long parsing every site template may take, together.
pub const PARSE_LIMIT: Duration = Duration::from_secs(10);

/// Set while a parse that overran its limit still runs: it cannot be stopped, so later
/// attempts (watch mode) refuse at once instead of piling up busy threads.
static HUNG: AtomicBool = AtomicBool::new(false);

/// Parses every source on a helper thread; fails naming the template when the parse does not
/// end within [`PARSE_LIMIT`].
pub fn check(sources: &[Source]) -> Result<()> {
    const FIX: &str = "look for a {{ }} or {% %} tag with unbalanced parentheses or quotes (Tera's parser slows down exponentially on them)";
    if HUNG.load(Ordering::SeqCst) {
        bail!(
            "an earlier template parse overran {PARSE_LIMIT:?} and is still running: {FIX}, then restart downpage"
        );
    }
    let texts: Vec<(String, String)> = sources
        .iter()
        .map(|s| (s.name.clone(), s.text.clone()))
        .collect();
    let current = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = mpsc::channel();
    let shared = Arc::clone(&current);
    std::thread::Builder::new()
        .name("template-parse".into())
        .stack_size(16 << 20)
        .spawn(move || {
            for (name, text) in texts {
                *shared.lock().unwrap_or_else(|p| p.into_inner()) = name.clone();
                let _ = tera::Template::new(&name, None, &text);
            }
            let _ = tx.send(());
        })
        .map_err(|e| anyhow::anyhow!("starting the template parse: {e}"))?;
    match rx.recv_timeout(PARSE_LIMIT) {
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => Ok(()),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            HUNG.store(true, Ordering::SeqCst);
            let name = current.lock().unwrap_or_else(|p| p.into_inner()).clone();
            let path = sources
                .iter()
                .find(|s| s.name == name)
                .map_or_else(String::new, |s| format!(" ({})", s.path.display()));
            bail!("template {name}{path} did not finish parsing in {PARSE_LIMIT:?}: {FIX}")
        }
    }
}
