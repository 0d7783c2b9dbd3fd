//! Receiving a provider's payment notifications in an axum service.
//!
//! The handler gives the raw request to the generated client's `receive_*` entry,
//! which verifies the signature over the bytes as received and decodes the typed
//! notification. Its event is then handed on through `paygen::hand_on`: claimed in
//! the delivery store, handed on, and recorded only once that succeeded. A verified
//! notification is acknowledged with the provider's exact body, a redelivery too
//! (the provider retries until it gets it) but it is acted on once; one that could not
//! be handed on or recorded is answered 503, and anything unverified 400, so that the
//! provider tries again. With replicas, the store is a shared one (`paygen-store`'s
//! PostgreSQL or Redis store); one process can keep it in memory.
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
use paygen::{Ack, Delivery, DeliveryStore, InboundRequest};
use paygen_wantu::{Client, PayNotification};
use paygen_wechatpay_v2::RefundNotification;
use std::sync::Arc;
use std::time::Duration;
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
    /// Where events are claimed and recorded as handed on (shared by every replica).
    pub deliveries: Arc<dyn DeliveryStore>,
}

/// How long a claimed event is kept from the other replicas while it is handed on:
/// far longer than a channel send, short enough that a replica that died mid-hand-on
/// delays the provider's retry by little.
const CLAIM_LEASE: Duration = Duration::from_secs(30);

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
/// notification is answered 400, one not handed on and recorded 503, so that the
/// provider sends it again.
async fn answer<T: Send + 'static>(
    received: Result<Delivery<T>, paygen::Error>,
    deliveries: Arc<dyn DeliveryStore>,
    hand_on: mpsc::UnboundedSender<T>,
) -> Response {
    let delivery = match received {
        Ok(delivery) => delivery,
        // The error names the failed check and keeps the raw body; it never holds the key.
        Err(error) => return (StatusCode::BAD_REQUEST, error.to_string()).into_response(),
    };
    let ack: Ack = delivery.ack;
    let (event, notification) = (delivery.event, delivery.notification);
    // On a task of its own: axum drops this handler if the provider hangs up, and a
    // hand-on cut off between claim and record would hold the event for the lease.
    // A closed channel means the service is shutting down: the handler fails, the
    // claim is released, and the provider's redelivery is handed on.
    let handed = tokio::spawn(async move {
        paygen::hand_on(&*deliveries, &event, CLAIM_LEASE, || async {
            hand_on.send(notification).map_err(|_| "shutting down")
        })
        .await
        .map_err(|error| error.to_string())
    })
    .await;
    match handed {
        Ok(Ok(_)) => (
            [(header::CONTENT_TYPE, ack.content_type)],
            ack.body.into_owned(),
        )
            .into_response(),
        Ok(Err(error)) => (StatusCode::SERVICE_UNAVAILABLE, error).into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

async fn wantu_pay(State(state): State<Arc<AppState>>, received: Received) -> Response {
    answer(
        state.client.receive_pay_notification(&received.inbound()),
        state.deliveries.clone(),
        state.paid.clone(),
    )
    .await
}

async fn wechat_refund(State(state): State<Arc<AppState>>, received: Received) -> Response {
    // Confirmed by a signed refundquery before anything is handed on; if the query
    // cannot be made (WeChat unreachable), the 400 makes WeChat send it again later.
    let delivery = state
        .wechat
        .receive_refund_notification_confirmed(&received.inbound())
        .await;
    answer(delivery, state.deliveries.clone(), state.refunded.clone()).await
}
