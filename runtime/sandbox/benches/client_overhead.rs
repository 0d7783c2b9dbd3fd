//! What a generated client costs on top of the HTTP exchange it makes.
//!
//! One in-process sandbox ([`Sandbox::start`]) on loopback, one wantu order paid before
//! timing, then the same question about it asked three ways:
//!
//! - `generated_client`: `paygen_wantu::Client::query` over `ReqwestTransport`: render
//!   (fields, sorted canonical string, MD5 signature, JSON body), send, then decode the
//!   reply (parse once, verify its signature, success rule, typed `QueryResponse`);
//! - `raw_reqwest`: the request the client renders, rendered once before timing
//!   (`render_query`), POSTed as precomputed bytes with the same headers over the same
//!   keep-alive `reqwest::Client` (same pool, same timeouts), the reply body read;
//! - `client_without_http`: the client over a transport that hands back a reply captured
//!   from the sandbox: the client's own work alone (where the difference goes);
//! - `gateway_without_http`: the same captured reply asked for through `Arc<dyn
//!   paygen::Gateway>` (`Gateway::query` with the model's `OrderRef`): the spec's
//!   mapping filled into the request, the reply decoded as above, then its results and
//!   status read into a `PaymentResult`; `gateway_without_http / client_without_http` is
//!   what the one payment model costs over the typed call.
//!
//! The sandbox's work (verify, look up, encode and sign the reply) is in both round
//! trips, so `generated_client / raw_reqwest` is the client's whole overhead over
//! loopback; the goal is at most 1.10. Before timing, the raw reply is checked to answer
//! the same query, and the captured reply to verify.
//!
//! Client and server run on one current-thread tokio runtime, so a round trip is their
//! work and the kernel's with no cross-thread wake-up. Each is timed twice: group
//! `client_overhead` by the wall clock (criterion's default), group
//! `client_overhead_cpu` by the thread's CPU clock (`CLOCK_THREAD_CPUTIME_ID`, unix),
//! which on a machine shared with other jobs leaves out the time the thread waited for a
//! CPU.
//!
//! On the 2-core development VM with nothing else running (README, "Performance"), one
//! run's medians (2026-12-07): `generated_client` 43.7 µs, `raw_reqwest` 33.5 µs (ratio
//! 1.30, so the 10 % goal is not met), `client_without_http` 7.25 µs,
//! `gateway_without_http` 7.76 µs (1.07 × the typed call); by CPU time 43.3, 33.9, 7.20
//! and 7.65 µs.
//!
//! `cargo bench -p paygen-sandbox --bench client_overhead`
// criterion_group! defines an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use paygen::{
    Fen, HttpRequest, HttpResponse, OperationInfo, OrderRef, PaymentStatus, ReqwestTransport,
    SendFuture,
};
use paygen_sandbox::config::stand_in;
use paygen_sandbox::{Sandbox, SandboxConfig};
use paygen_wantu::{PayChannel, PospayRequest, QueryRequest};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

const ORDER: &str = "BENCH0001";

/// Answers every request with one reply captured from the sandbox.
#[derive(Clone)]
struct Canned(HttpResponse);

impl paygen::Transport for Canned {
    fn send<'a>(&'a self, _: HttpRequest, _: OperationInfo<'a>) -> SendFuture<'a> {
        Box::pin(async move { Ok(self.0.clone()) })
    }
}

/// How long this thread has run on a CPU (`CLOCK_THREAD_CPUTIME_ID`).
#[cfg(unix)]
fn on_cpu() -> Option<Duration> {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    let seconds = u64::try_from(now.tv_sec).ok()?;
    let nanos = u32::try_from(now.tv_nsec).ok()?;
    Some(Duration::new(seconds, nanos))
}

#[cfg(not(unix))]
fn on_cpu() -> Option<Duration> {
    None
}

/// Whether [`on_cpu`] works here: present and moving while the thread spins.
fn on_cpu_works() -> bool {
    let before = on_cpu();
    let spin = Instant::now();
    while spin.elapsed() < Duration::from_millis(2) {}
    before.is_some() && on_cpu() > before
}

fn client_overhead(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let sandbox = runtime
        .block_on(Sandbox::start(SandboxConfig::default()))
        .expect("sandbox starts");
    // ReqwestTransport::default's settings, for both round trips.
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .build()
        .expect("reqwest client");
    let credentials = || paygen_wantu::Credentials {
        merchant_account: stand_in("merchant_account"),
        store_account: stand_in("store_account"),
        key: stand_in("key").into(),
    };
    let client = paygen_wantu::Client::with_transport(
        sandbox.url("wantu"),
        credentials(),
        ReqwestTransport::from_client(http.clone()),
    );
    let pay = PospayRequest::new(
        PayChannel::Wechat,
        Fen(1000),
        "goods",
        ORDER,
        "134674074004982976",
        "CNY",
        // Nobody listens: the one notification fails and is retried in the background.
        "http://127.0.0.1:9/notify",
    );
    runtime.block_on(client.pospay(&pay)).expect("pospay");
    let query = QueryRequest::new(PayChannel::Wechat).with_out_trade_no(ORDER);

    let rendered = client.render_query(&query).expect("render_query");
    let mut headers = HeaderMap::new();
    for (name, value) in &rendered.headers {
        headers.insert(
            HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            HeaderValue::from_str(value).expect("header value"),
        );
    }
    let raw = || async {
        let response = http
            .post(&rendered.url)
            .headers(headers.clone())
            .body(rendered.body.clone())
            .send()
            .await
            .expect("raw send");
        response.bytes().await.expect("raw body")
    };
    let typed = runtime.block_on(client.query(&query)).expect("query");
    let body = runtime.block_on(raw());
    let body = std::str::from_utf8(&body).expect("UTF-8 reply");
    assert!(
        body.contains(&format!("\"trade_id\":\"{}\"", typed.trade_id)),
        "the raw request is answered like the client's: {body}"
    );
    let canned = Canned(HttpResponse {
        status: typed.status(),
        headers: typed.headers().to_vec(),
        body: typed.body().to_owned(),
    });
    let offline =
        paygen_wantu::Client::with_transport(sandbox.url("wantu"), credentials(), canned.clone());
    let replayed = runtime.block_on(offline.query(&query)).expect("canned");
    assert!(replayed.is_verified());
    // `paygen::Gateway` is not imported: its methods would shadow the typed ones of the
    // same name (`query`), and a `dyn Gateway` needs no import to be called.
    let gateway: Arc<dyn paygen::Gateway> = Arc::new(paygen_wantu::Client::with_transport(
        sandbox.url("wantu"),
        credentials(),
        canned,
    ));
    let mut order = OrderRef::new(ORDER);
    order
        .extra
        .insert("pay_channel".into(), PayChannel::Wechat.as_str().into());
    let unified = runtime
        .block_on(gateway.query(&order))
        .expect("gateway query");
    assert_eq!(unified.status, PaymentStatus::Paid, "{unified:?}");

    let generated = || {
        runtime
            .block_on(client.query(black_box(&query)))
            .expect("query");
    };
    let raw_reqwest = || {
        black_box(runtime.block_on(raw()));
    };
    let without_http = || {
        runtime
            .block_on(offline.query(black_box(&query)))
            .expect("canned");
    };
    let through_gateway = || {
        runtime
            .block_on(gateway.query(black_box(&order)))
            .expect("gateway query");
    };
    let works: [(&str, &dyn Fn()); 4] = [
        ("generated_client", &generated),
        ("raw_reqwest", &raw_reqwest),
        ("client_without_http", &without_http),
        ("gateway_without_http", &through_gateway),
    ];

    let mut wall = c.benchmark_group("client_overhead");
    for (name, work) in works {
        wall.bench_function(name, |b| b.iter(work));
    }
    wall.finish();
    // Where there is no thread CPU clock, the wall clock only.
    if on_cpu_works() {
        let mut cpu = c.benchmark_group("client_overhead_cpu");
        for (name, work) in works {
            cpu.bench_function(name, |b| {
                b.iter_custom(|iters| {
                    let started = on_cpu().unwrap_or_default();
                    for _ in 0..iters {
                        work();
                    }
                    on_cpu().unwrap_or_default().saturating_sub(started)
                })
            });
        }
        cpu.finish();
    }
    runtime.block_on(sandbox.shutdown.shutdown());
}

criterion_group!(benches, client_overhead);
criterion_main!(benches);
