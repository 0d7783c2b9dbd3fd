//! Issue 16's choice for a role the spec does not map: it stays callable through
//! `paygen::Gateway` (a dyn-compatible trait has every method) and answers the typed
//! `GatewayError::NotSupported { provider, role }` without sending anything. A client of
//! a spec with a `gateway:` section is usable as `Arc<dyn Gateway>`.
mod provider {
    paygen::provider!("${PAYGEN_WORKSPACE}/macros/codegen/tests/corpus/ok_gateway.yaml");
}

use paygen::{Gateway, GatewayError, OrderRef, RefundQueryRequest, Role};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Counts what would be sent; sends nothing.
#[derive(Clone, Default)]
struct Counting(Arc<AtomicUsize>);

impl paygen::Transport for Counting {
    fn send<'a>(
        &'a self,
        _: paygen::HttpRequest,
        _: paygen::OperationInfo<'a>,
    ) -> paygen::SendFuture<'a> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async {
            Err(paygen::Error::Transport {
                kind: paygen::TransportErrorKind::Connect,
                message: "not sent".into(),
                source: None,
            })
        })
    }
}

fn main() {
    let sent = Counting::default();
    let client = provider::Client::with_transport(
        "https://pay.example.invalid",
        provider::Credentials {
            merchant: "m".into(),
            key: "k".into(),
        },
        sent.clone(),
    );
    let gateway: Arc<dyn Gateway> = Arc::new(client);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let closed = runtime.block_on(gateway.close(&OrderRef::new("A1")));
    assert!(matches!(
        closed,
        Err(GatewayError::NotSupported { role: Role::Close, .. })
    ));
    let asked = RefundQueryRequest {
        order_no: "A1".into(),
        refund_no: "R1".into(),
        extra: Default::default(),
    };
    let refund_query = runtime.block_on(gateway.refund_query(&asked));
    assert!(matches!(
        refund_query,
        Err(GatewayError::NotSupported { role: Role::RefundQuery, .. })
    ));
    assert_eq!(sent.0.load(Ordering::SeqCst), 0, "a role the spec lacks sends nothing");
}
