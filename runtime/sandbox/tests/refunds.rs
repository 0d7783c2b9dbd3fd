//! Refunds one by one (the `refund_query` role, `provider_refund_no`): WeChat Pay v2's
//! generated client against the sandbox over loopback. Each refund gets its own
//! 微信退款单号 (refund_id), kept with its amount and the merchant's number; refundquery
//! reports them as the document's `_$n` families (查询退款: 四选一 refund_id >
//! out_refund_no > transaction_id > out_trade_no); a repeated out_refund_no refunds
//! once (同一退款单号多次请求只退一笔); the 退款结果通知 names the same refund_id, so
//! its confirmation by refundquery agrees.

mod support;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method};
use paygen::{Error, Fen, InboundRequest, ReqwestTransport};
use paygen_sandbox::{Sandbox, SandboxConfig};
use paygen_wechatpay_v2::*;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn client(sandbox: &Sandbox) -> Client<ReqwestTransport> {
    Client::with_transport(
        sandbox.url("wechatpay_v2"),
        Credentials {
            appid: "wx2421b1c4370ec43b".into(),
            mch_id: "10000100".into(),
            key: paygen_sandbox::config::stand_in("key").into(),
            sign_type: "HMAC-SHA256".into(),
        },
        support::transport(),
    )
}

/// A receiver on a free port that keeps each notification's method, headers and body
/// and answers the documented ack.
async fn receiver() -> (
    String,
    Arc<Mutex<Vec<(String, Vec<(String, String)>, Bytes)>>>,
) {
    let kept = Arc::new(Mutex::new(Vec::new()));
    let keep = kept.clone();
    let app =
        axum::Router::new().fallback(move |method: Method, headers: HeaderMap, body: Bytes| {
            let keep = keep.clone();
            async move {
                let headers = headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
                    .collect();
                keep.lock()
                    .unwrap()
                    .push((method.to_string(), headers, body));
                RefundNotification::ACK
            }
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/refund"), kept)
}

fn refund(number: &str, fen: i64, notify_url: &str) -> RefundRequest {
    RefundRequest::new(number, Fen(1000), Fen(fen))
        .with_out_trade_no("RQ1")
        .with_notify_url(notify_url)
}

fn err_code<T: std::fmt::Debug>(result: &Result<T, Error<RefundqueryRefusal>>) -> String {
    match result {
        Err(Error::Service(refusal)) => refusal.body.clone(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wechatpay_v2_refunds_are_kept_and_queried_one_by_one() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let client = client(&sandbox);
    let (notify_url, received) = receiver().await;
    let pay = MicropayRequest::new("goods", "RQ1", Fen(1000), "127.0.0.1", "134674074004982976");
    let paid = client.micropay(&pay).await.expect("micropay");

    let first = client
        .refund(&refund("RQ1-A", 300, &notify_url))
        .await
        .expect("first refund");
    let second = client
        .refund(&refund("RQ1-B", 200, &notify_url))
        .await
        .expect("second refund");
    assert!(!first.refund_id.is_empty());
    assert_ne!(
        first.refund_id, second.refund_id,
        "each refund its own refund_id"
    );

    // The same out_refund_no again: the first refund answered again, nothing refunded.
    let repeated = client
        .refund(&refund("RQ1-A", 300, &notify_url))
        .await
        .expect("repeated refund");
    assert_eq!(repeated.refund_id, first.refund_id);
    // 1000 - 300 - 200 = 500 left: exactly that much can still go back.
    let third = client
        .refund(&refund("RQ1-C", 500, &notify_url))
        .await
        .expect("the rest");
    let over = client.refund(&refund("RQ1-D", 1, &notify_url)).await;
    assert!(over.is_err(), "nothing is left: {over:?}");

    // By the order: every refund, oldest first, as refund_*_0, refund_*_1, ...
    let all = client
        .refundquery(&RefundqueryRequest::new().with_out_trade_no("RQ1"))
        .await
        .expect("refundquery by order");
    assert_eq!(all.refund_count, 3);
    assert_eq!(all.transaction_id, paid.transaction_id);
    assert_eq!(
        (
            all.out_refund_no_0.as_str(),
            all.refund_id_0.as_str(),
            all.refund_fee_0
        ),
        ("RQ1-A", first.refund_id.as_str(), Fen(300))
    );
    assert!(matches!(
        all.refund_status_0,
        refundquery_response::RefundStatus0::Success
    ));
    // By refund_id (the first of 四选一): that refund alone.
    let by_id = client
        .refundquery(&RefundqueryRequest::new().with_refund_id(second.refund_id.as_str()))
        .await
        .expect("refundquery by refund_id");
    assert_eq!(by_id.refund_count, 1);
    assert_eq!(by_id.out_refund_no_0, "RQ1-B");
    assert_eq!(by_id.refund_fee_0, Fen(200));
    assert_eq!(by_id.out_trade_no, "RQ1");
    // By out_refund_no.
    let by_number = client
        .refundquery(&RefundqueryRequest::new().with_out_refund_no("RQ1-C"))
        .await
        .expect("refundquery by out_refund_no");
    assert_eq!(by_number.refund_id_0, third.refund_id);
    assert_eq!(by_number.refund_fee_0, Fen(500));
    // A refund nobody made: REFUNDNOTEXIST, the document's code for it.
    let unknown = client
        .refundquery(&RefundqueryRequest::new().with_refund_id("5000000000000000"))
        .await;
    assert!(err_code(&unknown).contains("REFUNDNOTEXIST"), "{unknown:?}");

    // Three refunds made, three notifications (the repeat made none); each names its
    // refund's refund_id, and refundquery confirms each.
    let deadline = Instant::now() + Duration::from_secs(5);
    while received.lock().unwrap().len() < 3 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let deliveries = received.lock().unwrap().clone();
    assert_eq!(deliveries.len(), 3, "one notification per refund made");
    let mut notified = Vec::new();
    for (method, headers, body) in &deliveries {
        let request = InboundRequest {
            method,
            query: "",
            headers,
            body,
        };
        let delivery = client
            .receive_refund_notification_confirmed(&request)
            .await
            .expect("confirmed by refundquery");
        assert!(delivery.confirmed);
        let n = delivery.notification;
        notified.push((n.out_refund_no, n.refund_id, n.refund_fee));
    }
    notified.sort();
    assert_eq!(
        notified,
        [
            ("RQ1-A".to_owned(), first.refund_id.clone(), Fen(300)),
            ("RQ1-B".to_owned(), second.refund_id.clone(), Fen(200)),
            ("RQ1-C".to_owned(), third.refund_id.clone(), Fen(500)),
        ]
    );
    sandbox.shutdown.shutdown().await;
}
