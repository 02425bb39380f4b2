//! libFuzzer target: `cargo fuzz run django` (see SECURITY.md).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| downpage_fuzz::django(data));
