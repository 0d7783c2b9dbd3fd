//! Alipay (`specs/alipay.yaml`) genuine messages for the mutation suite, signed here
//! with `ring` (`super::alipay::rsa2_sign`, SHA256withRSA over the committed test key):
//! the replies of trade_pay, trade_query, trade_refund, trade_cancel and trade_close
//! under `<method>_response`, refusals (a gateway error under `error_response`, an
//! uncertain trade_pay refusal) and the pay notification as a form (the documented
//! example's values, and a refund's with `out_biz_no`).

use super::alipay::{client, credentials, rsa2_sign};
use super::*;
use paygen_alipay as ali;

/// 异步通知验签 第一步: every parameter but `sign` and `sign_type`, empty ones left out.
pub const NOTIFY_CANONICAL: Canonical = Canonical {
    exclude: &["sign", "sign_type"],
    added: &[],
    skip_empty: true,
};

/// Every operation of the spec and its reply member (`{method}_response`).
pub const OPERATIONS: [(&str, &str); 6] = [
    ("trade_pay", "alipay_trade_pay_response"),
    ("trade_precreate", "alipay_trade_precreate_response"),
    ("trade_query", "alipay_trade_query_response"),
    ("trade_refund", "alipay_trade_refund_response"),
    ("trade_cancel", "alipay_trade_cancel_response"),
    ("trade_close", "alipay_trade_close_response"),
];
pub const ERROR_MEMBER: &str = "error_response";

/// A reply's top-level fields: `member` under `member_name`, signed over its text as
/// `write_json` writes it (compact, members in order).
pub fn reply_fields(member_name: &str, member: &Map<String, Value>) -> Vec<(String, Value)> {
    let member = Value::Object(member.clone());
    let sign = rsa2_sign(&member.to_string());
    vec![
        (member_name.to_owned(), member),
        ("sign".to_owned(), Value::String(sign)),
    ]
}

/// The reply checked as `operation`'s, read into its generated type: the `Debug` of
/// what was accepted.
pub fn accepted_as(operation: &str, body: &str) -> Result<String, Error> {
    let c = credentials();
    macro_rules! read_as {
        ($ty:ty) => {
            decode_typed::<$ty>(&ali::tables::PROVIDER, operation, &c, body)
                .map(|typed| format!("{typed:?}"))
        };
    }
    match operation {
        "trade_pay" => read_as!(ali::TradePayResponse),
        "trade_precreate" => read_as!(ali::TradePrecreateResponse),
        "trade_query" => read_as!(ali::TradeQueryResponse),
        "trade_refund" => read_as!(ali::TradeRefundResponse),
        "trade_cancel" => read_as!(ali::TradeCancelResponse),
        "trade_close" => read_as!(ali::TradeCloseResponse),
        other => panic!("alipay has no operation {other}"),
    }
}

fn member_name_of(operation: &str) -> &'static str {
    OPERATIONS
        .iter()
        .find(|(op, _)| *op == operation)
        .map(|(_, member)| *member)
        .unwrap_or_else(|| panic!("alipay has no operation {operation}"))
}

/// A signed reply of `operation`: `member` under `member_name`, checked by `check`.
fn signed_reply(
    what: String,
    operation: &'static str,
    member_name: &'static str,
    member: Map<String, Value>,
    check: CheckFn,
) -> Fixture {
    let fields = reply_fields(member_name, &member);
    let payload = PayloadField {
        name: member_name,
        codec: Codec::AlipayMember,
    };
    Fixture::new(
        "alipay",
        what,
        Format::Json,
        Some(payload),
        fields,
        member,
        check,
    )
    .for_operation(operation)
}

/// A signed success reply of `operation`.
fn reply(operation: &'static str, member: Value) -> Fixture {
    let what = format!("alipay response {operation}");
    let member = object(member);
    let check = response_check_for!(paygen_alipay, operation, credentials(), &member, &what, {
        "trade_pay" => TradePayResponse, "trade_precreate" => TradePrecreateResponse,
        "trade_query" => TradeQueryResponse, "trade_refund" => TradeRefundResponse,
        "trade_cancel" => TradeCancelResponse, "trade_close" => TradeCloseResponse,
    });
    signed_reply(what, operation, member_name_of(operation), member, check)
}

/// A signed refusal of `operation` in member `member_name`.
fn refusal(
    operation: &'static str,
    member_name: &'static str,
    member: Value,
    genuine: ExpectedRefusal,
) -> Fixture {
    let what = format!(
        "alipay refusal {operation} in `{member_name}` ({} {})",
        genuine.raw_code,
        member["sub_code"].as_str().unwrap_or_default()
    );
    let check = refusal_check(&ali::tables::PROVIDER, operation, credentials(), genuine);
    signed_reply(what, operation, member_name, object(member), check)
}

/// The documented notification's values (异步通知验签 sample; its own sign cannot be
/// checked: the key is not published).
pub fn documented_notification_pairs() -> Vec<(String, String)> {
    let (_, _, body) = example_bodies("alipay", true)
        .into_iter()
        .find(|(name, _, _)| name == "pay")
        .unwrap_or_else(|| panic!("alipay has no documented pay notification"));
    // Printed as a URL with unencoded values: split as the text reads.
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(k, _)| *k != "sign")
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// A partial refund's notification (异步通知 of a refund: out_biz_no, refund_fee,
/// gmt_refund; trade_status stays TRADE_SUCCESS).
pub fn refund_notification_pairs() -> Vec<(String, String)> {
    [
        ("gmt_create", "2016-07-19 14:10:44"),
        ("charset", "utf-8"),
        ("seller_email", "merchant@example.com"),
        ("subject", "大乐透2.1"),
        ("sign_type", "RSA2"),
        ("buyer_id", "2088102116773037"),
        ("invoice_amount", "2.00"),
        ("notify_id", "2016071921001003030200089909a1b2"),
        (
            "fund_bill_list",
            r#"[{"amount":"2.00","fundChannel":"ALIPAYACCOUNT"}]"#,
        ),
        ("notify_type", "trade_status_sync"),
        ("trade_status", "TRADE_SUCCESS"),
        ("receipt_amount", "2.00"),
        ("app_id", "2015102700040153"),
        ("buyer_pay_amount", "2.00"),
        ("seller_id", "2088102119685838"),
        ("gmt_payment", "2016-07-19 14:10:47"),
        ("gmt_refund", "2016-07-20 09:12:01.123"),
        ("notify_time", "2016-07-20 09:12:02"),
        ("version", "1.0"),
        ("out_trade_no", "0719141034-6418"),
        ("out_biz_no", "HZ01RF001"),
        ("refund_fee", "0.50"),
        ("total_amount", "2.00"),
        ("trade_no", "2016071921001003030200089909"),
        ("body", "大乐透2.1"),
        ("point_amount", "0.00"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// 异步通知验签's string: every pair but sign and sign_type, non-empty, sorted.
pub fn notification_string(pairs: &[(String, String)]) -> String {
    let kept: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(k, _)| k != "sign" && k != "sign_type")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    sorted_pairs(&kept)
}

/// `pairs` with `sign` appended, signed over [`notification_string`].
pub fn signed_notification(pairs: &[(String, String)]) -> Vec<(String, Value)> {
    let sign = rsa2_sign(&notification_string(pairs));
    pairs
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .chain([("sign".to_owned(), Value::String(sign))])
        .collect()
}

fn notification(source: &str, pairs: &[(String, String)]) -> Fixture {
    let what = format!("alipay notification pay ({source})");
    let fields = signed_notification(pairs);
    let business: Map<String, Value> = fields
        .iter()
        .filter(|(k, v)| k != "sign" && k != "sign_type" && !text_of(v).is_empty())
        .cloned()
        .collect();
    let client = client();
    let check = delivery_check(
        move |body: &str| client.receive_pay_notification(&inbound(body)),
        &business,
        &what,
    );
    Fixture::new("alipay", what, Format::Form, None, fields, business, check)
        .with_canonical(NOTIFY_CANONICAL)
}

pub fn trade_pay_member() -> Value {
    serde_json::json!({
        "code": "10000", "msg": "Success", "buyer_logon_id": "159****5620",
        "buyer_pay_amount": "88.88", "buyer_user_id": "2088101117955611",
        "fund_bill_list": [{"amount": "88.88", "fund_channel": "ALIPAYACCOUNT"}],
        "gmt_payment": "2014-11-27 15:45:57", "invoice_amount": "88.88",
        "out_trade_no": "6823789339978248", "point_amount": "0.00",
        "receipt_amount": "88.88", "total_amount": "88.88",
        "trade_no": "2013112011001004330000121536"
    })
}

/// trade_query's reply as `alipay.rs` has it (TRADE_SUCCESS), `note` left out.
pub fn trade_query_member(trade_status: &str) -> Value {
    serde_json::json!({
        "code": "10000", "msg": "Success", "buyer_logon_id": "159****5620",
        "buyer_pay_amount": "8.88",
        "fund_bill_list": [{"amount": "10.00", "fund_channel": "ALIPAYACCOUNT"}],
        "invoice_amount": "12.11", "out_trade_no": "6823789339978248",
        "point_amount": "10", "receipt_amount": "15.25",
        "send_pay_date": "2014-11-27 15:45:57", "total_amount": "88.88",
        "trade_no": "2013112011001004330000121536", "trade_status": trade_status,
        "buyer_user_id": "2088101117955611"
    })
}

pub fn trade_refund_member() -> Value {
    serde_json::json!({
        "code": "10000", "msg": "Success", "trade_no": "2014112611001004680073956707",
        "out_trade_no": "20150320010101001", "buyer_logon_id": "159****5620",
        "fund_change": "Y", "refund_fee": "88.88", "gmt_refund_pay": "2014-11-27 15:45:57",
        "buyer_user_id": "2088101117955611",
        "refund_detail_item_list": [{"amount": "88.88", "fund_channel": "ALIPAYACCOUNT"}]
    })
}

pub fn trade_cancel_member() -> Value {
    serde_json::json!({
        "code": "10000", "msg": "Success", "trade_no": "2014112611001004680073956707",
        "out_trade_no": "20150320010101001", "retry_flag": "N", "action": "close"
    })
}

pub fn trade_close_member() -> Value {
    serde_json::json!({
        "code": "10000", "msg": "Success", "trade_no": "2013112111001004500000675971",
        "out_trade_no": "YX_001"
    })
}

pub fn fixtures() -> Vec<Fixture> {
    let mut out = vec![
        reply("trade_pay", trade_pay_member()),
        reply("trade_query", trade_query_member("TRADE_SUCCESS")),
        reply("trade_query", trade_query_member("WAIT_BUYER_PAY")),
        reply("trade_refund", trade_refund_member()),
        reply("trade_cancel", trade_cancel_member()),
        reply("trade_close", trade_close_member()),
    ];
    // 公共错误码 40004 in `error_response`; 交易不存在 is final for a query.
    out.push(refusal(
        "trade_query",
        ERROR_MEMBER,
        serde_json::json!({
            "code": "40004", "msg": "Business Failed",
            "sub_code": "ACQ.TRADE_NOT_EXIST", "sub_msg": "交易不存在"
        }),
        ExpectedRefusal {
            raw_code: "40004".into(),
            message: Some("Business Failed".into()),
            meaning: None,
            outcome: Outcome::NothingHappened,
        },
    ));
    // trade.pay ACQ.SYSTEM_ERROR: 请立即调用查询订单API (unknown).
    out.push(refusal(
        "trade_pay",
        "alipay_trade_pay_response",
        serde_json::json!({
            "code": "40004", "msg": "Business Failed",
            "sub_code": "ACQ.SYSTEM_ERROR", "sub_msg": "系统错误",
            "out_trade_no": "6823789339978248"
        }),
        ExpectedRefusal {
            raw_code: "40004".into(),
            message: Some("Business Failed".into()),
            meaning: Some(("sub_code".into(), "ACQ.SYSTEM_ERROR".into())),
            outcome: Outcome::Unknown,
        },
    ));
    out.push(notification(
        "documented values",
        &documented_notification_pairs(),
    ));
    out.push(notification(
        "a refund's, with out_biz_no",
        &refund_notification_pairs(),
    ));
    out
}
