//! The paygen generator: one engine behind the `paygen::provider!` macro and the
//! `paygen generate` build step, so the two can never disagree.
//!
//! `spec` parses and validates a YAML spec (errors carry file, line and column),
//! `lower` turns it into the protocol IR the runtime reads, `emit` writes Rust tokens,
//! `generate` formats them into committed crates.
//!
//! Feature `generate` (default) adds the build step: prettyplease formatting, crate
//! files and the spec's JSON Schema. The proc-macro builds without it, so a macro
//! user's build does not compile schemars or prettyplease.

pub mod emit;
#[cfg(feature = "generate")]
pub mod generate;
pub mod items;
pub mod lower;
pub mod names;
#[cfg(feature = "generate")]
pub mod schema;
pub mod spec;
pub mod suggest;

pub use emit::{provider_items, EmitError};
pub use lower::lower;
pub use spec::{decode_text, load_file, parse_str, LoadedSpec, SpecError, SpecErrors, ValidSpec};
