//! Hostile clients over loopback HTTP (no mocked transport): connections that never
//! finish their head or body, and absurd scenario knobs, must not wedge the sandbox.
//! Every wait is bounded by `tokio::time::timeout`; every loop has a fixed length.

use paygen::{Error, ReqwestTransport};
use paygen_sandbox::{Sandbox, SandboxConfig, SandboxError, SHUTDOWN_GRACE};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

mod support;

/// How many stalled connections the main test holds open.
const HOSTILE: usize = 50;

/// The bound on every reply that must still come while the hostile clients wait.
const PROMPT: Duration = Duration::from_secs(1);

/// The bound on the server closing a connection whose timeout is 200 ms: generous,
/// so a loaded machine does not fail the test, yet far below "never".
const CLOSED_WITHIN: Duration = Duration::from_secs(5);

/// Header-read and body-read timeouts of 200 ms, so closing is seen without waiting.
fn short_timeouts() -> SandboxConfig {
    SandboxConfig {
        header_read_timeout: Duration::from_millis(200),
        body_read_timeout: Duration::from_millis(200),
        ..SandboxConfig::default()
    }
}

async fn start(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config).await.expect("sandbox starts")
}

/// `127.0.0.1:PORT` of a sandbox.
fn addr(sandbox: &Sandbox) -> &str {
    sandbox
        .base_url
        .strip_prefix("http://")
        .expect("an http base url")
}

fn wantu(sandbox: &Sandbox) -> paygen_wantu::Client<ReqwestTransport> {
    support::wantu(sandbox, &paygen_sandbox::config::stand_in("key"))
}

fn pospay(order: &str, fen: i64) -> paygen_wantu::PospayRequest {
    support::pospay(order, fen, support::NOWHERE)
}

fn query(order: &str) -> paygen_wantu::QueryRequest {
    paygen_wantu::QueryRequest::new(paygen_wantu::PayChannel::Wechat).with_out_trade_no(order)
}

/// Posts `body` to the admin endpoint; the status and text of the reply.
async fn knob(http: &reqwest::Client, sandbox: &Sandbox, body: &str) -> (u16, String) {
    let reply = http
        .post(format!("{}/_sandbox/scenario", sandbox.base_url))
        .body(body.to_owned())
        .send()
        .await
        .expect("admin answered");
    let status = reply.status().as_u16();
    (status, reply.text().await.expect("admin body"))
}

/// Opens a connection and sends the start of a request that never ends: the `n`th
/// stops at a different point of its request line or headers.
async fn stalled(addr: &str, n: usize) -> TcpStream {
    let heads: [&[u8]; 4] = [
        b"PO",
        b"POST /wantu/pay/v2/pos HTTP/1.1\r\n",
        b"POST /wantu/pay/v2/pos HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le",
        b"GET /_sandbox/scenario HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n",
    ];
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(heads[n % heads.len()])
        .await
        .expect("partial head sent");
    stream
}

/// Reads until the server closes the connection (end of stream or a reset), within
/// `bound`; what was read, or `None` if the connection was still open at the bound.
async fn read_to_close(stream: &mut TcpStream, bound: Duration) -> Option<Vec<u8>> {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    let closed = timeout(bound, async {
        // At most this many reads: a server that answers forever fails the test.
        for _ in 0..1000 {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return true,
                Ok(n) => seen.extend_from_slice(&buffer[..n]),
            }
        }
        false
    })
    .await;
    matches!(closed, Ok(true)).then_some(seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_connections_and_absurd_knobs_do_not_wedge_the_sandbox() {
    // The longest header-read timeout, so the stalled connections are surely still
    // held by the server while the genuine requests are sent.
    let sandbox = start(SandboxConfig {
        header_read_timeout: paygen_sandbox::config::MAX_TIMEOUT,
        ..SandboxConfig::default()
    })
    .await;
    let mut hostile = Vec::with_capacity(HOSTILE);
    for n in 0..HOSTILE {
        hostile.push(stalled(addr(&sandbox), n).await);
    }
    let http = reqwest::Client::new();
    let client = wantu(&sandbox);
    let paid = timeout(PROMPT, client.pospay(&pospay("H1", 1000)))
        .await
        .expect("pospay answered promptly")
        .expect("pospay");
    assert_eq!(paid.out_trade_no, "H1");

    // The wedge of the issue: refused, naming the knob and its range.
    let (status, text) = timeout(
        PROMPT,
        knob(&http, &sandbox, r#"{"delay_ms":18446744073709551615}"#),
    )
    .await
    .expect("admin answered promptly");
    assert_eq!(status, 400, "{text}");
    assert!(
        text.contains("delay_ms") && text.contains("0 to 60000"),
        "{text}"
    );
    // Every other absurd value too; none of these requests changes anything, not even
    // the valid `tamper_responses` beside a refused knob.
    let absurd = [
        r#"{"tamper_responses":1,"delay_ms":18446744073709551615}"#,
        r#"{"delay_ms":60001}"#,
        r#"{"delay_ms":-1}"#,
        r#"{"delay_ms":1.5}"#,
        r#"{"delay_ms":"1000"}"#,
        r#"{"tamper_responses":10001}"#,
        r#"{"tamper_responses":4294967296}"#,
        r#"{"fail_cancels":18446744073709551615}"#,
        r#"{"fail_cancels":null}"#,
        r#"{"pay":{"provider":"wantu"}}"#,
        r#"{"nonsense":1}"#,
        r#"[1]"#,
    ];
    for body in absurd {
        let (status, text) = timeout(PROMPT, knob(&http, &sandbox, body))
            .await
            .expect("admin answered promptly");
        assert_eq!(status, 400, "{body}: {text}");
    }
    let (_, text) = knob(&http, &sandbox, r#"{"fail_cancels":10001}"#).await;
    assert!(
        text.contains("fail_cancels") && text.contains("0 to 10000"),
        "{text}"
    );
    // Neither delayed nor tampered: the knobs did not take effect.
    let queried = timeout(PROMPT, client.query(&query("H1")))
        .await
        .expect("query answered promptly")
        .expect("query verifies: not tampered");
    assert_eq!(queried.trade_id, paid.trade_id);

    // The largest delay is accepted, and slows provider replies only: the admin
    // endpoint still answers at once, so the delay can be turned off again.
    let (status, text) = knob(&http, &sandbox, r#"{"delay_ms":60000}"#).await;
    assert_eq!(status, 200, "{text}");
    let delayed = timeout(PROMPT, client.query(&query("H1"))).await;
    assert!(delayed.is_err(), "a 60 s delay answered within 1 s");
    let (status, text) = timeout(PROMPT, knob(&http, &sandbox, r#"{"delay_ms":0}"#))
        .await
        .expect("admin answered promptly while provider replies are delayed");
    assert_eq!(status, 200, "{text}");
    timeout(PROMPT, client.query(&query("H1")))
        .await
        .expect("query answered promptly once the delay is off")
        .expect("query");

    // The stalled connections were held all along: none got a reply or was closed.
    let mut buffer = [0u8; 16];
    for (n, stream) in hostile.iter().enumerate() {
        match stream.try_read(&mut buffer) {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            other => panic!("stalled connection {n}: {other:?}"),
        }
    }
    // They do not keep the sandbox from stopping either.
    timeout(SHUTDOWN_GRACE * 2, sandbox.shutdown.shutdown())
        .await
        .expect("shutdown ends despite the stalled connections");
    drop(hostile);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfinished_head_is_closed_at_the_header_read_timeout() {
    let sandbox = start(short_timeouts()).await;
    for n in 0..4 {
        let mut stream = stalled(addr(&sandbox), n).await;
        let seen = read_to_close(&mut stream, CLOSED_WITHIN).await;
        let seen = seen.unwrap_or_else(|| panic!("head {n}: still open after {CLOSED_WITHIN:?}"));
        // hyper may answer 408 before closing; it must never be a handled request.
        let text = String::from_utf8_lossy(&seen);
        assert!(
            seen.is_empty() || text.starts_with("HTTP/1.1 408"),
            "head {n}: {text}"
        );
    }
    // The server itself is fine.
    let http = reqwest::Client::new();
    let (status, _) = knob(&http, &sandbox, r#"{"delay_ms":0}"#).await;
    assert_eq!(status, 200);
    sandbox.shutdown.shutdown().await;
}

/// Sends `request` on one connection to a sandbox with [`short_timeouts`], and reads
/// until the server closes the connection; what was read, as text.
async fn until_closed(request: &[u8]) -> String {
    let sandbox = start(short_timeouts()).await;
    let mut stream = TcpStream::connect(addr(&sandbox)).await.expect("connect");
    stream.write_all(request).await.expect("request sent");
    let seen = read_to_close(&mut stream, CLOSED_WITHIN)
        .await
        .unwrap_or_else(|| panic!("still open after {CLOSED_WITHIN:?}"));
    sandbox.shutdown.shutdown().await;
    String::from_utf8_lossy(&seen).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed_at_the_header_read_timeout() {
    // The reply, then (the connection kept alive, but silent) the close.
    let text = until_closed(b"GET /_sandbox/scenario HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await;
    assert!(text.starts_with("HTTP/1.1 405"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_is_answered_408_and_closed() {
    let text = until_closed(
        b"POST /_sandbox/scenario HTTP/1.1\r\nHost: 127.0.0.1\r\n\
          Content-Length: 100\r\n\r\n{\"delay_ms\"",
    )
    .await;
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_out_of_range_are_refused_at_start() {
    let refused = [
        SandboxConfig {
            header_read_timeout: Duration::from_secs(31),
            ..SandboxConfig::default()
        },
        SandboxConfig {
            header_read_timeout: Duration::ZERO,
            ..SandboxConfig::default()
        },
        SandboxConfig {
            body_read_timeout: Duration::MAX,
            ..SandboxConfig::default()
        },
        SandboxConfig {
            slow_ms: u64::MAX,
            ..SandboxConfig::default()
        },
    ];
    let names = [
        "header_read_timeout",
        "header_read_timeout",
        "body_read_timeout",
        "slow_ms",
    ];
    for (config, name) in refused.into_iter().zip(names) {
        match Sandbox::start(config).await {
            Err(SandboxError::Config(text)) => assert!(text.contains(name), "{text}"),
            Err(other) => panic!("{name}: {other}"),
            Ok(_) => panic!("{name}: started"),
        }
    }
}

/// The bounds are inclusive: the largest counts are taken, and act.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_largest_counts_are_accepted() {
    let sandbox = start(SandboxConfig::default()).await;
    let http = reqwest::Client::new();
    let (status, text) = knob(
        &http,
        &sandbox,
        r#"{"tamper_responses":10000,"fail_cancels":10000,"delay_ms":0}"#,
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let tampered = wantu(&sandbox).pospay(&pospay("T1", 1000)).await;
    assert!(
        matches!(tampered, Err(Error::Signature { .. })),
        "{tampered:?}"
    );
    let (status, _) = knob(&http, &sandbox, r#"{"tamper_responses":0}"#).await;
    assert_eq!(status, 200);
    wantu(&sandbox)
        .query(&query("T1"))
        .await
        .expect("genuine again");
    sandbox.shutdown.shutdown().await;
}
