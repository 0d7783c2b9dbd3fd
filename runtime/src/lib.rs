//! The paygen runtime: what every generated provider client links.
//!
//! A generated client turns a typed request into ordered [`WireFields`]; this crate
//! encodes them through the provider's envelope and signing recipe (both data, from the
//! spec), sends them through a [`Transport`], and verifies and decodes the answer over
//! the raw received values. Signing, encryption and canonicalization live here once.

// Layers, each a folder, imports running only downwards: `wire` (values and text
// formats) and `crypto` (digests, signatures, ciphers, keys) at the bottom over the
// foundations `error`, `clock` and `authenticity`; `recipe` (strings to sign composed of
// parts) over both; `message` (encode, decode, payload codecs, field checks) over
// recipes; `client` and `server` on top. The service-facing API is what the crate root
// re-exports; `tooling` holds the stages for the CLI, the sandbox and tests, and
// `__private` what only generated code uses.
pub mod authenticity;
pub mod client;
pub mod clock;
pub mod crypto;
pub mod error;
#[doc(hidden)]
pub mod message;
#[doc(hidden)]
pub mod recipe;
#[doc(hidden)]
pub mod server;
pub mod wire;

pub use client::{gateway, handoff, inbound, response, transport};
pub use crypto::{credentials, secret};
pub use message::seen;
pub use wire::yuan;

/// The protocol's stages one by one, for tools rather than services: canonical
/// strings, digests, ciphers, encoding and decoding with their signing traces, the
/// provider side (`server`), and the untyped client the CLI drives. The `paygen` CLI
/// and sandbox are built on these; a service needs only the crate root.
pub mod tooling {
    pub use crate::client::core::ClientCore;
    pub use crate::client::gateway::MappedGateway;
    pub use crate::client::typed::typed;
    pub use crate::crypto::{certs, cipher, digest, keys, rsa_keys, sm2_keys};
    pub use crate::message::{decode, encode, payload, received, validate};
    pub use crate::recipe::sign::SigningTrace;
    pub use crate::recipe::{canonical, key_source, sign, template};
    pub use crate::server::{self, ReceivedRequest, ServerError, ServerRequest};
    pub use crate::wire::{form_raw, raw_json, xml};
}

pub use authenticity::Authenticity;
pub use client::provider::{Calls, Client, Provider};
pub use client::sleep::{Sleeper, TokioSleeper};
pub use clock::{Clock, ExactNonce, FixedClock, FixedNonce, NonceSource, RandomNonce, SystemClock};
pub use credentials::{CredentialValue, Credentials, KeySet};
pub use error::{
    CertificateFailure, Error, Outcome, ParamRule, ReceivedCode, Refusal, ServiceError,
    SignatureFailure, TransportErrorKind,
};
pub use gateway::{
    pay_and_settle, EventKind, Gateway, GatewayError, GatewayFuture, GatewaySettlement, OrderRef,
    PayRequest, PaymentEvent, PaymentResult, PaymentStatus, PrecreateRequest, RefundQueryRequest,
    RefundRequest, Role, SettleObserver, SettlePlan, StepKind, StepRecord, Timing,
};
pub use handoff::{
    hand_on, Claim, ClaimToken, DeliveryStore, HandOffError, HandedOn, MemoryDeliveryStore,
    StoreError, StoreFuture,
};
pub use inbound::{Ack, Delivery, InboundRequest};
pub use message::decode::{Decoded, HttpResponse, Receiver};
pub use message::encode::{HttpRequest, RequestContext};
pub use paygen_protocol as protocol;
pub use paygen_protocol::OperationInfo;
pub use response::{Accepted, Response, Unconfirmed};
pub use secret::Secret;
pub use seen::{MemorySeenStore, SeenStore};
#[cfg(feature = "reqwest")]
pub use transport::ReqwestTransport;
pub use transport::{SendFuture, Transport};
pub use wire::de::Fen;
pub use wire::{WireFields, WireValue};

/// Generates a provider client from a YAML spec: `paygen::provider!("specs/x.yaml")`,
/// the path relative to the calling crate's `CARGO_MANIFEST_DIR`.
#[cfg(feature = "macros")]
pub use paygen_macros::provider;

/// What only generated code uses; not an API, and free to change with the generator.
#[doc(hidden)]
pub mod __private {
    pub use crate::__provider_client as provider_client;
    pub use crate::client::core::ClientCore;
    pub use crate::wire::de;
    pub use serde;
    pub use serde_json;

    pub use crate::crypto::digest::sha1_hex;
}
