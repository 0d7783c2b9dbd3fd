//! [`Gateway`] over an untyped client and a mapping built at run time: what the CLI's
//! demo and the conformance test drive every spec through, with the same engine the
//! runtime's `impl Gateway for Client` runs for a generated client.

use super::model::{
    OrderRef, PayRequest, PaymentEvent, PaymentResult, PrecreateRequest, RefundQueryRequest,
    RefundRequest,
};
use super::{Gateway, GatewayFuture, Role, SettlePlan};
use crate::client::core::ClientCore;
use crate::client::inbound::{Delivery, InboundRequest};
use crate::client::transport::Transport;
use paygen_protocol::GatewayMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A client's core and its provider's `gateway:` mapping.
#[derive(Debug)]
pub struct MappedGateway<T> {
    core: ClientCore<T>,
    map: GatewayMap,
}

impl<T: Transport> MappedGateway<T> {
    /// The gateway of `core` by `map`.
    pub fn new(core: ClientCore<T>, map: GatewayMap) -> Self {
        MappedGateway { core, map }
    }

    /// The untyped client underneath.
    pub fn core(&self) -> &ClientCore<T> {
        &self.core
    }

    /// The mapping.
    pub fn map(&self) -> &GatewayMap {
        &self.map
    }
}

impl<T: Transport> Gateway for MappedGateway<T> {
    fn provider(&self) -> &str {
        self.core.provider_name()
    }

    fn supports(&self, role: Role) -> bool {
        self.map.role(role).is_some()
    }

    fn settle_plan(&self) -> Option<SettlePlan> {
        self.map.settle.as_ref().map(SettlePlan::of)
    }

    fn now_millis(&self) -> i64 {
        self.core.now_millis()
    }

    fn pause(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        self.core.pause(duration)
    }

    fn pay<'a>(&'a self, request: &'a PayRequest) -> GatewayFuture<'a, PaymentResult> {
        Box::pin(self.core.gateway_pay(&self.map, request))
    }

    fn precreate<'a>(&'a self, request: &'a PrecreateRequest) -> GatewayFuture<'a, PaymentResult> {
        Box::pin(self.core.gateway_precreate(&self.map, request))
    }

    fn query<'a>(&'a self, order: &'a OrderRef) -> GatewayFuture<'a, PaymentResult> {
        Box::pin(self.core.gateway_order(&self.map, Role::Query, order))
    }

    fn refund<'a>(&'a self, request: &'a RefundRequest) -> GatewayFuture<'a, PaymentResult> {
        Box::pin(self.core.gateway_refund(&self.map, request))
    }

    fn refund_query<'a>(
        &'a self,
        request: &'a RefundQueryRequest,
    ) -> GatewayFuture<'a, PaymentResult> {
        Box::pin(self.core.gateway_refund_query(&self.map, request))
    }

    fn cancel<'a>(&'a self, order: &'a OrderRef) -> GatewayFuture<'a, PaymentResult> {
        Box::pin(self.core.gateway_order(&self.map, Role::Cancel, order))
    }

    fn close<'a>(&'a self, order: &'a OrderRef) -> GatewayFuture<'a, PaymentResult> {
        Box::pin(self.core.gateway_order(&self.map, Role::Close, order))
    }

    fn receive_notification<'a>(
        &'a self,
        request: InboundRequest<'a>,
    ) -> GatewayFuture<'a, Delivery<PaymentEvent>> {
        Box::pin(self.core.gateway_receive(&self.map, request))
    }
}
