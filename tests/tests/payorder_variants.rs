//! mct1 `payorder`'s documented scenarios (002 4.4) as typed requests: each sends the
//! fields of its own table in that table's order, requires what its table requires,
//! and fixes JSAPI to 1 (填默认值 1) where the table says so. The expected `data` JSON is
//! written from the 4.4.x.1 tables (field order and types), not taken from the code.

mod support;

use paygen::Fen;
use paygen_mct1::*;
use serde_json::{json, Value};

const OPEN_KEY: &str = support::MCT1_OPEN_KEY;

/// The shared mct1 client (002's sample credentials); these tests only render.
fn client() -> paygen_mct1::Client<support::NoTransport> {
    support::mct1_client()
}

/// The business JSON the rendered form's `data` decrypts to, as text.
fn data_of(request: impl Into<PayorderRequest>) -> String {
    let rendered = client().render_payorder(&request.into()).expect("renders");
    let body = rendered.body;
    let hex = body
        .split('&')
        .find_map(|pair| pair.strip_prefix("data="))
        .expect("a data field");
    let plain =
        paygen::tooling::cipher::aes256_ecb_decrypt_hex(OPEN_KEY.as_bytes(), hex).expect("AES");
    String::from_utf8(plain).expect("UTF-8")
}

fn text(value: Value) -> String {
    value.to_string()
}

#[test]
fn barcode_sends_its_auth_code_and_nothing_of_other_scenarios() {
    // 4.4.2.1: out_no, pmt_tag, pmt_name, ord_name, original_amount, trade_amount,
    // remark, notify_url, auth_code.
    let request =
        PayorderBarcodeRequest::new("B1001", "Weixin", Fen(100), Fen(100), "134674074004982976")
            .with_ord_name("测试商品");
    assert_eq!(
        data_of(request),
        text(
            json!({"out_no": "B1001", "pmt_tag": "Weixin", "ord_name": "测试商品",
            "original_amount": 100, "trade_amount": 100, "auth_code": "134674074004982976"})
        )
    );
}

#[test]
fn wechat_jsapi_always_sends_jsapi_1_as_a_number() {
    // 4.4.3.1: JSAPI int, 填默认值 1; sub_appid and sub_openid 必填 when JSAPI is 1.
    let request =
        PayorderWechatJsapiRequest::new("J1001", "Weixin", Fen(100), Fen(100), "wx1", "o1");
    assert_eq!(
        data_of(request),
        text(
            json!({"out_no": "J1001", "pmt_tag": "Weixin", "original_amount": 100,
            "trade_amount": 100, "JSAPI": 1, "sub_appid": "wx1", "sub_openid": "o1"})
        )
    );
}

#[test]
fn alipay_jsapi_and_jump_link_send_their_own_parameters() {
    // 4.4.4.1: buyer_id then JSAPI (原生JS支付参数), or jump_url (跳转链接支付参数).
    let alipay = PayorderAlipayJsapiRequest::new("A1001", "Alipay", Fen(100), Fen(100), "2088");
    assert_eq!(
        data_of(alipay),
        text(
            json!({"out_no": "A1001", "pmt_tag": "Alipay", "original_amount": 100,
            "trade_amount": 100, "buyer_id": "2088", "JSAPI": 1})
        )
    );
    let link = PayorderJumpLinkRequest::new(
        "L1001",
        "Weixin",
        Fen(100),
        Fen(90),
        "https://m.example/done",
    )
    .with_discount_amount(Fen(10));
    assert_eq!(
        data_of(link),
        text(
            json!({"out_no": "L1001", "pmt_tag": "Weixin", "original_amount": 100,
            "discount_amount": 10, "trade_amount": 90, "jump_url": "https://m.example/done"})
        )
    );
}

#[test]
fn a_scenario_request_keeps_the_operation_rules() {
    // 4.4.1 trade_amount = original_amount - discount_amount - ignore_amount holds in
    // every scenario: the rules belong to the operation.
    let request = PayorderQrcodeRequest::new("Q1001", "Cash", Fen(100), Fen(99));
    match client().render_payorder(&request.into()) {
        Err(paygen::Error::InvalidParam { field, .. }) => assert_eq!(field, "trade_amount"),
        other => panic!("{other:?}"),
    }
}
