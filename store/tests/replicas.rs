//! Two replicas of a receiver behind a load balancer share a delivery store. The
//! sandbox pays 100 wantu orders and delivers each signed notification to both replicas
//! at once (a fan-out in front of them); each is handed on exactly once, and the one
//! whose handler fails the first time is handed on exactly once later, on the
//! sandbox's redelivery. Run on PostgreSQL, on Redis, and on one memory store shared
//! in-process.

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use paygen::{hand_on, DeliveryStore, Fen, InboundRequest, MemoryDeliveryStore, ReqwestTransport};
use paygen_sandbox::config::stand_in;
use paygen_sandbox::{Sandbox, SandboxConfig};
use paygen_store::redis::RedisDeliveryStore;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{database_url, pg_store_in, redis_url, unique};

mod support;

const ORDERS: usize = 100;
/// The order whose handler fails the first time it runs.
const FAILING: usize = 7;
/// Longer than a hand-on takes here, queueing for a pooled connection included, on a
/// loaded machine: a claim that ends mid-hand-on is taken over, and the event handed
/// on twice (the at-least-once case the store documents).
const CLAIM_LEASE: Duration = Duration::from_secs(60);

/// What every replica's handler shares: runs by order number, and whether the failing
/// order has failed yet.
#[derive(Default)]
struct Ledger {
    runs: Mutex<BTreeMap<String, u32>>,
    handed_on: Mutex<BTreeMap<String, u32>>,
    failed: AtomicBool,
    store_errors: Mutex<Vec<String>>,
}

fn wantu(sandbox_url: &str) -> paygen_wantu::Client<ReqwestTransport> {
    paygen_wantu::Client::with_transport(
        format!("{sandbox_url}/wantu"),
        paygen_wantu::Credentials {
            merchant_account: stand_in("merchant_account"),
            store_account: stand_in("store_account"),
            key: stand_in("key").into(),
        },
        ReqwestTransport::new(Duration::from_secs(2), Duration::from_secs(5)).expect("transport"),
    )
}

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/notify")
}

/// One replica: verifies the notification, hands it on through `store`, answers the
/// exact ack only once it is recorded, 503 otherwise.
async fn replica(
    client: Arc<paygen_wantu::Client<ReqwestTransport>>,
    store: Arc<dyn DeliveryStore>,
    ledger: Arc<Ledger>,
    failing: String,
) -> String {
    let app = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let (client, store, ledger, failing) = (
                client.clone(),
                store.clone(),
                ledger.clone(),
                failing.clone(),
            );
            async move {
                let headers: Vec<(String, String)> = headers
                    .iter()
                    .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v.as_bytes()).into()))
                    .collect();
                let request = InboundRequest {
                    method: method.as_str(),
                    query: uri.query().unwrap_or(""),
                    headers: &headers,
                    body: &body,
                };
                let delivery = match client.receive_pay_notification(&request) {
                    Ok(delivery) => delivery,
                    Err(error) => {
                        return (StatusCode::BAD_REQUEST, error.to_string()).into_response()
                    }
                };
                let order = delivery
                    .notification
                    .out_trade_no
                    .clone()
                    .unwrap_or_default();
                // Run to the end on a task of its own: the web framework drops this
                // handler when the provider hangs up (the sandbox gives up after 5 s),
                // and a hand-on cut off between claim and record would hold the event
                // for the whole lease.
                let event = delivery.event.clone();
                let (ledger_, store_) = (ledger.clone(), store.clone());
                let handed = tokio::spawn(async move {
                    hand_on(&*store_, &event, CLAIM_LEASE, || async {
                        *ledger_
                            .runs
                            .lock()
                            .unwrap()
                            .entry(order.clone())
                            .or_default() += 1;
                        if order == failing && !ledger_.failed.swap(true, Ordering::SeqCst) {
                            return Err("the order system is down");
                        }
                        *ledger_
                            .handed_on
                            .lock()
                            .unwrap()
                            .entry(order.clone())
                            .or_default() += 1;
                        Ok(())
                    })
                    .await
                })
                .await
                .expect("hand-on task");
                match handed {
                    Ok(_) => delivery.ack.body.into_owned().into_response(),
                    Err(paygen::HandOffError::Store(error)) => {
                        ledger.store_errors.lock().unwrap().push(error.to_string());
                        (StatusCode::SERVICE_UNAVAILABLE, error.to_string()).into_response()
                    }
                    Err(error) => {
                        (StatusCode::SERVICE_UNAVAILABLE, error.to_string()).into_response()
                    }
                }
            }
        },
    );
    serve(app).await
}

/// The load balancer's worst case: every delivery goes to both replicas at once; the
/// provider gets the ack if either acknowledged.
async fn fan_out(replicas: [String; 2]) -> String {
    let http = reqwest::Client::new();
    let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
        let (http, replicas) = (http.clone(), replicas.clone());
        async move {
            let send = |url: &String| {
                let mut request = http.post(url).body(body.clone());
                for (name, value) in &headers {
                    if name != "host" && name != "content-length" {
                        request = request.header(name, value);
                    }
                }
                async move {
                    let response = request.send().await.ok()?;
                    let ok = response.status() == StatusCode::OK;
                    let text = response.text().await.ok()?;
                    ok.then_some(text)
                }
            };
            let (a, b) = tokio::join!(send(&replicas[0]), send(&replicas[1]));
            match a.or(b) {
                Some(ack) => ack.into_response(),
                None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
            }
        }
    });
    serve(app).await
}

async fn replicas(stores: [Arc<dyn DeliveryStore>; 2]) {
    let sandbox = Sandbox::start(SandboxConfig {
        notify_speedup: 1000,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let client = Arc::new(wantu(&sandbox.base_url));
    let ledger = Arc::new(Ledger::default());
    let run = unique("W").replace('_', "");
    let order = |n: usize| format!("{run}{n}");
    let [one, two] = stores;
    let urls = [
        replica(client.clone(), one, ledger.clone(), order(FAILING)).await,
        replica(client.clone(), two, ledger.clone(), order(FAILING)).await,
    ];
    let notify_url = fan_out(urls).await;
    for n in 0..ORDERS {
        let pay = paygen_wantu::PospayRequest::new(
            paygen_wantu::PayChannel::Wechat,
            Fen(1000),
            "goods",
            order(n),
            "134674074004982976",
            "CNY",
            &notify_url,
        );
        client.pospay(&pay).await.expect("pospay");
    }

    let started = Instant::now();
    loop {
        let deliveries = sandbox.notifier.deliveries();
        let acknowledged = deliveries.iter().filter(|d| d.acknowledged).count();
        if acknowledged == ORDERS && sandbox.notifier.pending() == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{acknowledged} of {ORDERS} acknowledged"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let store_errors = ledger.store_errors.lock().unwrap().clone();
    assert!(store_errors.is_empty(), "{store_errors:?}");
    let handed_on = ledger.handed_on.lock().unwrap().clone();
    let runs = ledger.runs.lock().unwrap().clone();
    assert_eq!(handed_on.len(), ORDERS);
    assert!(
        handed_on.values().all(|n| *n == 1),
        "each notification handed on exactly once: {handed_on:?}"
    );
    assert_eq!(handed_on.values().sum::<u32>(), ORDERS as u32);
    // The failed run, then exactly one later hand-on; every other order ran once.
    assert_eq!(runs.get(&order(FAILING)), Some(&2));
    assert_eq!(runs.values().sum::<u32>(), ORDERS as u32 + 1);
    sandbox.shutdown.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_on_postgres_hand_on_exactly_once() {
    let Some(url) = database_url() else { return };
    let schema = unique("t");
    let one = pg_store_in(&url, &schema).await;
    let two = pg_store_in(&url, &schema).await;
    replicas([Arc::new(one), Arc::new(two)]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_on_redis_hand_on_exactly_once() {
    let Some(url) = redis_url() else { return };
    let prefix = format!("{}:", unique("paygen-test"));
    let connect = || async {
        RedisDeliveryStore::connect(&url, Duration::from_secs(600))
            .await
            .expect("Redis reachable at REDIS_URL")
            .with_prefix(prefix.clone())
    };
    replicas([Arc::new(connect().await), Arc::new(connect().await)]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_on_one_shared_memory_store_hand_on_exactly_once() {
    let store: Arc<dyn DeliveryStore> = Arc::new(MemoryDeliveryStore::default());
    replicas([store.clone(), store]).await;
}

/// A receiver whose store is reachable only through `proxy`, cut before the sandbox's
/// first delivery: every delivery is answered with a failure and nothing is handed on;
/// once the store is back, the provider's next retry is handed on and acknowledged.
async fn receiver_during_a_store_fault(store: Arc<dyn DeliveryStore>, proxy: support::Proxy) {
    let sandbox = Sandbox::start(SandboxConfig {
        notify_speedup: 1000,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let client = Arc::new(wantu(&sandbox.base_url));
    let ledger = Arc::new(Ledger::default());
    let url = replica(client.clone(), store, ledger.clone(), String::new()).await;
    let order = unique("F").replace('_', "");
    proxy.cut();
    let pay = paygen_wantu::PospayRequest::new(
        paygen_wantu::PayChannel::Wechat,
        Fen(1000),
        "goods",
        &order,
        "134674074004982976",
        "CNY",
        &url,
    );
    client.pospay(&pay).await.expect("pospay");
    let delivery = |sandbox: &Sandbox| {
        sandbox
            .notifier
            .deliveries()
            .into_iter()
            .find(|d| d.order_no == order)
    };
    let started = Instant::now();
    while delivery(&sandbox).is_none_or(|d| d.attempts < 2) {
        assert!(started.elapsed() < Duration::from_secs(30), "no retry");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let failed = delivery(&sandbox).unwrap();
    assert!(!failed.acknowledged, "acknowledged unrecorded: {failed:?}");
    assert!(
        ledger.runs.lock().unwrap().is_empty(),
        "handed on unclaimed"
    );
    assert!(!ledger.store_errors.lock().unwrap().is_empty());

    proxy.restore();
    while !delivery(&sandbox).is_some_and(|d| d.acknowledged) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{:?}",
            delivery(&sandbox)
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        ledger.handed_on.lock().unwrap().get(&order),
        Some(&1),
        "handed on once the store was back"
    );
    sandbox.shutdown.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_fault_on_postgres_the_receiver_answers_failure_until_recorded() {
    let Some(url) = database_url() else { return };
    let schema = unique("t");
    drop(pg_store_in(&url, &schema).await); // the schema and its tables
    let proxy = support::Proxy::start(support::address_of(&url)).await;
    let through = support::through(&url, proxy.addr);
    let store = support::pg_store_waiting(&through, &schema, Duration::from_secs(1)).await;
    receiver_during_a_store_fault(Arc::new(store), proxy).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_fault_on_redis_the_receiver_answers_failure_until_recorded() {
    let Some(url) = redis_url() else { return };
    let proxy = support::Proxy::start(support::address_of(&url)).await;
    let store = RedisDeliveryStore::connect(
        &support::through(&url, proxy.addr),
        Duration::from_secs(600),
    )
    .await
    .expect("Redis reachable")
    .with_prefix(format!("{}:", unique("paygen-test")));
    receiver_during_a_store_fault(Arc::new(store), proxy).await;
}
