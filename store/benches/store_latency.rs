//! How long a claim and a journal write take, on PostgreSQL and Redis (at DATABASE_URL
//! and REDIS_URL, as `scripts/services.sh` starts them) next to the memory stores, in
//! one run: `cargo bench -p paygen-store --bench store_latency`.
//!
//! - `claim/*`: one claim of a fresh event key (an INSERT, a SET NX);
//! - `hand_on/*`: claim then record, what a first delivery costs;
//! - `journal_begin/*`: the intent row written before a pay request;
//! - `journal_step/*`: one step row and the lease renewal.
//!
//! A service missing from the environment is left out with a message.

// criterion_group! writes an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use paygen::{hand_on, DeliveryStore, Fen, MemoryDeliveryStore, StepKind};
use paygen_store::postgres::PgStore;
use paygen_store::redis::RedisDeliveryStore;
use paygen_store::{Intent, Journal, Lease, MemoryJournal, StepEntry};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::runtime::Runtime;

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A key no earlier iteration or run used.
fn fresh(prefix: &str) -> String {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}/{}/{n}", std::process::id())
}

const LEASE: Duration = Duration::from_secs(30);

fn lease() -> Lease {
    Lease {
        owner: "bench".into(),
        duration: LEASE,
    }
}

fn intent(prefix: &str) -> Intent {
    Intent {
        provider: "bench".into(),
        order_no: fresh(prefix),
        amount: Fen(1000),
        deadline_ms: 0,
        order_extra: Default::default(),
    }
}

/// The stores measured, by name.
type Named<T> = Vec<(&'static str, Arc<T>)>;

fn stores(rt: &Runtime) -> (Named<dyn DeliveryStore>, Named<dyn Journal>) {
    let mut deliveries: Named<dyn DeliveryStore> = vec![(
        "memory",
        Arc::new(MemoryDeliveryStore::with_capacity(10_000_000)),
    )];
    let mut journals: Named<dyn Journal> = vec![("memory", Arc::new(MemoryJournal::new()))];
    match std::env::var("DATABASE_URL") {
        Ok(url) => {
            let store = rt
                .block_on(PgStore::connect(&url))
                .expect("PostgreSQL reachable at DATABASE_URL");
            deliveries.push(("postgres", Arc::new(store.clone())));
            journals.push(("postgres", Arc::new(store)));
        }
        Err(_) => eprintln!("DATABASE_URL not set: PostgreSQL left out"),
    }
    match std::env::var("REDIS_URL") {
        Ok(url) => {
            let store = rt
                .block_on(RedisDeliveryStore::connect(&url, Duration::from_secs(600)))
                .expect("Redis reachable at REDIS_URL")
                .with_prefix("paygen-bench:");
            deliveries.push(("redis", Arc::new(store)));
        }
        Err(_) => eprintln!("REDIS_URL not set: Redis left out"),
    }
    (deliveries, journals)
}

fn latency(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let (deliveries, journals) = stores(&rt);

    let mut group = c.benchmark_group("claim");
    for (name, store) in &deliveries {
        group.bench_function(*name, |b| {
            b.to_async(&rt)
                .iter(|| async { store.claim(&fresh("claim"), LEASE).await.unwrap() })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("hand_on");
    for (name, store) in &deliveries {
        group.bench_function(*name, |b| {
            b.to_async(&rt).iter(|| async {
                hand_on(&**store, &fresh("hand_on"), LEASE, || async {
                    Ok::<(), ()>(())
                })
                .await
                .unwrap()
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("journal_begin");
    for (name, journal) in &journals {
        let lease = lease();
        group.bench_function(*name, |b| {
            b.to_async(&rt)
                .iter(|| async { journal.begin(&intent("begin"), &lease).await.unwrap() })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("journal_step");
    for (name, journal) in &journals {
        let lease = lease();
        let id = rt
            .block_on(journal.begin(&intent("step"), &lease))
            .expect("a payment to step");
        let step = StepEntry {
            kind: StepKind::Query,
            verdict: None,
            outcome: "success",
        };
        group.bench_function(*name, |b| {
            b.to_async(&rt)
                .iter(|| async { journal.step(id, &step, &lease).await.unwrap() })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = latency
}
criterion_main!(benches);
