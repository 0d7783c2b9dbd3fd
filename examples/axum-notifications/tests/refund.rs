//! WeChat Pay v2's refund notification through the example receiver, over real
//! loopback HTTP. The notification is only encrypted (退款结果通知 解密方式: AES-256-ECB,
//! PKCS#7, key = lowercase hex MD5 of the API key, base64), done here with the aes crate;
//! the receiver confirms it with a signed `refundquery`, answered by a stand-in for
//! WeChat Pay on loopback whose reply is signed here with md-5 (安全规范: sorted
//! non-empty `k=v&…&key=KEY`, MD5, upper hex). A refund is handed on only when the
//! verified query agrees with the notification.

use aes::cipher::{generic_array::GenericArray, BlockEncrypt, KeyInit};
use axum::routing::post;
use base64::Engine as _;
use md5::{Digest, Md5};
use paygen_example_axum::{router, AppState};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

const KEY: &str = "example-wechat-refund-key-2c9e0a";
const APPID: &str = "wx2421b1c4370ec43b";
const MCH_ID: &str = "10000100";
const ACK: &str =
    "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>";

fn encrypt_req_info(plain: &str) -> String {
    let aes_key = hex::encode(Md5::digest(KEY.as_bytes()));
    let cipher = aes::Aes256::new(GenericArray::from_slice(aes_key.as_bytes()));
    let pad = 16 - plain.len() % 16;
    let mut data = plain.as_bytes().to_vec();
    data.resize(data.len() + pad, pad as u8);
    for block in data.chunks_mut(16) {
        cipher.encrypt_block(GenericArray::from_mut_slice(block));
    }
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// The refund as both messages tell it: `refund_fee` in 分.
fn notification(refund_fee: &str) -> String {
    let fields = [
        ("out_refund_no", "R1"),
        ("out_trade_no", "T1"),
        ("refund_account", "REFUND_SOURCE_RECHARGE_FUNDS"),
        ("refund_fee", refund_fee),
        ("refund_id", "50000000012024061500000000001"),
        ("refund_recv_accout", "支付用户零钱"),
        ("refund_request_source", "API"),
        ("refund_status", "SUCCESS"),
        ("settlement_refund_fee", refund_fee),
        ("success_time", "2024-06-15 10:21:07"),
        ("total_fee", "10000"),
        ("transaction_id", "4200000000202406150000000001"),
    ];
    let plain: String = fields
        .iter()
        .map(|(k, v)| format!("<{k}><![CDATA[{v}]]></{k}>"))
        .collect();
    let req_info = encrypt_req_info(&format!("<root>{plain}</root>"));
    format!("<xml><return_code>SUCCESS</return_code><appid>{APPID}</appid><mch_id>{MCH_ID}</mch_id><nonce_str>n1</nonce_str><req_info><![CDATA[{req_info}]]></req_info></xml>")
}

/// WeChat Pay's `refundquery` answer for the refund, with its MD5 signature.
fn refundquery_reply(refund_fee: &str) -> String {
    let mut fields = vec![
        ("appid", APPID),
        ("cash_fee", "10000"),
        ("mch_id", MCH_ID),
        ("nonce_str", "q1"),
        ("out_refund_no_0", "R1"),
        ("out_trade_no", "T1"),
        ("refund_count", "1"),
        ("refund_fee_0", refund_fee),
        ("refund_id_0", "50000000012024061500000000001"),
        ("refund_recv_accout_0", "支付用户零钱"),
        ("refund_status_0", "SUCCESS"),
        ("result_code", "SUCCESS"),
        ("return_code", "SUCCESS"),
        ("total_fee", "10000"),
        ("transaction_id", "4200000000202406150000000001"),
    ];
    fields.sort_by_key(|(k, _)| *k);
    let text: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let sign = hex::encode_upper(Md5::digest(
        format!("{}&key={KEY}", text.join("&")).as_bytes(),
    ));
    let body: String = fields
        .iter()
        .map(|(k, v)| format!("<{k}><![CDATA[{v}]]></{k}>"))
        .collect();
    format!("<xml>{body}<sign>{sign}</sign></xml>")
}

/// The stand-in for WeChat Pay: every `refundquery` gets `reply`.
async fn wechat_pay(reply: String) -> String {
    let app = axum::Router::new().route(
        "/pay/refundquery",
        post(move || {
            let reply = reply.clone();
            async move { reply }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

async fn receiver(
    wechat_url: &str,
) -> (
    String,
    mpsc::UnboundedReceiver<paygen_wechatpay_v2::RefundNotification>,
) {
    let client = paygen_wantu::Client::new(
        paygen_wantu::Environment::default(),
        paygen_wantu::Credentials {
            merchant_account: "M".into(),
            store_account: "S".into(),
            key: "unused".into(),
        },
    );
    let wechat = paygen_wechatpay_v2::Client::with_transport(
        wechat_url,
        paygen_wechatpay_v2::Credentials {
            appid: APPID.into(),
            mch_id: MCH_ID.into(),
            key: KEY.into(),
            sign_type: "MD5".into(),
        },
        paygen::ReqwestTransport::default(),
    );
    let (paid, _) = mpsc::unbounded_channel();
    let (refunded, refunds) = mpsc::unbounded_channel();
    let app = router(Arc::new(AppState {
        client,
        paid,
        wechat,
        refunded,
        deliveries: std::sync::Arc::new(paygen::MemoryDeliveryStore::default()),
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/notify/wechat/refund",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, refunds)
}

async fn post_xml(url: &str, body: String) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", "text/xml")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_the_signed_query_agrees_with_is_acknowledged_and_handed_on_once() {
    let wechat = wechat_pay(refundquery_reply("2500")).await;
    let (url, mut refunds) = receiver(&wechat).await;

    let (status, answer) = post_xml(&url, notification("2500")).await;
    assert_eq!((status, answer.as_str()), (200, ACK));
    let refund = refunds.recv().await.unwrap();
    assert_eq!(refund.out_refund_no, "R1");
    assert_eq!(refund.refund_fee, paygen::Fen(2500));

    // WeChat redelivers until acknowledged: acknowledged again, not handed on.
    let (status, answer) = post_xml(&url, notification("2500")).await;
    assert_eq!((status, answer.as_str()), (200, ACK));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(refunds.try_recv().is_err(), "a redelivery is acted on once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_the_signed_query_contradicts_is_refused() {
    // Ciphertext blocks moved between genuine notifications could claim 25.00 for a
    // refund of 0.01: the query says 1.
    let wechat = wechat_pay(refundquery_reply("1")).await;
    let (url, mut refunds) = receiver(&wechat).await;
    let (status, answer) = post_xml(&url, notification("2500")).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("refund_fee"), "{answer}");
    assert!(!answer.contains(KEY), "the key never appears");
    assert!(
        refunds.try_recv().is_err(),
        "nothing unconfirmed is handed on"
    );
}
