//! libFuzzer target: `cargo fuzz run config` (see SECURITY.md).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| downpage_fuzz::config(data));
