//! Build step: embeds every language file in `src/builtin/catalog/` (`<lang>.json`), so a
//! contributor adds a language by adding one file, without touching Rust. Each file is stored
//! deflated (`$OUT_DIR/<lang>.json.deflate`, a third of its size); `$OUT_DIR/catalogs.rs`
//! lists them: `CATALOGS`, `(file stem, deflated bytes)` pairs sorted by stem.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::{env, fs};

use flate2::Compression;
use flate2::write::DeflateEncoder;

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
    let out_dir = env::var("OUT_DIR").unwrap();
    let mut out = String::from(
        "/// Every `src/builtin/catalog/<lang>.json`: (file stem, deflated text), sorted.\npub const CATALOGS: &[(&str, &[u8])] = &[\n",
    );
    for (stem, path) in &files {
        let text = fs::read(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(&text).unwrap();
        let packed = Path::new(&out_dir).join(format!("{stem}.json.deflate"));
        fs::write(&packed, encoder.finish().unwrap()).unwrap();
        let packed = packed.display().to_string();
        writeln!(out, "    ({stem:?}, include_bytes!({packed:?})),").unwrap();
    }
    out.push_str("];\n");
    fs::write(Path::new(&out_dir).join("catalogs.rs"), out).unwrap();
}
