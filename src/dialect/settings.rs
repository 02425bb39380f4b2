//! Config's side of the dialects: parses `DOWNPAGE_SYNTAX` and `DOWNPAGE_URLS` (the values
//! `config` validates; `DOWNPAGE_STRICT` is a plain switch).

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use serde_json::Value;

use super::Syntax;

/// `DOWNPAGE_SYNTAX`: `tera` (default), `django` or `jinja2`.
pub fn parse_syntax(text: Option<&str>) -> Result<Syntax> {
    let Some(text) = text else {
        return Ok(Syntax::Tera);
    };
    match text.trim().to_ascii_lowercase().as_str() {
        "" | "tera" => Ok(Syntax::Tera),
        "django" => Ok(Syntax::Django),
        "jinja2" => Ok(Syntax::Jinja2),
        other => {
            let hint = crate::suggest::did_you_mean(&crate::suggest::near(
                other,
                ["tera", "django", "jinja2"],
            ));
            bail!(
                "DOWNPAGE_SYNTAX \"{text}\" is not a template language{hint}: write tera (the default), django or jinja2"
            )
        }
    }
}

/// `DOWNPAGE_URLS`: a JSON object of URL name -> path (blank: empty).
pub fn parse_urls(text: Option<&str>) -> Result<BTreeMap<String, String>> {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return Ok(BTreeMap::new());
    };
    let value: Value = serde_json::from_str(text).map_err(|e| {
        anyhow::anyhow!(
            "DOWNPAGE_URLS is not valid JSON (line {} column {}): write an object like {{\"home\": \"/\"}}",
            e.line(),
            e.column()
        )
    })?;
    let Value::Object(map) = value else {
        bail!(
            "DOWNPAGE_URLS must be a JSON object of URL name -> path like {{\"home\": \"/\"}}, found {}",
            crate::pages::json_kind(&value)
        );
    };
    let mut urls = BTreeMap::new();
    for (name, path) in map {
        match path {
            Value::String(path) => {
                urls.insert(name, path);
            }
            other => bail!(
                "DOWNPAGE_URLS \"{name}\" is {}, not a string: write the path as a string like \"/accounts/login/\"",
                crate::pages::json_kind(&other)
            ),
        }
    }
    Ok(urls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_values_and_near_match() {
        assert_eq!(parse_syntax(None).unwrap(), Syntax::Tera);
        assert_eq!(parse_syntax(Some("Django")).unwrap(), Syntax::Django);
        assert_eq!(parse_syntax(Some("jinja2")).unwrap(), Syntax::Jinja2);
        let err = parse_syntax(Some("jinja")).unwrap_err().to_string();
        assert!(err.contains("\"jinja\"") && err.contains("jinja2"), "{err}");
    }

    #[test]
    fn urls_are_an_object_of_strings() {
        let urls = parse_urls(Some(r#"{"home": "/", "a:b": "/b/"}"#)).unwrap();
        assert_eq!(urls["a:b"], "/b/");
        let err = parse_urls(Some("{\n\"home\": }")).unwrap_err().to_string();
        assert!(err.contains("line 2 column"), "{err}");
        let err = parse_urls(Some(r#"{"home": 1}"#)).unwrap_err().to_string();
        assert!(err.contains("\"home\""), "{err}");
        assert!(parse_urls(Some("[]")).is_err());
    }
}
