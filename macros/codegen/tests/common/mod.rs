//! What the spec tests share: the minimal valid spec, and a spec's problems as text.
// Each test crate that includes this module uses a part of it.
#![allow(dead_code)]

use paygen_codegen::{parse_str, provider_items};

/// A minimal valid spec; each case breaks one thing of a copy of it.
pub const BASE: &str = include_str!("../../../../tests/tests/ui/specs/base.yaml");

/// The problems of spec `text` as `line:column: message`; a spec that validates must
/// also emit.
pub fn errors(text: &str) -> Vec<String> {
    match parse_str(text, "x.yaml") {
        Ok(spec) => {
            provider_items(&spec).unwrap();
            Vec::new()
        }
        Err(errors) => errors
            .0
            .iter()
            .map(|e| format!("{}:{}: {}", e.line, e.column, e.message))
            .collect(),
    }
}

/// The problems of `BASE` with `old` replaced by `new`.
pub fn errors_after(old: &str, new: &str) -> Vec<String> {
    assert!(BASE.contains(old), "{old}");
    errors(&BASE.replacen(old, new, 1))
}
