//! One interface over every provider: [`Gateway`], implemented by every generated client
//! whose spec has a `gateway:` section, the payment model it speaks, and pay-poll-cancel
//! over it ([`pay_and_settle`]).

mod engine;
pub use engine::classify;
pub mod error;
mod mapped;
pub mod model;
pub mod observe;
pub mod settle;

use crate::client::inbound::{Delivery, InboundRequest};
pub use error::GatewayError;
pub use mapped::MappedGateway;
pub use model::{
    Extra, OrderRef, PayRequest, PaymentEvent, PaymentResult, PaymentStatus, PrecreateRequest,
    RefundQueryRequest, RefundRequest,
};
pub use observe::{SettleObserver, StepKind, StepRecord, Timing};
pub use paygen_protocol::{EventKind, GatewayRoleKind as Role};
pub use settle::{
    check_roles, pay_and_settle, pay_and_settle_observed, resume_settle, GatewaySettlement,
    SettlePlan,
};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A gateway call's future: boxed, so that [`Gateway`] is dyn-compatible.
pub type GatewayFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, GatewayError>> + Send + 'a>>;

/// One provider behind the payment model: what a service writes its checkout against,
/// as `Arc<dyn Gateway>`, whichever provider is behind it. A role the provider lacks
/// answers [`GatewayError::NotSupported`] and sends nothing.
pub trait Gateway: Send + Sync {
    /// The provider's spec name.
    fn provider(&self) -> &str;

    /// Whether the provider has `role`.
    fn supports(&self, role: Role) -> bool;

    /// How an uncertain payment settles with this provider (its spec's
    /// `gateway.settle`; `None` without pay by code).
    fn settle_plan(&self) -> Option<SettlePlan>;

    /// Now by the client's clock, in milliseconds since the epoch (settle deadlines).
    fn now_millis(&self) -> i64;

    /// Waits `duration` with the client's sleeper (between a settle flow's queries).
    fn pause(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;

    /// Pays by the buyer's code. Sent once; an unknown outcome is settled by querying
    /// ([`pay_and_settle`]), never by paying again.
    fn pay<'a>(&'a self, request: &'a PayRequest) -> GatewayFuture<'a, PaymentResult>;

    /// Creates an order the buyer pays by scanning or following a link.
    fn precreate<'a>(&'a self, request: &'a PrecreateRequest) -> GatewayFuture<'a, PaymentResult>;

    /// Reads an order's state.
    fn query<'a>(&'a self, order: &'a OrderRef) -> GatewayFuture<'a, PaymentResult>;

    /// Refunds (part of) a paid order.
    fn refund<'a>(&'a self, request: &'a RefundRequest) -> GatewayFuture<'a, PaymentResult>;

    /// Reads a refund's state.
    fn refund_query<'a>(
        &'a self,
        request: &'a RefundQueryRequest,
    ) -> GatewayFuture<'a, PaymentResult>;

    /// Reverses an order, paid or not.
    fn cancel<'a>(&'a self, order: &'a OrderRef) -> GatewayFuture<'a, PaymentResult>;

    /// Closes an unpaid order.
    fn close<'a>(&'a self, order: &'a OrderRef) -> GatewayFuture<'a, PaymentResult>;

    /// Verifies a notification from the raw request and reads it as a payment event,
    /// with the exact acknowledgement to answer and whether it was delivered before.
    fn receive_notification<'a>(
        &'a self,
        request: InboundRequest<'a>,
    ) -> GatewayFuture<'a, Delivery<PaymentEvent>>;
}

/// A generated client is its provider's gateway: the engine driven by the spec's
/// `gateway:` mapping ([`Provider::gateway`](crate::Provider::gateway)), written once here
/// for every generated crate; a role the mapping lacks answers
/// [`GatewayError::NotSupported`] and sends nothing.
impl<P, T> Gateway for crate::client::provider::Client<P, T>
where
    P: crate::client::provider::Provider,
    T: crate::client::transport::Transport,
    P::Calls<T>: Send + Sync,
{
    fn provider(&self) -> &str {
        core(self).provider_name()
    }

    fn supports(&self, role: Role) -> bool {
        P::gateway().role(role).is_some()
    }

    fn settle_plan(&self) -> Option<SettlePlan> {
        P::gateway().settle.as_ref().map(SettlePlan::of)
    }

    fn now_millis(&self) -> i64 {
        core(self).now_millis()
    }

    fn pause(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        core(self).pause(duration)
    }

    fn pay<'a>(&'a self, request: &'a PayRequest) -> GatewayFuture<'a, PaymentResult> {
        Box::pin(core(self).gateway_pay(P::gateway(), request))
    }

    fn precreate<'a>(&'a self, request: &'a PrecreateRequest) -> GatewayFuture<'a, PaymentResult> {
        Box::pin(core(self).gateway_precreate(P::gateway(), request))
    }

    fn query<'a>(&'a self, order: &'a OrderRef) -> GatewayFuture<'a, PaymentResult> {
        Box::pin(core(self).gateway_order(P::gateway(), Role::Query, order))
    }

    fn refund<'a>(&'a self, request: &'a RefundRequest) -> GatewayFuture<'a, PaymentResult> {
        Box::pin(core(self).gateway_refund(P::gateway(), request))
    }

    fn refund_query<'a>(
        &'a self,
        request: &'a RefundQueryRequest,
    ) -> GatewayFuture<'a, PaymentResult> {
        Box::pin(core(self).gateway_refund_query(P::gateway(), request))
    }

    fn cancel<'a>(&'a self, order: &'a OrderRef) -> GatewayFuture<'a, PaymentResult> {
        Box::pin(core(self).gateway_order(P::gateway(), Role::Cancel, order))
    }

    fn close<'a>(&'a self, order: &'a OrderRef) -> GatewayFuture<'a, PaymentResult> {
        Box::pin(core(self).gateway_order(P::gateway(), Role::Close, order))
    }

    fn receive_notification<'a>(
        &'a self,
        request: InboundRequest<'a>,
    ) -> GatewayFuture<'a, Delivery<PaymentEvent>> {
        Box::pin(core(self).gateway_receive(P::gateway(), request))
    }
}

/// The shared state under a generated client's methods.
fn core<P: crate::client::provider::Provider, T>(
    client: &crate::client::provider::Client<P, T>,
) -> &crate::client::core::ClientCore<T> {
    crate::client::provider::Calls::core(&**client)
}
