//! What several test files build the same way: the transport and a wantu client with
//! the sandbox's stand-in credentials, and a wantu payment.

// Each test file compiles its own copy and uses only some of it.
#![allow(dead_code)]

use paygen::{Fen, ReqwestTransport};
use paygen_sandbox::config::stand_in;
use paygen_sandbox::Sandbox;
use std::time::Duration;

/// A notification URL nobody listens on.
pub const NOWHERE: &str = "http://127.0.0.1:9/notify";

/// A reqwest transport: 2 s to connect, 5 s for the whole request.
pub fn transport() -> ReqwestTransport {
    ReqwestTransport::new(Duration::from_secs(2), Duration::from_secs(5)).expect("transport")
}

/// A wantu client of `sandbox` signing with `key` (the sandbox's is `stand_in("key")`).
pub fn wantu(sandbox: &Sandbox, key: &str) -> paygen_wantu::Client<ReqwestTransport> {
    paygen_wantu::Client::with_transport(
        sandbox.url("wantu"),
        paygen_wantu::Credentials {
            merchant_account: stand_in("merchant_account"),
            store_account: stand_in("store_account"),
            key: key.into(),
        },
        transport(),
    )
}

/// A wantu WeChat payment of `fen` 分 for `order`, notified at `notify_url`.
pub fn pospay(order: &str, fen: i64, notify_url: &str) -> paygen_wantu::PospayRequest {
    paygen_wantu::PospayRequest::new(
        paygen_wantu::PayChannel::Wechat,
        Fen(fen),
        "goods",
        order,
        "134674074004982976",
        "CNY",
        notify_url,
    )
}
