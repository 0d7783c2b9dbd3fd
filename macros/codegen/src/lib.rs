//! The paygen generator: one engine behind the `paygen::provider!` macro and the
//! `paygen generate` build step, so the two can never disagree.
//!
//! `spec` parses and validates a YAML spec (errors carry file, line and column),
//! `lower` turns it into the protocol IR the runtime reads, `emit` writes Rust tokens,
//! `generate` formats them into committed crates.

pub mod emit;
pub mod generate;
pub mod items;
pub mod lower;
pub mod names;
pub mod schema;
pub mod spec;

pub use emit::{provider_items, EmitError};
pub use lower::lower;
pub use spec::{decode_text, load_file, parse_str, LoadedSpec, SpecError, SpecErrors};
