//! Claim and journal-write latency.
fn main() {}
