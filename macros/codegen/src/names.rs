//! Rust names for wire names: fields, types, enum variants.

use crate::spec::model::{EnumValue, Field};
use heck::{ToSnakeCase, ToUpperCamelCase};

/// The Rust field name of a wire field: its `rust_name`, or the wire name in snake_case,
/// with `_` appended to keywords.
pub fn rust_field_name(field: &Field) -> String {
    if let Some(name) = &field.rust_name {
        return name.clone();
    }
    snake(&field.name.value)
}

/// `name` with every character that cannot be in an identifier turned into a word break.
fn words(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// snake_case of a wire name, safe as a Rust identifier.
pub fn snake(wire: &str) -> String {
    let mut name = words(wire).to_snake_case();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    if syn::parse_str::<syn::Ident>(&name).is_err() {
        name.push('_');
    }
    name
}

/// UpperCamelCase of a name, for types.
pub fn camel(name: &str) -> String {
    let camel = words(name).to_upper_camel_case();
    if camel.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{camel}")
    } else {
        camel
    }
}

/// Variant names of an enum's values, in order; an error when two would collide.
pub fn variant_names(values: &[EnumValue]) -> Result<Vec<String>, String> {
    let mut names: Vec<String> = Vec::with_capacity(values.len());
    for value in values {
        let name = match &value.rust_name {
            Some(name) => name.clone(),
            None => camel(&value.value),
        };
        if name.is_empty() || syn::parse_str::<syn::Ident>(&name).is_err() {
            return Err(format!(
                "value `{}` has no usable Rust name; set its `rust_name`",
                value.value
            ));
        }
        if name == "Unknown" {
            return Err(format!("value `{}` would be named `Unknown`, which is the fallback variant; set its `rust_name`", value.value));
        }
        if names.contains(&name) {
            return Err(format!(
                "values `{}` and another both become variant `{name}`; set `rust_name`",
                value.value
            ));
        }
        names.push(name);
    }
    Ok(names)
}
