//! Receiving a provider's payment notifications in an axum service.
//!
//! The handler gives the raw request to the generated client's `receive_*` entry,
//! which verifies the signature over the bytes as received, decodes the typed
//! notification and says whether its event was delivered before. A verified
//! notification is acknowledged with the provider's exact body, a redelivery too
//! (the provider retries until it gets it) but it is acted on once; anything else is
//! refused with 400 so the provider tries again.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use paygen::InboundRequest;
use paygen_wantu::{Client, PayNotification};
use std::sync::Arc;
use tokio::sync::mpsc;

/// What the service shares with its handler.
pub struct AppState {
    /// The merchant's wantu client (its credentials verify the notifications).
    pub client: Client,
    /// Where first deliveries go to be fulfilled, once each.
    pub paid: mpsc::UnboundedSender<PayNotification>,
}

/// The service's routes: wantu posts its pay notification to `/notify/wantu`.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/notify/wantu", post(wantu_pay))
        .with_state(state)
}

async fn wantu_pay(
    State(state): State<Arc<AppState>>,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.to_string(), value)
        })
        .collect();
    let request = InboundRequest {
        method: method.as_str(),
        query: query.as_deref().unwrap_or(""),
        headers: &headers,
        body: &body,
    };
    match state.client.receive_pay_notification(&request) {
        Ok(delivery) => {
            if !delivery.seen_before {
                // A closed channel means the service is shutting down; the provider
                // will redeliver, so only acknowledge what was handed on.
                if state.paid.send(delivery.notification).is_err() {
                    return StatusCode::SERVICE_UNAVAILABLE.into_response();
                }
            }
            (
                [(header::CONTENT_TYPE, delivery.ack.content_type)],
                delivery.ack.body.into_owned(),
            )
                .into_response()
        }
        // The error names the failed check and keeps the raw body; it never holds the key.
        Err(error) => (StatusCode::BAD_REQUEST, error.to_string()).into_response(),
    }
}
