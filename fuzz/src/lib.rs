//! Fuzz harnesses: one function per input surface, each taking raw bytes and checking that
//! downpage answers with a value or a clean error, never a panic, a hang or a stack overflow.
//! The libFuzzer targets in `fuzz_targets/` call these, and `tests/fuzz_corpus.rs` replays
//! the committed seeds and every crash ever found through the same functions on stable.

use std::path::PathBuf;
use std::sync::OnceLock;

use downpage::Config;
use downpage::internal::config::PageSource;
use downpage::internal::template_dirs::Source;
use downpage::internal::templates::Engine;
use downpage::internal::{pages, plan, render, safe_path, template_loops};

/// A harness: raw bytes in, a panic on any broken promise.
pub type Harness = fn(&[u8]);

/// The input surfaces, by the name of their fuzz target and seed folder.
pub const TARGETS: &[(&str, Harness)] = &[
    ("pages", pages_list),
    ("dest", dest),
    ("config", config),
    ("template", template),
    ("manifest", manifest),
    ("html", html),
    ("url", url),
    ("inline", inline),
    ("gettext", gettext),
    ("django", django),
    ("jinja2", jinja2),
];

/// Django templates (`DOWNPAGE_SYNTAX=django`): the input split on NUL is `e.html`, then
/// `a.html`, `b.html`… (so extends and includes meet each other), rendered leniently and
/// strictly with a small context: a text or a one-line error, never a panic or a stack
/// overflow.
pub fn django(data: &[u8]) {
    use downpage::internal::dialect::{self, NullTranslations, Options, Syntax};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let names = ["e.html", "a.html", "b.html", "c.html"];
    let sources: Vec<(String, String)> = text
        .split('\0')
        .zip(names)
        .map(|(t, n)| (n.to_string(), t.to_string()))
        .collect();
    let context: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
        r#"{"a": [1, "x", {"b": "<i>"}], "n": 3, "s": "it's", "d": {"k": [2.5, null, true]}}"#,
    )
    .unwrap();
    for strict in [false, true] {
        let options = Options {
            urls: [("home".to_string(), "/".to_string())]
                .into_iter()
                .collect(),
            strict,
            static_url: "/static/".into(),
            static_names: None,
            lang: "en".into(),
            lang_name: "English".into(),
            languages: Vec::new(),
            now: 946_684_800,
            translations: std::sync::Arc::new(NullTranslations),
        };
        let engine = dialect::engine(Syntax::Django, sources.clone(), options).unwrap();
        if let Err(e) = engine.render("e.html", &context) {
            let msg = format!("{e:#}");
            assert!(!msg.contains('\n'), "multi-line error: {msg}");
        }
    }
}

/// `DOWNPAGE_PAGES` / `DOWNPAGE_PAGES_FILE` text → page specs, and every destination through
/// the path check.
pub fn pages_list(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(specs) = pages::parse(text, "DOWNPAGE_PAGES") {
        for spec in specs {
            check_one_dest(&spec.dest);
        }
    }
}

/// A destination path: refused, or normalised to something that stays inside the folder.
pub fn dest(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        check_one_dest(text);
    }
}

fn check_one_dest(dest: &str) {
    let Ok(clean) = safe_path::check_dest(dest) else {
        return;
    };
    assert!(!clean.is_empty(), "{dest:?} → empty");
    assert!(!clean.starts_with('/'), "{dest:?} → absolute {clean:?}");
    assert!(
        !clean.contains('\0') && !clean.contains('\\'),
        "{dest:?} → {clean:?}"
    );
    assert!(
        clean.len() <= safe_path::MAX_DEST_BYTES,
        "{dest:?} too long"
    );
    for part in clean.split('/') {
        assert!(
            !matches!(part, "" | "." | "..") && !part.starts_with(safe_path::TEMP_PREFIX),
            "{dest:?} → {clean:?} has part {part:?}"
        );
    }
    assert_eq!(
        safe_path::check_dest(&clean).ok().as_deref(),
        Some(clean.as_str()),
        "normalising {dest:?} is not idempotent"
    );
}

/// Variables fed to `Config::from_vars`, separated by NUL: `DOWNPAGE_CONTEXT`,
/// `DOWNPAGE_PAGES`, `DOWNPAGE_CODES`, `DOWNPAGE_FORMATS`, `DOWNPAGE_VAR_SITE_NAME`, then any
/// `NAME=VALUE` (prefixed with `DOWNPAGE_`). A valid configuration is planned and rendered
/// with the built-in templates, in memory.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    const FIXED: &[&str] = &[
        "DOWNPAGE_CONTEXT",
        "DOWNPAGE_PAGES",
        "DOWNPAGE_CODES",
        "DOWNPAGE_FORMATS",
        "DOWNPAGE_VAR_SITE_NAME",
    ];
    let mut vars = Vec::new();
    for (i, part) in text.split('\0').enumerate() {
        match FIXED.get(i) {
            Some(name) if !part.is_empty() => vars.push((name.to_string(), part.to_string())),
            Some(_) => {}
            None => {
                let (k, v) = part.split_once('=').unwrap_or((part, ""));
                vars.push((format!("DOWNPAGE_{k}"), v.to_string()));
            }
        }
    }
    let Ok(config) = Config::from_vars(vars) else {
        return;
    };
    let specs = match &config.pages {
        PageSource::Inline(text) => match pages::parse(text, "DOWNPAGE_PAGES") {
            Ok(specs) => specs,
            Err(_) => return,
        },
        _ => Vec::new(),
    };
    let engine = site_engine();
    let Ok(plan) = plan::plan(&config, specs, "DOWNPAGE_PAGES", engine) else {
        return;
    };
    for page in &plan.pages {
        check_one_dest(&page.dest);
        let _ = render::render(engine, page);
    }
}

/// Templates a fuzzed page list can name (compiled once: compiling is the slow part).
fn site_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let sources = [
            (
                "page.html",
                "<h1>{{ title | default(value=\"x\") }}</h1>{{ site_name | default(value=\"\") }}",
            ),
            (
                "raw.txt",
                "{{ code | default(value=0) }} {{ message | default(value=\"\") }}",
            ),
        ]
        .iter()
        .map(|(name, text)| Source {
            name: name.to_string(),
            path: PathBuf::from(name),
            text: text.to_string(),
        })
        .collect();
        Engine::standalone(sources, Vec::new()).expect("the fuzz site compiles")
    })
}

/// Template sources, separated by NUL, named `a.html`, `b.html`, … (so includes, imports and
/// extends between them can be found): compiled and checked for loops as `Engine::new` does
/// (without the built-ins, whose compiling would dominate every run), then each rendered.
pub fn template(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Unclosed calls make Tera's parser backtrack exponentially (minutes for 150 bytes):
    // downpage stops such a parse after a time limit (parse_guard, tested in
    // tests/hostile.rs); here they would only be reported as slow units.
    if text.matches('(').count() > text.matches(')').count() + 3 {
        return;
    }
    let sources: Vec<(String, &str)> = text
        .split('\0')
        .take(6)
        .enumerate()
        .map(|(i, text)| (format!("{}.html", (b'a' + i as u8) as char), text))
        .collect();
    let mut tera = tera::Tera::default();
    if tera
        .add_raw_templates(sources.iter().map(|(n, t)| (n.as_str(), *t)))
        .is_err()
        || template_loops::check(&tera).is_err()
    {
        return;
    }
    let context = serde_json::json!({
        "code": 502, "title": "Bad <Gateway>", "site_name": "\"Shop\" & 'Co'",
        "items": [1, 2, {"a": [3]}], "nested": {"x": {"y": "z"}}, "n": 3
    });
    let context = tera::Context::from_value(context).expect("an object");
    for (name, _) in &sources {
        let _ = tera.render(name, &context);
    }
}

/// A static-asset manifest (Django, Vite, Sprockets, Propshaft or flat): parsed or refused,
/// and every entry of a parsed one looked up.
pub fn manifest(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(m) = downpage::internal::assets::manifest::parse(text, std::path::Path::new("m.json"))
    {
        for name in m.names() {
            assert!(m.get(name).is_some(), "{name} listed but not found");
        }
    }
}

/// The HTML tokenizer: joining the tokens' raw texts gives the input back, byte for byte.
pub fn html(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        assert_eq!(
            downpage::internal::self_contained::html::roundtrip(text),
            text
        );
    }
}

/// A URL in a page or style sheet (`url NUL base_dir`): a local file it points at never
/// climbs out of the static root.
pub fn url(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (url, base) = text.split_once('\0').unwrap_or((text, ""));
    // The folder of a style sheet is always a normalised path inside the root (from an
    // earlier `locate`): a base with `..` or `.` parts cannot occur (the first crash found
    // here was this harness's, fuzz/regressions/url/).
    if base.split('/').any(|p| matches!(p, "." | "..")) {
        return;
    }
    if let Ok(downpage::internal::assets::url::Located::Local { path, .. }) =
        downpage::internal::assets::url::locate(url, base, "/static/")
    {
        assert!(!path.starts_with('/'), "{url:?} → {path:?}");
        for part in path.split('/') {
            assert!(!matches!(part, "" | "." | ".."), "{url:?} → {path:?}");
        }
    }
}

/// An in-memory static root for [`inline`]: style sheets that import each other (and
/// themselves), an image, a script.
struct Memory(std::collections::BTreeMap<&'static str, &'static [u8]>);

impl downpage::internal::self_contained::inline::Reader for Memory {
    fn read(&self, rel: &str) -> anyhow::Result<std::sync::Arc<Vec<u8>>> {
        self.0
            .get(rel)
            .map(|b| std::sync::Arc::new(b.to_vec()))
            .ok_or_else(|| anyhow::anyhow!("static file {rel} not found"))
    }
    fn external(&self, _url: &str) {}
}

/// A rendered page through the self-contained inliner, against [`Memory`].
pub fn inline(data: &[u8]) {
    let Ok(page) = std::str::from_utf8(data) else {
        return;
    };
    let memory = Memory(
        [
            (
                "css/site.css",
                &b"@import \"parts/a.css\";body{background:url(../img/x.png)}"[..],
            ),
            (
                "css/parts/a.css",
                b"@import \"a.css\";h1{background:url('../../img/x.png#f')}",
            ),
            ("img/x.png", b"\x89PNG\r\n"),
            ("js/app.js", b"console.log('</script>')"),
        ]
        .into_iter()
        .collect(),
    );
    let inliner = downpage::internal::self_contained::inline::Inliner {
        static_url: "/static/",
        reader: &memory,
    };
    let _ = downpage::internal::self_contained::page::inline_page(page, &inliner);
}

/// A gettext catalog or plural expression, by the first byte: `p` a `.po`, `m` a `.mo`,
/// anything else a `Plural-Forms` expression. Parsed or refused; a parsed catalog answers
/// every lookup of its own messages, and an expression is evaluated for small and huge `n`.
pub fn gettext(data: &[u8]) {
    use downpage::internal::gettext::{Chain, Translations, mo, plural::Plural, po};
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let catalog = match kind {
        b'p' => po::parse(rest, "fuzz.po"),
        b'm' => mo::parse(rest, "fuzz.mo"),
        _ => {
            if let Ok(p) = Plural::parse(&String::from_utf8_lossy(rest)) {
                for n in (0..64).chain([u64::MAX / 2, u64::MAX]) {
                    let _ = p.index(n);
                }
            }
            return;
        }
    };
    let Ok(catalog) = catalog else { return };
    let keys: Vec<(String, bool)> = catalog
        .messages()
        .map(|(k, plural, _)| (k.to_string(), plural))
        .collect();
    let chain = Chain::new(vec![std::sync::Arc::new(catalog)]);
    for (key, plural) in keys {
        let (ctx, id) = match key.split_once('\u{4}') {
            Some((c, i)) => (Some(c), i),
            None => (None, key.as_str()),
        };
        if plural {
            for n in [0, 1, 2, 5, 11, 101, u64::MAX] {
                let _ = chain.ngettext(ctx, id, "x", n);
            }
        } else {
            assert!(
                chain.gettext(ctx, id).is_some(),
                "{key:?} listed but not found"
            );
        }
    }
}

/// Site templates in `DOWNPAGE_SYNTAX=jinja2`: up to six templates split at NUL bytes, each
/// rendered, leniently and strictly: a page or a one-line error, never a panic or an overflow.
pub fn jinja2(data: &[u8]) {
    use downpage::internal::dialect::{self, NullTranslations, Options, Syntax};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let sources: Vec<(String, String)> = text
        .split('\0')
        .take(6)
        .zip(["a.html", "b.html", "c.html", "d.html", "e.html", "f.html"])
        .map(|(t, n)| (n.to_string(), t.to_string()))
        .collect();
    let context: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
        r#"{"code": 502, "title": "Bad <Gateway>", "items": [1, 2, {"a": [3]}], "n": 3}"#,
    )
    .unwrap();
    for strict in [false, true] {
        let options = Options {
            urls: [("home".to_string(), "/".to_string())]
                .into_iter()
                .collect(),
            strict,
            static_url: "/static/".into(),
            static_names: None,
            lang: "en".into(),
            lang_name: "English".into(),
            languages: Vec::new(),
            now: 946_684_800,
            translations: std::sync::Arc::new(NullTranslations),
        };
        let engine = dialect::engine(Syntax::Jinja2, sources.clone(), options).unwrap();
        for (name, _) in &sources {
            if let Err(e) = engine.render(name, &context) {
                let msg = format!("{e:#}");
                assert!(!msg.contains('\n'), "multi-line error: {msg}");
            }
        }
    }
}
