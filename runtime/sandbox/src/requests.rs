//! Request fields for an operation of a spec's `sandbox:` section, built from its
//! request table: the order number, amount and notify URL where the entry names them,
//! and a plausible value for every other required field. What the sandbox's
//! conformance test sends, so that a spec needs no code to be driven.

use paygen::protocol::{FieldDef, FieldRule, FieldType, Operation, Provider, ValueSource};
use paygen_codegen::spec::model::{Name, Sandbox, SandboxEvent, SandboxOperation, SandboxRole};
use serde_json::{Map, Value};

/// What one lifecycle step fills into a request.
#[derive(Debug, Clone, Copy)]
pub struct Lifecycle<'e> {
    /// The operation's sandbox entry.
    pub entry: &'e SandboxOperation,
    /// The merchant's order number.
    pub order_no: &'e str,
    /// The amount of the entry's `amount` or `refund_amount` field, in 分.
    pub amount: i64,
    /// The order's total, in 分: every other money field (a refund's order total).
    pub total: i64,
    /// The notify URL, where the entry names a field for it.
    pub notify: Option<&'e str>,
    /// The spec's `sandbox.fill`: its plain texts and numbers are also what a request
    /// field of the same name sends (wantu's `refund_fee_type: CNY`).
    pub fill: Option<&'e Map<String, Value>>,
}

impl Lifecycle<'_> {
    /// The plain value `fill` gives for `def`'s name, if any.
    fn given(&self, def: &FieldDef) -> Option<Value> {
        let value = self.fill?.get(def.name.as_ref())?;
        let documented = def.values.is_empty() || def.values.iter().any(|v| *v == text_of(value));
        if !documented {
            return None;
        }
        match value {
            Value::String(_) | Value::Number(_) | Value::Bool(_) => Some(value.clone()),
            _ => None,
        }
    }

    fn names(&self, path: &str, name: &Option<Name>) -> bool {
        name.as_ref().is_some_and(|n| n.value == path)
    }

    /// The request fields of `operation`, its `sum` rules made to hold.
    pub fn request(&self, operation: &Operation) -> Map<String, Value> {
        let mut fields = self.fields(&operation.request, "");
        balance_sums(operation, &mut fields);
        fields
    }

    /// The fields of `defs`, the members of the object at `prefix` (empty at the top).
    fn fields(&self, defs: &[FieldDef], prefix: &str) -> Map<String, Value> {
        let mut fields = Map::new();
        for def in defs {
            let wire = def.name.as_ref();
            let path = if prefix.is_empty() {
                wire.to_owned()
            } else {
                format!("{prefix}.{wire}")
            };
            let entry = self.entry;
            let value = if self.names(&path, &entry.order_no) {
                Value::from(self.order_no)
            } else if self.names(&path, &entry.amount) || self.names(&path, &entry.refund_amount) {
                money(def.ty, self.amount)
            } else if self.names(&path, &entry.notify_url) {
                match self.notify {
                    Some(url) => Value::from(url),
                    None if def.required => Value::from("http://127.0.0.1:9/unused"),
                    None => continue,
                }
            } else if !def.required {
                continue;
            } else if let Some(given) = self.given(def) {
                given
            } else if let Some(first) = def.values.first() {
                match def.ty {
                    FieldType::Int | FieldType::Fen => first
                        .to_string()
                        .parse::<i64>()
                        .map(Value::from)
                        .unwrap_or_else(|_| Value::from(first.to_string())),
                    _ => Value::from(first.to_string()),
                }
            } else {
                match def.ty {
                    FieldType::Fen | FieldType::Yuan => money(def.ty, self.total),
                    FieldType::Int => Value::from(1),
                    FieldType::Bool => Value::from(true),
                    FieldType::Object => Value::Object(self.fields(&def.fields, &path)),
                    FieldType::Json => Value::Object(Map::new()),
                    FieldType::List => Value::Array(Vec::new()),
                    FieldType::String => Value::from(text(def, self.order_no)),
                }
            };
            fields.insert(wire.to_owned(), value);
        }
        fields
    }
}

/// A value's text: a string's content, anything else its JSON.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// An amount as a field of type `ty` takes it: 分, or for `yuan` the 元 text (a
/// number there would mean whole 元).
fn money(ty: FieldType, fen: i64) -> Value {
    match ty {
        FieldType::Yuan => Value::from(paygen::yuan::format(paygen::Fen(fen))),
        _ => Value::from(fen),
    }
}

/// A text within the field's lengths: `demo` and the order number, cut to the
/// maximum, padded with `0` to the minimum.
fn text(def: &FieldDef, order_no: &str) -> String {
    let max = def.max_length.unwrap_or(12).clamp(1, 12) as usize;
    let mut text: String = format!("demo{order_no}").chars().take(max).collect();
    let min = def.min_length.unwrap_or(0) as usize;
    while text.chars().count() < min {
        text.push('0');
    }
    text
}

/// Makes every `sum` rule of the operation hold: its first added field becomes the
/// summed field plus the subtracted ones, less the other added ones (mct1's
/// `original_amount` = `trade_amount` + `discount_amount` + `ignore_amount`).
fn balance_sums(operation: &Operation, fields: &mut Map<String, Value>) {
    let number = |fields: &Map<String, Value>, name: &str| {
        fields.get(name).and_then(Value::as_i64).unwrap_or_default()
    };
    for rule in operation.rules.iter() {
        let FieldRule::Sum { field, plus, minus } = rule else {
            continue;
        };
        let Some((first, others)) = plus.split_first() else {
            continue;
        };
        if !fields.contains_key(field.as_ref()) {
            continue;
        }
        let mut value = number(fields, field);
        for name in minus.iter() {
            value += number(fields, name);
        }
        for name in others.iter() {
            value -= number(fields, name);
        }
        fields.insert(first.to_string(), Value::from(value));
    }
}

/// The credential a pay or precreate request takes its notify URL from, and the URL
/// `{receiver}/{spec}/{notification}` of the paid notification, when the entry's
/// `notify_url` names a credential-valued common field (Alipay's `notify_url`).
pub fn notify_credential(
    provider: &Provider,
    section: &Sandbox,
    receiver: &str,
) -> Option<(String, String)> {
    let notification = section
        .notifications
        .iter()
        .find(|n| n.on == SandboxEvent::Paid)?;
    section
        .operations
        .iter()
        .filter(|o| matches!(o.role, SandboxRole::Pay | SandboxRole::Precreate))
        .find_map(|entry| {
            let field = entry.notify_url.as_ref()?;
            let operation = provider.operation(&entry.operation.value)?;
            let common = provider
                .request
                .common
                .iter()
                .chain(operation.common.iter())
                .find(|c| c.name == field.value.as_str())?;
            match &common.value {
                ValueSource::Credential(credential) => Some((
                    credential.to_string(),
                    format!(
                        "{receiver}/{}/{}",
                        provider.name, notification.notification.value
                    ),
                )),
                _ => None,
            }
        })
}
