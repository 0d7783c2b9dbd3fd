//! Received messages are trusted only when their signature holds over exactly what the
//! typed result is made of.
//!
//! - Every signed response and notification, signed by an independent implementation
//!   of its document's recipe (see `support`), decodes with verification on, and the
//!   typed result equals what was put in.
//! - Unsigned error replies are business refusals; the same unsigned shapes claiming
//!   success are signature failures.
//! - The concrete attacks of the security issue are rejected.

mod support;

use paygen::{Error, Fen};
use serde_json::{json, Value};
use support::*;

/// Runs every fixture's genuine body and lists every one not accepted as put in.
fn assert_all_genuine_accepted(fixtures: Vec<Fixture>) {
    assert!(!fixtures.is_empty());
    let failures: Vec<String> = fixtures
        .iter()
        .filter_map(|f| match f.check(&f.body) {
            Verdict::Identical => None,
            Verdict::Rejected(e) => Some(format!("{}: rejected: {e}\n  body: {}", f.name, f.body)),
            Verdict::Different(got) => Some(format!("{}: typed result differs: {got}", f.name)),
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} genuine messages not accepted as sent:\n{}",
        failures.len(),
        fixtures.len(),
        failures.join("\n")
    );
}

#[test]
fn mct1_genuine_responses_and_notifications_decode() {
    // 7 operations (payorder's five documented scenarios each) + pay + jump.
    let fixtures = mct1_fixtures();
    assert!(fixtures.len() >= 13, "{}", fixtures.len());
    assert_all_genuine_accepted(fixtures);
}

#[test]
fn mpgateway_genuine_responses_and_notifications_decode() {
    assert_all_genuine_accepted(mpgateway_fixtures());
}

#[test]
fn wantu_genuine_responses_and_notifications_decode() {
    let fixtures = wantu_fixtures();
    assert!(fixtures.len() >= 14, "{}", fixtures.len());
    assert_all_genuine_accepted(fixtures);
}

#[test]
fn independent_mct1_recipe_reproduces_document_002_section_2_4() {
    // The test's own recipe must match the one worked example with a key (002 §2.4),
    // or every fixture above would prove nothing.
    let data = aes_ecb_hex(MCT1_OPEN_KEY, br#"{"pmt_type":0}"#);
    assert_eq!(data, "3304A5EC2CDEB4D12ED3338B5C01BF6B");
    let pairs = [
        ("timestamp", "1497957842"),
        ("open_id", MCT1_OPEN_ID),
        ("data", data.as_str()),
    ];
    assert_eq!(
        mct1_sign(&pairs, MCT1_OPEN_KEY),
        "915be5aff09f2686870e1d17e93b3542"
    );
}

// ------------------------------------------------------------ typed values as sent

#[test]
fn mct1_payrefund_amounts_come_through_as_sent() {
    // 002 §4.7.4's sample, signed: amounts are strings on the wire, Fen when typed.
    let fixture = mct1_fixtures()
        .into_iter()
        .find(|f| f.name.starts_with("mct1 response payrefund"))
        .expect("payrefund fixture");
    let typed: paygen_mct1::PayrefundResponse = decode_typed(
        &paygen_mct1::tables::PROVIDER,
        "payrefund",
        &mct1_credentials(),
        &fixture.body,
    )
    .unwrap();
    let data = typed.data;
    assert_eq!(data.trade_amount, Fen(1));
    assert_eq!(data.ord_no, "9149870559317598480923506");
    assert_eq!(typed.timestamp, Some(NOW));
}

#[test]
fn mct1_pay_notification_fields_come_through_as_sent() {
    let fixture = mct1_notification("pay");
    let typed = mct1_client()
        .verify_pay_notification(&fixture.body)
        .unwrap();
    assert_eq!(typed.out_no, "7149794509690017");
    assert_eq!(typed.timestamp, NOW.to_string());
    assert_eq!(typed.status, paygen_mct1::NotifiedStatus::Success);
}

#[test]
fn mpgateway_amounts_come_through_as_sent() {
    let fixture = mpgateway_response("query");
    let typed: paygen_mpgateway::QueryResponse = decode_typed(
        &paygen_mpgateway::tables::PROVIDER,
        "query",
        &mpgateway_credentials(),
        &fixture.body,
    )
    .unwrap();
    assert_eq!(typed.txnamt, Fen(100));
    assert_eq!(typed.orderid, "ORDER20231114001");

    let notification = mpgateway_notification(true);
    let typed = mpgateway_client()
        .verify_pay_notification(&notification.body)
        .unwrap();
    assert_eq!(typed.txnamt, Fen(100));
    assert_eq!(typed.merid, MPGATEWAY_MERID);
}

#[test]
fn wantu_pay_notification_amount_comes_through_as_sent() {
    // 003 §2.6's sample, re-signed: total_fee 100 (a JSON number) is Fen(100).
    let fixture = wantu_fixtures()
        .into_iter()
        .find(|f| f.name.starts_with("wantu notification pay"))
        .expect("wantu pay fixture");
    let typed = wantu_client()
        .verify_pay_notification(&fixture.body)
        .unwrap();
    assert_eq!(typed.total_fee, Fen(100));
    assert_eq!(typed.trade_id, "100020171130144813026280");
}

// ------------------------------------------------------------ unsigned replies

fn mct1_decode(operation: &str, body: &str) -> Result<paygen_mct1::PayorderResponse, Error> {
    assert_eq!(operation, "payorder");
    decode_typed(
        &paygen_mct1::tables::PROVIDER,
        operation,
        &mct1_credentials(),
        body,
    )
}

fn wantu_query(body: &str) -> Result<paygen_wantu::QueryResponse, Error> {
    decode_typed(
        &paygen_wantu::tables::PROVIDER,
        "query",
        &wantu_credentials(),
        body,
    )
}

fn mpgateway_query(body: &str) -> Result<paygen_mpgateway::QueryResponse, Error> {
    decode_typed(
        &paygen_mpgateway::tables::PROVIDER,
        "query",
        &mpgateway_credentials(),
        body,
    )
}

/// `resp=<base64(json)>&sign=` (001 §2.2: the sign is empty on a 前置性错误).
fn mpgateway_unsigned(business: Value) -> String {
    format!(
        "resp={}&sign=",
        percent_encode(&base64_encode(business.to_string().as_bytes()))
    )
}

fn assert_business<T: std::fmt::Debug>(result: Result<T, Error>, code: &str) {
    match result {
        Err(Error::Service(refused)) => assert_eq!(refused.raw_code, code),
        other => panic!("expected Error::Service {{ code: {code} }}, got {other:?}"),
    }
}

fn assert_signature<T: std::fmt::Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::Signature { .. }) => {}
        other => panic!("expected Error::Signature, got {other:?}"),
    }
}

#[test]
fn mct1_unsigned_error_reply_is_a_business_refusal() {
    // 002 §2.5: a reply without data carries no signature; its errcode is the answer.
    assert_business(
        mct1_decode("payorder", r#"{"errcode":40001,"msg":"签名错误"}"#),
        "40001",
    );
}

#[test]
fn wantu_unsigned_error_reply_is_a_business_refusal() {
    // 003 §1.4: 301 SIGN_ERROR. A server that cannot sign answers without `sign`; that
    // is a refusal, not an accepted reply and not a forgery to alarm about.
    assert_business(
        wantu_query(r#"{"return_code":301,"return_msg":"SIGN_ERROR"}"#),
        "301",
    );
}

#[test]
fn mpgateway_unsigned_error_reply_is_a_business_refusal() {
    // 001 §2.2: 商户号不存在 → empty sign.
    let body = mpgateway_unsigned(json!({"respcode": "99", "respmsg": "商户号不存在"}));
    assert_business(mpgateway_query(&body), "99");
}

#[test]
fn mct1_unsigned_success_is_a_signature_failure() {
    assert_signature(mct1_decode("payorder", r#"{"errcode":0,"msg":"ok"}"#));
}

#[test]
fn wantu_unsigned_success_is_a_signature_failure() {
    assert_signature(wantu_query(
        r#"{"return_code":200,"return_msg":"SUCCESS","trade_status":"SUCCESS","total_fee":100}"#,
    ));
}

#[test]
fn mpgateway_unsigned_success_is_a_signature_failure() {
    let mut business = mpgateway_business("query");
    business.insert("respcode".into(), json!("00"));
    assert_signature(mpgateway_query(&mpgateway_unsigned(Value::Object(
        business,
    ))));
}

// ------------------------------------------------------------ the issue's attacks

#[test]
fn mpgateway_fields_appended_to_a_genuine_unpaid_notification_are_rejected() {
    // The signature covers only `resp`: fields outside it must not reach the result.
    let genuine = mpgateway_notification(false);
    let forged = format!(
        "{}&resultcode=0000&txnamt=100000&orderid=OTHER-ORDER-1",
        genuine.body
    );
    let result = mpgateway_client().verify_pay_notification(&forged);
    assert!(result.is_err(), "accepted: {result:?}");
}

#[test]
fn mct1_success_without_data_and_a_forged_sign_is_rejected() {
    let result = mct1_decode("payorder", r#"{"errcode":0,"msg":"ok","sign":"forged"}"#);
    assert!(result.is_err(), "accepted: {result:?}");
}

#[test]
fn mct1_genuine_reply_with_data_renamed_is_rejected() {
    // `Data` is signed like any field, so the signature still holds; but the message
    // now claims success with no payload.
    let genuine = mct1_fixtures()
        .into_iter()
        .find(|f| f.name.starts_with("mct1 response payorder"))
        .expect("payorder fixture");
    let renamed = genuine.body.replacen("\"data\":", "\"Data\":", 1);
    assert_ne!(renamed, genuine.body);
    let result = mct1_decode("payorder", &renamed);
    assert!(result.is_err(), "accepted: {result:?}");
}

#[test]
fn json_duplicate_key_is_rejected() {
    // `"trade_status":null` adds nothing to the signed string (empty values are left
    // out) but would override the signed value in a last-wins map.
    let genuine = wantu_fixtures()
        .into_iter()
        .find(|f| f.name.starts_with("wantu response query"))
        .expect("wantu query fixture");
    assert!(genuine.body.contains("\"trade_status\":\"SUCCESS\""));
    let forged = format!(
        "{},\"trade_status\":null}}",
        genuine.body.strip_suffix('}').unwrap()
    );
    let result = wantu_query(&forged);
    assert!(result.is_err(), "accepted: {result:?}");

    let notification = wantu_fixtures()
        .into_iter()
        .find(|f| f.name.starts_with("wantu notification pay"))
        .expect("wantu pay fixture");
    let forged = format!(
        "{},\"trade_status\":null}}",
        notification.body.strip_suffix('}').unwrap()
    );
    let result = wantu_client().verify_pay_notification(&forged);
    assert!(result.is_err(), "accepted: {result:?}");
}

#[test]
fn query_string_duplicate_key_is_rejected() {
    // `&status=` is empty, so it is left out of the signed string, yet a last-wins
    // reading makes status "" instead of the signed "1".
    let genuine = mct1_notification("pay");
    let forged = format!("{}&status=", genuine.body);
    let result = mct1_client().verify_pay_notification(&forged);
    assert!(result.is_err(), "accepted: {result:?}");
}

#[test]
fn stale_mct1_notification_is_rejected() {
    // 002 notes (5.1 code 9): timestamps more than 600 s from now are refused; a
    // notification signed in 2009 (4.8.1.3's timestamp) must not be replayable now.
    let fields = mct1_notification_fields(1_234_567_890, "1");
    let body = write_form(&fields);
    let result = mct1_client().verify_pay_notification(&body);
    assert!(
        matches!(
            result,
            Err(paygen::Error::Signature {
                reason: paygen::SignatureFailure::Stale { .. },
                ..
            })
        ),
        "accepted: {result:?}"
    );
}

#[test]
fn mct1_freshness_window_is_600_seconds_either_way() {
    for (offset, accepted) in [(-600, true), (600, true), (-601, false), (601, false)] {
        let body = write_form(&mct1_notification_fields(NOW + offset, "1"));
        let result = mct1_client().verify_pay_notification(&body);
        assert_eq!(result.is_ok(), accepted, "offset {offset}: {result:?}");
    }
}

#[test]
fn a_replayed_mct1_notification_is_refused_by_a_seen_store() {
    let body = write_form(&mct1_notification_fields(NOW, "1"));
    let client = mct1_client().with_seen_store(paygen::MemorySeenStore::default());
    assert!(client.verify_pay_notification(&body).is_ok());
    let replay = client.verify_pay_notification(&body);
    assert!(
        matches!(
            replay,
            Err(paygen::Error::Signature {
                reason: paygen::SignatureFailure::Replayed { .. },
                ..
            })
        ),
        "{replay:?}"
    );
    // Without a store, verification stays pure: the same message verifies again.
    assert!(mct1_client().verify_pay_notification(&body).is_ok());
    assert!(mct1_client().verify_pay_notification(&body).is_ok());
}
