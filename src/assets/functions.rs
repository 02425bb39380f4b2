//! The template functions over the asset store: `static(path=...)`, `static_css(path=...)`,
//! `inline(path=...)` and `data_uri(path=...)`, registered on the Tera engine. Their output
//! is marked safe (not autoescaped): URLs are percent-encoded so they cannot break out of an
//! attribute, and inlined files are the site's own build output, trusted like its templates.

use std::collections::HashMap;
use std::sync::Arc;

use tera::{Function, Tera, Value};

use super::store::AssetStore;

/// Registers the functions on `tera`.
pub fn register(tera: &mut Tera, store: Arc<AssetStore>) {
    tera.register_function(
        "static",
        AssetFn {
            store: store.clone(),
            kind: Kind::Static,
        },
    );
    tera.register_function(
        "static_css",
        AssetFn {
            store: store.clone(),
            kind: Kind::StaticCss,
        },
    );
    tera.register_function(
        "inline",
        AssetFn {
            store: store.clone(),
            kind: Kind::Inline,
        },
    );
    tera.register_function(
        "data_uri",
        AssetFn {
            store,
            kind: Kind::DataUri,
        },
    );
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Static,
    StaticCss,
    Inline,
    DataUri,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Static => "static",
            Kind::StaticCss => "static_css",
            Kind::Inline => "inline",
            Kind::DataUri => "data_uri",
        }
    }
}

struct AssetFn {
    store: Arc<AssetStore>,
    kind: Kind,
}

impl Function for AssetFn {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        let name = self.kind.name();
        let path = match args.get("path") {
            Some(Value::String(p)) => p.as_str(),
            Some(other) => {
                return Err(tera::Error::msg(format!(
                    "{name}() takes path=\"css/site.css\" as a string, got {}",
                    crate::pages::json_kind(other)
                )));
            }
            None => {
                return Err(tera::Error::msg(format!(
                    "{name}() needs a path: write {name}(path=\"css/site.css\")"
                )));
            }
        };
        if let Some(extra) = args.keys().find(|k| *k != "path") {
            return Err(tera::Error::msg(format!(
                "{name}() takes only path=..., not {extra}=..."
            )));
        }
        let result = match self.kind {
            Kind::Static => self.store.url_for(path).map(Value::from),
            Kind::StaticCss => self.store.css_urls_for(path).map(Value::from),
            Kind::Inline => self
                .store
                .resolve(path)
                .and_then(|rel| self.store.inliner().text(&rel))
                .map(Value::from),
            Kind::DataUri => self
                .store
                .resolve(path)
                .and_then(|rel| self.store.inliner().data_uri(&rel, "", 0))
                .map(Value::from),
        };
        result.map_err(|e| tera::Error::msg(format!("{e:#}")))
    }

    fn is_safe(&self) -> bool {
        true
    }
}
