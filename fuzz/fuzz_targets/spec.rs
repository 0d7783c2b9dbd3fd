//! Any spec text: loading, validation, lowering and generation never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| paygen_fuzz::spec(data));
