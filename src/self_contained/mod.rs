//! Self-contained pages (`DOWNPAGE_SELF_CONTAINED`): where a page is inlined. [`page`] turns a
//! rendered HTML page into a single file with the [`html`] tokenizer; [`inline`] turns static
//! files into `data:` URIs and CSS text (also for the `inline()`/`data_uri()` template
//! functions), rewriting style sheets with [`css`]. [`finish`] is the pipeline's step.

pub mod css;
pub mod html;
pub mod inline;
pub mod page;

use anyhow::{Context, Result};

use crate::assets::AssetStore;
use crate::log::Line;
use crate::pages::is_html;
use crate::plan::Page;

/// A rendered page made self-contained when it is HTML (other pages are returned as they
/// are); the external URLs it keeps are added to `warnings`.
pub fn finish(
    store: &AssetStore,
    page: &Page,
    bytes: Vec<u8>,
    warnings: &mut Vec<Line>,
) -> Result<Vec<u8>> {
    if !is_html(&page.dest) {
        return Ok(bytes);
    }
    let html = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("page {}: rendered HTML is not UTF-8", page.dest))?;
    let externals = inline::Collect::new(store);
    let bytes = page::inline_page(&html, &externals.inliner(store.static_url()))
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
    Ok(bytes)
}

/// A warning about external URLs left in pages (they need the network).
pub fn externals_warning(what: &str, urls: &[String]) -> Option<Line> {
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
    let line = Line {
        level: "warn",
        ..Line::info("assets", msg)
    };
    Some(line.with("external_urls", urls.to_vec()))
}
