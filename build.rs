//! Build step: embeds every language file in `src/builtin/catalog/` (`<lang>.json`), so a
//! contributor adds a language by adding one file, without touching Rust. Writes
//! `$OUT_DIR/catalogs.rs`: `CATALOGS`, `(file stem, text)` pairs sorted by stem.

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

fn main() {
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("src/builtin/catalog");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<(String, String)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            println!("cargo:rerun-if-changed={}", path.display());
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            (stem, path.display().to_string())
        })
        .collect();
    files.sort();
    let mut out = String::from(
        "/// Every `src/builtin/catalog/<lang>.json`: (file stem, text), sorted.\npub const CATALOGS: &[(&str, &str)] = &[\n",
    );
    for (stem, path) in &files {
        writeln!(out, "    ({stem:?}, include_str!({path:?})),").unwrap();
    }
    out.push_str("];\n");
    fs::write(
        Path::new(&env::var("OUT_DIR").unwrap()).join("catalogs.rs"),
        out,
    )
    .unwrap();
}
