//! Raw `k=v&k=v` bodies (`body: form_raw`): sent and read exactly as written, not
//! URL-encoded. Read as a form, a genuine raw reply is refused (its base64 signature's `+`
//! becomes a space); read raw, it verifies, and a body with a second reading is refused.
//! The spec is lowered at run time; the reply is signed here with `hmac` and `sha2`.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use paygen::{Credentials, Error, WireFields, WireValue};
use sha2::Sha256;

mod lowered;

const BASE: &str = include_str!("ui/specs/base.yaml");
const KEY: &str = "raw-form-key";

fn spec(response_body: &str) -> paygen_codegen::ValidSpec {
    let text = BASE
        .replacen(
            "    key: { credential: key, placement: { append: \"&key=\" } }\n    digests:\n      - { algorithm: md5, hex: upper }",
            "    key: { credential: key }\n    digests:\n      - { algorithm: hmac_sha256, base64: true }",
            1,
        )
        .replacen("    body: json\n", "    body: form_raw\n", 1)
        .replacen("    body: json\n", &format!("    body: {response_body}\n"), 1)
        .replacen(
            "      - { name: code, type: string, required: true }",
            "      - { name: code, type: string, required: true }\n      - { name: url, type: string }",
            1,
        );
    paygen_codegen::parse_str(&text, "raw.yaml").unwrap_or_else(|e| panic!("{e}"))
}

/// Base64 HMAC-SHA256 of `signed` under `KEY`.
fn hmac_b64(signed: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(signed.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn judge(response_body: &str, body: &str) -> Result<(), Error> {
    let credentials = Credentials::new()
        .plain("merchant", "m1")
        .secret("key", KEY);
    lowered::judge_pay_reply(&spec(response_body), &credentials, body)
}

/// A genuine raw reply whose signature holds `+`, `/` or `=`: the `code` is varied
/// until it does, so that a form reading would change it.
fn genuine() -> String {
    for n in 0.. {
        let url = format!("http://x/?q=a%20b+{n}");
        let sign = hmac_b64(&format!("code=0&url={url}"));
        if sign.contains('+') {
            return format!("code=0&url={url}&sign={sign}");
        }
    }
    unreachable!()
}

#[test]
fn a_raw_reply_verifies_read_raw_and_not_read_as_a_form() {
    let body = genuine();
    judge("form_raw", &body).unwrap_or_else(|e| panic!("{body}: {e}"));
    assert!(judge("form", &body).is_err(), "{body}");
}

#[test]
fn mutants_of_a_raw_reply_are_refused() {
    let body = genuine();
    let mutants = [
        body.replacen("code=0", "code=1", 1),
        body.replacen("%20", " ", 1),
        body.replacen("code=0&", "code=0&code=0&", 1),
        // A value holding `&`: the piece after it has no `=`, two readings.
        body.replacen("code=0", "code=0&x", 1),
        body.replacen("code=0&", "code=0&&", 1),
        format!("{body}\n"),
    ];
    for mutant in mutants {
        assert!(judge("form_raw", &mutant).is_err(), "{mutant}");
    }
}

#[test]
fn a_raw_request_is_written_as_given_and_refuses_an_ampersand() {
    let provider = paygen_codegen::lower(&spec("form_raw"));
    let credentials = Credentials::new()
        .plain("merchant", "m 1+/=")
        .secret("key", KEY);
    let mut fields = WireFields::with_capacity(1);
    fields.push("amount", WireValue::Int(100));
    let request =
        lowered::render_pay(&provider, &credentials, &fields).unwrap_or_else(|e| panic!("{e}"));
    let sign = hmac_b64("amount=100&merchant=m 1+/=");
    assert_eq!(
        request.body,
        format!("merchant=m 1+/=&amount=100&sign={sign}")
    );

    let credentials = Credentials::new()
        .plain("merchant", "m&x=1")
        .secret("key", KEY);
    let error = lowered::render_pay(&provider, &credentials, &fields).unwrap_err();
    assert!(
        matches!(&error, Error::InvalidParam { field, .. } if field == "merchant"),
        "{error:?}"
    );
}
