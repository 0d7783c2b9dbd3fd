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
///
/// A `dyn Gateway`'s methods are called without importing the trait. Importing it where
/// a generated client's typed methods are called makes the trait's `query`, `refund`,
/// `close`… shadow the typed ones of the same name (the client is a `Gateway` itself,
/// and its typed methods are reached through `Deref`); there, call the trait's as
/// `Gateway::query(&client, …)` or through the `dyn Gateway`.
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

/// What the one [`Gateway`] implementation reads: a client's core and its provider's
/// `gateway:` mapping. Sealed: a generated client ([`Client`](crate::Client), by
/// [`Provider::gateway`](crate::Provider::gateway)) and [`MappedGateway`] (a mapping
/// built at run time) are its only kinds.
mod parts {
    use crate::client::core::ClientCore;
    use paygen_protocol::GatewayMap;

    /// A client core and the mapping the engine drives it by.
    pub trait MappedParts: Send + Sync {
        /// The client's transport.
        type Transport: crate::client::transport::Transport;
        /// The untyped client underneath.
        fn core(&self) -> &ClientCore<Self::Transport>;
        /// The provider's mapping.
        fn map(&self) -> &GatewayMap;
    }
}

/// A generated client is its provider's gateway: the spec's `gateway:` mapping
/// ([`Provider::gateway`](crate::Provider::gateway)), written once here for every
/// generated crate.
impl<P, T> parts::MappedParts for crate::client::provider::Client<P, T>
where
    P: crate::client::provider::Provider,
    T: crate::client::transport::Transport,
    P::Calls<T>: Send + Sync,
{
    type Transport = T;

    fn core(&self) -> &crate::client::core::ClientCore<T> {
        crate::client::provider::Calls::core(&**self)
    }

    fn map(&self) -> &paygen_protocol::GatewayMap {
        P::gateway()
    }
}

/// The engine driven by a mapping, for every kind of client that has one; a role the
/// mapping lacks answers [`GatewayError::NotSupported`] and sends nothing.
impl<M: parts::MappedParts> Gateway for M {
    fn provider(&self) -> &str {
        self.core().provider_name()
    }

    fn supports(&self, role: Role) -> bool {
        self.map().role(role).is_some()
    }

    fn settle_plan(&self) -> Option<SettlePlan> {
        self.map().settle.as_ref().map(SettlePlan::of)
    }

    fn now_millis(&self) -> i64 {
        self.core().now_millis()
    }

    fn pause(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        self.core().pause(duration)
    }

    fn pay<'a>(&'a self, request: &'a PayRequest) -> GatewayFuture<'a, PaymentResult> {
        Box::pin(self.core().gateway_pay(self.map(), request))
    }

    fn precreate<'a>(&'a self, request: &'a PrecreateRequest) -> GatewayFuture<'a, PaymentResult> {
        Box::pin(self.core().gateway_precreate(self.map(), request))
    }

    fn query<'a>(&'a self, order: &'a OrderRef) -> GatewayFuture<'a, PaymentResult> {
        Box::pin(self.core().gateway_order(self.map(), Role::Query, order))
    }

    fn refund<'a>(&'a self, request: &'a RefundRequest) -> GatewayFuture<'a, PaymentResult> {
        Box::pin(self.core().gateway_refund(self.map(), request))
    }

    fn refund_query<'a>(
        &'a self,
        request: &'a RefundQueryRequest,
    ) -> GatewayFuture<'a, PaymentResult> {
        Box::pin(self.core().gateway_refund_query(self.map(), request))
    }

    fn cancel<'a>(&'a self, order: &'a OrderRef) -> GatewayFuture<'a, PaymentResult> {
        Box::pin(self.core().gateway_order(self.map(), Role::Cancel, order))
    }

    fn close<'a>(&'a self, order: &'a OrderRef) -> GatewayFuture<'a, PaymentResult> {
        Box::pin(self.core().gateway_order(self.map(), Role::Close, order))
    }

    fn receive_notification<'a>(
        &'a self,
        request: InboundRequest<'a>,
    ) -> GatewayFuture<'a, Delivery<PaymentEvent>> {
        Box::pin(self.core().gateway_receive(self.map(), request))
    }
}
