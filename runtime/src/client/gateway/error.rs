//! What a [`Gateway`](super::Gateway) call can fail with.

use crate::error::{Error, Outcome, ServiceError};
use paygen_protocol::GatewayRoleKind;

/// A gateway call's failure: a role the provider lacks, or the runtime's error, which
/// keeps the provider's refusal ([`ServiceError`]) and what it says happened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayError {
    /// The provider's spec maps no operation to this role: nothing was sent.
    #[error("{provider} does not support `{}`", role.name())]
    NotSupported {
        /// The provider's spec name.
        provider: String,
        /// The role asked for.
        role: GatewayRoleKind,
    },
    /// The provider's spec gives no pay-poll-cancel (`gateway.settle`): nothing was sent.
    #[error("{provider} has no pay-poll-cancel flow")]
    NoSettlePlan {
        /// The provider's spec name.
        provider: String,
    },
    /// The provider's spec maps no notification onto the model.
    #[error("{provider} maps no notification onto the payment model")]
    NoNotification {
        /// The provider's spec name.
        provider: String,
    },
    /// The call failed: a parameter, the transport, the reply, or a refusal.
    #[error(transparent)]
    Provider(#[from] Error),
}

impl GatewayError {
    /// What the failure says about the provider's side (a role not supported: nothing
    /// happened).
    pub fn outcome(&self) -> Outcome {
        match self {
            GatewayError::NotSupported { .. }
            | GatewayError::NoSettlePlan { .. }
            | GatewayError::NoNotification { .. } => Outcome::NothingHappened,
            GatewayError::Provider(error) => error.outcome(),
        }
    }

    /// Whether the provider may have acted: query before acting again.
    pub fn outcome_unknown(&self) -> bool {
        self.outcome() == Outcome::Unknown
    }

    /// Whether sending the same request again (or to another provider) cannot cause a
    /// second charge.
    pub fn is_retry_safe(&self) -> bool {
        self.outcome() == Outcome::NothingHappened
    }

    /// The provider's refusal, when it said no.
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            GatewayError::Provider(error) => error.service_error(),
            GatewayError::NotSupported { .. }
            | GatewayError::NoSettlePlan { .. }
            | GatewayError::NoNotification { .. } => None,
        }
    }
}
