//! Raw `k=v&k=v` bodies (`body: form_raw`): names and values written as they are, not
//! URL-encoded, as some providers send and sign them.
//!
//! Such a body has one reading only if no value holds `&` and no name holds `&` or `=`:
//! the reader splits at every `&` and each piece at its first `=` (so a value may hold
//! `=`, as base64 does). A writer refuses what would break that; a reader refuses a
//! piece without `=`, an empty name or a repeated one, each of which shows the body was
//! not written by that rule.

use thiserror::Error;

/// Why a raw body cannot be written or read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RawFormError {
    /// A value holds `&`: read back, the rest would be another field.
    #[error("the value of `{0}` holds `&`, which a raw form body cannot carry")]
    AmpersandInValue(String),
    /// A name holds `&` or `=`, or is empty.
    #[error("field name `{0}` is empty or holds `&` or `=`")]
    BadName(String),
    /// A received piece between two `&` has no `=`: a value held `&`, so the body has
    /// more than one reading.
    #[error("`{0}` has no `=`: a value holding `&` gives the body two readings")]
    PieceWithoutEquals(String),
    /// A received name appears twice.
    #[error("duplicate field `{0}`")]
    Duplicate(String),
}

/// Appends `name=value` pairs joined by `&`, exactly as given.
pub fn write<'f>(
    fields: impl IntoIterator<Item = (&'f str, &'f str)>,
    out: &mut String,
) -> Result<(), RawFormError> {
    for (index, (name, value)) in fields.into_iter().enumerate() {
        if name.is_empty() || name.contains(['&', '=']) {
            return Err(RawFormError::BadName(name.to_owned()));
        }
        if value.contains('&') {
            return Err(RawFormError::AmpersandInValue(name.to_owned()));
        }
        if index > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    Ok(())
}

/// The fields of a received raw body, in order, exactly as received (no trimming, no
/// decoding: `+` and `%2B` stay themselves). An empty body has no fields.
pub fn parse(body: &str) -> Result<Vec<(&str, &str)>, RawFormError> {
    let mut fields: Vec<(&str, &str)> = Vec::new();
    if body.is_empty() {
        return Ok(fields);
    }
    for piece in body.split('&') {
        let Some((name, value)) = piece.split_once('=') else {
            return Err(RawFormError::PieceWithoutEquals(piece.to_owned()));
        };
        if name.is_empty() {
            return Err(RawFormError::BadName(String::new()));
        }
        if fields.iter().any(|(seen, _)| *seen == name) {
            return Err(RawFormError::Duplicate(name.to_owned()));
        }
        fields.push((name, value));
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_kept_exactly_and_may_hold_equals() {
        let body = "sign=ab+c/d==&url=http://x/?a%20b&note=1 2";
        assert_eq!(
            parse(body).unwrap(),
            [
                ("sign", "ab+c/d=="),
                ("url", "http://x/?a%20b"),
                ("note", "1 2")
            ]
        );
        let mut out = String::new();
        write(parse(body).unwrap(), &mut out).unwrap();
        assert_eq!(out, body);
    }

    #[test]
    fn a_body_with_two_readings_is_refused() {
        assert_eq!(
            parse("a=fish & chips&b=1"),
            Err(RawFormError::PieceWithoutEquals(" chips".into()))
        );
        assert_eq!(
            parse("a=1&&b=2"),
            Err(RawFormError::PieceWithoutEquals(String::new()))
        );
        assert_eq!(parse("=1"), Err(RawFormError::BadName(String::new())));
        assert_eq!(parse("a=1&a=2"), Err(RawFormError::Duplicate("a".into())));
        assert_eq!(parse(""), Ok(Vec::new()));
    }

    #[test]
    fn what_would_read_back_otherwise_is_not_written() {
        let mut out = String::new();
        assert_eq!(
            write([("a", "x&b=1")], &mut out),
            Err(RawFormError::AmpersandInValue("a".into()))
        );
        assert_eq!(
            write([("a=b", "1")], &mut out),
            Err(RawFormError::BadName("a=b".into()))
        );
        assert_eq!(
            write([("", "1")], &mut out),
            Err(RawFormError::BadName(String::new()))
        );
    }
}
