//! Any input to any provider's notification: verification and decoding never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| paygen_fuzz::notification(data));
