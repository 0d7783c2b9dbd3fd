//! A process killed with SIGKILL right after its pay request left, and a new process
//! that settles the payment from the PostgreSQL journal with queries and cancels only:
//! for WeChat Pay micropay, Alipay trade_pay and 收钱吧, each its generated client as a
//! `dyn Gateway` settling by its spec's `gateway.settle` plan; paid (the sandbox's slow
//! reply) and never paid (in progress for ever, reply held back), the sandbox counting
//! one pay request.
//!
//! The child is this test binary run again (`crash_recovery_child`, ignored unless
//! asked for) with the case in its environment.

use paygen::{GatewaySettlement, PaymentStatus, StepKind};
use paygen_sandbox::{Sandbox, SandboxConfig};
use paygen_store::{resume, Journal, Lease, Route, SettledAs};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::gateways::case;
use support::{database_url, pg_store_in, unique};

mod support;

/// How long a payment's lease holds without renewal, for the child and the resumer.
const LEASE: Duration = Duration::from_millis(800);

/// The child: pays through the journal, and is killed while its pay request waits for
/// its reply. Reaching the end means the parent did not kill it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the child process of the crash_recovery tests, run by them"]
async fn crash_recovery_child() {
    let env = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} not set"));
    let store = pg_store_in(&env("DATABASE_URL"), &env("CRASH_SCHEMA")).await;
    // The transport waits longer than the sandbox holds the reply back.
    let case = case(
        &env("CRASH_PROVIDER"),
        &env("CRASH_SANDBOX"),
        Duration::from_secs(60),
    );
    let lease = Lease {
        owner: "killed child".into(),
        duration: LEASE,
    };
    let deadline = Duration::from_millis(env("CRASH_DEADLINE_MS").parse().unwrap());
    let fen: i64 = env("CRASH_FEN").parse().unwrap();
    let outcome = case
        .pay_journaled(
            &store,
            &lease,
            case.plan(deadline),
            &env("CRASH_ORDER"),
            fen,
        )
        .await;
    panic!("the child was not killed while its pay request was in flight: {outcome:?}");
}

/// What the resumed payment must settle as.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// The sandbox's slow reply (amount ..04): paid at once, its reply 30 s late.
    PaidWhileSlow,
    /// In progress for ever (amount ..02, never paid), its reply held back 30 s.
    NeverPaid,
}

async fn knob(sandbox: &Sandbox, body: &str) {
    let response = reqwest::Client::new()
        .post(format!("{}/_sandbox/scenario", sandbox.base_url))
        .body(body.to_owned())
        .send()
        .await
        .expect("knob set");
    assert_eq!(response.status(), 200, "{body}");
}

async fn crash_and_resume(provider: &str, expect: Expect) {
    let Some(url) = database_url() else { return };
    let schema = unique("crash");
    let store = pg_store_in(&url, &schema).await;
    let sandbox = Sandbox::start(SandboxConfig {
        slow_ms: 30_000,
        in_progress_queries: u32::MAX,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let (fen, deadline) = match expect {
        Expect::PaidWhileSlow => (1004, Duration::from_secs(30)),
        Expect::NeverPaid => {
            knob(&sandbox, r#"{"delay_ms":30000}"#).await;
            (1002, Duration::from_secs(2))
        }
    };
    let order = unique("O").replace('_', "");
    let case = case(provider, &sandbox.base_url, Duration::from_secs(5));
    let pay_operation = case.pay_operation();

    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "crash_recovery_child",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env("CRASH_SCHEMA", &schema)
        .env("CRASH_PROVIDER", provider)
        .env("CRASH_SANDBOX", &sandbox.base_url)
        .env("CRASH_ORDER", &order)
        .env("CRASH_FEN", fen.to_string())
        .env("CRASH_DEADLINE_MS", deadline.as_millis().to_string())
        .env("DATABASE_URL", &url)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("child starts");
    // Right after the pay request left: the sandbox has it, its reply is held back.
    let started = Instant::now();
    while sandbox.received.of(provider, &pay_operation) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the child's pay request never arrived"
        );
        if let Some(status) = child.try_wait().expect("child") {
            panic!("the child ended before its pay request arrived: {status}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().expect("SIGKILL"); // std sends SIGKILL on Unix
    let status = child.wait().expect("child reaped");
    assert!(!status.success(), "{status}");
    if expect == Expect::NeverPaid {
        knob(&sandbox, r#"{"delay_ms":0}"#).await;
    }

    // The intent was journaled before the request left; nothing after it.
    let journaled = store
        .find(provider, &order)
        .await
        .unwrap()
        .expect("the intent is journaled");
    assert_eq!(
        (
            journaled.intent.amount.0,
            journaled.steps.len(),
            journaled.settled
        ),
        (fen, 0, None)
    );

    // A new process: the dead child's lease ends, then resume settles the payment.
    let resumer = pg_store_in(&url, &schema).await;
    let lease = Lease {
        owner: "resumer".into(),
        duration: LEASE,
    };
    let routes = [Route {
        gateway: &*case.gateway,
        plan: case.plan(deadline),
    }];
    let started = Instant::now();
    let resumed = loop {
        let resumed = resume(&resumer, &lease, &routes)
            .await
            .expect("journal reachable");
        if !resumed.is_empty() || started.elapsed() > LEASE * 4 {
            break resumed;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(resumed.len(), 1, "{resumed:?}");
    assert_eq!(resumed[0].payment.intent.order_no, order);
    let settlement = &resumed[0].settlement;
    let settled_as = match (expect, settlement) {
        (Expect::PaidWhileSlow, Ok(GatewaySettlement::Paid(r))) => {
            assert_eq!(r.status, PaymentStatus::Paid);
            SettledAs::Paid
        }
        (Expect::NeverPaid, Ok(GatewaySettlement::CancelledAfterDeadline(r))) => {
            assert_eq!(r.status, PaymentStatus::Closed, "{provider}: {r:?}");
            SettledAs::CancelledAfterDeadline
        }
        other => panic!("{provider}: {other:?}"),
    };
    assert_eq!(
        sandbox.received.of(provider, &pay_operation),
        1,
        "{provider}: the pay request was received exactly once"
    );
    let record = store.find(provider, &order).await.unwrap().unwrap();
    assert_eq!(record.settled.map(|s| s.settled_as), Some(settled_as));
    assert!(
        record.steps.iter().all(|s| s.kind != StepKind::Pay),
        "resume sends queries and cancels only: {:?}",
        record.steps
    );
    assert_eq!(
        record.steps.last().map(|s| s.kind),
        Some(match expect {
            Expect::PaidWhileSlow => StepKind::Query,
            Expect::NeverPaid => StepKind::Cancel,
        })
    );
    sandbox.shutdown.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_recovery_wechat_micropay_paid() {
    crash_and_resume("wechatpay_v2", Expect::PaidWhileSlow).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_recovery_wechat_micropay_never_paid_is_cancelled() {
    crash_and_resume("wechatpay_v2", Expect::NeverPaid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_recovery_alipay_trade_pay_paid() {
    crash_and_resume("alipay", Expect::PaidWhileSlow).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_recovery_alipay_trade_pay_never_paid_is_cancelled() {
    crash_and_resume("alipay", Expect::NeverPaid).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_recovery_shouqianba_paid() {
    crash_and_resume("shouqianba", Expect::PaidWhileSlow).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_recovery_shouqianba_never_paid_is_cancelled() {
    crash_and_resume("shouqianba", Expect::NeverPaid).await;
}
