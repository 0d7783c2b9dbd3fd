//! Canonical strings ordered by value (with the secret among the values), limited to
//! listed fields, and writing nested objects as sorted compact JSON or leaving them out.
//! The specs are lowered at run time, as the CLI and the sandbox do; every expected
//! signature is computed here with the `sha1` and `md-5` crates directly, from the rule
//! as the documents state it.

use md5::{Digest as _, Md5};
use paygen::tooling::encode::{encode_request, RequestContext};
use paygen::{Credentials, Error, FixedClock, FixedNonce, SignatureFailure, WireFields, WireValue};
use sha1::Sha1;

mod lowered;

const BASE: &str = include_str!("ui/specs/base.yaml");
const KEY: &str = "k3y";

/// `BASE` with the request recipe replaced by WeChat's server-check rule (公众号 接入指南,
/// mp.weixin.qq.com/wiki/4/2ccadaef44fe1e4b0322355c2312bfa8: "将token、timestamp、nonce
/// 三个参数进行字典序排序, 将三个参数字符串拼接成一个字符串进行sha1加密"), applied to a
/// request that sends `timestamp` and `nonce`, and the response recipe by `response`.
fn spec(response: &str) -> paygen_codegen::ValidSpec {
    let text = BASE
        .replacen(
            "signatures:\n",
            "signatures:\n  - name: by_value\n    input: canonical\n    canonical: { form: values, sort: value, join: \"\", include: [timestamp, nonce, token] }\n    key: { credential: key, placement: { sorted_field: token } }\n    digests:\n      - { algorithm: sha1, hex: lower }\n",
            1,
        )
        .replacen(
            "      - { name: merchant, value: { credential: merchant } }\n",
            "      - { name: merchant, value: { credential: merchant } }\n      - { name: timestamp, value: { clock: unix_seconds } }\n      - { name: nonce, value: { nonce: 8 } }\n",
            1,
        )
        .replacen(
            "signature: { recipe: md5_upper, output: { field: sign } }",
            "signature: { recipe: by_value, output: { field: signature } }",
            1,
        )
        .replacen(
            "canonical: { exclude: [sign] }",
            &format!("canonical: {response}"),
            1,
        )
        .replacen(
            "      - { name: code, type: string, required: true }",
            "      - { name: code, type: string, required: true }\n      - { name: amount, type: object, fields: [{ name: total, type: int }, { name: currency, type: string }] }\n      - { name: note, type: string }",
            1,
        );
    paygen_codegen::parse_str(&text, "scope.yaml").unwrap_or_else(|e| panic!("{e}"))
}

const SORTED_JSON: &str = "{ exclude: [sign], sort: value, nested: sorted_json }";

#[test]
fn a_request_is_signed_over_its_values_sorted_with_the_secret_among_them() {
    let provider = paygen_codegen::lower(&spec(SORTED_JSON));
    let operation = provider.operation("pay").unwrap();
    let credentials = Credentials::new()
        .plain("merchant", "m1")
        .secret("key", KEY);
    let mut fields = WireFields::with_capacity(1);
    fields.push("amount", WireValue::Int(100));
    let context = RequestContext {
        base_url: "https://pay.example.invalid",
        credentials: &credentials,
        clock: &FixedClock::at_unix_seconds(1_409_304_348),
        nonce: &FixedNonce("xxxxxxxx".into()),
    };
    let request = encode_request(&provider, operation, &fields, &context, None)
        .unwrap_or_else(|e| panic!("{e}"));
    // Sorted by hand: "1409304348" < "k3y" < "xxxxxxxx".
    let mut values = ["1409304348", "xxxxxxxx", KEY];
    values.sort_unstable();
    assert_eq!(values.concat(), "1409304348k3yxxxxxxxx");
    let expected = hex::encode(Sha1::digest(values.concat().as_bytes()));
    let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(body["signature"], expected.as_str(), "{}", request.body);
    // Neither `amount` nor `merchant` is signed: only the included fields are.
    assert_eq!(body["amount"], 100);
}

fn judge(response: &str, body: &str) -> Result<(), Error> {
    let credentials = Credentials::new()
        .plain("merchant", "m1")
        .secret("key", KEY);
    lowered::judge_pay_reply(&spec(response), &credentials, body)
}

/// MD5 upper hex of `signed&key=KEY` (the base spec's recipe).
fn md5_sign(signed: &str) -> String {
    hex::encode_upper(Md5::digest(format!("{signed}&key={KEY}").as_bytes()))
}

/// A reply whose pairs are sorted by value and whose `amount` object is signed as its
/// sorted compact text, signed here: by bytes `0` (0x30) < `ok` (0x6F) < `{` (0x7B), so
/// the string is `code=0&note=ok&amount={...}`.
fn sorted_reply(note: &str, amount: &str) -> String {
    let signed = format!(r#"code=0&note={note}&amount={{"currency":"CNY","total":100}}"#);
    let sign = md5_sign(&signed);
    format!(r#"{{"code":"0","amount":{amount},"note":"{note}","sign":"{sign}"}}"#)
}

#[test]
fn a_reply_sorted_by_value_with_a_sorted_json_object_verifies_and_its_mutants_do_not() {
    let genuine = sorted_reply("ok", r#"{ "total": 100, "currency": "CNY" }"#);
    judge(SORTED_JSON, &genuine).unwrap_or_else(|e| panic!("{e}"));
    // The object's members in another order and spacing are the same object.
    let reordered = sorted_reply("ok", r#"{"currency":"CNY","total":100}"#);
    judge(SORTED_JSON, &reordered).unwrap_or_else(|e| panic!("{e}"));
    // A changed amount inside the object is refused.
    let changed = genuine.replace("100", "1");
    assert!(matches!(
        judge(SORTED_JSON, &changed),
        Err(Error::Signature {
            reason: SignatureFailure::Mismatch,
            ..
        })
    ));
    // A repeated member inside the object is refused (never one of two readings).
    let repeated = genuine.replace(r#""total": 100,"#, r#""total": 100, "total": 1,"#);
    assert!(judge(SORTED_JSON, &repeated).is_err());
}

#[test]
fn a_pair_spliced_into_a_value_sorted_by_value_is_refused() {
    // `note` = `ok&code=0`-style splices: the genuine string `code=0&note=x&zz=1&amount=..`
    // written by a sender with fields note=x, zz=1 also reads as one note holding
    // `x&zz=1`; ordered by value, the place of `zz` cannot rule that out.
    let signed = r#"code=0&note=x&zz=1&amount={"currency":"CNY","total":100}"#;
    let sign = md5_sign(signed);
    let folded = format!(
        r#"{{"code":"0","amount":{{"total":100,"currency":"CNY"}},"note":"x&zz=1","sign":"{sign}"}}"#
    );
    let error = judge(SORTED_JSON, &folded).unwrap_err();
    assert!(
        matches!(&error, Error::Signature { reason: SignatureFailure::SecondReading { field }, .. } if field == "note"),
        "{error:?}"
    );
}

#[test]
fn nested_objects_left_out_are_not_signed_so_not_accepted_as_signed() {
    const OMIT: &str = "{ exclude: [sign], nested: omit }";
    // Signed over the top-level scalars only, by name: code, note.
    let sign = md5_sign("code=0&note=ok");
    let scalars = format!(r#"{{"code":"0","note":"ok","sign":"{sign}"}}"#);
    judge(OMIT, &scalars).unwrap_or_else(|e| panic!("{e}"));
    // The object is outside the signature: the spec rejects unsigned fields.
    let with_object = format!(
        r#"{{"code":"0","amount":{{"total":100,"currency":"CNY"}},"note":"ok","sign":"{sign}"}}"#
    );
    let error = judge(OMIT, &with_object).unwrap_err();
    assert!(
        matches!(&error, Error::Signature { reason: SignatureFailure::UnsignedField(name), .. } if name == "amount"),
        "{error:?}"
    );
}

#[test]
fn values_sorted_by_value_cannot_verify_two_fields() {
    let text = BASE.replacen(
        "canonical: { exclude: [sign] }",
        "canonical: { form: values, sort: value, include: [code, note] }",
        1,
    );
    let errors = paygen_codegen::parse_str(&text, "x.yaml")
        .unwrap_err()
        .to_string();
    assert!(errors.contains("x.yaml:30:"), "{errors}");
    assert!(errors.contains("swap values"), "{errors}");
}
