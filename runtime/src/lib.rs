//! The paygen runtime: what every generated provider client links.
//!
//! A generated client turns a typed request into ordered [`WireFields`]; this crate
//! encodes them through the provider's envelope and signing recipe (both data, from the
//! spec), sends them through a [`Transport`], and verifies and decodes the answer over
//! the raw received values. Signing, encryption and canonicalization live here once.

// The service-facing API is what the crate root re-exports (client errors, responses,
// transports, credentials, secrets, clocks, money, notifications, settling). The
// modules below that are hidden from the docs are reached through `tooling` (the
// CLI, the sandbox, tests) or `__private` (generated code only).
#[doc(hidden)]
pub mod canonical;
#[doc(hidden)]
pub mod certs;
#[doc(hidden)]
pub mod cipher;
#[doc(hidden)]
pub mod client;
pub mod clock;
pub mod credentials;
#[doc(hidden)]
pub mod de;
#[doc(hidden)]
pub mod decode;
#[doc(hidden)]
pub mod digest;
#[doc(hidden)]
pub mod encode;
pub mod error;
pub mod inbound;
#[doc(hidden)]
pub mod key_source;
#[doc(hidden)]
pub mod keys;
#[doc(hidden)]
pub mod payload;
#[doc(hidden)]
pub mod raw_json;
#[doc(hidden)]
pub mod received;
pub mod response;
#[doc(hidden)]
pub mod rsa_keys;
pub mod secret;
pub mod seen;
#[doc(hidden)]
pub mod server;
pub mod settle;
#[doc(hidden)]
pub mod sign;
#[doc(hidden)]
pub mod sm2_keys;
#[doc(hidden)]
pub mod template;
pub mod transport;
#[doc(hidden)]
pub mod validate;
pub mod wire;
#[doc(hidden)]
pub mod xml;
pub mod yuan;

/// The protocol's stages one by one, for tools rather than services: canonical
/// strings, digests, ciphers, encoding and decoding with their signing traces, the
/// provider side (`server`), and the untyped client the CLI drives. The `paygen` CLI
/// and sandbox are built on these; a service needs only the crate root.
pub mod tooling {
    pub use crate::client::{typed, ClientCore};
    pub use crate::server::{ReceivedRequest, ServerError, ServerRequest};
    pub use crate::sign::SigningTrace;
    pub use crate::{
        canonical, certs, cipher, decode, digest, encode, key_source, keys, payload, raw_json,
        received, rsa_keys, server, sign, sm2_keys, template, validate, xml,
    };
}

pub use clock::{Clock, ExactNonce, FixedClock, FixedNonce, NonceSource, RandomNonce, SystemClock};
pub use credentials::{CredentialValue, Credentials, KeySet};
pub use de::Fen;
pub use decode::{Authenticity, Decoded, HttpResponse, Receiver};
pub use encode::{HttpRequest, RequestContext};
pub use error::{
    CertificateFailure, Error, Outcome, ParamRule, ReceivedCode, Refusal, ServiceError,
    SignatureFailure, TransportErrorKind,
};
pub use inbound::{Ack, Delivery, InboundRequest};
pub use paygen_protocol as protocol;
pub use paygen_protocol::OperationInfo;
pub use response::Response;
pub use secret::Secret;
pub use seen::{MemorySeenStore, SeenStore};
pub use settle::{Settlement, Sleeper, Step, Timing, TokioSleeper};
#[cfg(feature = "reqwest")]
pub use transport::ReqwestTransport;
pub use transport::{SendFuture, Transport};
pub use wire::{WireFields, WireValue};

/// Generates a provider client from a YAML spec: `paygen::provider!("specs/x.yaml")`,
/// the path relative to the calling crate's `CARGO_MANIFEST_DIR`.
#[cfg(feature = "macros")]
pub use paygen_macros::provider;

/// What only generated code uses; not an API, and free to change with the generator.
#[doc(hidden)]
pub mod __private {
    pub use crate::client::ClientCore;
    pub use crate::de;
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
