//! Target `cloudflare`: `cloudflare/<code>.html` for every 5xx page, with Cloudflare's
//! `::CLOUDFLARE_ERROR_500S_BOX::` token inserted once at the end of the page's `<main>`
//! (or before `</body>` when it has none), as Cloudflare's custom error pages require.
//! Budget, with `DOWNPAGE_CLOUDFLARE_INLINE=true`: 10,000 bytes, the inline body limit of a
//! Custom Errors rule.

use anyhow::{Result, bail};

use super::{Artifact, Input, thousands};

/// The token Cloudflare replaces with its own 5xx error details.
pub const TOKEN_5XX: &str = "::CLOUDFLARE_ERROR_500S_BOX::";

/// The inline body limit of a Custom Errors rule.
pub const INLINE_LIMIT: usize = 10_000;

/// `html` with the token once: left as it is when the template has it, else inserted.
pub fn with_token(dest: &str, html: &str) -> Result<String> {
    match html.matches(TOKEN_5XX).count() {
        1 => return Ok(html.to_string()),
        0 => {}
        n => bail!(
            "page {dest} has {TOKEN_5XX} {n} times: Cloudflare needs it once; keep one in the template"
        ),
    }
    let lower = html.to_ascii_lowercase();
    let at = lower
        .find("<main")
        .and_then(|start| lower[start..].find("</main").map(|end| start + end))
        .or_else(|| lower.rfind("</body"));
    let Some(at) = at else {
        bail!(
            "page {dest} has neither <main> nor </body>, so the Cloudflare token has no place: put {TOKEN_5XX} in the template where Cloudflare's details should go"
        );
    };
    let sep = if html[..at].ends_with('\n') { "" } else { "\n" };
    Ok(format!(
        "{}{sep}<p>{TOKEN_5XX}</p>\n{}",
        &html[..at],
        &html[at..]
    ))
}

pub fn artifacts(input: &Input) -> Result<Vec<Artifact>> {
    let mut out = Vec::new();
    for (code, page) in input.by_code() {
        if !(500..=599).contains(&code) || !super::is_html(&page.dest) {
            continue;
        }
        let html = std::str::from_utf8(&page.bytes)
            .map_err(|_| anyhow::anyhow!("page {}: not UTF-8 text", page.dest))?;
        let text = with_token(&page.dest, html)?;
        if input.settings.cloudflare_inline && text.len() > INLINE_LIMIT {
            bail!(
                "page {} is {} bytes with Cloudflare's token (cloudflare/{code}.html), more than the {} bytes of an inline Custom Errors body (DOWNPAGE_CLOUDFLARE_INLINE=true): make the page smaller, or set DOWNPAGE_CLOUDFLARE_INLINE=false and upload the page as a custom error page (resources inlined by Cloudflare)",
                page.dest,
                thousands(text.len()),
                thousands(INLINE_LIMIT)
            );
        }
        out.push(Artifact {
            path: format!("cloudflare/{code}.html"),
            bytes: text.into_bytes(),
            page: true,
        });
    }
    if out.is_empty() {
        bail!(
            "target cloudflare: no 5xx HTML page to make a Cloudflare page of: add 5xx codes with DOWNPAGE_CODES"
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_goes_once_into_main() {
        let html = "<body><main>\n<h1>Down</h1>\n</main><footer></footer></body>";
        let out = with_token("502.html", html).unwrap();
        assert_eq!(
            out,
            "<body><main>\n<h1>Down</h1>\n<p>::CLOUDFLARE_ERROR_500S_BOX::</p>\n</main><footer></footer></body>"
        );
        assert_eq!(with_token("502.html", &out).unwrap(), out);
        let twice = format!("{TOKEN_5XX}{TOKEN_5XX}");
        assert!(with_token("502.html", &twice).is_err());
        assert!(with_token("502.html", "plain").is_err());
        assert!(
            with_token("x", "<BODY>x</BODY>")
                .unwrap()
                .contains("x\n<p>::CLOUDFLARE")
        );
    }
}
