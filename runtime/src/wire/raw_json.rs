//! Reads JSON as received: an object's top-level members with their raw text, the
//! text a signature covers (strings unescaped, numbers exactly as sent), and values
//! parsed strictly. A repeated member name is an error at every depth, so that a
//! signature check and a decoder can never read different copies of one field.

use paygen_protocol::{FieldDef, FieldType};
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Number, Value};
use std::fmt;

/// A JSON object's members in received order, values kept raw.
pub struct RawObject<'a>(pub Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for RawObject<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for ObjectVisitor<'a> {
            type Value = RawObject<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut members: Vec<(String, &'de RawValue)> = Vec::new();
                while let Some((name, value)) = map.next_entry::<String, &'de RawValue>()? {
                    if members.iter().any(|(seen, _)| *seen == name) {
                        return Err(de::Error::custom(format!("duplicate field `{name}`")));
                    }
                    members.push((name, value));
                }
                Ok(RawObject(members))
            }
        }
        deserializer.deserialize_map(ObjectVisitor(std::marker::PhantomData))
    }
}

/// The text of a raw JSON value as signatures cover it: a string's content (escapes
/// such as `\u6210` resolved), `null` as empty, anything else exactly as received.
pub fn signed_text(raw: &RawValue) -> Result<String, serde_json::Error> {
    let text = raw.get().trim();
    if text.starts_with('"') {
        serde_json::from_str::<String>(text)
    } else if text == "null" {
        Ok(String::new())
    } else {
        Ok(text.to_owned())
    }
}

/// The sorted compact text of received JSON: every object's members in byte order of
/// their names at every depth, no whitespace, strings written with serde_json's escaping
/// (non-ASCII as UTF-8, `/` unescaped), numbers exactly as received (`100.00` stays).
/// A repeated member name is an error, as everywhere.
pub fn sorted_compact(text: &str) -> Result<String, serde_json::Error> {
    let mut out = String::with_capacity(text.len());
    write_sorted_raw(text.trim(), &mut out)?;
    Ok(out)
}

fn write_sorted_raw(text: &str, out: &mut String) -> Result<(), serde_json::Error> {
    match text.as_bytes().first() {
        Some(b'{') => {
            let RawObject(mut members) = serde_json::from_str(text)?;
            members.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (index, (name, value)) in members.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                super::write_json_string(name, out);
                out.push(':');
                write_sorted_raw(value.get().trim(), out)?;
            }
            out.push('}');
        }
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(text)?;
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_sorted_raw(item.get().trim(), out)?;
            }
            out.push(']');
        }
        Some(b'"') => super::write_json_string(&serde_json::from_str::<String>(text)?, out),
        _ => out.push_str(text),
    }
    Ok(())
}

/// Writes `value` as sorted compact JSON, as [`sorted_compact`] writes received text
/// (numbers as serde_json writes them).
pub fn write_sorted(value: &Value, out: &mut String) {
    match value {
        Value::Object(members) => {
            let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
            sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (index, (name, member)) in sorted.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                super::write_json_string(name, out);
                out.push(':');
                write_sorted(member, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_sorted(item, out);
            }
            out.push(']');
        }
        Value::String(text) => super::write_json_string(text, out),
        other => out.push_str(&other.to_string()),
    }
}

/// Parses JSON text into a [`Value`], refusing repeated member names at any depth.
pub fn strict_value(text: &str) -> Result<Value, serde_json::Error> {
    typed_value(text, &[])
}

/// Parses a JSON object's text into a [`Value`] as [`strict_value`] does, following
/// its field table `defs` (nested `object` and `list` members by their own `fields`): a
/// `yuan` member that arrives as a JSON number is kept as its exact text, a JSON string
/// (`100.00` stays `"100.00"`, read as 10000 分), and is refused here, naming it, when
/// it is not decimal 元 with at most two places (`1e2`, `1.005`). The one parse that
/// checks for repeated names reads the number's text: it never goes through a float.
pub fn typed_value(text: &str, defs: &[FieldDef]) -> Result<Value, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = Typed(defs).deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// [`typed_value`] of one member's raw text, read as its definition `def` says (none:
/// as [`strict_value`]).
pub fn typed_member(text: &str, def: Option<&FieldDef>) -> Result<Value, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = Member(def).deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// The value of an object or list whose members follow a field table (empty: any JSON
/// value, like serde_json's own, but a repeated name is an error at every depth).
#[derive(Clone, Copy)]
struct Typed<'d>(&'d [FieldDef]);

impl<'de> DeserializeSeed<'de> for Typed<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Typed<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    // A list's items are objects with the list's `fields`.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            if members.contains_key(&name) {
                return Err(de::Error::custom(format!("duplicate field `{name}`")));
            }
            let def = self.0.iter().find(|d| d.name == name.as_str());
            let value = map
                .next_value_seed(Member(def))
                .map_err(|e| de::Error::custom(format!("`{name}`: {e}")))?;
            members.insert(name, value);
        }
        Ok(Value::Object(members))
    }
}

/// One member's value, read as its definition says.
#[derive(Clone, Copy)]
struct Member<'d>(Option<&'d FieldDef>);

impl<'de> DeserializeSeed<'de> for Member<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        match self.0 {
            Some(def) if def.ty == FieldType::Yuan => {
                // The raw text, before any number is read: a float would lose it.
                let raw = <&RawValue>::deserialize(deserializer)?;
                let text = raw.get().trim();
                if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
                    crate::wire::yuan::parse(text).map_err(de::Error::custom)?;
                    Ok(Value::String(text.to_owned()))
                } else {
                    strict_value(text).map_err(de::Error::custom)
                }
            }
            Some(def)
                if matches!(def.ty, FieldType::Object | FieldType::List)
                    && !def.fields.is_empty() =>
            {
                Typed(&def.fields).deserialize(deserializer)
            }
            // Any other member is read as any JSON, strictly: its own members have no
            // table, so none of them is kept as text.
            _ => Typed(&[]).deserialize(deserializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_compact_sorts_at_every_depth_and_rewrites_strings_one_way() {
        // `\u0041` and `A` are one string: written as serde_json writes it, once.
        let text = r#"{"b":[{"y":"\u0041/","x":1.50}],"a":{"d":true,"c":"\n"}}"#;
        assert_eq!(
            sorted_compact(text).unwrap(),
            r#"{"a":{"c":"\n","d":true},"b":[{"x":1.50,"y":"A/"}]}"#
        );
        // The same object built as a value writes the same text (numbers aside).
        let value: Value =
            serde_json::from_str(r#"{"b":[{"y":"A/","x":2}],"a":{"d":true,"c":"\n"}}"#).unwrap();
        let mut out = String::new();
        write_sorted(&value, &mut out);
        assert_eq!(out, r#"{"a":{"c":"\n","d":true},"b":[{"x":2,"y":"A/"}]}"#);
    }

    #[test]
    fn sorted_compact_refuses_a_repeated_name_at_any_depth() {
        assert!(sorted_compact(r#"{"a":{"x":1,"x":2}}"#).is_err());
        assert!(sorted_compact(r#"{"a":1,"a":1}"#).is_err());
    }

    #[test]
    fn keeps_numbers_as_sent_and_unescapes_strings() {
        let body = r#"{"errcode":0,"msg":"\u6210\u529f","amount":1.0,"n":null,"o":{"a": 1}}"#;
        let object: RawObject = serde_json::from_str(body).unwrap();
        let texts: Vec<(String, String)> = object
            .0
            .iter()
            .map(|(n, v)| (n.clone(), signed_text(v).unwrap()))
            .collect();
        assert_eq!(
            texts,
            [
                ("errcode".into(), "0".into()),
                ("msg".into(), "成功".into()),
                ("amount".into(), "1.0".into()),
                ("n".into(), "".into()),
                ("o".into(), r#"{"a": 1}"#.into()),
            ]
        );
    }

    fn def(name: &'static str, ty: FieldType, fields: Vec<FieldDef>) -> FieldDef {
        FieldDef {
            name: std::borrow::Cow::Borrowed(name),
            ty,
            fields: fields.into(),
            ..FieldDef::TEXT
        }
    }

    #[test]
    fn yuan_numbers_keep_their_text_by_the_field_table() {
        let defs = [
            def("total_amount", FieldType::Yuan, vec![]),
            def(
                "goods",
                FieldType::List,
                vec![def("price", FieldType::Yuan, vec![])],
            ),
            def("rate", FieldType::Json, vec![]),
        ];
        let text =
            r#"{"total_amount":100.00,"goods":[{"price":0.1,"n":1.50}],"rate":0.5,"other":2.50}"#;
        assert_eq!(
            typed_value(text, &defs).unwrap(),
            serde_json::json!({
                "total_amount": "100.00",
                "goods": [{"price": "0.1", "n": 1.5}],
                "rate": 0.5,
                "other": 2.5
            })
        );
        // Text stays text; a bad number is refused, naming the member.
        let quoted = typed_value(r#"{"total_amount":"1.00"}"#, &defs).unwrap();
        assert_eq!(quoted["total_amount"], "1.00");
        for bad in ["1e2", "1.005", "-0.00", "01.00"] {
            let error = typed_value(&format!(r#"{{"total_amount":{bad}}}"#), &defs);
            let message = error.unwrap_err().to_string();
            assert!(message.contains("`total_amount`"), "{bad}: {message}");
        }
        let nested = typed_value(r#"{"goods":[{"price":2E1}]}"#, &defs).unwrap_err();
        assert!(nested.to_string().contains("`price`"), "{nested}");
        assert!(typed_value(r#"{"goods":[{"price":1,"price":1}]}"#, &defs).is_err());
        assert_eq!(
            typed_member("88.80", Some(&defs[0])).unwrap(),
            Value::String("88.80".into())
        );
    }

    #[test]
    fn repeated_names_are_refused_at_every_depth() {
        let top = r#"{"trade_status":"SUCCESS","trade_status":null}"#;
        assert!(serde_json::from_str::<RawObject>(top).is_err());
        assert!(strict_value(top).is_err());
        assert!(strict_value(r#"{"a":[{"b":1,"b":2}]}"#).is_err());
        assert_eq!(
            strict_value(r#"{"a":[{"b":1,"c":"x"}],"d":null}"#).unwrap(),
            serde_json::json!({"a":[{"b":1,"c":"x"}],"d":null})
        );
        assert!(strict_value(r#"{"a":1} trailing"#).is_err());
    }
}
