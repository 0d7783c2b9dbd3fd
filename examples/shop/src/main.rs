//! Runs the shop against a sandbox (`paygen serve --addr 127.0.0.1:8080`) at
//! `SANDBOX_URL`: pays once with each magic amount, refunds part of the first, and
//! prints what happened.

use paygen_example_shop::{notify, Shop};
use std::sync::Arc;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let sandbox = std::env::var("SANDBOX_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let client = || {
        paygen_wantu::Client::with_transport(
            format!("{sandbox}/wantu"),
            paygen_wantu::Credentials::sandbox(),
            paygen::ReqwestTransport::default(),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let notify_url = format!("http://{}/notify/wantu", listener.local_addr()?);
    let (paid, mut received) = tokio::sync::mpsc::unbounded_channel();
    let state = Arc::new(notify::Notifications {
        client: client(),
        paid,
    });
    tokio::spawn(async move { axum::serve(listener, notify::router(state)).await });
    tokio::spawn(async move {
        while let Some(n) = received.recv().await {
            println!("notified: trade {} paid {} 分", n.trade_id, n.total_fee.0);
        }
    });
    let shop = Shop {
        client: client(),
        notify_url,
    };
    let run = std::process::id();
    for fen in 100..=105 {
        let order_no = format!("SHOP{run}{fen}");
        println!(
            "{fen} 分: {:?}",
            shop.pay(&order_no, fen, "134567890123456789").await
        );
    }
    let refunded = shop
        .refund(&format!("SHOP{run}100"), &format!("R{run}"), 100, 30)
        .await;
    println!("refund 30 of 100: {refunded:?}");
    Ok(())
}
