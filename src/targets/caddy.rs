//! Target `caddy`: `Caddyfile`, two snippets to `import`: `downpage` (in a site block)
//! answers each status code that has a page with it, keeping the status, through
//! `handle_errors` and `file_server { precompressed gzip }` (so `.gz` copies are served);
//! `downpage_upstream` (inside `reverse_proxy { }`) turns an upstream answer with such a
//! code into a Caddy error, so it gets the page too.

use std::fmt::Write;

use anyhow::{Result, bail};

use super::{Artifact, Input, Kind, check_path};

pub fn artifacts(input: &Input) -> Result<Vec<Artifact>> {
    let root = input.root(Kind::Caddy)?;
    let chosen = input.by_code();
    if chosen.is_empty() {
        bail!(
            "target caddy: no page has a status code: add codes with DOWNPAGE_CODES or name pages like 503.html"
        );
    }
    let codes: Vec<String> = chosen.iter().map(|(c, _)| c.to_string()).collect();
    let mut text = format!(
        "# Caddy error pages made by downpage. Import this file at the top of your Caddyfile:\n\
         #     import {root}/Caddyfile\n\
         # then in a site block:\n\
         #     import downpage\n\
         #     reverse_proxy app:8000 {{\n\
         #         import downpage_upstream\n\
         #     }}\n\
         # Each page keeps its status; with Accept-Encoding: gzip its .gz copy is sent when\n\
         # there is one (DOWNPAGE_GZIP=true).\n\
         (downpage) {{\n\thandle_errors {{\n\t\troot * {root}\n"
    );
    for (code, page) in &chosen {
        check_path(Kind::Caddy, page)?;
        let _ = write!(
            text,
            "\t\t@downpage_{code} expression `{{err.status_code}} == {code}`\n\t\thandle @downpage_{code} {{\n\t\t\trewrite * /{}\n\t\t\tfile_server {{\n\t\t\t\tprecompressed gzip\n\t\t\t}}\n\t\t}}\n",
            page.dest
        );
    }
    // The message argument matters: `error {rp.status_code}` alone makes an upstream 503 a 500.
    let _ = write!(
        text,
        "\t}}\n}}\n(downpage_upstream) {{\n\t@downpage_error status {}\n\thandle_response @downpage_error {{\n\t\terror \"upstream error\" {{rp.status_code}}\n\t}}\n}}\n",
        codes.join(" ")
    );
    Ok(vec![Artifact {
        path: "Caddyfile".into(),
        bytes: text.into_bytes(),
        page: false,
    }])
}
