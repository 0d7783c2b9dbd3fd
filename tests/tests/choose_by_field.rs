//! A request field that chooses the signing recipe (`choose_by: { field: sign_type }`),
//! as WeChat Pay v2 lets each request choose MD5 (the default when `sign_type` is
//! absent) or HMAC-SHA256 (安全规范, 签名算法: `sign_type`, "默认为MD5").
//!
//! Sources: the document's worked example (stringA below, key
//! `192006250b4c09247ec02edce69f6a2d`, MD5 sign `9A0A8659F005D6984697E2CA0A9CF3B7`,
//! also reproduced by tests/tests/wechatpay_v2.rs); the HMAC-SHA256 signatures are
//! computed here with the `hmac`/`sha2` crates. The spec is lowered at run time; the
//! provider's side (`decode_request`) chooses its verify recipe by the received field,
//! which is signed, so swapping it breaks the signature.

use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use paygen::tooling::encode::{encode_request, RequestContext};
use paygen::tooling::server::{decode_request, ReceivedRequest};
use paygen::tooling::ServerError;
use paygen::{Credentials, Error, FixedClock, FixedNonce, ParamRule, Receiver};
use paygen::{WireFields, WireValue};
use paygen_protocol::Provider;
use sha2::Sha256;

const SPEC: &str = r#"
name: chosen
title: A recipe chosen by a request field
document: none
environments:
  - name: production
    base_url: https://pay.example.invalid
credentials:
  - name: appid
  - name: mch_id
  - name: key
    secret: true
signatures:
  - name: md5
    input: canonical
    canonical: { exclude: [sign] }
    key: { credential: key, placement: { append: "&key=" } }
    digests:
      - { algorithm: md5, hex: upper }
  - name: hmac_sha256
    input: canonical
    canonical: { exclude: [sign] }
    key: { credential: key, placement: { append: "&key=" } }
    digests:
      - { algorithm: hmac_sha256, hex: upper }
protocol:
  request:
    body: json
    payload: inline
    common:
      - { name: appid, value: { credential: appid } }
      - { name: mch_id, value: { credential: mch_id } }
      - { name: nonce_str, value: { nonce: 16 } }
    signature:
      recipe: md5
      choose_by: { field: sign_type, recipes: { MD5: md5, HMAC-SHA256: hmac_sha256 } }
      output: { field: sign }
  response:
    body: json
    payload: inline
    success: { field: code, equals: ["0"] }
operations:
  - name: pay
    summary: Pay
    path: /pay
    request:
      - { name: body, type: string, required: true }
      - { name: device_info, type: string }
      - { name: sign_type, type: string }
    response:
      - { name: code, type: string, required: true }
"#;

const KEY: &str = "192006250b4c09247ec02edce69f6a2d";
const STRING_A: &str =
    "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA";
const DOC_MD5: &str = "9A0A8659F005D6984697E2CA0A9CF3B7";

fn provider() -> Provider {
    let spec = paygen_codegen::parse_str(SPEC, "chosen.yaml").unwrap_or_else(|e| panic!("{e}"));
    paygen_codegen::lower(&spec)
}

fn credentials() -> Credentials {
    Credentials::new()
        .plain("appid", "wxd930ea5d5a258f4f")
        .plain("mch_id", "10000100")
        .secret("key", KEY)
}

fn md5_upper(text: &str) -> String {
    hex::encode_upper(Md5::digest(format!("{text}&key={KEY}")))
}

fn hmac_upper(text: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(format!("{text}&key={KEY}").as_bytes());
    hex::encode_upper(mac.finalize().into_bytes())
}

fn encode(provider: &Provider, sign_type: Option<&str>) -> Result<String, Error> {
    let credentials = credentials();
    let context = RequestContext {
        base_url: "https://pay.example.invalid",
        credentials: &credentials,
        clock: &FixedClock::at_unix_seconds(0),
        nonce: &FixedNonce("ibuaiVcKdpRxkhJA".into()),
    };
    let mut fields = WireFields::with_capacity(3);
    fields.push("body", WireValue::Text("test".into()));
    fields.push("device_info", WireValue::Text("1000".into()));
    if let Some(sign_type) = sign_type {
        fields.push("sign_type", WireValue::Text(sign_type.to_owned().into()));
    }
    let operation = provider.operation("pay").unwrap();
    encode_request(provider, operation, &fields, &context, None).map(|r| r.body)
}

fn receive(provider: &Provider, body: &str) -> Result<(), ServerError> {
    let credentials = credentials();
    let clock = FixedClock::at_unix_seconds(0);
    let receiver = Receiver {
        credentials: &credentials,
        clock: &clock,
        utc_offset_minutes: 0,
        seen: None,
    };
    let received = ReceivedRequest {
        method: "POST",
        target: "/pay",
        headers: &[],
        body,
    };
    decode_request(provider, &receiver, &received).map(|_| ())
}

/// The body the client writes: common fields, business fields, then `sign`.
fn body(sign_type: Option<&str>, sign: &str) -> String {
    let chosen = sign_type.map_or(String::new(), |t| format!(r#","sign_type":"{t}""#));
    format!(
        r#"{{"appid":"wxd930ea5d5a258f4f","mch_id":"10000100","nonce_str":"ibuaiVcKdpRxkhJA","body":"test","device_info":"1000"{chosen},"sign":"{sign}"}}"#
    )
}

#[test]
fn absent_the_field_leaves_the_default_recipe_the_documents_md5() {
    let provider = provider();
    assert_eq!(encode(&provider, None).unwrap(), body(None, DOC_MD5));
    receive(&provider, &body(None, DOC_MD5)).unwrap();
}

#[test]
fn each_value_chooses_its_recipe_over_a_string_that_holds_it() {
    let provider = provider();
    let hmac = hmac_upper(&format!("{STRING_A}&sign_type=HMAC-SHA256"));
    assert_eq!(
        encode(&provider, Some("HMAC-SHA256")).unwrap(),
        body(Some("HMAC-SHA256"), &hmac)
    );
    let md5 = md5_upper(&format!("{STRING_A}&sign_type=MD5"));
    assert_eq!(
        encode(&provider, Some("MD5")).unwrap(),
        body(Some("MD5"), &md5)
    );
    // Signed independently, the provider's side verifies each with the recipe chosen.
    receive(&provider, &body(Some("HMAC-SHA256"), &hmac)).unwrap();
    receive(&provider, &body(Some("MD5"), &md5)).unwrap();
}

#[test]
fn a_value_not_listed_is_a_param_error_naming_the_field() {
    let provider = provider();
    for value in ["SHA1", "md5", "", "HMAC-SHA256 "] {
        let error = encode(&provider, Some(value)).unwrap_err();
        match error {
            Error::InvalidParam {
                field,
                rule: ParamRule::NotAllowed { allowed },
            } => {
                assert_eq!(field, "sign_type", "{value:?}");
                assert_eq!(allowed, ["HMAC-SHA256", "MD5"], "{value:?}");
            }
            other => panic!("{value:?}: {other:?}"),
        }
    }
    // Received, the same value is refused before any signature is checked.
    let received = body(Some("SHA1"), &md5_upper(STRING_A));
    let error = receive(&provider, &received).unwrap_err();
    assert!(
        matches!(error.as_error(), Some(Error::InvalidParam { field, .. }) if field == "sign_type"),
        "{error:?}"
    );
}

#[test]
fn swapping_or_dropping_the_choosing_field_breaks_the_signature() {
    let provider = provider();
    let hmac = hmac_upper(&format!("{STRING_A}&sign_type=HMAC-SHA256"));
    let md5 = md5_upper(&format!("{STRING_A}&sign_type=MD5"));
    let mutants = [
        // The HMAC signature presented as an MD5 one, and the other way round.
        body(Some("MD5"), &hmac),
        body(Some("HMAC-SHA256"), &md5),
        // The choice dropped: the default recipe (MD5) over a string without it.
        body(None, &hmac),
        body(None, &md5),
        // The choice added to the document's default-signed request.
        body(Some("MD5"), DOC_MD5),
        body(Some("HMAC-SHA256"), DOC_MD5),
    ];
    for mutant in mutants {
        let error = receive(&provider, &mutant).unwrap_err();
        assert!(
            matches!(error.as_error(), Some(Error::Signature { .. })),
            "{mutant}: {error:?}"
        );
    }
}
