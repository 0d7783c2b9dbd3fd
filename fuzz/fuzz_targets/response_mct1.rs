//! Any response body to any mct1 operation: decoding never panics.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    paygen_fuzz::response(&paygen_mct1::tables::PROVIDER, data)
});
