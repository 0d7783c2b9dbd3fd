//! The state every generated client wraps: provider table, base URL, credentials,
//! transport, clock and nonce source. No global state: one value per merchant.

use crate::clock::{Clock, NonceSource, RandomNonce, SystemClock};
use crate::credentials::Credentials;
use crate::decode::{decode_notification, decode_response, Decoded, Receiver};
use crate::encode::{encode_request, HttpRequest, RequestContext};
use crate::error::Error;
use crate::seen::SeenStore;
use crate::settle::{Sleeper, TokioSleeper};
use crate::transport::Transport;
use crate::wire::WireFields;
use paygen_protocol::{Notification, Operation, Provider};
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// One merchant's connection to one provider.
pub struct ClientCore<T> {
    pub(crate) provider: &'static Provider,
    base_url: String,
    credentials: Credentials,
    pub(crate) transport: T,
    pub(crate) clock: Arc<dyn Clock>,
    nonce: Arc<dyn NonceSource>,
    seen: Option<Arc<dyn SeenStore>>,
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

    /// What received messages are checked against: credentials, clock, seen nonces.
    pub fn receiver(&self) -> Receiver<'_> {
        Receiver {
            credentials: &self.credentials,
            clock: self.clock.as_ref(),
            utc_offset_minutes: self.provider.utc_offset_minutes,
            seen: self.seen.as_deref(),
        }
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
    pub async fn call<R: DeserializeOwned>(
        &self,
        operation: &Operation,
        fields: &WireFields<'_>,
    ) -> Result<R, Error> {
        let request = self.render(operation, fields)?;
        tracing::debug!(provider = %self.provider.name, operation = %operation.name, url = %request.url, "sending");
        let response = self.transport.send(request).await?;
        tracing::debug!(provider = %self.provider.name, operation = %operation.name, status = response.status, "received");
        let decoded = decode_response(self.provider, operation, &self.receiver(), &response)?;
        typed(decoded, &response.body)
    }

    /// Verifies an inbound notification and returns its typed fields.
    pub fn notification<R: DeserializeOwned>(
        &self,
        notification: &Notification,
        input: &str,
    ) -> Result<R, Error> {
        let decoded = decode_notification(notification, &self.receiver(), input)?;
        typed(decoded, input)
    }
}

/// Deserializes decoded fields into the generated type.
pub fn typed<R: DeserializeOwned>(decoded: Decoded, body: &str) -> Result<R, Error> {
    serde_json::from_value(serde_json::Value::Object(decoded.fields)).map_err(|e| Error::Decode {
        reason: format!("fields do not match the spec: {e}"),
        body: body.to_owned(),
    })
}
