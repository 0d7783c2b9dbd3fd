//! Any request to any operation of any provider, decoded by the provider's side (the
//! sandbox's entry point): never panics.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| paygen_fuzz::request(data));
