//! The canonical string that most recipes sign: `k=v&...` pairs, or the values alone,
//! sorted or in a documented order, raw or URL-encoded.

use crate::wire::raw_json;
use crate::wire::WireValue;
use paygen_protocol::{Canonical, CanonicalForm, CanonicalSort, NestedValues, ValueEncoding};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::ops::Range;

/// RFC 3986 unreserved characters stay; everything else is percent-encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A value as a canonical string covers it: received text, or a value about to be sent.
#[derive(Debug, Clone, Copy)]
pub enum SignedText<'v> {
    /// Text as received.
    Str(&'v str),
    /// A value of a request being built.
    Wire(&'v WireValue<'v>),
    /// A secret added as a sorted field: its place in the string is recorded so that
    /// explanations mask exactly it.
    Secret(&'v str),
    /// A received nested value (a JSON object or list): its text exactly as received.
    Json(&'v str),
}

impl SignedText<'_> {
    /// `""` (and JSON `null`) only: `0` and `"0"` are never empty.
    fn is_empty(&self) -> bool {
        match self {
            SignedText::Str(text) | SignedText::Secret(text) | SignedText::Json(text) => {
                text.is_empty()
            }
            SignedText::Wire(value) => value.is_empty(),
        }
    }

    /// An object or a list, which `nested` rules write or leave out.
    fn is_nested(&self) -> bool {
        match self {
            SignedText::Json(_) => true,
            SignedText::Wire(WireValue::Json(value)) => value.is_object() || value.is_array(),
            SignedText::Wire(WireValue::RawJson(text)) => text.trim_start().starts_with(['{', '[']),
            _ => false,
        }
    }

    fn write_to(&self, nested: NestedValues, out: &mut String) {
        match (self, nested) {
            (SignedText::Json(text), NestedValues::SortedJson) => write_sorted_text(text, out),
            (SignedText::Wire(WireValue::RawJson(text)), NestedValues::SortedJson) => {
                write_sorted_text(text, out)
            }
            (SignedText::Wire(WireValue::Json(value)), NestedValues::SortedJson)
                if value.is_object() || value.is_array() =>
            {
                raw_json::write_sorted(value, out);
            }
            (SignedText::Str(text) | SignedText::Secret(text) | SignedText::Json(text), _) => {
                out.push_str(text);
            }
            (SignedText::Wire(value), _) => value.write_text(out),
        }
    }
}

/// Appends the sorted compact text of JSON `text`. The text was parsed strictly on
/// receipt (or written by the sender); were it not JSON, it stays as it is and so cannot
/// match a sorted signature.
fn write_sorted_text(text: &str, out: &mut String) {
    match raw_json::sorted_compact(text) {
        Ok(sorted) => out.push_str(&sorted),
        Err(_) => out.push_str(text),
    }
}

/// Builds the canonical string of `pairs` under `rules` into `out`: fields outside the
/// rules' coverage and (when the rules say so) empty values dropped, the rest sorted by
/// name in ASCII order (or in the rules' documented order), each written as `k=v` or as
/// its value alone, encoded as the rules say, and joined. Nested values (objects,
/// lists) appear as their compact JSON text for values being sent, and exactly as
/// received for received ones. `pairs` is reordered. Returns where in `out` secret
/// values were written.
pub fn canonical_string(
    pairs: &mut Vec<(&str, SignedText<'_>)>,
    rules: &Canonical,
    out: &mut String,
) -> Vec<Range<usize>> {
    written_in_order(pairs, rules);
    let mut secrets = Vec::new();
    let mut text = String::new();
    for (index, (name, value)) in pairs.iter().enumerate() {
        if index > 0 {
            out.push_str(&rules.join);
        }
        if rules.form == CanonicalForm::Pairs {
            out.push_str(name);
            out.push_str(&rules.pair_separator);
        }
        let start = out.len();
        write_value(value, rules, &mut text, out);
        if matches!(value, SignedText::Secret(_)) {
            secrets.push(start..out.len());
        }
    }
    secrets
}

/// The first covered field of `pairs` whose name or value would let the canonical string
/// under `rules` be read back into a different list of fields, if any.
///
/// A `k=v` join does not say where a value ends: a value holding the join followed by
/// `name=` can be read as two pairs, so one signed string covers two lists of fields.
/// A reading counts only if it could have been written by the recipe: its names in the
/// recipe's order (ASCII, or the documented `order`), each covered. So the value of a
/// field `f`, followed in the string by `g`, has a second reading when it holds
/// `join` `n` `pair_separator` for a covered name `n` that sorts after `f` and before
/// `g`; a URL's `?b=1&a=2` in a field `url` has none, since `a` sorts before `url`.
/// A name holding the join or the separator reads two ways as well. In the values-only
/// form any value holding the join is a second reading. An empty join cannot be read
/// back at all: validation warns about such recipes, and each field's declared format
/// is checked on receipt instead.
pub fn second_reading<'n>(
    pairs: &[(&'n str, SignedText<'_>)],
    rules: &Canonical,
) -> Option<&'n str> {
    let join = rules.join.as_ref();
    if join.is_empty() {
        return None;
    }
    let separator = rules.pair_separator.as_ref();
    let mut written = pairs.to_vec();
    written_in_order(&mut written, rules);
    let splits = |index: usize, name: &str, text: &str| -> bool {
        if rules.form == CanonicalForm::Values {
            return text.contains(join);
        }
        if name.contains(join) || (!separator.is_empty() && name.contains(separator)) {
            return true;
        }
        // Ordered by value, a pair's place depends on the value it would carry, which
        // the spliced text does not bound: any covered name after a join is a reading.
        let by_value = rules.sort == CanonicalSort::Value && rules.order.is_empty();
        if by_value {
            return text
                .split(join)
                .skip(1)
                .any(|piece| match piece.split_once(separator) {
                    Some((inner, _)) if !separator.is_empty() => rules.covers(inner),
                    _ => separator.is_empty(),
                });
        }
        let (Some(low), high) = (
            place(rules, name),
            written.get(index + 1).and_then(|(n, _)| place(rules, n)),
        ) else {
            return false;
        };
        text.split(join).skip(1).any(|piece| {
            let inner = match piece.split_once(separator) {
                Some((inner, _)) if !separator.is_empty() => inner,
                _ => return separator.is_empty(),
            };
            rules.covers(inner)
                && place(rules, inner).is_some_and(|r| r > low && high.is_none_or(|h| r < h))
        })
    };
    // One buffer for every value's written text: this runs on every verified message.
    let (mut scratch, mut text) = (String::new(), String::new());
    written
        .iter()
        .enumerate()
        .find_map(|(index, (name, value))| {
            text.clear();
            write_value(value, rules, &mut scratch, &mut text);
            splits(index, name, &text).then_some(*name)
        })
}

/// Keeps the fields `rules` write (covered, not empty where empties are skipped, not
/// nested where nested values are left out) and puts them in the string's order; stable
/// for repeated names.
fn written_in_order(pairs: &mut Vec<(&str, SignedText<'_>)>, rules: &Canonical) {
    pairs.retain(|(name, value)| {
        rules.covers(name)
            && !(rules.skip_empty && value.is_empty())
            && !(rules.nested == NestedValues::Omit && value.is_nested())
    });
    if rules.sort == CanonicalSort::Value && rules.order.is_empty() {
        let mut scratch = String::new();
        let mut keyed: Vec<(String, (&str, SignedText<'_>))> = pairs
            .drain(..)
            .map(|pair| {
                let mut text = String::new();
                write_value(&pair.1, rules, &mut scratch, &mut text);
                (text, pair)
            })
            .collect();
        keyed.sort_by(|a, b| {
            (a.0.as_bytes(), a.1 .0.as_bytes()).cmp(&(b.0.as_bytes(), b.1 .0.as_bytes()))
        });
        pairs.extend(keyed.into_iter().map(|(_, pair)| pair));
    } else {
        pairs.sort_by(|a, b| place(rules, a.0).cmp(&place(rules, b.0)));
    }
}

/// Where `name` stands in the string: its place in the documented order, else its bytes
/// (ASCII order); `None` for a name the documented order does not list.
fn place<'a>(rules: &Canonical, name: &'a str) -> Option<(usize, &'a [u8])> {
    if rules.order.is_empty() {
        Some((0, name.as_bytes()))
    } else {
        rules
            .order
            .iter()
            .position(|n| n == name)
            .map(|i| (i, &[][..]))
    }
}

/// Writes `value` into `out` as the string carries it; `scratch` holds the raw text
/// when it must be encoded first.
fn write_value(value: &SignedText<'_>, rules: &Canonical, scratch: &mut String, out: &mut String) {
    match rules.value_encoding {
        ValueEncoding::Raw => value.write_to(rules.nested, out),
        encoding => {
            scratch.clear();
            value.write_to(rules.nested, scratch);
            encode_value(scratch, encoding, out);
        }
    }
}

fn encode_value(text: &str, encoding: ValueEncoding, out: &mut String) {
    match encoding {
        ValueEncoding::Raw => out.push_str(text),
        ValueEncoding::Form => out.extend(form_urlencoded::byte_serialize(text.as_bytes())),
        ValueEncoding::Percent => out.extend(utf8_percent_encode(text, UNRESERVED)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn rules(exclude: &'static [Cow<'static, str>]) -> Canonical {
        Canonical {
            exclude: Cow::Borrowed(exclude),
            ..Canonical::DEFAULT
        }
    }

    fn canonical(pairs: &[(&str, &str)], rules: &Canonical) -> String {
        let mut pairs: Vec<(&str, SignedText<'_>)> = pairs
            .iter()
            .map(|(n, v)| (*n, SignedText::Str(v)))
            .collect();
        let mut out = String::new();
        canonical_string(&mut pairs, rules, &mut out);
        out
    }

    #[test]
    fn document_002_section_2_4_sorted_string() {
        // The parameters and open_key of document 002 section 2.4, in submission order.
        let pairs = [
            ("open_id", "87f46f5db1b65f0ac195285f49ee6958"),
            ("timestamp", "1497957842"),
            ("data", "3304A5EC2CDEB4D12ED3338B5C01BF6B"),
            ("open_key", "0828e83720fdbe3685a7b94214af04f9"),
        ];
        assert_eq!(
            canonical(&pairs, &rules(&[])),
            "data=3304A5EC2CDEB4D12ED3338B5C01BF6B&open_id=87f46f5db1b65f0ac195285f49ee6958&open_key=0828e83720fdbe3685a7b94214af04f9&timestamp=1497957842"
        );
    }

    #[test]
    fn document_000_section_3_1_pairs_sorted_with_capitals_first() {
        // Document 000 section 3.1's parameters; the document's sample lacks the `&`
        // before notifyUrl, which its own prose requires.
        static EXCLUDE: [Cow<'static, str>; 1] = [Cow::Borrowed("sign")];
        let pairs = [
            ("user_token", "123456"),
            ("version", "V1.0.7"),
            ("orderNo", "1524731816"),
            ("money", "1"),
            ("type", "ALIPAY"),
            ("notifyUrl", "http://www.baidu.com"),
            ("auth_code", "28705321936224024"),
            ("operatorId", "1234"),
            ("body", "测试"),
            ("sign", "IGNORED"),
            ("attach", ""),
        ];
        assert_eq!(
            canonical(&pairs, &rules(&EXCLUDE)),
            "auth_code=28705321936224024&body=测试&money=1&notifyUrl=http://www.baidu.com&operatorId=1234&orderNo=1524731816&type=ALIPAY&user_token=123456&version=V1.0.7"
        );
    }

    #[test]
    fn zero_is_not_empty_and_uppercase_sorts_before_lowercase() {
        let pairs = [("b", "0"), ("a", ""), ("B", "x")];
        assert_eq!(canonical(&pairs, &rules(&[])), "B=x&b=0");
    }

    #[test]
    fn values_being_sent_write_their_wire_text() {
        let amount = WireValue::Int(0);
        let nested = WireValue::Json(Cow::Owned(serde_json::json!({"b": 1, "a": "x"})));
        let mut pairs = vec![
            ("total_fee", SignedText::Wire(&amount)),
            ("extended", SignedText::Wire(&nested)),
        ];
        let mut out = String::new();
        canonical_string(&mut pairs, &rules(&[]), &mut out);
        assert_eq!(out, r#"extended={"b":1,"a":"x"}&total_fee=0"#);
    }

    #[test]
    fn values_alone_in_a_documented_order_with_a_separator() {
        static ORDER: [Cow<'static, str>; 3] =
            [Cow::Borrowed("c"), Cow::Borrowed("a"), Cow::Borrowed("b")];
        let rules = Canonical {
            form: CanonicalForm::Values,
            order: Cow::Borrowed(&ORDER),
            join: "|".into(),
            ..rules(&[])
        };
        // `z` is not in the order, so not signed; `b` is empty, so skipped.
        let pairs = [("a", "1"), ("z", "9"), ("b", ""), ("c", "3")];
        assert_eq!(canonical(&pairs, &rules), "3|1");
    }

    #[test]
    fn values_url_encoded_as_form_or_percent() {
        let pairs = [("a", "x y*~+/中")];
        let form = Canonical {
            value_encoding: ValueEncoding::Form,
            ..rules(&[])
        };
        assert_eq!(canonical(&pairs, &form), "a=x+y*%7E%2B%2F%E4%B8%AD");
        let percent = Canonical {
            value_encoding: ValueEncoding::Percent,
            ..rules(&[])
        };
        assert_eq!(canonical(&pairs, &percent), "a=x%20y%2A~%2B%2F%E4%B8%AD");
    }

    fn reading(pairs: &[(&'static str, &'static str)], rules: &Canonical) -> Option<&'static str> {
        let pairs: Vec<(&str, SignedText<'_>)> = pairs
            .iter()
            .map(|(n, v)| (*n, SignedText::Str(v)))
            .collect();
        second_reading(&pairs, rules)
    }

    #[test]
    fn a_value_holding_join_name_separator_has_a_second_reading() {
        // The issue's WeChat attack: err_code folded into appid signs the same string.
        let folded = [
            ("appid", "wx1&err_code=SYSTEMERROR"),
            ("mch_id", "10000100"),
        ];
        assert_eq!(reading(&folded, &rules(&[])), Some("appid"));
        let genuine = [
            ("appid", "wx1"),
            ("err_code", "SYSTEMERROR"),
            ("mch_id", "10000100"),
        ];
        assert_eq!(
            canonical(&folded, &rules(&[])),
            canonical(&genuine, &rules(&[]))
        );
        assert_eq!(reading(&genuine, &rules(&[])), None);
    }

    #[test]
    fn an_ampersand_without_a_pair_after_it_has_one_reading() {
        let pairs = [
            ("body", "fish & chips"),
            ("url", "http://x/?a=1"),
            ("t", "a&b&c"),
        ];
        assert_eq!(reading(&pairs, &rules(&[])), None);
        // `=` later in the same piece, even after other text, is a pair.
        assert_eq!(reading(&[("body", "x&y z=1")], &rules(&[])), Some("body"));
        // A name that holds the separator or the join reads two ways as well.
        assert_eq!(reading(&[("a=b", "1")], &rules(&[])), Some("a=b"));
        assert_eq!(reading(&[("a&b", "1")], &rules(&[])), Some("a&b"));
    }

    #[test]
    fn a_pair_that_could_not_stand_there_is_no_second_reading() {
        // wantu 2.9's genuine `url`: every name after a `&` sorts before `url`, so no
        // string the recipe writes reads that way.
        let url = "https://x/gateway.do?sign_type=MD5&_input_charset=utf-8&notify_url=n&sign=b5";
        let pairs = [("return_code", "200"), ("url", url)];
        assert_eq!(reading(&pairs, &rules(&[])), None);
        // A name between the field and the next one could.
        let pairs = [("appid", "wx1&err_code=X"), ("mch_id", "1")];
        assert_eq!(reading(&pairs, &rules(&[])), Some("appid"));
        let pairs = [("appid", "wx1&nonce_str=X"), ("mch_id", "1")];
        assert_eq!(reading(&pairs, &rules(&[])), None);
        // The last field has no upper bound.
        assert_eq!(
            reading(&[("a", "1"), ("url", "x&zz=1")], &rules(&[])),
            Some("url")
        );
        // An excluded name never stands in the string.
        static EXCLUDE: [Cow<'static, str>; 1] = [Cow::Borrowed("sign")];
        assert_eq!(reading(&[("a", "1&sign=x")], &rules(&EXCLUDE)), None);
    }

    #[test]
    fn a_documented_order_decides_where_a_name_may_stand() {
        static ORDER: [Cow<'static, str>; 3] =
            [Cow::Borrowed("c"), Cow::Borrowed("a"), Cow::Borrowed("b")];
        let ordered = Canonical {
            order: Cow::Borrowed(&ORDER),
            ..rules(&[])
        };
        assert_eq!(reading(&[("c", "1&a=2"), ("b", "3")], &ordered), Some("c"));
        assert_eq!(reading(&[("a", "1&c=2"), ("b", "3")], &ordered), None);
    }

    #[test]
    fn excluded_and_skipped_fields_are_not_read() {
        static EXCLUDE: [Cow<'static, str>; 1] = [Cow::Borrowed("sign")];
        let pairs = [("sign", "a&b=c"), ("x", "1")];
        assert_eq!(reading(&pairs, &rules(&EXCLUDE)), None);
    }

    #[test]
    fn encoded_values_cannot_hold_the_join() {
        let form = Canonical {
            value_encoding: ValueEncoding::Form,
            ..rules(&[])
        };
        assert_eq!(reading(&[("a", "x&b=c")], &form), None);
    }

    #[test]
    fn values_form_refuses_a_value_holding_the_join() {
        let values = Canonical {
            form: CanonicalForm::Values,
            join: "|".into(),
            ..rules(&[])
        };
        assert_eq!(reading(&[("a", "1|2"), ("b", "3")], &values), Some("a"));
        assert_eq!(reading(&[("a", "1&2"), ("b", "3")], &values), None);
    }

    #[test]
    fn secret_positions_are_where_the_secret_was_written() {
        let mut pairs = vec![("k", SignedText::Secret("a")), ("a", SignedText::Str("a"))];
        let mut out = String::new();
        let secrets = canonical_string(&mut pairs, &rules(&[]), &mut out);
        assert_eq!(out, "a=a&k=a");
        assert_eq!(secrets, vec![6..7]);
    }

    #[test]
    fn values_sorted_by_value_with_the_secret_among_them() {
        // WeChat 公众号 接入指南 (mp.weixin.qq.com/wiki/4/2ccadaef44fe1e4b0322355c2312bfa8):
        // token, timestamp and nonce sorted as strings, then joined by nothing.
        let rules = Canonical {
            form: CanonicalForm::Values,
            sort: CanonicalSort::Value,
            join: "".into(),
            ..rules(&[])
        };
        let mut pairs = vec![
            ("timestamp", SignedText::Str("1409304348")),
            ("nonce", SignedText::Str("xxxxxx")),
            ("token", SignedText::Secret("AAAAA")),
        ];
        let mut out = String::new();
        let secrets = canonical_string(&mut pairs, &rules, &mut out);
        assert_eq!(out, "1409304348AAAAAxxxxxx");
        assert_eq!(secrets, vec![10..15]);
    }

    #[test]
    fn pairs_sorted_by_value_then_by_name() {
        let rules = Canonical {
            sort: CanonicalSort::Value,
            ..rules(&[])
        };
        let pairs = [("a", "3"), ("b", "1"), ("d", "2"), ("c", "2")];
        assert_eq!(canonical(&pairs, &rules), "b=1&c=2&d=2&a=3");
        // By name, for comparison: the rule is what changes the string.
        assert_eq!(
            canonical(&pairs, &super::tests::rules(&[])),
            "a=3&b=1&c=2&d=2"
        );
    }

    #[test]
    fn include_signs_only_the_listed_fields() {
        static INCLUDE: [Cow<'static, str>; 2] = [Cow::Borrowed("b"), Cow::Borrowed("a")];
        let rules = Canonical {
            include: Cow::Borrowed(&INCLUDE),
            ..rules(&[])
        };
        assert_eq!(
            canonical(&[("c", "3"), ("b", "2"), ("a", "1")], &rules),
            "a=1&b=2"
        );
    }

    #[test]
    fn by_value_any_covered_pair_after_a_join_is_a_second_reading() {
        let rules = Canonical {
            sort: CanonicalSort::Value,
            ..rules(&[])
        };
        // By name, `zz` could not follow `a` before `b`; by value it could stand anywhere.
        assert_eq!(
            reading(&[("a", "1&zz=2"), ("b", "3")], &super::tests::rules(&[])),
            None
        );
        assert_eq!(reading(&[("a", "1&zz=2"), ("b", "3")], &rules), Some("a"));
        assert_eq!(reading(&[("a", "fish & chips"), ("b", "3")], &rules), None);
        static EXCLUDE: [Cow<'static, str>; 1] = [Cow::Borrowed("sign")];
        let excluding = Canonical {
            exclude: Cow::Borrowed(&EXCLUDE),
            ..rules
        };
        assert_eq!(reading(&[("a", "1&sign=2")], &excluding), None);
    }

    #[test]
    fn nested_values_as_json_sorted_json_or_left_out() {
        let nested = WireValue::Json(Cow::Owned(
            serde_json::json!({"b": {"y": 1, "x": [{"d": 1, "c": "é/\n"}]}, "a": "x"}),
        ));
        let list = WireValue::Json(Cow::Owned(serde_json::json!([2, 1])));
        let scalar = WireValue::Int(7);
        let fields = || {
            vec![
                ("o", SignedText::Wire(&nested)),
                ("l", SignedText::Wire(&list)),
                ("n", SignedText::Wire(&scalar)),
            ]
        };
        let write = |nested| {
            let rules = Canonical {
                nested,
                ..rules(&[])
            };
            let mut out = String::new();
            canonical_string(&mut fields(), &rules, &mut out);
            out
        };
        assert_eq!(
            write(NestedValues::Json),
            r#"l=[2,1]&n=7&o={"b":{"y":1,"x":[{"d":1,"c":"é/\n"}]},"a":"x"}"#
        );
        assert_eq!(
            write(NestedValues::SortedJson),
            r#"l=[2,1]&n=7&o={"a":"x","b":{"x":[{"c":"é/\n","d":1}],"y":1}}"#
        );
        assert_eq!(write(NestedValues::Omit), "n=7");
    }

    #[test]
    fn a_received_nested_value_is_sorted_from_its_own_text() {
        // Numbers keep their received text; whitespace and member order do not count.
        let received = r#"{ "total": 100.00, "currency": "CNY", "detail": {"z": 1e2, "a": null} }"#;
        let rules = Canonical {
            nested: NestedValues::SortedJson,
            ..rules(&[])
        };
        let mut pairs = vec![("amount", SignedText::Json(received))];
        let mut out = String::new();
        canonical_string(&mut pairs, &rules, &mut out);
        assert_eq!(
            out,
            r#"amount={"currency":"CNY","detail":{"a":null,"z":1e2},"total":100.00}"#
        );
        let omit = Canonical {
            nested: NestedValues::Omit,
            ..rules
        };
        let mut pairs = vec![
            ("amount", SignedText::Json(received)),
            ("a", SignedText::Str("1")),
        ];
        let mut out = String::new();
        canonical_string(&mut pairs, &omit, &mut out);
        assert_eq!(out, "a=1");
    }
}
