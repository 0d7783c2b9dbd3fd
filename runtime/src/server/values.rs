//! JSON values as wire values and text, for the messages the provider's side writes.

use crate::error::{Error, ParamRule};
use crate::wire::{WireFields, WireValue};
use serde_json::{Map, Value};
use std::borrow::Cow;

use super::ServerError;

pub(super) fn unwritable(field: &str, reason: &str) -> ServerError {
    ServerError::Message(Error::InvalidParam {
        field: field.to_owned(),
        rule: ParamRule::Unwritable {
            reason: reason.to_owned(),
        },
    })
}

/// A decoded value as a value to send: strings as text, anything else as its JSON.
pub(super) fn wire_value(value: &Value) -> WireValue<'_> {
    match value {
        Value::String(text) => WireValue::Text(Cow::Borrowed(text)),
        other => WireValue::Json(Cow::Borrowed(other)),
    }
}

/// A received scalar as the text a recipe choice compares.
pub(super) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Decoded fields as wire fields, for the request validator.
pub(super) fn wire_fields(fields: &Map<String, Value>) -> WireFields<'_> {
    let mut wire = WireFields::with_capacity(fields.len());
    for (name, value) in fields {
        wire.push(Cow::Owned(name.clone()), wire_value(value));
    }
    wire
}
