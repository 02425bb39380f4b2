//! The one integration-test binary (as casey/just does it): every file below is a module of
//! it, so the tests link once. `Cargo.toml` sets `autotests = false` and names this file, so
//! a new `tests/<name>.rs` runs only once it is listed here (a test below checks that).

mod support;

mod assets;
mod builtin_pages;
mod cli;
mod delivery;
mod dialects;
mod dialects_jinja2;
mod doc_links;
mod fuzz_corpus;
mod hostile;
mod i18n;
mod targets;
mod watch;

/// With `autotests = false`, a test file that is not a module here would never run.
#[test]
fn every_test_file_is_a_module_of_this_binary() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let this = std::fs::read_to_string(dir.join("lib.rs")).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(module) = name.strip_suffix(".rs") else {
            continue;
        };
        if module == "lib" {
            continue;
        }
        assert!(
            this.contains(&format!("\nmod {module};\n")),
            "tests/{name} is not run: add `mod {module};` to tests/lib.rs"
        );
    }
}

/// insta never deletes a snapshot: one whose test was renamed or removed would linger
/// unchecked. Each error snapshot `<module>__<test>-<n>.snap` names a test that exists.
#[test]
fn every_error_snapshot_belongs_to_a_test() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut stale = Vec::new();
    for entry in std::fs::read_dir(root.join("snapshots/errors"))
        .unwrap()
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((module, test)) = name
            .strip_suffix(".snap")
            .and_then(|n| n.rsplit_once('-'))
            .and_then(|(n, _)| n.split_once("__"))
        else {
            stale.push(name);
            continue;
        };
        let source = std::fs::read_to_string(root.join(format!("{module}.rs"))).unwrap_or_default();
        if !source.contains(&format!("fn {test}()")) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "snapshots of no test (delete them): {stale:?}"
    );
}
