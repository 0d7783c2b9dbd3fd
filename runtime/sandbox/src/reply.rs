//! Reply fields built from an operation's response table: required fields filled with
//! plausible values, dotted paths set, request and order fields echoed by name.

use paygen::protocol::{FieldDef, FieldType, SuccessRule};
use serde_json::{Map, Value};

/// A value's text: a string's content, anything else its JSON.
pub fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `text` written as the field's type asks (a number unless `as_string`).
pub fn typed(def: Option<&FieldDef>, value: &Value) -> Value {
    let Some(def) = def else {
        return value.clone();
    };
    let text = text_of(value);
    match def.ty {
        FieldType::Int | FieldType::Fen if !def.as_string => text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or(Value::String(text)),
        FieldType::Bool => match text.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text),
        },
        FieldType::Object | FieldType::List | FieldType::Json => value.clone(),
        _ => Value::String(text),
    }
}

/// A value that satisfies the field's rules.
fn sample(def: &FieldDef) -> Value {
    if let Some(first) = def.values.first() {
        return typed(Some(def), &Value::String(first.to_string()));
    }
    match def.ty {
        FieldType::String => {
            let max = def.max_length.unwrap_or(7).clamp(1, 7) as usize;
            Value::String("sandbox"[..max].to_owned())
        }
        FieldType::Int | FieldType::Fen | FieldType::Yuan => {
            typed(Some(def), &Value::String("1".into()))
        }
        FieldType::Bool => Value::Bool(true),
        FieldType::Object => {
            let mut members = Map::new();
            fill(&def.fields, &mut members);
            Value::Object(members)
        }
        FieldType::List => Value::Array(Vec::new()),
        FieldType::Json => Value::Object(Map::new()),
    }
}

/// Adds every required field of `table` missing from `fields`.
pub fn fill(table: &[FieldDef], fields: &mut Map<String, Value>) {
    for def in table.iter().filter(|d| d.required) {
        if !fields.contains_key(def.name.as_ref()) {
            fields.insert(def.name.to_string(), sample(def));
        }
    }
}

/// Sets dotted `path`, creating (and filling) objects on the way; typed by the table.
pub fn set_path(table: &[FieldDef], fields: &mut Map<String, Value>, path: &str, value: &Value) {
    let (head, rest) = match path.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (path, None),
    };
    let def = table.iter().find(|d| d.name == head);
    match rest {
        None => {
            fields.insert(head.to_owned(), typed(def, value));
        }
        Some(rest) => {
            let members: &[FieldDef] = def.map(|d| d.fields.as_ref()).unwrap_or(&[]);
            let slot = fields
                .entry(head.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(inner) = slot {
                fill(members, inner);
                set_path(members, inner, rest, value);
            }
        }
    }
}

/// Writes every field of `source` whose name a response field has, at any depth of the
/// objects already present.
pub fn echo(table: &[FieldDef], fields: &mut Map<String, Value>, source: &Map<String, Value>) {
    for def in table.iter() {
        if def.ty == FieldType::Object {
            if let Some(Value::Object(inner)) = fields.get_mut(def.name.as_ref()) {
                echo(&def.fields, inner, source);
                // A member of a request object echoes into the same object of the
                // reply (APIv3's `amount.total`).
                if let Some(Value::Object(nested)) = source.get(def.name.as_ref()) {
                    echo(&def.fields, inner, nested);
                }
            }
            continue;
        }
        if let Some(value) = source.get(def.name.as_ref()) {
            if !value.is_null() && !value.is_object() && !value.is_array() {
                fields.insert(def.name.to_string(), typed(Some(def), value));
            }
        }
    }
}

/// Sets the fields of a success rule (and its `and` checks) to their first value.
pub fn succeed(table: &[FieldDef], fields: &mut Map<String, Value>, rule: &SuccessRule) {
    if let Some(value) = rule.equals.first() {
        set_path(
            table,
            fields,
            &rule.field,
            &Value::String(value.to_string()),
        );
    }
    for more in rule.and.iter() {
        succeed(table, fields, more);
    }
}

/// An error reply: only the spec's fields, at their paths, as given.
pub fn error_fields(reply: &Map<String, Value>) -> Map<String, Value> {
    let mut fields = Map::new();
    for (path, value) in reply {
        set_path(&[], &mut fields, path, value);
    }
    fields
}

/// Whether dotted `path` names a `yuan` field of `table` (an amount written as 元).
pub fn is_yuan(table: &[FieldDef], path: &str) -> bool {
    let mut defs = table;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        let Some(def) = defs.iter().find(|d| d.name == part) else {
            return false;
        };
        if parts.peek().is_none() {
            return def.ty == FieldType::Yuan;
        }
        defs = &def.fields;
    }
    false
}
