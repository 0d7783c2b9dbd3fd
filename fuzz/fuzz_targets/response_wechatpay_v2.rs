//! Any response body to any wechatpay_v2 operation: decoding never panics.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    paygen_fuzz::response(&paygen_wechatpay_v2::tables::PROVIDER, data)
});
