//! One suite for both journals (memory, PostgreSQL): an order is journaled once, steps
//! renew the lease, only the lease holder finishes, a live lease keeps a payment from
//! resumers; and two resumers at once over unfinished 收钱吧 payments in the sandbox
//! each drive a payment that the other does not, never sending a pay request.

use paygen::protocol::SettleVerdict;
use paygen::{Fen, GatewaySettlement, PaymentStatus, StepKind};
use paygen_sandbox::{Sandbox, SandboxConfig};
use paygen_store::{
    resume, Intent, Journal, JournalError, Lease, MemoryJournal, Route, Settled, SettledAs,
    StepEntry,
};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use support::gateways::case;
use support::{database_url, pg_store, pg_store_in, unique};

mod support;

fn lease(owner: &str, millis: u64) -> Lease {
    Lease {
        owner: owner.into(),
        duration: Duration::from_millis(millis),
    }
}

/// A sandbox whose orders in progress (amount ..02) are paid at query `in_progress_queries`.
async fn sandbox(in_progress_queries: u32) -> Sandbox {
    Sandbox::start(SandboxConfig {
        in_progress_queries,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

fn intent(provider: &str, order: &str) -> Intent {
    Intent {
        provider: provider.into(),
        order_no: order.into(),
        amount: Fen(1234),
        deadline_ms: 1_700_000_000_000,
        order_extra: serde_json::json!({ "pay_channel": "1" })
            .as_object()
            .cloned()
            .unwrap_or_default(),
    }
}

async fn suite(journal: &dyn Journal) {
    let a = lease("a", 60_000);
    let b = lease("b", 60_000);
    let id = journal.begin(&intent("p", "O1"), &a).await.unwrap();
    // The same order again: its pay request may have left, so it is never sent twice.
    assert!(matches!(
        journal.begin(&intent("p", "O1"), &b).await,
        Err(JournalError::Duplicate { .. })
    ));
    // Held by a: no resumer takes it.
    assert!(journal.claim_next("p", &b).await.unwrap().is_none());

    let step = StepEntry {
        kind: StepKind::Query,
        verdict: Some(SettleVerdict::InProgress),
        outcome: "success",
    };
    journal.step(id, &step, &a).await.unwrap();
    assert!(matches!(
        journal.step(id, &step, &b).await,
        Err(JournalError::LeaseLost(_))
    ));
    let paid = Settled {
        settled_as: SettledAs::Paid,
        detail: String::new(),
    };
    assert!(matches!(
        journal.finish(id, &paid, &b).await,
        Err(JournalError::LeaseLost(_))
    ));
    journal.finish(id, &paid, &a).await.unwrap();
    let record = journal.payment(id).await.unwrap().unwrap();
    assert_eq!(record.intent, intent("p", "O1"));
    assert_eq!(
        record.steps,
        [step, step],
        "b's step happened too: it is kept"
    );
    assert_eq!(record.settled, Some(paid.clone()));
    assert_eq!(journal.find("p", "O1").await.unwrap(), Some(record));

    // A lease that ended is taken over, once; a finished payment is never claimed.
    let short = lease("dead", 1);
    let id2 = journal.begin(&intent("p", "O2"), &short).await.unwrap();
    journal.begin(&intent("q", "O2"), &short).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let claimed = journal.claim_next("p", &b).await.unwrap().expect("O2");
    assert_eq!((claimed.id, claimed.intent), (id2, intent("p", "O2")));
    assert!(journal.claim_next("p", &a).await.unwrap().is_none());
    journal.finish(id2, &paid, &b).await.unwrap();
    assert!(journal.claim_next("p", &a).await.unwrap().is_none());
}

#[tokio::test]
async fn memory_journal_passes_the_suite() {
    suite(&MemoryJournal::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_journal_passes_the_suite() {
    let Some(url) = database_url() else { return };
    let (store, _) = pg_store(&url).await;
    suite(&store).await;
}

/// A payment through the journal over a generated client's gateway: the intent, each
/// step and the settlement are kept; the same order is never paid again; an order
/// queried under another number is refused before anything is journaled or sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journaled_payment_keeps_its_intent_steps_and_settlement() {
    let sandbox = sandbox(2).await;
    let journal = MemoryJournal::new();
    let payer = case("shouqianba", &sandbox.base_url, Duration::from_secs(5));
    let plan = payer.plan(Duration::from_secs(30));
    let owner = lease("payer", 60_000);
    let order = unique("J").replace('_', "");
    // ..02: in progress, paid at the 2nd query.
    let settled = payer
        .pay_journaled(&journal, &owner, plan, &order, 1002)
        .await;
    assert!(
        matches!(&settled, Ok(GatewaySettlement::Paid(r)) if r.status == PaymentStatus::Paid),
        "{settled:?}"
    );
    let record = journal.find("shouqianba", &order).await.unwrap().unwrap();
    assert_eq!(
        (record.intent.amount, record.intent.provider.as_str()),
        (Fen(1002), "shouqianba")
    );
    let kinds: Vec<StepKind> = record.steps.iter().map(|s| s.kind).collect();
    assert_eq!(kinds[0], StepKind::Pay);
    assert!(
        kinds[1..].iter().all(|k| *k == StepKind::Query),
        "{kinds:?}"
    );
    assert_eq!(
        record.steps.last().and_then(|s| s.verdict),
        Some(SettleVerdict::Paid)
    );
    assert_eq!(record.settled.map(|s| s.settled_as), Some(SettledAs::Paid));

    // The same order again: refused by the journal, the pay request not sent.
    let again = payer
        .pay_journaled(&journal, &owner, plan, &order, 1002)
        .await;
    assert!(
        matches!(
            again,
            Err(paygen_store::PayError::Journal(
                JournalError::Duplicate { .. }
            ))
        ),
        "{again:?}"
    );
    assert_eq!(sandbox.received.of("shouqianba", "pay"), 1);

    // Queried under another number: nothing journaled, nothing sent.
    let other = unique("K").replace('_', "");
    let mismatch = paygen_store::pay_and_settle(
        &journal,
        &owner,
        &*payer.gateway,
        &payer.pay_request(&other, 1000),
        &payer.order(&order),
        plan,
    )
    .await;
    assert!(
        matches!(mismatch, Err(paygen_store::PayError::OrderMismatch { .. })),
        "{mismatch:?}"
    );
    assert!(journal.find("shouqianba", &other).await.unwrap().is_none());
    assert_eq!(sandbox.received.of("shouqianba", "pay"), 1);
    sandbox.shutdown.shutdown().await;
}

/// What an order's queries need beyond its number is journaled with the intent, and a
/// resumer sends it: wantu's query and cancel require the pay's `pay_channel` (2.5, 2.14).
/// A payment journaled without it cannot be settled by query (the request is refused
/// before it is sent) and is left to a person, its pay never sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumer_sends_the_journaled_order_fields() {
    let sandbox = sandbox(2).await;
    let journal = MemoryJournal::new();
    let payer = case("wantu", &sandbox.base_url, Duration::from_secs(5));
    let dead = lease("dead payer", 1);
    let mut orders = Vec::new();
    for keep_extra in [true, false] {
        let order = unique("W").replace('_', "");
        // The pay request left (in progress: ..02) before the process died. wantu
        // requires a notify URL (2.2); nothing listens there.
        let mut request = payer.pay_request(&order, 1002);
        request.notify_url = Some("http://127.0.0.1:9/notify".into());
        let paid = payer.gateway.pay(&request).await;
        assert!(
            matches!(&paid, Ok(r) if r.status == PaymentStatus::Pending),
            "{paid:?}"
        );
        let order_extra = if keep_extra {
            payer.order(&order).extra
        } else {
            Default::default()
        };
        assert_eq!(order_extra.contains_key("pay_channel"), keep_extra);
        journal
            .begin(
                &Intent {
                    provider: "wantu".into(),
                    order_no: order.clone(),
                    amount: Fen(1002),
                    deadline_ms: payer.gateway.now_millis() + 300,
                    order_extra,
                },
                &dead,
            )
            .await
            .unwrap();
        orders.push(order);
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    let mut plan = payer.plan(Duration::from_secs(30));
    plan.timing.poll_interval = Duration::from_millis(20);
    let routes = [Route {
        gateway: &*payer.gateway,
        plan,
    }];
    let resumed = resume(&journal, &lease("resumer", 60_000), &routes)
        .await
        .expect("journal reachable");
    let by_order = |order: &str| {
        resumed
            .iter()
            .find(|r| r.payment.intent.order_no == order)
            .map(|r| &r.settlement)
    };
    let with_extra = by_order(&orders[0]);
    assert!(
        matches!(with_extra, Some(Ok(GatewaySettlement::Paid(_)))),
        "{with_extra:?}"
    );
    let without = by_order(&orders[1]);
    assert!(
        matches!(
            without,
            Some(Ok(GatewaySettlement::NeedsManualAttention { last: Err(e) }))
                if e.to_string().contains("pay_channel")
        ),
        "{without:?}"
    );
    let record = journal.find("wantu", &orders[1]).await.unwrap().unwrap();
    let settled = record.settled.expect("settled");
    assert_eq!(settled.settled_as, SettledAs::NeedsManualAttention);
    assert!(settled.detail.contains("pay_channel"), "{settled:?}");
    assert_eq!(
        sandbox.received.of("wantu", "pospay"),
        2,
        "no pay request was sent again"
    );
    sandbox.shutdown.shutdown().await;
}

/// Journals `orders` unfinished 收钱吧 payments whose process died (pay sent, in
/// progress), then runs two resumers on `journals` at once.
async fn concurrent_resumers(journals: [Arc<dyn Journal>; 2], orders: usize) {
    let sandbox = sandbox(3).await;
    let payer = case("shouqianba", &sandbox.base_url, Duration::from_secs(5));
    let dead = lease("dead payer", 1);
    let mut expected = BTreeSet::new();
    for n in 0..orders {
        let order = format!("{}{n}", unique("R").replace('_', ""));
        // The pay request left (in progress: ..02) before the process died.
        let paid = payer.gateway.pay(&payer.pay_request(&order, 1002)).await;
        // In progress: whatever the reply, the order now exists at the provider.
        assert!(
            !matches!(&paid, Ok(r) if r.status == PaymentStatus::Paid),
            "{paid:?}"
        );
        journals[0]
            .begin(
                &Intent {
                    provider: "shouqianba".into(),
                    order_no: order.clone(),
                    amount: Fen(1002),
                    deadline_ms: payer.gateway.now_millis() + 30_000,
                    order_extra: payer.order(&order).extra,
                },
                &dead,
            )
            .await
            .unwrap();
        expected.insert(order);
    }
    assert_eq!(sandbox.received.of("shouqianba", "pay"), orders as u64);
    tokio::time::sleep(Duration::from_millis(20)).await;

    let resumers = journals.iter().enumerate().map(|(n, journal)| {
        let journal = journal.clone();
        let base_url = sandbox.base_url.clone();
        tokio::spawn(async move {
            let case = case("shouqianba", &base_url, Duration::from_secs(5));
            let mut plan = case.plan(Duration::from_secs(30));
            plan.timing.poll_interval = Duration::from_millis(20);
            let routes = [Route {
                gateway: &*case.gateway,
                plan,
            }];
            let lease = lease(&format!("resumer {n}"), 5_000);
            let resumed = resume(&*journal, &lease, &routes)
                .await
                .expect("journal reachable");
            resumed
                .into_iter()
                .map(|r| {
                    assert!(
                        matches!(r.settlement, Ok(GatewaySettlement::Paid(_))),
                        "{:?}",
                        r.settlement
                    );
                    r.payment.intent.order_no
                })
                .collect::<Vec<_>>()
        })
    });
    let mut driven = Vec::new();
    for resumer in resumers.collect::<Vec<_>>() {
        driven.push(resumer.await.expect("resumer"));
    }
    let all: Vec<&String> = driven.iter().flatten().collect();
    let distinct: BTreeSet<String> = all.iter().map(|s| s.to_string()).collect();
    assert_eq!(all.len(), orders, "each payment driven once: {driven:?}");
    assert_eq!(distinct, expected);
    assert!(
        driven.iter().all(|d| !d.is_empty()),
        "both resumers took part: {driven:?}"
    );
    assert_eq!(
        sandbox.received.of("shouqianba", "pay"),
        orders as u64,
        "no pay request was sent again"
    );
    for order in &expected {
        let record = journals[1]
            .find("shouqianba", order)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(record.settled.map(|s| s.settled_as), Some(SettledAs::Paid));
    }
    sandbox.shutdown.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_resumers_on_memory_drive_each_payment_once() {
    let journal: Arc<dyn Journal> = Arc::new(MemoryJournal::new());
    concurrent_resumers([journal.clone(), journal], 12).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_resumers_on_postgres_drive_each_payment_once() {
    let Some(url) = database_url() else { return };
    let schema = unique("t");
    // Two processes: two pools on the same tables.
    let one = pg_store_in(&url, &schema).await;
    let two = pg_store_in(&url, &schema).await;
    concurrent_resumers([Arc::new(one), Arc::new(two)], 12).await;
    let steps_by_two_owners: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM (SELECT payment_id FROM {schema}.paygen_payment_steps \
         GROUP BY payment_id HAVING count(DISTINCT owner) > 1) AS shared"
    )))
    .fetch_one(pg_store_in(&url, &schema).await.pool())
    .await
    .unwrap();
    assert_eq!(steps_by_two_owners, 0, "no payment was driven by both");
}
