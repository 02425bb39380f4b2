//! Snapshots of every built-in page people read: the default codes and the maintenance
//! page, in every format (html, json, txt) and every built-in language, byte for byte
//! (`tests/snapshots/pages/<lang>__<page>.snap`). A change to the theme, a word of a catalog
//! or a new language fails here until the new pages are reviewed in the diff:
//! `INSTA_UPDATE=always cargo test --test integration builtin_pages`, then
//! `git diff tests/snapshots`.

use std::fs;
use std::path::Path;

use crate::support::Test;

/// The built-in languages, from the catalog folder, so a new one is snapshotted too.
fn languages() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/builtin/catalog");
    let mut langs: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".json").map(str::to_owned)
        })
        .collect();
    langs.sort();
    // The first language is the fallback; English first, as the README's examples do.
    let en = langs
        .iter()
        .position(|l| l == "en")
        .expect("an English catalog");
    let en = langs.remove(en);
    langs.insert(0, en);
    langs
}

#[test]
fn every_builtin_page_in_every_format_and_language() {
    let langs = languages();
    assert!(
        langs.len() >= 20,
        "fewer built-in languages than expected: {langs:?}"
    );
    let t = Test::new("builtin-pages")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .env("DOWNPAGE_LANGS", &langs.join(","))
        .env("DOWNPAGE_CODES", "500,502,503,504,maintenance")
        .env("DOWNPAGE_FORMATS", "html,json,txt");
    t.ok();
    let files = t.files("out");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/snapshots/pages"
    ));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    // A language's folder is Django's spelling of its tag: zh-Hans.json writes zh-hans/.
    let langs: Vec<String> = langs.iter().map(|l| l.to_ascii_lowercase()).collect();
    for lang in &langs {
        let pages: Vec<&String> = files
            .iter()
            .filter(|f| f.starts_with(&format!("{lang}/")))
            .collect();
        // 4 codes in 3 formats, and the maintenance page.
        assert!(pages.len() >= 13, "{lang}: only {pages:?}");
        for page in pages {
            let text = t.read(&format!("out/{page}"));
            settings.set_input_file(t.path(&format!("out/{page}")));
            settings.bind(|| insta::assert_snapshot!(page.replace('/', "__"), text));
        }
    }
    assert_eq!(
        files
            .iter()
            .filter(|f| !langs.iter().any(|l| f.starts_with(&format!("{l}/"))))
            .count(),
        0,
        "a page outside the language folders: {files:?}"
    );
}
