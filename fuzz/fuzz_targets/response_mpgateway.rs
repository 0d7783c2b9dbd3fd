//! Any response body to any mpgateway operation: decoding never panics.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    paygen_fuzz::response(&paygen_mpgateway::tables::PROVIDER, data)
});
