//! Reads a JSON object's top-level members as received: names, raw value text, and
//! the text a signature covers (strings unescaped, numbers exactly as sent).

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
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
                let mut members = Vec::new();
                while let Some((name, value)) = map.next_entry::<String, &'de RawValue>()? {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
