//! libFuzzer target: `cargo fuzz run pages` (see SECURITY.md).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| downpage_fuzz::pages_list(data));
