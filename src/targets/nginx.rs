//! Target `nginx`: the nginx snippet (as `DOWNPAGE_NGINX_CONF` writes it) as `nginx.conf`
//! in the output, for `include` inside a `server {}`; also the base for NGINX Gateway
//! Fabric and F5 NGINX Ingress (`nginx.org/custom-http-errors`). With `DOWNPAGE_LANGS`,
//! also `nginx-lang.conf`: the language choice alone, for a server block of your own.

use anyhow::Result;

use super::{Artifact, Input, Kind};

/// The language choice alone: the `set`/`if` lines that set `$downpage_lang`.
pub const LANG_CONF: &str = "nginx-lang.conf";

pub fn artifacts(input: &Input) -> Result<Vec<Artifact>> {
    let root = input.root(Kind::Nginx)?;
    crate::nginx::check_root(root).map_err(|e| anyhow::anyhow!("target nginx: root {e}"))?;
    let entries: Vec<crate::nginx::Entry> = input
        .pages
        .iter()
        .map(|p| crate::nginx::Entry {
            dest: &p.dest,
            code: p.code,
        })
        .collect();
    let text = crate::nginx::snippet(&entries, root, input.gzip, input.langs)?;
    let mut out = vec![Artifact::config("nginx.conf", text)];
    if !input.langs.is_empty() {
        let text = format!(
            "# Made by downpage (DOWNPAGE_TARGETS=nginx, DOWNPAGE_LANGS): include this file inside a\n\
             # server {{ }} block; error_page lines there can then name /$downpage_lang/<page>.\n{}",
            crate::accept_language::nginx_lines(input.langs)
        );
        out.push(Artifact::config(LANG_CONF, text));
    }
    Ok(out)
}
