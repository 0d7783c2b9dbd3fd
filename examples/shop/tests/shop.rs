//! The shop over loopback HTTP against the sandbox, one payment per magic amount (the
//! amount's last two digits, `paygen serve --help`): 00 pays, 01 is refused (wantu
//! 1.4 501 TRADE_ERROR), 02 is in progress until the 2nd query (506 USER_PAYING),
//! 03 is paid but the connection drops, 04 is answered 1500 ms late, 05 has its
//! signature altered; then a partial refund and the pay notification.

use paygen::Fen;
use paygen_example_shop::{notify, Checkout, Shop};
use paygen_sandbox::{Sandbox, SandboxConfig};
use paygen_wantu::{ReturnCodes, TradeStatuses};
use std::sync::Arc;
use std::time::Duration;

fn client(sandbox: &Sandbox) -> paygen_wantu::Client {
    // A timeout above the sandbox's 1500 ms late reply, so that 04 is answered.
    let transport = paygen::ReqwestTransport::new(Duration::from_secs(2), Duration::from_secs(3))
        .expect("transport");
    paygen_wantu::Client::with_transport(
        sandbox.url("wantu"),
        paygen_wantu::Credentials::sandbox(),
        transport,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shop_pays_polls_refunds_and_is_notified() {
    let sandbox = Sandbox::start(SandboxConfig {
        notify_speedup: 1000,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let notify_url = format!("http://{}/notify/wantu", listener.local_addr().unwrap());
    let (paid, mut notified) = tokio::sync::mpsc::unbounded_channel();
    let state = Arc::new(notify::Notifications {
        client: client(&sandbox),
        paid,
    });
    tokio::spawn(async move { axum::serve(listener, notify::router(state)).await });
    let shop = Shop {
        client: client(&sandbox),
        notify_url,
    };
    let code = "134567890123456789";

    // 00: paid by the pay reply.
    let paid = shop.pay("SHOP100", 100, code).await.expect("00");
    assert!(
        matches!(&paid, Checkout::Paid { queries: 0, .. }),
        "{paid:?}"
    );
    // 01: refused, matched by its code enum; nothing happened.
    let refused = shop.pay("SHOP101", 101, code).await.expect("01");
    assert!(
        matches!(
            &refused,
            Checkout::Refused {
                code: ReturnCodes::TradeError,
                ..
            }
        ),
        "{refused:?}"
    );
    // wantu's order of the refused payment: failed (2.5 PAY_EEROR 支付失败), not paid.
    let (status, _) = shop.poll("SHOP101").await.expect("query of 01");
    assert_eq!(status, TradeStatuses::PayError);
    // 02: in progress, paid at the 2nd query.
    let slow = shop.pay("SHOP102", 102, code).await.expect("02");
    assert!(
        matches!(&slow, Checkout::Paid { queries: 2, .. }),
        "{slow:?}"
    );
    // 03: the reply is lost; the query finds it paid; the pay request went once.
    let lost = shop.pay("SHOP103", 103, code).await.expect("03");
    assert!(
        matches!(&lost, Checkout::Paid { queries: 1, .. }),
        "{lost:?}"
    );
    // 04: late, but within the client's timeout.
    let late = shop.pay("SHOP104", 104, code).await.expect("04");
    assert!(
        matches!(&late, Checkout::Paid { queries: 0, .. }),
        "{late:?}"
    );
    // 05: the reply's signature does not verify: never taken as paid; the query is.
    let altered = shop.pay("SHOP105", 105, code).await.expect("05");
    assert!(
        matches!(&altered, Checkout::Paid { queries: 1, .. }),
        "{altered:?}"
    );
    assert_eq!(
        sandbox.received.of("wantu", "pospay"),
        6,
        "one pay request per order"
    );

    // A partial refund of the first order: 30 of 100 分.
    let refund = shop
        .refund("SHOP100", "RSHOP100", 100, 30)
        .await
        .expect("refund");
    assert_eq!(refund.out_trade_no, "SHOP100");
    assert_eq!(refund.out_refund_no, "RSHOP100");
    assert_eq!(refund.refund_fee, Fen(30));
    assert_eq!(
        shop.poll("SHOP100").await.expect("query").0,
        TradeStatuses::Success
    );

    // The pay notification of 00, verified and handed on through axum (the other paid
    // orders are notified too, in any order).
    let Checkout::Paid { trade_id, .. } = paid else {
        unreachable!()
    };
    let notification = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let n = notified.recv().await.expect("open");
            if n.trade_id == trade_id {
                return n;
            }
        }
    })
    .await
    .expect("the notification of 00 within 5 s");
    assert_eq!(notification.total_fee, Fen(100));
    assert_eq!(notification.return_code, ReturnCodes::Success);
    sandbox.shutdown.shutdown().await;
}
