//! End-to-end tests of static assets: hashed URLs from each manifest shape, `inline()`,
//! `data_uri()`, self-contained pages, and the errors that must stop a deploy with nothing
//! written. (tests/checks/assets-frameworks.sh does the same with manifests made by the real
//! Django and Vite.)

use std::fs;
use std::os::unix::fs::symlink;

use crate::support::Test;

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];
/// Not a real font: bytes that are not UTF-8, to check binary files survive the trip.
const FONT: &[u8] = &[b'w', b'O', b'F', b'2', 0x00, 0xff, 0xfe, 0x80, 0x7f];

const DJANGO_MANIFEST: &str = r#"{"paths": {"css/site.css": "css/site.55e7cbb9ba48.css",
  "img/logo.png": "img/logo.0d7a4d7a1f3c.png", "fonts/brand.woff2": "fonts/brand.4b1a0e2c3d4e.woff2"},
  "version": "1.1", "hash": "0123456789ab"}"#;
/// What collectstatic writes: the hashed sheet refers to hashed files, relative to itself.
const HASHED_CSS: &str = "@font-face{font-family:Brand;src:url(\"../fonts/brand.4b1a0e2c3d4e.woff2\") format(\"woff2\")}\n\
body{background:#fde url('../img/logo.0d7a4d7a1f3c.png') no-repeat;font-family:Brand}\n\
.ext{background:url(https://cdn.example.com/x.png)}\n";

const PAGE: &str = "<!DOCTYPE html><html><head>\
<link rel=\"stylesheet\" href=\"{{ static(path='css/site.css') }}\">\
<link rel=\"icon\" href=\"{{ static(path='img/logo.png') }}\">\
</head><body><img src=\"{{ static(path='img/logo.png') }}\" alt=\"logo\"><h1>{{ code }}</h1></body></html>\n";

/// A Django-style static root (originals and hashed copies, like collectstatic) and a page.
fn django(name: &str) -> Test {
    let t = Test::new(name)
        .file("static/staticfiles.json", DJANGO_MANIFEST)
        .file("static/css/site.css", "body{}")
        .file("static/css/site.55e7cbb9ba48.css", HASHED_CSS)
        .file("templates/page.html", PAGE)
        .env("DOWNPAGE_TEMPLATE_DIR", "templates")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .env("DOWNPAGE_STATIC_ROOT", "static")
        .env("DOWNPAGE_PAGES", "502.html=page.html");
    fs::create_dir_all(t.path("static/img")).unwrap();
    fs::create_dir_all(t.path("static/fonts")).unwrap();
    fs::write(t.path("static/img/logo.0d7a4d7a1f3c.png"), PNG).unwrap();
    fs::write(t.path("static/fonts/brand.4b1a0e2c3d4e.woff2"), FONT).unwrap();
    t
}

/// Standard base64 decoding, written here so the tests do not trust the encoder they check.
fn b64decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let bytes: Vec<u8> = s.bytes().filter(|&c| c != b'=').map(val).collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &v)| n | (u32::from(v) << (18 - 6 * i)));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

/// Every `data:<mime>;base64,<payload>` in `text`, decoded.
fn data_uris(text: &str, mime: &str) -> Vec<Vec<u8>> {
    let prefix = format!("data:{mime};base64,");
    text.match_indices(&prefix)
        .map(|(i, _)| {
            let rest = &text[i + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || "+/=".contains(c)))
                .unwrap_or(rest.len());
            b64decode(&rest[..end])
        })
        .collect()
}

#[test]
fn django_manifest_gives_hashed_urls() {
    let t = django("django-urls");
    let r = t.ok();
    let page = t.read("out/502.html");
    assert!(
        page.contains("<link rel=\"stylesheet\" href=\"/static/css/site.55e7cbb9ba48.css\">"),
        "{page}"
    );
    assert!(
        page.contains("<img src=\"/static/img/logo.0d7a4d7a1f3c.png\""),
        "{page}"
    );
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
}

#[test]
fn static_url_prefix_and_flat_and_vite_manifests() {
    let t = django("flat")
        .file("static/staticfiles.json", r#"{"css/site.css": "css/site-3b1f.css", "img/logo.png": "https://cdn.example.com/logo-9.png"}"#)
        .file("static/css/site-3b1f.css", "x")
        .file("templates/page.html", "{{ static(path='css/site.css') }}|{{ static(path='img/logo.png') }}")
        .env("DOWNPAGE_STATIC_URL", "/assets");
    t.ok();
    assert_eq!(
        t.read("out/502.html"),
        "/assets/css/site-3b1f.css|https://cdn.example.com/logo-9.png"
    );

    let t = Test::new("vite")
        .file("dist/.vite/manifest.json", r#"{"src/main.js": {"file": "assets/main-4f3a9c.js", "isEntry": true, "css": ["assets/main-77aa.css"]},
            "src/logo.png": {"file": "assets/logo-1b2c.png", "src": "src/logo.png"}}"#)
        .file("dist/assets/main-4f3a9c.js", "")
        .file("templates/p.html", "{{ static(path='src/main.js') }}|{% for css in static_css(path='src/main.js') %}<link rel=stylesheet href=\"{{ css | safe }}\">{% endfor %}|{{ static(path='src/logo.png') }}")
        .env("DOWNPAGE_TEMPLATE_DIR", "templates")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .env("DOWNPAGE_STATIC_ROOT", "dist")
        .env("DOWNPAGE_STATIC_URL", "/")
        .env("DOWNPAGE_PAGES", "502.html=p.html");
    t.ok();
    assert_eq!(
        t.read("out/502.html"),
        "/assets/main-4f3a9c.js|<link rel=stylesheet href=\"/assets/main-77aa.css\">|/assets/logo-1b2c.png"
    );
}

#[test]
fn without_manifest_static_is_the_plain_url_of_an_existing_file() {
    let t = Test::new("plain")
        .file("static/css/a b.css", "x")
        .file("templates/p.html", "{{ static(path='css/a b.css') }}")
        .env("DOWNPAGE_TEMPLATE_DIR", "templates")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .env("DOWNPAGE_PAGES", "p.html=p.html");
    t.ok();
    assert_eq!(t.read("out/p.html"), "/static/css/a%20b.css");
    let t = t
        .env("DOWNPAGE_STATIC_ROOT", "static")
        .file("templates/p.html", "{{ static(path='css/ab.css') }}");
    t.fails(&[
        "static file \"css/ab.css\" not found in DOWNPAGE_STATIC_ROOT static",
        "did you mean \"css/a b.css\"?",
    ]);
}

#[test]
fn inline_and_data_uri_embed_files_with_css_references_resolved() {
    let t = django("inline").file(
        "templates/page.html",
        "<style>{{ inline(path='css/site.css') }}</style><img src=\"{{ data_uri(path='img/logo.png') }}\" alt=\"\">",
    );
    let r = t.ok();
    let page = t.read("out/502.html");
    assert!(
        page.starts_with("<style>@font-face{font-family:Brand;src:url(\"data:font/woff2;base64,"),
        "{page}"
    );
    assert_eq!(data_uris(&page, "font/woff2"), [FONT]);
    assert_eq!(
        data_uris(&page, "image/png"),
        [PNG, PNG],
        "the sheet's background and the img"
    );
    assert!(
        page.contains("url(https://cdn.example.com/x.png)"),
        "external stays: {page}"
    );
    assert!(
        r.stderr.contains("downpage: warning: inlined style sheets: 1 external URL left as it is (the page needs the network for it): https://cdn.example.com/x.png"),
        "{}",
        r.stderr
    );
}

#[test]
fn self_contained_page_has_no_local_reference_left() {
    let t = django("self-contained")
        .env("DOWNPAGE_SELF_CONTAINED", "true")
        .env("DOWNPAGE_CODES", "503");
    let r = t.ok();
    let page = t.read("out/502.html");
    assert!(!page.contains("/static/"), "{page}");
    assert!(page.contains("<style>@font-face"), "{page}");
    assert_eq!(
        data_uris(&page, "image/png").len(),
        3,
        "css background, icon, img: {page}"
    );
    for png in data_uris(&page, "image/png") {
        assert_eq!(png, PNG);
    }
    assert_eq!(data_uris(&page, "font/woff2"), [FONT]);
    assert!(
        r.stderr.contains("https://cdn.example.com/x.png"),
        "{}",
        r.stderr
    );
    // The built-in page has nothing local: it is left byte for byte.
    let builtin = t.read("out/503.html");
    assert!(builtin.contains("Service Unavailable") && !builtin.contains("data:"));
}

#[test]
fn render_reports_every_asset_file_it_read_for_watch_mode() {
    let t = django("read-log").env("DOWNPAGE_SELF_CONTAINED", "true");
    let abs = |rel: &str| t.path(rel).display().to_string();
    let config = downpage::Config::from_vars([
        ("DOWNPAGE_TEMPLATE_DIR".to_string(), abs("templates")),
        ("DOWNPAGE_STATIC_ROOT".to_string(), abs("static")),
        (
            "DOWNPAGE_PAGES".to_string(),
            "502.html=page.html".to_string(),
        ),
        ("DOWNPAGE_SELF_CONTAINED".to_string(), "true".to_string()),
    ])
    .unwrap();
    use downpage::internal::pipeline::{Target, build};
    let rendered = build(&config, Target::Discard).unwrap();
    let root = t.path("static").canonicalize().unwrap();
    let mut read: Vec<String> = rendered
        .inputs
        .iter()
        .map(|p| p.strip_prefix(&root).unwrap().display().to_string())
        .collect();
    read.sort();
    assert_eq!(
        read,
        [
            "css/site.55e7cbb9ba48.css",
            "fonts/brand.4b1a0e2c3d4e.woff2",
            "img/logo.0d7a4d7a1f3c.png",
            "staticfiles.json"
        ]
    );
}

#[test]
fn missing_asset_names_page_template_path_and_near_matches() {
    let t = django("missing").env("DOWNPAGE_CODES", "503");
    t.ok();
    let before = t.read("out/502.html");
    let t = t.file(
        "templates/page.html",
        "<link href=\"{{ static(path='css/sit.css') }}\">",
    );
    t.fails(&[
        "page 502.html (DOWNPAGE_PAGES entry 1): rendering template page.html",
        "static file \"css/sit.css\" is not in the Django staticfiles.json static/staticfiles.json (3 entries); did you mean \"css/site.css\"?",
    ]);
    assert_eq!(t.read("out/502.html"), before, "earlier page intact");
    assert_eq!(t.files("out"), ["502.html", "503.html"]);
}

#[test]
fn unreadable_and_unknown_manifests_are_named() {
    let t = django("bad-manifest");
    t.ok();
    let before = t.read("out/502.html");
    let t = t.env("DOWNPAGE_STATIC_MANIFEST", "static/nope.json");
    t.fails(&[
        "reading manifest static/nope.json (DOWNPAGE_STATIC_MANIFEST)",
        "check the path",
    ]);
    let t = t
        .unset("DOWNPAGE_STATIC_MANIFEST")
        .file("static/staticfiles.json", "{\"paths\": [1]}");
    t.fails(&[
        "manifest static/staticfiles.json has an unknown shape (entry \"paths\" is an array)",
        "Vite",
    ]);
    let t = t.file("static/staticfiles.json", "{\"paths\": ");
    t.fails(&["manifest static/staticfiles.json is not valid JSON"]);
    fs::write(t.path("static/staticfiles.json"), [0xff, 0xfe]).unwrap();
    t.fails(&["manifest static/staticfiles.json (found in DOWNPAGE_STATIC_ROOT) is not UTF-8"]);
    assert_eq!(t.read("out/502.html"), before);
    assert_eq!(t.files("out"), ["502.html"]);
}

#[test]
fn paths_cannot_escape_the_static_root() {
    let mut t = django("escape")
        .file("secret.txt", "SECRET")
        .file("templates/page.html", "x");
    t.ok();
    for (template, needle) in [
        (
            "{{ inline(path='../secret.txt') }}",
            "static path \"../secret.txt\" contains \"..\"",
        ),
        (
            "{{ inline(path='/etc/passwd') }}",
            "static path \"/etc/passwd\" is absolute",
        ),
        (
            "{{ static(path='css/../../secret.txt') }}",
            "contains \"..\"",
        ),
        ("{{ data_uri(path='link.txt') }}", "is a symlink to"),
    ] {
        let _ = fs::remove_file(t.path("static/link.txt"));
        symlink(t.path("secret.txt"), t.path("static/link.txt")).unwrap();
        t = t
            .file("templates/page.html", template)
            .env("DOWNPAGE_STATIC_MANIFEST", "static/staticfiles.json");
        let r = t.fails(&[needle, "page 502.html"]);
        assert!(!r.stderr.contains("SECRET"));
        assert_eq!(t.read("out/502.html"), "x");
    }
    // In self-contained mode a URL in the page that climbs out is refused too.
    let t = t
        .file("templates/page.html", "<img src=\"/static/../secret.txt\">")
        .env("DOWNPAGE_SELF_CONTAINED", "1");
    t.fails(&["page 502.html (DOWNPAGE_PAGES entry 1): DOWNPAGE_SELF_CONTAINED: inlining <img ...> in the page: URL \"/static/../secret.txt\" climbs out of the static root"]);
    let t = t.file("templates/page.html", "<img src=\"link.txt\">");
    t.fails(&["is a symlink to", "outside DOWNPAGE_STATIC_ROOT"]);
    assert_eq!(t.read("out/502.html"), "x");
}

#[test]
fn oversize_page_fails_naming_page_and_size() {
    let t = django("oversize");
    t.ok();
    let before = t.read("out/502.html");
    let t = t
        .env("DOWNPAGE_SELF_CONTAINED", "true")
        .env("DOWNPAGE_MAX_PAGE_BYTES", "0.5k");
    let r = t.fails(&[
        "page 502.html (DOWNPAGE_PAGES entry 1) is ",
        "bytes, more than DOWNPAGE_MAX_PAGE_BYTES=512",
    ]);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
    assert_eq!(t.read("out/502.html"), before);
    assert_eq!(t.files("out"), ["502.html"]);
    t.env("DOWNPAGE_MAX_PAGE_BYTES", "1m").ok();
}

#[test]
fn static_root_must_exist_and_check_mode_reads_assets_too() {
    let t = django("root").env("DOWNPAGE_STATIC_ROOT", "nowhere");
    t.fails(&["DOWNPAGE_STATIC_ROOT folder nowhere cannot be read"]);
    let t = t.env("DOWNPAGE_STATIC_ROOT", "static/staticfiles.json");
    t.fails(&["is a file, not a folder"]);
    let t = t
        .env("DOWNPAGE_STATIC_ROOT", "static")
        .file("templates/page.html", "{{ inline(path='css/gone.css') }}")
        .arg("check");
    t.fails(&["static file \"css/gone.css\" is not in the Django staticfiles.json"]);
    assert!(t.files("out").is_empty());
}

#[test]
fn warnings_come_back_in_the_run_outcome_before_the_summary() {
    // Nothing below `main` prints: `run` hands the warnings back for it (and tests) to see.
    let t = django("outcome").file(
        "templates/page.html",
        "<style>{{ inline(path='css/site.css') }}</style>",
    );
    let abs = |rel: &str| t.path(rel).display().to_string();
    let env = [
        ("DOWNPAGE_TEMPLATE_DIR", abs("templates")),
        ("DOWNPAGE_STATIC_ROOT", abs("static")),
        ("DOWNPAGE_OUTPUT_DIR", abs("out")),
        ("DOWNPAGE_PAGES", "502.html=page.html".to_string()),
    ];
    let outcome = downpage::run(&[], env.map(|(k, v)| (k.into(), v.into()))).unwrap();
    let downpage::Outcome::Log(lines) = outcome else {
        panic!("a render logs, it prints nothing: {outcome:?}");
    };
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(
        lines[0],
        "downpage: warning: inlined style sheets: 1 external URL left as it is (the page needs the network for it): https://cdn.example.com/x.png"
    );
    assert!(lines[1].starts_with("downpage: wrote 1 page "), "{lines:?}");
}
