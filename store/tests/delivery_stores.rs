//! One suite for every delivery store (memory, PostgreSQL, Redis): claim, hand on,
//! record; a failed handler hands on again; a live claim holds the event from others
//! and an ended one is taken over; many claimers at once hand on exactly once; and a
//! store that goes away mid-claim or mid-record never lets an event be acknowledged
//! unrecorded.

use paygen::{hand_on, Claim, DeliveryStore, HandOffError, HandedOn, MemoryDeliveryStore};
use paygen_store::redis::RedisDeliveryStore;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::{
    address_of, pg_store, pg_store_in, pg_store_waiting, redis_url, through, unique, Proxy,
};

mod support;

const LEASE: Duration = Duration::from_secs(30);

async fn ok(store: &dyn DeliveryStore, key: &str, runs: &AtomicU32) -> Result<HandedOn, String> {
    hand_on(store, key, LEASE, || async {
        runs.fetch_add(1, Ordering::SeqCst);
        Ok::<(), ()>(())
    })
    .await
    .map_err(|e| format!("{e:?}"))
}

/// The suite every store passes; `tag` keeps the keys of one run apart.
async fn suite(store: Arc<dyn DeliveryStore>, tag: &str) {
    let key = |name: &str| format!("{tag}/{name}");
    let runs = AtomicU32::new(0);

    // Handed on once; every later delivery is acknowledged without a run.
    assert_eq!(ok(&*store, &key("a"), &runs).await, Ok(HandedOn::Now));
    assert_eq!(ok(&*store, &key("a"), &runs).await, Ok(HandedOn::Before));
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    // A failed handler: not recorded, so the next delivery hands it on again.
    let failed = hand_on(&*store, &key("b"), LEASE, || async { Err::<(), _>("down") }).await;
    assert!(
        matches!(failed, Err(HandOffError::Handler("down"))),
        "{failed:?}"
    );
    assert_eq!(ok(&*store, &key("b"), &runs).await, Ok(HandedOn::Now));
    assert_eq!(ok(&*store, &key("b"), &runs).await, Ok(HandedOn::Before));
    assert_eq!(runs.load(Ordering::SeqCst), 2);

    // A live claim holds the event: another receiver answers failure, runs nothing.
    let Claim::Won(held) = store.claim(&key("c"), LEASE).await.unwrap() else {
        panic!("first claim of c")
    };
    let busy = hand_on(&*store, &key("c"), LEASE, || async { Ok::<(), ()>(()) }).await;
    assert!(matches!(busy, Err(HandOffError::Held)), "{busy:?}");
    store.release(&held).await.unwrap();
    assert_eq!(ok(&*store, &key("c"), &runs).await, Ok(HandedOn::Now));

    // A claim whose holder died ends with its lease and is taken over; the dead
    // holder's claim can then neither record nor release.
    let Claim::Won(dead) = store
        .claim(&key("d"), Duration::from_millis(100))
        .await
        .unwrap()
    else {
        panic!("first claim of d")
    };
    assert_eq!(
        store.claim(&key("d"), LEASE).await.unwrap(),
        Claim::Held,
        "held within its lease"
    );
    tokio::time::sleep(Duration::from_millis(250)).await;
    let Claim::Won(live) = store.claim(&key("d"), LEASE).await.unwrap() else {
        panic!("claim after the lease")
    };
    assert!(store.record(&dead).await.is_err());
    assert!(store.release(&dead).await.is_err());
    store.record(&live).await.unwrap();
    assert_eq!(
        store.claim(&key("d"), LEASE).await.unwrap(),
        Claim::HandedOn
    );

    // Twenty receivers at once: one hands on, the others acknowledge or answer failure.
    let runs = Arc::new(AtomicU32::new(0));
    let racers: Vec<_> = (0..20)
        .map(|_| {
            let (store, runs, key) = (store.clone(), runs.clone(), key("e"));
            tokio::spawn(async move { ok(&*store, &key, &runs).await })
        })
        .collect();
    let mut now = 0;
    for racer in racers {
        match racer.await.unwrap() {
            Ok(HandedOn::Now) => now += 1,
            Ok(HandedOn::Before) => {}
            Err(e) => assert!(e.contains("Held"), "{e}"),
        }
    }
    assert_eq!((now, runs.load(Ordering::SeqCst)), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_store_passes_the_suite() {
    suite(Arc::new(MemoryDeliveryStore::default()), "m").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store_passes_the_suite() {
    let Some(url) = support::database_url() else {
        return;
    };
    let (store, _) = pg_store(&url).await;
    suite(Arc::new(store), "pg").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store_passes_the_suite() {
    let Some(url) = redis_url() else { return };
    let store = RedisDeliveryStore::connect(&url, Duration::from_secs(600))
        .await
        .expect("Redis reachable at REDIS_URL")
        .with_prefix(format!("{}:", unique("paygen-test")));
    suite(Arc::new(store), "r").await;
}

/// The store goes away before the claim, then while the handler runs (so the record
/// fails): neither delivery may be acknowledged; once it is back and the claim's lease
/// has ended, the event is handed on and recorded.
async fn faults(store: &dyn DeliveryStore, proxy: &Proxy) {
    let runs = AtomicU32::new(0);
    let lease = Duration::from_millis(300);
    proxy.cut();
    let claimed = hand_on(store, "f", lease, || async {
        runs.fetch_add(1, Ordering::SeqCst);
        Ok::<(), ()>(())
    })
    .await;
    assert!(
        matches!(claimed, Err(HandOffError::Store(_))),
        "{claimed:?}"
    );
    assert_eq!(
        runs.load(Ordering::SeqCst),
        0,
        "nothing handed on unclaimed"
    );

    proxy.restore();
    let recorded = hand_on(store, "f", lease, || async {
        runs.fetch_add(1, Ordering::SeqCst);
        proxy.cut(); // the store goes away mid-hand-on
        Ok::<(), ()>(())
    })
    .await;
    assert!(
        matches!(recorded, Err(HandOffError::Store(_))),
        "{recorded:?}"
    );

    proxy.restore();
    tokio::time::sleep(lease + Duration::from_millis(200)).await;
    let again = hand_on(store, "f", lease, || async {
        runs.fetch_add(1, Ordering::SeqCst);
        Ok::<(), ()>(())
    })
    .await;
    assert!(matches!(again, Ok(HandedOn::Now)), "{again:?}");
    // At least once: the run whose record was lost is repeated, never acknowledged.
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    let after = hand_on(store, "f", lease, || async { Ok::<(), ()>(()) }).await;
    assert!(matches!(after, Ok(HandedOn::Before)), "{after:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_faults_on_postgres_never_ack_unrecorded() {
    let Some(url) = support::database_url() else {
        return;
    };
    let schema = unique("t");
    drop(pg_store_in(&url, &schema).await); // the schema and its tables
    let proxy = Proxy::start(address_of(&url)).await;
    let store = pg_store_waiting(&through(&url, proxy.addr), &schema, Duration::from_secs(1)).await;
    faults(&store, &proxy).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_faults_on_redis_never_ack_unrecorded() {
    let Some(url) = redis_url() else { return };
    let proxy = Proxy::start(address_of(&url)).await;
    let store = RedisDeliveryStore::connect(&through(&url, proxy.addr), Duration::from_secs(600))
        .await
        .expect("Redis reachable")
        .with_prefix(format!("{}:", unique("paygen-test")));
    faults(&store, &proxy).await;
}
