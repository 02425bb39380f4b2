//! libFuzzer target: `cargo fuzz run gettext` (see SECURITY.md).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| downpage_fuzz::gettext(data));
