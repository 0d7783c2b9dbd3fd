//! Alipay (`specs/alipay.yaml`) end to end against independent implementations.
//!
//! The committed 2048-bit test key pair of `runtime/tests/fixtures/` (made by the
//! openssl commands in the header of `runtime/tests/recipes.rs`) is both the app key
//! and the "Alipay" key. The oracles are `ring` used directly (PKCS#8 private key,
//! PKCS#1 public key) and, where it is installed, the `openssl` command; the strings to
//! sign are built here from the documents' rules (自行实现签名, 异步通知验签, the
//! official SDK's member extraction), not by the runtime.

mod support;

use base64::Engine;
use paygen::{Authenticity, Error, Fen};
use paygen_alipay::{
    tables, trade_pay_request, GatewayCode, PayNotification, TradePayRequest, TradeQueryResponse,
    TradeStatus,
};
use ring::signature::{UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use support::alipay::{
    b64, client, credentials, pem_der, rsa2_sign, signed_body, APP_ID, FIXTURES, NOTIFY_URL,
};
use support::decode_typed;

fn rsa2_verifies(text: &str, signature_b64: &str) -> bool {
    let Ok(signature) = b64().decode(signature_b64) else {
        return false;
    };
    UnparsedPublicKey::new(
        &RSA_PKCS1_2048_8192_SHA256,
        pem_der("rsa_test_key_pub_pkcs1.pem"),
    )
    .verify(text.as_bytes(), &signature)
    .is_ok()
}

/// `openssl dgst -sha256 -verify`, when openssl is installed (None otherwise).
fn openssl_verifies(text: &str, signature_b64: &str) -> Option<bool> {
    let dir = std::env::temp_dir().join(format!("paygen-alipay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let message = dir.join("message.txt");
    let signature = dir.join("signature.bin");
    std::fs::write(&message, text).unwrap();
    std::fs::write(&signature, b64().decode(signature_b64).unwrap()).unwrap();
    let status = std::process::Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(format!("{FIXTURES}rsa_test_key_pub.pem"))
        .arg("-signature")
        .arg(&signature)
        .arg(&message)
        .output()
        .ok()?;
    Some(status.status.success())
}

/// 自行实现签名: every parameter but `sign`, empty ones left out, sorted by name,
/// `k=v` joined by `&`, raw values.
fn string_to_sign(pairs: &[(String, String)], exclude: &[&str]) -> String {
    let mut kept: Vec<&(String, String)> = pairs
        .iter()
        .filter(|(k, v)| !v.is_empty() && !exclude.contains(&k.as_str()))
        .collect();
    kept.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    kept.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

#[test]
fn trade_pay_request_is_signed_rsa2_over_the_sorted_parameters() {
    let request = TradePayRequest::new(
        "20150320010101001",
        trade_pay_request::Scene::BarCode,
        "28763443825664394",
        "Iphone6 16G",
    )
    .with_total_amount(Fen(8888))
    .with_store_id("NJ_001");
    let rendered = client().render_trade_pay(&request).unwrap();
    assert_eq!(rendered.url, "https://openapi.alipay.com/gateway.do");
    let pairs: Vec<(String, String)> = form_urlencoded::parse(rendered.body.as_bytes())
        .into_owned()
        .collect();
    let biz = r#"{"out_trade_no":"20150320010101001","scene":"bar_code","auth_code":"28763443825664394","subject":"Iphone6 16G","total_amount":"88.88","store_id":"NJ_001"}"#;
    let expected = format!(
        "app_id={APP_ID}&biz_content={biz}&charset=utf-8&format=JSON&method=alipay.trade.pay\
         &notify_url={NOTIFY_URL}&sign_type=RSA2&timestamp=2023-11-15 06:13:20&version=1.0"
    );
    assert_eq!(string_to_sign(&pairs, &["sign"]), expected);
    let signs: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "sign")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(signs.len(), 1);
    let sign = signs[0];
    assert_eq!(sign.len(), 344);
    // PKCS#1 v1.5 is deterministic: the independent signature is the same text.
    assert_eq!(sign, rsa2_sign(&expected));
    assert!(rsa2_verifies(&expected, sign));
    if let Some(ok) = openssl_verifies(&expected, sign) {
        assert!(
            ok,
            "openssl dgst -sha256 -verify refuses the request's sign"
        );
    }
    assert!(!rsa2_verifies(&expected.replace("88.88", "88.89"), sign));
}

/// A member text as Alipay sends it (spacing kept), and the body around it.
const QUERY_MEMBER: &str = r#"{"code":"10000","msg":"Success","buyer_logon_id":"159****5620","buyer_pay_amount":"8.88","fund_bill_list":[{"amount":"10.00","fund_channel":"ALIPAYACCOUNT"}],"invoice_amount":"12.11","out_trade_no":"6823789339978248","point_amount":"10", "receipt_amount":"15.25","send_pay_date":"2014-11-27 15:45:57","total_amount":"88.88","trade_no":"2013112011001004330000121536","trade_status":"TRADE_SUCCESS","buyer_user_id":"2088101117955611","store_name":"\u6210\/"}"#;

fn decode_query(body: &str) -> Result<TradeQueryResponse, Error> {
    decode_typed(&tables::PROVIDER, "trade_query", &credentials(), body)
}

#[test]
fn trade_query_response_is_verified_over_the_member_text_and_amounts_are_fen() {
    let body = signed_body("alipay_trade_query_response", QUERY_MEMBER);
    let typed = decode_query(&body).unwrap();
    assert_eq!(typed.code, GatewayCode::Success);
    assert_eq!(typed.trade_status, TradeStatus::TradeSuccess);
    assert_eq!(typed.total_amount, Fen(8888));
    assert_eq!(typed.receipt_amount, Some(Fen(1525)));
    assert_eq!(typed.point_amount, Some(Fen(1000)));
    assert_eq!(typed.buyer_pay_amount, Some(Fen(888)));
    let bills = typed.fund_bill_list.expect("fund_bill_list");
    assert_eq!(bills[0].amount, Fen(1000));
    assert_eq!(bills[0].fund_channel, "ALIPAYACCOUNT");
    assert_eq!(
        typed.trade_no.as_deref(),
        Some("2013112011001004330000121536")
    );
}

#[test]
fn trade_query_mutants_are_refused() {
    let genuine = signed_body("alipay_trade_query_response", QUERY_MEMBER);
    let sign = rsa2_sign(QUERY_MEMBER);
    let with =
        |member: &str| format!(r#"{{"alipay_trade_query_response":{member},"sign":"{sign}"}}"#);
    let reserialized: serde_json::Value = serde_json::from_str(QUERY_MEMBER).unwrap();
    let duplicated = QUERY_MEMBER.replacen(
        r#""total_amount":"88.88""#,
        r#""total_amount":"88.88","total_amount":"0.01""#,
        1,
    );
    let mut altered_sign = sign.clone().into_bytes();
    altered_sign[10] = if altered_sign[10] == b'A' { b'B' } else { b'A' };
    let altered_sign = String::from_utf8(altered_sign).unwrap();
    let mutants = [
        (
            "amount changed in the member",
            with(&QUERY_MEMBER.replace("88.88", "88.89")),
        ),
        (
            "member re-serialized compact",
            with(&reserialized.to_string()),
        ),
        (
            "member re-serialized with whitespace",
            with(&serde_json::to_string_pretty(&reserialized).unwrap()),
        ),
        (
            "field injected beside the member",
            genuine.replacen('{', r#"{"total_amount":"0.01","#, 1),
        ),
        (
            "field injected after the sign",
            genuine.replacen("\"}", "\",\"trade_status\":\"TRADE_SUCCESS\"}", 1),
        ),
        // genuinely signed, still refused: a duplicated key is never decoded
        (
            "duplicated key inside the member",
            signed_body("alipay_trade_query_response", &duplicated),
        ),
        (
            "duplicated member",
            genuine.replacen(
                '{',
                &format!(r#"{{"alipay_trade_query_response":{QUERY_MEMBER},"#),
                1,
            ),
        ),
        ("sign altered", genuine.replace(&sign, &altered_sign)),
        (
            "sign removed",
            format!(r#"{{"alipay_trade_query_response":{QUERY_MEMBER}}}"#),
        ),
        ("sign empty", with(QUERY_MEMBER).replace(&sign, "")),
        (
            "member of another operation",
            signed_body("alipay_trade_pay_response", QUERY_MEMBER),
        ),
    ];
    assert!(decode_query(&genuine).is_ok());
    for (what, body) in mutants {
        match decode_query(&body) {
            Err(Error::Signature { .. } | Error::Decode { .. }) => {}
            other => panic!("{what}: expected a signature or decode error, got {other:?}"),
        }
    }
}

#[test]
fn error_replies_come_back_as_business_errors() {
    // The SDK test vector's member text of a 40004 trade.pay reply (spec note), signed.
    let documented = r#"{"code":"40004","msg":"Business Failed","sub_code":"ACQ.PAYMENT_AUTH_CODE_INVALID","sub_msg":"支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款，如再次收款失败，请联系管理员处理。[SOUNDWAVE_PARSER_FAIL]","buyer_pay_amount":"0.00","invoice_amount":"0.00","out_trade_no":"20160901160434","point_amount":"0.00","receipt_amount":"0.00"}"#;
    let gateway = r#"{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在"}"#;
    let cases = [
        (
            "trade_pay",
            signed_body("alipay_trade_pay_response", documented),
        ),
        ("trade_query", signed_body("error_response", gateway)),
    ];
    for (operation, body) in cases {
        let result: Result<serde_json::Value, Error> =
            decode_typed(&tables::PROVIDER, operation, &credentials(), &body);
        match result {
            Err(Error::Service(refused)) => {
                assert_eq!(refused.raw_code, "40004");
                assert_eq!(refused.message.as_deref(), Some("Business Failed"));
                assert_eq!(refused.authenticity, Authenticity::Verified);
            }
            other => panic!("{operation}: expected Error::Service, got {other:?}"),
        }
    }
    // Unsigned, an error reply is still a (marked) business error; tampered, it is not.
    let unsigned = format!(r#"{{"error_response":{gateway}}}"#);
    match decode_query(&unsigned) {
        Err(Error::Service(refused)) => {
            assert_eq!(refused.authenticity, Authenticity::UnsignedErrorReply)
        }
        other => panic!("unsigned error reply: {other:?}"),
    }
    let tampered =
        signed_body("error_response", gateway).replace("ACQ.TRADE_NOT_EXIST", "ACQ.SYSTEM_ERROR");
    assert!(matches!(
        decode_query(&tampered),
        Err(Error::Signature { .. })
    ));
}

/// 公共错误码 10003 (业务处理中: 等待用户付款) and 20000 (服务不可用), and trade.pay's
/// sub_code ACQ.SYSTEM_ERROR (请立即调用查询订单API) leave a payment's outcome open: the
/// spec marks them in_progress / unknown, so the refusal says "query before acting". A
/// final sub_code (ACQ.TRADE_NOT_EXIST) stays a plain refusal.
#[test]
fn uncertain_trade_pay_codes_report_an_unknown_outcome() {
    let cases = [
        (
            r#"{"code":"10003","msg":"order success pay inprocess"}"#,
            true,
        ),
        (
            r#"{"code":"20000","msg":"Service Currently Unavailable","sub_code":"isp.unknow-error","sub_msg":"系统繁忙"}"#,
            true,
        ),
        (
            r#"{"code":"40004","msg":"Business Failed","sub_code":"ACQ.SYSTEM_ERROR","sub_msg":"系统错误"}"#,
            true,
        ),
        (
            r#"{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在"}"#,
            false,
        ),
    ];
    for (member, unknown) in cases {
        let body = signed_body("alipay_trade_pay_response", member);
        let result: Result<serde_json::Value, Error> =
            decode_typed(&tables::PROVIDER, "trade_pay", &credentials(), &body);
        let error = result.expect_err("a refusal");
        assert!(matches!(error, Error::Service(_)), "{error:?}");
        assert_eq!(error.outcome_unknown(), unknown, "{member}: {error:?}");
        assert_ne!(error.is_retry_safe(), unknown, "{member}");
    }
}

/// The documented notification's values (异步通知验签 sample), re-signed with the test key.
fn notification_pairs() -> Vec<(String, String)> {
    [
        ("total_amount", "2.00"),
        ("buyer_id", "2088102116773037"),
        ("body", "大乐透2.1"),
        ("trade_no", "2016071921001003030200089909"),
        ("refund_fee", "0.00"),
        ("notify_time", "2016-07-19 14:10:49"),
        ("subject", "大乐透2.1"),
        ("sign_type", "RSA2"),
        ("charset", "utf-8"),
        ("notify_type", "trade_status_sync"),
        ("out_trade_no", "0719141034-6418"),
        ("gmt_close", "2016-07-19 14:10:46"),
        ("gmt_payment", "2016-07-19 14:10:47"),
        ("trade_status", "TRADE_SUCCESS"),
        ("version", "1.0"),
        ("gmt_create", "2016-07-19 14:10:44"),
        ("app_id", "2015102700040153"),
        ("seller_id", "2088102119685838"),
        ("notify_id", "4a91b7a78a503640467525113fb7d8bg8e"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn notification_body(pairs: &[(String, String)], sign: &str) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        form.append_pair(k, v);
    }
    form.append_pair("sign", sign).finish()
}

#[test]
fn pay_notification_is_verified_over_sorted_pairs_without_sign_and_sign_type() {
    let pairs = notification_pairs();
    let to_sign = string_to_sign(&pairs, &["sign", "sign_type"]);
    // The document's own 待签名字符串 for this notification, but for gmt_create, which
    // the sample carries and the document's string leaves out (see the spec's quirks):
    // the rule (第一步) signs every parameter but sign and sign_type.
    assert_eq!(
        to_sign,
        "app_id=2015102700040153&body=大乐透2.1&buyer_id=2088102116773037&charset=utf-8&gmt_close=2016-07-19 14:10:46&gmt_create=2016-07-19 14:10:44&gmt_payment=2016-07-19 14:10:47&notify_id=4a91b7a78a503640467525113fb7d8bg8e&notify_time=2016-07-19 14:10:49&notify_type=trade_status_sync&out_trade_no=0719141034-6418&refund_fee=0.00&seller_id=2088102119685838&subject=大乐透2.1&total_amount=2.00&trade_no=2016071921001003030200089909&trade_status=TRADE_SUCCESS&version=1.0"
    );
    let sign = rsa2_sign(&to_sign);
    let body = notification_body(&pairs, &sign);
    let typed: PayNotification = client().verify_pay_notification(&body).unwrap();
    assert_eq!(typed.total_amount, Some(Fen(200)));
    assert_eq!(typed.refund_fee, Some(Fen(0)));
    assert_eq!(typed.trade_status, Some(TradeStatus::TradeSuccess));
    assert_eq!(typed.subject.as_deref(), Some("大乐透2.1"));
    assert_eq!(PayNotification::ACK, "success");

    // sign_type is outside the signed string (第一步): changing it cannot be detected.
    let other_type: Vec<_> = pairs
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                if k == "sign_type" {
                    "RSA".into()
                } else {
                    v.clone()
                },
            )
        })
        .collect();
    assert!(client()
        .verify_pay_notification(&notification_body(&other_type, &sign))
        .is_ok());

    let changed: Vec<_> = pairs
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                if k == "total_amount" {
                    "2.01".into()
                } else {
                    v.clone()
                },
            )
        })
        .collect();
    let mut injected = pairs.clone();
    injected.push(("passback_params".into(), "x".into()));
    let mutants = [
        ("amount changed", notification_body(&changed, &sign)),
        ("field injected", notification_body(&injected, &sign)),
        ("duplicated field", format!("{body}&total_amount=2.00")),
        (
            "sign removed",
            notification_body(&pairs, "").replace("&sign=", ""),
        ),
        (
            "sign altered",
            notification_body(&pairs, &sign.replacen(|c: char| c.is_ascii_digit(), "0", 3)),
        ),
    ];
    for (what, body) in mutants {
        assert!(client().verify_pay_notification(&body).is_err(), "{what}");
    }
}
