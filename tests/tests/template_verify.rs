//! A template recipe that verifies: WeChat Pay APIv3's reply and notification shape
//! (签名验证: 应答时间戳\n应答随机串\n应答报文主体\n, SHA256withRSA, base64, in the
//! `Wechatpay-Signature` header). The spec is lowered at run time; the messages are
//! signed here with ring directly (`support::alipay::rsa2_sign` over the fixture key pair
//! of runtime/tests/fixtures/), independently of the runtime's template and RSA code.

mod support;

use paygen::tooling::decode::{decode_notification_explained, judge_response_with_headers};
use paygen::{Authenticity, Credentials, Error, FixedClock, Receiver, SignatureFailure};
use serde_json::json;
use support::alipay::{fixture, rsa2_sign};

const SPEC: &str = r#"
name: v3
title: WeChat Pay APIv3 shape (test subset)
document: https://pay.weixin.qq.com/docs/merchant/development/interface-rules/signature-verification.html
environments:
  - name: production
    base_url: https://api.mch.example.invalid
credentials:
  - name: mchid
  - name: platform_public_key
signatures:
  - name: reply
    input: template
    template:
      parts: [{ header: Wechatpay-Timestamp }, { header: Wechatpay-Nonce }, body]
      join: "\n"
      trailing: true
    verify_key: { credential: platform_public_key }
    digests:
      - { algorithm: rsa2, base64: true }
protocol:
  request:
    body: json
    payload: inline
  response:
    body: json
    payload: inline
    signature: { recipe: reply, header: Wechatpay-Signature }
    success: { field: trade_state, equals: [SUCCESS, NOTPAY] }
operations:
  - name: query
    summary: 查询订单
    method: GET
    path: /v3/pay/transactions/out-trade-no/{out_trade_no}
    signed: false
    request:
      - { name: out_trade_no, type: string, required: true }
    response:
      - { name: out_trade_no, type: string, required: true }
      - { name: trade_state, type: string, required: true }
  # 关闭订单: 204 No Content on success; errors are 4xx/5xx with {code, message}.
  - name: close
    summary: 关闭订单
    path: /v3/pay/transactions/out-trade-no/{out_trade_no}/close
    signed: false
    moves_money: true
    request:
      - { name: out_trade_no, type: string, required: true }
    success: { field: code, message: message, http_status: [204] }
    response: []
notifications:
  - name: pay
    summary: 支付通知
    body: json
    signature: { recipe: reply, header: Wechatpay-Signature }
    ack: ""
    fields:
      - { name: id, type: string, required: true }
      - { name: event_type, type: string, required: true }
"#;

fn provider() -> paygen::protocol::Provider {
    let spec = paygen_codegen::parse_str(SPEC, "v3.yaml").unwrap_or_else(|e| panic!("{e}"));
    paygen_codegen::lower(&spec)
}

fn credentials() -> Credentials {
    Credentials::new()
        .plain("mchid", "1900000001")
        .plain("platform_public_key", fixture("rsa_test_key_pub.pem"))
}

/// The headers WeChat Pay sends with `body`, signed over `timestamp\nnonce\nbody\n`.
fn signed_headers(timestamp: &str, nonce: &str, body: &str) -> Vec<(String, String)> {
    let signature = rsa2_sign(&format!("{timestamp}\n{nonce}\n{body}\n"));
    vec![
        ("Wechatpay-Timestamp".into(), timestamp.into()),
        ("Wechatpay-Nonce".into(), nonce.into()),
        ("Wechatpay-Signature".into(), signature),
        (
            "Wechatpay-Serial".into(),
            "5157F09EFDC096DE15EBE81A47057A72".into(),
        ),
    ]
}

/// The merchant's side at the reply's time, in UTC+8.
fn receiver(credentials: &Credentials) -> Receiver<'_> {
    static CLOCK: FixedClock = FixedClock::at_unix_seconds(1_554_209_980);
    Receiver {
        credentials,
        clock: &CLOCK,
        utc_offset_minutes: 480,
        seen: None,
    }
}

const REPLY: &str = r#"{"out_trade_no":"1217752501201407033233368018","trade_state":"SUCCESS"}"#;

fn judge(body: &str, headers: &[(String, String)]) -> Result<serde_json::Value, Error> {
    let provider = provider();
    let operation = provider.operation("query").unwrap();
    let credentials = credentials();
    let receiver = receiver(&credentials);
    let (decoded, outcome) =
        judge_response_with_headers(&provider, operation, &receiver, body, headers)?;
    assert_eq!(decoded.authenticity, Authenticity::Verified);
    assert!(outcome.is_ok());
    Ok(serde_json::Value::Object(decoded.fields))
}

#[test]
fn a_reply_signed_over_its_timestamp_and_nonce_headers_and_body_verifies() {
    let headers = signed_headers("1554209980", "c5ac7061fccab6bf3e254dcf98995b8c", REPLY);
    let fields = judge(REPLY, &headers).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        fields,
        json!({"out_trade_no": "1217752501201407033233368018", "trade_state": "SUCCESS"})
    );
}

#[test]
fn a_changed_header_part_body_or_signature_is_refused() {
    let headers = signed_headers("1554209980", "c5ac7061fccab6bf3e254dcf98995b8c", REPLY);
    let with = |name: &str, value: &str| -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(n, v)| match n == name {
                true => (n.clone(), value.to_owned()),
                false => (n.clone(), v.clone()),
            })
            .collect()
    };
    let mismatch = |result: Result<serde_json::Value, Error>| {
        matches!(
            result,
            Err(Error::Signature {
                reason: SignatureFailure::Mismatch,
                ..
            })
        )
    };
    assert!(mismatch(judge(
        REPLY,
        &with("Wechatpay-Timestamp", "1554209981")
    )));
    assert!(mismatch(judge(REPLY, &with("Wechatpay-Nonce", "x"))));
    let changed = REPLY.replace("SUCCESS", "NOTPAY");
    assert!(mismatch(judge(&changed, &headers)));
    // A signed part missing, or given twice, is never guessed.
    let without: Vec<_> = headers
        .iter()
        .filter(|(n, _)| n != "Wechatpay-Nonce")
        .cloned()
        .collect();
    let error = judge(REPLY, &without).unwrap_err();
    assert!(
        matches!(&error, Error::Signature { reason: SignatureFailure::Missing(name), .. } if name == "Wechatpay-Nonce"),
        "{error:?}"
    );
    let twice = [headers.clone(), with("Wechatpay-Nonce", "x")[1..2].to_vec()].concat();
    assert!(judge(REPLY, &twice).is_err());
    // No signature header: refused, not read unsigned.
    let unsigned: Vec<_> = headers
        .iter()
        .filter(|(n, _)| n != "Wechatpay-Signature")
        .cloned()
        .collect();
    assert!(matches!(
        judge(REPLY, &unsigned),
        Err(Error::Signature {
            reason: SignatureFailure::Missing(_),
            ..
        })
    ));
}

#[test]
fn a_notification_signed_in_its_headers_verifies_and_its_mutants_do_not() {
    let provider = provider();
    let notification = provider.notification("pay").unwrap();
    let credentials = credentials();
    let receiver = receiver(&credentials);
    let body = r#"{"id":"EV-2018022511223320873","event_type":"TRANSACTION.SUCCESS"}"#;
    let headers = signed_headers("1554209980", "fdasfjihihihlkja484w", body);
    let decoded = decode_notification_explained(notification, &receiver, body, &headers, None)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(decoded.authenticity, Authenticity::Verified);
    assert_eq!(decoded.fields["event_type"], json!("TRANSACTION.SUCCESS"));
    let forged = body.replace("SUCCESS", "REFUND");
    assert!(
        decode_notification_explained(notification, &receiver, &forged, &headers, None).is_err()
    );
    // Without its headers the notification is refused, never read unsigned.
    assert!(decode_notification_explained(notification, &receiver, body, &[], None).is_err());
}

/// The validation errors of `SPEC` with `old` replaced by `new`.
fn spec_errors(old: &str, new: &str) -> String {
    assert!(SPEC.contains(old), "{old}");
    match paygen_codegen::parse_str(&SPEC.replacen(old, new, 1), "v3.yaml") {
        Ok(_) => String::new(),
        Err(errors) => errors.to_string(),
    }
}

#[test]
fn a_verify_template_with_request_parts_or_no_body_is_a_spec_error() {
    let parts = "parts: [{ header: Wechatpay-Timestamp }, { header: Wechatpay-Nonce }, body]";
    let errors = spec_errors(parts, "parts: [method, { header: Wechatpay-Nonce }, body]");
    assert!(
        errors.contains("exists only when signing a request"),
        "{errors}"
    );
    let errors = spec_errors(parts, "parts: [{ header: Wechatpay-Nonce }]");
    assert!(
        errors.contains("no `body` or `body_digest` part"),
        "{errors}"
    );
    let errors = spec_errors(
        "signature: { recipe: reply, header: Wechatpay-Signature }\n    success",
        "signature: { recipe: reply, field: sign }\n    success",
    );
    assert!(
        errors.contains("give `header:` instead of `field:`"),
        "{errors}"
    );
    let errors = spec_errors(parts, "parts: [{ credential: nothing }, body]");
    assert!(errors.contains("names no credential"), "{errors}");
    let errors = spec_errors(parts, "parts: [{ body_digest: hmac_sha256 }]");
    assert!(errors.contains("needs a plain hash"), "{errors}");
}

fn read(status: u16, body: &str, headers: Vec<(String, String)>) -> Result<Option<Error>, Error> {
    let provider = provider();
    let operation = provider.operation("close").unwrap();
    let credentials = credentials();
    let response = paygen::HttpResponse {
        status,
        headers,
        body: body.to_owned(),
    };
    let (decoded, refusal) = paygen::tooling::decode::read_response(
        &provider,
        operation,
        &receiver(&credentials),
        &response,
    )?;
    assert_eq!(decoded.authenticity, Authenticity::Verified);
    Ok(refusal)
}

#[test]
fn the_http_status_decides_success_and_an_empty_204_is_still_verified() {
    let nonce = "de5ac2f1a0b5e7c6";
    // 204 No Content, signed over `timestamp\nnonce\n\n`.
    let headers = signed_headers("1554209980", nonce, "");
    assert!(read(204, "", headers.clone()).unwrap().is_none());
    // The same empty reply with its signature moved to another time is refused.
    let moved = signed_headers("1554209981", nonce, "");
    let forged: Vec<_> = headers[..2].iter().chain(&moved[2..3]).cloned().collect();
    assert!(matches!(
        read(204, "", forged),
        Err(Error::Signature {
            reason: SignatureFailure::Mismatch,
            ..
        })
    ));
    // A signed error reply is a refusal whose code is the rule's field.
    let body = r#"{"code":"ORDER_CLOSED","message":"订单已关闭"}"#;
    let refusal = read(400, body, signed_headers("1554209980", nonce, body))
        .unwrap()
        .expect("a refusal");
    let Error::Service(refused) = &refusal else {
        panic!("{refusal:?}");
    };
    assert_eq!(
        (refused.raw_code.as_str(), refused.message.as_deref()),
        ("ORDER_CLOSED", Some("订单已关闭"))
    );
    // An error page that is no message of the protocol keeps its status.
    let page = "<html>502 Bad Gateway</html>";
    assert!(matches!(
        read(502, page, Vec::new()),
        Err(Error::HttpStatus { status: 502, .. })
    ));
    // An empty body under a status the rule does not list is no message.
    assert!(read(200, "", signed_headers("1554209980", nonce, "")).is_err());
}
