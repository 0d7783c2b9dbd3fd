//! Runs the example receiver on 127.0.0.1:3000 with the wantu key from `WANTU_KEY` and
//! the WeChat Pay v2 merchant from `WECHAT_APPID`, `WECHAT_MCH_ID` and `WECHAT_KEY`.

use paygen_example_axum::{router, AppState};
use std::sync::Arc;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let key = std::env::var("WANTU_KEY").unwrap_or_default();
    let credentials = paygen_wantu::Credentials {
        merchant_account: std::env::var("WANTU_MERCHANT").unwrap_or_default(),
        store_account: std::env::var("WANTU_STORE").unwrap_or_default(),
        key: key.into(),
    };
    let client = paygen_wantu::Client::new(paygen_wantu::Environment::default(), credentials);
    let (paid, mut orders) =
        tokio::sync::mpsc::unbounded_channel::<paygen_wantu::PayNotification>();
    tokio::spawn(async move {
        while let Some(notification) = orders.recv().await {
            println!(
                "paid: trade {} amount {} 分",
                notification.trade_id, notification.total_fee.0
            );
        }
    });
    let wechat = paygen_wechatpay_v2::Client::new(
        paygen_wechatpay_v2::Environment::default(),
        paygen_wechatpay_v2::Credentials {
            appid: std::env::var("WECHAT_APPID").unwrap_or_default(),
            mch_id: std::env::var("WECHAT_MCH_ID").unwrap_or_default(),
            key: std::env::var("WECHAT_KEY").unwrap_or_default().into(),
            sign_type: "HMAC-SHA256".into(),
        },
    );
    let (refunded, mut refunds) =
        tokio::sync::mpsc::unbounded_channel::<paygen_wechatpay_v2::RefundNotification>();
    tokio::spawn(async move {
        while let Some(refund) = refunds.recv().await {
            println!(
                "refunded: {} of order {}, {} 分",
                refund.out_refund_no, refund.out_trade_no, refund.refund_fee.0
            );
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("listening on http://{}", listener.local_addr()?);
    let state = AppState {
        client,
        paid,
        wechat,
        refunded,
        deliveries: std::sync::Arc::new(paygen::MemoryDeliveryStore::default()),
    };
    axum::serve(listener, router(Arc::new(state))).await
}
