//! The error type of every runtime operation, split by the phase that failed.

use std::fmt;

/// What went wrong, by phase: building the request, sending it, or reading the answer.
/// Errors about a received message keep its raw body; none ever contains a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
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
    /// The request could not be delivered or no answer came.
    #[error("transport ({kind}): {message}")]
    Transport {
        /// Connect failure, timeout, or other.
        kind: TransportErrorKind,
        /// What the transport said.
        message: String,
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
    /// The received message's signature did not verify.
    #[error("signature check failed: {reason}")]
    Signature {
        /// Which check failed.
        reason: SignatureFailure,
        /// The raw body received.
        body: String,
    },
    /// The provider answered, verified, and said no.
    #[error("provider refused: code `{code}`{}", message.as_deref().map(|m| format!(", message `{m}`")).unwrap_or_default())]
    Business {
        /// The code field's value as received.
        code: String,
        /// The message field's value, when present.
        message: Option<String>,
        /// The raw body received.
        body: String,
    },
}

impl Error {
    /// Whether sending the same request again cannot cause a second charge or refund.
    /// A timeout is not: the payment may have gone through; query, then cancel.
    pub fn is_retry_safe(&self) -> bool {
        match self {
            Error::Transport { kind, .. } => *kind == TransportErrorKind::Connect,
            Error::HttpStatus { status, .. } => *status == 429 || *status == 503,
            _ => false,
        }
    }

    /// Whether the outcome at the provider is unknown (query before acting).
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            Error::Transport {
                kind: TransportErrorKind::Timeout | TransportErrorKind::Other,
                ..
            }
        ) || matches!(self, Error::HttpStatus { status, .. } if *status >= 500)
    }

    /// The raw body of the received message this error is about.
    pub fn raw_body(&self) -> Option<&str> {
        match self {
            Error::HttpStatus { body, .. }
            | Error::Decode { body, .. }
            | Error::Signature { body, .. }
            | Error::Business { body, .. } => Some(body),
            _ => None,
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
}

impl fmt::Display for ParamRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamRule::Required => f.write_str("is required"),
            ParamRule::TooLong { max, actual } => {
                write!(f, "is {actual} characters, at most {max} allowed")
            }
            ParamRule::NotAllowed { allowed } => {
                write!(f, "must be one of {}", allowed.join(", "))
            }
            ParamRule::WrongType { expected } => write!(f, "must be {expected}"),
            ParamRule::Unknown => f.write_str("is not a field of this operation"),
            ParamRule::OneOf { fields } => {
                write!(f, "at least one of {} is required", fields.join(", "))
            }
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

/// Why a received signature was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureFailure {
    /// The signature field or header is absent.
    Missing(String),
    /// The signature does not match the one computed over the received values.
    Mismatch,
    /// Empty signature on a message that claims success.
    EmptyOnSuccess,
}

impl fmt::Display for SignatureFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignatureFailure::Missing(field) => write!(f, "no signature in `{field}`"),
            SignatureFailure::Mismatch => {
                f.write_str("signature does not match the received values")
            }
            SignatureFailure::EmptyOnSuccess => {
                f.write_str("empty signature on a message that reports success")
            }
        }
    }
}
