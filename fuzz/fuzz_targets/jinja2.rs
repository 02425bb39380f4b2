//! libFuzzer target: `cargo fuzz run jinja2` (see SECURITY.md).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| downpage_fuzz::jinja2(data));
