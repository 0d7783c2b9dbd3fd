//! The wire: ordered fields (what a typed request becomes before an envelope encodes
//! it) and the text formats they travel in (JSON read raw, XML, 元 amounts). It knows no
//! keys and no recipes.
pub mod auth_params;
#[doc(hidden)]
pub mod de;
#[doc(hidden)]
pub mod form_raw;
#[doc(hidden)]
pub mod raw_json;
#[doc(hidden)]
pub mod xml;
pub mod yuan;

use std::borrow::Cow;

/// One field's value on the wire, borrowing from the typed request where it can.
#[derive(Debug, Clone, PartialEq)]
pub enum WireValue<'a> {
    /// Text; a JSON string in JSON bodies.
    Text(Cow<'a, str>),
    /// A whole number; a JSON number in JSON bodies.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// Any JSON, sent as is; its compact text in canonical strings.
    Json(Cow<'a, serde_json::Value>),
    /// Money as decimal 元 with two places (`88.88`); a JSON number in JSON bodies.
    Yuan(crate::wire::de::Fen),
    /// JSON text written as it is: a JSON value in JSON bodies (numbers keep their
    /// text, `100.00` stays), the same text in canonical strings and signatures (a
    /// `json_object_sorted` payload holds its sorted compact text).
    RawJson(Cow<'a, str>),
}

impl WireValue<'_> {
    /// The same value, borrowing from this one.
    pub fn borrowed(&self) -> WireValue<'_> {
        match self {
            WireValue::Text(text) => WireValue::Text(Cow::Borrowed(text)),
            WireValue::Int(n) => WireValue::Int(*n),
            WireValue::Bool(b) => WireValue::Bool(*b),
            WireValue::Json(value) => WireValue::Json(Cow::Borrowed(value)),
            WireValue::Yuan(fen) => WireValue::Yuan(*fen),
            WireValue::RawJson(text) => WireValue::RawJson(Cow::Borrowed(text)),
        }
    }

    /// Absent-equivalent for signing: `""` and JSON `null` (never `0` or `"0"`).
    pub fn is_empty(&self) -> bool {
        match self {
            WireValue::Text(text) => text.is_empty(),
            WireValue::Json(value) => {
                value.is_null() || value.as_str().is_some_and(|s| s.is_empty())
            }
            WireValue::RawJson(text) => text.is_empty() || text.as_ref() == "null",
            WireValue::Int(_) | WireValue::Bool(_) | WireValue::Yuan(_) => false,
        }
    }

    /// The value's text as it appears in a canonical string or a form body.
    pub fn write_text(&self, out: &mut String) {
        match self {
            WireValue::Text(text) => out.push_str(text),
            WireValue::Int(n) => out.push_str(itoa::Buffer::new().format(*n)),
            WireValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            WireValue::Yuan(amount) => crate::wire::yuan::write(*amount, out),
            WireValue::RawJson(text) => out.push_str(text),
            WireValue::Json(value) => match value.as_ref() {
                serde_json::Value::String(s) => out.push_str(s),
                other => out.push_str(&other.to_string()),
            },
        }
    }

    /// The value's text as an owned or borrowed string.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            WireValue::Text(text) | WireValue::RawJson(text) => Cow::Borrowed(text.as_ref()),
            WireValue::Json(value) if value.is_string() => {
                Cow::Borrowed(value.as_str().unwrap_or_default())
            }
            _ => {
                let mut out = String::new();
                self.write_text(&mut out);
                Cow::Owned(out)
            }
        }
    }

    /// Appends the value as JSON.
    pub fn write_json(&self, out: &mut String) {
        match self {
            WireValue::Text(text) => write_json_string(text, out),
            WireValue::Int(n) => out.push_str(itoa::Buffer::new().format(*n)),
            WireValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            WireValue::Json(value) => out.push_str(&value.to_string()),
            WireValue::Yuan(amount) => crate::wire::yuan::write(*amount, out),
            WireValue::RawJson(text) => out.push_str(text),
        }
    }

    /// The value as a member of a JSON object (a generated request object's
    /// `to_json`). A `Yuan` becomes its text: a JSON number `88.80` cannot be held
    /// without going through a float, so spec validation makes such members
    /// `as_string`, and this arm is never taken by generated code.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            WireValue::Text(text) => serde_json::Value::String(text.to_string()),
            WireValue::Int(n) => serde_json::Value::from(*n),
            WireValue::Bool(b) => serde_json::Value::Bool(*b),
            WireValue::Json(value) => value.clone().into_owned(),
            WireValue::Yuan(amount) => serde_json::Value::String(crate::yuan::format(*amount)),
            // Generated objects never hold one; were it not JSON, it stays its text.
            WireValue::RawJson(text) => crate::wire::raw_json::strict_value(text)
                .unwrap_or_else(|_| serde_json::Value::String(text.to_string())),
        }
    }

    /// True for values written as numbers (never put in XML CDATA).
    pub fn is_number(&self) -> bool {
        matches!(self, WireValue::Int(_) | WireValue::Yuan(_))
            || matches!(self, WireValue::Json(value) if value.is_number())
    }
}

/// Fields as (name, text, is a number), for an XML writer.
pub fn xml_fields<'f>(
    fields: &[(&'f str, &'f WireValue<'_>)],
) -> Vec<(&'f str, Cow<'f, str>, bool)> {
    fields
        .iter()
        .map(|(name, value)| (*name, value.text(), value.is_number()))
        .collect()
}

/// Appends fields as a JSON object, in order.
pub fn write_json_object<'v, 'a: 'v>(
    fields: impl Iterator<Item = (&'v str, &'v WireValue<'a>)>,
    out: &mut String,
) {
    out.push('{');
    for (index, (name, value)) in fields.enumerate() {
        if index > 0 {
            out.push(',');
        }
        write_json_string(name, out);
        out.push(':');
        value.write_json(out);
    }
    out.push('}');
}

/// The `Content-Type` of a body in `format`.
pub fn content_type(format: paygen_protocol::BodyFormat) -> &'static str {
    use paygen_protocol::BodyFormat;
    match format {
        BodyFormat::Json => "application/json; charset=utf-8",
        BodyFormat::Xml | BodyFormat::XmlCdata => "text/xml; charset=utf-8",
        BodyFormat::Form | BodyFormat::FormRaw | BodyFormat::Query => {
            "application/x-www-form-urlencoded"
        }
    }
}

/// Appends `text` as a JSON string literal. Non-ASCII stays UTF-8, as providers send it.
pub fn write_json_string(text: &str, out: &mut String) {
    // No short-circuit: the whole check compiles to a vector loop.
    let needs_escape = text.bytes().fold(false, |acc, b| {
        acc | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if needs_escape {
        // Serializing a str cannot fail.
        out.push_str(&serde_json::to_string(text).unwrap_or_default());
    } else {
        // Nothing to escape: the common case of names, ids, amounts and URLs.
        out.push('"');
        out.push_str(text);
        out.push('"');
    }
}

/// Named wire values in wire order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WireFields<'a> {
    entries: Vec<(Cow<'static, str>, WireValue<'a>)>,
}

impl<'a> WireFields<'a> {
    /// An empty list with room for `capacity` fields.
    pub fn with_capacity(capacity: usize) -> Self {
        WireFields {
            entries: Vec::with_capacity(capacity),
        }
    }

    /// Appends a field.
    pub fn push(&mut self, name: impl Into<Cow<'static, str>>, value: WireValue<'a>) {
        self.entries.push((name.into(), value));
    }

    /// The fields in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &WireValue<'a>)> {
        self.entries.iter().map(|(n, v)| (n.as_ref(), v))
    }

    /// The fields as a slice, in order.
    pub fn as_slice(&self) -> &[(Cow<'static, str>, WireValue<'a>)] {
        &self.entries
    }

    /// The value of field `name`.
    pub fn get(&self, name: &str) -> Option<&WireValue<'a>> {
        self.entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| value)
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no fields.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Business fields from a JSON object of parameters by wire name, in the table's order.
/// Numbers and strings are both accepted where the field's type allows the value.
pub fn fields_from_json(
    defs: &[paygen_protocol::FieldDef],
    params: &serde_json::Map<String, serde_json::Value>,
) -> Result<WireFields<'static>, crate::error::Error> {
    use crate::error::{Error, ParamRule};
    use paygen_protocol::FieldType;
    use serde_json::Value;
    for name in params.keys() {
        if !defs.iter().any(|d| d.name == name.as_str()) {
            return Err(Error::InvalidParam {
                field: name.clone(),
                rule: ParamRule::Unknown,
            });
        }
    }
    let mut fields = WireFields::with_capacity(params.len());
    for def in defs {
        let Some(value) = params.get(def.name.as_ref()) else {
            continue;
        };
        let wrong = |expected: &'static str| Error::InvalidParam {
            field: def.name.to_string(),
            rule: ParamRule::WrongType { expected },
        };
        let wire = match (def.ty, value) {
            (_, Value::Null) => continue,
            (FieldType::String, Value::String(s)) => WireValue::Text(Cow::Owned(s.clone())),
            // A fraction or exponent has been through a float: `100.00` would go out as
            // `100.0` and the signature would cover text nobody gave. Whole numbers
            // keep their text.
            (FieldType::String, Value::Number(n)) if n.is_f64() => {
                return Err(wrong(
                    "a string: a JSON number with a fraction loses its text, so quote it",
                ))
            }
            (FieldType::String, Value::Number(n)) => WireValue::Text(Cow::Owned(n.to_string())),
            (FieldType::String, _) => return Err(wrong("a string")),
            (FieldType::Int | FieldType::Fen, value) => {
                let expected = if def.ty == FieldType::Fen {
                    "a whole number of 分"
                } else {
                    "a whole number"
                };
                let number = match value {
                    Value::Number(n) => n.as_i64(),
                    Value::String(s) => s.trim().parse::<i64>().ok(),
                    _ => None,
                }
                .ok_or_else(|| wrong(expected))?;
                if def.as_string {
                    WireValue::Text(Cow::Owned(number.to_string()))
                } else {
                    WireValue::Int(number)
                }
            }
            (FieldType::Yuan, Value::String(s)) => {
                let amount = crate::wire::yuan::parse(s).map_err(|_| wrong(YUAN))?;
                yuan_value(def, amount)
            }
            (FieldType::Yuan, Value::Number(n)) => {
                let amount = n
                    .as_i64()
                    .and_then(|n| n.checked_mul(100))
                    .ok_or_else(|| wrong(YUAN))?;
                yuan_value(def, crate::wire::de::Fen(amount))
            }
            (FieldType::Yuan, _) => return Err(wrong(YUAN)),
            (FieldType::Bool, Value::Bool(b)) => WireValue::Bool(*b),
            (FieldType::Bool, Value::String(s)) if s == "true" || s == "false" => {
                WireValue::Bool(s == "true")
            }
            (FieldType::Bool, _) => return Err(wrong("true or false")),
            (FieldType::Object, Value::Object(_))
            | (FieldType::List, Value::Array(_))
            | (FieldType::Json, _) => WireValue::Json(Cow::Owned(value.clone())),
            (FieldType::Object, _) => return Err(wrong("a JSON object")),
            (FieldType::List, _) => return Err(wrong("a JSON array")),
        };
        fields.push(def.name.clone(), wire);
    }
    Ok(fields)
}

const YUAN: &str = "an amount of 元 as text such as \"88.88\" (a fraction given as a JSON number has been through a float)";

fn yuan_value(def: &paygen_protocol::FieldDef, amount: crate::wire::de::Fen) -> WireValue<'static> {
    if def.as_string {
        WireValue::Text(Cow::Owned(crate::wire::yuan::format(amount)))
    } else {
        WireValue::Yuan(amount)
    }
}

/// [`fields_from_json`] over JSON text: a number given for a `string` or `yuan` field
/// is read as the exact text written (`100.00` stays `100.00`), never through a float.
pub fn fields_from_json_text(
    defs: &[paygen_protocol::FieldDef],
    text: &str,
) -> Result<WireFields<'static>, crate::error::Error> {
    use crate::wire::raw_json::{strict_value, RawObject};
    use paygen_protocol::FieldType;
    let bad = |reason: String| crate::error::Error::InvalidParam {
        field: String::new(),
        rule: crate::error::ParamRule::Unwritable { reason },
    };
    let object: RawObject<'_> = serde_json::from_str(text.trim())
        .map_err(|e| bad(format!("parameters are not a JSON object: {e}")))?;
    let mut params = serde_json::Map::new();
    for (name, raw) in object.0 {
        let raw_text = raw.get().trim();
        let is_number = raw_text.starts_with(|c: char| c == '-' || c.is_ascii_digit());
        let textual = defs
            .iter()
            .find(|d| d.name == name.as_str())
            .is_some_and(|d| matches!(d.ty, FieldType::String | FieldType::Yuan));
        let value = if is_number && textual {
            serde_json::Value::String(raw_text.to_owned())
        } else {
            strict_value(raw_text).map_err(|e| bad(format!("`{name}`: {e}")))?
        };
        params.insert(name, value);
    }
    fields_from_json(defs, &params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(name: &'static str, ty: paygen_protocol::FieldType) -> paygen_protocol::FieldDef {
        paygen_protocol::FieldDef {
            name: Cow::Borrowed(name),
            ty,
            required: false,
            max_length: None,
            min_length: None,
            as_string: false,
            values: Cow::Borrowed(&[]),
            fields: Cow::Borrowed(&[]),
        }
    }

    #[test]
    fn numbers_for_text_fields_keep_their_text_or_are_refused() {
        use paygen_protocol::FieldType;
        let defs = [
            def("pay_amount", FieldType::String),
            def("total_amount", FieldType::Yuan),
        ];
        let fields =
            fields_from_json_text(&defs, r#"{"pay_amount":100.00,"total_amount":88.80}"#).unwrap();
        assert_eq!(
            fields.get("pay_amount"),
            Some(&WireValue::Text("100.00".into()))
        );
        assert_eq!(
            fields.get("total_amount"),
            Some(&WireValue::Yuan(crate::wire::de::Fen(8880)))
        );
        let mut json = String::new();
        fields.get("total_amount").unwrap().write_json(&mut json);
        assert_eq!(json, "88.80");
        // Through a `Value`, the text is already lost: refused, not guessed.
        let params = serde_json::json!({"pay_amount": 100.0});
        let lossy = fields_from_json(&defs, params.as_object().unwrap());
        assert!(lossy.is_err());
        let params = serde_json::json!({"pay_amount": 100, "total_amount": "0.01"});
        let fields = fields_from_json(&defs, params.as_object().unwrap()).unwrap();
        assert_eq!(
            fields.get("pay_amount"),
            Some(&WireValue::Text("100".into()))
        );
        assert_eq!(
            fields.get("total_amount"),
            Some(&WireValue::Yuan(crate::wire::de::Fen(1)))
        );
        assert!(fields_from_json_text(&defs, r#"{"total_amount":1.005}"#).is_err());
    }

    #[test]
    fn empty_means_absent_or_blank_never_zero() {
        assert!(WireValue::Text("".into()).is_empty());
        assert!(!WireValue::Text("0".into()).is_empty());
        assert!(!WireValue::Int(0).is_empty());
        assert!(WireValue::Json(Cow::Owned(serde_json::Value::Null)).is_empty());
    }

    #[test]
    fn json_strings_escape_only_what_json_requires() {
        let mut out = String::new();
        write_json_string("http://a/b?c=测试", &mut out);
        write_json_string("say \"hi\"\n\\", &mut out);
        assert_eq!(out, r#""http://a/b?c=测试""say \"hi\"\n\\""#);
    }
}
