//! The page list (`DOWNPAGE_PAGES` or `DOWNPAGE_PAGES_FILE`) → `PageSpec`s. Two forms: JSON
//! (django-downpage's tuples, or objects) and compact `DEST=TEMPLATE` entries. Pure: the
//! caller reads the file.

use anyhow::{Result, bail};
use serde_json::{Map, Value};

/// Whether a destination is an HTML page (the one answer: self-contained mode rewrites only
/// those, the nginx snippet prefers them): `.html`, `.htm` or `.shtml`, in any case.
pub fn is_html(dest: &str) -> bool {
    let lower = dest.to_ascii_lowercase();
    lower.ends_with(".html") || lower.ends_with(".htm") || lower.ends_with(".shtml")
}

/// One requested page, as written by the user (paths not yet checked).
#[derive(Debug, Clone, PartialEq)]
pub struct PageSpec {
    pub dest: String,
    pub template: String,
    pub context: Map<String, Value>,
}

/// Parses a page list. `source` names where it came from, for errors
/// (`DOWNPAGE_PAGES` or `DOWNPAGE_PAGES_FILE /etc/pages.json`).
pub fn parse(text: &str, source: &str) -> Result<Vec<PageSpec>> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        parse_json(text, source)
    } else {
        parse_compact(text, source)
    }
}

/// What a JSON value is, for messages.
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

const JSON_FORMS: &str = "[\"502.html\", \"app/502.html\"], [\"503.html\", \"app/503.html\", {\"name\": \"x\"}] or {\"dest\": \"502.html\", \"template\": \"app/502.html\"}";

fn parse_json(text: &str, source: &str) -> Result<Vec<PageSpec>> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| anyhow::anyhow!("{source} is not valid JSON: {e}"))?;
    let Value::Array(items) = value else {
        bail!(
            "{source} must be a JSON array of pages, found {}: write [[\"502.html\", \"app/502.html\"], ...]",
            json_kind(&value)
        );
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| parse_json_item(&item, i + 1, source))
        .collect()
}

fn parse_json_item(item: &Value, n: usize, source: &str) -> Result<PageSpec> {
    let named = entry_name(item);
    let bad = |found: &str| -> anyhow::Error {
        anyhow::anyhow!("{source} entry {n}{named}: {found}: write {JSON_FORMS}")
    };
    let text = |v: &Value, what: &str| -> Result<String> {
        match v {
            Value::String(s) => Ok(s.clone()),
            other => Err(bad(&format!(
                "{what} is {}, not a string",
                json_kind(other)
            ))),
        }
    };
    let context = |v: Option<&Value>| -> Result<Map<String, Value>> {
        match v {
            None | Some(Value::Null) => Ok(Map::new()),
            Some(Value::Object(m)) => Ok(m.clone()),
            Some(other) => Err(bad(&format!(
                "context is {}, not an object",
                json_kind(other)
            ))),
        }
    };
    match item {
        Value::Array(parts) if (2..=3).contains(&parts.len()) => Ok(PageSpec {
            dest: text(&parts[0], "destination")?,
            template: text(&parts[1], "template")?,
            context: context(parts.get(2))?,
        }),
        Value::Array(parts) => Err(bad(&format!("an array of {} items", parts.len()))),
        Value::Object(obj) => {
            if let Some(key) = obj
                .keys()
                .find(|k| !matches!(k.as_str(), "dest" | "template" | "context"))
            {
                return Err(bad(&format!("unknown key \"{key}\"")));
            }
            let dest = obj.get("dest").ok_or_else(|| bad("no \"dest\""))?;
            let template = obj.get("template").ok_or_else(|| bad("no \"template\""))?;
            Ok(PageSpec {
                dest: text(dest, "dest")?,
                template: text(template, "template")?,
                context: context(obj.get("context"))?,
            })
        }
        other => Err(bad(&format!("found {}", json_kind(other)))),
    }
}

/// The destination of a JSON entry, when it has one, as written: ` ["lonely.html"]`,
/// ` ["a.html", …]` or ` {"dest": "a.html", …}`; empty otherwise.
fn entry_name(item: &Value) -> String {
    let quoted = |v: &Value| v.as_str().map(|s| Value::from(s).to_string());
    match item {
        Value::Array(parts) => match parts.first().and_then(quoted) {
            Some(dest) if parts.len() == 1 => format!(" [{dest}]"),
            Some(dest) => format!(" [{dest}, …]"),
            None => String::new(),
        },
        Value::Object(obj) => match obj.get("dest").and_then(quoted) {
            Some(dest) if obj.len() == 1 => format!(" {{\"dest\": {dest}}}"),
            Some(dest) => format!(" {{\"dest\": {dest}, …}}"),
            None => String::new(),
        },
        _ => String::new(),
    }
}

fn parse_compact(text: &str, source: &str) -> Result<Vec<PageSpec>> {
    // Comment lines go first, so a comment may contain commas.
    let entries = text
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .flat_map(|line| line.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty());
    let mut pages = Vec::new();
    for (i, entry) in entries.enumerate() {
        let n = i + 1;
        let Some((dest, template)) = entry.split_once('=') else {
            bail!(
                "{source} entry {n} \"{entry}\" has no template: write DEST=TEMPLATE, e.g. 502.html=app/502.html"
            );
        };
        let (dest, template) = (dest.trim(), template.trim());
        if dest.is_empty() {
            bail!(
                "{source} entry {n} \"{entry}\" has no destination: write DEST=TEMPLATE, e.g. 502.html=app/502.html"
            );
        }
        if template.is_empty() {
            bail!(
                "{source} entry {n} \"{entry}\" has no template: write DEST=TEMPLATE, e.g. 502.html=app/502.html"
            );
        }
        pages.push(PageSpec {
            dest: dest.into(),
            template: template.into(),
            context: Map::new(),
        });
    }
    Ok(pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(dest: &str, template: &str) -> PageSpec {
        PageSpec {
            dest: dest.into(),
            template: template.into(),
            context: Map::new(),
        }
    }

    #[test]
    fn compact_form_with_commas_newlines_and_comments() {
        let p = parse(
            "502.html=a/502.html, 503.html = a/503.html\n# note\n\nx/504.html=b.html,",
            "T",
        )
        .unwrap();
        assert_eq!(
            p,
            vec![
                one("502.html", "a/502.html"),
                one("503.html", "a/503.html"),
                one("x/504.html", "b.html")
            ]
        );
    }

    #[test]
    fn comments_may_contain_commas() {
        let p = parse(
            "# DEST=TEMPLATE, one per line\n  # indented, too\n502.html=a.html",
            "T",
        )
        .unwrap();
        assert_eq!(p, vec![one("502.html", "a.html")]);
    }

    #[test]
    fn json_tuples_and_objects() {
        let p = parse(
            r#"[["502.html","a.html"],["503.html","b.html",{"name":"Service Unavailable"}],
               {"dest":"c.html","template":"c.html","context":{"x":1}}]"#,
            "T",
        )
        .unwrap();
        assert_eq!(p[0], one("502.html", "a.html"));
        assert_eq!(p[1].context["name"], "Service Unavailable");
        assert_eq!(p[2].context["x"], 1);
    }

    #[test]
    fn errors_name_entry_and_form() {
        let e = parse("502.html=a.html,503.html", "DOWNPAGE_PAGES")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "DOWNPAGE_PAGES entry 2 \"503.html\" has no template: write DEST=TEMPLATE, e.g. 502.html=app/502.html"
        );
        let e = parse("[[\"a\"]]", "DOWNPAGE_PAGES")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("DOWNPAGE_PAGES entry 1 [\"a\"]: an array of 1 items: write"),
            "{e}"
        );
        let e = parse("[[\"a\", 5]]", "DOWNPAGE_PAGES")
            .unwrap_err()
            .to_string();
        assert!(e.contains("template is a number, not a string"), "{e}");
        let e = parse("[{\"dest\":\"a\",\"tmpl\":\"b\"}]", "X")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown key \"tmpl\""), "{e}");
        let e = parse("[\n[\"a\",\"b\"\n", "DOWNPAGE_PAGES")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("DOWNPAGE_PAGES is not valid JSON") && e.contains("line 3"),
            "{e}"
        );
        let e = parse("{}", "X").unwrap_err().to_string();
        assert!(e.contains("must be a JSON array"), "{e}");
    }
}
