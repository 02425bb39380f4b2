//! Environment → `Config`: the only place that reads `DOWNPAGE_*` variables. Two layers, as in
//! ripgrep: `Raw` mirrors the environment (filled by envy), `Config` is validated, with every
//! cross-variable rule here and every error naming the variable, the bad value and the fix.

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::suggest;
use crate::vars::{self, PREFIX, VAR_PREFIX};

/// The status codes built when nothing else is configured.
pub const DEFAULT_CODES: &[u16] = &[500, 502, 503, 504];

/// The environment as given: every field is the variable's text, nothing checked yet.
#[derive(Debug, Default, Deserialize)]
struct Raw {
    output_dir: Option<String>,
    template_dir: Option<String>,
    pages: Option<String>,
    pages_file: Option<String>,
    context: Option<String>,
    codes: Option<String>,
    formats: Option<String>,
}

/// A variant of each built-in code page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Json,
    Txt,
}

impl Format {
    /// File extension, also the suffix of its built-in template.
    pub fn ext(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Json => "json",
            Format::Txt => "txt",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.ext())
    }
}

/// Where the page list comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageSource {
    /// No list: only built-in pages.
    None,
    /// `DOWNPAGE_PAGES`, inline.
    Inline(String),
    /// `DOWNPAGE_PAGES_FILE`: read by the caller (I/O stays at the edges).
    File(PathBuf),
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub output_dir: PathBuf,
    pub template_dirs: Vec<PathBuf>,
    pub pages: PageSource,
    /// `DOWNPAGE_CONTEXT`, an object.
    pub context: Map<String, Value>,
    /// `DOWNPAGE_VAR_*`, names lower-cased, in name order.
    pub vars: Map<String, Value>,
    /// `DOWNPAGE_CODES`, or the defaults when no page list is given; empty when only the list.
    pub codes: Vec<u16>,
    /// `DOWNPAGE_FORMATS`: the variants written for each code.
    pub formats: Vec<Format>,
}

impl Config {
    /// Builds the configuration from environment variables as the OS gives them.
    /// Variables outside `DOWNPAGE_*` are ignored; a `DOWNPAGE_*` one that is not UTF-8 is an error.
    pub fn from_os_vars(vars: impl IntoIterator<Item = (OsString, OsString)>) -> Result<Config> {
        let mut utf8 = Vec::new();
        for (k, v) in vars {
            let Some(name) = k.to_str() else { continue };
            if !name.starts_with(PREFIX) {
                continue;
            }
            let value = v
                .into_string()
                .map_err(|_| anyhow::anyhow!("{name} is not valid UTF-8: set it to UTF-8 text"))?;
            utf8.push((name.to_string(), value));
        }
        Config::from_vars(utf8)
    }

    /// Builds the configuration from `(name, value)` pairs (tests pass literal vectors).
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Result<Config> {
        let mut ours = Vec::new();
        let mut user_vars = Map::new();
        for (name, value) in vars {
            if !name.starts_with(PREFIX) || vars::is_service_link(&name) {
                continue;
            }
            if let Some(var) = name.strip_prefix(VAR_PREFIX) {
                if var.is_empty() {
                    bail!("{name} has no name after {VAR_PREFIX}: write {VAR_PREFIX}<NAME>=value");
                }
                user_vars.insert(var.to_lowercase(), Value::String(value));
                continue;
            }
            if !vars::is_known(&name) {
                let known = vars::VARS
                    .iter()
                    .map(|v| v.name)
                    .filter(|n| !n.contains('<'));
                let hint = suggest::did_you_mean(&suggest::near(&name, known));
                bail!(
                    "unknown variable {name}{hint} (downpage --help lists every variable; for a template value use {VAR_PREFIX}<NAME>)"
                );
            }
            ours.push((name, value));
        }
        let raw: Raw = envy::prefixed(PREFIX)
            .from_iter(ours)
            .map_err(|e| anyhow::anyhow!("reading DOWNPAGE_* variables: {e}"))?;
        Config::validate(raw, user_vars)
    }

    fn validate(raw: Raw, vars: Map<String, Value>) -> Result<Config> {
        let output_dir = match raw.output_dir.as_deref() {
            None => PathBuf::from("pages"),
            Some("") => {
                bail!("DOWNPAGE_OUTPUT_DIR is empty: set it to a folder, or unset it for ./pages")
            }
            Some(dir) => PathBuf::from(dir),
        };
        let template_dirs = raw
            .template_dir
            .as_deref()
            .map(|dirs| {
                dirs.split(':')
                    .filter(|d| !d.is_empty())
                    .map(PathBuf::from)
                    .collect()
            })
            .unwrap_or_default();
        let pages = match (raw.pages, raw.pages_file) {
            (Some(_), Some(_)) => {
                bail!("DOWNPAGE_PAGES and DOWNPAGE_PAGES_FILE are both set: keep one of them")
            }
            (Some(p), None) => PageSource::Inline(p),
            (None, Some(f)) if f.is_empty() => {
                bail!("DOWNPAGE_PAGES_FILE is empty: set it to a file path, or unset it")
            }
            (None, Some(f)) => PageSource::File(PathBuf::from(f)),
            (None, None) => PageSource::None,
        };
        let context = match raw.context.as_deref() {
            None => Map::new(),
            Some(text) => parse_context(text)?,
        };
        let codes = match raw.codes.as_deref() {
            Some(text) => parse_codes(text)?,
            None if pages == PageSource::None => DEFAULT_CODES.to_vec(),
            None => Vec::new(),
        };
        let formats = match raw.formats.as_deref() {
            None => vec![Format::Html],
            Some(text) => parse_formats(text)?,
        };
        Ok(Config {
            output_dir,
            template_dirs,
            pages,
            context,
            vars,
            codes,
            formats,
        })
    }
}

/// `DOWNPAGE_CONTEXT`: a JSON object (blank means empty).
fn parse_context(text: &str) -> Result<Map<String, Value>> {
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => bail!(
            "DOWNPAGE_CONTEXT must be a JSON object like {{\"site_name\": \"Example\"}}, found {}",
            crate::pages::json_kind(&other)
        ),
        Err(e) => bail!("DOWNPAGE_CONTEXT is not valid JSON: {e}"),
    }
}

/// `DOWNPAGE_CODES`: comma- or space-separated status codes 100–599.
fn parse_codes(text: &str) -> Result<Vec<u16>> {
    let mut codes = Vec::new();
    for item in text
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let code: u16 = item
            .parse()
            .ok()
            .filter(|c| (100..=599).contains(c))
            .with_context(|| {
                format!("DOWNPAGE_CODES item \"{item}\" is not an HTTP status code: write codes 100-599 like 500,502,503,504")
            })?;
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    if codes.is_empty() {
        bail!("DOWNPAGE_CODES is empty: list codes like 500,502,503,504, or unset it");
    }
    Ok(codes)
}

/// `DOWNPAGE_FORMATS`: comma-separated `html`, `json`, `txt`.
fn parse_formats(text: &str) -> Result<Vec<Format>> {
    let mut formats = Vec::new();
    for item in text
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let format = match item.to_ascii_lowercase().as_str() {
            "html" => Format::Html,
            "json" => Format::Json,
            "txt" | "text" => Format::Txt,
            _ => bail!(
                "DOWNPAGE_FORMATS item \"{item}\" is not a format: write a list of html, json and txt"
            ),
        };
        if !formats.contains(&format) {
            formats.push(format);
        }
    }
    if formats.is_empty() {
        bail!(
            "DOWNPAGE_FORMATS is empty: write a list of html, json and txt, or unset it for html"
        );
    }
    Ok(formats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(vars: &[(&str, &str)]) -> Result<Config> {
        Config::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn zero_config_builds_default_codes_into_pages() {
        let c = cfg(&[("HOME", "/root"), ("PATH", "/bin")]).unwrap();
        assert_eq!(c.output_dir, PathBuf::from("pages"));
        assert_eq!(c.codes, DEFAULT_CODES);
        assert_eq!(c.pages, PageSource::None);
        assert!(c.template_dirs.is_empty());
    }

    #[test]
    fn pages_alone_builds_no_codes() {
        let c = cfg(&[("DOWNPAGE_PAGES", "a.html=b.html")]).unwrap();
        assert!(c.codes.is_empty());
    }

    #[test]
    fn template_dirs_split_on_colon() {
        let c = cfg(&[("DOWNPAGE_TEMPLATE_DIR", "a::b/c:")]).unwrap();
        assert_eq!(
            c.template_dirs,
            vec![PathBuf::from("a"), PathBuf::from("b/c")]
        );
    }

    #[test]
    fn unknown_variable_is_named_with_suggestion() {
        let e = cfg(&[("DOWNPAGE_OUTPUTDIR", "x")]).unwrap_err().to_string();
        assert!(e.contains("unknown variable DOWNPAGE_OUTPUTDIR"), "{e}");
        assert!(e.contains("did you mean \"DOWNPAGE_OUTPUT_DIR\""), "{e}");
    }

    #[test]
    fn service_links_are_ignored() {
        cfg(&[
            ("DOWNPAGE_SERVICE_HOST", "10.0.0.1"),
            ("DOWNPAGE_PORT_80_TCP", "tcp://x:80"),
        ])
        .unwrap();
    }

    #[test]
    fn vars_are_lower_cased() {
        let c = cfg(&[("DOWNPAGE_VAR_SITE_NAME", "Example")]).unwrap();
        assert_eq!(c.vars["site_name"], "Example");
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = cfg(&[("DOWNPAGE_CODES", "500,abc")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("DOWNPAGE_CODES item \"abc\""), "{e}");
        let e = cfg(&[("DOWNPAGE_FORMATS", "html,pdf")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("DOWNPAGE_FORMATS item \"pdf\""), "{e}");
        let c = cfg(&[("DOWNPAGE_FORMATS", "json, TXT,html,json")]).unwrap();
        assert_eq!(c.formats, [Format::Json, Format::Txt, Format::Html]);
        let e = cfg(&[("DOWNPAGE_CONTEXT", "[1]")]).unwrap_err().to_string();
        assert!(e.contains("DOWNPAGE_CONTEXT must be a JSON object"), "{e}");
        let e = cfg(&[("DOWNPAGE_CONTEXT", "{\"a\":\n}")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2 column 1"), "{e}");
        let e = cfg(&[("DOWNPAGE_PAGES", "x=y"), ("DOWNPAGE_PAGES_FILE", "f")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("DOWNPAGE_PAGES and DOWNPAGE_PAGES_FILE"), "{e}");
    }

    #[test]
    fn non_utf8_value_is_named() {
        use std::os::unix::ffi::OsStringExt;
        let e = Config::from_os_vars([(
            OsString::from("DOWNPAGE_OUTPUT_DIR"),
            OsString::from_vec(vec![0xff, 0xfe]),
        )])
        .unwrap_err()
        .to_string();
        assert!(e.contains("DOWNPAGE_OUTPUT_DIR is not valid UTF-8"), "{e}");
    }
}
