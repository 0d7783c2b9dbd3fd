//! Money written as decimal 元 (`0.01`, `100.00`): exact text to and from [`Fen`],
//! never through a float.
//!
//! Sent: always two places, `-` only for negative amounts (`-0.01`).
//! Received: `digits[.d[d]]` with an optional leading `-`: `100`, `100.0` and `100.00`
//! are all 10000 分 (providers trim trailing zeros, and the value is unambiguous).
//! Refused: a third decimal place (`1.005` is not a whole number of 分), exponents
//! (`1e2`), a leading `+`, leading zeros (`007.00`), a bare `.5` or `5.`, surrounding
//! spaces, and negative zero (`-0`, `-0.00`: no provider sends it, so it is a bug).
//! A JSON number arrives here as text too: the received message's one parse keeps the
//! number's own text for a `yuan` field ([`crate::wire::raw_json::typed_value`]); only a
//! caller without the field table hands over a float, which is refused.

use crate::wire::de::Fen;
use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// Why a text is not an amount of 元.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YuanError {
    /// The text is not `digits[.d[d]]`.
    #[error("`{0}` is not an amount of 元 such as `0.01` or `100.00`")]
    Syntax(String),
    /// More than two decimal places.
    #[error("`{0}` has more than two decimal places: not a whole number of 分")]
    TooPrecise(String),
    /// `-0` and friends.
    #[error("`{0}` is a negative zero")]
    NegativeZero(String),
    /// Beyond the range of `i64` 分.
    #[error("`{0}` is too large")]
    Overflow(String),
}

/// The wire text of an amount: decimal 元 with exactly two places.
pub fn format(amount: Fen) -> String {
    let mut out = String::with_capacity(24);
    write(amount, &mut out);
    out
}

/// Appends the wire text of an amount.
pub fn write(amount: Fen, out: &mut String) {
    if amount.0 < 0 {
        out.push('-');
    }
    // unsigned_abs: i64::MIN has no positive i64 counterpart.
    let fen = amount.0.unsigned_abs();
    out.push_str(itoa::Buffer::new().format(fen / 100));
    out.push('.');
    let cents = fen % 100;
    out.push(char::from(b'0' + (cents / 10) as u8));
    out.push(char::from(b'0' + (cents % 10) as u8));
}

/// Parses received decimal 元 exactly (rules in the module documentation).
pub fn parse(text: &str) -> Result<Fen, YuanError> {
    let syntax = || YuanError::Syntax(text.to_owned());
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (whole.len() > 1 && whole.starts_with('0')) {
        return Err(syntax());
    }
    let cents = match fraction {
        None => 0,
        Some(f) if !digits(f) => return Err(syntax()),
        Some(f) if f.len() > 2 => return Err(YuanError::TooPrecise(text.to_owned())),
        Some(f) => {
            let value: i64 = f.parse().map_err(|_| syntax())?;
            if f.len() == 1 {
                value * 10
            } else {
                value
            }
        }
    };
    let overflow = || YuanError::Overflow(text.to_owned());
    let whole: i64 = whole.parse().map_err(|_| overflow())?;
    let fen = whole
        .checked_mul(100)
        .and_then(|f| f.checked_add(cents))
        .ok_or_else(overflow)?;
    if negative && fen == 0 {
        return Err(YuanError::NegativeZero(text.to_owned()));
    }
    Ok(Fen(if negative { -fen } else { fen }))
}

struct YuanValue;

impl Visitor<'_> for YuanValue {
    type Value = Fen;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an amount of 元 as text, such as \"0.01\"")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Fen, E> {
        parse(v).map_err(E::custom)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Fen, E> {
        v.checked_mul(100)
            .map(Fen)
            .ok_or_else(|| E::custom("amount too large"))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Fen, E> {
        i64::try_from(v)
            .ok()
            .and_then(|v| v.checked_mul(100))
            .map(Fen)
            .ok_or_else(|| E::custom("amount too large"))
    }
    // A JSON number with a fraction has already been through a float by the time it
    // gets here; refusing it keeps money away from floats.
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Fen, E> {
        Err(E::custom(format!(
            "the amount {v} arrived as a JSON number with a fraction; 元 must arrive as text"
        )))
    }
}

/// Deserializes a required amount of 元 into [`Fen`].
pub fn de<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Fen, D::Error> {
    deserializer.deserialize_any(YuanValue)
}

/// Deserializes an optional amount of 元; `null` and `""` are `None`.
pub fn opt_de<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Fen>, D::Error> {
    struct Optional;
    impl<'de> Visitor<'de> for Optional {
        type Value = Option<Fen>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            YuanValue.expecting(f)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(Optional)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            if v.is_empty() {
                Ok(None)
            } else {
                YuanValue.visit_str(v).map(Some)
            }
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            YuanValue.visit_i64(v).map(Some)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            YuanValue.visit_u64(v).map(Some)
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            YuanValue.visit_f64(v).map(Some)
        }
    }
    deserializer.deserialize_option(Optional)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_exactly_two_places() {
        let cases = [
            (1, "0.01"),
            (10, "0.10"),
            (10000, "100.00"),
            (0, "0.00"),
            (-150, "-1.50"),
            (8888, "88.88"),
        ];
        for (fen, text) in cases {
            assert_eq!(format(Fen(fen)), text);
            assert_eq!(parse(text), Ok(Fen(fen)), "{text}");
        }
        assert_eq!(format(Fen(i64::MIN)), "-92233720368547758.08");
    }

    #[test]
    fn receives_trimmed_zeros() {
        assert_eq!(parse("100"), Ok(Fen(10000)));
        assert_eq!(parse("100.0"), Ok(Fen(10000)));
        assert_eq!(parse("0.5"), Ok(Fen(50)));
    }

    #[test]
    fn refuses_what_is_not_exact_decimal_yuan() {
        for bad in [
            "", "1.", ".5", "1e2", "+1", " 1", "1 ", "007.00", "1,00", "0x10", "NaN", "--1",
        ] {
            assert_eq!(parse(bad), Err(YuanError::Syntax(bad.into())), "{bad:?}");
        }
        assert_eq!(parse("1.005"), Err(YuanError::TooPrecise("1.005".into())));
        assert_eq!(parse("-0.00"), Err(YuanError::NegativeZero("-0.00".into())));
        assert_eq!(parse("-0"), Err(YuanError::NegativeZero("-0".into())));
        assert!(matches!(
            parse("99999999999999999999"),
            Err(YuanError::Overflow(_))
        ));
    }

    #[derive(serde::Deserialize)]
    struct Amounts {
        #[serde(deserialize_with = "de")]
        total: Fen,
        #[serde(default, deserialize_with = "opt_de")]
        refund: Option<Fen>,
    }

    #[test]
    fn deserializes_text_and_whole_numbers_never_fractions() {
        let a: Amounts = serde_json::from_str(r#"{"total":"88.88","refund":""}"#).unwrap();
        assert_eq!((a.total, a.refund), (Fen(8888), None));
        let b: Amounts = serde_json::from_str(r#"{"total":88,"refund":"0.01"}"#).unwrap();
        assert_eq!((b.total, b.refund), (Fen(8800), Some(Fen(1))));
        assert!(serde_json::from_str::<Amounts>(r#"{"total":88.88}"#).is_err());
        assert!(serde_json::from_str::<Amounts>(r#"{"total":"1.005"}"#).is_err());
    }
}
