//! Target `apache`: `apache.conf`, to `Include` in a `<VirtualHost>` before its `ProxyPass`
//! lines: `ErrorDocument <code> /_errors/<page>` for every code with a page (a local path
//! keeps the status), `ProxyErrorOverride On` for those codes so upstream errors get the
//! pages too, and the `Alias` (kept out of the proxy) that serves them.

use std::fmt::Write;

use anyhow::{Result, bail};

use super::{Artifact, Input, Kind, check_path};

/// The URL prefix the pages are served under.
pub const PREFIX: &str = "/_errors/";

pub fn artifacts(input: &Input) -> Result<Vec<Artifact>> {
    let root = input.root(Kind::Apache)?;
    let chosen = input.by_code();
    if chosen.is_empty() {
        bail!(
            "target apache: no page has a status code: add codes with DOWNPAGE_CODES or name pages like 503.html"
        );
    }
    let dir = if root == "/" { "/" } else { root };
    let codes: Vec<String> = chosen.iter().map(|(c, _)| c.to_string()).collect();
    let mut text = format!(
        "# Apache httpd 2.4 error pages made by downpage (needs mod_alias, mod_proxy, mod_proxy_http).\n\
         # Include it inside your <VirtualHost>, before its ProxyPass lines:\n\
         #     Include {root}/apache.conf\n\
         # Each page keeps its status; an upstream that refuses connections is a 503 in Apache.\n\
         Alias {PREFIX} \"{dir}/\"\n\
         ProxyPass {PREFIX} !\n\
         ProxyErrorOverride On {}\n\
         <Directory \"{dir}\">\n    Require all granted\n    AddDefaultCharset utf-8\n    Options None\n    AllowOverride None\n</Directory>\n",
        codes.join(" ")
    );
    for (code, page) in &chosen {
        check_path(Kind::Apache, page)?;
        let _ = writeln!(text, "ErrorDocument {code} {PREFIX}{}", page.dest);
    }
    Ok(vec![Artifact {
        path: "apache.conf".into(),
        bytes: text.into_bytes(),
        page: false,
    }])
}
