//! Two JSON codecs of issue 14, on a spec lowered at run time (a variation of
//! `ui/specs/base.yaml`), every signature computed here with the `md-5` crate over a
//! string written by hand:
//!
//! - `json_object_sorted`: the payload field travels as a JSON object, and what is signed
//!   is its sorted compact text (members in byte order of their names at every depth, no
//!   whitespace, numbers as written). The rule is the one of 多宝鱼's open API (
//!   <https://static.kancloud.cn/quanqiuyunshang/juhe/3194471>, 2.序列化参数: "序列化为JSON格式,
//!   并保证所有层级的Key按照ASCII码递增排序", its example noting "嵌套的key也需要排序") and of
//!   Revenue Monster's .NET SDK (`SignatureHelper.GenerateCompactJson`: the canonical
//!   compact JSON of the body, properties sorted); here it is keyed as MD5(text + key).
//! - `yuan` amounts sent as JSON numbers (`"total_amount": 100.00`): read from the
//!   number's own text, never through a float, and signed as received.

use md5::{Digest, Md5};
use paygen::{Credentials, Error, Fen, WireFields, WireValue};
use serde_json::{Map, Value};

mod lowered;

const BASE: &str = include_str!("ui/specs/base.yaml");
const KEY: &str = "sorted-object-key";

/// base.yaml with a `data` payload of `encoding` both ways, signed as MD5(text + key)
/// over the payload field, and a reply table with a `yuan` amount and a nested object.
fn spec_text(encoding: &str) -> String {
    BASE.replacen(
        "    input: canonical\n    canonical: { exclude: [sign] }\n    key: { credential: key, placement: { append: \"&key=\" } }\n    digests:\n      - { algorithm: md5, hex: upper }",
        "    input: payload_field\n    key: { credential: key, placement: { append: \"\" } }\n    digests:\n      - { algorithm: md5, hex: lower }",
        1,
    )
    .replacen(
        "    payload: inline\n",
        &format!("    payload:\n      field: {{ name: data, encoding: {encoding} }}\n"),
        1,
    )
    .replacen(
        "    payload: inline\n",
        &format!("    payload:\n      field: {{ name: data, encoding: {encoding}, flatten: true }}\n"),
        1,
    )
    .replacen(
        "      - { name: amount, type: fen, required: true }",
        "      - { name: amount, type: fen, required: true }\n      - { name: total_amount, type: yuan, required: true }",
        1,
    )
    .replacen(
        "      - { name: code, type: string, required: true }",
        "      - { name: code, type: string, required: true }\n      - { name: total_amount, type: yuan }\n      - name: detail\n        type: object\n        fields:\n          - { name: z, type: string }\n          - { name: price, type: yuan }\n          - { name: a, type: list }",
        1,
    )
}

fn provider(encoding: &str) -> paygen::protocol::Provider {
    let spec = paygen_codegen::parse_str(&spec_text(encoding), "sorted.yaml")
        .unwrap_or_else(|e| panic!("{e}"));
    paygen_codegen::lower(&spec)
}

/// Lowercase hex MD5 of `text` followed by the key, computed with `md-5` directly.
fn md5_keyed(text: &str) -> String {
    hex::encode(Md5::digest(format!("{text}{KEY}").as_bytes()))
}

fn credentials() -> Credentials {
    Credentials::new()
        .plain("merchant", "m1")
        .secret("key", KEY)
}

/// The business fields of a reply to `pay` with a `data` payload of `encoding`, or why
/// it was refused.
fn judge(encoding: &str, body: &str) -> Result<Map<String, Value>, Error> {
    lowered::pay_reply_fields(&provider(encoding), &credentials(), body)
}

/// The sorted compact text of the genuine reply's `data`, written by hand: `code`,
/// `detail` (`a` before `price` before `z`; the items of `a` sorted inside, the list's
/// order kept), `total_amount` with its number as sent.
const SORTED: &str = r#"{"code":"0","detail":{"a":[{"x":1,"y":"b"},{"x":2}],"price":0.10,"z":"测"},"total_amount":100.00}"#;

/// The genuine reply: `data` as the provider might write it, unsorted and spaced.
fn genuine() -> String {
    let data = r#"{ "total_amount": 100.00, "detail": {"z": "测", "price": 0.10, "a": [{"y": "b", "x": 1}, {"x": 2}]}, "code": "0" }"#;
    format!(r#"{{"data":{data},"sign":"{}"}}"#, md5_keyed(SORTED))
}

#[test]
fn a_sorted_object_reply_verifies_over_its_sorted_text_and_decodes_exact_amounts() {
    let body = genuine();
    let fields = judge("json_object_sorted", &body).unwrap_or_else(|e| panic!("{body}: {e}"));
    assert_eq!(fields["code"], "0");
    // The numbers' own text, kept: 100.00 元 is 10000 分, 0.10 元 is 10 分.
    assert_eq!(fields["total_amount"], "100.00");
    assert_eq!(fields["detail"]["price"], "0.10");
    assert_eq!(paygen::yuan::parse("100.00"), Ok(Fen(10000)));
    // Read as a string payload (`json`), the same object is not a payload at all.
    assert!(judge("json", &body).is_err());
}

#[test]
fn mutants_of_a_sorted_object_reply_are_refused_and_reorderings_are_the_same_text() {
    let body = genuine();
    let refused = [
        // A value changed.
        body.replacen(r#""code": "0""#, r#""code": "1""#, 1),
        // A number's text changed, its value not: numbers are signed as written.
        body.replacen("100.00", "100.0", 1),
        // A key given twice, with the same value: one reading only.
        body.replacen(r#""code": "0""#, r#""code": "0", "code": "0""#, 1),
        // A nested key given twice.
        body.replacen(r#""x": 2"#, r#""x": 2, "x": 2"#, 1),
        // An extra key.
        body.replacen(r#""code": "0""#, r#""code": "0", "extra": """#, 1),
        // The order of a list's items is the data's, not sorted.
        body.replacen(
            r#"[{"y": "b", "x": 1}, {"x": 2}]"#,
            r#"[{"x": 2}, {"y": "b", "x": 1}]"#,
            1,
        ),
        // The object sent as a string holding its sorted text.
        format!(
            r#"{{"data":{},"sign":"{}"}}"#,
            serde_json::to_string(SORTED).unwrap(),
            md5_keyed(SORTED)
        ),
        // The signature of another text.
        body.replacen(
            &md5_keyed(SORTED),
            &md5_keyed(&SORTED.replace("100.00", "1.00")),
            1,
        ),
    ];
    for mutant in refused {
        assert!(judge("json_object_sorted", &mutant).is_err(), "{mutant}");
    }
    // Accepted, because sorting makes them the very text that was signed: members
    // reordered at any depth, whitespace, and a string written with another escape.
    let same_text = [
        body.replacen(
            r#"{"z": "测", "price": 0.10, "a""#,
            r#"{"price": 0.10, "a""#,
            1,
        )
        .replacen(r#"{"x": 2}]}"#, r#"{"x": 2}], "z": "测"}"#, 1),
        body.replacen(r#"{"y": "b", "x": 1}"#, r#"{"x": 1, "y": "b"}"#, 1),
        body.replacen(r#""code": "0""#, "\"code\"  :\n\"0\"", 1),
        body.replacen(r#""code": "0""#, r#""code": "\u0030""#, 1),
    ];
    for reordered in same_text {
        assert_ne!(reordered, body);
        let fields =
            judge("json_object_sorted", &reordered).unwrap_or_else(|e| panic!("{reordered}: {e}"));
        assert_eq!(fields["code"], "0", "{reordered}");
    }
}

#[test]
fn a_sorted_object_request_is_sent_as_the_sorted_text_it_signs() {
    let mut fields = WireFields::with_capacity(2);
    fields.push("total_amount", WireValue::Yuan(Fen(10000)));
    fields.push("amount", WireValue::Int(100));
    let request = lowered::render_pay(&provider("json_object_sorted"), &credentials(), &fields)
        .unwrap_or_else(|e| panic!("{e}"));
    // Written by hand: `amount` before `total_amount`, the 元 amount a JSON number with
    // exactly the text 100.00.
    let sorted = r#"{"amount":100,"total_amount":100.00}"#;
    assert_eq!(
        request.body,
        format!(
            r#"{{"merchant":"m1","data":{sorted},"sign":"{}"}}"#,
            md5_keyed(sorted)
        )
    );
}

#[test]
fn a_sorted_object_payload_needs_a_json_body() {
    let text = spec_text("json_object_sorted").replacen("    body: json\n", "    body: form\n", 1);
    let error = paygen_codegen::parse_str(&text, "sorted.yaml")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("sorted.yaml:")
            && error.contains("payload `data` is `json_object_sorted`, whose value is a JSON object: the body must be `json`, not `form`"),
        "{error}"
    );
}

/// base.yaml's `pay` reply with a `total_amount` of 元 beside `code`, signed by the
/// base recipe (MD5 of `k=v&...&key=KEY`, uppercase hex) over the received text.
fn inline_spec() -> paygen::protocol::Provider {
    let text = BASE.replacen(
        "      - { name: code, type: string, required: true }",
        "      - { name: code, type: string, required: true }\n      - { name: total_amount, type: yuan, required: true }\n      - name: goods\n        type: list\n        fields:\n          - { name: price, type: yuan, required: true }",
        1,
    );
    let spec = paygen_codegen::parse_str(&text, "yuan.yaml").unwrap_or_else(|e| panic!("{e}"));
    paygen_codegen::lower(&spec)
}

/// Uppercase hex MD5 of `k=v&...&key=KEY`, written by hand for each case.
fn md5_canonical(signed: &str) -> String {
    hex::encode_upper(Md5::digest(format!("{signed}&key={KEY}").as_bytes()))
}

fn judge_inline(body: &str) -> Result<Map<String, Value>, Error> {
    lowered::pay_reply_fields(&inline_spec(), &credentials(), body)
}

/// A reply whose `total_amount` is the JSON number `amount`, signed over its text.
fn yuan_reply(amount: &str) -> String {
    let goods = r#"[{"price":0.1}]"#;
    let sign = md5_canonical(&format!("code=0&goods={goods}&total_amount={amount}"));
    format!(r#"{{"code":"0","total_amount":{amount},"goods":{goods},"sign":"{sign}"}}"#)
}

#[test]
fn yuan_numbers_are_read_from_their_text_and_signed_as_received() {
    for (amount, fen) in [
        ("100.00", 10000),
        ("0.1", 10),
        ("100", 10000),
        ("88.8", 8880),
    ] {
        let body = yuan_reply(amount);
        let fields = judge_inline(&body).unwrap_or_else(|e| panic!("{body}: {e}"));
        assert_eq!(fields["total_amount"], amount, "{body}");
        let read = paygen::yuan::parse(fields["total_amount"].as_str().unwrap());
        assert_eq!(read, Ok(Fen(fen)), "{body}");
        assert_eq!(fields["goods"][0]["price"], "0.1", "{body}");
    }
    // The text, not the value, is signed: 100.0 in place of a signed 100.00 is refused.
    let body = yuan_reply("100.00").replacen(":100.00,", ":100.0,", 1);
    assert!(judge_inline(&body).is_err(), "{body}");
}

#[test]
fn yuan_numbers_that_are_not_exact_yuan_are_refused_naming_the_field() {
    for amount in ["1e2", "1.005", "100.001", "-0.00", "1E2", "0.1e1"] {
        let body = yuan_reply(amount);
        let error = judge_inline(&body).unwrap_err().to_string();
        assert!(
            error.contains("field `total_amount`") && error.contains(amount),
            "{amount}: {error}"
        );
    }
    // Inside a list of objects too, by the member's name.
    let goods = r#"[{"price":1e2}]"#;
    let sign = md5_canonical(&format!("code=0&goods={goods}&total_amount=1.00"));
    let body = format!(r#"{{"code":"0","total_amount":1.00,"goods":{goods},"sign":"{sign}"}}"#);
    let error = judge_inline(&body).unwrap_err().to_string();
    assert!(
        error.contains("field `goods`") && error.contains("`price`") && error.contains("1e2"),
        "{error}"
    );
}

#[test]
fn a_yuan_request_field_is_sent_as_a_json_number_with_two_places() {
    // base.yaml's request table, with a `yuan` field that is not `as_string`.
    let text = BASE.replacen(
        "      - { name: amount, type: fen, required: true }",
        "      - { name: amount, type: fen, required: true }\n      - { name: total_amount, type: yuan, required: true }",
        1,
    );
    let spec = paygen_codegen::parse_str(&text, "yuan.yaml").unwrap_or_else(|e| panic!("{e}"));
    let mut fields = WireFields::with_capacity(2);
    fields.push("amount", WireValue::Int(1));
    fields.push("total_amount", WireValue::Yuan(Fen(10000)));
    let request = lowered::render_pay(&paygen_codegen::lower(&spec), &credentials(), &fields)
        .unwrap_or_else(|e| panic!("{e}"));
    let sign = md5_canonical("amount=1&merchant=m1&total_amount=100.00");
    assert_eq!(
        request.body,
        format!(r#"{{"merchant":"m1","amount":1,"total_amount":100.00,"sign":"{sign}"}}"#)
    );
}
