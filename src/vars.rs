//! The `DOWNPAGE_*` variables: one table, declared once with [`variables!`], that makes the
//! [`Raw`] struct the environment is parsed into, `--help`, the unknown-variable check and
//! the README's table, so none can drift from another.

/// One documented environment variable.
#[derive(Debug, Clone, Copy)]
pub struct Var {
    /// Full name, e.g. `DOWNPAGE_OUTPUT_DIR`.
    pub name: &'static str,
    /// The field of [`Raw`] it fills.
    pub field: &'static str,
    /// What happens when it is unset.
    pub default: &'static str,
    /// One sentence for people.
    pub meaning: &'static str,
}

/// Prefix of every variable downpage reads (besides `SOURCE_DATE_EPOCH`).
pub const PREFIX: &str = "DOWNPAGE_";

/// Prefix of the free-form string variables put into every page's context.
pub const VAR_PREFIX: &str = "DOWNPAGE_VAR_";

/// Declares every variable once: the field of [`Raw`] it fills and its row of [`VARS`]. A
/// row without a field cannot be written.
macro_rules! variables {
    ($(
        $(#[$attr:meta])*
        $field:ident: $ty:ty = $name:literal,
        default: $default:literal,
        meaning: $meaning:literal;
    )*) => {
        /// The environment as given: one field per variable, its text, nothing checked yet.
        /// envy fills the fields from the names without `DOWNPAGE_`, lower-cased;
        /// `template_vars` is filled from the `DOWNPAGE_VAR_*` names.
        #[derive(Debug, Default, serde::Deserialize)]
        pub struct Raw {
            $( $(#[$attr])* pub $field: $ty, )*
        }

        /// Every variable, in the order `--help` and the README list them.
        pub const VARS: &[Var] = &[
            $( Var { name: $name, field: stringify!($field), default: $default, meaning: $meaning }, )*
        ];
    };
}

variables! {
    output_dir: Option<String> = "DOWNPAGE_OUTPUT_DIR",
        default: "`pages` (none when only `DOWNPAGE_TARBALL` is set)",
        meaning: "Folder the pages are written to; created when missing. Pages are replaced atomically (temporary file + rename).";
    template_dir: Option<String> = "DOWNPAGE_TEMPLATE_DIR",
        default: "(none: built-in templates only)",
        meaning: "The site's template folder(s), `:`-separated, searched in order like Django's `DIRS`; templates are named by their path inside the folder.";
    pages: Option<String> = "DOWNPAGE_PAGES",
        default: "(none)",
        meaning: "Pages to build: a JSON array of `[DEST, TEMPLATE]`, `[DEST, TEMPLATE, {context}]` or `{\"dest\", \"template\", \"context\"}` items, or compact `DEST=TEMPLATE` entries separated by commas or newlines.";
    pages_file: Option<String> = "DOWNPAGE_PAGES_FILE",
        default: "(none)",
        meaning: "A file holding the page list in either form (for long lists or a mounted ConfigMap); not together with `DOWNPAGE_PAGES`.";
    context: Option<String> = "DOWNPAGE_CONTEXT",
        default: "`{}`",
        meaning: "JSON object of extra context for every page; a page's own context wins over it.";
    #[serde(skip)]
    template_vars: serde_json::Map<String, serde_json::Value> = "DOWNPAGE_VAR_<NAME>",
        default: "(none)",
        meaning: "One string variable `<name>` (lower-cased) in every page's context, e.g. `DOWNPAGE_VAR_SITE_NAME=Example` gives `site_name`.";
    codes: Option<String> = "DOWNPAGE_CODES",
        default: "`500,502,503,504` when `DOWNPAGE_PAGES` is unset",
        meaning: "Status codes to build from the built-in pages, comma-separated; written as `<code>.html` (and the other `DOWNPAGE_FORMATS`). The item `maintenance` adds the maintenance page `maintenance.html` (a 503 whose words come from `DOWNPAGE_VAR_MAINTENANCE_*`).";
    formats: Option<String> = "DOWNPAGE_FORMATS",
        default: "`html`",
        meaning: "Variants of each built-in code page, comma-separated: `html` (`<code>.html`), `json` (`<code>.json`, for API clients) and `txt` (`<code>.txt`, plain text).";
    layout: Option<String> = "DOWNPAGE_LAYOUT",
        default: "`flat`",
        meaning: "`ingress-nginx`: lay the code pages out for the ingress-nginx custom error backend (mount the folder at its `/www`): `<code>.html` and `<code>.json` for every code, plus the `4xx` and `5xx` fallbacks it reads for codes without a page. With `DOWNPAGE_LANGS`, in every language folder and once more at the top in the first language (the stock backend reads only the top).";
    gzip: Option<String> = "DOWNPAGE_GZIP",
        default: "`false`",
        meaning: "`true`: also write a gzip copy `<page>.gz` beside every page (for nginx `gzip_static`), reproducible like the pages.";
    index: Option<String> = "DOWNPAGE_INDEX",
        default: "`false`",
        meaning: "`true`: also write `downpage.json`, listing every file written (pages and `.gz` copies) with its size and SHA-256, for checking an upload.";
    tarball: Option<String> = "DOWNPAGE_TARBALL",
        default: "(none)",
        meaning: "Also write every file into a reproducible `.tar.gz` at this path (replaced atomically), or to stdout with `-` (`docker run … > pages.tar.gz`); with `DOWNPAGE_OUTPUT_DIR` unset, only the tarball is written.";
    source_date_epoch: Option<String> = "SOURCE_DATE_EPOCH",
        default: "`946684800` (2000-01-01)",
        meaning: "The time of every entry in the tarball, in seconds since 1970 (the reproducible-builds standard variable, e.g. `$(git log -1 --format=%ct)`).";
    nginx_conf: Option<String> = "DOWNPAGE_NGINX_CONF",
        default: "(none)",
        meaning: "Write an nginx snippet to this path, for `include` inside a `server {}`: `error_page <code> /<page>;` and an `internal` location for every page with a known status code (plus `gzip_static on;` with `DOWNPAGE_GZIP`).";
    nginx_root: Option<String> = "DOWNPAGE_NGINX_ROOT",
        default: "the output folder, made absolute",
        meaning: "The folder where nginx sees the pages (often another mount path than downpage's), used as `root` in the snippet; an absolute path.";
    targets: Option<String> = "DOWNPAGE_TARGETS",
        default: "(none: the pages only)",
        meaning: "Delivery platforms to write configuration for, comma-separated: `nginx` (`nginx.conf`; with `DOWNPAGE_LANGS` also `nginx-lang.conf`, the language choice alone), `ingress-nginx` (the `DOWNPAGE_LAYOUT=ingress-nginx` layout and `ingress-nginx.conf`, an nginx server in place of its error backend), `envoy-gateway` (`envoy-gateway.yaml`), `haproxy` (`haproxy.cfg`, `haproxy/<code>.http`), `traefik` (`traefik.yaml`), `caddy` (`Caddyfile`), `apache` (`apache.conf`), `cloudflare` (`cloudflare/<code>.html`); every page is checked against each target's size budget before anything is written. See docs/targets.md.";
    serve_root: Option<String> = "DOWNPAGE_SERVE_ROOT",
        default: "`DOWNPAGE_NGINX_ROOT`, else the output folder, made absolute",
        meaning: "The folder where the server sees the pages, written into the `nginx`, `ingress-nginx`, `haproxy`, `caddy` and `apache` configurations (and the `DOWNPAGE_NGINX_CONF` snippet); wins over `DOWNPAGE_NGINX_ROOT`. An absolute path of letters, digits and `/ . _ - ~ + @ , =`.";
    envoy_gateway: Option<String> = "DOWNPAGE_ENVOY_GATEWAY",
        default: "(none; required with `envoy-gateway`)",
        meaning: "The Gateway the Envoy Gateway `BackendTrafficPolicy` targets, as `namespace/name`, e.g. `default/eg`; the policy and its ConfigMaps go into that namespace.";
    envoy_gateway_version: Option<String> = "DOWNPAGE_ENVOY_GATEWAY_VERSION",
        default: "`1.9`",
        meaning: "The Envoy Gateway release the policy is for; `1.6` and older also limit each page to 4096 bytes (with every `%` counted twice, as `%%`).";
    haproxy_bufsize: Option<String> = "DOWNPAGE_HAPROXY_BUFSIZE",
        default: "`16384`",
        meaning: "HAProxy's `tune.bufsize`: each `haproxy/<code>.http` (headers and page) must fit in it less 256 bytes for HAProxy's own overhead.";
    traefik_status: Option<String> = "DOWNPAGE_TRAEFIK_STATUS",
        default: "`500-599`",
        meaning: "The status range of the Traefik `errors` middleware, within 400-599; every code in it gets a file `<code>.html` (a code without a page gets a copy of the `4xx.html`/`5xx.html` class page, which is written too).";
    traefik_pages_url: Option<String> = "DOWNPAGE_TRAEFIK_PAGES_URL",
        default: "(none: define the service yourself)",
        meaning: "The URL of the file server that serves the pages to Traefik, e.g. `http://downpage-pages:80`; when set, `traefik.yaml` also defines the `downpage-pages` service.";
    cloudflare_inline: Option<String> = "DOWNPAGE_CLOUDFLARE_INLINE",
        default: "`false`",
        meaning: "`true`: the Cloudflare pages go inline into a Custom Errors rule, so each must stay within 10,000 bytes (with the token).";
    watch: Option<String> = "DOWNPAGE_WATCH",
        default: "`false`",
        meaning: "`true`: render once, then keep running and re-render when an input changes (template folders, the page-list file, through ConfigMap `..data` swaps too); a failed re-render keeps the last good pages. SIGTERM or SIGINT stop it with status 0.";
    watch_interval: Option<String> = "DOWNPAGE_WATCH_INTERVAL",
        default: "`2s`",
        meaning: "How often watch mode looks at its inputs: seconds (`2`, `0.5`) or milliseconds (`500ms`), 10ms to 86400s. Each look lists the template folders and stats every input file (about 0.26 ms of CPU for 40 templates, so about 10 ms per idle minute at 2s).";
    ready_file: Option<String> = "DOWNPAGE_READY_FILE",
        default: "(none)",
        meaning: "A JSON state file, removed at start, written (atomically) after the first successful render and after every later attempt; `downpage health` reads it. Keep it outside the output folder, e.g. `/tmp/downpage-ready`.";
    log_format: Option<String> = "DOWNPAGE_LOG_FORMAT",
        default: "`text`",
        meaning: "`text`: one `downpage: ...` line per run or re-render; `json`: one JSON object per line (`level`, `event`, `msg` and counts), errors too, for log pipelines.";
    static_root: Option<String> = "DOWNPAGE_STATIC_ROOT",
        default: "(none)",
        meaning: "The folder your assets stage produced (Django's `STATIC_ROOT`, Vite's `dist`, Rails' `public/assets`); `inline()`, `data_uri()` and `DOWNPAGE_SELF_CONTAINED` read files only inside it.";
    static_url: Option<String> = "DOWNPAGE_STATIC_URL",
        default: "`/static/`",
        meaning: "URL prefix the site serves `DOWNPAGE_STATIC_ROOT` under (Django's `STATIC_URL`, Vite's `base`); `static()` puts it before the hashed name.";
    static_manifest: Option<String> = "DOWNPAGE_STATIC_MANIFEST",
        default: "found in `DOWNPAGE_STATIC_ROOT`",
        meaning: "The asset manifest mapping names to hashed names: Django/WhiteNoise `staticfiles.json`, Vite `manifest.json`, or a flat map (webpack, Propshaft, Sprockets); when unset the first of `staticfiles.json`, `.vite/manifest.json`, `manifest.json`, `.manifest.json`, `assets-manifest.json`, `.sprockets-manifest-*.json` in the static root is used.";
    self_contained: Option<String> = "DOWNPAGE_SELF_CONTAINED",
        default: "`false`",
        meaning: "`true`: after rendering, inline every local stylesheet, script, image and icon of each HTML page (CSS `url(...)`s become `data:` URIs), so the page needs no other request; external URLs are left alone and listed in a warning.";
    max_page_bytes: Option<String> = "DOWNPAGE_MAX_PAGE_BYTES",
        default: "(no limit)",
        meaning: "Fail, naming the page and its size, when a page is larger: bytes, or with a `k`/`m` suffix (1024s), e.g. `1400k` for Cloudflare's custom pages (about 1.43 MB with what they load); `DOWNPAGE_TARGETS` checks HAProxy's, Envoy Gateway's and Cloudflare's inline budgets exactly.";
    lang: Option<String> = "DOWNPAGE_LANG",
        default: "`en`",
        meaning: "Language of the built-in pages (and of the catalog words and `t` labels given to `DOWNPAGE_PAGES` pages), e.g. `de`; sets `<html lang>` (and `dir=\"rtl\"` for `ar`, `he`). `de_AT`, `de-at` and `de-AT` are one language; a regional form uses the nearest built-in one. Built in: see [docs/languages.md](languages.md).";
    langs: Option<String> = "DOWNPAGE_LANGS",
        default: "(none)",
        meaning: "Instead of `DOWNPAGE_LANG`: one folder of built-in pages per language, comma-separated, e.g. `en,de,fr` writes `en/502.html`, `de/502.html`, `fr/502.html` (folders in Django's spelling: `de_AT` writes `de-at/`); the first is the fallback. The pages of `DOWNPAGE_PAGES` are rendered once per language into the folders too (none at the top). A language the built-in theme lacks (`fi`) needs the site's catalogs for it: see [docs/translations.md](translations.md#a-language-only-the-site-translates). The nginx snippet serves the one the visitor's `Accept-Language` prefers.";
    locale_dir: Option<String> = "DOWNPAGE_LOCALE_DIR",
        default: "(none)",
        meaning: "The site's gettext catalogs for `{% trans %}`, `_()`, `ngettext`…: folder(s), `:`-separated, searched in order like Django's `LOCALE_PATHS` (for each message the first folder that translates it wins), each holding `<lang>/LC_MESSAGES/<domain>.mo` or `.po` (`.mo` wins). See docs/translations.md.";
    locale_domain: Option<String> = "DOWNPAGE_LOCALE_DOMAIN",
        default: "`django` for Django templates, `messages` for Jinja2",
        meaning: "The catalog file name in `DOWNPAGE_LOCALE_DIR`, without `.mo` (django-jinja projects set `django`).";
    syntax: Option<String> = "DOWNPAGE_SYNTAX",
        default: "`tera`",
        meaning: "The language of the site's templates: `tera`, `django` (Django 5.2's template language) or `jinja2` (Jinja2 3.1); the built-in theme's `downpage/…` templates stay Tera. See docs/dialects.md for what is supported and what is stubbed.";
    urls: Option<String> = "DOWNPAGE_URLS",
        default: "`{}`",
        meaning: "JSON object of URL name -> path for Django's `{% url %}`, Flask's `url_for()` and django-jinja's `url()`, e.g. `{\"home\": \"/\", \"accounts:login\": \"/accounts/login/\"}`; arguments are ignored, a name not in it gives `#` (and a warning).";
    strict: Option<String> = "DOWNPAGE_STRICT",
        default: "`false`",
        meaning: "`true`: with `DOWNPAGE_SYNTAX=django|jinja2`, every stub (unknown library, tag, filter, test or function, URL name missing from `DOWNPAGE_URLS`) is an error naming it, its template and line, instead of a warning.";
}

/// Markdown table of [`VARS`]; the README contains exactly this (a test checks it).
pub fn markdown_table() -> String {
    let mut out = String::from("| variable | default | meaning |\n|---|---|---|\n");
    for v in VARS {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            v.name, v.default, v.meaning
        ));
    }
    out
}

/// `--help` text: usage and every variable with its default and meaning.
pub fn help_text() -> String {
    let mut out = format!(
        "downpage {} — render static error pages from Tera templates\n\n\
         usage: downpage            render the pages (configured by the environment)\n       \
         downpage check      render everything in memory, write nothing; exit status says if it would succeed\n       \
         downpage health     exit 0 when DOWNPAGE_READY_FILE says the first render happened and the last one succeeded (a probe)\n       \
         downpage --help     this text\n       \
         downpage --version  the version\n\n\
         environment:\n",
        env!("CARGO_PKG_VERSION")
    );
    for v in VARS {
        let default = v.default.replace('`', "");
        let meaning = v.meaning.replace('`', "");
        out.push_str(&format!(
            "  {}\n      {meaning}\n      default: {default}\n",
            v.name
        ));
    }
    out
}

/// Whether `name` (a `DOWNPAGE_*` variable) is one downpage reads.
pub fn is_known(name: &str) -> bool {
    name.starts_with(VAR_PREFIX) || VARS.iter().any(|v| v.name == name)
}

/// The key envy reads `name` under: the name without `DOWNPAGE_`, as envy lower-cases it
/// onto the field of the same name.
pub fn envy_key(name: &str) -> &str {
    name.strip_prefix(PREFIX).unwrap_or(name)
}

/// Kubernetes injects service-link variables into every pod of a namespace for each Service;
/// for a Service named `downpage` they are exactly `DOWNPAGE_SERVICE_HOST`,
/// `DOWNPAGE_SERVICE_PORT`, `DOWNPAGE_SERVICE_PORT_<NAME>`, `DOWNPAGE_PORT` and
/// `DOWNPAGE_PORT_<N>_<PROTO>[_PROTO|_PORT|_ADDR]`. They must never break a run; any other
/// name (`DOWNPAGE_VAR_PORT`, a typo like `DOWNPAGE_OUTPUT_PORT`) is not one of them.
pub fn is_service_link(name: &str) -> bool {
    let Some(rest) = name.strip_prefix(PREFIX) else {
        return false;
    };
    if matches!(rest, "SERVICE_HOST" | "SERVICE_PORT" | "PORT") {
        return true;
    }
    if let Some(port_name) = rest.strip_prefix("SERVICE_PORT_") {
        return !port_name.is_empty();
    }
    let Some(port) = rest.strip_prefix("PORT_") else {
        return false;
    };
    let parts: Vec<&str> = port.split('_').collect();
    let numeric = !parts[0].is_empty() && parts[0].bytes().all(|b| b.is_ascii_digit());
    let proto = parts
        .get(1)
        .is_some_and(|p| matches!(*p, "TCP" | "UDP" | "SCTP"));
    let suffix =
        parts.len() == 2 || (parts.len() == 3 && matches!(parts[2], "PROTO" | "PORT" | "ADDR"));
    numeric && proto && suffix
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_links_are_recognised() {
        for name in [
            "DOWNPAGE_SERVICE_HOST",
            "DOWNPAGE_SERVICE_PORT",
            "DOWNPAGE_SERVICE_PORT_HTTP",
            "DOWNPAGE_PORT",
            "DOWNPAGE_PORT_80_TCP",
            "DOWNPAGE_PORT_80_TCP_ADDR",
            "DOWNPAGE_PORT_80_TCP_PORT",
            "DOWNPAGE_PORT_80_TCP_PROTO",
            "DOWNPAGE_PORT_53_UDP",
        ] {
            assert!(is_service_link(name), "{name}");
        }
        for name in [
            "DOWNPAGE_PAGE",
            "DOWNPAGE_OUTPUT",
            "DOWNPAGE_PORTS",
            "DOWNPAGE_SERVICE",
            // Issue 16: services named downpage-pages or downpage-errors are not ours to
            // guess at, and template variables are never service links.
            "DOWNPAGE_PAGES_SERVICE_HOST",
            "DOWNPAGE_ERRORS_PORT_443_TCP",
            "DOWNPAGE_VAR_PORT",
            "DOWNPAGE_VAR_HTTP_PORT",
            "DOWNPAGE_VAR_X_SERVICE_HOST",
            "DOWNPAGE_OUTPUT_PORT",
            "DOWNPAGE_PORT_80",
            "DOWNPAGE_PORT_80_TCP_HOST",
            "DOWNPAGE_SERVICE_PORT_",
        ] {
            assert!(!is_service_link(name), "{name}");
        }
    }

    #[test]
    fn envy_fills_the_field_of_every_variable() {
        // What envy does with each name (lower-cases the key) lands on the row's field.
        for v in VARS.iter().filter(|v| !v.name.contains('<')) {
            assert_eq!(envy_key(v.name).to_lowercase(), v.field, "{}", v.name);
        }
        let every: Vec<(String, String)> = VARS
            .iter()
            .filter(|v| !v.name.contains('<'))
            .map(|v| (envy_key(v.name).to_string(), format!("value of {}", v.name)))
            .collect();
        let raw: Raw = envy::from_iter(every).unwrap();
        let text = format!("{raw:?}");
        for v in VARS.iter().filter(|v| !v.name.contains('<')) {
            assert!(
                text.contains(&format!("value of {}", v.name)),
                "{} not read",
                v.name
            );
        }
        assert!(is_known("DOWNPAGE_VAR_SITE_NAME") && is_known("DOWNPAGE_OUTPUT_DIR"));
        assert!(!is_known("DOWNPAGE_OUTPUTDIR"));
    }
}
