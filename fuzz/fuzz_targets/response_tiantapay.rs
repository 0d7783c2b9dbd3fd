//! Any response body to any tiantapay operation: decoding never panics.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    paygen_fuzz::response(&paygen_tiantapay::tables::PROVIDER, data)
});
