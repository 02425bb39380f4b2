//! Replays the fuzz seeds (`fuzz/seeds/<target>/`) and every crash the fuzzers ever found
//! (`fuzz/regressions/<target>/`) through the same harnesses as the libFuzzer targets, on
//! the stable toolchain, so a fixed crash stays fixed. The fuzzers themselves run in
//! tests/checks/fuzz.sh.

#[path = "../fuzz/src/lib.rs"]
mod harness;

use std::fs;
use std::path::Path;

fn replay(folder: &str) -> usize {
    let mut count = 0;
    for (target, run) in harness::TARGETS {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz")
            .join(folder)
            .join(target);
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for file in files {
            let data = fs::read(&file).unwrap();
            eprintln!("{target}: {}", file.display());
            run(&data);
            count += 1;
        }
    }
    count
}

#[test]
fn fuzz_seeds_give_values_or_clean_errors() {
    assert!(replay("seeds") > 10, "the seed folders are missing");
}

#[test]
fn fuzz_regressions_stay_fixed() {
    replay("regressions");
}
