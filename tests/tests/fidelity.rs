//! Issue 15: genuine Alipay and WeChat Pay v2 messages that the documents allow are
//! accepted, and each code means what the document says.
//!
//! - Alipay replies without each optional or conditional field (在未生成真实交易时，不返回;
//!   fund_change 可选; buyer_user_id 特殊可选; gmt_refund_pay absent from the current
//!   table) decode, signed RSA2 by `support::alipay` (ring, not the runtime).
//! - A refund reply with fund_change=N, or without it, is `Accepted::Unconfirmed`
//!   (code=10000，仅代表本次退款请求成功，不代表退款成功), naming the refund query.
//! - Amounts: [0.01, 100000000] (取值范围[0.01,100000000]) and WeChat's total_fee > 0.
//! - WeChat pay notifications signed MD5 or HMAC-SHA256 with the merchant key (md-5 and
//!   hmac directly), with and without sign_type, are accepted; an unkeyed MD5, a
//!   sign_type that disagrees with the signature, or an unknown sign_type is refused.

mod canned;
mod support;

use canned::CannedTransport;
use paygen::protocol::CodeOutcome;
use paygen::{Accepted, Error, Fen, ParamRule};
use paygen_alipay as ali;
use paygen_wechatpay_v2 as wx;
use serde_json::Value;
use support::alipay::{self as alipay, signed_body};
use support::wechat::*;
use support::{decode_typed, NoTransport, NOW};

// ------------------------------------------------------------ Alipay optional fields

fn decode<R: serde::de::DeserializeOwned>(operation: &str, member: &str) -> Result<R, Error> {
    let name =
        format!("alipay_{}_response", operation.replace("trade_", "trade.")).replace('.', "_");
    decode_typed(
        &ali::tables::PROVIDER,
        operation,
        &alipay::credentials(),
        &signed_body(&name, member),
    )
}

/// A genuine trade.pay reply before a real trade exists: no trade_no, buyer_logon_id,
/// buyer_user_id (在未生成真实交易时，不返回) and no fund_bill_list (returned only when
/// asked for).
#[test]
fn trade_pay_reply_without_conditional_fields_decodes() {
    let member = r#"{"code":"10000","msg":"Success","out_trade_no":"6823789339978248","total_amount":"88.88","receipt_amount":"88.88","gmt_payment":"2014-11-27 15:45:57"}"#;
    let reply: ali::TradePayResponse = decode("trade_pay", member).unwrap();
    assert_eq!(reply.trade_no, None);
    assert_eq!(reply.buyer_logon_id, None);
    assert_eq!(reply.buyer_user_id, None);
    assert_eq!(reply.fund_bill_list, None);
    assert_eq!(reply.total_amount, Fen(8888));
    // And with them all, plus buyer_open_id.
    let full = r#"{"code":"10000","msg":"Success","trade_no":"2013112011001004330000121536","out_trade_no":"6823789339978248","buyer_logon_id":"159****5620","total_amount":"88.88","receipt_amount":"88.88","gmt_payment":"2014-11-27 15:45:57","fund_bill_list":[{"fund_channel":"ALIPAYACCOUNT","amount":"88.88"}],"buyer_user_id":"2088101117955611","buyer_open_id":"074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5"}"#;
    let reply: ali::TradePayResponse = decode("trade_pay", full).unwrap();
    assert_eq!(
        reply.trade_no.as_deref(),
        Some("2013112011001004330000121536")
    );
    assert!(reply.buyer_open_id.is_some());
}

/// trade.query: trade_no and buyer_logon_id are CHOICE (在未生成真实交易时,不返回).
#[test]
fn trade_query_reply_without_trade_no_and_logon_id_decodes() {
    let member = r#"{"code":"10000","msg":"Success","out_trade_no":"6823789339978248","trade_status":"WAIT_BUYER_PAY","total_amount":"88.88","buyer_user_id":"2088101117955611"}"#;
    let reply: ali::TradeQueryResponse = decode("trade_query", member).unwrap();
    assert_eq!(reply.trade_no, None);
    assert_eq!(reply.buyer_logon_id, None);
}

/// trade.query's total_amount is 该参数的值为支付时传入的total_amount, so the pay request's
/// 取值范围[0.01,100000000] holds for it: the bounds are accepted, a reply beyond them is
/// a decode error naming the field and the bound.
#[test]
fn trade_query_reply_total_amount_is_held_to_the_documented_range() {
    let reply = |amount: &str| {
        let member = format!(
            r#"{{"code":"10000","msg":"Success","out_trade_no":"6823789339978248","trade_status":"TRADE_SUCCESS","total_amount":"{amount}","buyer_user_id":"2088101117955611"}}"#
        );
        decode::<ali::TradeQueryResponse>("trade_query", &member)
    };
    assert_eq!(reply("0.01").unwrap().total_amount, Fen(1));
    assert_eq!(
        reply("100000000.00").unwrap().total_amount,
        Fen(10_000_000_000)
    );
    for (amount, bound) in [("0.00", "0.01"), ("100000000.01", "100000000")] {
        match reply(amount) {
            Err(Error::Decode { reason, .. }) => assert!(
                reason.contains("total_amount") && reason.contains(bound),
                "{amount}: {reason}"
            ),
            other => panic!("{amount}: expected a decode error, got {other:?}"),
        }
    }
}

/// trade.refund: fund_change 可选, buyer_user_id 特殊可选, gmt_refund_pay not in the
/// current table: a reply with none of them decodes.
#[test]
fn trade_refund_reply_without_optional_fields_decodes() {
    let member = r#"{"code":"10000","msg":"Success","trade_no":"2013112011001004330000121536","out_trade_no":"6823789339978248","buyer_logon_id":"159****5620","refund_fee":"88.88"}"#;
    let reply: ali::TradeRefundResponse = decode("trade_refund", member).unwrap();
    assert_eq!(reply.fund_change, None);
    assert_eq!(reply.buyer_user_id, None);
    assert_eq!(reply.gmt_refund_pay, None);
    assert_eq!(reply.refund_fee, Fen(8888));
}

// ------------------------------------------------------------ Alipay unconfirmed refund

fn alipay_over(transport: CannedTransport) -> ali::Client<CannedTransport> {
    ali::Client::with_transport(
        "https://openapi.alipay.com/gateway.do",
        ali::Credentials {
            app_id: alipay::APP_ID.into(),
            app_private_key: alipay::fixture("rsa_test_key.pem").into(),
            alipay_public_key: alipay::fixture("rsa_test_key_pub.pem"),
            notify_url: alipay::NOTIFY_URL.into(),
        },
        transport,
    )
    .with_clock(paygen::FixedClock::at_unix_seconds(NOW))
}

async fn refund_with(fund_change: Option<&str>) -> Accepted<ali::TradeRefundResponse> {
    let change = fund_change
        .map(|v| format!(r#","fund_change":"{v}""#))
        .unwrap_or_default();
    let member = format!(
        r#"{{"code":"10000","msg":"Success","trade_no":"2013112011001004330000121536","out_trade_no":"6823789339978248","buyer_logon_id":"159****5620"{change},"refund_fee":"88.88"}}"#
    );
    let body = signed_body("alipay_trade_refund_response", &member);
    let client = alipay_over(CannedTransport::new(200, &body));
    let request = ali::TradeRefundRequest::new(Fen(8888)).with_out_trade_no("6823789339978248");
    client.trade_refund(&request).await.unwrap()
}

/// "fund_change=N或无此字段值返回时需通过退款查询接口进一步确认退款状态": N and absent are
/// unconfirmed, naming trade_fastpay_refund_query; Y is done.
#[tokio::test]
async fn refund_with_fund_change_n_or_none_is_unconfirmed_and_y_is_done() {
    for (given, received) in [(Some("N"), Some("N")), (None, None)] {
        match refund_with(given).await {
            Accepted::Unconfirmed(pending) => {
                assert_eq!(pending.field, "fund_change");
                assert_eq!(pending.received.as_deref(), received);
                assert_eq!(pending.confirm_with, "trade_fastpay_refund_query");
                assert!(pending.response.is_verified());
                assert_eq!(pending.response.refund_fee, Fen(8888));
            }
            done => panic!("{given:?}: expected unconfirmed, got {done:?}"),
        }
    }
    let done = refund_with(Some("Y")).await;
    assert!(done.is_done(), "{done:?}");
    // The confirming operation is in the spec, and fund_change N is documented unconfirmed.
    assert!(ali::tables::PROVIDER
        .operation("trade_fastpay_refund_query")
        .is_some());
    let refund = ali::tables::PROVIDER.operation("trade_refund").unwrap();
    assert!(refund.codes.iter().any(|c| &*c.field == "fund_change"
        && &*c.value == "N"
        && c.outcome == CodeOutcome::Unconfirmed));
}

// ------------------------------------------------------------ codes

fn alipay_refusal(operation: &str, member: &str) -> Error {
    match decode::<Value>(operation, member) {
        Err(error @ Error::Service(_)) => error,
        other => panic!("{operation}: expected a refusal, got {other:?}"),
    }
}

fn meaning(error: &Error) -> (String, CodeOutcome) {
    let m = error
        .service_error()
        .and_then(|r| r.meaning.as_ref())
        .unwrap_or_else(|| panic!("no meaning: {error:?}"));
    (m.value.clone(), m.outcome)
}

/// The refund sub_codes the transcription missed: ACQ.REFUND_CHARGE_ERROR
/// (请过一段时间后再重试发起退款) is retryable, the other two are final refusals.
#[test]
fn alipay_refund_sub_codes_have_their_documented_outcomes() {
    for (code, outcome) in [
        ("ACQ.REFUND_CHARGE_ERROR", CodeOutcome::Retryable),
        ("ACQ.TRADE_HAS_CLOSE", CodeOutcome::Failed),
        ("ACQ.REASON_TRADE_STATUS_INVALID", CodeOutcome::Failed),
    ] {
        let member = format!(
            r#"{{"code":"40004","msg":"Business Failed","sub_code":"{code}","sub_msg":"x"}}"#
        );
        let error = alipay_refusal("trade_refund", &member);
        assert_eq!(meaning(&error), (code.to_owned(), outcome));
        assert!(!error.outcome_unknown(), "{code}");
    }
}

fn wechat_refusal(operation: &str, err_code: &'static str) -> Error {
    let fields = [
        ("return_code", "SUCCESS"),
        ("appid", APPID),
        ("mch_id", MCH_ID),
        ("nonce_str", "IITRi8Iabbblz1Jc"),
        ("result_code", "FAIL"),
        ("recall", "N"),
        ("err_code", err_code),
        ("err_code_des", "x"),
    ];
    let body = xml_owned(&signed(&fields));
    match decode_typed::<Value>(&wx::tables::PROVIDER, operation, &credentials(), &body) {
        Err(error @ Error::Service(_)) => error,
        other => panic!("{operation} {err_code}: expected a refusal, got {other:?}"),
    }
}

/// 撤销订单: USERPAYING (用户正在支付中的订单不允许撤销，请稍后再试) is retryable, never a
/// final failure; SYSTEMERROR (请立即调用被扫订单结果查询API，查询当前订单状态) is unknown;
/// the rest of the table are refusals. 关闭订单 ORDERNOTEXIST (不需要关单，当作未提交的支付
/// 的订单) means the close's goal is reached.
#[test]
fn wechat_reverse_and_closeorder_codes_have_their_documented_outcomes() {
    let reverse = [
        ("USERPAYING", CodeOutcome::Retryable),
        ("SYSTEMERROR", CodeOutcome::Unknown),
        ("INVALID_TRANSACTIONID", CodeOutcome::Failed),
        ("PARAM_ERROR", CodeOutcome::Failed),
        ("REQUIRE_POST_METHOD", CodeOutcome::Failed),
        ("SIGNERROR", CodeOutcome::Failed),
        ("INVALID_REQUEST", CodeOutcome::Failed),
        ("TRADE_ERROR", CodeOutcome::Failed),
        ("REVERSE_EXPIRE", CodeOutcome::Failed),
    ];
    for (code, outcome) in reverse {
        let error = wechat_refusal("reverse", code);
        assert_eq!(
            meaning(&error),
            (code.to_owned(), outcome),
            "reverse {code}"
        );
        assert_eq!(
            error.outcome_unknown(),
            outcome == CodeOutcome::Unknown,
            "{code}"
        );
    }
    let close = wx::tables::PROVIDER.operation("closeorder").unwrap();
    assert!(close.codes.iter().any(|c| &*c.field == "err_code"
        && &*c.value == "ORDERNOTEXIST"
        && c.outcome == CodeOutcome::Success));
    // The rest of closeorder's table stay refusals.
    for (code, outcome) in [
        ("ORDERPAID", CodeOutcome::Unknown),
        ("SYSTEMERROR", CodeOutcome::Retryable),
        ("ORDERCLOSED", CodeOutcome::Failed),
    ] {
        let error = wechat_refusal("closeorder", code);
        assert_eq!(
            meaning(&error),
            (code.to_owned(), outcome),
            "closeorder {code}"
        );
    }
}

/// The genuine closeorder reply of 关闭订单 with result_code FAIL and err_code
/// ORDERNOTEXIST (不需要关单，当作未提交的支付的订单), signed here with `hmac`/`sha2`.
fn order_not_exist(err_code: &str) -> String {
    let pairs = support::wechat_fixtures::micropay_refusal_pairs(err_code, "订单不存在");
    let mut fields: Vec<(&str, String)> =
        pairs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let sign = hmac_sign(&borrowed, KEY);
    fields.push(("sign", sign));
    xml_owned(&fields)
}

/// 关闭订单 ORDERNOTEXIST reaches the close's goal: the caller gets the typed reply
/// (not an error), and reads in it that the order never existed.
#[tokio::test]
async fn wechat_closeorder_order_not_exist_is_a_typed_success() {
    use wx::closeorder_response::ErrCode;
    let body = order_not_exist("ORDERNOTEXIST");
    let reply: wx::CloseorderResponse =
        decode_typed(&wx::tables::PROVIDER, "closeorder", &credentials(), &body)
            .unwrap_or_else(|e| panic!("{body}: {e:?}"));
    assert_eq!(reply.err_code, Some(ErrCode::Ordernotexist));
    assert_eq!(reply.result_code.as_str(), "FAIL");
    // Through the client too: `close_order` returns Ok.
    let client = wechat_client_over(CannedTransport::new(200, &body));
    let request = wx::CloseorderRequest::new("1217752501201407033233368018");
    let reply = client
        .closeorder(&request)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(reply.is_verified());
    assert_eq!(reply.err_code, Some(ErrCode::Ordernotexist));
    // The same shape with another code stays a refusal; a forged ORDERNOTEXIST (signed
    // with another key, or changed after signing) is refused as a signature error.
    assert!(matches!(
        decode_typed::<wx::CloseorderResponse>(
            &wx::tables::PROVIDER,
            "closeorder",
            &credentials(),
            &order_not_exist("ORDERCLOSED")
        ),
        Err(Error::Service(_))
    ));
    let forged = order_not_exist("ORDERCLOSED").replace("ORDERCLOSED", "ORDERNOTEXIST");
    assert!(matches!(
        decode_typed::<wx::CloseorderResponse>(
            &wx::tables::PROVIDER,
            "closeorder",
            &credentials(),
            &forged
        ),
        Err(Error::Signature { .. })
    ));
}

// ------------------------------------------------------------ amounts

fn rendered_pay(total: Fen) -> Result<paygen::HttpRequest, Error> {
    let request = ali::TradePayRequest::new(
        "20150320010101001",
        ali::trade_pay_request::Scene::BarCode,
        "28763443825664394",
        "Iphone6 16G",
    )
    .with_total_amount(total);
    alipay::client().render_trade_pay(&request)
}

fn refused(result: Result<paygen::HttpRequest, Error>) -> (String, ParamRule) {
    match result {
        Err(Error::InvalidParam { field, rule }) => (field, rule),
        other => panic!("expected InvalidParam, got {other:?}"),
    }
}

/// 取值范围[0.01,100000000]: 0.01 and 100000000.00 are sent; 0.00 and 100000000.01 are
/// refused naming the field and the bound, shown in 元.
#[test]
fn alipay_amount_bounds_hold() {
    for ok in [Fen(1), Fen(10_000_000_000)] {
        rendered_pay(ok).unwrap_or_else(|e| panic!("{ok:?}: {e}"));
        let refund = ali::TradeRefundRequest::new(ok).with_out_trade_no("A1");
        alipay::client().render_trade_refund(&refund).unwrap();
    }
    for (bad, shown) in [
        (Fen(0), "0.00"),
        (Fen(10_000_000_001), "100000000.01"),
        (Fen(-100), "-1.00"),
    ] {
        let (field, rule) = refused(rendered_pay(bad));
        assert_eq!(field, "total_amount");
        assert_eq!(
            rule,
            ParamRule::OutOfRange {
                min: Some(1),
                max: Some(10_000_000_000),
                actual: bad.0,
                yuan: true
            }
        );
        assert_eq!(
            rule.to_string(),
            format!("is {shown}, must be 0.01 to 100000000.00")
        );
        let refund = ali::TradeRefundRequest::new(bad).with_out_trade_no("A1");
        let (field, _) = refused(alipay::client().render_trade_refund(&refund));
        assert_eq!(field, "refund_amount");
    }
}

/// 1,000,000.00 and above fit refund_amount price(16) (the old max_length 9 refused them).
#[test]
fn large_refunds_fit_the_documented_length() {
    let refund = ali::TradeRefundRequest::new(Fen(100_000_000)).with_out_trade_no("A1");
    alipay::client().render_trade_refund(&refund).unwrap();
}

fn wechat_client() -> wx::Client<NoTransport> {
    wechat_client_over(NoTransport)
}

/// A WeChat Pay v2 client with the test merchant's HMAC-SHA256 credentials over
/// `transport`.
fn wechat_client_over<T: paygen::Transport>(transport: T) -> wx::Client<T> {
    wx::Client::with_transport(
        "http://127.0.0.1:9",
        wx::Credentials {
            appid: APPID.into(),
            mch_id: MCH_ID.into(),
            key: KEY.into(),
            sign_type: "HMAC-SHA256".into(),
        },
        transport,
    )
    .with_clock(paygen::FixedClock::at_unix_seconds(NOW))
}

/// total_fee is positive: 1 分 is sent, 0 and -1 are refused before signing.
#[test]
fn wechat_total_fee_is_positive() {
    let order = |fee| {
        wx::UnifiedorderRequest::new(
            "腾讯充值中心-QQ会员充值",
            "20150806125346",
            Fen(fee),
            "123.12.12.123",
            "http://www.weixin.qq.com/wxpay/pay.php",
            wx::unifiedorder_request::TradeType::Native,
        )
    };
    wechat_client().render_unifiedorder(&order(1)).unwrap();
    for fee in [0, -1] {
        let (field, rule) = refused(wechat_client().render_unifiedorder(&order(fee)));
        assert_eq!(field, "total_fee");
        assert!(
            matches!(rule, ParamRule::OutOfRange { min: Some(1), .. }),
            "{rule:?}"
        );
    }
}

// ------------------------------------------------------------ WeChat notification algorithm

const PAY: [(&str, &str); 15] = [
    ("appid", APPID),
    ("bank_type", "CFT"),
    ("fee_type", "CNY"),
    ("is_subscribe", "Y"),
    ("mch_id", MCH_ID),
    ("nonce_str", "5d2b6c2a8db53831f7eda20af46e531c"),
    ("openid", "oUpF8uMEb4qRXf22hE3X68TekukE"),
    ("out_trade_no", "1409811653"),
    ("result_code", "SUCCESS"),
    ("return_code", "SUCCESS"),
    ("time_end", "20140903131540"),
    ("total_fee", "1"),
    ("trade_type", "JSAPI"),
    ("transaction_id", "1004400740201409030005092168"),
    ("cash_fee", "1"),
];

/// The notification's fields, with `sign_type` when given, signed `sign`.
fn notification(
    sign_type: Option<&'static str>,
    sign: impl Fn(&[(&str, &str)]) -> String,
) -> String {
    let mut fields: Vec<(&str, &str)> = PAY.to_vec();
    if let Some(sign_type) = sign_type {
        fields.push(("sign_type", sign_type));
    }
    let signature = sign(&fields);
    let mut owned: Vec<(&str, String)> = fields.iter().map(|(k, v)| (*k, v.to_string())).collect();
    owned.push(("sign", signature));
    xml_owned(&owned)
}

/// MD5- and HMAC-SHA256-signed notifications, keyed with the merchant key, with and
/// without sign_type, are accepted whatever the client's own sign_type credential says.
#[test]
fn keyed_notifications_of_either_algorithm_are_accepted() {
    let md5 = |f: &[(&str, &str)]| md5_sign(f, KEY);
    let hmac = |f: &[(&str, &str)]| hmac_sign(f, KEY);
    let bodies = [
        notification(Some("MD5"), md5),
        notification(None, md5),
        notification(Some("HMAC-SHA256"), hmac),
        notification(None, hmac),
    ];
    for body in bodies {
        let typed = wechat_client()
            .verify_pay_notification(&body)
            .unwrap_or_else(|e| panic!("{e}: {body}"));
        assert_eq!(typed.total_fee, Fen(1));
    }
}

/// Unkeyed (MD5 of stringA alone), keyed with another key, a sign_type that disagrees
/// with the signature's algorithm, an unknown sign_type, or a signature of no known form:
/// all refused.
#[test]
fn unkeyed_or_mismatched_notifications_are_refused() {
    use md5::{Digest, Md5};
    let unkeyed = |f: &[(&str, &str)]| hex::encode_upper(Md5::digest(string_a(f).as_bytes()));
    let md5 = |f: &[(&str, &str)]| md5_sign(f, KEY);
    let hmac = |f: &[(&str, &str)]| hmac_sign(f, KEY);
    let bodies = [
        ("unkeyed MD5, no sign_type", notification(None, unkeyed)),
        (
            "unkeyed MD5, sign_type MD5",
            notification(Some("MD5"), unkeyed),
        ),
        (
            "another key",
            notification(Some("MD5"), |f| md5_sign(f, "another-key")),
        ),
        ("HMAC named MD5", notification(Some("MD5"), hmac)),
        (
            "MD5 named HMAC-SHA256",
            notification(Some("HMAC-SHA256"), md5),
        ),
        ("unknown sign_type", notification(Some("SHA1"), md5)),
        (
            "40 hex digits",
            notification(None, |f| format!("{}ABCDEFAB", md5(f))),
        ),
    ];
    for (what, body) in bodies {
        match wechat_client().verify_pay_notification(&body) {
            Err(Error::Signature { .. }) => {}
            other => panic!("{what}: {other:?}\n{body}"),
        }
    }
}
