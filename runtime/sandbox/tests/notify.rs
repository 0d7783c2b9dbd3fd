//! Notifications over loopback HTTP: the sandbox signs and delivers them to a small
//! axum receiver, redelivers on a wrong acknowledgement (on the spec's schedule, sped
//! up), stops at the documented one, and the redelivery is recognised as seen.

use axum::body::Bytes;
use axum::http::Uri;
use paygen::{Error, Fen, MemorySeenStore, ReqwestTransport, SeenStore};
use paygen_sandbox::config::stand_in;
use paygen_sandbox::{Sandbox, SandboxConfig};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{pospay, transport};

mod support;

/// A wantu client with the sandbox's key.
fn wantu(sandbox: &Sandbox) -> paygen_wantu::Client<ReqwestTransport> {
    support::wantu(sandbox, &stand_in("key"))
}

/// What the receiver got: each request's query string or body.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<String>>>);

impl Received {
    fn all(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    /// Waits until `n` requests arrived (at most 5 s).
    async fn wait_for(&self, n: usize) -> Vec<String> {
        let start = Instant::now();
        while self.all().len() < n && start.elapsed() < Duration::from_secs(5) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        self.all()
    }
}

/// A receiver on a free port answering `wrong` to the first `wrong_answers` requests,
/// then `ack`. Returns its URL and what it received.
async fn receiver(wrong_answers: usize, ack: &'static str) -> (String, Received) {
    let received = Received::default();
    let log = received.clone();
    let app = axum::Router::new().fallback(move |uri: Uri, body: Bytes| {
        let log = log.clone();
        async move {
            let text = match uri.query() {
                Some(query) => query.to_owned(),
                None => String::from_utf8_lossy(&body).into_owned(),
            };
            let mut all = log.0.lock().unwrap();
            all.push(text);
            if all.len() <= wrong_answers {
                "FAIL"
            } else {
                ack
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/notify"), received)
}

async fn start(speedup: u32) -> Sandbox {
    Sandbox::start(SandboxConfig {
        notify_speedup: speedup,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wantu_notification_is_redelivered_until_the_documented_ack() {
    let sandbox = start(1000).await;
    let (url, received) = receiver(2, paygen_wantu::PayNotification::ACK).await;
    let client = wantu(&sandbox);
    let paid = client
        .pospay(&pospay("N1", 1234, &url))
        .await
        .expect("pospay");

    let bodies = received.wait_for(3).await;
    assert_eq!(bodies.len(), 3, "{bodies:?}");
    let seen = MemorySeenStore::default();
    let mut first_sightings = Vec::new();
    for body in &bodies {
        let notification = client.verify_pay_notification(body).expect("verifies");
        assert_eq!(notification.trade_id, paid.trade_id);
        assert_eq!(notification.out_trade_no.as_deref(), Some("N1"));
        assert_eq!(notification.total_fee, Fen(1234));
        assert!(format!("{:?}", notification.trade_status).contains("Success"));
        first_sightings.push(seen.first_sighting(&notification.trade_id));
    }
    // The redeliveries are the same notification: the receiver's store has seen them.
    assert_eq!(first_sightings, [true, false, false]);

    // Acknowledged on the 3rd attempt: the next retry (180 s / 1000) never comes.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(received.all().len(), 3);
    let deliveries = sandbox.notifier.deliveries();
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    let delivery = &deliveries[0];
    assert_eq!(
        (delivery.attempts, delivery.acknowledged, delivery.pending),
        (3, true, false)
    );
    assert_eq!(sandbox.notifier.pending(), 0);

    // A tampered notification does not verify.
    let tampered = bodies[0].replacen("1234", "1235", 1);
    assert!(matches!(
        client.verify_pay_notification(&tampered),
        Err(Error::Signature { .. })
    ));
    sandbox.shutdown.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mct1_get_notification_redelivery_is_refused_as_a_replayed_nonce() {
    use paygen_mct1::*;
    let sandbox = start(1000).await;
    let (url, received) = receiver(1, PayNotification::ACK).await;
    let client = Client::with_transport(
        sandbox.url("mct1"),
        Credentials {
            open_id: "87f46f5db1b65f0ac195285f49ee6958".into(),
            open_key: "0828e83720fdbe3685a7b94214af04f9".into(),
        },
        transport(),
    )
    .with_seen_store(MemorySeenStore::default());
    let pay: PayorderRequest = PayorderQrcodeRequest::new("MN1", "Weixin", Fen(1000), Fen(1000))
        .with_notify_url(&url)
        .into();
    client.payorder(&pay).await.expect("payorder");

    let queries = received.wait_for(2).await;
    assert_eq!(queries.len(), 2, "{queries:?}");
    let first = client
        .verify_pay_notification(&queries[0])
        .expect("verifies");
    assert_eq!(first.out_no, "MN1");
    assert!(format!("{:?}", first.status).contains("Success"));
    // The redelivery carries the same signed rand_str: the seen-store refuses it.
    let again = client.verify_pay_notification(&queries[1]);
    assert!(matches!(again, Err(Error::Signature { .. })), "{again:?}");
    sandbox.shutdown.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_deliveries_are_capped_and_stop_with_the_sandbox() {
    let sandbox = Sandbox::start(SandboxConfig {
        max_pending_notifications: 1,
        notify_speedup: 1000,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    // Never acknowledged: the first delivery stays pending, the second is dropped.
    let (url, received) = receiver(usize::MAX, "unused").await;
    let client = wantu(&sandbox);
    client.pospay(&pospay("C1", 1000, &url)).await.expect("pay");
    client.pospay(&pospay("C2", 1000, &url)).await.expect("pay");
    received.wait_for(2).await;
    let deliveries = sandbox.notifier.deliveries();
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    assert_eq!(deliveries[0].order_no, "C1");
    assert!(!deliveries[0].acknowledged);
    let notifier = sandbox.notifier.clone();
    sandbox.shutdown.shutdown().await;
    let start = Instant::now();
    while notifier.pending() > 0 && start.elapsed() < Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(notifier.pending(), 0);
    // Read the order number, not the whole body: a signature's hex may contain "C2".
    let order_no = |body: &String| {
        serde_json::from_str::<serde_json::Value>(body).ok()?["out_trade_no"]
            .as_str()
            .map(str::to_owned)
    };
    let orders: Vec<Option<String>> = received.all().iter().map(order_no).collect();
    assert!(!orders.is_empty());
    assert!(
        orders.iter().all(|o| o.as_deref() == Some("C1")),
        "{orders:?}"
    );
}
