//! The JSON Schema of the spec format, generated from the model types.

use crate::spec::model::Spec;

/// The schema as pretty JSON with a trailing newline (the content of `specs/schema.json`).
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(Spec);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
