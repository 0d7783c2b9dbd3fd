//! WeChat Pay APIv3 (`specs/wechatpay_v3.yaml`) genuine messages for the mutation suite
//! and the attacks: replies and notifications signed here with `ring` (SHA256withRSA
//! over the committed test key, 签名验证's `Wechatpay-Timestamp\nWechatpay-Nonce\nbody\n`,
//! base64 in `Wechatpay-Signature`), the notifications' `resource` sealed here with the
//! `aes-gcm` crate (AEAD_AES_256_GCM, the APIv3 key, nonce and associated data as given).
//!
//! The signature travels in the headers, which each fixture's check holds as they were
//! sent: a mutant is another body under the genuine headers.

use super::alipay::{b64, fixture, rsa2_sign};
use super::*;
use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit};
use paygen_wechatpay_v3 as v3;

pub const MCHID: &str = "1230000109";
/// A 32-character APIv3 key, as the merchant platform issues them (made up).
pub const API_V3_KEY: &str = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
pub const TIMESTAMP: &str = "1700000000";
pub const NONCE: &str = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS";

pub fn credentials() -> paygen::Credentials {
    paygen::Credentials::new()
        .plain("mchid", MCHID)
        .plain("merchant_serial_no", "F5765756002FDD77")
        .secret("merchant_private_key", fixture("rsa_test_key.pem"))
        .secret("api_v3_key", API_V3_KEY)
        .plain("platform_public_key", fixture("rsa_test_key_pub.pem"))
}

/// The generated client with the test keys (it never sends).
pub fn client() -> v3::Client<NoTransport> {
    v3::Client::with_transport(
        "https://api.mch.weixin.qq.com",
        v3::Credentials {
            mchid: MCHID.into(),
            merchant_serial_no: "F5765756002FDD77".into(),
            merchant_private_key: fixture("rsa_test_key.pem").into(),
            api_v3_key: API_V3_KEY.into(),
            platform_public_key: fixture("rsa_test_key_pub.pem"),
        },
        NoTransport,
    )
    .with_clock(paygen::FixedClock::at_unix_seconds(NOW))
}

/// The headers WeChat Pay sends with `body`, given timestamp and nonce.
pub fn headers_with(timestamp: &str, nonce: &str, body: &str) -> Vec<(String, String)> {
    let signature = rsa2_sign(&format!("{timestamp}\n{nonce}\n{body}\n"));
    vec![
        ("Wechatpay-Timestamp".into(), timestamp.into()),
        ("Wechatpay-Nonce".into(), nonce.into()),
        ("Wechatpay-Signature".into(), signature),
        ("Wechatpay-Serial".into(), "PUB_KEY_ID_0112345678".into()),
    ]
}

/// The headers WeChat Pay sends with `body`.
pub fn headers(body: &str) -> Vec<(String, String)> {
    headers_with(TIMESTAMP, NONCE, body)
}

/// A reply of `operation` under `headers`, verified and read into `R`.
pub fn read_reply<R: DeserializeOwned>(
    operation: &str,
    headers: &[(String, String)],
    body: &str,
) -> Result<(R, Authenticity), Error> {
    let provider = &v3::tables::PROVIDER;
    let operation = provider
        .operation(operation)
        .expect("an operation of the spec");
    let response = HttpResponse {
        status: 200,
        headers: headers.to_vec(),
        body: body.to_owned(),
    };
    let clock = paygen::FixedClock::at_unix_seconds(NOW);
    let credentials = credentials();
    let receiver = paygen::Receiver {
        credentials: &credentials,
        clock: &clock,
        utc_offset_minutes: provider.utc_offset_minutes,
        seen: None,
    };
    let decoded =
        paygen::tooling::decode::decode_response(provider, operation, &receiver, &response)?;
    let authenticity = decoded.authenticity;
    Ok((
        paygen::tooling::typed::<R>(decoded.fields, body)?,
        authenticity,
    ))
}

/// The entries of a JSON object.
pub fn entries(value: Value) -> Vec<(String, Value)> {
    match value {
        Value::Object(members) => members.into_iter().collect(),
        other => panic!("not an object: {other}"),
    }
}

fn reply<R: DeserializeOwned + PartialEq + Debug + 'static>(
    operation: &'static str,
    business: Value,
) -> Fixture {
    let what = format!("wechatpay_v3 response {operation}");
    let fields = entries(business);
    let signed = headers(&Format::Json.write(&fields));
    let business: Map<String, Value> = fields.iter().cloned().collect();
    let check = authenticated_check(
        move |body: &str| read_reply::<R>(operation, &signed, body),
        &business,
        &what,
    );
    Fixture::new(
        "wechatpay_v3",
        what,
        Format::Json,
        None,
        fields,
        business,
        check,
    )
    .for_operation(operation)
}

/// AES-256-GCM with the `aes-gcm` crate: base64 of the ciphertext with its tag.
pub fn seal(nonce: &str, associated_data: &str, plaintext: &str) -> String {
    let cipher = Aes256Gcm::new_from_slice(API_V3_KEY.as_bytes()).expect("32 bytes");
    let sealed = cipher
        .encrypt(
            nonce.as_bytes().into(),
            Payload {
                msg: plaintext.as_bytes(),
                aad: associated_data.as_bytes(),
            },
        )
        .expect("sealed");
    b64().encode(sealed)
}

/// A notification's top-level fields: the envelope and `resource` sealing `business`.
pub fn notification_fields(
    event_type: &str,
    associated_data: &str,
    business: &Value,
) -> Vec<(String, Value)> {
    let nonce = "fdasflkja484";
    let resource = serde_json::json!({
        "original_type": associated_data,
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": seal(nonce, associated_data, &business.to_string()),
        "associated_data": associated_data,
        "nonce": nonce
    });
    entries(serde_json::json!({
        "id": "EV-2018022511223320873",
        "create_time": "2015-05-20T13:29:35+08:00",
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": "支付成功",
        "resource": resource
    }))
}

/// A POST carrying `body` under `headers`.
pub fn posted<'a>(headers: &'a [(String, String)], body: &'a str) -> paygen::InboundRequest<'a> {
    paygen::InboundRequest {
        method: "POST",
        query: "",
        headers,
        body: body.as_bytes(),
    }
}

/// The 支付成功回调通知 resource (the page's 解密示例, trade_type NATIVE).
pub fn transaction() -> Value {
    serde_json::json!({
        "transaction_id": "1217752501201407033233368018",
        "amount": {"payer_total": 100, "total": 100, "currency": "CNY", "payer_currency": "CNY"},
        "mchid": MCHID,
        "trade_state": "SUCCESS",
        "bank_type": "CMC",
        "success_time": "2018-06-08T10:34:56+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "out_trade_no": "1217752501201407033233368018",
        "appid": "wxd678efh567hg6787",
        "trade_state_desc": "支付成功",
        "trade_type": "NATIVE"
    })
}

/// The 退款结果回调通知 resource (the page's 解密示例).
pub fn refund() -> Value {
    serde_json::json!({
        "mchid": "1900000100",
        "transaction_id": "1008450740201411110005820873",
        "out_trade_no": "20150806125346",
        "refund_id": "50200207182018070300011301001",
        "out_refund_no": "7752501201407033233368018",
        "refund_status": "SUCCESS",
        "success_time": "2018-06-08T10:34:56+08:00",
        "user_received_account": "招商银行信用卡0403",
        "amount": {"total": 999, "refund": 999, "payer_total": 999, "payer_refund": 999}
    })
}

/// The fields a notification hands over: its envelope's, then the opened resource's.
fn delivered(fields: &[(String, Value)], resource: &Value) -> Map<String, Value> {
    let mut business: Map<String, Value> = fields
        .iter()
        .filter(|(name, _)| name != "resource")
        .cloned()
        .collect();
    if let Value::Object(members) = resource {
        business.extend(members.clone());
    }
    business
}

fn pay_notification() -> Fixture {
    let what = "wechatpay_v3 notification pay (TRANSACTION.SUCCESS)".to_owned();
    let resource = transaction();
    let fields = notification_fields("TRANSACTION.SUCCESS", "transaction", &resource);
    let signed = headers(&Format::Json.write(&fields));
    let business = delivered(&fields, &resource);
    let client = client();
    let check = delivery_check(
        move |body: &str| client.receive_pay_notification(&posted(&signed, body)),
        &business,
        &what,
    );
    Fixture::new(
        "wechatpay_v3",
        what,
        Format::Json,
        None,
        fields,
        business,
        check,
    )
}

fn refund_notification() -> Fixture {
    let what = "wechatpay_v3 notification refund (REFUND.SUCCESS)".to_owned();
    let resource = refund();
    let fields = notification_fields("REFUND.SUCCESS", "refund", &resource);
    let signed = headers(&Format::Json.write(&fields));
    let business = delivered(&fields, &resource);
    let client = client();
    let check = delivery_check(
        move |body: &str| client.receive_refund_notification(&posted(&signed, body)),
        &business,
        &what,
    );
    Fixture::new(
        "wechatpay_v3",
        what,
        Format::Json,
        None,
        fields,
        business,
        check,
    )
}

pub fn fixtures() -> Vec<Fixture> {
    vec![
        reply::<v3::NativeResponse>(
            "native",
            serde_json::json!({"code_url": "weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}),
        ),
        reply::<v3::JsapiResponse>(
            "jsapi",
            serde_json::json!({"prepay_id": "wx26112221580621e9b071c00d9e093b0000"}),
        ),
        reply::<v3::QueryByOutTradeNoResponse>("query_by_out_trade_no", {
            let mut reply = transaction();
            reply["trade_type"] = "JSAPI".into();
            reply
        }),
        reply::<v3::RefundResponse>(
            "refund",
            serde_json::json!({
                "refund_id": "50000000382019052709732678859",
                "out_refund_no": "1217752501201407033233368018",
                "transaction_id": "1217752501201407033233368018",
                "out_trade_no": "1217752501201407033233368018",
                "channel": "ORIGINAL",
                "user_received_account": "招商银行信用卡0403",
                "create_time": "2020-12-01T16:18:12+08:00",
                "status": "PROCESSING",
                "amount": {"total": 100, "refund": 100, "payer_total": 90, "payer_refund": 90,
                    "settlement_refund": 100, "settlement_total": 100, "discount_refund": 10,
                    "currency": "CNY"}
            }),
        ),
        pay_notification(),
        refund_notification(),
    ]
}
