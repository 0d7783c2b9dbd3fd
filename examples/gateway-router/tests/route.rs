//! The router over loopback HTTP against the sandbox (`paygen_sandbox::Sandbox`):
//! wantu first, WeChat Pay v2 second, each a generated client as `Arc<dyn Gateway>`.
//!
//! The sandbox plays its scenarios by the amount's last two digits (`paygen serve
//! --help`): 00 pays, 03 pays but drops the connection before the reply. It answers a
//! request whose `store_account` is not the merchant's with wantu's signed 304
//! PARAM_ERROR (wantu 1.4, `outcome: failed` in specs/wantu.yaml): a refusal after which
//! nothing happened, the retry-safe refusal the router falls back on.

use paygen::{EventKind, Fen, PayRequest, PaymentEvent, PaymentStatus, PrecreateRequest};
use paygen_example_gateway_router::{
    notify, wantu_route, wechat_route, PaymentRouter, Route, RouteError,
};
use paygen_sandbox::{Sandbox, SandboxConfig};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

static ORDERS: AtomicU32 = AtomicU32::new(1);

fn order_no() -> String {
    format!("RT{:08}", ORDERS.fetch_add(1, Ordering::SeqCst))
}

fn transport() -> paygen::ReqwestTransport {
    paygen::ReqwestTransport::new(Duration::from_secs(2), Duration::from_secs(2))
        .expect("transport")
}

fn wantu(sandbox: &Sandbox, credentials: paygen_wantu::Credentials) -> Route {
    let client =
        paygen_wantu::Client::with_transport(sandbox.url("wantu"), credentials, transport());
    wantu_route(Arc::new(client))
}

fn wechat(sandbox: &Sandbox) -> Route {
    let client = paygen_wechatpay_v2::Client::with_transport(
        sandbox.url("wechatpay_v2"),
        paygen_wechatpay_v2::Credentials::sandbox(),
        transport(),
    );
    wechat_route(Arc::new(client), "127.0.0.1")
}

struct Service {
    router: PaymentRouter,
    events: mpsc::UnboundedReceiver<(String, PaymentEvent)>,
}

/// The router and its notification routes on a free loopback port.
async fn service(routes: Vec<Route>) -> Service {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = PaymentRouter::new(routes, base);
    let (tx, events) = mpsc::unbounded_channel();
    let deliveries = Arc::new(paygen::MemoryDeliveryStore::default());
    let app = notify::router(&router, deliveries, tx);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Service { router, events }
}

fn pay(order_no: &str, fen: i64) -> PayRequest {
    PayRequest {
        order_no: order_no.to_owned(),
        amount: Fen(fen),
        subject: "router".to_owned(),
        // WeChat Pay's 18-digit 付款码 form; wantu relays it.
        auth_code: "134567890123456789".to_owned(),
        notify_url: None,
        extra: Default::default(),
    }
}

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig {
        notify_speedup: 1000,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_goes_to_the_first_provider() {
    let sandbox = sandbox().await;
    let svc = service(vec![
        wantu(&sandbox, paygen_wantu::Credentials::sandbox()),
        wechat(&sandbox),
    ])
    .await;
    let routed = svc.router.pay(&pay(&order_no(), 100)).await.expect("paid");
    assert_eq!(routed.provider, "wantu");
    assert_eq!(routed.result.status, PaymentStatus::Paid);
    assert_eq!(routed.result.amount, Some(Fen(100)));
    assert!(routed.refused.is_empty(), "{:?}", routed.refused);
    assert_eq!(sandbox.received.of("wantu", "pospay"), 1);
    assert_eq!(sandbox.received.of("wechatpay_v2", "micropay"), 0);
    sandbox.shutdown.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_safe_refusal_falls_back_to_the_second_provider() {
    let sandbox = sandbox().await;
    let unknown_store = paygen_wantu::Credentials {
        store_account: "not-this-merchants-store".into(),
        ..paygen_wantu::Credentials::sandbox()
    };
    let svc = service(vec![wantu(&sandbox, unknown_store), wechat(&sandbox)]).await;
    let no = order_no();
    let routed = svc
        .router
        .pay(&pay(&no, 100))
        .await
        .expect("paid by the second");
    assert_eq!(routed.provider, "wechatpay_v2");
    assert_eq!(routed.result.status, PaymentStatus::Paid);
    assert_eq!(routed.result.order_no.as_deref(), Some(no.as_str()));
    let [(provider, refusal)] = &routed.refused[..] else {
        panic!("one refusal expected: {:?}", routed.refused);
    };
    assert_eq!(provider, "wantu");
    assert!(refusal.is_retry_safe(), "{refusal:?}");
    let service_error = refusal.service_error().expect("wantu's typed refusal");
    assert_eq!(service_error.code, "304", "{service_error:?}");
    // WeChat Pay was sent the payment once; wantu's refused request is not among the
    // ones the sandbox counts (it counts requests it decoded and authenticated: `Received`).
    assert_eq!(sandbox.received.of("wechatpay_v2", "micropay"), 1);
    assert_eq!(sandbox.received.of("wantu", "pospay"), 0);
    sandbox.shutdown.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_reply_is_not_paid_elsewhere() {
    let sandbox = sandbox().await;
    let svc = service(vec![
        wantu(&sandbox, paygen_wantu::Credentials::sandbox()),
        wechat(&sandbox),
    ])
    .await;
    let no = order_no();
    let routed = svc.router.pay(&pay(&no, 103)).await;
    match &routed {
        Err(RouteError::OutcomeUnknown {
            provider,
            error,
            refused,
        }) => {
            assert_eq!(provider, "wantu");
            assert!(error.outcome_unknown(), "{error:?}");
            assert!(refused.is_empty());
        }
        other => panic!("outcome unknown expected: {other:?}"),
    }
    assert_eq!(sandbox.received.of("wechatpay_v2", "micropay"), 0);
    // The sandbox took the payment: the query the error asks for says so.
    let queried = svc.router.route_to("wantu").unwrap().query(&no).await;
    assert_eq!(queried.expect("query").status, PaymentStatus::Paid);
    sandbox.shutdown.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_is_acknowledged_and_handed_on_once() {
    let sandbox = sandbox().await;
    let mut svc = service(vec![
        wantu(&sandbox, paygen_wantu::Credentials::sandbox()),
        wechat(&sandbox),
    ])
    .await;
    let no = order_no();
    let request = PrecreateRequest {
        order_no: no.clone(),
        amount: Fen(100),
        subject: "router".to_owned(),
        notify_url: None,
        // The item's id: wantu's create_qrcode and WeChat's NATIVE unifiedorder ask for it.
        extra: [("product_id".to_owned(), "SKU1".into())]
            .into_iter()
            .collect(),
    };
    let routed = svc.router.precreate(&request).await.expect("created");
    assert_eq!(routed.provider, "wantu", "{:?}", routed.refused);
    assert_eq!(routed.result.status, PaymentStatus::Pending);
    // The buyer scans and pays: the sandbox then notifies the pay request's notify_url.
    let body = serde_json::json!({ "pay": { "provider": "wantu", "order_no": no } });
    let paid = reqwest::Client::new()
        .post(format!("{}/_sandbox/scenario", sandbox.base_url))
        .body(body.to_string())
        .send()
        .await
        .expect("admin");
    assert!(paid.status().is_success());
    let (provider, event) = tokio::time::timeout(Duration::from_secs(5), svc.events.recv())
        .await
        .expect("a notification within 5 s")
        .expect("open");
    assert_eq!(provider, "wantu");
    assert_eq!(event.kind, EventKind::Payment);
    assert_eq!(event.order_no.as_deref(), Some(no.as_str()));
    assert_eq!(event.status, PaymentStatus::Paid);
    assert_eq!(event.amount, Some(Fen(100)));
    // The sandbox stops at the documented ack only: one attempt, acknowledged.
    let mut delivery = None;
    for _ in 0..100 {
        delivery = sandbox
            .notifier
            .deliveries()
            .into_iter()
            .find(|d| d.order_no == no);
        if delivery.as_ref().is_some_and(|d| !d.pending) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivery = delivery.expect("the sandbox's delivery");
    assert!(delivery.acknowledged, "{delivery:?}");
    assert_eq!(delivery.attempts, 1, "{delivery:?}");
    // Nothing more is handed on (the retry schedule, sped up, would have run by now).
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(svc.events.try_recv().is_err());
    sandbox.shutdown.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_both_refuse_is_refused_by_both() {
    // 01: wantu refuses with its signed 501 TRADE_ERROR, WeChat Pay with result_code
    // FAIL, err_code NOTENOUGH (their `pay_failed` replies in specs/; the refusal's code
    // is the success rule's field, result_code); both say nothing happened.
    let sandbox = sandbox().await;
    let svc = service(vec![
        wantu(&sandbox, paygen_wantu::Credentials::sandbox()),
        wechat(&sandbox),
    ])
    .await;
    let routed = svc.router.pay(&pay(&order_no(), 101)).await;
    let Err(RouteError::AllRefused(refused)) = &routed else {
        panic!("refused by both expected: {routed:?}");
    };
    let codes: Vec<(&str, Option<&str>)> = refused
        .iter()
        .map(|(p, e)| (p.as_str(), e.service_error().map(|s| s.raw_code.as_str())))
        .collect();
    assert_eq!(
        codes,
        [("wantu", Some("501")), ("wechatpay_v2", Some("FAIL"))]
    );
    assert!(refused.iter().all(|(_, e)| e.is_retry_safe()));
    assert_eq!(sandbox.received.of("wantu", "pospay"), 1);
    assert_eq!(sandbox.received.of("wechatpay_v2", "micropay"), 1);
    sandbox.shutdown.shutdown().await;
}
