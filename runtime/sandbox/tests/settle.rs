//! Pay-poll-cancel (收钱吧 三.2.4, `paygen::pay_and_settle` over the generated client as
//! a `dyn Gateway`, by its spec's `gateway.settle` plan) over loopback HTTP against the
//! sandbox's knobs: reqwest underneath, a transport wrapper that only counts requests,
//! and a clock that moves when the flow sleeps (so the 5 s polls take no time).

use paygen::{Clock, Error, Fen, HttpRequest, ReqwestTransport, Sleeper};
use paygen::{Gateway, GatewayError, GatewaySettlement, PayRequest, PaymentStatus, Role};
use paygen::{OperationInfo, SendFuture, Transport};
use paygen_codegen::spec::model::SandboxState;
use paygen_sandbox::{Sandbox, SandboxConfig};
use paygen_shouqianba::{tables, Client, Credentials};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Real HTTP through reqwest; remembers the last path segment of every request sent.
#[derive(Clone)]
struct Counting {
    inner: ReqwestTransport,
    sent: Arc<Mutex<Vec<String>>>,
}

impl Transport for Counting {
    fn send<'a>(&'a self, request: HttpRequest, info: OperationInfo<'a>) -> SendFuture<'a> {
        // The transport is told which operation it carries: record that.
        self.sent
            .lock()
            .expect("lock")
            .push(info.operation.to_owned());
        self.inner.send(request, info)
    }
}

impl Counting {
    fn count(&self, operation: &str) -> usize {
        let sent = self.sent.lock().expect("lock");
        sent.iter().filter(|op| *op == operation).count()
    }
}

/// A clock that moves only when the flow sleeps.
#[derive(Clone, Default)]
struct Manual(Arc<AtomicI64>);

impl Clock for Manual {
    fn now_millis(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl Sleeper for Manual {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let millis = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
        self.0.fetch_add(millis, Ordering::SeqCst);
        Box::pin(async {})
    }
}

async fn start(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config).await.expect("sandbox starts")
}

/// A client of the sandbox whose requests time out after `timeout`.
fn client(sandbox: &Sandbox, timeout: Duration) -> (Client<Counting>, Counting) {
    let transport = Counting {
        inner: ReqwestTransport::new(Duration::from_secs(2), timeout).expect("transport"),
        sent: Arc::default(),
    };
    let manual = Manual::default();
    let client = Client::with_transport(
        sandbox.url("shouqianba"),
        Credentials {
            terminal_sn: paygen_sandbox::config::stand_in("terminal_sn"),
            terminal_key: paygen_sandbox::config::stand_in("terminal_key").into(),
        },
        transport.clone(),
    )
    .with_clock(manual.clone())
    .with_sleeper(manual);
    (client, transport)
}

/// A pay by code of `fen` 分 (the sandbox's scenario is in its last two digits).
fn pay(order: &str, fen: i64) -> PayRequest {
    PayRequest {
        order_no: order.to_owned(),
        amount: Fen(fen),
        subject: "goods".to_owned(),
        auth_code: "130000".to_owned(),
        notify_url: None,
        extra: paygen_sandbox::gateway::extra(&tables::PROVIDER, &tables::GATEWAY, Role::Pay),
    }
}

/// Pays `request` once and settles it by the spec's plan, through the gateway.
async fn settle(
    client: &Client<Counting>,
    request: &PayRequest,
) -> Result<GatewaySettlement, GatewayError> {
    let gateway: &dyn Gateway = client;
    paygen::pay_and_settle(gateway, request).await
}

fn state(sandbox: &Sandbox, order: &str) -> Option<SandboxState> {
    sandbox.store.get("shouqianba", order).map(|o| o.state)
}

/// Paid, read from a query's reply (附录3 order_status PAID; the counts show the query).
fn paid_by_query(outcome: &Result<GatewaySettlement, GatewayError>) -> bool {
    match outcome {
        Ok(GatewaySettlement::Paid(result)) => {
            result.status == PaymentStatus::Paid
                && result.raw["biz_response"]["result_code"] == "SUCCESS"
                && result.raw["biz_response"]["data"]["order_status"] == "PAID"
        }
        _ => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paid_failed_and_lost_responses() {
    let sandbox = start(SandboxConfig::default()).await;
    let (client, sent) = client(&sandbox, Duration::from_secs(5));

    let outcome = settle(&client, &pay("P1", 1000)).await;
    assert!(
        matches!(&outcome, Ok(GatewaySettlement::Paid(r)) if r.raw["biz_response"]["result_code"] == "PAY_SUCCESS"),
        "{outcome:?}"
    );
    assert_eq!((sent.count("pay"), sent.count("query")), (1, 0));

    // ..01: PAY_FAIL, money back to the payer; nothing more is sent.
    let outcome = settle(&client, &pay("P2", 1001)).await;
    assert!(
        matches!(&outcome, Ok(GatewaySettlement::Failed(r)) if r.raw["biz_response"]["result_code"] == "PAY_FAIL"),
        "{outcome:?}"
    );
    assert_eq!((sent.count("pay"), sent.count("query")), (2, 0));

    // ..03: paid, then the connection drops before the reply: settled by query.
    let outcome = settle(&client, &pay("P3", 1003)).await;
    assert!(paid_by_query(&outcome), "{outcome:?}");
    assert_eq!((sent.count("pay"), sent.count("query")), (3, 1));
    assert_eq!(state(&sandbox, "P3"), Some(SandboxState::Paid));
    sandbox.shutdown.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_provider_is_settled_by_query_and_pay_is_not_sent_again() {
    let sandbox = start(SandboxConfig::default()).await;
    // The sandbox answers ..04 after 1500 ms; the client gives up after 300 ms.
    let (client, sent) = client(&sandbox, Duration::from_millis(300));
    let started = std::time::Instant::now();
    let outcome = settle(&client, &pay("S1", 1004)).await;
    assert!(paid_by_query(&outcome), "{outcome:?}");
    assert!(started.elapsed() < Duration::from_millis(1500));
    assert_eq!((sent.count("pay"), sent.count("query")), (1, 1));
    assert_eq!(sandbox.store.len(), 1);
    sandbox.shutdown.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_progress_for_three_queries_then_paid() {
    let config = SandboxConfig {
        in_progress_queries: 3,
        ..SandboxConfig::default()
    };
    let sandbox = start(config).await;
    let (client, sent) = client(&sandbox, Duration::from_secs(5));
    let outcome = settle(&client, &pay("I1", 1002)).await;
    assert!(paid_by_query(&outcome), "{outcome:?}");
    assert_eq!((sent.count("pay"), sent.count("query")), (1, 3));
    assert_eq!(sent.count("cancel"), 0);
    sandbox.shutdown.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_paid_is_cancelled_at_the_deadline_and_a_failed_cancel_needs_a_person() {
    // In progress for longer than the deadline's ten queries (45 s at 5 s).
    let config = SandboxConfig {
        in_progress_queries: 1000,
        ..SandboxConfig::default()
    };
    let sandbox = start(config).await;
    let (client, sent) = client(&sandbox, Duration::from_secs(5));
    let outcome = settle(&client, &pay("C1", 1002)).await;
    assert!(
        matches!(&outcome, Ok(GatewaySettlement::CancelledAfterDeadline(r)) if r.status == PaymentStatus::Closed),
        "{outcome:?}"
    );
    assert_eq!(
        (sent.count("pay"), sent.count("query"), sent.count("cancel")),
        (1, 10, 1)
    );
    assert_eq!(state(&sandbox, "C1"), Some(SandboxState::Cancelled));

    // The next cancel is refused (三.5.3's UPAY_CANCEL_INVALID_ORDER_STATE): not retried.
    let knob = reqwest::Client::new()
        .post(format!("{}/_sandbox/scenario", sandbox.base_url))
        .body(r#"{"fail_cancels": 1}"#)
        .send()
        .await
        .expect("knob");
    assert_eq!(knob.status(), 200);
    let outcome = settle(&client, &pay("C2", 1002)).await;
    let Ok(GatewaySettlement::NeedsManualAttention {
        last: Err(GatewayError::Provider(Error::Service(refusal))),
    }) = &outcome
    else {
        panic!("{outcome:?}")
    };
    assert!(
        refusal.body.contains("UPAY_CANCEL_INVALID_ORDER_STATE"),
        "{}",
        refusal.body
    );
    assert_eq!(
        (sent.count("pay"), sent.count("query"), sent.count("cancel")),
        (2, 20, 2)
    );
    assert_eq!(state(&sandbox, "C2"), Some(SandboxState::Created));
    sandbox.shutdown.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_the_provider_never_took_settles_failed_without_a_cancel() {
    // 三.2.4 poll: query FAIL + UPAY_ORDER_NOT_EXISTS, 本次收款失败并且不需要撤单. Resumed
    // (a pay request that may never have arrived): queried once, nothing else sent.
    let sandbox = start(SandboxConfig::default()).await;
    let (client, sent) = client(&sandbox, Duration::from_secs(5));
    let plan = client.settle_plan().expect("gateway.settle");
    let order = paygen::OrderRef::new("NEVER1");
    let deadline_at = client.now_millis() + 45_000;
    let outcome = paygen::gateway::resume_settle(&client, &order, deadline_at, plan, &()).await;
    let Ok(GatewaySettlement::Failed(result)) = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(result.status, PaymentStatus::Failed);
    assert_eq!(
        result.raw["biz_response"]["error_code"], "UPAY_ORDER_NOT_EXISTS",
        "{result:?}"
    );
    assert_eq!(
        (sent.count("pay"), sent.count("query"), sent.count("cancel")),
        (0, 1, 0)
    );
    sandbox.shutdown.shutdown().await;
}
