//! Deserializers for generated types that take values as providers really send them:
//! numbers as strings or numbers, codes as strings or numbers.

use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// Money in 分 (integer minor units). Never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Fen(pub i64);

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Fen {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        int(deserializer).map(Fen)
    }
}

impl serde::Serialize for Fen {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.0)
    }
}

struct ScalarText;

impl Visitor<'_> for ScalarText {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number or boolean")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
}

/// A string field that may arrive as a number or boolean.
pub fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    deserializer.deserialize_any(ScalarText)
}

/// An optional string field; `null` is `None`.
pub fn opt_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    deserializer.deserialize_option(OptionOf(ScalarText))
}

struct IntValue;

impl Visitor<'_> for IntValue {
    type Value = i64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a whole number, as a number or a string")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::custom("number too large"))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        v.trim()
            .parse()
            .map_err(|_| E::custom(format!("`{v}` is not a whole number")))
    }
}

/// A whole number that may arrive as a number or a numeric string.
pub fn int<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    deserializer.deserialize_any(IntValue)
}

/// An optional whole number; `null` and `""` are `None`.
pub fn opt_int<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    match deserializer.deserialize_option(OptionOf(ScalarText))? {
        None => Ok(None),
        Some(text) if text.trim().is_empty() => Ok(None),
        Some(text) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("`{text}` is not a whole number"))),
    }
}

/// An optional amount in 分; `null` and `""` are `None`.
pub fn opt_fen<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Fen>, D::Error> {
    opt_int(deserializer).map(|n| n.map(Fen))
}

struct OptionOf<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for OptionOf<V> {
    type Value = Option<V::Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self.0).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Amounts {
        total_fee: Fen,
        #[serde(default, deserialize_with = "opt_int")]
        refund: Option<i64>,
        #[serde(deserialize_with = "text")]
        code: String,
    }

    #[test]
    fn numbers_arrive_as_strings_or_numbers() {
        let a: Amounts =
            serde_json::from_str(r#"{"total_fee":"2000","refund":"","code":200}"#).unwrap();
        assert_eq!(
            (a.total_fee, a.refund, a.code.as_str()),
            (Fen(2000), None, "200")
        );
        let b: Amounts =
            serde_json::from_str(r#"{"total_fee":100,"refund":5,"code":"SUCCESS"}"#).unwrap();
        assert_eq!((b.total_fee, b.refund), (Fen(100), Some(5)));
        assert!(serde_json::from_str::<Amounts>(r#"{"total_fee":"1.5","code":"x"}"#).is_err());
    }
}
