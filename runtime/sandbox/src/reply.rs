//! Reply fields built from an operation's response table: required fields filled with
//! plausible values, dotted paths set, request and order fields echoed by name.

use paygen::protocol::{FieldDef, FieldType, SuccessRule};
use paygen::NonceSource;
use paygen_codegen::spec::model::{SandboxComputed, SandboxOrderValue};
use serde_json::{Map, Value};

/// What the sandbox writes into a field it fills: the spec's `sandbox.fill` value for
/// the field's name (a text, a clock, a nonce or a field of the order's request), the
/// amount left on the order for a money field; else a stand-in that satisfies the
/// field's rules.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fill<'a> {
    /// The spec's `sandbox.fill`, by field name.
    pub values: Option<&'a Map<String, Value>>,
    /// The fields of the order's pay or precreate request, for `{ request: name }`.
    pub request: Option<&'a Map<String, Value>>,
    /// The amount a money field holds, in 分: what is left of the order.
    pub amount: Option<i64>,
    /// The order's numbers: the merchant's, and the provider's the sandbox gave it.
    pub numbers: Option<(&'a str, &'a str)>,
    /// The provider's UTC offset, for clock values.
    pub utc_offset_minutes: i32,
}

impl Fill<'_> {
    /// Nothing known: stand-ins only (error replies, which carry no order).
    pub const NONE: Fill<'static> = Fill {
        values: None,
        request: None,
        amount: None,
        numbers: None,
        utc_offset_minutes: 0,
    };

    /// The value the spec or the order gives for `def`, if any.
    fn given(&self, def: &FieldDef) -> Option<Value> {
        if let Some(value) = self.values.and_then(|v| v.get(def.name.as_ref())) {
            return match serde_json::from_value::<SandboxComputed>(value.clone()) {
                Ok(computed) => self.compute(def, &computed),
                Err(_) => Some(typed(Some(def), value)),
            };
        }
        match (def.ty, self.amount) {
            (FieldType::Fen, Some(fen)) => Some(typed(Some(def), &Value::from(fen))),
            (FieldType::Yuan, Some(fen)) => {
                Some(Value::String(paygen::yuan::format(paygen::Fen(fen))))
            }
            _ => None,
        }
    }

    fn compute(&self, def: &FieldDef, computed: &SandboxComputed) -> Option<Value> {
        let text = match computed {
            SandboxComputed::Clock(format) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
                let mut text = String::new();
                paygen::clock::format_clock(now, *format, self.utc_offset_minutes, &mut text);
                text
            }
            SandboxComputed::Nonce(len) => {
                let mut text = String::new();
                paygen::RandomNonce
                    .fill(usize::from(*len), &mut text)
                    .ok()?;
                text
            }
            SandboxComputed::Order(SandboxOrderValue::Amount) => {
                let fen = self.amount?;
                return Some(match def.ty {
                    FieldType::Yuan => Value::String(paygen::yuan::format(paygen::Fen(fen))),
                    _ => typed(Some(def), &Value::from(fen)),
                });
            }
            SandboxComputed::Order(value) => {
                let (order_no, provider_no) = self.numbers?;
                match value {
                    SandboxOrderValue::ProviderNo => provider_no.to_owned(),
                    _ => order_no.to_owned(),
                }
            }
            SandboxComputed::Request(name) => {
                return self
                    .request
                    .and_then(|r| r.get(name.as_str()))
                    .map(|v| typed(Some(def), v))
            }
        };
        Some(typed(Some(def), &Value::String(text)))
    }
}

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

/// A value that satisfies the field's rules: the one `with` gives, else a stand-in.
fn sample(def: &FieldDef, with: &Fill<'_>) -> Value {
    if def.ty != FieldType::Object {
        if let Some(given) = with.given(def) {
            return given;
        }
    }
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
            fill(&def.fields, &mut members, with);
            Value::Object(members)
        }
        FieldType::List => Value::Array(Vec::new()),
        FieldType::Json => Value::Object(Map::new()),
    }
}

/// Adds every required field of `table` missing from `fields`, and every optional one
/// the spec's `fill` names.
pub fn fill(table: &[FieldDef], fields: &mut Map<String, Value>, with: &Fill<'_>) {
    let named = |d: &FieldDef| with.values.is_some_and(|v| v.contains_key(d.name.as_ref()));
    for def in table.iter().filter(|d| d.required || named(d)) {
        if !fields.contains_key(def.name.as_ref()) {
            fields.insert(def.name.to_string(), sample(def, with));
        }
    }
}

/// Sets dotted `path`, creating (and filling) objects on the way; typed by the table.
pub fn set_path(
    table: &[FieldDef],
    fields: &mut Map<String, Value>,
    path: &str,
    value: &Value,
    with: &Fill<'_>,
) {
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
                fill(members, inner, with);
                set_path(members, inner, rest, value, with);
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
pub fn succeed(
    table: &[FieldDef],
    fields: &mut Map<String, Value>,
    rule: &SuccessRule,
    with: &Fill<'_>,
) {
    if let Some(value) = rule.equals.first() {
        set_path(
            table,
            fields,
            &rule.field,
            &Value::String(value.to_string()),
            with,
        );
    }
    for more in rule.and.iter() {
        succeed(table, fields, more, with);
    }
}

/// An error reply: only the spec's fields, at their paths, as given.
pub fn error_fields(reply: &Map<String, Value>) -> Map<String, Value> {
    let mut fields = Map::new();
    for (path, value) in reply {
        set_path(&[], &mut fields, path, value, &Fill::NONE);
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
