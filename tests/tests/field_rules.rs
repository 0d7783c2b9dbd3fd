//! The rules documents state beside their field tables, enforced before anything is
//! sent, each error naming the field and the rule: mct1's payorder sum (4.4.1
//! trade_amount = original_amount - discount_amount - ignore_amount), pmt_name when
//! pmt_tag is Diy, out_no digits and letters, pagesize at most 100, no negative amount;
//! shop_pass sent as its SHA1 (002 2.2 items 4-5) and held as a secret; the 4.6.4
//! sample's misspelled ord_stautus read as ord_status; wantu's required refund
//! refund_fee_type (2.4) and merchant_qrcode notify_url (2.12).

mod support;

use paygen::{Error, Fen, ParamRule};
use paygen_mct1::*;

/// The shared mct1 client (002's sample credentials); these tests only render.
fn client() -> paygen_mct1::Client<support::NoTransport> {
    support::mct1_client()
}

fn broken(result: Result<paygen::HttpRequest, Error>) -> (String, ParamRule) {
    match result {
        Err(Error::InvalidParam { field, rule }) => (field, rule),
        other => panic!("expected InvalidParam, got {other:?}"),
    }
}

fn payorder(trade: i64) -> PayorderQrcodeRequest {
    PayorderQrcodeRequest::new("A1001", "Cash", Fen(1000), Fen(trade))
}

#[test]
fn trade_amount_must_be_original_less_discount_and_ignored() {
    let client = client();
    let ok = payorder(930)
        .with_discount_amount(Fen(60))
        .with_ignore_amount(Fen(10));
    assert!(client.render_payorder(&ok.into()).is_ok());
    assert!(client.render_payorder(&payorder(1000).into()).is_ok());
    let (field, rule) = broken(client.render_payorder(&payorder(990).into()));
    assert_eq!(field, "trade_amount");
    assert_eq!(
        rule,
        ParamRule::Sum {
            formula: "original_amount - discount_amount - ignore_amount".into(),
            expected: 1000,
            actual: 990,
        }
    );
    let error = client.render_payorder(&payorder(990).into()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "parameter `trade_amount`: is 990, must equal original_amount - discount_amount - ignore_amount = 1000"
    );
}

#[test]
fn pmt_name_is_required_when_pmt_tag_is_diy() {
    let client = client();
    let diy = PayorderQrcodeRequest::new("A1001", "Diy", Fen(100), Fen(100));
    let (field, rule) = broken(client.render_payorder(&diy.clone().into()));
    assert_eq!(field, "pmt_name");
    assert_eq!(
        rule,
        ParamRule::RequiredWhen {
            when: "pmt_tag".into(),
            value: "Diy".into()
        }
    );
    assert!(client
        .render_payorder(&diy.clone().with_pmt_name("储值卡").into())
        .is_ok());
    assert!(client.render_payorder(&payorder(1000).into()).is_ok());
}

#[test]
fn out_no_is_digits_and_letters_only() {
    let client = client();
    for bad in ["A-1001", "A 1001", "订单1", "A_1"] {
        let request = PayorderQrcodeRequest::new(bad, "Cash", Fen(1), Fen(1));
        let (field, rule) = broken(client.render_payorder(&request.into()));
        assert_eq!(field, "out_no", "{bad}");
        assert_eq!(
            rule,
            ParamRule::Charset {
                allowed: "ASCII digits and letters"
            }
        );
    }
    let request = PayorderQrcodeRequest::new("7149794509690017abcXYZ", "Cash", Fen(1), Fen(1));
    assert!(client.render_payorder(&request.into()).is_ok());
}

#[test]
fn amounts_are_never_negative() {
    let client = client();
    let request = PayorderQrcodeRequest::new("A1", "Cash", Fen(-5), Fen(-5));
    let (field, rule) = broken(client.render_payorder(&request.into()));
    assert_eq!(field, "original_amount");
    assert_eq!(
        rule,
        ParamRule::OutOfRange {
            min: Some(0),
            max: None,
            actual: -5,
            yuan: false
        }
    );
    let refund = PayrefundRequest::new("R1", Fen(-1), "123456").with_out_no("A1");
    let (field, _) = broken(client.render_payrefund(&refund));
    assert_eq!(field, "refund_amount");
}

#[test]
fn pagesize_is_at_most_100() {
    let client = client();
    assert!(client
        .render_order(&OrderRequest::default().with_pagesize(100))
        .is_ok());
    let (field, rule) = broken(client.render_order(&OrderRequest::default().with_pagesize(101)));
    assert_eq!(field, "pagesize");
    assert_eq!(
        rule,
        ParamRule::OutOfRange {
            min: None,
            max: Some(100),
            actual: 101,
            yuan: false
        }
    );
}

/// 002 2.2 item 4: passwords travel SHA1-hashed; item 5: sha1 results in lowercase.
/// sha1("123456") (4.7.1's default password) = 7c4a8d09ca3762af61e59520943dc26494f8941b.
#[test]
fn shop_pass_is_sent_as_its_lowercase_sha1_and_never_printed() {
    let request = PayrefundRequest::new("R1", Fen(100), "123456").with_out_no("A1");
    assert!(!format!("{request:?}").contains("123456"), "{request:?}");
    let wire = request.to_wire();
    assert_eq!(
        wire.get("shop_pass")
            .map(|v| v.text().into_owned())
            .as_deref(),
        Some("7c4a8d09ca3762af61e59520943dc26494f8941b")
    );
    // The command line's path (parameters by wire name) sends the same.
    let params = serde_json::json!({"out_no": "A1", "refund_out_no": "R1", "refund_amount": 100, "shop_pass": "123456"});
    let fields = paygen::tooling::validate::request_fields_from_json(
        &tables::PAYREFUND,
        params.as_object().unwrap(),
    )
    .unwrap();
    assert_eq!(fields, wire);
    assert!(client().render_payrefund(&request).is_ok());
}

/// The 4.6.4 sample spells the key `ord_stautus`: read as `ord_status`; a reply with
/// both spellings is refused rather than one of them silently chosen.
#[test]
fn paycancel_reads_the_misspelled_ord_stautus_and_refuses_both() {
    let sample: PaycancelResponse = serde_json::from_value(serde_json::json!({
        "errcode": 0, "msg": "订单取消成功",
        "data": { "ord_no": "123456", "ord_stautus": 4 }
    }))
    .unwrap();
    assert_eq!(
        sample.data.ord_status,
        Some(paycancel_response::data::OrdStatus::Cancelled)
    );
    let spelled: PaycancelResponse = serde_json::from_value(serde_json::json!({
        "errcode": 0, "msg": "ok", "data": { "ord_no": "1", "ord_status": 4 }
    }))
    .unwrap();
    assert_eq!(spelled.data.ord_status, sample.data.ord_status);
    let both = serde_json::from_value::<PaycancelResponse>(serde_json::json!({
        "errcode": 0, "msg": "ok", "data": { "ord_no": "1", "ord_status": 4, "ord_stautus": 4 }
    }));
    let error = both.unwrap_err().to_string();
    assert!(error.contains("duplicate field `ord_status`"), "{error}");
}

/// wantu 2.4 and 2.12 mark refund_fee_type and notify_url 必填: the typed requests take
/// them in `new`, and the parameter path refuses a request without them.
#[test]
fn wantu_refund_fee_type_and_merchant_qrcode_notify_url_are_required() {
    use paygen_wantu::tables;
    for (operation, params, missing) in [
        (
            &tables::REFUND,
            serde_json::json!({"pay_channel": 1, "total_fee": 100, "refund_fee": 100, "out_trade_no": "T1", "out_refund_no": "R1"}),
            "refund_fee_type",
        ),
        (
            &tables::MERCHANT_QRCODE,
            serde_json::json!({"pay_channel": 2}),
            "notify_url",
        ),
    ] {
        let fields = paygen::tooling::validate::request_fields_from_json(
            operation,
            params.as_object().unwrap(),
        )
        .unwrap();
        let error = paygen::tooling::validate::validate_request(operation, &fields).unwrap_err();
        match error {
            Error::InvalidParam { field, rule } => {
                assert_eq!((field.as_str(), rule), (missing, ParamRule::Required));
            }
            other => panic!("{other:?}"),
        }
    }
}

/// mpgateway 001 3.1.2 (L100) and 3.3.3 (L163): orderid 长度8-32位,由字母和数字组成.
#[test]
fn mpgateway_orderid_is_8_to_32_letters_and_digits() {
    let client = support::mpgateway_client();
    let pay = |orderid: &str| {
        paygen_mpgateway::MpgatewayRequest::new(
            paygen_mpgateway::mpgateway_request::Action::AliCode,
            Fen(100),
            orderid,
            "https://m.example/notify",
        )
    };
    assert!(client.render_mpgateway(&pay("A1234567")).is_ok());
    assert!(client.render_mpgateway(&pay(&"9".repeat(32))).is_ok());
    assert_eq!(
        broken(client.render_mpgateway(&pay("A123456"))),
        (
            "orderid".to_owned(),
            ParamRule::TooShort { min: 8, actual: 7 }
        )
    );
    assert_eq!(
        broken(client.render_mpgateway(&pay(&"9".repeat(33)))),
        (
            "orderid".to_owned(),
            ParamRule::TooLong {
                max: 32,
                actual: 33
            }
        )
    );
    let (field, rule) = broken(client.render_mpgateway(&pay("A123-4567")));
    assert_eq!(field, "orderid");
    assert!(matches!(rule, ParamRule::Charset { .. }), "{rule:?}");
    let gopay = |orderid: &str| paygen_mpgateway::GopayRequest::new(orderid, "PAYID1");
    assert!(client.render_gopay(&gopay("G1234567")).is_ok());
    assert_eq!(
        broken(client.render_gopay(&gopay("G123"))),
        (
            "orderid".to_owned(),
            ParamRule::TooShort { min: 8, actual: 4 }
        )
    );
}
