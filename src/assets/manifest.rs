//! The assets stage's manifest (name → hashed name), recognised by its shape: Django's and
//! WhiteNoise's `staticfiles.json`, Vite's `manifest.json`, Sprockets' and Propshaft's files,
//! and flat maps (webpack-manifest-plugin, Propshaft 0.x). Pure: parses text already read.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use serde_json::{Map, Value};

/// File names looked for, in order, in the static root when `DOWNPAGE_STATIC_MANIFEST` is
/// unset; `.sprockets-manifest-*.json` and `manifest-*.json` (older Sprockets) come after.
pub const CANDIDATES: &[&str] = &[
    "staticfiles.json",
    ".vite/manifest.json",
    "manifest.json",
    ".manifest.json",
    "assets-manifest.json",
];

/// Which tool wrote the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `{"version": "1.1", "paths": {"css/site.css": "css/site.55e7cbb9ba48.css"}}`
    Django,
    /// `{"src/main.css": {"file": "assets/main-4f3a9c.css", "css": [...]}}`
    Vite,
    /// `{"files": {...}, "assets": {"application.css": "application-3b1f.css"}}`
    Sprockets,
    /// `{"application.css": {"digested_path": "application-3b1f.css", ...}}`
    Propshaft,
    /// `{"app.css": "app-3b1f.css"}`
    Flat,
}

impl Kind {
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Django => "Django staticfiles.json",
            Kind::Vite => "Vite manifest",
            Kind::Sprockets => "Sprockets manifest",
            Kind::Propshaft => "Propshaft manifest",
            Kind::Flat => "flat manifest",
        }
    }
}

/// A parsed manifest. The entries stay in the parsed JSON and are looked up on demand (no
/// second map of the same data: smaller binary, less memory).
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Where it was read from, for messages.
    pub path: PathBuf,
    pub kind: Kind,
    /// Name as templates ask for it → entry (a string, or an object for Vite and Propshaft).
    entries: Map<String, Value>,
}

impl Manifest {
    /// The target of a name: a path inside the static root, or (flat maps written with a
    /// public path) a URL starting with `/` or a scheme.
    pub fn get(&self, name: &str) -> Option<&str> {
        let entry = self.entries.get(name)?;
        match self.kind {
            Kind::Vite => entry.get("file")?.as_str(),
            Kind::Propshaft => entry.get("digested_path")?.as_str(),
            _ => entry.as_str(),
        }
    }

    /// Vite: the style sheets an entry pulls in, as targets (empty for other kinds).
    pub fn css(&self, name: &str) -> Vec<&str> {
        let list = match self.kind {
            Kind::Vite => self.entries.get(name).and_then(|e| e.get("css")),
            _ => None,
        };
        list.and_then(Value::as_array)
            .map(|l| l.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// Every name, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// How many names it lists.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it lists no name.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Parses a manifest's text; `path` is only used in messages.
pub fn parse(text: &str, path: &Path) -> Result<Manifest> {
    let shown = path.display();
    let fix = "point DOWNPAGE_STATIC_MANIFEST at the manifest your assets stage wrote (Django's staticfiles.json, Vite's .vite/manifest.json, or a flat {\"app.css\": \"app-3b1f.css\"} map)";
    let value: Value = match serde_json::from_str(text.trim_start_matches('\u{feff}')) {
        Ok(v) => v,
        Err(e) => bail!("manifest {shown} is not valid JSON ({e}): {fix}"),
    };
    let Value::Object(mut top) = value else {
        bail!(
            "manifest {shown} has an unknown shape: it is {}, not an object: {fix}",
            crate::pages::json_kind(&value)
        );
    };
    let found = |kind, entries| {
        Ok(Manifest {
            path: path.to_path_buf(),
            kind,
            entries,
        })
    };
    if top
        .get("paths")
        .and_then(Value::as_object)
        .is_some_and(all_strings)
        && let Some(Value::Object(paths)) = top.remove("paths")
    {
        return found(Kind::Django, paths);
    }
    if top.get("files").is_some_and(Value::is_object)
        && top
            .get("assets")
            .and_then(Value::as_object)
            .is_some_and(all_strings)
        && let Some(Value::Object(assets)) = top.remove("assets")
    {
        return found(Kind::Sprockets, assets);
    }
    if all_strings(&top) {
        return found(Kind::Flat, top);
    }
    if all_objects_with(&top, "file") {
        return found(Kind::Vite, top);
    }
    if all_objects_with(&top, "digested_path") {
        return found(Kind::Propshaft, top);
    }
    // Name the first entry that fits no shape, inside "paths" when it looks like Django's.
    let (inside, map) = match top.get("paths").and_then(Value::as_object) {
        Some(paths) => ("\"paths\" ", paths),
        None => ("", &top),
    };
    let example = map
        .iter()
        .find(|(_, v)| !v.is_string())
        .map(|(k, v)| format!(" ({inside}entry \"{k}\" is {})", crate::pages::json_kind(v)))
        .unwrap_or_default();
    bail!("manifest {shown} has an unknown shape{example}: {fix}")
}

/// Whether every value is a string.
fn all_strings(map: &Map<String, Value>) -> bool {
    map.values().all(Value::is_string)
}

/// Whether every value is an object with a string `field` (and there is at least one).
fn all_objects_with(map: &Map<String, Value>, field: &str) -> bool {
    !map.is_empty()
        && map
            .values()
            .all(|v| v.get(field).is_some_and(Value::is_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Manifest> {
        parse(text, Path::new("/s/m.json"))
    }

    #[test]
    fn shapes() {
        let m = p(r#"{"paths": {"css/site.css": "css/site.55e7cbb9ba48.css"}, "version": "1.1", "hash": "x"}"#).unwrap();
        assert_eq!(m.kind, Kind::Django);
        assert_eq!(m.get("css/site.css"), Some("css/site.55e7cbb9ba48.css"));
        let m = p(r#"{"src/main.js": {"file": "assets/main-1.js", "css": ["assets/main-2.css"], "isEntry": true},
                     "src/logo.png": {"file": "assets/logo-3.png", "src": "src/logo.png"}}"#)
        .unwrap();
        assert_eq!(m.kind, Kind::Vite);
        assert_eq!(m.get("src/logo.png"), Some("assets/logo-3.png"));
        assert_eq!(m.css("src/main.js"), ["assets/main-2.css"]);
        assert!(m.css("src/logo.png").is_empty());
        let m = p(r#"{"app.css": "app-3b1f.css", "app.js": "/static/app-9.js"}"#).unwrap();
        assert_eq!(m.kind, Kind::Flat);
        assert_eq!(m.get("app.js"), Some("/static/app-9.js"));
        let m = p(r#"{"files": {"application-3b.css": {}}, "assets": {"application.css": "application-3b.css"}}"#).unwrap();
        assert_eq!(m.kind, Kind::Sprockets);
        assert_eq!(m.get("application.css"), Some("application-3b.css"));
        let m = p(r#"{"application.css": {"digested_path": "application-3b.css", "integrity": "sha384-x"}}"#).unwrap();
        assert_eq!(m.kind, Kind::Propshaft);
        assert_eq!(m.names().collect::<Vec<_>>(), ["application.css"]);
        assert!(p("{}").unwrap().is_empty());
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn unknown_shapes_name_the_file() {
        for (text, why) in [
            ("[1, 2]", "an array, not an object"),
            (r#"{"a": 1}"#, "entry \"a\" is a number"),
            (
                r#"{"paths": {"a": 1}}"#,
                "(\"paths\" entry \"a\" is a number)",
            ),
            (r#"{"a": {"path": "x"}}"#, "entry \"a\" is an object"),
            ("{nope", "not valid JSON"),
        ] {
            let e = p(text).unwrap_err().to_string();
            assert!(e.starts_with("manifest /s/m.json "), "{e}");
            assert!(e.contains(why), "{text}: {e}");
            assert!(e.contains("DOWNPAGE_STATIC_MANIFEST"), "{e}");
        }
    }
}
