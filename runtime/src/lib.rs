//! The paygen runtime: what every generated provider client links.
//!
//! A generated client turns a typed request into ordered [`WireFields`]; this crate
//! encodes them through the provider's envelope and signing recipe (both data, from the
//! spec), sends them through a [`Transport`], and verifies and decodes the answer over
//! the raw received values. Signing, encryption and canonicalization live here once.

pub mod canonical;
pub mod cipher;
pub mod client;
pub mod clock;
pub mod credentials;
pub mod de;
pub mod decode;
pub mod digest;
pub mod encode;
pub mod error;
pub mod inbound;
pub mod payload;
pub mod raw_json;
pub mod response;
pub mod rsa_keys;
pub mod secret;
pub mod seen;
pub mod server;
pub mod settle;
pub mod sign;
pub mod template;
pub mod transport;
pub mod validate;
pub mod wire;
pub mod xml;
pub mod yuan;

pub use client::ClientCore;
pub use clock::{Clock, FixedClock, FixedNonce, NonceSource, RandomNonce, SystemClock};
pub use credentials::{CredentialValue, Credentials};
pub use de::Fen;
pub use decode::{Authenticity, Decoded, HttpResponse, Receiver};
pub use encode::{HttpRequest, RequestContext};
pub use error::{
    Error, Outcome, ParamRule, ReceivedCode, Refusal, ServiceError, SignatureFailure,
    TransportErrorKind,
};
pub use inbound::{Ack, Delivery, InboundRequest};
pub use paygen_protocol as protocol;
pub use paygen_protocol::OperationInfo;
pub use response::Response;
pub use secret::Secret;
pub use seen::{MemorySeenStore, SeenStore};
pub use server::{ReceivedRequest, ServerError, ServerRequest};
pub use settle::{Settlement, Sleeper, Step, Timing, TokioSleeper};
pub use sign::SigningTrace;
#[cfg(feature = "reqwest")]
pub use transport::ReqwestTransport;
pub use transport::{SendFuture, Transport};
pub use wire::{WireFields, WireValue};

/// Generates a provider client from a YAML spec: `paygen::provider!("specs/x.yaml")`,
/// the path relative to the calling crate's `CARGO_MANIFEST_DIR`.
#[cfg(feature = "macros")]
pub use paygen_macros::provider;

#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;

    /// The lowercase hex SHA1 of `value`: what a `sent_as: sha1_hex` field sends.
    pub fn sha1_hex(value: &str) -> String {
        crate::digest::digest_hex(
            crate::protocol::DigestAlgorithm::Sha1,
            value.as_bytes(),
            crate::protocol::HexCase::Lower,
        )
    }
}
