//! The django dialect engine (placeholder until the engine lands: every render is an error).

use super::{Options, Rendered};

pub struct Engine;

impl Engine {
    pub fn new(_sources: Vec<(String, String)>, _options: Options) -> Engine {
        Engine
    }
}

impl super::Engine for Engine {
    fn render(
        &self,
        name: &str,
        _context: &serde_json::Map<String, serde_json::Value>,
    ) -> anyhow::Result<Rendered> {
        anyhow::bail!("{name}: DOWNPAGE_SYNTAX=django is not built yet")
    }
}
