//! The one integration-test binary (as casey/just does it): every file below is a module of
//! it, so the tests link once. `Cargo.toml` sets `autotests = false` and names this file, so
//! a new `tests/<name>.rs` runs only once it is listed here (a test below checks that).

mod support;

mod assets;
mod builtin_pages;
mod cli;
mod delivery;
mod doc_links;
mod fuzz_corpus;
mod hostile;
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
