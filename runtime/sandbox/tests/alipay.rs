//! Alipay end to end over loopback HTTP: the generated client (reqwest, RSA2 with the
//! sandbox's throwaway merchant key) against the sandbox, which verifies requests with
//! the merchant's public key and signs replies (over the raw text of each
//! `alipay_trade_<op>_response` member) and notifications with its Alipay key.

use axum::body::Bytes;
use paygen::{Authenticity, Error, Fen, ReqwestTransport};
use paygen_alipay::*;
use paygen_sandbox::keys::{
    MERCHANT_PRIVATE_KEY, MERCHANT_PUBLIC_KEY, PROVIDER_PRIVATE_KEY, PROVIDER_PUBLIC_KEY,
};
use paygen_sandbox::{Sandbox, SandboxConfig};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn client(
    sandbox: &Sandbox,
    private_key: &str,
    alipay_public_key: &str,
    notify_url: &str,
) -> Client<ReqwestTransport> {
    let transport =
        ReqwestTransport::new(Duration::from_secs(2), Duration::from_secs(5)).expect("transport");
    Client::with_transport(
        sandbox.url("alipay"),
        Credentials {
            app_id: paygen_sandbox::config::stand_in("app_id"),
            app_private_key: private_key.into(),
            alipay_public_key: alipay_public_key.into(),
            notify_url: notify_url.into(),
        },
        transport,
    )
}

fn pay(order: &str, yuan: &str) -> TradePayRequest {
    TradePayRequest::new(
        order,
        trade_pay_request::Scene::BarCode,
        "286951234567890123",
        "sandbox goods",
    )
    .with_total_amount(paygen::yuan::parse(yuan).expect("yuan"))
}

/// The sub_code of a business refusal, its authenticity, and the raw body.
fn refusal<E: std::fmt::Debug>(
    result: &Result<impl std::fmt::Debug, Error<E>>,
) -> (String, Authenticity, String) {
    match result {
        Err(Error::Service(refusal)) => {
            let sub_code = refusal
                .meaning
                .as_ref()
                .map(|m| m.value.clone())
                .unwrap_or_else(|| refusal.raw_code.clone());
            (sub_code, refusal.authenticity, refusal.body.clone())
        }
        other => panic!("expected a business refusal, got {other:?}"),
    }
}

/// A notification receiver on a free port: keeps each body, answers `success`.
async fn receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let kept = bodies.clone();
    let app = axum::Router::new().fallback(move |body: Bytes| {
        let kept = kept.clone();
        async move {
            kept.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&body).into_owned());
            "success"
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/alipay/pay"), bodies)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alipay_pay_notify_query_refund_cancel_close() {
    let sandbox = Sandbox::start(SandboxConfig {
        notify_speedup: 1000,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let (notify_url, bodies) = receiver().await;
    let alipay = client(
        &sandbox,
        MERCHANT_PRIVATE_KEY,
        PROVIDER_PUBLIC_KEY,
        &notify_url,
    );

    let paid = alipay
        .trade_pay(&pay("A1", "12.88"))
        .await
        .expect("trade_pay");
    assert!(paid.is_verified(), "the reply is signed with Alipay's key");
    assert!(paid.body().starts_with(r#"{"alipay_trade_pay_response":{"#));
    assert_eq!(paid.out_trade_no, "A1");
    assert_eq!(paid.total_amount, Fen(1288));
    // The sandbox's trade is real, so its reply carries trade_no (在未生成真实交易时，不返回).
    let trade_no = paid.trade_no.clone().expect("a real trade has a trade_no");

    // The signed notification arrives at the notify_url the request carried.
    let start = Instant::now();
    while bodies.lock().unwrap().is_empty() && start.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let body = bodies.lock().unwrap().first().cloned().expect("notified");
    let notification = alipay.verify_pay_notification(&body).expect("verifies");
    assert_eq!(notification.out_trade_no, "A1");
    assert_eq!(notification.trade_no, trade_no);
    assert_eq!(notification.trade_status, Some(TradeStatus::TradeSuccess));

    let query = alipay
        .trade_query(&TradeQueryRequest::new().with_trade_no(&trade_no))
        .await
        .expect("trade_query");
    assert!(query.is_verified());
    assert_eq!(query.trade_status, TradeStatus::TradeSuccess);
    assert_eq!(query.total_amount, Fen(1288));

    let refund = alipay
        .trade_refund(
            &TradeRefundRequest::new(Fen(500))
                .with_out_trade_no("A1")
                .with_out_request_no("AR1"),
        )
        .await
        .expect("partial refund");
    // The sandbox answers fund_change=Y: the refund is done, not merely accepted.
    assert!(refund.is_done(), "{refund:?}");
    assert_eq!(refund.response().refund_fee, Fen(500));
    let over = alipay
        .trade_refund(
            &TradeRefundRequest::new(Fen(800))
                .with_out_trade_no("A1")
                .with_out_request_no("AR2"),
        )
        .await;
    let (sub_code, authenticity, _) = refusal(&over);
    assert_eq!(sub_code, "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL");
    assert_eq!(
        authenticity,
        Authenticity::Verified,
        "business refusals are signed"
    );
    let order = sandbox.store.get("alipay", "A1").expect("kept");
    assert_eq!((order.amount, order.refunded), (1288, 500));

    // Duplicate order number; unknown order.
    let (sub_code, ..) = refusal(&alipay.trade_pay(&pay("A1", "12.88")).await);
    assert_eq!(sub_code, "ACQ.CONTEXT_INCONSISTENT");
    let unknown = alipay
        .trade_query(&TradeQueryRequest::new().with_out_trade_no("nope"))
        .await;
    assert_eq!(refusal(&unknown).0, "ACQ.TRADE_NOT_EXIST");

    // A paid order is not closed (only 等待买家付款 is), nor cancelled once refunded
    // (已经退款场景下不能再发起撤销); a paid one is cancelled (撤销 refunds it).
    let close = alipay
        .trade_close(&TradeCloseRequest::new().with_out_trade_no("A1"))
        .await;
    assert_eq!(refusal(&close).0, "ACQ.REASON_ILLEGAL_STATUS");
    let cancel = alipay
        .trade_cancel(&TradeCancelRequest::new().with_out_trade_no("A1"))
        .await;
    assert!(refusal(&cancel)
        .2
        .contains(r#""sub_code":"ACQ.REASON_ILLEGAL_STATUS""#));
    alipay
        .trade_pay(&pay("A2", "3.00"))
        .await
        .expect("trade_pay");
    let cancelled = alipay
        .trade_cancel(&TradeCancelRequest::new().with_out_trade_no("A2"))
        .await
        .expect("trade_cancel");
    assert!(cancelled.is_verified());
    let query = alipay
        .trade_query(&TradeQueryRequest::new().with_out_trade_no("A2"))
        .await
        .expect("trade_query");
    assert_eq!(query.trade_status, TradeStatus::TradeClosed);
    sandbox.shutdown.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alipay_wrong_keys_and_tampered_replies_are_refused() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts");
    let alipay = client(&sandbox, MERCHANT_PRIVATE_KEY, PROVIDER_PUBLIC_KEY, "");
    alipay.trade_pay(&pay("B1", "1.00")).await.expect("pays");

    // Signed with a key the sandbox does not know for this merchant: 40002
    // isv.invalid-signature, unsigned.
    let forger = client(&sandbox, PROVIDER_PRIVATE_KEY, PROVIDER_PUBLIC_KEY, "");
    let result = forger.trade_pay(&pay("B2", "1.00")).await;
    let (_, authenticity, body) = refusal(&result);
    assert_eq!(authenticity, Authenticity::UnsignedErrorReply);
    let Err(Error::Service(refused)) = &result else {
        unreachable!()
    };
    assert_eq!(refused.code, GatewayCode::InvalidParameter);
    assert!(
        body.contains(r#""sub_code":"isv.invalid-signature""#),
        "{body}"
    );
    assert!(
        body.starts_with(r#"{"alipay_trade_pay_response":"#),
        "in the addressed operation's member: {body}"
    );
    assert!(
        sandbox.store.get("alipay", "B2").is_none(),
        "nothing happened"
    );

    // Verified with a valid public key that did not sign the replies: refused.
    let trusting_another = client(&sandbox, MERCHANT_PRIVATE_KEY, MERCHANT_PUBLIC_KEY, "");
    let result = trusting_another
        .trade_query(&TradeQueryRequest::new().with_out_trade_no("B1"))
        .await;
    assert!(matches!(result, Err(Error::Signature { .. })), "{result:?}");

    // A tampered reply (the admin knob, then the magic amount ..05): refused.
    let knob = reqwest::Client::new()
        .post(format!("{}/_sandbox/scenario", sandbox.base_url))
        .body(r#"{"tamper_responses":1}"#)
        .send()
        .await
        .expect("admin");
    assert!(knob.status().is_success());
    let tampered = alipay
        .trade_query(&TradeQueryRequest::new().with_out_trade_no("B1"))
        .await;
    assert!(
        matches!(tampered, Err(Error::Signature { .. })),
        "{tampered:?}"
    );
    let tampered = alipay.trade_pay(&pay("B5", "1.05")).await;
    assert!(
        matches!(tampered, Err(Error::Signature { .. })),
        "{tampered:?}"
    );
    // The next reply is genuine again.
    let again = alipay
        .trade_query(&TradeQueryRequest::new().with_out_trade_no("B1"))
        .await
        .expect("untampered");
    assert!(again.is_verified());
    sandbox.shutdown.shutdown().await;
}

#[test]
fn each_side_holds_its_half_of_the_key_pairs() {
    let path = paygen_sandbox::config::default_spec_dir().join("alipay.yaml");
    let spec = paygen_codegen::load_file(&path).expect("spec").spec;
    let provider = paygen_codegen::lower(&spec);
    let merchant = paygen_sandbox::providers::default_credentials(&spec);
    assert_eq!(merchant["app_private_key"], MERCHANT_PRIVATE_KEY);
    assert_eq!(merchant["alipay_public_key"], PROVIDER_PUBLIC_KEY);
    let served: Vec<(String, bool, String)> =
        paygen_sandbox::providers::server_defaults(&provider, &spec);
    let names: Vec<&str> = served.iter().map(|(n, _, _)| n.as_str()).collect();
    // notify_url is the merchant's per-request setting: the sandbox takes it as sent.
    assert_eq!(names, ["app_id", "app_public_key", "alipay_private_key"]);
    assert_eq!(served[1].2, MERCHANT_PUBLIC_KEY);
    assert_eq!(
        (served[2].1, served[2].2.as_str()),
        (true, PROVIDER_PRIVATE_KEY)
    );
    // A credentials file names the sandbox's side.
    let config = |name: &str| SandboxConfig {
        credentials: [(
            "alipay".to_owned(),
            [(name.to_owned(), PROVIDER_PRIVATE_KEY.to_owned())].into(),
        )]
        .into(),
        ..SandboxConfig::default()
    };
    assert!(paygen_sandbox::providers::load(&config("alipay_private_key")).is_ok());
    let refused = paygen_sandbox::providers::load(&config("app_private_key")).unwrap_err();
    assert!(
        refused.to_string().contains("`app_private_key`"),
        "{refused}"
    );
}
