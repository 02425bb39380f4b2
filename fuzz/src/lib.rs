//! Fuzz harnesses: one function per input surface, each taking raw bytes and checking that
//! downpage answers with a value or a clean error, never a panic, a hang or a stack overflow.
//! The libFuzzer targets in `fuzz_targets/` call these, and `tests/fuzz_corpus.rs` replays
//! the committed seeds and every crash ever found through the same functions on stable.

use std::path::PathBuf;
use std::sync::OnceLock;

use downpage::config::{Config, PageSource};
use downpage::template_dirs::Source;
use downpage::templates::Engine;
use downpage::{pages, plan, render, safe_path, template_loops};

/// A harness: raw bytes in, a panic on any broken promise.
pub type Harness = fn(&[u8]);

/// The input surfaces, by the name of their fuzz target and seed folder.
pub const TARGETS: &[(&str, Harness)] = &[
    ("pages", pages_list),
    ("dest", dest),
    ("config", config),
    ("template", template),
];

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
        Engine::new(sources, Vec::new()).expect("the fuzz site compiles")
    })
}

/// Template sources, separated by NUL, named `a.html`, `b.html`, … (so includes, imports and
/// extends between them can be found): compiled and checked for loops as `Engine::new` does
/// (without the built-ins, whose compiling would dominate every run), then each rendered.
pub fn template(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
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
