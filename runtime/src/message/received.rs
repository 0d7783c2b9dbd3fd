//! The check of a decoded received message against its field table, for tools that
//! hold a spec lowered at run time (the CLI, the sandbox) rather than generated types.
//!
//! It accepts what a generated client's typed decoding accepts: each scalar is read by
//! the very deserializers generated code uses ([`crate::wire::de`], [`crate::wire::yuan`]), so XML
//! and form bodies, where every value arrives as text, pass exactly when they would
//! decode. Where that decoding is lenient it stays lenient:
//!
//! - `string` takes text, a number or a boolean, read as its text;
//! - `int` and `fen` take a whole number or its text (never `1.5`); an optional one
//!   also takes `""` as absent;
//! - `yuan` takes decimal text with at most two places, or a whole number;
//! - `bool` takes only `true` or `false`;
//! - `object` and `list` with `fields` take a JSON object, or an array of objects, each
//!   checked against them; without `fields`, and `json`, take any value;
//! - a field with documented `values` is a code table with an `Unknown` fallback: any
//!   text, number or boolean fits, whatever its type.
//!
//! Two rules go beyond typed decoding: JSON `null` counts as absent, also for a
//! required `json` field, and `max_length` and `min_length` are checked on `string` fields, code tables
//! among them, in characters of the text as read. Keys the table does not name pass.

use crate::wire::de::{self, Fen};
use crate::wire::yuan;
use paygen_protocol::{FieldDef, FieldType};
use serde::Deserialize;
use serde_json::{Map, Value};

/// A field of a received message that breaks its field table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{path}` {rule}")]
pub struct FieldProblem {
    /// Dotted path from the message's top, `[i]` for a list item (`items[2].price`).
    pub path: String,
    /// The rule it breaks.
    pub rule: FieldRule,
}

/// The rule of a field table that a received value breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldRule {
    /// A required field is absent or `null`.
    #[error("is required but absent")]
    Missing,
    /// The value does not read as the field's type.
    #[error("is not {}: {reason}", expected_text(*expected, *coded))]
    WrongType {
        /// The type of the table.
        expected: FieldType,
        /// Whether the field has documented values (then it is read as text).
        coded: bool,
        /// What reading it said.
        reason: String,
    },
    /// A text longer than the table's `max_length`.
    #[error("is {length} characters long, more than its maximum of {max}")]
    TooLong {
        /// The table's maximum, in characters.
        max: u32,
        /// The received length, in characters.
        length: usize,
    },
    /// A text shorter than the table's `min_length`.
    #[error("is {length} characters long, less than its minimum of {min}")]
    TooShort {
        /// The table's minimum, in characters.
        min: u32,
        /// The received length, in characters.
        length: usize,
    },
}

fn expected_text(ty: FieldType, coded: bool) -> &'static str {
    if coded {
        return "a code (text, a number or a boolean)";
    }
    match ty {
        FieldType::String => "text (or a number or boolean)",
        FieldType::Int => "a whole number",
        FieldType::Fen => "a whole number of 分",
        FieldType::Yuan => "an amount of 元 with at most two decimal places",
        FieldType::Bool => "true or false",
        FieldType::Object => "an object",
        FieldType::List => "a list of objects",
        FieldType::Json => "JSON",
    }
}

/// Checks a received message's decoded fields against its field table: every required
/// field present, every present value of its type and within its `max_length`. The
/// first problem in table order is returned.
pub fn check_fields(defs: &[FieldDef], fields: &Map<String, Value>) -> Result<(), FieldProblem> {
    walk(defs, fields, "", Presence::Enforced)
}

/// [`check_fields`] without the `required` rule, at any depth: the check of a reply
/// refused by its success rule, which a generated client reports as a refusal before
/// (and instead of) decoding the success type, so it need not carry that type's fields.
pub fn check_present_fields(
    defs: &[FieldDef],
    fields: &Map<String, Value>,
) -> Result<(), FieldProblem> {
    walk(defs, fields, "", Presence::Ignored)
}

/// Whether absent required fields are problems.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Presence {
    Enforced,
    Ignored,
}

fn walk(
    defs: &[FieldDef],
    fields: &Map<String, Value>,
    prefix: &str,
    presence: Presence,
) -> Result<(), FieldProblem> {
    for def in defs {
        let path = if prefix.is_empty() {
            def.name.to_string()
        } else {
            format!("{prefix}.{}", def.name)
        };
        match fields.get(def.name.as_ref()) {
            None | Some(Value::Null) => {
                if def.required && presence == Presence::Enforced {
                    return Err(FieldProblem {
                        path,
                        rule: FieldRule::Missing,
                    });
                }
            }
            Some(value) => check_value(def, value, &path, presence)?,
        }
    }
    Ok(())
}

/// Checks one present, non-null value.
fn check_value(
    def: &FieldDef,
    value: &Value,
    path: &str,
    presence: Presence,
) -> Result<(), FieldProblem> {
    let wrong = |reason: String| FieldProblem {
        path: path.to_owned(),
        rule: FieldRule::WrongType {
            expected: def.ty,
            coded: !def.values.is_empty(),
            reason,
        },
    };
    // A field with documented values is generated as a code enum, read as text
    // whatever the table's type: its number or object rules never apply.
    if !def.values.is_empty() || def.ty == FieldType::String {
        let text = de::text(value).map_err(|e| wrong(e.to_string()))?;
        // A number's `max_length` counts digits, and documents break it themselves
        // (wantu's `type` is int(1) with the value `-1`): only text is held to it.
        if def.ty == FieldType::String {
            return within_length(def, &text, path);
        }
        return Ok(());
    }
    // Optional fields go through the optional deserializers: they differ from the
    // required ones (`""` is an absent optional number, a failure for a required one).
    let read = match (def.ty, def.required) {
        (FieldType::Int, true) => de::int(value).map(drop),
        (FieldType::Int, false) => de::opt_int(value).map(drop),
        (FieldType::Fen, true) => Fen::deserialize(value).map(drop),
        (FieldType::Fen, false) => de::opt_fen(value).map(drop),
        (FieldType::Yuan, true) => yuan::de(value).map(drop),
        (FieldType::Yuan, false) => yuan::opt_de(value).map(drop),
        (FieldType::Bool, _) => bool::deserialize(value).map(drop),
        (FieldType::Object, _) if !def.fields.is_empty() => {
            let Value::Object(members) = value else {
                return Err(wrong(format!("found {}", kind(value))));
            };
            return walk(&def.fields, members, path, presence);
        }
        (FieldType::List, _) if !def.fields.is_empty() => {
            let Value::Array(items) = value else {
                return Err(wrong(format!("found {}", kind(value))));
            };
            for (i, item) in items.iter().enumerate() {
                let item_path = format!("{path}[{i}]");
                let Value::Object(members) = item else {
                    return Err(FieldProblem {
                        rule: FieldRule::WrongType {
                            expected: FieldType::Object,
                            coded: false,
                            reason: format!("found {}", kind(item)),
                        },
                        path: item_path,
                    });
                };
                walk(&def.fields, members, &item_path, presence)?;
            }
            return Ok(());
        }
        // Generated as `serde_json::Value`: anything goes.
        (FieldType::Object | FieldType::List | FieldType::Json, _) => Ok(()),
        (FieldType::String, _) => Ok(()),
    };
    read.map_err(|e| wrong(e.to_string()))
}

fn within_length(def: &FieldDef, text: &str, path: &str) -> Result<(), FieldProblem> {
    if def.max_length.is_none() && def.min_length.is_none() {
        return Ok(());
    }
    let length = text.chars().count();
    // u32 always fits usize on the targets this crate builds for; saturate otherwise.
    let limit = |n: u32| usize::try_from(n).unwrap_or(usize::MAX);
    let broken = match (def.max_length, def.min_length) {
        (Some(max), _) if length > limit(max) => Some(FieldRule::TooLong { max, length }),
        (_, Some(min)) if length < limit(min) => Some(FieldRule::TooShort { min, length }),
        _ => None,
    };
    match broken {
        Some(rule) => Err(FieldProblem {
            path: path.to_owned(),
            rule,
        }),
        None => Ok(()),
    }
}

/// The JSON kind of a value, for a wrong-type reason.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::borrow::Cow;

    fn field(name: &'static str, ty: FieldType, required: bool) -> FieldDef {
        FieldDef {
            name: Cow::Borrowed(name),
            ty,
            required,
            ..FieldDef::TEXT
        }
    }

    fn with_members(mut def: FieldDef, members: Vec<FieldDef>) -> FieldDef {
        def.fields = members.into();
        def
    }

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("test input must be an object, not {other}"),
        }
    }

    fn problem(defs: &[FieldDef], value: Value) -> Option<FieldProblem> {
        check_fields(defs, &map(value)).err()
    }

    #[test]
    fn a_required_field_absent_or_null_is_missing_and_an_optional_one_is_not() {
        let defs = [
            field("bank_type", FieldType::String, true),
            field("attach", FieldType::String, false),
        ];
        assert_eq!(problem(&defs, json!({"bank_type": "CFT"})), None);
        assert_eq!(
            problem(&defs, json!({"attach": "x"})),
            Some(FieldProblem {
                path: "bank_type".into(),
                rule: FieldRule::Missing
            })
        );
        assert_eq!(
            problem(&defs, json!({"bank_type": null}))
                .unwrap()
                .to_string(),
            "field `bank_type` is required but absent"
        );
        assert_eq!(
            problem(&defs, json!({"bank_type": "CFT", "attach": null})),
            None
        );
        // A required `json` field is no exception.
        let data = [field("data", FieldType::Json, true)];
        assert_eq!(
            problem(&data, json!({"data": null})).map(|p| p.rule),
            Some(FieldRule::Missing)
        );
        assert_eq!(problem(&data, json!({"data": [1, "x"]})), None);
    }

    #[test]
    fn numbers_read_as_typed_decoding_reads_them_integer_text_included() {
        let int = [field("count", FieldType::Int, true)];
        let fen = [field("total_fee", FieldType::Fen, true)];
        for defs in [&int[..], &fen[..]] {
            let name = defs[0].name.to_string();
            // XML and form bodies give every value as text.
            for fits in [json!(100), json!("100"), json!(" 7 "), json!(-3)] {
                assert_eq!(problem(defs, json!({ name.clone(): fits })), None);
            }
            for bad in [
                json!("1.5"),
                json!(1.5),
                json!(""),
                json!(true),
                json!("abc"),
            ] {
                let got = problem(defs, json!({ name.clone(): bad.clone() }));
                assert!(
                    matches!(got, Some(FieldProblem { rule: FieldRule::WrongType { expected, .. }, .. }) if expected == defs[0].ty),
                    "{bad}: {got:?}"
                );
            }
        }
        // An optional number may be sent as `""`, as generated code's opt_int allows.
        let optional = [field("coupon_fee", FieldType::Fen, false)];
        assert_eq!(problem(&optional, json!({"coupon_fee": ""})), None);
        assert!(problem(&optional, json!({"coupon_fee": "x1"})).is_some());
    }

    #[test]
    fn yuan_is_decimal_text_with_at_most_two_places() {
        let defs = [field("total_amount", FieldType::Yuan, true)];
        for fits in [json!("88.88"), json!("100"), json!("0.5"), json!(88)] {
            assert_eq!(problem(&defs, json!({ "total_amount": fits })), None);
        }
        for bad in [json!("1.005"), json!("1e2"), json!(88.88), json!("")] {
            assert!(
                problem(&defs, json!({ "total_amount": bad.clone() })).is_some(),
                "{bad}"
            );
        }
        let message = problem(&defs, json!({"total_amount": "1.005"}))
            .unwrap()
            .to_string();
        assert!(message.starts_with("field `total_amount` is not an amount of 元"));
        assert!(
            message.contains("more than two decimal places"),
            "{message}"
        );
        let optional = [field("refund", FieldType::Yuan, false)];
        assert_eq!(problem(&optional, json!({"refund": ""})), None);
    }

    #[test]
    fn text_takes_scalars_and_refuses_containers_and_bool_only_booleans() {
        let defs = [field("name", FieldType::String, true)];
        for fits in [json!("x"), json!(12), json!(false)] {
            assert_eq!(problem(&defs, json!({ "name": fits })), None);
        }
        for bad in [json!({}), json!([])] {
            assert!(problem(&defs, json!({ "name": bad })).is_some());
        }
        let flag = [field("flag", FieldType::Bool, true)];
        assert_eq!(problem(&flag, json!({"flag": true})), None);
        assert!(problem(&flag, json!({"flag": "true"})).is_some());
    }

    #[test]
    fn documented_values_are_not_enforced_and_make_any_type_a_code() {
        let mut status = field("status", FieldType::Int, true);
        status.values = vec![Cow::Borrowed("1"), Cow::Borrowed("-1")].into();
        status.max_length = Some(1);
        let mut state = field("state", FieldType::String, false);
        state.values = vec![Cow::Borrowed("PAID")].into();
        state.max_length = Some(4);
        let defs = [status, state];
        for fits in [json!(0), json!("-1"), json!("PAID")] {
            assert_eq!(problem(&defs, json!({ "status": fits })), None);
        }
        assert!(problem(&defs, json!({"status": {}})).is_some());
        assert_eq!(
            problem(&defs, json!({"status": 1, "state": "REFUND"})).map(|p| p.rule),
            Some(FieldRule::TooLong { max: 4, length: 6 })
        );
    }

    #[test]
    fn min_length_counts_characters_of_a_present_text() {
        let mut order = field("orderid", FieldType::String, false);
        order.min_length = Some(8);
        order.max_length = Some(32);
        let defs = [order];
        assert_eq!(problem(&defs, json!({"orderid": "订单12345678"})), None);
        assert_eq!(problem(&defs, json!({})), None);
        assert_eq!(
            problem(&defs, json!({"orderid": "订单1234"})).map(|p| p.rule),
            Some(FieldRule::TooShort { min: 8, length: 6 })
        );
        assert_eq!(
            problem(&defs, json!({"orderid": 1234567})).map(|p| p.rule),
            Some(FieldRule::TooShort { min: 8, length: 7 })
        );
    }

    #[test]
    fn max_length_counts_characters_of_the_text_as_read() {
        let mut name = field("body", FieldType::String, false);
        name.max_length = Some(4);
        let defs = [name];
        assert_eq!(problem(&defs, json!({"body": "支付测试"})), None);
        assert_eq!(problem(&defs, json!({"body": 1234})), None);
        assert_eq!(
            problem(&defs, json!({"body": "支付测试!"})),
            Some(FieldProblem {
                path: "body".into(),
                rule: FieldRule::TooLong { max: 4, length: 5 }
            })
        );
        assert_eq!(
            problem(&defs, json!({"body": 12345})).unwrap().to_string(),
            "field `body` is 5 characters long, more than its maximum of 4"
        );
    }

    #[test]
    fn objects_and_lists_are_checked_inside_with_dotted_paths() {
        let mut price = field("price", FieldType::Yuan, true);
        price.max_length = Some(9);
        let defs = [
            with_members(
                field("extend", FieldType::Object, false),
                vec![field("code", FieldType::String, true)],
            ),
            with_members(field("goods", FieldType::List, true), vec![price]),
        ];
        let good = json!({"extend": {"code": "A"}, "goods": [{"price": "1.00"}, {"price": "2"}]});
        assert_eq!(problem(&defs, good), None);
        assert_eq!(
            problem(&defs, json!({"extend": {}, "goods": []})).map(|p| p.path),
            Some("extend.code".into())
        );
        assert_eq!(
            problem(
                &defs,
                json!({"goods": [{"price": "1.00"}, {"price": "1.001"}]})
            )
            .map(|p| p.path),
            Some("goods[1].price".into())
        );
        assert_eq!(
            problem(&defs, json!({"goods": [{"price": "1"}, "x"]})),
            Some(FieldProblem {
                path: "goods[1]".into(),
                rule: FieldRule::WrongType {
                    expected: FieldType::Object,
                    coded: false,
                    reason: "found text".into()
                }
            })
        );
        assert_eq!(
            problem(&defs, json!({"goods": "[]"})).map(|p| p.to_string()),
            Some("field `goods` is not a list of objects: found text".into())
        );
        assert!(problem(&defs, json!({"extend": [], "goods": []})).is_some());
        // Without members they are generated as any JSON value.
        let loose = [
            field("meta", FieldType::Object, true),
            field("tags", FieldType::List, true),
        ];
        assert_eq!(problem(&loose, json!({"meta": "x", "tags": 1})), None);
    }

    #[test]
    fn a_refused_reply_is_checked_without_the_required_rule_at_any_depth() {
        let mut code = field("err_code", FieldType::String, false);
        code.max_length = Some(3);
        let defs = [
            field("openid", FieldType::String, true),
            with_members(
                field("detail", FieldType::Object, true),
                vec![field("id", FieldType::Int, true)],
            ),
            code,
        ];
        let refused = map(json!({"detail": {}, "err_code": "BAD"}));
        assert_eq!(check_present_fields(&defs, &refused), Ok(()));
        assert!(check_fields(&defs, &refused).is_err());
        let too_long = map(json!({"err_code": "LONGER"}));
        assert_eq!(
            check_present_fields(&defs, &too_long).map_err(|p| p.rule),
            Err(FieldRule::TooLong { max: 3, length: 6 })
        );
        let wrong = map(json!({"detail": {"id": "x"}}));
        assert_eq!(
            check_present_fields(&defs, &wrong).map_err(|p| p.path),
            Err("detail.id".into())
        );
    }

    #[test]
    fn keys_the_table_does_not_name_pass() {
        let defs = [field("a", FieldType::Int, false)];
        assert_eq!(problem(&defs, json!({"coupon_type": [1], "b": null})), None);
    }
}
