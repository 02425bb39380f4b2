//! Plan page → bytes. Pure but for the static files the asset functions read (through the
//! engine's asset store): renders in memory with the compiled templates; errors name the
//! page, where it was asked for, the template and the line. [`render_all`] spreads the pages
//! over the available cores and hands them back in plan order.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use anyhow::{Result, anyhow};
use tera::Context;

use crate::plan::Page;
use crate::prerendered;
use crate::templates::Engine;
use crate::theme;

/// Below this many pages, threads cost more than they save.
const PARALLEL_MIN_PAGES: usize = 32;
/// Rendered pages that may wait for the caller; keeps memory flat whatever the page count.
const QUEUE: usize = 64;

/// Renders one page.
pub fn render(engine: &Engine, page: &Page) -> Result<Vec<u8>> {
    if let Some(site) = engine.site.as_ref().filter(|s| s.has(&page.template)) {
        return site.render(&crate::dialect::site::PageRef {
            dest: &page.dest,
            origin: &page.origin,
            template: &page.template,
            lang: &page.lang,
            shared: &page.shared,
            own: &page.own,
        });
    }
    if let Some(bytes) = prerendered::lookup(engine, page) {
        return Ok(bytes.to_vec());
    }
    render_live(engine, page)
}

/// Renders one page with Tera, never from `prerendered`.
pub fn render_live(engine: &Engine, page: &Page) -> Result<Vec<u8>> {
    // The page's layers merged here, for this page only: kept merged per page they would
    // hold a copy of the shared layers each.
    let merged = page.context();
    let mut context = Context::new();
    for (key, value) in &merged {
        context.insert(key, value);
    }
    // The theme's values are made here, for this page only (kept per page they would cost
    // a few KB of memory each), unless the page's own context has them.
    let (has_theme, has_t) = (merged.contains_key("theme"), merged.contains_key("t"));
    if !(has_theme && has_t) {
        let (theme, t) = theme::for_page(&merged)
            .map_err(|e| anyhow!("page {} ({}): {e}", page.dest, page.origin))?;
        if !has_theme {
            context.insert("theme", &theme);
        }
        if !has_t {
            context.insert("t", &t);
        }
    }
    let mut bytes = Vec::with_capacity(8 * 1024);
    engine
        .tera()?
        .render_to(&page.template, &context, &mut bytes)
        .map_err(|e| {
            anyhow!(
                "page {} ({}): rendering template {} ({}): {}",
                page.dest,
                page.origin,
                page.template,
                engine.origin(&page.template),
                engine.explain(&e)
            )
        })?;
    // Many pages are held at once: keep only what the page needs, not the 8 KiB guess.
    bytes.shrink_to_fit();
    Ok(bytes)
}

/// Renders every page and gives each to `each` on the calling thread, in plan order. Other
/// cores render ahead (about [`QUEUE`] pages wait at most), the calling thread renders too
/// when it has nothing to hand over. Stops at the first failure in plan order, so the error is the
/// same as a one-by-one run's.
pub fn render_all(
    engine: &Engine,
    pages: &[Page],
    mut each: impl FnMut(&Page, Vec<u8>) -> Result<()>,
) -> Result<()> {
    // Asked only for many pages: it reads the cgroup's CPU quota (a dozen syscalls).
    let helpers = if pages.len() < PARALLEL_MIN_PAGES {
        0
    } else {
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get) - 1
    };
    if helpers == 0 {
        for page in pages {
            each(page, render(engine, page)?)?;
        }
        return Ok(());
    }
    // Compile once, before the threads ask for it (unless a dialect engine renders them all).
    if pages
        .iter()
        .any(|p| engine.site.as_ref().is_none_or(|s| !s.has(&p.template)))
    {
        engine.tera()?;
    }
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let claim = || {
        let i = next.fetch_add(1, Ordering::Relaxed);
        (i < pages.len() && !stop.load(Ordering::Relaxed)).then_some(i)
    };
    // The calling thread renders ahead only while few pages wait: a helper holding the next
    // page may be descheduled for a while, and pages must not pile up meanwhile.
    let claim_if = |room: bool| if room { claim() } else { None };
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<(usize, Result<Vec<u8>>)>(QUEUE);
        for _ in 0..helpers {
            let tx = tx.clone();
            // The main thread's stack size (8 MiB, reserved, not used): the dialect engines
            // parse and render recursively, as deep as their nesting limits allow.
            let helper = std::thread::Builder::new()
                .stack_size(8 << 20)
                .spawn_scoped(scope, move || {
                    while let Some(i) = claim() {
                        if tx.send((i, render(engine, &pages[i]))).is_err() {
                            break;
                        }
                    }
                });
            if let Err(e) = helper {
                return Err(anyhow!("starting a rendering thread: {e}"));
            }
        }
        drop(tx);
        let mut ready: BTreeMap<usize, Result<Vec<u8>>> = BTreeMap::new();
        let result = (|| {
            for (i, page) in pages.iter().enumerate() {
                let bytes = loop {
                    if let Some(done) = ready.remove(&i) {
                        break done;
                    }
                    match rx.try_recv() {
                        Ok((j, done)) => {
                            ready.insert(j, done);
                        }
                        Err(mpsc::TryRecvError::Empty) => {
                            if let Some(j) = claim_if(ready.len() < QUEUE) {
                                ready.insert(j, render(engine, &pages[j]));
                            } else {
                                let (j, done) = rx.recv().map_err(|_| {
                                    anyhow!("page {}: a rendering thread stopped", page.dest)
                                })?;
                                ready.insert(j, done);
                            }
                        }
                        Err(mpsc::TryRecvError::Disconnected) => {
                            return Err(anyhow!("page {}: a rendering thread stopped", page.dest));
                        }
                    }
                };
                each(page, bytes?)?;
            }
            Ok(())
        })();
        stop.store(true, Ordering::Relaxed);
        drop(rx);
        result
    })
}
