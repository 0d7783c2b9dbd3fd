//! wantu's pay notification (2.6) through axum: the raw request goes to the client's
//! `receive_pay_notification`, which verifies the signature over the bytes received;
//! a first delivery is handed on, every verified one is answered with the exact
//! acknowledgement (wantu resends until it gets it), anything else is answered 400.
//! One process remembers deliveries in the client's store; replicas would share one
//! (`paygen::hand_on` with a `DeliveryStore`, as examples/axum-notifications does).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use paygen::InboundRequest;
use paygen_wantu::{Client, PayNotification};
use std::sync::Arc;
use tokio::sync::mpsc;

/// What the notification route needs.
pub struct Notifications {
    /// The merchant's client: its key verifies the notification.
    pub client: Client,
    /// Where first deliveries go.
    pub paid: mpsc::UnboundedSender<PayNotification>,
}

/// The route wantu posts to: `POST /notify/wantu`.
pub fn router(state: Arc<Notifications>) -> axum::Router {
    axum::Router::new()
        .route("/notify/wantu", post(receive))
        .with_state(state)
}

async fn receive(
    State(state): State<Arc<Notifications>>,
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
    match state.client.receive_pay_notification(&request) {
        Ok(delivery) => {
            if !delivery.seen_before && state.paid.send(delivery.notification).is_err() {
                // Shutting down: not acknowledged, so wantu sends it again.
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
            (
                [(header::CONTENT_TYPE, delivery.ack.content_type)],
                delivery.ack.body.into_owned(),
            )
                .into_response()
        }
        // The error names the failed check; it never holds the key.
        Err(error) => (StatusCode::BAD_REQUEST, error.to_string()).into_response(),
    }
}
