//! One `paygen.call` tracing span per call, with the provider, the operation, whether it
//! moves money and its outcome, and never a secret. Its own test crate: a thread-local
//! subscriber must not share callsites with tests running beside it.

mod canned;

use canned::{mpgateway, request, signed_reply, CannedTransport, KEY};
use std::sync::Mutex;

/// Collects what a tracing subscriber writes, to read the call's span back.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn one_span_per_call_names_provider_operation_and_outcome_and_no_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let ok = signed_reply(
        r#"{"respcode":"00","respmsg":"成功","txnamt":100,"merid":"M1","orderid":"20240101000001"}"#,
    );
    mpgateway(CannedTransport::new(200, &ok))
        .mpgateway(&request())
        .await
        .unwrap();
    let refused = signed_reply(r#"{"respcode":"14","respmsg":"订单号重复"}"#);
    mpgateway(CannedTransport::new(200, &refused))
        .mpgateway(&request())
        .await
        .unwrap_err();

    // A settle flow's steps are calls too (pay-poll-cancel over the generated client's
    // `Gateway`): a refused payment is one `pay` span.
    let settling = paygen_shouqianba::Client::with_transport(
        "http://127.0.0.1:9",
        paygen_shouqianba::Credentials {
            terminal_sn: "T1".into(),
            terminal_key: "terminal-secret".into(),
        },
        CannedTransport::new(
            200,
            r#"{"result_code":"400","error_code":"INVALID_PARAMETER","error_message":"x"}"#,
        ),
    );
    let pay = paygen::PayRequest {
        order_no: "c1".into(),
        amount: paygen::Fen(1),
        subject: "s".into(),
        auth_code: "d1".into(),
        notify_url: None,
        extra: Default::default(),
    };
    paygen::pay_and_settle(&settling, &pay).await.unwrap_err();

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let closes: Vec<&str> = log.lines().filter(|l| l.contains("close")).collect();
    assert_eq!(closes.len(), 3, "one span per call:\n{log}");
    let settle_step = closes[2];
    assert!(
        settle_step.contains("paygen.call")
            && settle_step.contains("provider=\"shouqianba\"")
            && settle_step.contains("operation=\"pay\"")
            && settle_step.contains("outcome=\"refused\""),
        "{settle_step}"
    );
    assert!(!log.contains("terminal-secret"), "{log}");
    for line in &closes[..2] {
        assert!(line.contains("paygen.call"), "{line}");
        assert!(line.contains("provider=\"mpgateway\""), "{line}");
        assert!(line.contains("operation=\"mpgateway\""), "{line}");
        assert!(line.contains("moves_money=true"), "{line}");
    }
    assert!(closes[0].contains("outcome=\"success\""), "{}", closes[0]);
    assert!(closes[1].contains("outcome=\"refused\""), "{}", closes[1]);
    assert!(!log.contains(KEY), "the key never reaches the log:\n{log}");
}
