//! Rendered pages → the extra files each delivery platform needs (`DOWNPAGE_TARGETS`): one
//! file per target, each a pure function from the pages to `(relative path, bytes)`
//! artifacts plus its page budget. The sink ([`crate::sink::targets`]) checks the budgets
//! and stages the artifacts with the pages, so they share the pages' all-or-nothing commit,
//! atomic files, tarball, `.gz` copies and index.

pub mod apache;
pub mod caddy;
pub mod cloudflare;
pub mod envoy_gateway;
pub mod haproxy;
pub mod ingress_nginx;
pub mod nginx;
pub mod settings;
pub mod traefik;
pub mod yaml;

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};

use crate::config::Config;
use crate::plan::Plan;

pub use settings::{Kind, Settings};

/// One page as the targets see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub dest: String,
    pub code: Option<u16>,
    /// The bytes, kept for pages with a status code and the class fallbacks (`4xx.html`).
    pub bytes: Vec<u8>,
}

/// A file a target adds to the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Path inside the output folder.
    pub path: String,
    pub bytes: Vec<u8>,
    /// A page (gets a `.gz` copy with `DOWNPAGE_GZIP`), not a configuration file.
    pub page: bool,
}

impl Artifact {
    fn config(path: &str, text: String) -> Artifact {
        Artifact {
            path: path.to_string(),
            bytes: text.into_bytes(),
            page: false,
        }
    }
}

/// What every target is given.
pub struct Input<'a> {
    pub settings: &'a Settings,
    /// Every page, in plan order (bytes empty for pages without a code).
    pub pages: &'a [Page],
    /// Where the configurations expect the pages (absolute, no trailing `/`); `None` only
    /// when no target needs it.
    pub root: Option<&'a str>,
    /// `DOWNPAGE_GZIP`.
    pub gzip: bool,
    /// `DOWNPAGE_LANGS` folders (the first is the fallback).
    pub langs: &'a [String],
}

impl Input<'_> {
    /// One page per status code, in code order: the code's first HTML page, else its first.
    pub fn by_code(&self) -> Vec<(u16, &Page)> {
        let mut out: Vec<(u16, &Page)> = Vec::new();
        for page in self.pages {
            let Some(code) = page.code else { continue };
            match out.iter_mut().find(|(c, _)| *c == code) {
                None => out.push((code, page)),
                Some((_, chosen)) if !is_html(&chosen.dest) && is_html(&page.dest) => {
                    *chosen = page;
                }
                Some(_) => {}
            }
        }
        out.sort_by_key(|(code, _)| *code);
        out
    }

    /// The serve root, for a target that needs it.
    fn root(&self, kind: Kind) -> Result<&str> {
        match self.root {
            Some(r) => Ok(r),
            None => bail!(
                "target {} needs DOWNPAGE_SERVE_ROOT (the folder where the server sees the pages)",
                kind.name()
            ),
        }
    }
}

pub use crate::pages::is_html;

/// The `Content-Type` a page is served with, by its extension.
pub fn content_type(dest: &str) -> &'static str {
    let lower = dest.to_ascii_lowercase();
    if is_html(&lower) {
        "text/html; charset=utf-8"
    } else if lower.ends_with(".json") {
        "application/json"
    } else {
        "text/plain; charset=utf-8"
    }
}

/// Whether a destination can sit in every target's configuration as it is: letters,
/// digits and `. _ - ~ /` only.
fn path_safe(dest: &str) -> bool {
    dest.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'~' | b'/'))
}

/// Refuses a page whose destination cannot be written in `kind`'s configuration.
fn check_path(kind: Kind, page: &Page) -> Result<()> {
    if !path_safe(&page.dest) {
        bail!(
            "page {} (status {}): its destination has characters that are not safe in {} configuration (only letters, digits and . _ - ~ / are): rename it",
            page.dest,
            page.code.unwrap_or(0),
            kind.name()
        );
    }
    Ok(())
}

/// Checks one page against the budget of every target asked for (before anything is
/// committed): HAProxy's buffer, Envoy Gateway's body limit. Cloudflare's inline limit is
/// checked on its own pages, once the token is in ([`cloudflare::artifacts`]).
pub fn check_budget(settings: &Settings, page: &Page) -> Result<()> {
    let Some(code) = page.code else { return Ok(()) };
    if settings.has(Kind::Haproxy) {
        haproxy::check_budget(settings, code, page)?;
    }
    if settings.has(Kind::EnvoyGateway) {
        envoy_gateway::check_budget(settings, code, page)?;
    }
    Ok(())
}

/// Every artifact of every target asked for, in a fixed order.
pub fn artifacts(input: &Input) -> Result<Vec<Artifact>> {
    let mut out = Vec::new();
    for &kind in &input.settings.kinds {
        let more = match kind {
            Kind::Nginx => nginx::artifacts(input)?,
            // Its layout is made by the plan (DOWNPAGE_LAYOUT=ingress-nginx); this is its server.
            Kind::IngressNginx => ingress_nginx::artifacts(input)?,
            Kind::EnvoyGateway => envoy_gateway::artifacts(input)?,
            Kind::Haproxy => haproxy::artifacts(input)?,
            Kind::Traefik => traefik::artifacts(input)?,
            Kind::Caddy => caddy::artifacts(input)?,
            Kind::Apache => apache::artifacts(input)?,
            Kind::Cloudflare => cloudflare::artifacts(input)?,
        };
        out.extend(more);
    }
    Ok(out)
}

/// The destinations the targets write, for the plan's clash check: a page may not be
/// named like a configuration file a target writes.
pub fn reserved(settings: &Settings) -> Vec<&'static str> {
    let mut out = Vec::new();
    for &kind in &settings.kinds {
        out.extend(match kind {
            Kind::Nginx => &["nginx.conf", nginx::LANG_CONF][..],
            Kind::IngressNginx => &["ingress-nginx.conf"],
            Kind::EnvoyGateway => &["envoy-gateway.yaml"],
            Kind::Haproxy => &["haproxy.cfg", "haproxy/"],
            Kind::Traefik => &["traefik.yaml"],
            Kind::Caddy => &["Caddyfile"],
            Kind::Apache => &["apache.conf"],
            Kind::Cloudflare => &["cloudflare/"],
        });
    }
    out
}

/// The status code of each planned page that has one, for the targets (empty without
/// `DOWNPAGE_TARGETS`).
pub fn codes(config: &Config, plan: &Plan) -> BTreeMap<String, u16> {
    if config.targets.kinds.is_empty() {
        return BTreeMap::new();
    }
    plan.pages
        .iter()
        .filter_map(|p| Some((p.dest.clone(), p.code?)))
        .collect()
}

/// Where the targets' configurations expect the pages: `DOWNPAGE_SERVE_ROOT`, else
/// `DOWNPAGE_NGINX_ROOT`, else the output folder made absolute; `None` when no target
/// names a path.
pub fn serve_root(config: &Config) -> Result<Option<String>> {
    if !config.targets.kinds.iter().any(|k| k.needs_root()) {
        return Ok(None);
    }
    if let Some(root) = &config.targets.serve_root {
        return Ok(Some(root.clone()));
    }
    let Some(dir) = config.output_dir() else {
        bail!("DOWNPAGE_TARGETS needs DOWNPAGE_SERVE_ROOT when only a tarball is written");
    };
    let abs = std::path::absolute(dir)
        .with_context(|| format!("making DOWNPAGE_OUTPUT_DIR {} absolute", dir.display()))?;
    let text = abs.to_string_lossy();
    settings::check_root(&text, "DOWNPAGE_OUTPUT_DIR (made absolute)")
        .map(Some)
        .map_err(|e| anyhow::anyhow!("{e}; or set DOWNPAGE_SERVE_ROOT"))
}

/// `1,234`: a byte count as the messages write it.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(16384), "16,384");
        assert_eq!(thousands(1048576), "1,048,576");
    }

    #[test]
    fn one_page_per_code_html_first() {
        let p = |dest: &str, code| Page {
            dest: dest.into(),
            code,
            bytes: Vec::new(),
        };
        let pages = [
            p("503.json", Some(503)),
            p("503.html", Some(503)),
            p("502.html", Some(502)),
            p("x.html", None),
        ];
        let settings = Settings::default();
        let input = Input {
            settings: &settings,
            pages: &pages,
            root: None,
            gzip: false,
            langs: &[],
        };
        let chosen: Vec<(u16, &str)> = input
            .by_code()
            .iter()
            .map(|(c, p)| (*c, p.dest.as_str()))
            .collect();
        assert_eq!(chosen, [(502, "502.html"), (503, "503.html")]);
    }
}
