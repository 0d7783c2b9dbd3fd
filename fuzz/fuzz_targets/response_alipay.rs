//! Any response body to any alipay operation: decoding never panics.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    paygen_fuzz::response(&paygen_alipay::tables::PROVIDER, data)
});
