//! Receiving a provider's payment notifications in an axum service.
//!
//! The handler gives the raw request to the generated client's `receive_*` entry,
//! which verifies the signature over the bytes as received, decodes the typed
//! notification and says whether its event was delivered before. A verified
//! notification is acknowledged with the provider's exact body, a redelivery too
//! (the provider retries until it gets it) but it is acted on once; anything else is
//! refused with 400 so the provider tries again.
//!
//! WeChat Pay v2's refund notification is not signed, only encrypted (AES-256-ECB, no
//! MAC): blocks of genuine notifications can be moved around. Its handler uses
//! `receive_refund_notification_confirmed`, which asks WeChat Pay with a signed
//! `refundquery` and hands the refund on only when the verified reply agrees.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use paygen::{Ack, Delivery, InboundRequest};
use paygen_wantu::{Client, PayNotification};
use paygen_wechatpay_v2::RefundNotification;
use std::sync::Arc;
use tokio::sync::mpsc;

/// What the service shares with its handlers.
pub struct AppState {
    /// The merchant's wantu client (its credentials verify the notifications).
    pub client: Client,
    /// Where first deliveries go to be fulfilled, once each.
    pub paid: mpsc::UnboundedSender<PayNotification>,
    /// The merchant's WeChat Pay v2 client: its key decrypts refund notifications and
    /// signs the confirming query.
    pub wechat: paygen_wechatpay_v2::Client,
    /// Where confirmed refunds go, once each.
    pub refunded: mpsc::UnboundedSender<RefundNotification>,
}

/// The service's routes: wantu posts its pay notification to `/notify/wantu`, WeChat Pay
/// its refund notification to `/notify/wechat/refund`.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/notify/wantu", post(wantu_pay))
        .route("/notify/wechat/refund", post(wechat_refund))
        .with_state(state)
}

/// The request's parts as the runtime reads them: an extractor, so that every handler
/// takes the raw request the same way.
struct Received {
    method: Method,
    query: Option<String>,
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl<S: Send + Sync> FromRequest<S> for Received {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let headers = parts
            .headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.to_string(), value)
            })
            .collect();
        let query = parts.uri.query().map(str::to_owned);
        let method = parts.method.clone();
        let body = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Received {
            method,
            query,
            headers,
            body,
        })
    }
}

impl Received {
    fn inbound(&self) -> InboundRequest<'_> {
        InboundRequest {
            method: self.method.as_str(),
            query: self.query.as_deref().unwrap_or(""),
            headers: &self.headers,
            body: &self.body,
        }
    }
}

/// Hands a first delivery on and answers with the exact acknowledgement; a refused
/// notification is answered 400 so that the provider sends it again.
fn answer<T>(
    received: Result<Delivery<T>, paygen::Error>,
    hand_on: &mpsc::UnboundedSender<T>,
) -> Response {
    match received {
        Ok(delivery) => {
            let ack: Ack = delivery.ack;
            // A closed channel means the service is shutting down; the provider
            // will redeliver, so only acknowledge what was handed on.
            if !delivery.seen_before && hand_on.send(delivery.notification).is_err() {
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
            (
                [(header::CONTENT_TYPE, ack.content_type)],
                ack.body.into_owned(),
            )
                .into_response()
        }
        // The error names the failed check and keeps the raw body; it never holds the key.
        Err(error) => (StatusCode::BAD_REQUEST, error.to_string()).into_response(),
    }
}

async fn wantu_pay(State(state): State<Arc<AppState>>, received: Received) -> Response {
    answer(
        state.client.receive_pay_notification(&received.inbound()),
        &state.paid,
    )
}

async fn wechat_refund(State(state): State<Arc<AppState>>, received: Received) -> Response {
    // Confirmed by a signed refundquery before anything is handed on; if the query
    // cannot be made (WeChat unreachable), the 400 makes WeChat send it again later.
    let delivery = state
        .wechat
        .receive_refund_notification_confirmed(&received.inbound())
        .await;
    answer(delivery, &state.refunded)
}
