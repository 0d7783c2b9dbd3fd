//! A recipe that joins the signed values by nothing (`form: values, join: ""`) signs a
//! string with no single reading: `a=12, b=3` and `a=1, b=23` both sign `123`. Such a
//! spec is warned about, and on receipt each signed field must meet its declared format,
//! so a split that breaks a length is refused. The spec is lowered at run time, as the
//! CLI and the sandbox do; the reply is signed here with md-5 directly.

use md5::{Digest, Md5};
use paygen::{Credentials, Error};

mod lowered;

const BASE: &str = include_str!("ui/specs/base.yaml");
const KEY: &str = "values-joined-by-nothing";

fn spec() -> paygen_codegen::ValidSpec {
    let text = BASE
        .replacen(
            "canonical: { exclude: [sign] }",
            "canonical: { exclude: [sign], form: values, join: \"\", order: [code, a, b] }",
            1,
        )
        .replacen(
            "      - { name: code, type: string, required: true }",
            "      - { name: code, type: string, required: true }\n      - { name: a, type: string, required: true, max_length: 2 }\n      - { name: b, type: string, required: true, max_length: 1 }",
            1,
        );
    paygen_codegen::parse_str(&text, "values.yaml").unwrap_or_else(|e| panic!("{e}"))
}

/// MD5 of the values in order, then `&key=` and the key, upper hex (the base spec's
/// key placement).
fn reply(a: &str, b: &str) -> String {
    let sign = hex::encode_upper(Md5::digest(format!("0{a}{b}&key={KEY}").as_bytes()));
    format!(r#"{{"code":"0","a":"{a}","b":"{b}","sign":"{sign}"}}"#)
}

fn judge(body: &str) -> Result<(), Error> {
    let credentials = Credentials::new()
        .plain("merchant", "m1")
        .secret("key", KEY);
    lowered::judge_pay_reply(&spec(), &credentials, body)
}

#[test]
fn a_recipe_joining_values_by_nothing_is_warned_about() {
    let warnings: Vec<String> = spec().warnings().iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("cannot be read back"), "{warnings:?}");
}

#[test]
fn another_split_of_the_signed_text_is_refused_by_the_declared_lengths() {
    judge(&reply("12", "3")).unwrap_or_else(|e| panic!("{e}"));
    // The same signed text, `0123`, split another way: `b` is longer than its table says.
    let genuine = reply("12", "3");
    let resplit = genuine.replace(r#""a":"12","b":"3""#, r#""a":"1","b":"23""#);
    assert_ne!(resplit, genuine);
    let error = judge(&resplit).unwrap_err();
    let Error::Decode { reason, .. } = &error else {
        panic!("{error:?}");
    };
    assert!(reason.contains("`b`"), "{reason}");
    assert!(reason.contains("no single reading"), "{reason}");
}
