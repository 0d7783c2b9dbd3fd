//! The envelopes added for WeChat Pay v2 and Alipay, from YAML alone: each is encoded
//! by the runtime and read back by the same runtime from the other side.

use md5::{Digest, Md5};
use paygen::protocol::Provider;
use paygen::tooling::decode::{decode_message, decode_notification, judge_response};
use paygen::tooling::encode::{encode_request, RequestContext};
use paygen::wire::fields_from_json;
use paygen::{
    Authenticity, Credentials, Error, FixedClock, FixedNonce, Receiver, SignatureFailure,
};
use serde_json::{json, Value};

const WECHAT: &str = r#"
name: wx
title: WeChat Pay v2 (test subset)
document: https://pay.weixin.qq.com/wiki/doc/api/jsapi.php?chapter=4_3
environments:
  - { name: production, base_url: https://api.mch.weixin.qq.com }
credentials:
  - { name: appid }
  - { name: mch_id }
  - { name: key, secret: true }
signatures:
  - name: md5
    input: canonical
    canonical: { exclude: [sign] }
    key: { credential: key, placement: { append: "&key=" } }
    digests: [{ algorithm: md5, hex: upper }]
protocol:
  request:
    body: xml_cdata
    common:
      - { name: appid, value: { credential: appid } }
      - { name: mch_id, value: { credential: mch_id } }
      - { name: nonce_str, value: { nonce: 16 } }
    signature: { recipe: md5, output: { field: sign } }
  response:
    body: xml
    signature: { recipe: md5, field: sign }
    success: { field: return_code, equals: [SUCCESS] }
operations:
  - name: sign_example
    summary: the document's signing example
    path: /pay/unifiedorder
    request:
      - { name: body, type: string, required: true }
      - { name: device_info, type: string }
    response:
      - { name: return_code, type: string, required: true }
  - name: order
    summary: a GET with a path parameter and query fields
    method: GET
    path: /orders/{out_trade_no}
    signed: false
    request:
      - { name: out_trade_no, type: string, required: true }
      - { name: note, type: string }
    response:
      - { name: return_code, type: string, required: true }
notifications:
  - name: refund
    summary: 退款结果通知
    body: xml
    payload:
      field: { name: req_info, encoding: aes256_ecb_base64, key: key, key_derivation: md5_lower_hex, format: xml, flatten: true }
    ack: "<xml><return_code><![CDATA[SUCCESS]]></return_code></xml>"
    # The decrypted document's members; the outer return_code is plain text nothing
    # authenticates, so it is no field of the notification.
    fields:
      - { name: out_refund_no, type: string, required: true, max_length: 64 }
      - { name: refund_fee, type: fen, required: true }
"#;

const ALIPAY: &str = r#"
name: ali
title: Alipay (test subset; MD5 stands in for RSA2)
document: https://opendocs.alipay.com/open/02ekfg
environments:
  - { name: production, base_url: https://openapi.alipay.com/gateway.do }
credentials:
  - { name: app_id }
  - { name: key, secret: true }
signatures:
  - name: request_md5
    input: canonical
    canonical: { exclude: [sign] }
    key: { credential: key, placement: { append: "" } }
    digests: [{ algorithm: md5, hex: lower }]
  - name: member_md5
    input: member
    key: { credential: key, placement: { append: "" } }
    digests: [{ algorithm: md5, hex: lower }]
protocol:
  request:
    body: form
    payload:
      field: { name: biz_content, encoding: json }
    common:
      - { name: app_id, value: { credential: app_id } }
      - { name: timestamp, value: { clock: date_time } }
    headers:
      - { name: Accept, value: application/json }
    signature: { recipe: request_md5, output: { field: sign } }
  response:
    body: json
    members: ["{method}_response", error_response]
    signature: { recipe: member_md5, field: sign }
    success: { field: code, equals: ["10000"], message: msg }
operations:
  - name: trade_query
    summary: 统一收单交易查询
    path: ""
    common:
      - { name: method, value: { constant: alipay.trade.query } }
    request:
      - { name: out_trade_no, type: string, required: true }
      - { name: total_amount, type: yuan, as_string: true }
    response:
      - { name: code, type: string, required: true }
      - { name: msg, type: string }
      - { name: total_amount, type: yuan }
      - { name: note, type: string }
"#;

fn provider(text: &str) -> Provider {
    let spec = paygen_codegen::parse_str(text, "test.yaml").unwrap_or_else(|e| panic!("{e}"));
    paygen_codegen::lower(&spec)
}

fn receiver<'a>(credentials: &'a Credentials, clock: &'a FixedClock) -> Receiver<'a> {
    Receiver {
        credentials,
        clock,
        utc_offset_minutes: 480,
        seen: None,
    }
}

fn wechat_credentials() -> Credentials {
    Credentials::new()
        .plain("appid", "wxd930ea5d5a258f4f")
        .plain("mch_id", "10000100")
        .secret("key", "192006250b4c09247ec02edce69f6a2d")
}

#[test]
fn wechat_v2_documented_signature_in_an_xml_cdata_body_and_back() {
    // pay.weixin.qq.com ?chapter=4_3 (安全规范, 签名算法 example): these fields and key
    // sign to 9A0A8659F005D6984697E2CA0A9CF3B7.
    let provider = provider(WECHAT);
    let operation = provider.operation("sign_example").unwrap();
    let credentials = wechat_credentials();
    let clock = FixedClock::at_unix_seconds(1_700_000_000);
    let nonce = FixedNonce("ibuaiVcKdpRxkhJA".into());
    let params = json!({"body": "test", "device_info": "1000"});
    let fields = fields_from_json(&operation.request, params.as_object().unwrap()).unwrap();
    let context = RequestContext {
        base_url: "https://api.mch.weixin.qq.com",
        credentials: &credentials,
        clock: &clock,
        nonce: &nonce,
    };
    let request = encode_request(&provider, operation, &fields, &context, None).unwrap();
    assert_eq!(
        request.body,
        "<xml><appid><![CDATA[wxd930ea5d5a258f4f]]></appid><mch_id><![CDATA[10000100]]></mch_id><nonce_str><![CDATA[ibuaiVcKdpRxkhJA]]></nonce_str><body><![CDATA[test]]></body><device_info><![CDATA[1000]]></device_info><sign><![CDATA[9A0A8659F005D6984697E2CA0A9CF3B7]]></sign></xml>"
    );
    assert_eq!(
        request.headers[0],
        ("Content-Type".into(), "text/xml; charset=utf-8".into())
    );

    // The other side: the same bytes verify as a received XML message.
    let receiver = receiver(&credentials, &clock);
    let check = provider.response.verification.as_ref();
    let decoded = decode_message(
        provider.response.body,
        &provider.response.payload,
        check,
        &receiver,
        &request.body,
    )
    .unwrap();
    assert_eq!(decoded.authenticity, Authenticity::Verified);
    assert_eq!(decoded.fields["body"], json!("test"));
    assert!(!decoded.fields.contains_key("sign"));
    let tampered = request.body.replace("[test]", "[tesT]");
    let refused = decode_message(
        provider.response.body,
        &provider.response.payload,
        check,
        &receiver,
        &tampered,
    );
    assert!(matches!(
        refused,
        Err(Error::Signature {
            reason: SignatureFailure::Mismatch,
            ..
        })
    ));
    let nested = request
        .body
        .replace("<body><![CDATA[test]]></body>", "<body><a>test</a></body>");
    let refused = decode_message(
        provider.response.body,
        &provider.response.payload,
        check,
        &receiver,
        &nested,
    );
    assert!(matches!(refused, Err(Error::Decode { .. })), "{refused:?}");
}

#[test]
fn get_fields_go_in_the_query_and_path_parameters_in_the_path() {
    let provider = provider(WECHAT);
    let operation = provider.operation("order").unwrap();
    let credentials = wechat_credentials();
    let clock = FixedClock::at_unix_seconds(1_700_000_000);
    let nonce = FixedNonce("n".into());
    let params = json!({"out_trade_no": "a/b c", "note": "x&y"});
    let fields = fields_from_json(&operation.request, params.as_object().unwrap()).unwrap();
    let context = RequestContext {
        base_url: "https://api.mch.weixin.qq.com/",
        credentials: &credentials,
        clock: &clock,
        nonce: &nonce,
    };
    let request = encode_request(&provider, operation, &fields, &context, None).unwrap();
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.url,
        "https://api.mch.weixin.qq.com/orders/a%2Fb%20c?appid=wxd930ea5d5a258f4f&mch_id=10000100&nonce_str=nnnnnnnnnnnnnnnn&note=x%26y"
    );
    assert_eq!(request.body, "");
    assert!(request.headers.iter().all(|(n, _)| n != "Content-Type"));
}

#[test]
fn wechat_refund_notification_req_info_decrypts_with_the_md5_key() {
    // Built here with the documented recipe (?chapter=9_16, 解密方式): the plaintext is
    // `<root>` XML, the AES key the lowercase hex MD5 of the merchant key.
    let provider = provider(WECHAT);
    let notification = provider.notification("refund").unwrap();
    let credentials = wechat_credentials();
    let key = format!("{:x}", Md5::digest(b"192006250b4c09247ec02edce69f6a2d"));
    let plain = b"<root>\n<out_refund_no><![CDATA[131811191610442717309]]></out_refund_no>\n<refund_fee><![CDATA[3960]]></refund_fee>\n</root>";
    let encrypted = aes_ecb_base64(key.as_bytes(), plain);
    let body = format!(
        "<xml><return_code>SUCCESS</return_code><req_info><![CDATA[{encrypted}]]></req_info></xml>"
    );
    let clock = FixedClock::at_unix_seconds(1_700_000_000);
    let decoded =
        decode_notification(notification, &receiver(&credentials, &clock), &body).unwrap();
    assert_eq!(
        Value::Object(decoded.fields),
        // Only what the key authenticates: the outer `return_code` is plain text.
        json!({"out_refund_no": "131811191610442717309", "refund_fee": "3960"})
    );
    let wrong = Credentials::new().secret("key", "0".repeat(32));
    assert!(decode_notification(notification, &receiver(&wrong, &clock), &body).is_err());
}

#[test]
fn wechat_refund_notification_without_its_encrypted_payload_is_refused() {
    // Unsigned but encrypted: the same fields in plain text, without req_info, would
    // otherwise decode as if they had come out of the ciphertext.
    let provider = provider(WECHAT);
    let notification = provider.notification("refund").unwrap();
    let credentials = wechat_credentials();
    let clock = FixedClock::at_unix_seconds(1_700_000_000);
    let forged = "<xml><return_code>SUCCESS</return_code><out_refund_no>1</out_refund_no><refund_fee>3960</refund_fee></xml>";
    match decode_notification(notification, &receiver(&credentials, &clock), forged) {
        Err(Error::Signature {
            reason: SignatureFailure::EncryptedPayloadMissing(field),
            ..
        }) => assert_eq!(field, "req_info"),
        other => panic!("{other:?}"),
    }
}

fn aes_ecb_base64(key: &[u8], plain: &[u8]) -> String {
    use aes::cipher::{generic_array::GenericArray, BlockEncrypt, KeyInit};
    use base64::Engine as _;
    let cipher = aes::Aes256::new_from_slice(key).unwrap();
    let pad = 16 - plain.len() % 16;
    let mut data = plain.to_vec();
    data.resize(plain.len() + pad, pad as u8);
    for block in data.chunks_exact_mut(16) {
        cipher.encrypt_block(GenericArray::from_mut_slice(block));
    }
    base64::engine::general_purpose::STANDARD.encode(data)
}

#[test]
fn alipay_request_carries_biz_content_json_and_the_operation_constant() {
    let provider = provider(ALIPAY);
    let operation = provider.operation("trade_query").unwrap();
    let credentials = Credentials::new()
        .plain("app_id", "2014072300007148")
        .secret("key", "k");
    let clock = FixedClock::at_unix_seconds(1_700_000_000);
    let nonce = FixedNonce("n".into());
    let params = json!({"out_trade_no": "20150320010101001", "total_amount": "88.8"});
    let fields = fields_from_json(&operation.request, params.as_object().unwrap()).unwrap();
    let context = RequestContext {
        base_url: "https://openapi.alipay.com/gateway.do",
        credentials: &credentials,
        clock: &clock,
        nonce: &nonce,
    };
    let request = encode_request(&provider, operation, &fields, &context, None).unwrap();
    let biz = r#"{"out_trade_no":"20150320010101001","total_amount":"88.80"}"#;
    let to_sign = format!(
        "app_id=2014072300007148&biz_content={biz}&method=alipay.trade.query&timestamp=2023-11-15 06:13:20k"
    );
    let sign = format!("{:x}", Md5::digest(to_sign.as_bytes()));
    let expected: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("app_id", "2014072300007148")
        .append_pair("timestamp", "2023-11-15 06:13:20")
        .append_pair("method", "alipay.trade.query")
        .append_pair("biz_content", biz)
        .append_pair("sign", &sign)
        .finish();
    assert_eq!(request.body, expected);
    assert!(request
        .headers
        .contains(&("Accept".into(), "application/json".into())));
}

#[test]
fn alipay_response_is_verified_over_the_member_text_exactly_as_received() {
    let provider = provider(ALIPAY);
    let operation = provider.operation("trade_query").unwrap();
    assert_eq!(
        operation.response_members.as_ref(),
        ["alipay_trade_query_response", "error_response"]
    );
    let credentials = Credentials::new().plain("app_id", "a").secret("key", "k");
    let clock = FixedClock::at_unix_seconds(1_700_000_000);
    let receiver = receiver(&credentials, &clock);
    // Spacing and escapes inside the member are part of what was signed.
    let member = r#"{"code":"10000", "msg":"Success","total_amount":"88.80","note":"\u6210\/"}"#;
    let sign = format!("{:x}", Md5::digest(format!("{member}k").as_bytes()));
    let body = format!(r#"{{"alipay_trade_query_response":{member},"sign":"{sign}"}}"#);
    let (decoded, outcome) = judge_response(&provider, operation, &receiver, &body).unwrap();
    assert!(outcome.is_ok());
    assert_eq!(decoded.authenticity, Authenticity::Verified);
    assert_eq!(decoded.fields["total_amount"], json!("88.80"));
    assert_eq!(decoded.fields["note"], json!("成/"));
    // Re-serialized (spacing gone), the same member no longer verifies.
    let compact: Value = serde_json::from_str(member).unwrap();
    let reserialized = format!(r#"{{"alipay_trade_query_response":{compact},"sign":"{sign}"}}"#);
    assert!(judge_response(&provider, operation, &receiver, &reserialized).is_err());
    // A field beside the member is outside the signature: refused.
    let extra = body.replacen('{', r#"{"total_amount":"1.00","#, 1);
    assert!(judge_response(&provider, operation, &receiver, &extra).is_err());
    // The fallback member is read the same way.
    let error_member = r#"{"code":"40002","msg":"Invalid Arguments"}"#;
    let sign = format!("{:x}", Md5::digest(format!("{error_member}k").as_bytes()));
    let body = format!(r#"{{"error_response":{error_member},"sign":"{sign}"}}"#);
    let (_, outcome) = judge_response(&provider, operation, &receiver, &body).unwrap();
    assert_eq!(
        outcome,
        Err(paygen::Refusal {
            field: "code".into(),
            code: "40002".into(),
            message: Some("Invalid Arguments".into()),
        })
    );
}

/// A provider that signs its JSON responses in a header: `PAY-SIGN: md5(body + key)`,
/// the shape of several aggregators (issue "Spec format reach", section 5).
const HEADER_SIGNED: &str = r#"
name: hdr
title: Header-signed responses
document: none
environments:
  - { name: production, base_url: https://pay.example.invalid }
credentials:
  - { name: merchant }
  - { name: key, secret: true }
signatures:
  - name: md5_body
    input: body
    key: { credential: key, placement: { append: "" } }
    digests: [{ algorithm: md5, hex: lower }]
protocol:
  request:
    body: json
    common:
      - { name: merchant, value: { credential: merchant } }
    signature: { recipe: md5_body, output: { header: { name: PAY-SIGN, template: "{signature}" } } }
  response:
    body: json
    signature: { recipe: md5_body, header: PAY-SIGN, unsigned_error_when: [signature_absent] }
    success: { field: code, equals: ["0"], message: msg }
operations:
  - name: query
    summary: Query
    path: /query
    request:
      - { name: order, type: string, required: true }
    response:
      - { name: code, type: string, required: true }
      - { name: msg, type: string }
      - { name: amount, type: fen }
"#;

#[test]
fn a_response_signed_in_a_header_is_verified_over_the_body() {
    let provider = provider(HEADER_SIGNED);
    let operation = provider.operation("query").unwrap();
    let credentials = Credentials::new()
        .plain("merchant", "M1")
        .secret("key", "header-key");
    let clock = FixedClock::at_unix_seconds(1_700_000_000);
    let receiver = receiver(&credentials, &clock);
    let body = r#"{"code":"0","msg":"ok","amount":100}"#;
    // Independent: md5 of the body bytes then the key, lowercase hex.
    let sign = hex::encode(Md5::digest(format!("{body}header-key").as_bytes()));
    let respond = |body: &str, headers: Vec<(&str, &str)>| {
        paygen::tooling::decode::decode_response(
            &provider,
            operation,
            &receiver,
            &paygen::HttpResponse {
                status: 200,
                headers: headers
                    .into_iter()
                    .map(|(n, v)| (n.to_owned(), v.to_owned()))
                    .collect(),
                body: body.to_owned(),
            },
        )
    };
    let decoded = respond(
        body,
        vec![("content-type", "application/json"), ("pay-sign", &sign)],
    )
    .expect("genuine");
    assert_eq!(decoded.authenticity, Authenticity::Verified);
    assert_eq!(decoded.fields["amount"], json!(100));

    // The body changed, the header missing, given twice, or wrong: never accepted.
    let tampered = respond(&body.replace("100", "900"), vec![("PAY-SIGN", &sign)]);
    assert!(
        matches!(
            tampered,
            Err(Error::Signature {
                reason: SignatureFailure::Mismatch,
                ..
            })
        ),
        "{tampered:?}"
    );
    let twice = respond(body, vec![("PAY-SIGN", &sign), ("pay-sign", &sign)]);
    assert!(matches!(twice, Err(Error::Decode { .. })), "{twice:?}");
    let wrong = respond(body, vec![("PAY-SIGN", "0123")]);
    assert!(matches!(wrong, Err(Error::Signature { .. })), "{wrong:?}");
    // Without the header a success is a signature failure, whatever the body holds,
    // and an error reply is an unsigned business error.
    let missing = respond(body, vec![]);
    assert!(
        matches!(
            missing,
            Err(Error::Signature {
                reason: SignatureFailure::UnsignedSuccess,
                ..
            })
        ),
        "{missing:?}"
    );
    let refused = respond(r#"{"code":"9","msg":"bad sign"}"#, vec![]);
    assert!(
        matches!(&refused, Err(Error::Service(refusal)) if refusal.raw_code == "9" && refusal.authenticity == Authenticity::UnsignedErrorReply),
        "{refused:?}"
    );
    // A signature smuggled into the body under any name is not read.
    let smuggled = respond(
        &format!(r#"{{"code":"0","msg":"ok","amount":100,"":"{sign}","PAY-SIGN":"{sign}"}}"#),
        vec![],
    );
    assert!(smuggled.is_err(), "{smuggled:?}");
}
