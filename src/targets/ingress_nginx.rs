//! Target `ingress-nginx`: besides its layout (made by the plan), `ingress-nginx.conf`, an
//! nginx server (a `conf.d` file, read inside `http {}`) that answers as the retired
//! `custom-error-pages` image does — `X-Code` picks the page and the status, `X-Format` the
//! variant — with the visitor's language from `Accept-Language` when there are language
//! folders ([`crate::accept_language`]), so any nginx image can replace the archived one.

use std::fmt::Write;

use anyhow::Result;

use super::{Artifact, Input, Kind};

/// The port the server listens on: the stock image's, kept so the Service stays as it is.
pub const PORT: u16 = 8080;

/// Where a page of the layout is served from: `/$downpage_lang/<stem>` when every language
/// folder has it, else `/<stem>` (the top, which the stock image reads); `None` when
/// neither has it. `stem` is `502` or `5xx`.
fn served(input: &Input, stem: &str) -> Option<String> {
    let has = |prefix: &str| {
        input.pages.iter().any(|p| {
            p.dest
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix(stem))
                .and_then(|rest| rest.strip_prefix('.'))
                .is_some_and(|ext| matches!(ext, "html" | "json" | "txt"))
        })
    };
    if !input.langs.is_empty() && input.langs.iter().all(|l| has(&format!("{l}/"))) {
        Some(format!("/{}/{stem}", crate::accept_language::VARIABLE))
    } else if has("") {
        Some(format!("/{stem}"))
    } else {
        None
    }
}

pub fn artifacts(input: &Input) -> Result<Vec<Artifact>> {
    let root = input.root(Kind::IngressNginx)?;
    crate::nginx::check_root(root)
        .map_err(|e| anyhow::anyhow!("target ingress-nginx: root {e}"))?;
    let has_ext = |ext: &str| input.pages.iter().any(|p| p.dest.ends_with(ext));
    // (code, where its page is served from), in code order.
    let codes: Vec<(u16, String)> = input
        .by_code()
        .iter()
        .filter_map(|&(code, _)| Some((code, served(input, &code.to_string())?)))
        .collect();

    let mut out = format!(
        "# nginx in place of ingress-nginx's retired custom-error-pages image, made by downpage\n\
         # (DOWNPAGE_TARGETS=ingress-nginx): put it in the nginx image's conf.d (it is read inside\n\
         # http {{}}). ingress-nginx sends X-Code (the status) and X-Format (the client's Accept):\n\
         # the answer is that status with its page{}.\n\
         # The pages: {root}\n",
        if input.langs.is_empty() {
            ""
        } else {
            ",\n# in the language the visitor's Accept-Language prefers"
        }
    );
    out.push_str("map $http_x_code $downpage_code {\n    default \"\";\n");
    for (code, _) in &codes {
        let _ = writeln!(out, "    \"{code}\" {code};");
    }
    out.push_str("}\nmap $http_x_format $downpage_ext {\n    default html;\n");
    if has_ext(".json") {
        out.push_str("    \"~*json\" json;\n");
    }
    if has_ext(".txt") {
        out.push_str("    \"~*^text/plain\" txt;\n");
    }
    let _ = write!(
        out,
        "}}\nserver {{\n    listen {PORT};\n    server_name _;\n    root \"{root}\";\n"
    );
    if input.gzip {
        out.push_str("    gzip_static on;\n");
    }
    out.push_str(
        "\n    location = /healthz {\n        access_log off;\n        default_type text/plain;\n        return 200 \"ok\\n\";\n    }\n\n",
    );
    if !input.langs.is_empty() {
        for line in crate::accept_language::nginx_lines(input.langs).lines() {
            let _ = writeln!(out, "    {line}");
        }
        out.push('\n');
    }
    out.push_str(
        "    # Each page keeps its status: error_page without \"=\" does not change it.\n",
    );
    for (code, path) in &codes {
        let _ = writeln!(out, "    error_page {code} {path}.$downpage_ext;");
    }
    // No X-Code, or one without a page: 404, as ingress-nginx expects for an unknown host or
    // path; without a 404 page, the 4xx class page.
    if !codes.iter().any(|(c, _)| *c == 404)
        && let Some(path) = served(input, "4xx")
    {
        let _ = writeln!(out, "    error_page 404 {path}.$downpage_ext;");
    }
    out.push_str(
        "\n    # The pages, only as error pages; a variant a page lacks falls back to its HTML page.\n    \
         location ~ \"^/(?<downpage_page>(?:[a-z0-9-]+/)?(?:[0-9]{3}|[45]xx))\\.(?:html|json|txt)$\" {\n        \
         internal;\n        try_files $uri /$downpage_page.html =404;\n    }\n\n    \
         location / {\n        # nginx's return takes no variable status: one line per code.\n",
    );
    for (code, _) in &codes {
        let _ = writeln!(
            out,
            "        if ($downpage_code = {code}) {{ return {code}; }}"
        );
    }
    out.push_str(
        "        # no X-Code, or one without a page: an unknown host or path, as ingress-nginx expects\n        \
         return 404;\n    }\n}\n",
    );
    Ok(vec![Artifact::config("ingress-nginx.conf", out)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::{Page, Settings};

    fn pages(dests: &[&str]) -> Vec<Page> {
        dests
            .iter()
            .map(|d| Page {
                dest: (*d).to_string(),
                code: crate::catalog::code_from_dest(d),
                bytes: Vec::new(),
            })
            .collect()
    }

    fn conf(dests: &[&str], langs: &[&str]) -> String {
        let pages = pages(dests);
        let langs: Vec<String> = langs.iter().map(|l| (*l).to_string()).collect();
        let settings = Settings::default();
        let input = Input {
            settings: &settings,
            pages: &pages,
            root: Some("/www"),
            gzip: false,
            langs: &langs,
        };
        let out = artifacts(&input).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].path, "ingress-nginx.conf");
        String::from_utf8(out[0].bytes.clone()).unwrap()
    }

    #[test]
    fn one_language_pages_at_the_top() {
        let text = conf(
            &["503.html", "503.json", "4xx.html", "4xx.json", "5xx.html"],
            &[],
        );
        assert!(text.contains("    \"503\" 503;\n"), "{text}");
        assert!(
            text.contains("error_page 503 /503.$downpage_ext;"),
            "{text}"
        );
        assert!(
            text.contains("error_page 404 /4xx.$downpage_ext;"),
            "{text}"
        );
        assert!(text.contains("if ($downpage_code = 503) { return 503; }"));
        assert!(text.contains("\"~*json\" json;") && !text.contains("txt;"));
        assert!(!text.contains("$downpage_lang"), "{text}");
    }

    #[test]
    fn language_folders_are_chosen_by_accept_language() {
        let text = conf(
            &[
                "en/404.html",
                "de/404.html",
                "en/503.txt",
                "de/503.txt",
                "404.html",
                "503.txt",
            ],
            &["en", "de"],
        );
        for line in crate::accept_language::nginx_lines(&["en".into(), "de".into()]).lines() {
            assert!(
                text.contains(&format!("\n    {line}\n")),
                "{line} not in {text}"
            );
        }
        assert!(text.contains("error_page 404 /$downpage_lang/404.$downpage_ext;"));
        assert!(text.contains("error_page 503 /$downpage_lang/503.$downpage_ext;"));
        assert!(text.contains("\"~*^text/plain\" txt;"));
        assert_eq!(text.matches("error_page 404").count(), 1, "{text}");
    }
}
