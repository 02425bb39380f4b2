//! Plan page → bytes. Pure: renders in memory with the compiled templates; errors name the
//! page, where it was asked for, the template and the line.

use anyhow::{Result, anyhow};
use serde_json::Value;
use tera::Context;

use crate::plan::Page;
use crate::templates::Engine;

/// Renders one page.
pub fn render(engine: &Engine, page: &Page) -> Result<Vec<u8>> {
    let context = Context::from_value(Value::Object(page.context.clone()))
        .map_err(|e| anyhow!("page {} ({}): bad context: {e}", page.dest, page.origin))?;
    engine
        .tera
        .render(&page.template, &context)
        .map(String::into_bytes)
        .map_err(|e| {
            anyhow!(
                "page {} ({}): rendering template {} ({}): {}",
                page.dest,
                page.origin,
                page.template,
                engine.origin(&page.template),
                engine.explain(&e)
            )
        })
}
