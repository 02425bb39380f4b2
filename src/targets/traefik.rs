//! Target `traefik`: `traefik.yaml`, Traefik v3's dynamic configuration (file provider) of
//! an `errors` middleware that sends every status in `DOWNPAGE_TRAEFIK_STATUS` to the file
//! server of the pages at `/{status}.html`, keeping the status. A code in the range with no
//! page of its own gets a copy of its page or of the class page (`5xx.html`) under its
//! name, so the file server never answers its own 404 body.

use std::collections::BTreeSet;
use std::fmt::Write;

use anyhow::{Result, bail};

use super::yaml::quote;
use super::{Artifact, Input};

/// The class fallback pages the plan adds for a range: `4xx.html` and/or `5xx.html`.
pub fn classes(range: (u16, u16)) -> Vec<u8> {
    (4..=5u8)
        .filter(|&c| {
            let (lo, hi) = (u16::from(c) * 100, u16::from(c) * 100 + 99);
            range.0 <= hi && range.1 >= lo
        })
        .collect()
}

pub fn artifacts(input: &Input) -> Result<Vec<Artifact>> {
    let (lo, hi) = input.settings.traefik_status;
    let prefix = match input.langs.first() {
        Some(lang) => format!("{lang}/"),
        None => String::new(),
    };
    let dests: BTreeSet<&str> = input.pages.iter().map(|p| p.dest.as_str()).collect();
    let chosen = input.by_code();
    let mut out = Vec::new();
    for code in lo..=hi {
        let dest = format!("{prefix}{code}.html");
        if dests.contains(dest.as_str()) {
            continue;
        }
        let class = format!("{}xx.html", code / 100);
        let source = chosen
            .iter()
            .find(|(c, p)| *c == code && super::is_html(&p.dest))
            .map(|(_, p)| *p)
            .or_else(|| input.pages.iter().find(|p| p.dest == class));
        let Some(source) = source else {
            bail!(
                "target traefik: status {code} is in DOWNPAGE_TRAEFIK_STATUS {lo}-{hi} but has no page and there is no {class} to copy: narrow DOWNPAGE_TRAEFIK_STATUS or add the code to DOWNPAGE_CODES"
            );
        };
        out.push(Artifact {
            path: dest,
            bytes: source.bytes.clone(),
            page: true,
        });
    }
    let range = if lo == hi {
        lo.to_string()
    } else {
        format!("{lo}-{hi}")
    };
    let mut text = format!(
        "# Traefik v3 error pages made by downpage: dynamic configuration for the file provider.\n\
         # Add the middleware to a router (middlewares: [downpage-errors@file]): every status in\n\
         # {range} from its service is answered with the page, keeping the status.\n"
    );
    if input.settings.traefik_pages_url.is_none() {
        text.push_str(
            "# The service downpage-pages is a file server (any) serving the output folder;\n\
             # define it in this provider, or set DOWNPAGE_TRAEFIK_PAGES_URL to have it here.\n",
        );
    }
    let _ = write!(
        text,
        "http:\n  middlewares:\n    downpage-errors:\n      errors:\n        status:\n          - {}\n        service: downpage-pages\n        query: {}\n",
        quote(&range),
        quote(&format!("/{prefix}{{status}}.html"))
    );
    if let Some(url) = &input.settings.traefik_pages_url {
        let _ = write!(
            text,
            "  services:\n    downpage-pages:\n      loadBalancer:\n        servers:\n          - url: {}\n",
            quote(url)
        );
    }
    out.push(Artifact {
        path: "traefik.yaml".into(),
        bytes: text.into_bytes(),
        page: false,
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_of_a_range() {
        assert_eq!(classes((500, 599)), vec![5]);
        assert_eq!(classes((404, 503)), vec![4, 5]);
        assert_eq!(classes((404, 404)), vec![4]);
    }
}
