//! `confirm_with`: WeChat Pay v2's refund notification is only encrypted (AES-256-ECB
//! without a MAC), so `receive_refund_notification_confirmed` sends a signed
//! `refundquery` and hands the notification on only when the verified reply agrees.
//! The notification is encrypted and the query reply signed here, independently of the
//! runtime (aes, md-5 and hmac used directly by the support code).

mod canned;
mod support;

use canned::CannedTransport;
use paygen::{Authenticity, Error, InboundRequest, SignatureFailure};
use paygen_wechatpay_v2 as wx;
use support::wechat::*;
use support::wechat_fixtures::encrypt_req_info;

const REFUND_ID: &str = "50000508012024061508311234567";
const TRANSACTION_ID: &str = "4200002210202406150987654321";

/// The decrypted `req_info` of one refund of 25.00 out of 100.00.
fn req_info_plain(refund_fee: &str, status: &str) -> String {
    let fields = [
        ("out_refund_no", "R20240615001"),
        ("out_trade_no", "T20240615001"),
        ("refund_account", "REFUND_SOURCE_RECHARGE_FUNDS"),
        ("refund_fee", refund_fee),
        ("refund_id", REFUND_ID),
        ("refund_recv_accout", "支付用户零钱"),
        ("refund_request_source", "API"),
        ("refund_status", status),
        ("settlement_refund_fee", refund_fee),
        ("settlement_total_fee", "10000"),
        ("success_time", "2024-06-15 10:21:07"),
        ("total_fee", "10000"),
        ("transaction_id", TRANSACTION_ID),
    ];
    let mut out = String::from("<root>");
    for (k, v) in fields {
        out.push_str(&format!("<{k}><![CDATA[{v}]]></{k}>"));
    }
    out.push_str("</root>");
    out
}

fn notification_body(refund_fee: &str, status: &str) -> Vec<u8> {
    let req_info = encrypt_req_info(KEY, &req_info_plain(refund_fee, status));
    xml(&[
        ("return_code", "SUCCESS"),
        ("appid", APPID),
        ("mch_id", MCH_ID),
        ("nonce_str", "n0tify"),
        ("req_info", &req_info),
    ])
    .into_bytes()
}

/// A `refundquery` reply for the refund, signed (HMAC-SHA256) unless `unsigned`.
fn refundquery_reply(refund_fee: &str, status: &str, unsigned: bool) -> String {
    let fields = [
        ("return_code", "SUCCESS"),
        ("appid", APPID),
        ("mch_id", MCH_ID),
        ("nonce_str", "qUery0"),
        ("result_code", "SUCCESS"),
        ("transaction_id", TRANSACTION_ID),
        ("out_trade_no", "T20240615001"),
        ("total_fee", "10000"),
        ("cash_fee", "10000"),
        ("refund_count", "1"),
        ("out_refund_no_0", "R20240615001"),
        ("refund_id_0", REFUND_ID),
        ("refund_fee_0", refund_fee),
        ("refund_recv_accout_0", "支付用户零钱"),
        ("refund_status_0", status),
    ];
    let mut owned: Vec<(&str, String)> = fields.iter().map(|(k, v)| (*k, v.to_string())).collect();
    if !unsigned {
        owned.push(("sign", hmac_sign(&fields, KEY)));
    }
    xml_owned(&owned)
}

fn client(reply: String) -> wx::Client<CannedTransport> {
    let transport = CannedTransport::new(200, &reply);
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
}

fn inbound(body: &[u8]) -> InboundRequest<'_> {
    InboundRequest {
        method: "POST",
        query: "",
        headers: &[],
        body,
    }
}

async fn receive_confirmed(
    client: &wx::Client<CannedTransport>,
    body: &[u8],
) -> Result<paygen::Delivery<wx::RefundNotification>, Error> {
    client
        .receive_refund_notification_confirmed(&inbound(body))
        .await
}

#[tokio::test]
async fn a_notification_the_signed_query_agrees_with_is_handed_on_confirmed() {
    let client = client(refundquery_reply("2500", "SUCCESS", false));
    let body = notification_body("2500", "SUCCESS");
    let delivery = receive_confirmed(&client, &body)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(delivery.confirmed);
    assert_eq!(delivery.authenticity, Authenticity::EncryptedOnly);
    assert_eq!(delivery.notification.refund_fee, paygen::Fen(2500));
    // The query asked for the notified refund by its WeChat id, signed.
    let sent = client.transport().sent.lock().unwrap();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].url.ends_with("/pay/refundquery"), "{}", sent[0].url);
    let body = &sent[0].body;
    assert!(body.contains(REFUND_ID), "{body}");
    assert!(body.contains("<sign>"), "{body}");

    // Unconfirmed, the same notification says so.
    let plain = client
        .receive_refund_notification(&inbound(&notification_body("2500", "SUCCESS")))
        .unwrap();
    assert!(!plain.confirmed);
    assert!(!plain.authenticity.is_authentic());
}

#[tokio::test]
async fn a_notification_the_query_contradicts_is_refused() {
    // A splice of two genuine notifications could say 25.00 where the refund was 0.01.
    let client = client(refundquery_reply("1", "SUCCESS", false));
    let error = receive_confirmed(&client, &notification_body("2500", "SUCCESS"))
        .await
        .unwrap_err();
    let Error::Signature {
        reason:
            SignatureFailure::NotConfirmed {
                field,
                notified,
                confirmed,
            },
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(
        (field.as_str(), notified.as_str(), confirmed.as_str()),
        ("refund_fee", "2500", "1")
    );
    assert!(error.outcome_unknown());

    let client = self::client(refundquery_reply("2500", "PROCESSING", false));
    let error = receive_confirmed(&client, &notification_body("2500", "SUCCESS"))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("refund_status"), "{error}");
}

#[tokio::test]
async fn an_unsigned_or_forged_query_reply_confirms_nothing() {
    let client = client(refundquery_reply("2500", "SUCCESS", true));
    let error = receive_confirmed(&client, &notification_body("2500", "SUCCESS"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Signature { .. }), "{error:?}");

    let forged = refundquery_reply("2500", "SUCCESS", false).replace("10000", "10001");
    let client = self::client(forged);
    let error = receive_confirmed(&client, &notification_body("2500", "SUCCESS"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Signature {
                reason: SignatureFailure::Mismatch,
                ..
            }
        ),
        "{error:?}"
    );
}
