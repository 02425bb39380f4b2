//! Target `haproxy`: `haproxy/<code>.http`, each page as the complete raw HTTP/1.0
//! response HAProxy's `errorfile` needs (status line, headers, blank line, body), and
//! `haproxy.cfg`, an `http-errors downpage` section to load beside the user's own
//! configuration, with how to use it. Budget: the whole response must fit `tune.bufsize`
//! (`DOWNPAGE_HAPROXY_BUFSIZE`) less HAProxy's own overhead.

use std::fmt::Write;

use anyhow::{Result, bail};

use super::{Artifact, Input, Kind, Page, Settings, check_path, content_type, thousands};

/// Bytes kept free below `tune.bufsize`. Measured on HAProxy 2.6 with the five header lines
/// written here: the largest file that loads is `bufsize - 103` at 8192, 16384 and 32768;
/// a wider margin keeps every accepted file loadable.
pub const MARGIN: u64 = 256;

/// The codes HAProxy 2.6 lets `errorfile` replace, with their reason phrases.
pub const CODES: &[(u16, &str)] = &[
    (200, "OK"),
    (400, "Bad Request"),
    (401, "Unauthorized"),
    (403, "Forbidden"),
    (404, "Not Found"),
    (405, "Method Not Allowed"),
    (407, "Proxy Authentication Required"),
    (408, "Request Time-out"),
    (410, "Gone"),
    (413, "Payload Too Large"),
    (425, "Too Early"),
    (429, "Too Many Requests"),
    (500, "Internal Server Error"),
    (501, "Not Implemented"),
    (502, "Bad Gateway"),
    (503, "Service Unavailable"),
    (504, "Gateway Time-out"),
];

/// The largest `errorfile` downpage writes for a buffer size.
pub fn limit(bufsize: u64) -> u64 {
    bufsize - MARGIN
}

/// The raw HTTP response HAProxy's `errorfile` reads for `page`.
pub fn response(code: u16, page: &Page) -> Vec<u8> {
    let reason = CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("Error", |(_, r)| r);
    let mut out = format!(
        "HTTP/1.0 {code} {reason}\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
        content_type(&page.dest),
        page.bytes.len()
    )
    .into_bytes();
    out.extend_from_slice(&page.bytes);
    out
}

pub fn check_budget(settings: &Settings, code: u16, page: &Page) -> Result<()> {
    if !CODES.iter().any(|(c, _)| *c == code) {
        return Ok(());
    }
    let size = response(code, page).len() as u64;
    let limit = limit(settings.haproxy_bufsize);
    if size > limit {
        bail!(
            "page {} is {} bytes, {} bytes as HAProxy errorfile haproxy/{code}.http with its headers, more than the {} bytes that fit tune.bufsize {} (DOWNPAGE_HAPROXY_BUFSIZE, less {MARGIN} for HAProxy's own overhead): make the page smaller, or raise tune.bufsize in HAProxy's global section and DOWNPAGE_HAPROXY_BUFSIZE together",
            page.dest,
            thousands(page.bytes.len()),
            thousands(size as usize),
            thousands(limit as usize),
            thousands(settings.haproxy_bufsize as usize),
        );
    }
    Ok(())
}

pub fn artifacts(input: &Input) -> Result<Vec<Artifact>> {
    let root = input.root(Kind::Haproxy)?;
    let bufsize = input.settings.haproxy_bufsize;
    let mut out = Vec::new();
    let mut section = String::from("http-errors downpage\n");
    let mut skipped = Vec::new();
    let mut example = None;
    for (code, page) in input.by_code() {
        if !CODES.iter().any(|(c, _)| *c == code) {
            skipped.push(code.to_string());
            continue;
        }
        check_path(Kind::Haproxy, page)?;
        check_budget(input.settings, code, page)?;
        let path = format!("haproxy/{code}.http");
        let _ = writeln!(section, "    errorfile {code} {root}/{path}");
        if example.is_none() || code == 503 {
            example = Some((code, page));
        }
        out.push(Artifact {
            path,
            bytes: response(code, page),
            page: false,
        });
    }
    let mut text = format!(
        "# HAProxy error pages made by downpage. Load this file with your own configuration\n\
         # (haproxy -f haproxy.cfg -f {root}/haproxy.cfg) and name it in a defaults, frontend\n\
         # or backend section:\n\
         #     errorfiles downpage\n\
         # errorfiles replace only HAProxy's own errors (no server up, timeouts, bad requests),\n\
         # with their real status. Each file fits tune.bufsize {bufsize} (DOWNPAGE_HAPROXY_BUFSIZE);\n\
         # set the same tune.bufsize in your global section when it is not the default 16384.\n"
    );
    if let Some((code, page)) = example {
        let _ = write!(
            text,
            "# For an error your own server answers, serve the page (body only) in the backend:\n\
             #     http-response return status {code} content-type \"{}\" file {root}/{} if {{ status {code} }}\n",
            content_type(&page.dest),
            page.dest
        );
    }
    if !skipped.is_empty() {
        let _ = writeln!(
            text,
            "# Not here: HAProxy cannot replace these codes with errorfile: {}",
            skipped.join(", ")
        );
    }
    text.push_str(&section);
    out.push(Artifact::config("haproxy.cfg", text));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_has_headers_and_length() {
        let page = Page {
            dest: "503.html".into(),
            code: Some(503),
            bytes: b"<p>down</p>".to_vec(),
        };
        let text = String::from_utf8(response(503, &page)).unwrap();
        assert!(text.starts_with("HTTP/1.0 503 Service Unavailable\r\n"));
        assert!(text.ends_with("Content-Length: 11\r\n\r\n<p>down</p>"));
        let settings = Settings {
            haproxy_bufsize: 1024,
            ..Settings::default()
        };
        let big = Page {
            bytes: vec![b'x'; 700],
            ..page
        };
        let err = check_budget(&settings, 503, &big).unwrap_err().to_string();
        assert!(
            err.contains("page 503.html is 700 bytes") && err.contains("more than the 768 bytes"),
            "{err}"
        );
        check_budget(&settings, 418, &big).unwrap();
    }
}
