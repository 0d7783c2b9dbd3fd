//! Checks business fields against the operation's field table before anything is signed.

use crate::error::{Error, ParamRule};
use crate::wire::WireFields;
use crate::wire::WireValue;
use paygen_protocol::{FieldDef, FieldRule, FieldType, Operation};
use serde_json::Value;

/// [`validate_fields`], the operation's at-least-one-of groups and its field rules.
pub fn validate_request(operation: &Operation, fields: &WireFields<'_>) -> Result<(), Error> {
    validate_fields(&operation.request, fields)?;
    validate_rules(&operation.rules, fields)?;
    for group in operation.one_of.iter() {
        let given = group
            .iter()
            .any(|name| fields.get(name).is_some_and(|v| !v.is_empty()));
        if !given {
            return Err(Error::InvalidParam {
                field: group.first().map(|n| n.to_string()).unwrap_or_default(),
                rule: ParamRule::OneOf {
                    fields: group.iter().map(|n| n.to_string()).collect(),
                },
            });
        }
    }
    Ok(())
}

/// The rules the document states beside its table: sums, conditional requirements,
/// bounds, character sets, and that a hashed field carries a SHA1.
pub fn validate_rules(rules: &[FieldRule], fields: &WireFields<'_>) -> Result<(), Error> {
    let given = |name: &str| fields.get(name).filter(|v| !v.is_empty());
    let invalid = |field: &str, rule| Error::InvalidParam {
        field: field.to_owned(),
        rule,
    };
    let number = |name: &str| -> Result<i64, Error> {
        match given(name) {
            None => Ok(0),
            Some(value) => value.text().parse::<i64>().map_err(|_| {
                invalid(
                    name,
                    ParamRule::WrongType {
                        expected: "a whole number",
                    },
                )
            }),
        }
    };
    for rule in rules {
        match rule {
            FieldRule::Sum { field, plus, minus } => {
                if given(field).is_none() {
                    continue;
                }
                let actual = number(field)?;
                let mut expected: i64 = 0;
                for name in plus.iter() {
                    expected = expected.saturating_add(number(name)?);
                }
                for name in minus.iter() {
                    expected = expected.saturating_sub(number(name)?);
                }
                if actual != expected {
                    let mut formula = plus.join(" + ");
                    for name in minus.iter() {
                        formula.push_str(" - ");
                        formula.push_str(name);
                    }
                    return Err(invalid(
                        field,
                        ParamRule::Sum {
                            formula,
                            expected,
                            actual,
                        },
                    ));
                }
            }
            FieldRule::RequiredWhen {
                field,
                when,
                equals,
            } => {
                let Some(deciding) = given(when) else {
                    continue;
                };
                let deciding = deciding.text();
                if given(field).is_none() && equals.iter().any(|v| *v == *deciding) {
                    return Err(invalid(
                        field,
                        ParamRule::RequiredWhen {
                            when: when.to_string(),
                            value: deciding.into_owned(),
                        },
                    ));
                }
            }
            FieldRule::Range {
                field,
                min,
                max,
                yuan,
            } => {
                if let Some(value) = given(field) {
                    out_of_range(&value.text(), *min, *max, *yuan)
                        .map_err(|rule| invalid(field, rule))?;
                }
            }
            FieldRule::Charset { field, charset } => {
                if let Some(value) = given(field) {
                    if !value.text().chars().all(|c| charset.allows(c)) {
                        return Err(invalid(
                            field,
                            ParamRule::Charset {
                                allowed: charset.describe(),
                            },
                        ));
                    }
                }
            }
            // Checked once hashed, as sent and as a provider receives it.
            FieldRule::Sha1Hex { field } => {
                if let Some(value) = given(field) {
                    let text = value.text();
                    let hex = text.len() == 40
                        && text
                            .bytes()
                            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                    if !hex {
                        return Err(invalid(
                            field,
                            ParamRule::Charset {
                                allowed: "40 lowercase hex digits (the value's SHA1)",
                            },
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Whether `text`, a whole number or (with `yuan`) an amount of 元, lies within the
/// bounds (in 分 for an amount); the rule it breaks when not.
fn out_of_range(
    text: &str,
    min: Option<i64>,
    max: Option<i64>,
    yuan: bool,
) -> Result<(), ParamRule> {
    let actual = if yuan {
        crate::wire::yuan::parse(text)
            .map(|fen| fen.0)
            .map_err(|_| ParamRule::WrongType {
                expected: "an amount of 元 such as 0.01",
            })?
    } else {
        text.parse::<i64>().map_err(|_| ParamRule::WrongType {
            expected: "a whole number",
        })?
    };
    if min.is_some_and(|min| actual < min) || max.is_some_and(|max| actual > max) {
        return Err(ParamRule::OutOfRange {
            min,
            max,
            actual,
            yuan,
        });
    }
    Ok(())
}

/// The bounds the document sets on a successful reply's fields (`Range` rules over its
/// top-level fields, as received text); the field and the rule it breaks when not.
pub fn check_reply_bounds(
    rules: &[FieldRule],
    fields: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), (String, ParamRule)> {
    for rule in rules {
        let FieldRule::Range {
            field,
            min,
            max,
            yuan,
        } = rule
        else {
            continue;
        };
        let text = match fields.get(field.as_ref()) {
            None | Some(serde_json::Value::Null) => continue,
            Some(serde_json::Value::String(s)) if s.is_empty() => continue,
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        out_of_range(&text, *min, *max, *yuan).map_err(|rule| (field.to_string(), rule))?;
    }
    Ok(())
}

/// Business fields for `operation` from a JSON object of parameters by wire name, as
/// [`crate::wire::fields_from_json`], then [`apply_sent_as`].
pub fn request_fields_from_json(
    operation: &Operation,
    params: &serde_json::Map<String, serde_json::Value>,
) -> Result<WireFields<'static>, Error> {
    let fields = crate::wire::fields_from_json(&operation.request, params)?;
    Ok(apply_sent_as(operation, fields))
}

/// `fields` with each `sent_as` field replaced by what is sent (a password by its
/// SHA1), as a generated request's `to_wire` does: for fields built from parameters.
pub fn apply_sent_as(operation: &Operation, fields: WireFields<'static>) -> WireFields<'static> {
    let hashed = |name: &str| {
        operation
            .rules
            .iter()
            .any(|rule| matches!(rule, FieldRule::Sha1Hex { field } if field == name))
    };
    if !fields.iter().any(|(name, _)| hashed(name)) {
        return fields;
    }
    let mut out = WireFields::with_capacity(fields.len());
    for (name, value) in fields.as_slice() {
        let value = if hashed(name) && !value.is_empty() {
            crate::wire::WireValue::Text(std::borrow::Cow::Owned(crate::crypto::digest::sha1_hex(
                &value.text(),
            )))
        } else {
            value.clone()
        };
        out.push(name.clone(), value);
    }
    out
}

/// Every field known, every required field present and non-empty, lengths and documented
/// values respected.
pub fn validate_fields(defs: &[FieldDef], fields: &WireFields<'_>) -> Result<(), Error> {
    let invalid = |def: &FieldDef, rule| Error::InvalidParam {
        field: def.name.to_string(),
        rule,
    };
    // Generated requests and `fields_from_json` list fields in the table's order: then one
    // walk over both lists pairs each field with its definition. Anything else is looked
    // up by name.
    let entries = fields.as_slice();
    let mut cursor = 0;
    for def in defs {
        if entries
            .get(cursor)
            .is_some_and(|(name, _)| *name == def.name)
        {
            cursor += 1;
        }
    }
    let in_order = cursor == entries.len();
    if !in_order {
        for (name, _) in fields.iter() {
            if !defs.iter().any(|def| def.name == name) {
                return Err(Error::InvalidParam {
                    field: name.to_owned(),
                    rule: ParamRule::Unknown,
                });
            }
        }
    }
    let mut cursor = 0;
    for def in defs {
        let value = if in_order {
            match entries.get(cursor) {
                Some((name, value)) if *name == def.name => {
                    cursor += 1;
                    Some(value)
                }
                _ => None,
            }
        } else {
            fields.get(&def.name)
        };
        let Some(value) = value else {
            if def.required {
                return Err(invalid(def, ParamRule::Required));
            }
            continue;
        };
        if value.is_empty() {
            if def.required {
                return Err(invalid(def, ParamRule::Required));
            }
            continue;
        }
        if !def.fields.is_empty() {
            validate_object(def, value)?;
            continue;
        }
        if def.max_length.is_none() && def.min_length.is_none() && def.values.is_empty() {
            continue;
        }
        let text = value.text();
        if let Some(max) = def.max_length {
            // Bytes are never fewer than characters: count only when it may matter.
            let actual = if text.len() <= max as usize {
                0
            } else {
                text.chars().count()
            };
            if actual > max as usize {
                return Err(invalid(def, ParamRule::TooLong { max, actual }));
            }
        }
        if let Some(rule) = too_short(def, &text) {
            return Err(invalid(def, rule));
        }
        if !def.values.is_empty() && !def.values.iter().any(|allowed| allowed == &*text) {
            return Err(invalid(
                def,
                ParamRule::NotAllowed {
                    allowed: def.values.iter().map(|v| v.to_string()).collect(),
                },
            ));
        }
    }
    Ok(())
}

/// An object field's members (or a list's items' members) against its member table:
/// the same rules as top-level fields, each error naming the member by its path
/// (`amount.total`, `goods_detail[0].price`).
fn validate_object(def: &FieldDef, value: &WireValue<'_>) -> Result<(), Error> {
    match value {
        WireValue::Json(json) => validate_nested(def, json, &def.name),
        _ => Err(Error::InvalidParam {
            field: def.name.to_string(),
            rule: ParamRule::WrongType {
                expected: nested_expected(def.ty),
            },
        }),
    }
}

fn nested_expected(ty: FieldType) -> &'static str {
    if ty == FieldType::List {
        "a JSON array of objects"
    } else {
        "a JSON object"
    }
}

fn validate_nested(def: &FieldDef, value: &Value, path: &str) -> Result<(), Error> {
    let wrong = |path: &str| Error::InvalidParam {
        field: path.to_owned(),
        rule: ParamRule::WrongType {
            expected: nested_expected(def.ty),
        },
    };
    match (def.ty, value) {
        (FieldType::Object, Value::Object(members)) => validate_members(&def.fields, members, path),
        (FieldType::List, Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let item_path = format!("{path}[{i}]");
                let Value::Object(members) = item else {
                    return Err(Error::InvalidParam {
                        field: item_path,
                        rule: ParamRule::WrongType {
                            expected: "a JSON object",
                        },
                    });
                };
                validate_members(&def.fields, members, &item_path)?;
            }
            Ok(())
        }
        _ => Err(wrong(path)),
    }
}

fn validate_members(
    defs: &[FieldDef],
    members: &serde_json::Map<String, Value>,
    path: &str,
) -> Result<(), Error> {
    if let Some(unknown) = members
        .keys()
        .find(|name| !defs.iter().any(|def| def.name == name.as_str()))
    {
        return Err(Error::InvalidParam {
            field: format!("{path}.{unknown}"),
            rule: ParamRule::Unknown,
        });
    }
    for def in defs {
        let at = format!("{path}.{}", def.name);
        let invalid = |rule| Error::InvalidParam {
            field: at.clone(),
            rule,
        };
        let value = match members.get(def.name.as_ref()) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) if text.is_empty() => None,
            Some(value) => Some(value),
        };
        let Some(value) = value else {
            if def.required {
                return Err(invalid(ParamRule::Required));
            }
            continue;
        };
        if !def.fields.is_empty() {
            validate_nested(def, value, &at)?;
            continue;
        }
        let text = member_text(def, value).ok_or_else(|| {
            invalid(ParamRule::WrongType {
                expected: member_expected(def),
            })
        })?;
        if let Some(max) = def.max_length {
            let actual = text.chars().count();
            if actual > max as usize {
                return Err(invalid(ParamRule::TooLong { max, actual }));
            }
        }
        if let Some(rule) = too_short(def, &text) {
            return Err(invalid(rule));
        }
        if !def.values.is_empty() && !def.values.iter().any(|allowed| allowed == &*text) {
            return Err(invalid(ParamRule::NotAllowed {
                allowed: def.values.iter().map(|v| v.to_string()).collect(),
            }));
        }
    }
    Ok(())
}

/// The `TooShort` rule `text` breaks, when the field has a `min_length` above its
/// length in characters.
fn too_short(def: &FieldDef, text: &str) -> Option<ParamRule> {
    let min = def.min_length?;
    let actual = text.chars().count();
    (actual < usize::try_from(min).unwrap_or(usize::MAX))
        .then_some(ParamRule::TooShort { min, actual })
}

/// What a member of `def`'s type is written as in a request object.
fn member_expected(def: &FieldDef) -> &'static str {
    match def.ty {
        FieldType::String => "a string",
        FieldType::Int | FieldType::Fen if def.as_string => "a whole number as a string",
        FieldType::Int => "a whole number",
        FieldType::Fen => "a whole number of 分",
        FieldType::Yuan => "an amount of 元 as a string with two decimal places",
        FieldType::Bool => "true or false",
        FieldType::Object | FieldType::List | FieldType::Json => "JSON",
    }
}

/// A member's value as the text its length and documented values are checked on, if
/// it is written as its type is; the types a generated request object writes.
fn member_text<'v>(def: &FieldDef, value: &'v Value) -> Option<std::borrow::Cow<'v, str>> {
    use std::borrow::Cow;
    match (def.ty, value) {
        (FieldType::String, Value::String(text)) => Some(Cow::Borrowed(text)),
        (FieldType::Int | FieldType::Fen, Value::String(text)) if def.as_string => text
            .parse::<i64>()
            .ok()
            .map(|_| Cow::Borrowed(text.as_str())),
        (FieldType::Int | FieldType::Fen, Value::Number(n)) if !def.as_string => {
            n.as_i64().map(|n| Cow::Owned(n.to_string()))
        }
        (FieldType::Yuan, Value::String(text)) => crate::yuan::parse(text)
            .ok()
            .map(|_| Cow::Borrowed(text.as_str())),
        (FieldType::Bool, Value::Bool(flag)) => Some(Cow::Owned(flag.to_string())),
        (FieldType::Object | FieldType::List | FieldType::Json, value) => {
            Some(Cow::Owned(value.to_string()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn def(name: &'static str, ty: FieldType, required: bool) -> FieldDef {
        FieldDef {
            name: Cow::Borrowed(name),
            ty,
            required,
            ..FieldDef::TEXT
        }
    }

    /// WeChat Pay APIv3 JSAPI 下单's `amount` {total, currency} and `scene_info`
    /// {payer_client_ip, h5_info: {type}} (the document's 请求参数 table).
    fn tables() -> Vec<FieldDef> {
        let amount = FieldDef {
            fields: Cow::Owned(vec![
                def("total", FieldType::Fen, true),
                FieldDef {
                    max_length: Some(16),
                    values: Cow::Owned(vec![Cow::Borrowed("CNY")]),
                    ..def("currency", FieldType::String, false)
                },
            ]),
            ..def("amount", FieldType::Object, true)
        };
        let h5_info = FieldDef {
            fields: Cow::Owned(vec![FieldDef {
                max_length: Some(32),
                ..def("type", FieldType::String, true)
            }]),
            ..def("h5_info", FieldType::Object, true)
        };
        let scene_info = FieldDef {
            fields: Cow::Owned(vec![
                def("payer_client_ip", FieldType::String, true),
                h5_info,
            ]),
            ..def("scene_info", FieldType::Object, false)
        };
        let goods = FieldDef {
            fields: Cow::Owned(vec![def("quantity", FieldType::Int, true)]),
            ..def("goods_detail", FieldType::List, false)
        };
        vec![amount, scene_info, goods]
    }

    fn check(json: serde_json::Value) -> Result<(), (String, ParamRule)> {
        let serde_json::Value::Object(object) = json else {
            unreachable!("the tests pass objects")
        };
        let mut fields = WireFields::with_capacity(object.len());
        for (name, value) in object {
            fields.push(name, WireValue::Json(Cow::Owned(value)));
        }
        validate_fields(&tables(), &fields).map_err(|e| match e {
            Error::InvalidParam { field, rule } => (field, rule),
            other => panic!("not a parameter error: {other}"),
        })
    }

    #[test]
    fn members_of_request_objects_are_checked_by_path() {
        use serde_json::json;
        assert_eq!(
            check(json!({"amount": {"total": 1, "currency": "CNY"}})),
            Ok(())
        );
        assert_eq!(
            check(json!({"amount": {"currency": "CNY"}})),
            Err(("amount.total".into(), ParamRule::Required))
        );
        assert_eq!(
            check(json!({"amount": {"total": "1"}})),
            Err((
                "amount.total".into(),
                ParamRule::WrongType {
                    expected: "a whole number of 分"
                }
            ))
        );
        assert_eq!(
            check(json!({"amount": {"total": 1, "currency": "USD"}})),
            Err((
                "amount.currency".into(),
                ParamRule::NotAllowed {
                    allowed: vec!["CNY".into()]
                }
            ))
        );
        assert_eq!(
            check(json!({"amount": {"total": 1, "fee": 2}})),
            Err(("amount.fee".into(), ParamRule::Unknown))
        );
        assert_eq!(
            check(json!({"amount": 1})),
            Err((
                "amount".into(),
                ParamRule::WrongType {
                    expected: "a JSON object"
                }
            ))
        );
        let long = "x".repeat(33);
        assert_eq!(
            check(json!({"amount": {"total": 1},
                "scene_info": {"payer_client_ip": "1.2.3.4", "h5_info": {"type": long}}})),
            Err((
                "scene_info.h5_info.type".into(),
                ParamRule::TooLong {
                    max: 32,
                    actual: 33
                }
            ))
        );
        assert_eq!(
            check(json!({"amount": {"total": 1}, "scene_info": {"h5_info": {"type": "Wap"}}})),
            Err(("scene_info.payer_client_ip".into(), ParamRule::Required))
        );
        assert_eq!(
            check(json!({"amount": {"total": 1}, "goods_detail": [{"quantity": 1}, {}]})),
            Err(("goods_detail[1].quantity".into(), ParamRule::Required))
        );
        assert_eq!(
            check(json!({"amount": {"total": 1}, "goods_detail": [3]})),
            Err((
                "goods_detail[0]".into(),
                ParamRule::WrongType {
                    expected: "a JSON object"
                }
            ))
        );
    }
}
