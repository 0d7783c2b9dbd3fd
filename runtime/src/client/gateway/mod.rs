//! One interface over every provider: [`Gateway`], implemented by every generated client
//! whose spec has a `gateway:` section, the payment model it speaks, and pay-poll-cancel
//! over it ([`pay_and_settle`]).

mod engine;
pub use engine::classify;
pub mod error;
mod mapped;
pub mod model;
pub mod settle;

use crate::client::inbound::{Delivery, InboundRequest};
pub use error::GatewayError;
pub use mapped::MappedGateway;
pub use model::{
    Extra, OrderRef, PayRequest, PaymentEvent, PaymentResult, PaymentStatus, PrecreateRequest,
    RefundQueryRequest, RefundRequest,
};
pub use paygen_protocol::{EventKind, GatewayRoleKind as Role};
pub use settle::{pay_and_settle, pay_and_settle_observed, GatewaySettlement, SettlePlan};
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

/// A generated client is the gateway its provider's calls are: the generated crate
/// implements [`Gateway`] for its `Calls` (the orphan rule keeps it from implementing it
/// for the runtime's [`Client`](crate::Client)), and this forwards, so `Arc<dyn Gateway>` takes a
/// client as it is.
impl<P, T> Gateway for crate::client::provider::Client<P, T>
where
    P: crate::client::provider::Provider,
    P::Calls<T>: Gateway,
{
    fn provider(&self) -> &str {
        (**self).provider()
    }

    fn supports(&self, role: Role) -> bool {
        (**self).supports(role)
    }

    fn settle_plan(&self) -> Option<SettlePlan> {
        (**self).settle_plan()
    }

    fn now_millis(&self) -> i64 {
        (**self).now_millis()
    }

    fn pause(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        (**self).pause(duration)
    }

    fn pay<'a>(&'a self, request: &'a PayRequest) -> GatewayFuture<'a, PaymentResult> {
        (**self).pay(request)
    }

    fn precreate<'a>(&'a self, request: &'a PrecreateRequest) -> GatewayFuture<'a, PaymentResult> {
        (**self).precreate(request)
    }

    fn query<'a>(&'a self, order: &'a OrderRef) -> GatewayFuture<'a, PaymentResult> {
        (**self).query(order)
    }

    fn refund<'a>(&'a self, request: &'a RefundRequest) -> GatewayFuture<'a, PaymentResult> {
        (**self).refund(request)
    }

    fn refund_query<'a>(
        &'a self,
        request: &'a RefundQueryRequest,
    ) -> GatewayFuture<'a, PaymentResult> {
        (**self).refund_query(request)
    }

    fn cancel<'a>(&'a self, order: &'a OrderRef) -> GatewayFuture<'a, PaymentResult> {
        (**self).cancel(order)
    }

    fn close<'a>(&'a self, order: &'a OrderRef) -> GatewayFuture<'a, PaymentResult> {
        (**self).close(order)
    }

    fn receive_notification<'a>(
        &'a self,
        request: InboundRequest<'a>,
    ) -> GatewayFuture<'a, Delivery<PaymentEvent>> {
        (**self).receive_notification(request)
    }
}
