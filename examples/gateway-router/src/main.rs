//! Runs the router on 127.0.0.1:3000 against a sandbox (`paygen serve`) at
//! `SANDBOX_URL` (e.g. `http://127.0.0.1:8080`), with the sandbox's stand-in
//! credentials: wantu first, WeChat Pay v2 second. Events are printed as they arrive.

use paygen_example_gateway_router::{notify, wantu_route, wechat_route, PaymentRouter};
use std::sync::Arc;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let sandbox = std::env::var("SANDBOX_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let wantu = paygen_wantu::Client::with_transport(
        format!("{sandbox}/wantu"),
        paygen_wantu::Credentials::sandbox(),
        paygen::ReqwestTransport::default(),
    );
    let wechat = paygen_wechatpay_v2::Client::with_transport(
        format!("{sandbox}/wechatpay_v2"),
        paygen_wechatpay_v2::Credentials::sandbox(),
        paygen::ReqwestTransport::default(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let routes = vec![
        wantu_route(Arc::new(wantu)),
        wechat_route(Arc::new(wechat), "127.0.0.1"),
    ];
    let router = PaymentRouter::new(routes, base.clone());
    let (events, mut received) =
        tokio::sync::mpsc::unbounded_channel::<(String, paygen::PaymentEvent)>();
    tokio::spawn(async move {
        while let Some((provider, event)) = received.recv().await {
            println!(
                "{provider}: {:?} {:?} {:?}",
                event.kind, event.order_no, event.status
            );
        }
    });
    let deliveries = Arc::new(paygen::MemoryDeliveryStore::default());
    println!("notifications on {base}/notify/<provider>");
    axum::serve(listener, notify::router(&router, deliveries, events)).await
}
