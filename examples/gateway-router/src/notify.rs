//! One axum route per provider, `/notify/<provider>`: the raw request goes to that
//! provider's gateway, which verifies it and reads it as a [`PaymentEvent`]; a first
//! delivery is handed on once (claimed in the delivery store, recorded once sent) and
//! answered with the provider's exact acknowledgement. A notification that fails
//! verification is answered 400, one not handed on 503, so the provider sends it again.

use crate::PaymentRouter;
use axum::body::Bytes;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use paygen::{DeliveryStore, Gateway, InboundRequest, PaymentEvent};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// How long a claimed event is kept from other replicas while it is handed on.
const CLAIM_LEASE: Duration = Duration::from_secs(30);

/// What every provider's route shares.
struct Shared {
    deliveries: Arc<dyn DeliveryStore>,
    events: mpsc::UnboundedSender<(String, PaymentEvent)>,
}

/// The notification routes of every provider of `router`; events go to `events` as
/// (provider, event), once each.
pub fn router(
    router: &PaymentRouter,
    deliveries: Arc<dyn DeliveryStore>,
    events: mpsc::UnboundedSender<(String, PaymentEvent)>,
) -> axum::Router {
    let shared = Arc::new(Shared { deliveries, events });
    let mut app = axum::Router::new();
    for route in router.routes() {
        let gateway = route.gateway.clone();
        let path = format!("/notify/{}", gateway.provider());
        let shared = shared.clone();
        app = app.route(
            &path,
            post(
                move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| async move {
                    receive(&*gateway, &shared, method, uri, headers, body).await
                },
            ),
        );
    }
    app.with_state(())
}

async fn receive(
    gateway: &dyn Gateway,
    shared: &Shared,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let request = InboundRequest {
        method: method.as_str(),
        query: uri.query().unwrap_or(""),
        headers: &headers,
        body: &body,
    };
    let delivery = match gateway.receive_notification(request).await {
        Ok(delivery) => delivery,
        // The error names the failed check; it never holds a key.
        Err(error) => return (StatusCode::BAD_REQUEST, error.to_string()).into_response(),
    };
    let provider = gateway.provider().to_owned();
    let events = shared.events.clone();
    let deliveries = shared.deliveries.clone();
    let (key, event) = (delivery.event, delivery.notification);
    // On a task of its own: axum drops the handler if the provider hangs up, and a
    // hand-on cut off between claim and record would hold the event for the lease.
    let handed = tokio::spawn(async move {
        paygen::hand_on(&*deliveries, &key, CLAIM_LEASE, || async {
            events.send((provider, event)).map_err(|_| "shutting down")
        })
        .await
        .map_err(|error| error.to_string())
    })
    .await;
    match handed {
        Ok(Ok(_)) => (
            [(header::CONTENT_TYPE, delivery.ack.content_type)],
            delivery.ack.body.into_owned(),
        )
            .into_response(),
        Ok(Err(error)) => (StatusCode::SERVICE_UNAVAILABLE, error).into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}
