//! The example receiver over real loopback HTTP: a genuine wantu notification, signed
//! here with the md-5 crate exactly as 003 §1.3 describes (sorted non-empty `k=v`
//! joined by `&`, then `&key=KEY`, MD5, upper-case hex), is acknowledged and handed on
//! once; its redelivery is acknowledged again but not handed on; mutants are refused.

use md5::{Digest, Md5};
use paygen_example_axum::{router, AppState};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

const KEY: &str = "example-receiver-test-key-71c3";
const ACK: &str = r#"{"return_code":200,"return_msg":"SUCCESS"}"#;

/// The notification's fields in document order, as wantu sends them (2.6).
const FIELDS: &[(&str, &str)] = &[
    ("return_code", "200"),
    ("return_msg", "SUCCESS"),
    ("trade_time", "2017-11-30 17:56:21"),
    ("subject", "订单"),
    ("merchant_account", "HKG1382543269"),
    ("total_fee", "100"),
    ("fee_type", "HKD"),
    ("trade_id", "100020171130144813026280"),
    ("trade_status", "SUCCESS"),
    ("attach", ""),
];

fn md5_sign(fields: &[(&str, &str)], key: &str) -> String {
    let mut sorted: Vec<_> = fields.iter().filter(|(_, v)| !v.is_empty()).collect();
    sorted.sort_by_key(|(k, _)| *k);
    let joined: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let text = format!("{}&key={key}", joined.join("&"));
    hex::encode_upper(Md5::digest(text.as_bytes()))
}

/// The JSON body with `sign`; `total_fee` is a JSON number, as in the document.
fn body(fields: &[(&str, &str)], sign: &str) -> String {
    let mut members: Vec<String> = fields
        .iter()
        .map(|(k, v)| match *k {
            "total_fee" => format!("\"{k}\":{v}"),
            _ => format!("\"{k}\":\"{v}\""),
        })
        .collect();
    members.push(format!("\"sign\":\"{sign}\""));
    format!("{{{}}}", members.join(","))
}

async fn start() -> (
    String,
    mpsc::UnboundedReceiver<paygen_wantu::PayNotification>,
) {
    let client = paygen_wantu::Client::new(
        paygen_wantu::Environment::default(),
        paygen_wantu::Credentials {
            merchant_account: "HKG1382543269".into(),
            store_account: "S1".into(),
            key: KEY.into(),
        },
    );
    let (paid, orders) = mpsc::unbounded_channel();
    let (refunded, _) = mpsc::unbounded_channel();
    let wechat = paygen_wechatpay_v2::Client::new(
        paygen_wechatpay_v2::Environment::default(),
        paygen_wechatpay_v2::Credentials {
            appid: "wx0".into(),
            mch_id: "1".into(),
            key: "unused".into(),
            sign_type: "MD5".into(),
        },
    );
    let app = router(Arc::new(AppState {
        client,
        paid,
        wechat,
        refunded,
        deliveries: std::sync::Arc::new(paygen::MemoryDeliveryStore::default()),
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify/wantu", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, orders)
}

async fn post(url: &str, body: String) -> (u16, Option<String>, String) {
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, content_type, response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_genuine_notification_is_acknowledged_and_handed_on_once() {
    let (url, mut orders) = start().await;
    let genuine = body(FIELDS, &md5_sign(FIELDS, KEY));

    let (status, content_type, answer) = post(&url, genuine.clone()).await;
    assert_eq!((status, answer.as_str()), (200, ACK));
    assert_eq!(
        content_type.as_deref(),
        Some("application/json; charset=utf-8")
    );
    let paid = orders.recv().await.unwrap();
    assert_eq!(paid.trade_id, "100020171130144813026280");
    assert_eq!(paid.total_fee, paygen::Fen(100));

    // The provider redelivers until acknowledged: acknowledged again, not handed on.
    let (status, _, answer) = post(&url, genuine).await;
    assert_eq!((status, answer.as_str()), (200, ACK));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(orders.try_recv().is_err(), "a redelivery is acted on once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutants_of_a_genuine_notification_are_refused() {
    let (url, mut orders) = start().await;
    let sign = md5_sign(FIELDS, KEY);
    let mut more = FIELDS.to_vec();
    more[5] = ("total_fee", "10000");
    let cases = [
        ("amount changed after signing", body(&more, &sign)),
        (
            "signed with another key",
            body(FIELDS, &md5_sign(FIELDS, "another-key")),
        ),
        (
            "signature removed",
            body(FIELDS, "").replace(",\"sign\":\"\"", ""),
        ),
        (
            "field given twice",
            body(FIELDS, &sign).replace("{", "{\"total_fee\":1,"),
        ),
    ];
    for (what, mutant) in cases {
        let (status, _, answer) = post(&url, mutant).await;
        assert_eq!(status, 400, "{what}: {answer}");
        assert_ne!(answer, ACK, "{what}");
        assert!(!answer.contains(KEY), "{what}: the key never appears");
    }
    assert!(orders.try_recv().is_err(), "nothing refused is handed on");
}
