//! libFuzzer target: `cargo fuzz run manifest` (see SECURITY.md).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| downpage_fuzz::manifest(data));
