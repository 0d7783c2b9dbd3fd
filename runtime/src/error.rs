//! The error type of every runtime operation, split by the phase that failed.

use crate::authenticity::Authenticity;
use paygen_protocol::CodeOutcome;
use std::fmt;

/// What went wrong, by phase: building the request, sending it, or reading the answer.
/// Errors about a received message keep its raw body; none ever contains a secret.
///
/// Every error says exactly one thing about the provider's side ([`Error::outcome`]):
/// nothing happened, so the same request may be sent again, or something may have
/// happened, so query before acting.
///
/// `E` is the type a refusal's code is read into: the operation's code enum in a
/// generated client, the code's text (`String`) inside the runtime.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<E = String> {
    /// A request parameter broke a rule of the spec.
    #[error("parameter `{field}`: {rule}")]
    InvalidParam {
        /// Wire name of the field.
        field: String,
        /// The rule it broke.
        rule: ParamRule,
    },
    /// A credential the protocol needs was not given.
    #[error("missing credential `{name}`")]
    MissingCredential {
        /// The credential's name.
        name: String,
    },
    /// A credential's value cannot be used (e.g. a cipher key of the wrong length).
    #[error("credential `{name}` unusable: {reason}")]
    InvalidCredential {
        /// The credential's name.
        name: String,
        /// Why.
        reason: String,
    },
    /// The operating system's random source failed, so no nonce could be made.
    #[error("no randomness for a nonce: {reason}")]
    Randomness {
        /// What the random source said.
        reason: String,
    },
    /// The request could not be delivered or no answer came.
    #[error("transport ({kind}): {message}")]
    Transport {
        /// Connect failure, timeout, or other.
        kind: TransportErrorKind,
        /// What the transport said.
        message: String,
        /// The transport's own error, with its chain of causes (DNS, TLS, proxy...).
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The provider answered with a non-success HTTP status.
    #[error("HTTP status {status}")]
    HttpStatus {
        /// The status code.
        status: u16,
        /// The raw body received.
        body: String,
    },
    /// The received message could not be decoded.
    #[error("cannot decode message: {reason}")]
    Decode {
        /// Which step failed.
        reason: String,
        /// The raw body received.
        body: String,
    },
    /// The received message's signature did not verify, or it was not fresh.
    #[error("signature check failed: {reason}")]
    Signature {
        /// Which check failed.
        reason: SignatureFailure,
        /// The raw body received.
        body: String,
    },
    /// The provider answered and said no: the typed code of the check that failed,
    /// with the reply's raw body (smithy's `ServiceError { source, raw }`).
    #[error("{0}")]
    Service(Box<ServiceError<E>>),
}

/// A refusal: the provider answered, verifiably or in a documented unsigned shape, and
/// its reply failed the operation's success rule.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ServiceError<E = String> {
    /// The code of the failed check, read into the operation's code type: the code
    /// table's enum (a documented value, or `Unknown` with the text), or the text.
    pub code: E,
    /// Dotted path of that code field, e.g. `biz_response.result_code`.
    pub field: String,
    /// That code as received.
    pub raw_code: String,
    /// The message field's value, when present.
    pub message: Option<String>,
    /// Whether the refusal was signed: a provider may send some errors unsigned.
    pub authenticity: Authenticity,
    /// Whether the refused operation may move money: then only a verified refusal says
    /// that nothing happened.
    pub moves_money: bool,
    /// The most uncertain documented code found in the reply, with its meaning
    /// (e.g. `sub_code` `ACQ.SYSTEM_ERROR`: unknown), when the spec gives meanings.
    pub meaning: Option<ReceivedCode>,
    /// The raw body received.
    pub body: String,
}

impl<E> ServiceError<E> {
    /// The same refusal with its code read as `F`.
    pub fn map_code<F>(self, code: F) -> ServiceError<F> {
        ServiceError {
            code,
            field: self.field,
            raw_code: self.raw_code,
            message: self.message,
            authenticity: self.authenticity,
            moves_money: self.moves_money,
            meaning: self.meaning,
            body: self.body,
        }
    }

    /// What the refusal says about the provider's side: unknown when a code in the reply
    /// is documented `unknown` or `in_progress` (a payment the buyer may yet confirm), and
    /// when a money-moving operation's refusal came unsigned from a protocol that signs
    /// (anyone on the path can write one).
    pub fn outcome(&self) -> Outcome {
        // A protocol that signs no reply (`Unsigned`) is left to its transport: there a
        // forged success is as easy as a forged refusal, and the code is all there is.
        let forgeable = matches!(
            self.authenticity,
            Authenticity::UnsignedErrorReply | Authenticity::Checksum | Authenticity::EncryptedOnly
        );
        if self.moves_money && forgeable {
            return Outcome::Unknown;
        }
        match self.meaning.as_ref().map(|m| m.outcome) {
            Some(CodeOutcome::Unknown | CodeOutcome::InProgress | CodeOutcome::Unconfirmed) => {
                Outcome::Unknown
            }
            _ => Outcome::NothingHappened,
        }
    }
}

impl ServiceError {
    /// A refusal whose code is its text, as the runtime reads it before the generated
    /// client types it.
    pub fn untyped(
        refusal: Refusal,
        authenticity: Authenticity,
        moves_money: bool,
        meaning: Option<ReceivedCode>,
        body: String,
    ) -> Self {
        ServiceError {
            code: refusal.code.clone(),
            field: refusal.field,
            raw_code: refusal.code,
            message: refusal.message,
            authenticity,
            moves_money,
            meaning,
            body,
        }
    }
}

impl<E> fmt::Display for ServiceError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "provider refused: `{}` is `{}`",
            self.field, self.raw_code
        )?;
        if let Some(message) = &self.message {
            write!(f, ", message `{message}`")?;
        }
        match self.authenticity {
            Authenticity::Verified => {}
            Authenticity::UnsignedErrorReply | Authenticity::Unsigned => {
                f.write_str(" (unsigned reply)")?
            }
            other => write!(f, " ({})", other.describe())?,
        }
        Ok(())
    }
}

/// The check of a success rule that a reply failed: its code field, the code received
/// and the message beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Dotted path of the code field.
    pub field: String,
    /// The code as received (empty when absent).
    pub code: String,
    /// The message (and its detail), when present.
    pub message: Option<String>,
}

/// A documented code found in a received reply, and what the document says it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedCode {
    /// Dotted path of the code field.
    pub field: String,
    /// The code as received.
    pub value: String,
    /// Its meaning.
    pub outcome: CodeOutcome,
}

/// What an error says about the provider's side of the exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing was done: the request never left, or the provider refused it.
    NothingHappened,
    /// The provider may have acted (charged, refunded): query before acting again.
    Unknown,
}

impl<E> Error<E> {
    /// What this error says about the provider's side; one answer per phase:
    ///
    /// | phase | outcome |
    /// |---|---|
    /// | `InvalidParam`, `MissingCredential`, `InvalidCredential`, `Randomness` | nothing happened (never sent) |
    /// | `Transport` connect | nothing happened (never reached the provider) |
    /// | `Transport` timeout, other | unknown |
    /// | `HttpStatus` 4xx but 408, and 429, 503 | nothing happened (refused before processing) |
    /// | `HttpStatus` other (408, 5xx but 503, 1xx, 3xx) | unknown |
    /// | `Decode`, `Signature` (after HTTP 2xx) | unknown: the answer cannot be trusted, the charge may be real |
    /// | `Service` | nothing happened (the provider said no), unless a code in the reply is documented `unknown` or `in_progress`, or the operation moves money and the refusal came unsigned from a protocol that signs (an unsigned error reply, a checksum, only encrypted): unknown |
    pub fn outcome(&self) -> Outcome {
        match self {
            Error::InvalidParam { .. }
            | Error::MissingCredential { .. }
            | Error::InvalidCredential { .. }
            | Error::Randomness { .. } => Outcome::NothingHappened,
            // A refusal whose code the document calls uncertain or still in progress
            // (a payment the buyer may yet confirm) is not a plain failure.
            Error::Service(refusal) => refusal.outcome(),
            Error::Transport { kind, .. } => match kind {
                TransportErrorKind::Connect => Outcome::NothingHappened,
                TransportErrorKind::Timeout | TransportErrorKind::Other => Outcome::Unknown,
            },
            Error::HttpStatus { status, .. } => match status {
                429 | 503 => Outcome::NothingHappened,
                408 => Outcome::Unknown,
                400..=499 => Outcome::NothingHappened,
                _ => Outcome::Unknown,
            },
            Error::Decode { .. } | Error::Signature { .. } => Outcome::Unknown,
        }
    }

    /// Whether sending the same request again cannot cause a second charge or refund.
    /// Exactly the errors whose outcome is not unknown.
    pub fn is_retry_safe(&self) -> bool {
        self.outcome() == Outcome::NothingHappened
    }

    /// Whether the outcome at the provider is unknown (query before acting).
    pub fn outcome_unknown(&self) -> bool {
        self.outcome() == Outcome::Unknown
    }

    /// The raw body of the received message this error is about.
    pub fn raw_body(&self) -> Option<&str> {
        match self {
            Error::HttpStatus { body, .. }
            | Error::Decode { body, .. }
            | Error::Signature { body, .. } => Some(body),
            Error::Service(refusal) => Some(&refusal.body),
            _ => None,
        }
    }

    /// The refusal, when the provider said no.
    pub fn service_error(&self) -> Option<&ServiceError<E>> {
        match self {
            Error::Service(refusal) => Some(refusal),
            _ => None,
        }
    }

    /// This error with a refusal's code read by `read` (which may fail, e.g. as a
    /// decode error); every other error is unchanged.
    pub fn map_service<F>(
        self,
        read: impl FnOnce(ServiceError<E>) -> Result<ServiceError<F>, Error<F>>,
    ) -> Error<F> {
        match self {
            Error::InvalidParam { field, rule } => Error::InvalidParam { field, rule },
            Error::MissingCredential { name } => Error::MissingCredential { name },
            Error::InvalidCredential { name, reason } => Error::InvalidCredential { name, reason },
            Error::Randomness { reason } => Error::Randomness { reason },
            Error::Transport {
                kind,
                message,
                source,
            } => Error::Transport {
                kind,
                message,
                source,
            },
            Error::HttpStatus { status, body } => Error::HttpStatus { status, body },
            Error::Decode { reason, body } => Error::Decode { reason, body },
            Error::Signature { reason, body } => Error::Signature { reason, body },
            Error::Service(refusal) => match read(*refusal) {
                Ok(typed) => Error::Service(Box::new(typed)),
                Err(error) => error,
            },
        }
    }
}

/// A rule a request parameter can break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamRule {
    /// Required but absent.
    Required,
    /// Longer than the documented maximum.
    TooLong {
        /// Documented maximum, in characters.
        max: u32,
        /// The value's length.
        actual: usize,
    },
    /// Shorter than the documented minimum (`长度8-32位`).
    TooShort {
        /// Documented minimum, in characters.
        min: u32,
        /// The value's length.
        actual: usize,
    },
    /// Not one of the documented values.
    NotAllowed {
        /// The documented values.
        allowed: Vec<String>,
    },
    /// The value's JSON type does not fit the field's type.
    WrongType {
        /// The field's type.
        expected: &'static str,
    },
    /// The operation has no such field.
    Unknown,
    /// None of a group of fields of which at least one is required was given.
    OneOf {
        /// The group's wire names.
        fields: Vec<String>,
    },
    /// A whole number outside the documented bounds.
    OutOfRange {
        /// Smallest value allowed (分 for an amount).
        min: Option<i64>,
        /// Largest value allowed (分 for an amount).
        max: Option<i64>,
        /// The value given (分 for an amount).
        actual: i64,
        /// The field is an amount written in 元: the values are shown as 元.
        yuan: bool,
    },
    /// A character outside the documented set.
    Charset {
        /// The characters allowed, in words.
        allowed: &'static str,
    },
    /// Required because of another field's value.
    RequiredWhen {
        /// The deciding field.
        when: String,
        /// Its value that makes this field required.
        value: String,
    },
    /// Not the sum the document defines it as.
    Sum {
        /// The definition, e.g. `original_amount - discount_amount - ignore_amount`.
        formula: String,
        /// The definition's value over the fields given.
        expected: i64,
        /// The value given.
        actual: i64,
    },
    /// The value cannot be written in the message's format.
    Unwritable {
        /// Why.
        reason: String,
    },
}

impl fmt::Display for ParamRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamRule::Required => f.write_str("is required"),
            ParamRule::TooLong { max, actual } => {
                write!(f, "is {actual} characters, at most {max} allowed")
            }
            ParamRule::TooShort { min, actual } => {
                write!(f, "is {actual} characters, at least {min} required")
            }
            ParamRule::NotAllowed { allowed } => {
                write!(f, "must be one of {}", allowed.join(", "))
            }
            ParamRule::WrongType { expected } => write!(f, "must be {expected}"),
            ParamRule::Unknown => f.write_str("is not a field of this operation"),
            ParamRule::OneOf { fields } => {
                write!(f, "at least one of {} is required", fields.join(", "))
            }
            ParamRule::OutOfRange {
                min,
                max,
                actual,
                yuan,
            } => {
                let shown = |n: i64| {
                    if *yuan {
                        crate::wire::yuan::format(crate::wire::de::Fen(n))
                    } else {
                        n.to_string()
                    }
                };
                let actual = shown(*actual);
                match (min, max) {
                    (Some(min), Some(max)) => {
                        write!(f, "is {actual}, must be {} to {}", shown(*min), shown(*max))
                    }
                    (Some(min), None) => write!(f, "is {actual}, must be at least {}", shown(*min)),
                    (None, Some(max)) => write!(f, "is {actual}, must be at most {}", shown(*max)),
                    (None, None) => write!(f, "is {actual}"),
                }
            }
            ParamRule::Charset { allowed } => write!(f, "may contain only {allowed}"),
            ParamRule::RequiredWhen { when, value } => {
                write!(f, "is required when `{when}` is `{value}`")
            }
            ParamRule::Sum {
                formula,
                expected,
                actual,
            } => write!(f, "is {actual}, must equal {formula} = {expected}"),
            ParamRule::Unwritable { reason } => write!(f, "cannot be written: {reason}"),
        }
    }
}

/// Kinds of transport failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// No connection was made: nothing reached the provider.
    Connect,
    /// No answer in time: the outcome is unknown.
    Timeout,
    /// Anything else.
    Other,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportErrorKind::Connect => "connect",
            TransportErrorKind::Timeout => "timeout",
            TransportErrorKind::Other => "other",
        })
    }
}

/// Why a received message's signature was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureFailure {
    /// The signature field is absent.
    Missing(String),
    /// The signature field is present but empty, and the protocol does not allow that.
    Empty(String),
    /// The signature does not match the one computed over the received values.
    Mismatch,
    /// A reply of a shape the protocol sends unsigned claims success.
    UnsignedSuccess,
    /// A notification of a shape that is never signed: notifications always are.
    UnsignedNotification,
    /// A received field the signature does not cover, which the protocol rejects.
    UnsignedField(String),
    /// The signed timestamp is missing, unreadable or outside the freshness window.
    Stale {
        /// Where the timestamp is read: a field, a header or a header's parameter.
        source: paygen_protocol::SignedValue,
        /// Distance from the receiver's clock in seconds, when readable.
        skew_seconds: Option<i64>,
        /// The window.
        max_skew_seconds: u32,
    },
    /// The signed nonce was seen before (or is missing or empty): a replay.
    Replayed {
        /// Where the nonce is read: a field, a header or a header's parameter.
        source: paygen_protocol::SignedValue,
    },
    /// The signed string reads back into other fields than the ones received: the
    /// value (or name) of `field` holds the join followed by `name=`, so the same
    /// signature covers a different list of fields.
    SecondReading {
        /// The field whose name or value could be split.
        field: String,
    },
    /// The encrypted payload, the only thing that authenticates the message, is absent.
    EncryptedPayloadMissing(String),
    /// The signed query sent to confirm an unsigned notification disagrees with it.
    NotConfirmed {
        /// The notification's field.
        field: String,
        /// Its value in the notification.
        notified: String,
        /// The value the verified query reply gives (empty when absent).
        confirmed: String,
    },
    /// The query sent to confirm an unsigned notification came back without a verified
    /// signature, so it cannot confirm anything.
    ConfirmationUnsigned,
    /// The message names, or its signature's form shows, no recipe the spec accepts.
    NoRecipe(String),
    /// The header carrying the signature does not read against its template.
    MalformedHeader {
        /// The header.
        header: String,
        /// The rule it broke.
        rule: crate::wire::auth_params::ParamRule,
    },
    /// The received header that chooses the verify key names none of the configured
    /// keys; no other key is tried.
    UnknownSerial {
        /// The header.
        header: String,
        /// The serial it names (at most 64 characters of it).
        serial: String,
    },
    /// The certificate the message carries is not trusted, or not the expected one.
    Certificate(CertificateFailure),
}

impl fmt::Display for SignatureFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignatureFailure::Missing(field) => write!(f, "no signature in `{field}`"),
            SignatureFailure::Empty(field) => write!(f, "empty signature in `{field}`"),
            SignatureFailure::Mismatch => {
                f.write_str("signature does not match the received values")
            }
            SignatureFailure::UnsignedSuccess => f.write_str("unsigned reply that reports success"),
            SignatureFailure::UnsignedNotification => f.write_str("unsigned notification"),
            SignatureFailure::UnsignedField(name) => {
                write!(f, "field `{name}` is not covered by the signature")
            }
            SignatureFailure::Stale {
                source,
                skew_seconds: Some(skew),
                max_skew_seconds,
            } => write!(
                f,
                "stale: the signed timestamp in {source} is {skew} s from the receiver's clock; the freshness window allows at most {max_skew_seconds} s either way"
            ),
            SignatureFailure::Stale {
                source,
                skew_seconds: None,
                ..
            } => write!(
                f,
                "stale: {source} is missing, unsigned or not a timestamp in the declared format"
            ),
            SignatureFailure::Replayed { source } => write!(
                f,
                "replayed: the signed nonce in {source} was seen before (or is missing or empty)"
            ),
            SignatureFailure::SecondReading { field } => write!(
                f,
                "the signed string has a second reading: `{field}` holds the pair join \
                 followed by `name=`, so the signature does not say which fields were sent"
            ),
            SignatureFailure::NotConfirmed {
                field,
                notified,
                confirmed,
            } => write!(
                f,
                "not confirmed: `{field}` is `{notified}` in the notification but `{confirmed}` in the signed query reply"
            ),
            SignatureFailure::UnknownSerial { header, serial } => {
                write!(f, "`{header}` names key `{serial}`, which is none of the configured keys")
            }
            SignatureFailure::Certificate(failure) => write!(f, "{failure}"),
            SignatureFailure::ConfirmationUnsigned => {
                f.write_str("not confirmed: the query reply was not verified")
            }
            SignatureFailure::NoRecipe(why) => write!(f, "no signature recipe: {why}"),
            SignatureFailure::MalformedHeader { header, rule } => {
                write!(f, "header `{header}` does not read against its template: {rule}")
            }
            SignatureFailure::EncryptedPayloadMissing(field) => write!(
                f,
                "no encrypted payload in `{field}`: it is the only part of the message that \
                 the key authenticates"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> String {
        "raw".to_owned()
    }

    /// Every row of the outcome table in `Error::outcome`'s documentation.
    #[test]
    fn each_phase_says_exactly_one_outcome() {
        use Outcome::{NothingHappened as Nothing, Unknown};
        let transport = |kind| Error::Transport {
            kind,
            message: "m".into(),
            source: None,
        };
        let status = |status| Error::HttpStatus {
            status,
            body: body(),
        };
        let rows: Vec<(Error, Outcome)> = vec![
            (
                Error::InvalidParam {
                    field: "f".into(),
                    rule: ParamRule::Required,
                },
                Nothing,
            ),
            (Error::MissingCredential { name: "k".into() }, Nothing),
            (
                Error::InvalidCredential {
                    name: "k".into(),
                    reason: "r".into(),
                },
                Nothing,
            ),
            (Error::Randomness { reason: "r".into() }, Nothing),
            (transport(TransportErrorKind::Connect), Nothing),
            (transport(TransportErrorKind::Timeout), Unknown),
            (transport(TransportErrorKind::Other), Unknown),
            (status(400), Nothing),
            (status(404), Nothing),
            (status(429), Nothing),
            (status(503), Nothing),
            (status(408), Unknown),
            (status(500), Unknown),
            (status(502), Unknown),
            (status(504), Unknown),
            (status(302), Unknown),
            (
                Error::Decode {
                    reason: "r".into(),
                    body: body(),
                },
                Unknown,
            ),
            (
                Error::Signature {
                    reason: SignatureFailure::Mismatch,
                    body: body(),
                },
                Unknown,
            ),
            (
                Error::Service(Box::new(ServiceError::untyped(
                    Refusal {
                        field: "code".into(),
                        code: "c".into(),
                        message: None,
                    },
                    Authenticity::Verified,
                    true,
                    None,
                    body(),
                ))),
                Nothing,
            ),
            // Anyone on the path can forge an unsigned refusal: for a payment it cannot
            // say that no money moved.
            (
                Error::Service(Box::new(ServiceError::untyped(
                    Refusal {
                        field: "return_code".into(),
                        code: "FAIL".into(),
                        message: None,
                    },
                    Authenticity::UnsignedErrorReply,
                    true,
                    None,
                    body(),
                ))),
                Unknown,
            ),
            (
                Error::Service(Box::new(ServiceError::untyped(
                    Refusal {
                        field: "return_code".into(),
                        code: "FAIL".into(),
                        message: None,
                    },
                    Authenticity::UnsignedErrorReply,
                    false,
                    None,
                    body(),
                ))),
                Nothing,
            ),
            (
                Error::Service(Box::new(ServiceError::untyped(
                    Refusal {
                        field: "code".into(),
                        code: "40004".into(),
                        message: None,
                    },
                    Authenticity::Verified,
                    true,
                    Some(ReceivedCode {
                        field: "sub_code".into(),
                        value: "ACQ.SYSTEM_ERROR".into(),
                        outcome: CodeOutcome::Unknown,
                    }),
                    body(),
                ))),
                Unknown,
            ),
            (
                Error::Service(Box::new(ServiceError::untyped(
                    Refusal {
                        field: "code".into(),
                        code: "10003".into(),
                        message: None,
                    },
                    Authenticity::Verified,
                    true,
                    Some(ReceivedCode {
                        field: "code".into(),
                        value: "10003".into(),
                        outcome: CodeOutcome::InProgress,
                    }),
                    body(),
                ))),
                Unknown,
            ),
            (
                Error::Service(Box::new(ServiceError::untyped(
                    Refusal {
                        field: "code".into(),
                        code: "FAIL".into(),
                        message: None,
                    },
                    Authenticity::Verified,
                    true,
                    Some(ReceivedCode {
                        field: "err_code".into(),
                        value: "ORDERPAID".into(),
                        outcome: CodeOutcome::Failed,
                    }),
                    body(),
                ))),
                Nothing,
            ),
        ];
        for (error, expected) in rows {
            assert_eq!(error.outcome(), expected, "{error}");
            assert_ne!(error.is_retry_safe(), error.outcome_unknown(), "{error}");
        }
    }
}

/// Why a certificate carried in a message is not trusted. Each names the certificate by
/// its subject (RFC 4514 text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateFailure {
    /// The message carries no certificate where the spec says.
    Missing(String),
    /// The text is not a certificate (PEM, or base64 of its DER).
    Unreadable(String),
    /// No configured root or intermediate has the certificate's issuer as its subject.
    NotChained {
        /// The certificate.
        subject: String,
        /// Its issuer, which nothing configured is.
        issuer: String,
    },
    /// The issuer named by the certificate did not sign it.
    BadSignature {
        /// The certificate.
        subject: String,
    },
    /// The certificate is signed with an algorithm that is not RSA with SHA-256 or
    /// SHA-1, or SM2 with SM3.
    UnsupportedAlgorithm {
        /// The certificate.
        subject: String,
        /// The signature algorithm's OID.
        oid: String,
    },
    /// The receiver's clock is outside the certificate's validity period.
    OutsideValidity {
        /// The certificate.
        subject: String,
        /// Start of the period, Unix seconds.
        not_before: u64,
        /// End of the period, Unix seconds.
        not_after: u64,
        /// The receiver's clock, Unix seconds.
        now: i64,
    },
    /// An intermediate that is not a CA allowed to sign certificates.
    NotCa {
        /// The intermediate.
        subject: String,
    },
    /// The carried certificate is a CA's or may not sign, so it is no signer's.
    NotSigner {
        /// The carried certificate.
        subject: String,
    },
    /// The carried certificate's subject has another common name than the spec expects.
    SubjectMismatch {
        /// The expected common name.
        expected: String,
        /// The certificate's subject.
        subject: String,
    },
    /// The carried certificate's key is not of the recipe's scheme (RSA, SM2).
    KeyType {
        /// The certificate.
        subject: String,
    },
    /// More intermediates than any provider's path has.
    TooLong {
        /// The most certificates a path may have above the carried one.
        max: usize,
    },
}

impl fmt::Display for CertificateFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing(place) => write!(f, "no certificate in `{place}`"),
            Self::Unreadable(place) => write!(f, "`{place}` holds no readable X.509 certificate"),
            Self::NotChained { subject, issuer } => write!(
                f,
                "certificate `{subject}` is issued by `{issuer}`, which is no configured root or intermediate"
            ),
            Self::BadSignature { subject } => write!(
                f,
                "certificate `{subject}`'s signature is not its issuer's"
            ),
            Self::UnsupportedAlgorithm { subject, oid } => write!(
                f,
                "certificate `{subject}` is signed with algorithm {oid}, not RSA-SHA256, RSA-SHA1 or SM2-SM3"
            ),
            Self::OutsideValidity {
                subject,
                not_before,
                not_after,
                now,
            } => write!(
                f,
                "certificate `{subject}` is valid from {not_before} to {not_after} (Unix seconds), not at {now}"
            ),
            Self::NotCa { subject } => write!(
                f,
                "intermediate `{subject}` is not a CA that may sign certificates"
            ),
            Self::NotSigner { subject } => write!(
                f,
                "certificate `{subject}` is a CA's or may not sign, so it signs no message"
            ),
            Self::SubjectMismatch { expected, subject } => write!(
                f,
                "certificate `{subject}` does not have the common name `{expected}`"
            ),
            Self::KeyType { subject } => write!(
                f,
                "certificate `{subject}`'s key is not of the recipe's algorithm"
            ),
            Self::TooLong { max } => write!(
                f,
                "the certificate path has more than {max} certificates above the carried one"
            ),
        }
    }
}
