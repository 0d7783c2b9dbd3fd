//! The state every generated client wraps: provider table, base URL, credentials,
//! transport, clock and nonce source. No global state: one value per merchant.

use crate::client::inbound::{
    deliver, read_notification, receive_notification, Delivery, InboundRequest,
};
use crate::client::response::{Accepted, Response, Unconfirmed};
use crate::client::sleep::{Sleeper, TokioSleeper};
use crate::client::transport::Transport;
use crate::client::typed::{outcome_label, typed};
use crate::clock::{Clock, NonceSource, RandomNonce, SystemClock};
use crate::crypto::credentials::Credentials;
use crate::error::{Error, ParamRule, SignatureFailure};
use crate::message::decode::{
    decode_notification, lookup, read_response, text_of, Decoded, HttpResponse, Receiver,
};
use crate::message::encode::{encode_request, HttpRequest, RequestContext};
use crate::message::seen::{MemorySeenStore, SeenStore};
use crate::message::validate::request_fields_from_json;
use crate::wire::WireFields;
use paygen_protocol::{Confirmation, Notification, Operation, Provider};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::sync::Arc;
use tracing::Instrument;

/// One merchant's connection to one provider.
pub struct ClientCore<T> {
    pub(crate) provider: &'static Provider,
    base_url: String,
    credentials: Credentials,
    pub(crate) transport: T,
    pub(crate) clock: Arc<dyn Clock>,
    nonce: Arc<dyn NonceSource>,
    seen: Option<Arc<dyn SeenStore>>,
    deliveries: Arc<dyn SeenStore>,
    pub(crate) sleeper: Arc<dyn Sleeper>,
}

impl<T> std::fmt::Debug for ClientCore<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCore")
            .field("provider", &self.provider.name)
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> ClientCore<T> {
    /// A client of `provider` at `base_url` with the system clock and random nonces.
    pub fn new(
        provider: &'static Provider,
        base_url: impl Into<String>,
        credentials: Credentials,
        transport: T,
    ) -> Self {
        ClientCore {
            provider,
            base_url: base_url.into(),
            credentials,
            transport,
            clock: Arc::new(SystemClock),
            nonce: Arc::new(RandomNonce),
            seen: None,
            deliveries: Arc::new(MemorySeenStore::with_capacity(10_000)),
            sleeper: Arc::new(TokioSleeper),
        }
    }

    /// Replaces the clock (tests pin it to reproduce wire bytes).
    pub fn set_clock(&mut self, clock: impl Clock + 'static) {
        self.clock = Arc::new(clock);
    }

    /// Replaces the nonce source.
    pub fn set_nonce(&mut self, nonce: impl NonceSource + 'static) {
        self.nonce = Arc::new(nonce);
    }

    /// Replaces what waits between the queries of a settle flow (tests skip the wait).
    pub fn set_sleeper(&mut self, sleeper: impl Sleeper + 'static) {
        self.sleeper = Arc::new(sleeper);
    }

    /// Remembers accepted notification nonces so that a replayed one is refused.
    pub fn set_seen_store(&mut self, seen: impl SeenStore + 'static) {
        self.seen = Some(Arc::new(seen));
    }

    /// Where delivered notification events are remembered, to report redeliveries
    /// (default: the last 10,000 in memory; share a store across processes).
    pub fn set_delivery_store(&mut self, deliveries: impl SeenStore + 'static) {
        self.deliveries = Arc::new(deliveries);
    }

    /// What received messages are checked against: credentials, clock, seen nonces.
    pub fn receiver(&self) -> Receiver<'_> {
        Receiver {
            credentials: &self.credentials,
            clock: self.clock.as_ref(),
            utc_offset_minutes: self.provider.utc_offset_minutes,
            seen: self.seen.as_deref(),
        }
    }

    /// The provider's spec name (a payment journal's key, with the order number).
    pub fn provider_name(&self) -> &str {
        &self.provider.name
    }

    /// Now by this client's clock, in milliseconds since the epoch: what a settle flow's
    /// deadline is measured by.
    pub fn now_millis(&self) -> i64 {
        self.clock.now_millis()
    }

    /// The transport requests go through.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Builds the signed request without sending it.
    pub fn render(
        &self,
        operation: &Operation,
        fields: &WireFields<'_>,
    ) -> Result<HttpRequest, Error> {
        let context = RequestContext {
            base_url: &self.base_url,
            credentials: &self.credentials,
            clock: self.clock.as_ref(),
            nonce: self.nonce.as_ref(),
        };
        encode_request(self.provider, operation, fields, &context, None)
    }

    /// Sends the operation and returns its verified, successful, typed response.
    ///
    /// One `paygen.call` tracing span covers the call, with the provider, the
    /// operation, whether it moves money, and its outcome (`success`, or the error's
    /// kind and whether the provider may have acted); never a field value or secret.
    ///
    /// A refusal's code is read into `E`: the code's text (`String`), the code table's
    /// enum of the success rule's code field, or a generated enum with a variant per
    /// field when the rule checks several (shouqianba's `result_code`, then
    /// `biz_response.result_code`).
    pub async fn call<R: DeserializeOwned, E: DeserializeOwned>(
        &self,
        operation: &Operation,
        fields: &WireFields<'_>,
    ) -> Result<Response<R>, Error<E>> {
        let span = self.call_span(operation);
        let result = self
            .exchange(operation, fields)
            .instrument(span.clone())
            .await;
        span.record("outcome", outcome_label(&result));
        result.map_err(typed_refusal)
    }

    /// [`ClientCore::call`] for an operation with `done_when`: a success is
    /// [`Accepted::Done`] only when its deciding field has a value that means done;
    /// otherwise (another value, or none) it is [`Accepted::Unconfirmed`], naming the
    /// query that confirms it. The span's outcome is then `unconfirmed`.
    pub async fn call_accepted<R: DeserializeOwned, E: DeserializeOwned>(
        &self,
        operation: &Operation,
        fields: &WireFields<'_>,
    ) -> Result<Accepted<R>, Error<E>> {
        let span = self.call_span(operation);
        let result = self
            .exchange_accepted(operation, fields)
            .instrument(span.clone())
            .await;
        let label = match &result {
            Ok(Accepted::Unconfirmed(_)) => "unconfirmed",
            other => outcome_label(other),
        };
        span.record("outcome", label);
        result.map_err(typed_refusal)
    }

    async fn exchange_accepted<R: DeserializeOwned>(
        &self,
        operation: &Operation,
        fields: &WireFields<'_>,
    ) -> Result<Accepted<R>, Error> {
        let (response, decoded, refusal) = self.round_trip(operation, fields).await?;
        if let Some(refusal) = refusal {
            return Err(refusal);
        }
        // Only signed fields are decoded, so "done" is what the provider signed.
        let pending = operation.done_when.as_ref().and_then(|done| {
            let received = lookup(&decoded.fields, &done.field).map(text_of);
            let is_done = received
                .as_deref()
                .is_some_and(|value| done.equals.iter().any(|e| e == value));
            (!is_done).then_some((done, received))
        });
        let value = typed(decoded.fields, &response.body)?;
        let response = Response::new(value, decoded.authenticity, response);
        Ok(match pending {
            None => Accepted::Done(response),
            Some((done, received)) => Accepted::Unconfirmed(Unconfirmed {
                response,
                field: done.field.to_string(),
                received,
                confirm_with: done.confirm_with.to_string(),
            }),
        })
    }

    /// The `paygen.call` span of one exchange of `operation`; its `outcome` is recorded
    /// when the exchange ends (see [`outcome_label`]).
    pub(crate) fn call_span(&self, operation: &Operation) -> tracing::Span {
        let info = operation.info(self.provider);
        tracing::info_span!(
            "paygen.call",
            provider = info.provider,
            operation = info.operation,
            moves_money = info.moves_money,
            outcome = tracing::field::Empty,
        )
    }

    async fn exchange<R: DeserializeOwned>(
        &self,
        operation: &Operation,
        fields: &WireFields<'_>,
    ) -> Result<Response<R>, Error> {
        let (response, decoded, refusal) = self.round_trip(operation, fields).await?;
        if let Some(refusal) = refusal {
            return Err(refusal);
        }
        let value = typed(decoded.fields, &response.body)?;
        Ok(Response::new(value, decoded.authenticity, response))
    }

    /// Renders, sends and reads one exchange: the reply as received, decoded and
    /// verified, and the refusal its success rule finds, if any. The one path every
    /// call and every step of a settle flow takes.
    pub(crate) async fn round_trip(
        &self,
        operation: &Operation,
        fields: &WireFields<'_>,
    ) -> Result<(HttpResponse, Decoded, Option<Error>), Error> {
        let request = self.render(operation, fields)?;
        tracing::debug!(method = %request.method, url = %request.url, "sending");
        let response = self
            .transport
            .send(request, operation.info(self.provider))
            .await?;
        tracing::debug!(status = response.status, "received");
        let (decoded, refusal) =
            read_response(self.provider, operation, &self.receiver(), &response)?;
        Ok((response, decoded, refusal))
    }

    /// Receives a notification from the raw request: verified, typed, with its exact
    /// acknowledgement and whether its event was delivered before.
    pub fn receive<R: DeserializeOwned>(
        &self,
        notification: &Notification,
        request: &InboundRequest<'_>,
    ) -> Result<Delivery<R>, Error> {
        receive_notification(
            &self.provider.name,
            notification,
            &self.receiver(),
            self.deliveries.as_ref(),
            request,
        )
    }

    /// Receives a notification that the protocol does not sign (only encrypts), and
    /// confirms it before handing it on: the spec's `confirm_with` query is sent with
    /// fields from the notification, and its verified reply must agree with the
    /// notification on every field listed. Without `confirm_with` this is
    /// [`ClientCore::receive`] (`confirmed` false).
    pub async fn receive_confirmed<R: DeserializeOwned>(
        &self,
        notification: &Notification,
        request: &InboundRequest<'_>,
    ) -> Result<Delivery<R>, Error> {
        let (decoded, input) = read_notification(notification, &self.receiver(), request)?;
        let confirmed = match &notification.confirm_with {
            Some(confirmation) => {
                self.confirm(confirmation, &decoded.fields).await?;
                true
            }
            None => false,
        };
        deliver(
            &self.provider.name,
            notification,
            self.deliveries.as_ref(),
            decoded,
            input,
            confirmed,
        )
    }

    /// Sends `confirmation`'s query with fields from `notified` and checks that its
    /// verified reply agrees.
    async fn confirm(
        &self,
        confirmation: &Confirmation,
        notified: &Map<String, Value>,
    ) -> Result<(), Error> {
        let operation = self
            .provider
            .operation(&confirmation.operation)
            // Validation keeps `confirm_with` to the spec's own operations.
            .ok_or_else(|| Error::InvalidParam {
                field: confirmation.operation.to_string(),
                rule: ParamRule::Unknown,
            })?;
        let params: Map<String, Value> = confirmation
            .request
            .iter()
            .filter_map(|pair| {
                let value = notified.get(pair.notification.as_ref())?;
                Some((pair.field.to_string(), value.clone()))
            })
            .collect();
        let fields = request_fields_from_json(operation, &params)?;
        let (response, decoded, refusal) = self.round_trip(operation, &fields).await?;
        if let Some(refusal) = refusal {
            return Err(refusal);
        }
        if !decoded.authenticity.is_authentic() {
            return Err(Error::Signature {
                reason: SignatureFailure::ConfirmationUnsigned,
                body: response.body,
            });
        }
        for pair in confirmation.agree.iter() {
            let said = notified.get(pair.notification.as_ref()).map(text_of);
            let confirmed = lookup(&decoded.fields, &pair.field).map(text_of);
            if said != confirmed {
                return Err(Error::Signature {
                    reason: SignatureFailure::NotConfirmed {
                        field: pair.notification.to_string(),
                        notified: said.unwrap_or_default(),
                        confirmed: confirmed.unwrap_or_default(),
                    },
                    body: response.body,
                });
            }
        }
        Ok(())
    }

    /// Verifies an inbound notification and returns its typed fields.
    pub fn notification<R: DeserializeOwned>(
        &self,
        notification: &Notification,
        input: &str,
    ) -> Result<R, Error> {
        let decoded = decode_notification(notification, &self.receiver(), input)?;
        typed(decoded.fields, input)
    }
}

/// `error` with a refusal's code read into `E`: from the code's text (a code table's
/// enum, or `String`), else from `{"<field path>": text}`, the shape of a generated enum
/// with one variant per field the success rule checks.
fn typed_refusal<E: DeserializeOwned>(error: Error) -> Error<E> {
    error.map_service(|refusal| {
        let text = Value::String(refusal.raw_code.clone());
        let code = serde_json::from_value(text.clone()).or_else(|_| {
            serde_json::from_value(Value::Object(Map::from_iter([(
                refusal.field.clone(),
                text,
            )])))
        });
        match code {
            Ok(code) => Ok(refusal.map_code(code)),
            Err(e) => Err(Error::Decode {
                reason: format!(
                    "code `{}` of `{}` does not fit the spec's code type: {e}",
                    refusal.raw_code, refusal.field
                ),
                body: refusal.body,
            }),
        }
    })
}
