//! The django dialect engine (`DOWNPAGE_SYNTAX=django`): Django 5.2's template language with
//! the static, i18n, l10n, tz and cache libraries, and the contract's stubs for everything a
//! project's own Python would provide (docs/dialects.md). Templates are parsed when first
//! needed and cached for every page.

// Lengths and indexes of template values, far below i64::MAX.
#![allow(clippy::cast_possible_wrap)]

pub mod dates;
pub mod expr;
pub mod filters;
pub mod lexer;
pub mod parser;
pub mod render;
pub mod value;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use anyhow::{Result, anyhow};

use super::{Options, Rendered, Stub};
use parser::Template;

pub struct Engine {
    sources: HashMap<String, String>,
    options: Options,
    cache: RwLock<HashMap<String, Arc<Template>>>,
}

impl Engine {
    pub fn new(sources: Vec<(String, String)>, options: Options) -> Engine {
        let mut map = HashMap::new();
        for (name, text) in sources {
            map.entry(name).or_insert(text);
        }
        Engine {
            sources: map,
            options,
            cache: RwLock::new(HashMap::new()),
        }
    }

    /// The parsed template `name` (`None`: the site has no such template).
    pub fn load(&self, name: &str) -> Result<Option<Arc<Template>>> {
        if let Some(t) = self
            .cache
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(name)
        {
            return Ok(Some(t.clone()));
        }
        let Some(src) = self.sources.get(name) else {
            return Ok(None);
        };
        let t = Arc::new(parser::parse(name, src)?);
        let mut cache = self
            .cache
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(Some(cache.entry(name.to_string()).or_insert(t).clone()))
    }
}

impl super::Engine for Engine {
    fn render(
        &self,
        name: &str,
        context: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Rendered> {
        let mut r = render::Render::new(self, context);
        let t = r
            .load(name)?
            .ok_or_else(|| anyhow!("template {name} not found"))?;
        let mut text = String::with_capacity(8 * 1024);
        r.template(&t, &mut text)?;
        let mut stubs: Vec<Stub> = Vec::new();
        for t in &r.loaded {
            for s in &t.stubs {
                if !stubs.iter().any(|x| x.kind == s.kind && x.name == s.name) {
                    stubs.push(s.clone());
                }
            }
        }
        for s in r.urls {
            if !stubs.iter().any(|x| x.kind == s.kind && x.name == s.name) {
                stubs.push(s);
            }
        }
        Ok(Rendered { text, stubs })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::{Engine as _, Options, Translations};

    /// A catalog with two messages, French plural rule (n > 1).
    struct Fr;
    impl Translations for Fr {
        fn gettext(&self, context: Option<&str>, msgid: &str) -> Option<String> {
            match (context, msgid) {
                (None, "Hello") => Some("Bonjour".into()),
                (Some("menu"), "Hello") => Some("Salut".into()),
                (None, "Hi %(name)s") => Some("Salut %(name)s".into()),
                _ => None,
            }
        }
        fn ngettext(&self, _: Option<&str>, singular: &str, _: &str, n: u64) -> Option<String> {
            (singular == "%(n)s cat")
                .then(|| if n > 1 { "%(n)s chats" } else { "%(n)s chat" }.to_string())
        }
    }

    #[test]
    fn translations_reach_trans_and_blocktrans() {
        let options = Options {
            urls: std::collections::BTreeMap::default(),
            strict: false,
            static_url: "/static/".into(),
            static_names: None,
            lang: "fr".into(),
            lang_name: "Français".into(),
            languages: Vec::new(),
            now: 0,
            translations: Arc::new(Fr),
        };
        let src = r#"{% trans "Hello" %}|{% trans "Hello" context "menu" %}|{% trans "Bye" %}|{% blocktrans with name=who %}Hi {{ name }}{% endblocktrans %}|{% for n in ns %}{% blocktrans count n=n %}{{ n }} cat{% plural %}{{ n }} cats{% endblocktrans %};{% endfor %}"#;
        let engine = super::Engine::new(vec![("t.html".into(), src.into())], options);
        let ctx = serde_json::from_str(r#"{"ns": [0, 1, 2], "who": "<Jo>"}"#).unwrap();
        let out = engine.render("t.html", &ctx).unwrap().text;
        assert_eq!(
            out,
            "Bonjour|Salut|Bye|Salut &lt;Jo&gt;|0 chat;1 chat;2 chats;"
        );
    }
}
