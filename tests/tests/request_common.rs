//! Common fields the caller sets per request (`value: { request: {..} }`), as Alipay's
//! 公共请求参数 `notify_url` (String 否 256) and `app_auth_token` (String 否 40): typed on
//! the request, sent at the top level beside `biz_content` (never inside it) and signed
//! like the other top-level parameters (Alipay 自行实现签名: every request parameter but
//! `sign`, sorted by name, `k=v` joined by `&`). The spec is lowered at run time; the
//! expected signatures are computed here with `hmac`/`sha2` over the string built here.

use hmac::{Hmac, Mac};
use paygen::tooling::encode::{encode_request, RequestContext};
use paygen::tooling::ServerError;
use paygen::{Credentials, Error, FixedClock, FixedNonce, ParamRule};
use paygen::{WireFields, WireValue};
use paygen_protocol::Provider;
use sha2::Sha256;

mod lowered;

const SPEC: &str = r#"
name: percall
title: Common fields set per request
document: none
environments:
  - name: production
    base_url: https://pay.example.invalid
credentials:
  - name: app_id
  - name: key
    secret: true
signatures:
  - name: hmac
    input: canonical
    canonical: { exclude: [sign] }
    key: { credential: key }
    digests:
      - { algorithm: hmac_sha256, hex: upper }
protocol:
  request:
    body: form
    payload:
      field: { name: biz_content, encoding: json }
    common:
      - { name: app_id, value: { credential: app_id } }
      - { name: notify_url, value: { request: { max_length: 40 } }, description: 通知地址 }
    signature: { recipe: hmac, output: { field: sign } }
  response:
    body: json
    payload: inline
    success: { field: code, equals: ["0"] }
operations:
  - name: pay
    summary: Pay
    path: /pay
    request:
      - { name: amount, type: fen, required: true }
    response:
      - { name: code, type: string, required: true }
  - name: close
    summary: Close
    path: /close
    common:
      - { name: app_auth_token, value: { request: { required: true } } }
    request:
      - { name: trade_no, type: string, required: true }
    response:
      - { name: code, type: string, required: true }
"#;

const KEY: &str = "per-request-key";
const URL: &str = "https://m.example/n?a=1&b=2";

fn spec() -> paygen_codegen::ValidSpec {
    paygen_codegen::parse_str(SPEC, "percall.yaml").unwrap_or_else(|e| panic!("{e}"))
}

fn credentials() -> Credentials {
    Credentials::new().plain("app_id", "a1").secret("key", KEY)
}

fn hmac_upper(text: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(text.as_bytes());
    hex::encode_upper(mac.finalize().into_bytes())
}

fn encode(
    provider: &Provider,
    op: &str,
    fields: &[(&'static str, WireValue<'static>)],
) -> Result<String, Error> {
    let credentials = credentials();
    let context = RequestContext {
        base_url: "https://pay.example.invalid",
        credentials: &credentials,
        clock: &FixedClock::at_unix_seconds(0),
        nonce: &FixedNonce("n".into()),
    };
    let mut wire = WireFields::with_capacity(fields.len());
    for (name, value) in fields {
        wire.push(*name, value.clone());
    }
    let operation = provider.operation(op).unwrap();
    encode_request(provider, operation, &wire, &context, None).map(|r| r.body)
}

fn pairs(body: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn receive(
    provider: &Provider,
    target: &str,
    body: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, ServerError> {
    lowered::receive_post(provider, &credentials(), target, body)
}

#[test]
fn given_it_goes_at_the_top_level_and_is_signed() {
    let provider = paygen_codegen::lower(&spec());
    let body = encode(
        &provider,
        "pay",
        &[
            ("amount", WireValue::Int(100)),
            ("notify_url", WireValue::Text(URL.into())),
        ],
    )
    .unwrap();
    let sign = hmac_upper(&format!(
        r#"app_id=a1&biz_content={{"amount":100}}&notify_url={URL}"#
    ));
    let expected = [
        ("app_id", "a1"),
        ("notify_url", URL),
        ("biz_content", r#"{"amount":100}"#),
        ("sign", sign.as_str()),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    assert_eq!(pairs(&body), expected);

    // The provider's side verifies it and hands it over with the business fields.
    let fields = receive(&provider, "/pay", &body).unwrap();
    assert_eq!(fields["notify_url"], URL);
    assert_eq!(fields["amount"], 100);
}

#[test]
fn not_given_it_is_not_sent() {
    let provider = paygen_codegen::lower(&spec());
    let body = encode(&provider, "pay", &[("amount", WireValue::Int(100))]).unwrap();
    let sign = hmac_upper(r#"app_id=a1&biz_content={"amount":100}"#);
    assert_eq!(
        body,
        form(&[
            ("app_id", "a1"),
            ("biz_content", r#"{"amount":100}"#),
            ("sign", &sign)
        ])
    );
    receive(&provider, "/pay", &body).unwrap();
}

#[test]
fn its_rules_are_the_spec_s_and_name_the_field() {
    let provider = paygen_codegen::lower(&spec());
    // An operation's own, required.
    let error = encode(
        &provider,
        "close",
        &[("trade_no", WireValue::Text("t1".into()))],
    )
    .unwrap_err();
    assert!(
        matches!(&error, Error::InvalidParam { field, rule: ParamRule::Required } if field == "app_auth_token"),
        "{error:?}"
    );
    let body = encode(
        &provider,
        "close",
        &[
            ("trade_no", WireValue::Text("t1".into())),
            ("app_auth_token", WireValue::Text("tok".into())),
        ],
    )
    .unwrap();
    let sign = hmac_upper(r#"app_auth_token=tok&app_id=a1&biz_content={"trade_no":"t1"}"#);
    assert_eq!(
        body,
        form(&[
            ("app_id", "a1"),
            ("app_auth_token", "tok"),
            ("biz_content", r#"{"trade_no":"t1"}"#),
            ("sign", &sign)
        ])
    );
    // Not the pay operation's field.
    let error = encode(
        &provider,
        "pay",
        &[
            ("amount", WireValue::Int(1)),
            ("app_auth_token", WireValue::Text("tok".into())),
        ],
    )
    .unwrap_err();
    assert!(
        matches!(&error, Error::InvalidParam { field, rule: ParamRule::Unknown } if field == "app_auth_token"),
        "{error:?}"
    );
    // max_length 40.
    let long = "x".repeat(41);
    let error = encode(
        &provider,
        "pay",
        &[
            ("amount", WireValue::Int(1)),
            ("notify_url", WireValue::Text(long.into())),
        ],
    )
    .unwrap_err();
    assert!(
        matches!(&error, Error::InvalidParam { field, rule: ParamRule::TooLong { max: 40, actual: 41 } } if field == "notify_url"),
        "{error:?}"
    );
}

#[test]
fn changed_dropped_or_moved_into_the_payload_it_is_refused() {
    let provider = paygen_codegen::lower(&spec());
    let sign = hmac_upper(&format!(
        r#"app_id=a1&biz_content={{"amount":100}}&notify_url={URL}"#
    ));
    let genuine = form(&[
        ("app_id", "a1"),
        ("notify_url", URL),
        ("biz_content", r#"{"amount":100}"#),
        ("sign", &sign),
    ]);
    receive(&provider, "/pay", &genuine).unwrap();
    let moved = format!(r#"{{"amount":100,"notify_url":"{URL}"}}"#);
    let mutants = [
        form(&[
            ("app_id", "a1"),
            ("notify_url", "https://evil.example/n"),
            ("biz_content", r#"{"amount":100}"#),
            ("sign", &sign),
        ]),
        form(&[
            ("app_id", "a1"),
            ("biz_content", r#"{"amount":100}"#),
            ("sign", &sign),
        ]),
        form(&[("app_id", "a1"), ("biz_content", &moved), ("sign", &sign)]),
    ];
    for mutant in mutants {
        let error = receive(&provider, "/pay", &mutant).unwrap_err();
        assert!(
            matches!(error.as_error(), Some(Error::Signature { .. })),
            "{mutant}: {error:?}"
        );
    }
}

#[test]
fn the_request_types_carry_it() {
    let spec = spec();
    let names: Vec<&str> = spec.operations[0]
        .request
        .iter()
        .map(|f| f.name.value.as_str())
        .collect();
    assert_eq!(names, ["amount", "notify_url"]);
    let names: Vec<&str> = spec.operations[1]
        .request
        .iter()
        .map(|f| f.name.value.as_str())
        .collect();
    assert_eq!(names, ["trade_no", "notify_url", "app_auth_token"]);
    let provider = paygen_codegen::lower(&spec);
    let close = provider.operation("close").unwrap();
    let token = close
        .request
        .iter()
        .find(|f| f.name == "app_auth_token")
        .unwrap();
    assert!(token.required);
    let pay = provider.operation("pay").unwrap();
    let url = pay.request.iter().find(|f| f.name == "notify_url").unwrap();
    assert!(!url.required);
    assert_eq!(url.max_length, Some(40));
}
