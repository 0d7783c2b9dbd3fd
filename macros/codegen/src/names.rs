//! Rust names for wire names: identifiers checked without panicking, and the casing
//! rules that turn spec names into fields, types and enum variants.

use crate::spec::model::{EnumValue, Field};
use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};
use syn::ext::IdentExt;

/// Words `syn` refuses as plain identifiers; the same list decides where `_` is appended,
/// so that names generated before this check existed stay byte-identical.
const KEYWORDS: &[&str] = &[
    "_", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
    "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "Self", "self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers either (`r#self` is not an identifier).
const NOT_RAW: &[&str] = &["_", "crate", "self", "Self", "super"];

/// True for `[A-Za-z_][A-Za-z0-9_]*`: the identifier shape, keywords included.
fn ascii_word(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `text` as an identifier, or `None` when it is not one. `r#kw` gives a raw identifier.
/// Only ASCII is accepted: generated names must read the same in every editor, and the
/// compiler's own `Ident::new` panics on what it refuses, so nothing unchecked reaches it.
pub fn ident(text: &str) -> Option<Ident> {
    if let Some(raw) = text.strip_prefix("r#") {
        return (ascii_word(raw) && !NOT_RAW.contains(&raw))
            .then(|| Ident::new_raw(raw, Span::call_site()));
    }
    (ascii_word(text) && !KEYWORDS.contains(&text)).then(|| Ident::new(text, Span::call_site()))
}

/// True when `text` has at least one ASCII letter or digit to build a Rust name from.
pub fn has_ascii_word(text: &str) -> bool {
    text.chars().any(|c| c.is_ascii_alphanumeric())
}

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
    if ident(&name).is_none() {
        name.push('_');
    }
    name
}

/// UpperCamelCase of a name, for types; `Self` becomes `Self_` like keywords in [`snake`].
pub fn camel(name: &str) -> String {
    let camel = words(name).to_upper_camel_case();
    if camel.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{camel}")
    } else if camel == "Self" {
        "Self_".to_owned()
    } else {
        camel
    }
}

/// Variant names of an enum's values, in order; an error when two would collide.
pub fn variant_names(values: &[EnumValue]) -> Result<Vec<Ident>, String> {
    let mut names: Vec<Ident> = Vec::with_capacity(values.len());
    for value in values {
        let name = match &value.rust_name {
            Some(name) => name.clone(),
            None => camel(&value.value),
        };
        let Some(variant) = ident(&name) else {
            return Err(format!(
                "value `{}` has no usable Rust name; set its `rust_name`",
                value.value
            ));
        };
        if variant == "Unknown" {
            return Err(format!("value `{}` would be named `Unknown`, which is the fallback variant; set its `rust_name`", value.value));
        }
        if names.iter().any(|n| n.unraw() == variant.unraw()) {
            return Err(format!(
                "values `{}` and another both become variant `{name}`; set `rust_name`",
                value.value
            ));
        }
        names.push(variant);
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_checked_without_panicking() {
        for bad in [
            "", "a-b", "a b", "生产", "self", "Self", "r#self", "1a", "_", "r#", "a\n",
        ] {
            assert!(ident(bad).is_none(), "{bad:?}");
        }
        assert_eq!(
            ident("r#type").map(|i| i.to_string()).as_deref(),
            Some("r#type")
        );
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("生产"), "__");
        assert_eq!(camel("self"), "Self_");
        assert_eq!(camel("生产"), "");
    }
}
